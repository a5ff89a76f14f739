package supervision

import (
	"context"
	"fmt"
	"strings"
	"time"

	"zwfw/internal/calendar"
	"zwfw/internal/casework/rollup"
	"zwfw/internal/db"
)

// Any period of submission dates — not only whole months and years — is
// read from the rollup's day, month and year buckets (issue 9 item 5). The
// buckets of a grain hold about the same number of rows each (the county's
// centres, departments, windows, kinds, channels and statuses are nearly
// all busy every month), so a period costs what its buckets hold: a year
// of case_stats about 7 days' worth, a month 4. A period is covered by the
// cheapest signed sum of buckets: besides whole years, whole months and
// the days at both ends, a partial month may be its month less the days
// outside the period, and a partial year its year less the months and days
// outside it. A county view of one to two years from an arbitrary day so
// reads about two thirds of the rows it did with added buckets only.

// segment is a run of buckets of one grain, periods lo to hi inclusive,
// added to the sum, or subtracted from it when neg.
type segment struct {
	grain, lo, hi string
	neg           bool
}

// weights are the rows of a bucket of each grain, as measured at one
// million cases (BENCHMARKS.md): only the choice between a bucket and its
// complement depends on them, never the figures.
type weights struct{ day, month, year int }

var (
	// All of a county's breakdowns: a day ≈ 120 rows, a month ≈ 175, a year ≈ 190.
	allWeights = weights{day: 120, month: 175, year: 190}
	// The status|kind|channel rows alone (the trend, the counts): ≈ 20, 27 and 37.
	statusWeights = weights{day: 20, month: 27, year: 37}
)

// levels of the rollup's grains, coarsest first.
var levels = []string{rollup.Year, rollup.Month, rollup.Day}

// segments covers the dates from … to with the cheapest signed sum of
// buckets no coarser than coarsest. A bucket subtracted lies inside one
// added, so every case of the period counts once and no other case at all.
func segments(from, to time.Time, coarsest string, w weights) []segment {
	lv := 0
	for levels[lv] != coarsest {
		lv++
	}
	_, sgs := cover(from, to, lv, w, true)
	return merge(sgs)
}

// unit is the bucket of level lv containing d: its first and last day.
func unit(lv int, d time.Time) (time.Time, time.Time) {
	switch levels[lv] {
	case rollup.Year:
		first := time.Date(d.Year(), 1, 1, 0, 0, 0, 0, db.Zone)
		return first, first.AddDate(1, 0, -1)
	case rollup.Month:
		first := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, db.Zone)
		return first, first.AddDate(0, 1, -1)
	}
	return d, d
}

func (w weights) cost(lv int) int {
	switch levels[lv] {
	case rollup.Year:
		return w.year
	case rollup.Month:
		return w.month
	}
	return w.day
}

// cover is the cost and the buckets of the dates a … b with buckets of level
// lv and finer: whole buckets of lv as they are, the partial ones at the
// ends either from finer buckets or, when comp and it is cheaper, as their
// bucket less the finer buckets outside a … b.
func cover(a, b time.Time, lv int, w weights, comp bool) (int, []segment) {
	if a.After(b) {
		return 0, nil
	}
	grain := levels[lv]
	if grain == rollup.Day {
		return (int(b.Sub(a).Hours()/24+0.5) + 1) * w.day, []segment{{grain, day(a), day(b), false}}
	}
	cost := 0
	var out []segment
	for d := a; !d.After(b); {
		first, last := unit(lv, d)
		hi := last
		if hi.After(b) {
			hi = b
		}
		if d.Equal(first) && hi.Equal(last) {
			p := rollup.Period(grain, day(d))
			cost, out = cost+w.cost(lv), append(out, segment{grain, p, p, false})
		} else {
			c, sgs := cover(d, hi, lv+1, w, comp)
			if comp {
				before, bs := cover(first, d.AddDate(0, 0, -1), lv+1, w, false)
				after, as := cover(hi.AddDate(0, 0, 1), last, lv+1, w, false)
				if cc := w.cost(lv) + before + after; cc < c {
					p := rollup.Period(grain, day(d))
					c, sgs = cc, []segment{{grain, p, p, false}}
					for _, sg := range append(bs, as...) {
						sg.neg = true
						sgs = append(sgs, sg)
					}
				}
			}
			cost, out = cost+c, append(out, sgs...)
		}
		d = last.AddDate(0, 0, 1)
	}
	return cost, out
}

