package db_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
)

// Migration 00011 gives each adjustment of the old, platform-wide calendar
// to the top of the tree, so that it still applies everywhere.
func TestCalendarAdjustmentsKeptOnUpgrade(t *testing.T) {
	ctx := context.Background()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			o := db.Options{SQLitePath: filepath.Join(t.TempDir(), "up.db")}
			if dialect == "postgres" {
				o = db.Options{URL: dbtest.PostgresSchemaURL(t), MaxConns: 4}
			}
			d, err := db.Open(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if err := db.MigrateTo(ctx, d, 10); err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{
				"INSERT INTO orgs (code, kind, name, path, created_at, updated_at) VALUES ('610900', 'city', '安康市', '', 0, 0)",
				"UPDATE orgs SET path = '/' || id || '/'",
				"INSERT INTO orgs (code, parent_id, kind, name, path, depth, created_at, updated_at) SELECT '610923', id, 'county', '宁陕县', path, 1, 0, 0 FROM orgs",
				"INSERT INTO calendar_days (day, kind, note, created_at) VALUES ('2027-03-15', 'holiday', '防汛', 0)",
			} {
				if _, err := d.Exec(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if _, err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			var code, note string
			if err := d.QueryRow(ctx, "SELECT o.code, a.note FROM calendar_adjustments a JOIN orgs o ON o.id = a.org_id WHERE a.day = '2027-03-15'").Scan(&code, &note); err != nil || code != "610900" || note != "防汛" {
				t.Fatalf("adjustment after the upgrade: %s %s %v", code, note, err)
			}
		})
	}
}

// A database that a newer zwfw migrated is refused before anything runs on
// it, and a migration that fails names its version and the version the
// database stays at.
func TestMigrateRefusesUnknownSchema(t *testing.T) {
	ctx := context.Background()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			o := db.Options{SQLitePath: filepath.Join(t.TempDir(), "new.db")}
			if dialect == "postgres" {
				o = db.Options{URL: dbtest.PostgresSchemaURL(t), MaxConns: 4}
			}
			d, err := db.Open(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if _, err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			_, latest, err := d.SchemaVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// A newer binary migrated it further.
			if _, err := d.Exec(ctx, "INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, ?)", latest+1, true); err != nil {
				t.Fatal(err)
			}
			_, err = d.Migrate(ctx)
			if !errors.Is(err, db.ErrSchemaTooNew) || !strings.Contains(err.Error(), "数据库版本高于本程序") ||
				!strings.Contains(err.Error(), fmt.Sprintf("版本为 %d", latest+1)) || !strings.Contains(err.Error(), "请使用新版本") {
				t.Fatalf("a database from a newer zwfw: %v", err)
			}
			if _, err := d.Exec(ctx, "DELETE FROM goose_db_version WHERE version_id = ?", latest+1); err != nil {
				t.Fatal(err)
			}
			// A migration that fails half way: its first statement is
			// undone with it, and the message names it and where the
			// database stays.
			name := fmt.Sprintf("%05d_broken.sql", latest+1)
			_, err = db.MigrateWith(ctx, d, name, "-- +goose Up\nCREATE TABLE half_done (x INTEGER);\nCREATE TABLE meta (x INTEGER);\n")
			want := fmt.Sprintf("版本 %d（%s）执行失败", latest+1, name)
			if !errors.Is(err, db.ErrMigrationFailed) || !strings.Contains(err.Error(), want) ||
				!strings.Contains(err.Error(), fmt.Sprintf("数据库停在版本 %d", latest)) {
				t.Fatalf("a failed migration: %v (want %q in it)", err, want)
			}
			if _, err := d.Exec(ctx, "SELECT COUNT(*) FROM half_done"); err == nil {
				t.Fatal("the failed migration's first table stayed")
			}
			if cur, _, err := d.SchemaVersion(ctx); err != nil || cur != latest {
				t.Fatalf("after the failure the database is at %d (%v), want %d", cur, err, latest)
			}
		})
	}
}
