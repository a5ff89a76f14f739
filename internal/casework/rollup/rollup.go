// Package rollup keeps the supervision rollup in step with the cases table:
// case_stats, keyed by centre, department, window, kind, channel and status,
// its narrow twin case_counts (centre and department only), and the
// dashboard's breakdowns per region derived from it (case_breakdowns,
// breakdowns.go). Casework calls Move in the transaction of every change to
// a case, so the dashboard reads a few hundred rows instead of a million
// cases; org calls Regroup in the transaction that moves an organisation;
// Rebuild recomputes the whole rollup from the cases table.
//
// It lives under casework, which owns every write to a case, and is a leaf
// package (it imports only db): casework never imports supervision, and
// supervision, which reads the rollup, imports casework and this package.
package rollup

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"zwfw/internal/db"
)

// Grains of the rollup: a case counts once per grain, in the period of its
// submission date.
const (
	Day   = "d"
	Month = "m"
	Year  = "y"
)

// Grains lists the grains, finest first.
var Grains = []string{Day, Month, Year}

// Case is what the rollup needs of one case.
type Case struct {
	Day          string // submission date, YYYY-MM-DD
	OrgID        int64  // the centre it was filed at
	DeptID       int64
	WindowID     int64 // 0: none yet
	Kind         string
	Channel      string
	Status       string
	Deadline     string // YYYY-MM-DD, "" before acceptance
	CompletedOn  string // YYYY-MM-DD, "" until completion
	HandledDays  int    // working days from acceptance to completion
	PromisedDays int
	Evals        int // evaluations given
	Satisfied    int // of which 非常满意, 满意 or 基本满意
	// The paths of the centre and the department (orgs.path): the case
	// counts in the breakdowns of the organisations on them above the
	// centre and the department themselves (breakdowns.go).
	OrgPath, DeptPath string
}

// Key identifies a bucket.
type Key struct {
	Grain, Period string
	OrgID, DeptID int64
	WindowID      int64
	Kind, Channel string
	Status        string
}

// Measures are the sums kept per bucket.
type Measures struct {
	N            int64 // cases
	Done         int64 // completed (办结) cases
	OnTime       int64 // completed on or before the deadline
	HandledDays  int64 // working days from acceptance to completion, summed over completed cases
	PromisedDays int64 // promised working days, summed over completed cases
	Evals        int64 // evaluations
	Satisfied    int64 // satisfied evaluations
}

// Add adds m to s.
func (s *Measures) Add(m Measures) {
	s.N += m.N
	s.Done += m.Done
	s.OnTime += m.OnTime
	s.HandledDays += m.HandledDays
	s.PromisedDays += m.PromisedDays
	s.Evals += m.Evals
	s.Satisfied += m.Satisfied
}

func (s Measures) neg() Measures {
	return Measures{-s.N, -s.Done, -s.OnTime, -s.HandledDays, -s.PromisedDays, -s.Evals, -s.Satisfied}
}

// Zero reports whether every measure is zero.
func (s Measures) Zero() bool { return s == Measures{} }

// OnTime reports whether a completed case was completed by its deadline.
func OnTime(completedOn, deadline string) bool {
	return completedOn != "" && (deadline == "" || completedOn <= deadline)
}

// measures is the contribution of one case.
func (c *Case) measures() Measures {
	m := Measures{N: 1, Evals: int64(c.Evals), Satisfied: int64(c.Satisfied)}
	if c.CompletedOn != "" {
		m.Done = 1
		if OnTime(c.CompletedOn, c.Deadline) {
			m.OnTime = 1
		}
		m.HandledDays, m.PromisedDays = int64(c.HandledDays), int64(c.PromisedDays)
	}
	return m
}

// Period is the period of a date (YYYY-MM-DD) at a grain.
func Period(grain, day string) string {
	switch grain {
	case Month:
		return day[:7]
	case Year:
		return day[:4]
	}
	return day
}

func (c *Case) key(grain string) Key {
	return Key{Grain: grain, Period: Period(grain, c.Day), OrgID: c.OrgID, DeptID: c.DeptID, WindowID: c.WindowID,
		Kind: c.Kind, Channel: c.Channel, Status: c.Status}
}