// merge joins runs of consecutive buckets of one grain and sign, so a
// period of many months is one condition of the query, not one per month.
func merge(sgs []segment) []segment {
	var out []segment
	for _, sg := range sgs {
		if n := len(out); n > 0 && out[n-1].grain == sg.grain && out[n-1].neg == sg.neg && next(sg.grain, out[n-1].hi) == sg.lo {
			out[n-1].hi = sg.hi
			continue
		}
		out = append(out, sg)
	}
	return out
}

// next is the period after p at a grain.
func next(grain, p string) string {
	switch grain {
	case rollup.Year:
		t, _ := time.ParseInLocation("2006", p, db.Zone)
		return t.AddDate(1, 0, 0).Format("2006")
	case rollup.Month:
		t, _ := time.ParseInLocation("2006-01", p, db.Zone)
		return t.AddDate(0, 1, 0).Format("2006-01")
	}
	t, _ := time.ParseInLocation(calendar.DateLayout, p, db.Zone)
	return day(t.AddDate(0, 0, 1))
}

func day(t time.Time) string { return t.Format(calendar.DateLayout) }

// sum reads the breakdown rows (case_breakdowns) of the region
// scopeID in the buckets of the segments, summed per value of the group
// columns (dim, value, grain, period, or an expression on period), of the
// dimension dim only when dim is not "": one query for the buckets added
// and one for those subtracted, whose sums fn receives negated. The
// database adds the buckets up; only the sums cross into Go, and fn must add
// them up per key.
func (s *Service) sum(ctx context.Context, scopeID int64, dim string, sgs []segment, group []string, fn func(rollup.BKey, rollup.Measures)) error {
	for _, neg := range []bool{false, true} {
		var part []segment
		for _, sg := range sgs {
			if sg.neg == neg {
				part = append(part, sg)
			}
		}
		if len(part) == 0 {
			continue
		}
		f := fn
		if neg {
			f = func(k rollup.BKey, m rollup.Measures) {
				fn(k, rollup.Measures{N: -m.N, Done: -m.Done, OnTime: -m.OnTime, HandledDays: -m.HandledDays,
					PromisedDays: -m.PromisedDays, Evals: -m.Evals, Satisfied: -m.Satisfied})
			}
		}
		if err := s.sumPart(ctx, scopeID, dim, part, group, f); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) sumPart(ctx context.Context, scopeID int64, dim string, sgs []segment, group []string, fn func(rollup.BKey, rollup.Measures)) error {
	cols := strings.Join(group, ", ")
	// Sums cast back to BIGINT: PostgreSQL sums BIGINT as NUMERIC, which
	// costs the driver more to decode than the rest of the row.
	ms := []string{"n", "done", "on_time", "handled_days", "promised_days", "evals", "satisfied"}
	for i, m := range ms {
		ms[i] = "CAST(SUM(" + m + ") AS BIGINT)"
	}
	// One range of the primary key per segment (an OR of ranges would have
	// SQLite read all of the organisation's rows).
	var parts []string
	var args []any
	for _, sg := range sgs {
		part := "SELECT * FROM case_breakdowns WHERE scope_id = ? AND grain = ? AND period >= ? AND period <= ?"
		args = append(args, scopeID, sg.grain, sg.lo, sg.hi)
		if dim != "" {
			part += " AND dim = ?"
			args = append(args, dim)
		}
		parts = append(parts, part)
	}
	q := "SELECT " + cols + ", " + strings.Join(ms, ", ") + " FROM (" + strings.Join(parts, " UNION ALL ") + ") b GROUP BY " + cols
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("supervision: rollup: %w", err)
	}
	defer rows.Close()
	dest := make([]any, 0, len(group)+7)
	var k rollup.BKey
	var m rollup.Measures
	for _, g := range group {
		switch g {
		case "dim":
			dest = append(dest, &k.Dim)
		case "value":
			dest = append(dest, &k.Value)
		case "grain":
			dest = append(dest, &k.Grain)
		default:
			dest = append(dest, &k.Period)
		}
	}
	dest = append(dest, &m.N, &m.Done, &m.OnTime, &m.HandledDays, &m.PromisedDays, &m.Evals, &m.Satisfied)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		fn(k, m)
	}
	return rows.Err()
}

