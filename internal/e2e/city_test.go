package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
	"zwfw/internal/config"
	"zwfw/internal/exchange"
)

// cityFeed is one county platform's cases as their events reach the
// city: signed by the county's key (exchange.SignBatch) and received by
// the city (exchange.Receive: the registered peer, the signatures, once per
// event, in order, the city's applier in the receipt's transaction).
type cityFeed struct {
	e      *apptest.Env // the county's instance
	city   *apptest.Env
	code   string
	name   string
	depts  [][2]string
	items  []string
	events []exchange.Event
}

// link registers the county and the city with each other, keys exchanged.
func link(t *testing.T, county, city *apptest.Env, code, name string) {
	t.Helper()
	ctx := context.Background()
	ci, err := city.App.Exchange.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	co, err := county.App.Exchange.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := city.App.Exchange.AddPeer(ctx, zwfw.System, exchange.PeerInput{Code: code, Name: name, Role: "county", URL: county.URL, KeyPEM: co.PEM}); err != nil {
		t.Fatal(err)
	}
	if _, err := county.App.Exchange.AddPeer(ctx, zwfw.System, exchange.PeerInput{Code: ci.Code, Name: ci.Name, Role: "city", URL: city.URL, KeyPEM: ci.PEM}); err != nil {
		t.Fatal(err)
	}
}

