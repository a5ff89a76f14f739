package db_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
)

// heard collects the keys a callback was called with.
type heard struct {
	mu   sync.Mutex
	keys []string
}

func (h *heard) add(k string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.keys = append(h.keys, k)
}

func (h *heard) has(k string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Contains(h.keys, k)
}

func (h *heard) reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.keys = nil
}

// within polls cond for up to 200 ms: a notification's trip to another
// process, no more.
func within(cond func() bool) bool {
	for end := time.Now().Add(200 * time.Millisecond); time.Now().Before(end); time.Sleep(2 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

func TestChangesRunAfterCommitOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var h heard
		d.OnChange("thing", h.add)
		if err := d.WaitLive(ctx); err != nil {
			t.Fatal(err)
		}
		h.reset()
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if err := tx.Changed(ctx, "thing", "a"); err != nil {
				return err
			}
			if h.has("a") {
				t.Error("callback ran before the commit")
			}
			return nil
		})
		if err != nil || !h.has("a") {
			t.Fatalf("committed change not dispatched when InTx returned: %v %v", err, h.keys)
		}
		boom := errors.New("boom")
		_ = d.InTx(ctx, func(tx *db.Tx) error {
			_ = tx.Changed(ctx, "thing", "b")
			return boom
		})
		err = d.InTx(ctx, func(tx *db.Tx) error {
			_ = tx.Savepoint(ctx, func() error {
				_ = tx.Changed(ctx, "thing", "c")
				return boom
			})
			return tx.Changed(ctx, "thing", "d")
		})
		if err != nil || h.has("b") || h.has("c") || !h.has("d") {
			t.Fatalf("rolled-back changes must be forgotten, committed ones heard: %v %v", err, h.keys)
		}
	})
}

// Two processes on one PostgreSQL database: a change committed by one is
// heard by the other at once, and a listener that loses its connection
// turns its caches off, listens again and flushes everything.
func TestChangesReachOtherProcesses(t *testing.T) {
	ctx := context.Background()
	u := dbtest.PostgresSchemaURL(t)
	open := func() *db.DB {
		d, err := db.Open(ctx, db.Options{URL: u, MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	a, b := open(), open()
	if _, err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var ha, hb heard
	a.OnChange("thing", ha.add)
	b.OnChange("thing", hb.add)
	for _, d := range []*db.DB{a, b} {
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := d.WaitLive(wctx)
		cancel()
		if err != nil {
			t.Fatalf("listener never listened: %v", err)
		}
	}
	ha.reset()
	hb.reset()
	if err := a.InTx(ctx, func(tx *db.Tx) error { return tx.Changed(ctx, "thing", "k1") }); err != nil {
		t.Fatal(err)
	}
	if !ha.has("k1") {
		t.Fatal("the writing process must hear its own change when InTx returns")
	}
	if !within(func() bool { return hb.has("k1") }) {
		t.Fatal("the other process did not hear the change within 200 ms")
	}
	_ = a.InTx(ctx, func(tx *db.Tx) error {
		_ = tx.Changed(ctx, "thing", "k2")
		return errors.New("boom")
	})
	time.Sleep(50 * time.Millisecond)
	if hb.has("k2") {
		t.Fatal("a rolled-back change reached the other process")
	}

	// Cut b's listener off: its caches go off, then it listens again and
	// flushes, since it may have missed notifications meanwhile.
	hb.reset()
	if _, err := a.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = 'zwfw changes ' || current_schema()`); err != nil {
		t.Fatal(err)
	}
	if !within(func() bool { return !b.Live() || hb.has("") }) {
		t.Fatal("a lost listener must turn the caches off")
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := b.WaitLive(wctx); err != nil {
		t.Fatalf("listener did not come back: %v", err)
	}
	if !hb.has("") {
		t.Fatal("after listening again every cache must be flushed")
	}
	if err := a.InTx(ctx, func(tx *db.Tx) error { return tx.Changed(ctx, "thing", "k3") }); err != nil {
		t.Fatal(err)
	}
	if !within(func() bool { return hb.has("k3") }) {
		t.Fatal("changes after reconnecting must be heard")
	}
}

// The tree lock: a transaction copying paths (shared) holds a move
// (exclusive) off until it commits, and shared holders do not wait for
// each other. On SQLite the single writer does the same by itself.
func TestTreeLock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if d.Dialect != db.Postgres {
			if err := d.InTx(ctx, func(tx *db.Tx) error { return errors.Join(tx.ShareTree(ctx), tx.LockTree(ctx)) }); err != nil {
				t.Fatal(err)
			}
			return
		}
		copying, release := make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- d.InTx(ctx, func(tx *db.Tx) error {
				if err := tx.ShareTree(ctx); err != nil {
					return err
				}
				close(copying)
				<-release
				return nil
			})
		}()
		<-copying
		if err := d.InTx(ctx, func(tx *db.Tx) error { return tx.ShareTree(ctx) }); err != nil {
			t.Fatalf("a second copier waited for the first: %v", err)
		}
		moved := make(chan time.Time, 1)
		go func() {
			_ = d.InTx(ctx, func(tx *db.Tx) error {
				err := tx.LockTree(ctx)
				moved <- time.Now()
				return err
			})
		}()
		time.Sleep(100 * time.Millisecond)
		released := time.Now()
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if at := <-moved; at.Before(released) {
			t.Fatal("the move took the tree lock while a copy was under way")
		}
	})
}
