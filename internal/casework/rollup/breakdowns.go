package rollup

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"zwfw/internal/db"
)

// The breakdowns (case_breakdowns, migration 00018): for every organisation
// and bucket, the cases in its subtree summed by one dimension at a time —
// what the dashboard shows, and all it needs. A case counts for every
// organisation on its centre's path and on its department's path (the
// dashboard's scope: filed at a centre under it, or owned by a department
// under it), once per dimension.

// Dimensions of the breakdowns.
const (
	ByStatus  = "s"
	ByKind    = "k"
	ByChannel = "c"
	ByDept    = "d"
	ByCentre  = "o"
	ByWindow  = "w"
)

// BKey identifies a row of case_breakdowns.
type BKey struct {
	ScopeID       int64
	Grain, Period string
	Dim, Value    string
}

type bdelta struct {
	k BKey
	m Measures
}

func lessB(a, b BKey) int {
	if a.ScopeID != b.ScopeID {
		return cmp.Compare(a.ScopeID, b.ScopeID)
	}
	if c := strings.Compare(a.Grain, b.Grain); c != 0 {
		return c
	}
	if c := strings.Compare(a.Period, b.Period); c != 0 {
		return c
	}
	if c := strings.Compare(a.Dim, b.Dim); c != 0 {
		return c
	}
	return strings.Compare(a.Value, b.Value)
}

