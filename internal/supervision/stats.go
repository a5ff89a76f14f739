// Package supervision is electronic supervision (电子监察, §2(6), attachment 2
// (9)): the dashboard's figures, deadline warnings, reports and error
// registration.
package supervision

import (
	"context"
	"fmt"
	"time"

	"zwfw/internal/calendar"
	"zwfw/internal/casework/rollup"
	"zwfw/internal/db"
)

// RebuildStats recomputes the rollup the dashboard reads (case_stats) from
// the cases and evaluations tables: after a bulk load, and as a repair tool.
// Completed cases from before the rollup existed get their completion date
// and handling days first.
func RebuildStats(ctx context.Context, d *db.DB) error {
	if err := backfill(ctx, d); err != nil {
		return err
	}
	return rollup.Rebuild(ctx, d)
}

// RebuildIfEmpty rebuilds the rollup when it is empty but cases exist (a
// database from before the rollup).
func RebuildIfEmpty(ctx context.Context, d *db.DB) error {
	var stats, cases int
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM case_stats LIMIT 1) s").Scan(&stats); err != nil {
		return err
	}
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM cases LIMIT 1) c").Scan(&cases); err != nil {
		return err
	}
	if stats > 0 || cases == 0 {
		return nil
	}
	return RebuildStats(ctx, d)
}

// backfill fills completed_on and handled_days of completed cases that lack
// them.
func backfill(ctx context.Context, d *db.DB) error {
	type row struct {
		id       int64
		acc, com int64
		path     string // the case's organisation, whose calendar counts
	}
	var rows []row
	rs, err := d.Query(ctx, "SELECT id, accepted_at, completed_at, org_path FROM cases WHERE completed_at > 0 AND completed_on = ''")
	if err != nil {
		return fmt.Errorf("supervision: backfill: %w", err)
	}
	var lo, hi time.Time
	for rs.Next() {
		var r row
		if err := rs.Scan(&r.id, &r.acc, &r.com, &r.path); err != nil {
			rs.Close()
			return err
		}
		if r.acc == 0 {
			r.acc = r.com
		}
		for _, t := range []time.Time{db.Time(r.acc), db.Time(r.com)} {
			if lo.IsZero() || t.Before(lo) {
				lo = t
			}
			if t.After(hi) {
				hi = t
			}
		}
		rows = append(rows, r)
	}
	rs.Close()
	if len(rows) == 0 {
		return nil
	}
	span, err := calendar.New(d, time.Now).Span(ctx, lo, hi)
	if err != nil {
		return err
	}
	return d.InTx(ctx, func(tx *db.Tx) error {
		for _, r := range rows {
			on := calendar.Date(db.Time(r.com))
			if _, err := tx.Exec(ctx, "UPDATE cases SET completed_on = ?, handled_days = ? WHERE id = ?",
				on.Format(calendar.DateLayout), max(0, span.Between(r.path, db.Time(r.acc), on)), r.id); err != nil {
				return err
			}
		}
		return nil
	})
}