// less orders keys canonically: every transaction touches buckets in this
// order, so two transactions never wait for each other's bucket rows in
// opposite orders (a deadlock on PostgreSQL).
func less(a, b Key) int {
	if c := strings.Compare(a.Grain, b.Grain); c != 0 {
		return c
	}
	if c := strings.Compare(a.Period, b.Period); c != 0 {
		return c
	}
	for _, p := range [][2]int64{{a.OrgID, b.OrgID}, {a.DeptID, b.DeptID}, {a.WindowID, b.WindowID}} {
		if p[0] != p[1] {
			if p[0] < p[1] {
				return -1
			}
			return 1
		}
	}
	if c := strings.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	if c := strings.Compare(a.Channel, b.Channel); c != 0 {
		return c
	}
	return strings.Compare(a.Status, b.Status)
}

type delta struct {
	k Key
	m Measures
}

// Move records a change of one case in the rollup: before is the case as it
// was (nil for a new case), after as it is now. It must run in the
// transaction that changes the case. Each table gets one statement: every
// bucket change of case_stats in one multi-row upsert, one more for
// case_counts only when a count changes (a case filed or completed), and
// one for the breakdowns of the regions above the case.
//
// On PostgreSQL the change is queued instead (rollup_pending, one INSERT that
// locks nothing another transaction needs) and folded into the buckets by
// Fold moments later: with the buckets written here, every transaction
// filing or moving cases of the same centre, department and day would wait
// for the others' bucket rows until they commit — the hot rows that held
// the case API to a sixth of what the server does otherwise (issue 9 item
// 3). SQLite has one writer, so nothing waits on a row there; it writes
// the buckets at once.
func Move(ctx context.Context, tx *db.Tx, before, after *Case) error {
	if tx.Dialect() == db.Postgres {
		return enqueue(ctx, tx, before, after)
	}
	return apply(ctx, tx, plan(before, after), breakdownPlan(before, after))
}

// apply adds the bucket changes ds and the breakdown changes bds (each
// netted, in canonical order) to case_stats, case_counts and
// case_breakdowns.
func apply(ctx context.Context, tx *db.Tx, ds []delta, bds []bdelta) error {
	if len(ds) > 0 {
		q, args := upsertStats(ds)
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("rollup: %w", err)
		}
	}
	if cs := countsPlan(ds); len(cs) > 0 {
		q, args := upsertCounts(cs)
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("rollup: counts: %w", err)
		}
	}
	return upsertBreakdowns(ctx, tx, bds)
}

// countKey identifies a bucket of case_counts: case_stats' keys without
// the window, kind, channel and status.
type countKey struct {
	Grain, Period string
	OrgID, DeptID int64
}

type countDelta struct {
	k               countKey
	n, done, onTime int64
}

// countsPlan folds the bucket changes of case_stats into those of
// case_counts, without the ones that cancel out (a change of status that
// completes nothing), in the canonical order of their keys.
func countsPlan(ds []delta) []countDelta {
	var cs []countDelta
outer:
	for _, d := range ds {
		k := countKey{d.k.Grain, d.k.Period, d.k.OrgID, d.k.DeptID}
		for i := range cs {
			if cs[i].k == k {
				cs[i].n, cs[i].done, cs[i].onTime = cs[i].n+d.m.N, cs[i].done+d.m.Done, cs[i].onTime+d.m.OnTime
				continue outer
			}
		}
		cs = append(cs, countDelta{k, d.m.N, d.m.Done, d.m.OnTime})
	}
	cs = slices.DeleteFunc(cs, func(c countDelta) bool { return c.n == 0 && c.done == 0 && c.onTime == 0 })
	slices.SortFunc(cs, func(a, b countDelta) int {
		return less(Key{Grain: a.k.Grain, Period: a.k.Period, OrgID: a.k.OrgID, DeptID: a.k.DeptID},
			Key{Grain: b.k.Grain, Period: b.k.Period, OrgID: b.k.OrgID, DeptID: b.k.DeptID})
	})
	return cs
}

