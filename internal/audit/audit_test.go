package audit_test

import (
	"context"
	"errors"
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
	if _, err := d.Exec(ctx, "DELETE FROM audit_log WHERE pos = 3"); err != nil {
		t.Fatal(err)
	}
	var broken *audit.ErrBroken
	if _, err := audit.Verify(ctx, d); !errors.As(err, &broken) || broken.Pos != 3 {
		t.Fatalf("truncated chain: %v", err)
	}
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
