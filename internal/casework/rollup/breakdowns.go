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

// The breakdowns (case_breakdowns, migration 00018): for every region (city,
// county, town, village) and bucket, the cases in its subtree summed by one
// dimension at a time — what the dashboard of a region shows, and all it
// needs. A case counts for every organisation on its centre's path and on
// its department's path except that centre and that department themselves
// (the dashboard's scope: filed at a centre under it, or owned by a
// department under it), once per dimension. A region is never a case's
// centre or department, so its rows hold every case under it; a centre's or
// a department's dashboard, a small share of the cases, reads case_stats
// instead, and leaving them out halves what a case change writes here.
// Dimensions of the breakdowns. The few statuses, kinds and channels are
// one dimension of their combinations (a case filed or completed changes
// one row there instead of three), and so are a centre and its windows (a
// window belongs to one centre).
const (
	ByStatusKindChannel = "x" // value: status|kind|channel; the row carries every measure
	ByDept              = "d" // value: the department's id
	ByCentreWindow      = "p" // value: centreID|windowID (window 0: none yet)
)

// SplitValue splits a value of ByStatusKindChannel or ByCentreWindow into
// its parts.
func SplitValue(v string) []string { return strings.Split(v, "|") }

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

// scopes are the organisations whose breakdowns count a case filed at the
// centre with orgPath and owned by the department with deptPath: the ids on
// either path, each once, but the last of each (the centre itself, the
// department itself).
func scopes(orgPath, deptPath string) []int64 {
	var out []int64
	for _, p := range []string{orgPath, deptPath} {
		ids := strings.Split(strings.Trim(p, "/"), "/")
		for _, s := range ids[:max(len(ids)-1, 0)] {
			if id, err := strconv.ParseInt(s, 10, 64); err == nil && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

// facet is one dimension's value of a case (or of a case_stats row) and
// what it adds there: status|kind|channel rows every measure, the others
// cases, completed and on time.
type facet struct {
	dim, value string
	m          Measures
}

// Facets splits a case_stats row into the breakdown rows it adds to, as
// (dimension and value, measures): how the dashboard of a centre or a
// department, which reads case_stats, sums it the way a region's sums its
// breakdowns.
func Facets(k Key, m Measures, fn func(BKey, Measures)) {
	for _, f := range facets(k, m) {
		fn(BKey{Grain: k.Grain, Period: k.Period, Dim: f.dim, Value: f.value}, f.m)
	}
}

func facets(k Key, m Measures) [3]facet {
	c := Measures{N: m.N, Done: m.Done, OnTime: m.OnTime}
	return [3]facet{
		{ByStatusKindChannel, k.Status + "|" + k.Kind + "|" + k.Channel, m},
		{ByDept, strconv.FormatInt(k.DeptID, 10), c},
		{ByCentreWindow, strconv.FormatInt(k.OrgID, 10) + "|" + strconv.FormatInt(k.WindowID, 10), c},
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

// breakdownPlan is the changes of case_breakdowns of a case change. A
// case's organisations do not change with it (only a move changes them,
// and Regroup handles that), so the changes per dimension are netted once
// and then repeated for every organisation; only when the two sides' paths
// differ are they expanded separately.
func breakdownPlan(before, after *Case) []bdelta {
	var bs, as []int64
	if before != nil {
		bs = scopes(before.OrgPath, before.DeptPath)
	}
	if after != nil {
		as = scopes(after.OrgPath, after.DeptPath)
	}
	if before == nil || after == nil || !slices.Equal(bs, as) {
		b := breakdowns{}
		for _, g := range Grains {
			if before != nil {
				b.add(bs, before.key(g), before.measures().neg())
			}
			if after != nil {
				b.add(as, after.key(g), after.measures())
			}
		}
		return b.sorted()
	}
	// The same organisations: net the facets of each grain.
	type change struct {
		grain, period string
		f             facet
	}
	var cs []change
	for _, g := range Grains {
		bk, ak := before.key(g), after.key(g)
		bf, af := facets(bk, before.measures().neg()), facets(ak, after.measures())
		for i := range bf {
			if bk.Period == ak.Period && bf[i].value == af[i].value {
				m := bf[i].m
				m.Add(af[i].m)
				if !m.Zero() {
					cs = append(cs, change{g, ak.Period, facet{af[i].dim, af[i].value, m}})
				}
				continue
			}
			if !bf[i].m.Zero() {
				cs = append(cs, change{g, bk.Period, bf[i]})
			}
			if !af[i].m.Zero() {
				cs = append(cs, change{g, ak.Period, af[i]})
			}
		}
	}
	out := make([]bdelta, 0, len(cs)*len(as))
	for _, s := range as {
		for _, c := range cs {
			out = append(out, bdelta{BKey{ScopeID: s, Grain: c.grain, Period: c.period, Dim: c.f.dim, Value: c.f.value}, c.f.m})
		}
	}
	slices.SortFunc(out, func(x, y bdelta) int { return lessB(x.k, y.k) })
	return out
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
	// Changes queued before the move (PostgreSQL) were made on the old
	// paths: fold them first, in the move's transaction, which has already
	// bumped the moved cases' versions (a case change after that point
	// conflicts) and holds the fold lock to its commit.
	if tx.Dialect() == db.Postgres {
		if _, err := foldTx(ctx, tx, 0); err != nil {
			return fmt.Errorf("rollup: regroup: %w", err)
		}
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
		before := scopes(was(k.OrgID), was(k.DeptID))
		after := scopes(paths[k.OrgID], paths[k.DeptID])
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
// above its centre or its department.
const rebuildBreakdowns = `WITH RECURSIVE up (id, anc) AS (
    SELECT id, parent_id FROM orgs WHERE parent_id IS NOT NULL
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
SELECT scope_id, grain, period, 'x', status || '|' || kind || '|' || channel,
        SUM(n), SUM(done), SUM(on_time), SUM(handled_days), SUM(promised_days), SUM(evals), SUM(satisfied)
    FROM s GROUP BY scope_id, grain, period, status, kind, channel
UNION ALL SELECT scope_id, grain, period, 'd', CAST(dept_id AS TEXT), SUM(n), SUM(done), SUM(on_time), 0, 0, 0, 0
    FROM s GROUP BY scope_id, grain, period, dept_id
UNION ALL SELECT scope_id, grain, period, 'p', CAST(org_id AS TEXT) || '|' || CAST(window_id AS TEXT), SUM(n), SUM(done), SUM(on_time), 0, 0, 0, 0
    FROM s GROUP BY scope_id, grain, period, org_id, window_id`