// The rollup tables a centre's or a department's dashboard reads (a
// region's reads case_breakdowns): case_stats keyed by centre, department,
// window, kind, channel and status, with every measure; case_counts keyed
// by centre and department only, with cases, completed and on-time cases
// (a fifth of the rows, for the trend and the counts of today, this month
// and this year).
const (
	stats  = "case_stats"
	counts = "case_counts"
)

var (
	statsWeights  = weights{day: 1, month: 4, year: 7} // case_stats: a county's day ≈ 310 rows, month ≈ 1,270, year ≈ 2,100
	countsWeights = weights{day: 1, month: 2, year: 2} // case_counts: day ≈ 140, month and year ≈ 255
)

// sumStats reads the buckets of the segments in scope from case_stats or
// case_counts, as sum does from case_breakdowns, summed per value of the
// group columns (org_id, dept_id, window_id, kind, channel, status, grain,
// period, or an expression on period; case_counts has only org_id,
// dept_id, grain and period, and only the measures N, Done and OnTime).
func (s *Service) sumStats(ctx context.Context, table string, sc scope, sgs []segment, group []string, fn func(rollup.Key, rollup.Measures)) error {
	for _, neg := range []bool{false, true} {
		var part []segment
		for _, sg := range sgs {
			if sg.neg == neg {
				part = append(part, sg)
			}
		}
		if len(part) == 0 {
			continue
		}
		f := fn
		if neg {
			f = func(k rollup.Key, m rollup.Measures) {
				fn(k, rollup.Measures{N: -m.N, Done: -m.Done, OnTime: -m.OnTime, HandledDays: -m.HandledDays,
					PromisedDays: -m.PromisedDays, Evals: -m.Evals, Satisfied: -m.Satisfied})
			}
		}
		if err := s.sumStatsPart(ctx, table, sc, part, group, f); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) sumStatsPart(ctx context.Context, table string, sc scope, sgs []segment, group []string, fn func(rollup.Key, rollup.Measures)) error {
	cols := strings.Join(group, ", ")
	ms := []string{"n", "done", "on_time"}
	if table == stats {
		ms = append(ms, "handled_days", "promised_days", "evals", "satisfied")
	}
	for i, m := range ms {
		ms[i] = "CAST(SUM(" + m + ") AS BIGINT)"
	}
	var where []string
	var args []any
	for _, sg := range sgs {
		where = append(where, "(grain = ? AND period >= ? AND period <= ?)")
		args = append(args, sg.grain, sg.lo, sg.hi)
	}
	q := "SELECT " + cols + ", " + strings.Join(ms, ", ") + " FROM " + table + " WHERE (" + strings.Join(where, " OR ") + ") AND " + sc.cond +
		" GROUP BY " + cols
	rows, err := s.db.Query(ctx, q, append(args, sc.args...)...)
	if err != nil {
		return fmt.Errorf("supervision: rollup: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k rollup.Key
		var m rollup.Measures
		dest := make([]any, 0, len(group)+7)
		for _, g := range group {
			switch g {
			case "org_id":
				dest = append(dest, &k.OrgID)
			case "dept_id":
				dest = append(dest, &k.DeptID)
			case "window_id":
				dest = append(dest, &k.WindowID)
			case "kind":
				dest = append(dest, &k.Kind)
			case "channel":
				dest = append(dest, &k.Channel)
			case "status":
				dest = append(dest, &k.Status)
			case "grain":
				dest = append(dest, &k.Grain)
			default:
				dest = append(dest, &k.Period)
			}
		}
		dest = append(dest, &m.N, &m.Done, &m.OnTime)
		if table == stats {
			dest = append(dest, &m.HandledDays, &m.PromisedDays, &m.Evals, &m.Satisfied)
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		fn(k, m)
	}
	return rows.Err()
}