// ancestors are the organisations whose subtree holds a case filed at the
// centre with orgPath and owned by the department with deptPath: the ids on
// either path, each once.
func ancestors(orgPath, deptPath string) []int64 {
	var out []int64
	for _, p := range []string{orgPath, deptPath} {
		for _, s := range strings.Split(strings.Trim(p, "/"), "/") {
			if id, err := strconv.ParseInt(s, 10, 64); err == nil && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

// facet is one dimension's value of a case (or of a case_stats row) and
// what it adds there: status rows every measure, the others cases,
// completed and on time.
type facet struct {
	dim, value string
	m          Measures
}

func facets(k Key, m Measures) [6]facet {
	c := Measures{N: m.N, Done: m.Done, OnTime: m.OnTime}
	return [6]facet{
		{ByStatus, k.Status, m},
		{ByKind, k.Kind, c},
		{ByChannel, k.Channel, c},
		{ByDept, strconv.FormatInt(k.DeptID, 10), c},
		{ByCentre, strconv.FormatInt(k.OrgID, 10), c},
		{ByWindow, strconv.FormatInt(k.WindowID, 10), c},
	}
}

// breakdowns collects the changes of case_breakdowns, netted per row.
type breakdowns map[BKey]Measures

// add adds a case_stats-shaped change (k, m) for each of the scopes.
func (b breakdowns) add(scopes []int64, k Key, m Measures) {
	for _, f := range facets(k, m) {
		if f.m.Zero() {
			continue
		}
		for _, s := range scopes {
			bk := BKey{ScopeID: s, Grain: k.Grain, Period: k.Period, Dim: f.dim, Value: f.value}
			v := b[bk]
			v.Add(f.m)
			b[bk] = v
		}
	}
}

// sorted is the non-zero changes in canonical order (the order of the
// primary key, which is the order PostgreSQL locks the rows in: every
// transaction takes them in the same order).
func (b breakdowns) sorted() []bdelta {
	out := make([]bdelta, 0, len(b))
	for k, m := range b {
		if !m.Zero() {
			out = append(out, bdelta{k, m})
		}
	}
	slices.SortFunc(out, func(x, y bdelta) int { return lessB(x.k, y.k) })
	return out
}

// breakdownPlan is the changes of case_breakdowns of a case change.
func breakdownPlan(before, after *Case) []bdelta {
	b := breakdowns{}
	for _, g := range Grains {
		if before != nil {
			b.add(ancestors(before.OrgPath, before.DeptPath), before.key(g), before.measures().neg())
		}
		if after != nil {
			b.add(ancestors(after.OrgPath, after.DeptPath), after.key(g), after.measures())
		}
	}
	return b.sorted()
}

// upsertBreakdowns adds the changes to case_breakdowns, in statements of at
// most 1,000 rows (a case change is one statement: ~100 rows at most).
func upsertBreakdowns(ctx context.Context, tx *db.Tx, ds []bdelta) error {
	for len(ds) > 0 {
		part := ds[:min(len(ds), 1000)]
		ds = ds[len(part):]
		var b strings.Builder
		b.WriteString(`INSERT INTO case_breakdowns (scope_id, grain, period, dim, value,
	n, done, on_time, handled_days, promised_days, evals, satisfied) VALUES `)
		args := make([]any, 0, 12*len(part))
		for i, d := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			k, m := d.k, d.m
			args = append(args, k.ScopeID, k.Grain, k.Period, k.Dim, k.Value,
				m.N, m.Done, m.OnTime, m.HandledDays, m.PromisedDays, m.Evals, m.Satisfied)
		}
		b.WriteString(`
	ON CONFLICT (scope_id, grain, period, dim, value) DO UPDATE SET
	n = case_breakdowns.n + excluded.n, done = case_breakdowns.done + excluded.done, on_time = case_breakdowns.on_time + excluded.on_time,
	handled_days = case_breakdowns.handled_days + excluded.handled_days, promised_days = case_breakdowns.promised_days + excluded.promised_days,
	evals = case_breakdowns.evals + excluded.evals, satisfied = case_breakdowns.satisfied + excluded.satisfied`)
		if _, err := tx.Exec(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("rollup: breakdowns: %w", err)
		}
	}
	return nil
}

// Regroup moves the breakdowns after the organisation at oldPath moved to
// newPath (its subtree with it): the cases of the subtree leave the
// organisations that were above it and are no longer, and join those above
// it now. org.Update calls it in the move's transaction, after the paths
// are rewritten. It reads case_stats (keyed by centre and department, which
// a move leaves alone) for the subtree, and adds the differences as any
// case change does, so concurrent case changes stay exact.
func Regroup(ctx context.Context, tx *db.Tx, oldPath, newPath string) error {
	if oldPath == newPath {
		return nil
	}
	paths := map[int64]string{} // every organisation's path now
	rows, err := tx.Query(ctx, "SELECT id, path FROM orgs")
	if err != nil {
		return fmt.Errorf("rollup: regroup: %w", err)
	}
	var moved []int64
	for rows.Next() {
		var id int64
		var p string
		if err := rows.Scan(&id, &p); err != nil {
			rows.Close()
			return err
		}
		paths[id] = p
		if strings.HasPrefix(p, newPath) {
			moved = append(moved, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(moved) == 0 {
		return nil
	}
	was := func(id int64) string {
		p := paths[id]
		if strings.HasPrefix(p, newPath) {
			return oldPath + p[len(newPath):]
		}
		return p
	}
	in := strings.Repeat("?, ", len(moved)-1) + "?"
	args := make([]any, 0, 2*len(moved))
	for range 2 {
		for _, id := range moved {
			args = append(args, id)
		}
	}
	rows, err = tx.Query(ctx, `SELECT grain, period, org_id, dept_id, window_id, kind, channel, status,
		n, done, on_time, handled_days, promised_days, evals, satisfied FROM case_stats
		WHERE org_id IN (`+in+`) OR dept_id IN (`+in+`)`, args...)
	if err != nil {
		return fmt.Errorf("rollup: regroup: %w", err)
	}
	b := breakdowns{}
	for rows.Next() {
		var k Key
		var m Measures
		if err := rows.Scan(&k.Grain, &k.Period, &k.OrgID, &k.DeptID, &k.WindowID, &k.Kind, &k.Channel, &k.Status,
			&m.N, &m.Done, &m.OnTime, &m.HandledDays, &m.PromisedDays, &m.Evals, &m.Satisfied); err != nil {
			rows.Close()
			return err
		}
		before := ancestors(was(k.OrgID), was(k.DeptID))
		after := ancestors(paths[k.OrgID], paths[k.DeptID])
		var left, joined []int64
		for _, s := range before {
			if !slices.Contains(after, s) {
				left = append(left, s)
			}
		}
		for _, s := range after {
			if !slices.Contains(before, s) {
				joined = append(joined, s)
			}
		}
		b.add(left, k, m.neg())
		b.add(joined, k, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return upsertBreakdowns(ctx, tx, b.sorted())
}

// rebuildBreakdowns fills case_breakdowns from case_stats (the statement of
// migration 00018): each case_stats row counts once for every organisation
// at or above its centre or its department.
const rebuildBreakdowns = `WITH RECURSIVE up (id, anc) AS (
    SELECT id, id FROM orgs
    UNION ALL
    SELECT up.id, o.parent_id FROM up JOIN orgs o ON o.id = up.anc WHERE o.parent_id IS NOT NULL
),
pairs (org_id, dept_id) AS (SELECT DISTINCT org_id, dept_id FROM case_stats),
scopes (org_id, dept_id, scope_id) AS (
    SELECT p.org_id, p.dept_id, up.anc FROM pairs p JOIN up ON up.id = p.org_id
    UNION
    SELECT p.org_id, p.dept_id, up.anc FROM pairs p JOIN up ON up.id = p.dept_id
),
s AS (
    SELECT sc.scope_id, cs.grain, cs.period, cs.window_id, cs.org_id, cs.dept_id, cs.kind, cs.channel, cs.status,
        cs.n, cs.done, cs.on_time, cs.handled_days, cs.promised_days, cs.evals, cs.satisfied
    FROM case_stats cs JOIN scopes sc ON sc.org_id = cs.org_id AND sc.dept_id = cs.dept_id
)
INSERT INTO case_breakdowns (scope_id, grain, period, dim, value, n, done, on_time, handled_days, promised_days, evals, satisfied)
SELECT scope_id, grain, period, 's', status, SUM(n), SUM(done), SUM(on_time), SUM(handled_days), SUM(promised_days), SUM(evals), SUM(satisfied)
    FROM s GROUP BY scope_id, grain, period, status
UNION ALL SELECT scope_id, grain, period, 'k', kind, SUM(n), SUM(done), SUM(on_time), 0, 0, 0, 0
    FROM s GROUP BY scope_id, grain, period, kind
UNION ALL SELECT scope_id, grain, period, 'c', channel, SUM(n), SUM(done), SUM(on_time), 0, 0, 0, 0
    FROM s GROUP BY scope_id, grain, period, channel
UNION ALL SELECT scope_id, grain, period, 'd', CAST(dept_id AS TEXT), SUM(n), SUM(done), SUM(on_time), 0, 0, 0, 0
    FROM s GROUP BY scope_id, grain, period, dept_id
UNION ALL SELECT scope_id, grain, period, 'o', CAST(org_id AS TEXT), SUM(n), SUM(done), SUM(on_time), 0, 0, 0, 0
    FROM s GROUP BY scope_id, grain, period, org_id
UNION ALL SELECT scope_id, grain, period, 'w', CAST(window_id AS TEXT), SUM(n), SUM(done), SUM(on_time), 0, 0, 0, 0
    FROM s GROUP BY scope_id, grain, period, window_id`
