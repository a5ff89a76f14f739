package audit_test

import (
	"context"
	"errors"
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
		if n, err := audit.Verify(ctx, d.Reader()); err != nil || n != 5 {
			t.Fatalf("verify clean chain: %d %v", n, err)
		}
		var broken *audit.ErrBroken
		// Altering an entry's content is caught at that entry.
		if _, err := d.Exec(ctx, "UPDATE audit_log SET detail = ? WHERE seq = 3", `{"version":99}`); err != nil {
			t.Fatal(err)
		}
		if _, err := audit.Verify(ctx, d.Reader()); !errors.As(err, &broken) || broken.Seq != 3 {
			t.Fatalf("altered entry: %v", err)
		}
		if _, err := d.Exec(ctx, "UPDATE audit_log SET detail = ? WHERE seq = 3", `{"version":3}`); err != nil {
			t.Fatal(err)
		}
		if _, err := audit.Verify(ctx, d.Reader()); err != nil {
			t.Fatalf("restored chain: %v", err)
		}
		// Removing an entry is caught where the gap is.
		if _, err := d.Exec(ctx, "DELETE FROM audit_log WHERE seq = 2"); err != nil {
			t.Fatal(err)
		}
		if _, err := audit.Verify(ctx, d.Reader()); !errors.As(err, &broken) || broken.Seq != 2 {
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
	if _, err := d.Exec(ctx, "DELETE FROM audit_log WHERE seq = 3"); err != nil {
		t.Fatal(err)
	}
	var broken *audit.ErrBroken
	if _, err := audit.Verify(ctx, d.Reader()); !errors.As(err, &broken) || broken.Seq != 3 {
		t.Fatalf("truncated chain: %v", err)
	}
}
