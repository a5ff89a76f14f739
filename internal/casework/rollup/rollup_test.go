package rollup

import (
	"slices"
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
// its centre's and its department's paths (each once), in every dimension;
// a change of status moves only status rows; an evaluation changes only the
// status row that carries it; and the rows come in canonical order.
func TestBreakdownPlan(t *testing.T) {
	// City 1, county 2, town 3, centre 5; the county's department 9.
	accepted := Case{Day: "2026-10-12", OrgID: 5, DeptID: 9, WindowID: 7, Kind: "promised", Channel: "window", Status: "accepted",
		Deadline: "2026-10-19", PromisedDays: 5, OrgPath: "/1/2/3/5/", DeptPath: "/1/2/9/"}
	completed := accepted
	completed.Status, completed.CompletedOn, completed.HandledDays = "completed", "2026-10-16", 4
	withdrawn := accepted
	withdrawn.Status = "withdrawn"
	evaluated := completed
	evaluated.Evals, evaluated.Satisfied = 1, 1
	const scopes, grains = 5, 3
	for _, tc := range []struct {
		name          string
		before, after *Case
		n             int
		dims          string
	}{
		{"new case", nil, &accepted, scopes * grains * 6, "ckdosw"},
		{"accepted → withdrawn", &accepted, &withdrawn, scopes * grains * 2, "s"},
		{"accepted → completed", &accepted, &completed, scopes * grains * 7, "ckdosw"},
		{"evaluated", &completed, &evaluated, scopes * grains, "s"},
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
			if d.k.Dim != ByStatus && (d.m.HandledDays != 0 || d.m.Evals != 0) {
				t.Errorf("%s: %+v carries the totals' measures", tc.name, d)
			}
		}
		var got string
		for _, c := range "ckdosw" {
			if dims[string(c)] {
				got += string(c)
			}
		}
		if got != tc.dims || (tc.n > 0 && len(seen) != scopes) {
			t.Errorf("%s: dimensions %q, scopes %v", tc.name, got, seen)
		}
	}
}
