package rollup

// The queue of case changes on PostgreSQL (rollup_pending, migration
// 00020): Move appends a change in the case's transaction, Fold adds the
// committed ones to the buckets and deletes them in one transaction, so
// every change counts exactly once — a crash before the fold leaves it
// queued, one after leaves it folded. Readers call Flush first and see
// every change committed before they asked.

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"zwfw/internal/db"
)

// change is a queued case change: the case before (nil for a new case) and
// after.
type change struct {
	Before *Case `json:"b,omitempty"`
	After  *Case `json:"a,omitempty"`
}

func enqueue(ctx context.Context, tx *db.Tx, before, after *Case) error {
	if len(plan(before, after)) == 0 {
		return nil // nothing the rollup counts has changed
	}
	b, err := json.Marshal(change{before, after})
	if err != nil {
		return fmt.Errorf("rollup: %w", err)
	}
	if err := tx.Later(ctx, nil, "INSERT INTO rollup_pending (change) VALUES (?)", string(b)); err != nil {
		return fmt.Errorf("rollup: queue: %w", err)
	}
	return nil
}

// foldBatch bounds the changes one fold transaction takes.
const foldBatch = 5000

// foldLock is the PostgreSQL advisory lock that lets one process fold at a
// time: two folds would only wait on each other's bucket rows.
const foldLock = 0x7a776677726f6c6c // "zwfwroll"

// Fold adds the queued changes committed so far to the buckets, and returns
// how many it folded. Several processes may call it at once; each folds
// what the others have not. On SQLite nothing is ever queued.
func Fold(ctx context.Context, d *db.DB) (int, error) {
	if d.Dialect != db.Postgres {
		return 0, nil
	}
	total := 0
	for {
		n := 0
		err := d.InTx(ctx, func(tx *db.Tx) error {
			var err error
			n, err = foldTx(ctx, tx, foldBatch)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("rollup: fold: %w", err)
		}
		total += n
		if n < foldBatch {
			return total, nil
		}
	}
}

// foldTx folds up to limit queued changes (0: all) in tx, holding the fold
// lock to its end.
func foldTx(ctx context.Context, tx *db.Tx, limit int) (int, error) {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(?)", int64(foldLock)); err != nil {
		return 0, err
	}
	q, args := "DELETE FROM rollup_pending RETURNING change", []any(nil)
	if limit > 0 {
		q, args = `DELETE FROM rollup_pending WHERE id IN (SELECT id FROM rollup_pending ORDER BY id LIMIT ?) RETURNING change`, []any{limit}
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	sum := map[Key]Measures{}
	bsum := breakdowns{}
	n := 0
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			rows.Close()
			return 0, err
		}
		var c change
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			rows.Close()
			return 0, fmt.Errorf("rollup: a queued change cannot be read: %w", err)
		}
		for _, d := range plan(c.Before, c.After) {
			m := sum[d.k]
			m.Add(d.m)
			sum[d.k] = m
		}
		for _, d := range breakdownPlan(c.Before, c.After) {
			m := bsum[d.k]
			m.Add(d.m)
			bsum[d.k] = m
		}
		n++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	ds := make([]delta, 0, len(sum))
	for k, m := range sum {
		if !m.Zero() {
			ds = append(ds, delta{k, m})
		}
	}
	slices.SortFunc(ds, func(a, b delta) int { return less(a.k, b.k) })
	return n, apply(ctx, tx, ds, bsum.sorted())
}

// Flush folds whatever is queued, so that a reader sees every change
// committed before it asked. With nothing queued it costs one query.
func Flush(ctx context.Context, d *db.DB) error {
	if d.Dialect != db.Postgres {
		return nil
	}
	var queued bool
	if err := d.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM rollup_pending)").Scan(&queued); err != nil {
		return fmt.Errorf("rollup: %w", err)
	}
	if !queued {
		return nil
	}
	_, err := Fold(ctx, d)
	return err
}

// RunFolder folds the queue every interval until ctx ends, and once more as
// it stops.
func RunFolder(ctx context.Context, d *db.DB, interval time.Duration, log *slog.Logger) {
	if d.Dialect != db.Postgres {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if _, err := Fold(sctx, d); err != nil {
				log.Warn("rollup: fold", "err", err)
			}
			cancel()
			return
		case <-t.C:
		}
		if err := Flush(ctx, d); err != nil && ctx.Err() == nil {
			log.Warn("rollup: fold", "err", err)
		}
	}
}
