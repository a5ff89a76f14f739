package supervision_test

import (
	"slices"
	"strings"
	"testing"

	"zwfw"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/supervision"
)

// TestDailyCheckTakesTheWarningRule: the daily check (日检查) lists as
// warned the cases the configured yellow-card rule makes yellow — the same
// ones the warning job cards that day — and says the rule in its heading;
// it used to list those with at most 2 working days left whatever the
// rule.
func TestDailyCheckTakesTheWarningRule(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d, "2026-11-23")                              // the environment's rule: 3 working days, or 80 % of the limit
		two := e.walkIn("county.window", "010100100000", "610923C") // 5 working days: due Monday 11-30
		e.do("county.window", two.Serial, casework.ActAccept, casework.ActionInput{})
		e.at("2026-11-24")
		three := e.walkIn("county.window", "010100100000", "610923C") // due Tuesday 12-1
		e.do("county.window", three.Serial, casework.ActAccept, casework.ActionInput{})
		// Thursday 11-26: 11-27 and 11-30 are left to the first; 12-1 too to the second.
		e.at("2026-11-26")
		e.scan()
		var cards []string
		list, _, err := e.warn.List(e.ctx, zwfw.System, supervision.WarningFilter{Scope: supervision.ScopeCase, Level: supervision.Yellow})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range list {
			cards = append(cards, w.Serial)
		}
		serials := func(l supervision.CaseList) []string {
			var out []string
			for _, c := range l.Cases {
				out = append(out, c.Serial)
			}
			return out
		}
		sup := e.actor("county.supervisor")
		rep, err := e.reports.GenerateReport(e.ctx, sup, supervision.Daily, "2026-11-26", "")
		if err != nil {
			t.Fatal(err)
		}
		got := serials(rep.Daily.Warned)
		slices.Sort(cards)
		slices.Sort(got)
		if !slices.Contains(got, three.Serial) || !slices.Contains(got, two.Serial) || !slices.Equal(got, cards) {
			t.Fatalf("daily check warns %v, the warning job cards %v (want both of %s %s)", got, cards, three.Serial, two.Serial)
		}
		if !strings.Contains(string(rep.HTML), "剩余不超过 3 个工作日或已用去时限的 80%") {
			t.Fatalf("the heading does not say the rule:\n%s", rep.HTML)
		}
		// Under the default rule (2 days) only the first is warned.
		def := supervision.NewReports(d, e.cal, "610923", e.clock, casework.DefaultWarnRule)
		rep, err = def.GenerateReport(e.ctx, sup, supervision.Daily, "2026-11-26", "")
		if err != nil {
			t.Fatal(err)
		}
		if got := serials(rep.Daily.Warned); !slices.Contains(got, two.Serial) || slices.Contains(got, three.Serial) {
			t.Fatalf("under the default rule the daily check warns %v", got)
		}
	})
}