// plan is the bucket changes of a case change, netted per bucket, without
// the ones that cancel out, in the canonical order of their keys.
func plan(before, after *Case) []delta {
	var ds []delta
	add := func(k Key, m Measures) {
		for i := range ds {
			if ds[i].k == k {
				ds[i].m.Add(m)
				return
			}
		}
		ds = append(ds, delta{k, m})
	}
	for _, g := range Grains {
		if before != nil {
			add(before.key(g), before.measures().neg())
		}
		if after != nil {
			add(after.key(g), after.measures())
		}
	}
	ds = slices.DeleteFunc(ds, func(d delta) bool { return d.m.Zero() })
	slices.SortFunc(ds, func(a, b delta) int { return less(a.k, b.k) })
	return ds
}

// upsertStats is one statement adding the bucket changes to case_stats. The
// keys are distinct (plan nets them) and in canonical order, which is the
// order PostgreSQL locks the rows in.
func upsertStats(ds []delta) (string, []any) {
	var b strings.Builder
	b.WriteString(`INSERT INTO case_stats (grain, period, org_id, dept_id, window_id, kind, channel, status,
	n, done, on_time, handled_days, promised_days, evals, satisfied) VALUES `)
	args := make([]any, 0, 15*len(ds))
	for i, d := range ds {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		k, m := d.k, d.m
		args = append(args, k.Grain, k.Period, k.OrgID, k.DeptID, k.WindowID, k.Kind, k.Channel, k.Status,
			m.N, m.Done, m.OnTime, m.HandledDays, m.PromisedDays, m.Evals, m.Satisfied)
	}
	b.WriteString(`
	ON CONFLICT (grain, period, org_id, dept_id, window_id, kind, channel, status) DO UPDATE SET
	n = case_stats.n + excluded.n, done = case_stats.done + excluded.done, on_time = case_stats.on_time + excluded.on_time,
	handled_days = case_stats.handled_days + excluded.handled_days, promised_days = case_stats.promised_days + excluded.promised_days,
	evals = case_stats.evals + excluded.evals, satisfied = case_stats.satisfied + excluded.satisfied`)
	return b.String(), args
}

// upsertCounts is one statement adding the changes to case_counts.
func upsertCounts(cs []countDelta) (string, []any) {
	var b strings.Builder
	b.WriteString("INSERT INTO case_counts (grain, period, org_id, dept_id, n, done, on_time) VALUES ")
	args := make([]any, 0, 7*len(cs))
	for i, c := range cs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?)")
		args = append(args, c.k.Grain, c.k.Period, c.k.OrgID, c.k.DeptID, c.n, c.done, c.onTime)
	}
	b.WriteString(` ON CONFLICT (grain, period, org_id, dept_id) DO UPDATE SET
	n = case_counts.n + excluded.n, done = case_counts.done + excluded.done, on_time = case_counts.on_time + excluded.on_time`)
	return b.String(), args
}

// CaseCols selects a case's rollup fields (without evaluations) from cases
// aliased c; Scan reads them.
const CaseCols = `c.day, c.org_id, c.dept_id, COALESCE(c.window_id, 0), c.kind, c.channel, c.status, c.deadline,
	c.completed_on, c.handled_days, c.promised_days, c.org_path, c.dept_path`

// Scan reads the columns of CaseCols.
func Scan(row interface{ Scan(...any) error }, c *Case) error {
	return row.Scan(&c.Day, &c.OrgID, &c.DeptID, &c.WindowID, &c.Kind, &c.Channel, &c.Status, &c.Deadline,
		&c.CompletedOn, &c.HandledDays, &c.PromisedDays, &c.OrgPath, &c.DeptPath)
}

