package db_test

import (
	"context"
	"path/filepath"
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
