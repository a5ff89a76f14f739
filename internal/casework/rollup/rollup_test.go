package rollup

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// A change touches its buckets in one canonical order whatever the change
// (two transactions moving cases between the same buckets in opposite
// directions lock them in the same order, so neither waits for the other
// on PostgreSQL), nets each bucket once, and skips buckets it leaves alone.
func TestPlanOrder(t *testing.T) {
	accepted := Case{Day: "2026-10-12", OrgID: 5, DeptID: 9, WindowID: 7, Kind: "promised", Channel: "window", Status: "accepted", Deadline: "2026-10-19", PromisedDays: 5}
	completed := accepted
	completed.Status, completed.CompletedOn, completed.HandledDays = "completed", "2026-10-16", 4
	withdrawn := accepted
	withdrawn.Status = "withdrawn"
	for _, tc := range []struct {
		name          string
		before, after *Case
		n             int
	}{
		{"new case", nil, &accepted, 3},
		{"accepted → completed", &accepted, &completed, 6},
		{"completed → accepted (the opposite move)", &completed, &accepted, 6},
		{"accepted → withdrawn", &accepted, &withdrawn, 6},
		{"no change", &accepted, &accepted, 0},
	} {
		ds := plan(tc.before, tc.after)
		if len(ds) != tc.n {
			t.Errorf("%s: %d bucket changes, want %d", tc.name, len(ds), tc.n)
		}
		if !slices.IsSortedFunc(ds, func(a, b delta) int { return less(a.k, b.k) }) {
			t.Errorf("%s: buckets not in canonical order: %+v", tc.name, ds)
		}
		for _, d := range ds {
			if d.m.Zero() {
				t.Errorf("%s: an empty change of %+v", tc.name, d.k)
			}
		}
	}
	// The opposite moves visit the same buckets in the same order.
	a, b := plan(&accepted, &completed), plan(&completed, &accepted)
	for i := range a {
		if a[i].k != b[i].k || a[i].m != b[i].m.neg() {
			t.Fatalf("bucket %d: %+v then %+v", i, a[i], b[i])
		}
	}
	// Completion on time counts once in every grain.
	var done Measures
	for _, d := range plan(&accepted, &completed) {
		if d.k.Status == "completed" && d.k.Grain == Month {
			done = d.m
		}
	}
	if done != (Measures{N: 1, Done: 1, OnTime: 1, HandledDays: 4, PromisedDays: 5}) {
		t.Errorf("completed bucket: %+v", done)
	}
}

// The breakdowns of a case change: a case counts for every organisation on
// its centre's and its department's paths (each once) but that centre and
// that department, in every dimension;
// a change of status moves only status|kind|channel rows; an evaluation
// changes only the one that carries it; and the rows come in canonical order.
func TestBreakdownPlan(t *testing.T) {
	// City 1, county 2, town 3, centre 5; the county's department 9: the
	// case counts for the city, the county and the town.
	accepted := Case{Day: "2026-10-12", OrgID: 5, DeptID: 9, WindowID: 7, Kind: "promised", Channel: "window", Status: "accepted",
		Deadline: "2026-10-19", PromisedDays: 5, OrgPath: "/1/2/3/5/", DeptPath: "/1/2/9/"}
	completed := accepted
	completed.Status, completed.CompletedOn, completed.HandledDays = "completed", "2026-10-16", 4
	withdrawn := accepted
	withdrawn.Status = "withdrawn"
	evaluated := completed
	evaluated.Evals, evaluated.Satisfied = 1, 1
	const regions, grains = 3, 3
	for _, tc := range []struct {
		name          string
		before, after *Case
		n             int
		dims          string
	}{
		{"new case", nil, &accepted, regions * grains * 3, "dpx"},
		{"accepted → withdrawn", &accepted, &withdrawn, regions * grains * 2, "x"},
		{"accepted → completed", &accepted, &completed, regions * grains * 4, "dpx"},
		{"evaluated", &completed, &evaluated, regions * grains, "x"},
		{"no change", &accepted, &accepted, 0, ""},
	} {
		ds := breakdownPlan(tc.before, tc.after)
		if len(ds) != tc.n {
			t.Errorf("%s: %d rows, want %d", tc.name, len(ds), tc.n)
		}
		if !slices.IsSortedFunc(ds, func(a, b bdelta) int { return lessB(a.k, b.k) }) {
			t.Errorf("%s: rows not in canonical order", tc.name)
		}
		seen := map[int64]bool{}
		dims := map[string]bool{}
		for _, d := range ds {
			seen[d.k.ScopeID], dims[d.k.Dim] = true, true
			if d.m.Zero() {
				t.Errorf("%s: an empty change of %+v", tc.name, d.k)
			}
			if d.k.Dim != ByStatusKindChannel && (d.m.HandledDays != 0 || d.m.Evals != 0) {
				t.Errorf("%s: %+v carries the totals' measures", tc.name, d)
			}
		}
		var got string
		for _, c := range "dpx" {
			if dims[string(c)] {
				got += string(c)
			}
		}
		if got != tc.dims || (tc.n > 0 && len(seen) != regions || seen[5] || seen[9]) {
			t.Errorf("%s: dimensions %q, scopes %v", tc.name, got, seen)
		}
	}
}

// case_counts, the narrow rollup, changes only when a count does: a case
// filed or completed touches one bucket per grain, a change of status that
// completes nothing touches none (the case transaction gains no statement).
func TestCountsPlan(t *testing.T) {
	accepted := Case{Day: "2026-10-12", OrgID: 5, DeptID: 9, WindowID: 7, Kind: "promised", Channel: "window", Status: "accepted", Deadline: "2026-10-19", PromisedDays: 5}
	completed := accepted
	completed.Status, completed.CompletedOn, completed.HandledDays = "completed", "2026-10-16", 4
	late := completed
	late.CompletedOn = "2026-10-20"
	withdrawn := accepted
	withdrawn.Status = "withdrawn"
	evaluated := completed
	evaluated.Evals, evaluated.Satisfied = 1, 1
	for _, tc := range []struct {
		name                   string
		before, after          *Case
		n, cases, done, onTime int64
	}{
		{"new case", nil, &accepted, 3, 1, 0, 0},
		{"accepted → completed on time", &accepted, &completed, 3, 0, 1, 1},
		{"accepted → completed late", &accepted, &late, 3, 0, 1, 0},
		{"accepted → withdrawn", &accepted, &withdrawn, 0, 0, 0, 0},
		{"evaluated", &completed, &evaluated, 0, 0, 0, 0},
	} {
		cs := countsPlan(plan(tc.before, tc.after))
		if int64(len(cs)) != tc.n {
			t.Errorf("%s: %d count changes, want %d: %+v", tc.name, len(cs), tc.n, cs)
			continue
		}
		for _, c := range cs {
			if c.n != tc.cases || c.done != tc.done || c.onTime != tc.onTime || c.k.OrgID != 5 || c.k.DeptID != 9 {
				t.Errorf("%s: %+v", tc.name, c)
			}
		}
	}
}

// Migration 00018 fills case_breakdowns with the statement Rebuild uses, so
// a database upgraded with cases in it holds what a rebuild would.
func TestMigrationFillsBreakdownsAsRebuild(t *testing.T) {
	b, err := os.ReadFile("../../db/migrations/00018_case_breakdowns.sql")
	if err != nil {
		t.Fatal(err)
	}
	squeeze := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	up := squeeze(string(b))
	if !strings.Contains(up, squeeze(rebuildBreakdowns)+";") {
		t.Error("the migration's INSERT INTO case_breakdowns is not rollup.rebuildBreakdowns")
	}
}
