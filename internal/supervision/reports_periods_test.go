package supervision

import (
	"strings"
	"testing"
	"time"

	"zwfw/internal/db"
)

// The report form's periods: for every kind, newest first — the one still
// running, then the one due today and back — each read by the kind's rule,
// consecutive (no gap, no repeat).
func TestPeriodChoices(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, db.Zone) // a Thursday
	groups := PeriodChoices(now)
	if len(groups) != len(reportKinds) {
		t.Fatalf("%d groups for %d kinds", len(groups), len(reportKinds))
	}
	due := DefaultPeriods(now)
	want := map[string][]string{
		Daily:     {"2026-11-26", "2026-11-25", "2026-11-24"},
		Weekly:    {"2026-W48", "2026-W47", "2026-W46", "2026-W45"},
		Monthly:   {"2026-11", "2026-10", "2026-09", "2026-08"},
		Quarterly: {"2026-Q4", "2026-Q3", "2026-Q2", "2026-Q1", "2025-Q4"},
		Annual:    {"2026", "2025", "2024", "2023"},
	}
	for _, g := range groups {
		k := findKind(g.Kind)
		running := 1
		if g.Kind == Daily {
			running = 0 // today is both running and due
		}
		if len(g.Periods) != periodChoices[g.Kind]+running || g.Periods[running].Value != due[g.Kind] || g.Name != k.name {
			t.Errorf("%s: %d periods, the due one %v (due %s)", g.Kind, len(g.Periods), g.Periods[running], due[g.Kind])
		}
		if running == 1 && !strings.HasSuffix(g.Periods[0].Name, "（进行中）") {
			t.Errorf("%s: the running period is named %q", g.Kind, g.Periods[0].Name)
		}
		for i, w := range want[g.Kind] {
			if g.Periods[i].Value != w {
				t.Errorf("%s: period %d is %s, want %s", g.Kind, i, g.Periods[i].Value, w)
			}
		}
		var last time.Time
		for i, p := range g.Periods {
			got, err := k.parse(p.Value)
			if err != nil || strings.TrimSuffix(p.Name, "（进行中）") != got.name {
				t.Errorf("%s: %q does not read back (%v)", g.Kind, p.Value, err)
				continue
			}
			if i > 0 && !got.to.Equal(last.AddDate(0, 0, -1)) {
				t.Errorf("%s: %s does not end the day before %s", g.Kind, p.Value, g.Periods[i-1].Value)
			}
			last = got.from
		}
	}
	if g := groups[1]; g.Periods[1].Name != "2026年第47周（11月16日—11月22日）" {
		t.Errorf("the week is named %q", g.Periods[0].Name)
	}
}
