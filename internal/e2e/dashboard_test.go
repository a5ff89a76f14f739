package e2e_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"zwfw/internal/app/apptest"
)

// TestSupervisionDashboard: the county supervisor opens the supervision
// dashboard over the demo cases, follows a figure to the cases behind it,
// and opens the large screen; screenshots of each go beside the others.
func TestSupervisionDashboard(t *testing.T) {
	ctx := browser(t)
	e := apptest.Start(t, "sqlite")
	signIn(t, ctx, e.URL, "county.supervisor", apptest.DemoPassword)

	if err := chromedp.Do(ctx, chromedp.Navigate(e.URL+"/supervision"), chromedp.WaitVisible(chromedp.CSS("svg"))); err != nil {
		t.Fatal(err)
	}
	mustContain(t, ctx, "dashboard", "监管数据", "按时办结率", "满意率", "按部门", "按乡镇", "按办件类型", "按申请渠道")
	shot(t, ctx, "44-supervision-dashboard")

	// A figure leads to the list of its cases.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href^="/supervision/cases"]`)),
		chromedp.WaitVisible(chromedp.CSS("table"))); err != nil {
		t.Fatal(err)
	}
	mustContain(t, ctx, "drill-down", "办件编号")
	shot(t, ctx, "45-supervision-drilldown")

	// The large screen on the wall display it is for: 1920×1080, no
	// scrolling (issue 10 item 4: it was 1,343 px tall).
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1920, 1080), chromedp.Navigate(e.URL+"/supervision/screen"), chromedp.WaitVisible(chromedp.CSS("svg"))); err != nil {
		t.Fatal(err)
	}
	mustContain(t, ctx, "large screen", "电子监察监管大屏", "自动刷新")
	fits(t, ctx, "监管大屏", 1920, 1080)
	shot(t, ctx, "46-supervision-screen")

	// The warning job (run by the queue every minute in a server) over
	// the demo cases: the overdue one gets its red card.
	if _, err := e.App.Warnings.Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(e.URL+"/supervision/warnings")); err != nil {
		t.Fatal(err)
	}
	mustContain(t, ctx, "warnings", "预警督办", "红牌", "烟草专卖零售许可")
	shot(t, ctx, "47-supervision-warnings")
}
