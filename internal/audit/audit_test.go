package audit_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
)

func TestVerifyCatchesTampering(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		at := time.Date(2026, 11, 26, 9, 0, 0, 0, db.Zone)
		actor := &zwfw.Actor{UserID: 7, Name: "吴文静"}
		for i := 0; i < 5; i++ {
			if err := d.InTx(ctx, func(tx *db.Tx) error {
				return audit.Record(ctx, tx, at.Add(time.Duration(i)*time.Minute), actor, "catalog.update", "item:010100100000", map[string]int{"version": i + 1})
			}); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := audit.Verify(ctx, d); err != nil || n != 5 {
			t.Fatalf("verify clean chain: %d %v", n, err)
		}
		var broken *audit.ErrBroken
		// Nobody can change the log through the database's front door…
		for _, q := range []string{"UPDATE audit_log SET detail = '{}' WHERE pos = 3", "DELETE FROM audit_log WHERE pos = 2"} {
			if _, err := d.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("%s: %v, want refused as append-only", q, err)
			}
		}
		// …so whoever tampers goes around it, as the owner of the database
		// would; the chain still tells.
		bypassAppendOnly(t, d)
		// Altering an entry's content is caught at that entry.
		if _, err := d.Exec(ctx, "UPDATE audit_log SET detail = ? WHERE pos = 3", `{"version":99}`); err != nil {
			t.Fatal(err)
		}
		if _, err := audit.Verify(ctx, d); !errors.As(err, &broken) || broken.Pos != 3 {
			t.Fatalf("altered entry: %v", err)
		}
		if _, err := d.Exec(ctx, "UPDATE audit_log SET detail = ? WHERE pos = 3", `{"version":3}`); err != nil {
			t.Fatal(err)
		}
		if _, err := audit.Verify(ctx, d); err != nil {
			t.Fatalf("restored chain: %v", err)
		}
		// Removing an entry is caught where the gap is.
		if _, err := d.Exec(ctx, "DELETE FROM audit_log WHERE pos = 2"); err != nil {
			t.Fatal(err)
		}
		if _, err := audit.Verify(ctx, d); !errors.As(err, &broken) || broken.Pos != 2 {
			t.Fatalf("removed entry: %v", err)
		}
	})
}

func TestVerifyCatchesTruncation(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			return audit.Record(ctx, tx, time.Now(), zwfw.System, "org.create", "org:x", nil)
		}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := audit.Chain(ctx, d); err != nil || n != 3 {
		t.Fatalf("chain: %d %v", n, err)
	}
	bypassAppendOnly(t, d)
	if _, err := d.Exec(ctx, "DELETE FROM audit_log WHERE pos = 3"); err != nil {
		t.Fatal(err)
	}
	var broken *audit.ErrBroken
	if _, err := audit.Verify(ctx, d); !errors.As(err, &broken) || broken.Pos != 3 {
		t.Fatalf("truncated chain: %v", err)
	}
}

// bypassAppendOnly drops the triggers that keep the log append-only, as
// someone with the database owner's rights could.
func bypassAppendOnly(t *testing.T, d *db.DB) {
	t.Helper()
	drops := []string{"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"}
	if d.Dialect == db.Postgres {
		drops = []string{"DROP TRIGGER audit_log_append_only ON audit_log", "DROP TRIGGER audit_log_no_truncate ON audit_log"}
	}
	for _, q := range drops {
		if _, err := d.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// TestAppendOnly: entries are written and chained, and then neither
// changed nor removed, not even by an administrator's SQL.
func TestAppendOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			return audit.Record(ctx, tx, time.Now(), zwfw.System, "user.create", "user:1", nil)
		}); err != nil {
			t.Fatal(err)
		}
		// Before chaining, the content is already fixed.
		if _, err := d.Exec(ctx, "UPDATE audit_log SET actor_name = 'x'"); err == nil {
			t.Fatal("changing an unchained entry's content was allowed")
		}
		if n, err := audit.Chain(ctx, d); err != nil || n != 1 {
			t.Fatalf("chain: %d %v", n, err)
		}
		refused := []string{"UPDATE audit_log SET hash = 'x'", "UPDATE audit_log SET pos = NULL", "DELETE FROM audit_log"}
		if d.Dialect == db.Postgres {
			refused = append(refused, "TRUNCATE audit_log")
		}
		for _, q := range refused {
			if _, err := d.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want refused as append-only", q, err)
			}
		}
		if n, err := audit.Verify(ctx, d); err != nil || n != 1 {
			t.Fatalf("verify: %d %v", n, err)
		}
	})
}

// TestChainAcrossWriters: entries written concurrently by many transactions
// are all chained, once each, in one unbroken chain, also when several
// chainers run at the same time (several server processes).
func TestChainAcrossWriters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(2)
			go func() {
				defer wg.Done()
				for i := 0; i < 25; i++ {
					d.InTx(ctx, func(tx *db.Tx) error {
						return audit.Record(ctx, tx, time.Now(), zwfw.System, "case.accept", "case:x", map[string]int{"i": i})
					})
				}
			}()
			go func() {
				defer wg.Done()
				for i := 0; i < 5; i++ {
					if _, err := audit.Chain(ctx, d); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		n, err := audit.Verify(ctx, d)
		if err != nil || n != 200 {
			t.Fatalf("verify: %d entries, %v", n, err)
		}
	})
}
