package db

import "context"

// MigrateTo applies the migrations up to version, for tests of an upgrade.
func MigrateTo(ctx context.Context, d *DB, version int64) error {
	p, err := d.provider()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}
