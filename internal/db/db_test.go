package db_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
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

// TestGroupCommitIsolatesFailures: many transactions at once, every third
// failing after its write; the failing ones leave nothing, the others all
// land — whether or not they shared a commit.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		const n = 90
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			go func(i int) {
				errs <- d.InTx(ctx, func(tx *db.Tx) error {
					if _, err := tx.Exec(ctx, "INSERT INTO meta (key, value) VALUES (?, ?)", fmt.Sprintf("k%03d", i), "v"); err != nil {
						return err
					}
					if i%3 == 0 {
						return fmt.Errorf("job %d fails", i)
					}
					return nil
				})
			}(i)
		}
		failed := 0
		for i := 0; i < n; i++ {
			if err := <-errs; err != nil {
				failed++
			}
		}
		var rows int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM meta WHERE key LIKE 'k%'").Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if failed != n/3 || rows != n-n/3 {
			t.Fatalf("failed=%d rows=%d, want %d and %d", failed, rows, n/3, n-n/3)
		}
		var bad int
		d.QueryRow(ctx, "SELECT COUNT(*) FROM meta WHERE key IN ('k000', 'k003', 'k099')").Scan(&bad)
		if bad != 0 {
			t.Fatal("a failed transaction's row was committed")
		}
		if d.Dialect != db.SQLite {
			return // on PostgreSQL a panic stays in its caller's goroutine
		}
		// A panic in one transaction is that caller's error, not the end of
		// the shared writer.
		err := d.InTx(ctx, func(tx *db.Tx) error { panic("boom") })
		if err == nil || !strings.Contains(err.Error(), "panic") {
			t.Fatalf("panic in a transaction: %v", err)
		}
		if err := d.InTx(ctx, func(tx *db.Tx) error { return nil }); err != nil {
			t.Fatalf("writer dead after a panic: %v", err)
		}
	})
}