// flush signs the events gathered and has the city receive them.
func (f *cityFeed) flush(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for len(f.events) > 0 {
		n := min(len(f.events), 100)
		b, err := f.e.App.Exchange.SignBatch(ctx, f.events[:n])
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.city.App.Exchange.Receive(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range r.Results {
			if x.Status != exchange.StatusAccepted {
				t.Fatalf("%s: %+v", f.name, x)
			}
		}
		f.events = f.events[n:]
	}
}

// run files n cases over the last days of the month: most accepted and
// completed (some late), some rated, a few open past or near their
// deadline.
func (f *cityFeed) run(t *testing.T, n int) {
	t.Helper()
	now := f.e.App.Now()
	for i := 0; i < n; i++ {
		serial := fmt.Sprintf("%s-%s-8%04d", f.code, now.Format("20060102"), i+1) // apart from the real cases' serials
		dept := f.depts[i%len(f.depts)]
		filed := now.Add(-time.Duration(i%9) * 24 * time.Hour).Add(-time.Duration(i) * time.Minute)
		deadline := filed.AddDate(0, 0, 7).Format("2006-01-02")
		if i%11 == 3 {
			deadline = now.AddDate(0, 0, -2).Format("2006-01-02") // red
		}
		if i%13 == 5 {
			deadline = now.Format("2006-01-02") // yellow
		}
		base := map[string]any{"serial": serial, "item_code": fmt.Sprintf("0101%08d", i%5), "item_name": f.items[i%len(f.items)],
			"dept_code": dept[0], "dept_name": dept[1], "org_code": f.code + "C", "org_name": f.name + "政务服务中心",
			"kind": []string{"promised", "immediate", "joint"}[i%3], "channel": []string{"online", "window"}[i%2],
			"filed_at": filed.UnixMilli(), "promised_days": 5}
		seq := 0
		send := func(kind string, at time.Time, kv ...any) {
			seq++
			m := map[string]any{}
			for k, v := range base {
				m[k] = v
			}
			for j := 0; j+1 < len(kv); j += 2 {
				m[kv[j].(string)] = kv[j+1]
			}
			body, _ := json.Marshal(m)
			f.events = append(f.events, exchange.Event{ID: exchange.EventID(f.code, serial, seq), From: f.code, To: "610900", Case: serial,
				Seq: seq, Kind: kind, At: at.UnixMilli(), Body: body})
		}
		send("case.filed", filed, "status", "submitted", "action", "file", "step", "申报")
		send("case.accepted", filed.Add(time.Hour), "status", "accepted", "action", "accept", "step", "受理", "deadline", deadline)
		if i%11 == 3 || i%13 == 5 || i%7 == 6 {
			send("case.step", filed.Add(3*time.Hour), "status", "in_progress", "action", "review", "step", "审查", "deadline", deadline)
			continue
		}
		done := filed.Add(26 * time.Hour)
		late := i%6 == 1
		send("case.step", filed.Add(3*time.Hour), "status", "in_progress", "action", "review", "step", "审查", "deadline", deadline)
		send("case.completed", done, "status", "completed", "action", "complete", "step", "办结", "deadline", deadline,
			"completed_on", done.Format("2006-01-02"), "handled_days", 1+i%4, "overdue", late)
		if i%3 != 2 {
			send("case.rated", done.Add(time.Hour), "status", "completed", "action", "evaluate", "step", "评价", "deadline", deadline,
				"completed_on", done.Format("2006-01-02"), "rating", []int{1, 2, 1, 4, 1, 5}[i%6])
		}
	}
}

// TestCityDashboard: the city platform's supervisor opens 全市监管 over the
// counties whose case events arrived, drills down to a county and to a
// case's events; screenshots at 1366 and at 390.
func TestCityDashboard(t *testing.T) {
	ctx := browser(t)
	city := apptest.StartCity(t, "sqlite")
	// 宁陕县 (the seeded county) and 石泉县 (a second county platform: its
	// own instance, code and key), each registered with the city.
	ningshan := apptest.Start(t, "sqlite")
	shiquan := apptest.Start(t, "sqlite", apptest.Options{Config: func(c *config.Config) { c.PlatformCode, c.PlatformName = "610922", "石泉县" }})
	apptest.SecondCounty(t, shiquan)
	link(t, ningshan, city, "610923", "宁陕县")
	link(t, shiquan, city, "610922", "石泉县")
	for _, f := range []*cityFeed{
		{e: ningshan, city: city, code: "610923", name: "宁陕县", depts: [][2]string{{"610923D01", "宁陕县市场监督管理局"}, {"610923D02", "宁陕县民政局"}, {"610923D04", "宁陕县住房和城乡建设局"}, {"610923D17", "宁陕县发展和改革局"}}, items: []string{"食品经营许可", "社会团体成立登记", "建筑工程施工许可证核发", "企业投资项目备案"}},
		{e: shiquan, city: city, code: "610922", name: "石泉县", depts: [][2]string{{"610922D01", "石泉县市场监督管理局"}, {"610922D02", "石泉县民政局"}, {"610922D07", "石泉县水利局"}}, items: []string{"食品经营许可", "婚姻登记", "取水许可"}},
	} {
		f.run(t, map[string]int{"610923": 40, "610922": 26}[f.code])
		f.flush(t)
	}
	// Real cases at 宁陕县's window, their events published in each case's
	// transaction and delivered by the county's sender over HTTP: two
	// completed, one under review, one suspended, one not accepted, and an
	// investment project's 备案 with its project code.
	bg := context.Background()
	var real []string
	for _, st := range []string{casework.Completed, casework.Completed, casework.InProgress, casework.Suspended, casework.Rejected} {
		real = append(real, ningshan.Case(t, "county.window", "010100100000", "610923C", st))
	}
	clerk := ningshan.Actor(t, "county.window")
	code := fmt.Sprintf("%d-610923-48-03-000321", ningshan.App.Now().Year())
	c17 := "91610923" + "MA700000" + string(ident.OrgCodeCheck("MA700000"))
	in := casework.ApplyInput{ItemCode: "101700100000", OrgCode: "610923C", ProjectCode: code, Form: casework.Form{Description: "企业投资项目备案"},
		Applicant: &casework.ApplicantInput{Name: "陕西秦岭旅游开发有限公司", CreditCode: c17 + string(ident.CreditCheckChar(c17)), Phone: "13991560001"}}
	for _, m := range []string{"企业投资项目备案信息表", "项目信息真实性承诺书"} {
		in.Materials = append(in.Materials, casework.MaterialInput{Name: m, HandedIn: "window"})
	}
	proj, err := ningshan.App.Cases.Apply(bg, clerk, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ningshan.App.Cases.Act(bg, clerk, proj.Serial, casework.ActAccept, casework.ActionInput{}); err != nil {
		t.Fatal(err)
	}
	peer, err := ningshan.App.Exchange.City(bg)
	if err != nil || peer == nil {
		t.Fatalf("the county knows no city: %v", err)
	}
	for i := 0; ; i++ {
		n, err := ningshan.App.Exchange.DeliverOnce(bg, peer)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if i > 50 {
			t.Fatal("the county's outbox does not empty")
		}
	}
	for _, serial := range append(real, proj.Serial) {
		if _, err := city.App.City.Case(bg, zwfw.System, "610923", serial); err != nil {
			t.Fatalf("%s not at the city: %v", serial, err)
		}
	}
	// … and the project's acceptance waits for the investment platform.
	if evs, err := ningshan.App.Invest.Events(bg, code); err != nil || len(evs) != 1 || evs[0].Serial != proj.Serial {
		t.Fatalf("investment platform outbox: %+v %v", evs, err)
	}

	signIn(t, ctx, city.URL, apptest.CitySupervisor, apptest.DemoPassword)
	do(t, ctx, "dashboard", chromedp.Navigate(city.URL+"/city"), chromedp.WaitVisible(chromedp.CSS("svg")))
	mustContain(t, ctx, "dashboard", "全市政务服务监管", "按期办结率", "好评率", "宁陕县", "石泉县", "按部门", "红牌")
	shot(t, ctx, "140-city-dashboard")
	do(t, ctx, "county", chromedp.Click(chromedp.CSS(`#cy-table a[href^="/city/counties/610923"]`)), chromedp.WaitVisible(chromedp.CSS("#cy-warned")))
	mustContain(t, ctx, "county", "宁陕县", "按部门", "当前预警", "期间申报的办件")
	shot(t, ctx, "141-city-county")
	do(t, ctx, "case", chromedp.Click(chromedp.CSS(`#cy-warned a.wk-serial`)), chromedp.WaitVisible(chromedp.CSS("table.cy-events")))
	mustContain(t, ctx, "case", "收到的事件", "申报", "受理", "红牌")
	// A real case's events as the county's sender delivered them, and the
	// investment project's code.
	do(t, ctx, "real case", chromedp.Navigate(city.URL+"/city/cases/610923/"+real[0]), chromedp.WaitVisible(chromedp.CSS("table.cy-events")))
	mustContain(t, ctx, "real case", "申报", "受理", "办结", "已办结")
	shot(t, ctx, "142-city-case")
	do(t, ctx, "project case", chromedp.Navigate(city.URL+"/city/cases/610923/"+proj.Serial), chromedp.WaitVisible(chromedp.CSS("table.cy-events")))
	mustContain(t, ctx, "project case", "投资项目代码", code, "企业投资项目备案")
	shot(t, ctx, "146-city-case-project")
	do(t, ctx, "reports", chromedp.Navigate(city.URL+"/city/reports"), chromedp.WaitVisible(chromedp.CSS("table")))
	mustContain(t, ctx, "reports", "全市统计报表", "下载 Excel", "宁陕县")
	shot(t, ctx, "143-city-reports")
	for _, p := range []struct{ path, name string }{{"/city", "144-city-dashboard-phone"}, {"/city/counties/610923", "145-city-county-phone"}} {
		do(t, ctx, p.name, chromedp.EmulateViewport(390, 844), chromedp.Navigate(city.URL+p.path), chromedp.WaitVisible(chromedp.CSS("h1")))
		noOverflow(t, ctx, p.name, 390)
		shot(t, ctx, p.name)
	}
}
