package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
)

// TestForwardedCaseScreens: a county's 上报件 as the staff of both
// platforms and the applicant see it — at the county, 已上报安康市（市平台）
// while it waits; at the city, the case with its origin (the county and its
// serial); at the county again, the city's decision, and the applicant's
// page on a phone.
func TestForwardedCaseScreens(t *testing.T) {
	ctx := browser(t)
	bg := context.Background()
	county := apptest.Start(t, "sqlite")
	city := apptest.Start(t, "sqlite", apptest.CityOptions())
	apptest.Register(t, county, city)
	apptest.Register(t, city, county)

	serial := county.Case(t, "enterprise.qinling", "010700100000", "610923C", casework.Accepted)
	if _, err := county.App.Cases.Act(bg, county.Actor(t, "county.window"), serial, casework.ActForward,
		casework.ActionInput{Opinion: "取水量超过县级审批权限，报安康市审批"}); err != nil {
		t.Fatal(err)
	}
	signIn(t, ctx, county.URL, "county.window", apptest.DemoPassword)
	do(t, ctx, "the county's case, waiting", chromedp.EmulateViewport(1366, 900), chromedp.Navigate(county.URL+"/work/cases/"+serial),
		chromedp.WaitVisible(chromedp.CSS(`.wk-forward`)))
	mustContain(t, ctx, "the county's case", "已上报安康市（市平台）", "等待上级平台审批")
	shot(t, ctx, "forward-county-waiting")

	apptest.Deliver(t, county, city, apptest.Pending(t, county, "610900", ""))
	var cs string
	if err := city.App.DB.QueryRow(bg, `SELECT c.serial FROM case_forwards f JOIN cases c ON c.id = f.case_id
		WHERE f.direction = 'in' AND f.remote_serial = ?`, serial).Scan(&cs); err != nil {
		t.Fatalf("not received at the city: %v", err)
	}
	// The city's seeded window and the reviewer of its own 水利局
	// (seed.CityDemoAccounts): the case is under the city's item.
	signOutAll(t, ctx)
	signIn(t, ctx, city.URL, "city.window", apptest.DemoPassword)
	do(t, ctx, "the city's case", chromedp.Navigate(city.URL+"/work/cases/"+cs), chromedp.WaitVisible(chromedp.CSS(`.wk-forward`)))
	mustContain(t, ctx, "the city's case", "下级上报", "宁陕县（县平台）上报", serial, "无须重复提交", "安康市水利局", "县区上报件受理窗口 赵敏")
	shot(t, ctx, "forward-city-origin")

	for _, st := range []struct {
		who, action string
		in          casework.ActionInput
	}{
		{"city.window", casework.ActAccept, casework.ActionInput{}},
		{"city.reviewer", casework.ActApprove, casework.ActionInput{Opinion: "同意取水，年取水量 12 万立方米"}},
	} {
		if _, err := city.App.Cases.Act(bg, city.Actor(t, st.who), cs, st.action, st.in); err != nil {
			t.Fatalf("%s at the city: %v", st.action, err)
		}
	}
	apptest.Deliver(t, city, county, apptest.Pending(t, city, "610923", ""))

	signOutAll(t, ctx)
	signIn(t, ctx, county.URL, "county.window", apptest.DemoPassword)
	do(t, ctx, "the county's case, decided", chromedp.Navigate(county.URL+"/work/cases/"+serial), chromedp.WaitVisible(chromedp.CSS(`.wk-forward`)))
	mustContain(t, ctx, "the county's case, decided", "安康市（市平台）已作出决定", "批准", "钱志远", "已批准")
	shot(t, ctx, "forward-county-decided")

	signOutAll(t, ctx)
	signIn(t, ctx, county.URL, "enterprise.qinling", apptest.DemoPassword)
	do(t, ctx, "the applicant's case on a phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(county.URL+"/my/cases/"+serial),
		chromedp.WaitVisible(chromedp.CSS(`.forward`)))
	mustContain(t, ctx, "the applicant's case", "安康市（市平台）已作出决定", "同意取水")
	shot(t, ctx, "forward-applicant-decided-phone")
	// The part that says it, at the phone's own size.
	buf, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(`section.facts`)))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shotDir(t), "forward-applicant-decided-phone-facts.png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}
