package db

import (
	"context"
	"testing/fstest"
)

// MigrateTo applies the migrations up to version, for tests of an upgrade.
func MigrateTo(ctx context.Context, d *DB, version int64) error {
	p, err := d.provider()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// MigrateWith migrates as Migrate does, with one more migration after the
// known ones (name like 99999_x.sql, text with its goose annotations).
func MigrateWith(ctx context.Context, d *DB, name, text string) ([]string, error) {
	fsys, err := d.migrationFS()
	if err != nil {
		return nil, err
	}
	fsys.(fstest.MapFS)[name] = &fstest.MapFile{Data: []byte(text), Mode: 0o444}
	p, err := d.providerOf(fsys)
	if err != nil {
		return nil, err
	}
	return migrate(ctx, p)
}
