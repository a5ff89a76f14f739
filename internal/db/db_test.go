package db_test

import (
	"context"
	"errors"
	"testing"

	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
)

func TestRebind(t *testing.T) {
	d := &db.DB{Dialect: db.Postgres}
	got := d.Rebind("SELECT a FROM t WHERE b = ? AND c = '?' AND d IN (?, ?)")
	want := "SELECT a FROM t WHERE b = $1 AND c = '?' AND d IN ($2, $3)"
	if got != want {
		t.Fatalf("Rebind = %q, want %q", got, want)
	}
	s := &db.DB{Dialect: db.SQLite}
	if q := "SELECT ?"; s.Rebind(q) != q {
		t.Fatal("sqlite must keep ? placeholders")
	}
}

func TestMigrateAndTx(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// Migrating again is a no-op.
		applied, err := d.Migrate(ctx)
		if err != nil || len(applied) != 0 {
			t.Fatalf("second migrate: %v %v", applied, err)
		}
		// A failing transaction leaves nothing behind.
		boom := errors.New("boom")
		err = d.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO meta (key, value) VALUES (?, ?)", "k", "v"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx error = %v", err)
		}
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM meta WHERE key = ?", "k").Scan(&n); err != nil || n != 0 {
			t.Fatalf("rolled-back row visible: n=%d err=%v", n, err)
		}
		// Unique violations map to ErrUnique on both databases.
		if _, err := d.Exec(ctx, "INSERT INTO meta (key, value) VALUES (?, ?)", "k", "v"); err != nil {
			t.Fatal(err)
		}
		_, err = d.Exec(ctx, "INSERT INTO meta (key, value) VALUES (?, ?)", "k", "w")
		if !errors.Is(err, db.ErrUnique) {
			t.Fatalf("duplicate insert error = %v, want ErrUnique", err)
		}
	})
}
