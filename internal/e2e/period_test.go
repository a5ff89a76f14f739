package e2e_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"zwfw/internal/app/apptest"
	"zwfw/internal/supervision"
)

// The report form's 统计期间 follows the kind chosen: choosing 周考勤 lists
// the weeks only and picks the week due (app.js); nobody types 2026-W47.
func TestReportPeriodFollowsKind(t *testing.T) {
	ctx := browser(t)
	e := apptest.Start(t, "sqlite")
	signIn(t, ctx, e.URL, "county.supervisor", apptest.DemoPassword)
	do(t, ctx, "open the reports", chromedp.Navigate(e.URL+"/supervision/reports"), chromedp.WaitReady(chromedp.CSS(`#f-period`)))
	visible := func() []string {
		out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll("#f-period optgroup"), g => g.hidden ? "" : g.label).filter(Boolean)`))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if v := visible(); len(v) != 1 || v[0] != "月通报" {
		t.Fatalf("with 月通报 chosen the periods offered are %v", v)
	}
	do(t, ctx, "choose 周考勤", chromedp.SetValue(chromedp.CSS(`#f-kind`), supervision.Weekly))
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("f-kind").dispatchEvent(new Event("change")), true`)); err != nil {
		t.Fatal(err)
	}
	if v := visible(); len(v) != 1 || v[0] != "周考勤" {
		t.Fatalf("with 周考勤 chosen the periods offered are %v", v)
	}
	if got, want := value(t, ctx, `#f-period`), supervision.DefaultPeriods(e.Clock.Now())[supervision.Weekly]; got != want {
		t.Fatalf("周考勤 picks %s, want the week due %s", got, want)
	}
	shot(t, ctx, "a11y-report-period")
}