// Evaluations counts the evaluations of a case and the satisfied ones
// (levels 1–3: 非常满意, 满意, 基本满意 — 好评 and 中评, GB/T 39735).
func Evaluations(ctx context.Context, q db.Querier, caseID int64) (evals, satisfied int, err error) {
	err = q.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN level <= 3 THEN 1 ELSE 0 END), 0)
		FROM evaluations WHERE case_id = ?`, caseID).Scan(&evals, &satisfied)
	return evals, satisfied, err
}

// Satisfied reports whether an evaluation level (1 非常满意 … 5 非常不满意)
// counts as satisfied.
func Satisfied(level int) bool { return level >= 1 && level <= 3 }

// Rebuild recomputes the whole rollup from the cases and evaluations tables,
// in one transaction. Days are summed a month of cases at a time (the
// database sorts one month, not the whole table), months and years from the
// days, and the breakdowns from case_stats and the organisation tree.
func Rebuild(ctx context.Context, d *db.DB) error {
	var lo, hi string
	if err := d.QueryRow(ctx, "SELECT COALESCE(MIN(day), ''), COALESCE(MAX(day), '') FROM cases").Scan(&lo, &hi); err != nil {
		return fmt.Errorf("rollup: rebuild: %w", err)
	}
	return d.InTx(ctx, func(tx *db.Tx) error {
		// The queue's changes are in the cases already.
		for _, t := range []string{"rollup_pending", "case_stats", "case_counts", "case_breakdowns"} {
			if _, err := tx.Exec(ctx, "DELETE FROM "+t); err != nil {
				return err
			}
		}
		first := ""
		if lo != "" {
			first = lo[:7]
		}
		for m := first; m != "" && m <= hi[:7]; m = nextMonth(m) {
			if _, err := tx.Exec(ctx, `INSERT INTO case_stats (grain, period, org_id, dept_id, window_id, kind, channel, status,
				n, done, on_time, handled_days, promised_days, evals, satisfied)
				SELECT 'd', day, org_id, dept_id, window_id, kind, channel, status, COUNT(*), SUM(done), SUM(on_time),
					SUM(handled), SUM(promised), SUM(ev), SUM(sat)
				FROM (SELECT c.day, c.org_id, c.dept_id, COALESCE(c.window_id, 0) AS window_id, c.kind, c.channel, c.status,
					CASE WHEN c.completed_on <> '' THEN 1 ELSE 0 END AS done,
					CASE WHEN c.completed_on <> '' AND (c.deadline = '' OR c.completed_on <= c.deadline) THEN 1 ELSE 0 END AS on_time,
					CASE WHEN c.completed_on <> '' THEN c.handled_days ELSE 0 END AS handled,
					CASE WHEN c.completed_on <> '' THEN c.promised_days ELSE 0 END AS promised,
					(SELECT COUNT(*) FROM evaluations e WHERE e.case_id = c.id) AS ev,
					(SELECT COUNT(*) FROM evaluations e WHERE e.case_id = c.id AND e.level <= 3) AS sat
					FROM cases c WHERE c.day >= ? AND c.day < ?) x
				GROUP BY day, org_id, dept_id, window_id, kind, channel, status`, m+"-01", nextMonth(m)+"-01"); err != nil {
				return fmt.Errorf("rollup: rebuild %s: %w", m, err)
			}
		}
		for _, g := range []struct{ grain, n string }{{Month, "7"}, {Year, "4"}} {
			if _, err := tx.Exec(ctx, `INSERT INTO case_stats (grain, period, org_id, dept_id, window_id, kind, channel, status,
				n, done, on_time, handled_days, promised_days, evals, satisfied)
				SELECT '`+g.grain+`', substr(period, 1, `+g.n+`), org_id, dept_id, window_id, kind, channel, status,
					SUM(n), SUM(done), SUM(on_time), SUM(handled_days), SUM(promised_days), SUM(evals), SUM(satisfied)
				FROM case_stats WHERE grain = 'd'
				GROUP BY substr(period, 1, `+g.n+`), org_id, dept_id, window_id, kind, channel, status`); err != nil {
				return fmt.Errorf("rollup: rebuild %s: %w", g.grain, err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO case_counts (grain, period, org_id, dept_id, n, done, on_time)
			SELECT grain, period, org_id, dept_id, SUM(n), SUM(done), SUM(on_time)
			FROM case_stats GROUP BY grain, period, org_id, dept_id`); err != nil {
			return fmt.Errorf("rollup: rebuild counts: %w", err)
		}
		if _, err := tx.Exec(ctx, rebuildBreakdowns); err != nil {
			return fmt.Errorf("rollup: rebuild breakdowns: %w", err)
		}
		return nil
	})
}

// nextMonth is the month after m (YYYY-MM).
func nextMonth(m string) string {
	y, mo := 0, 0
	fmt.Sscanf(m, "%d-%d", &y, &mo)
	if mo == 12 {
		return fmt.Sprintf("%04d-01", y+1)
	}
	return fmt.Sprintf("%04d-%02d", y, mo+1)
}
