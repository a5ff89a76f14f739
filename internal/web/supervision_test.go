package web_test

import (
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
	"zwfw/internal/benchdata"
	"zwfw/internal/supervision"
)

var hrefRE = regexp.MustCompile(`href="(/supervision/cases\?[^"]+)"`)

// The supervision pages: the dashboard and the large screen show the
// viewer's figures with SVG charts and no script; every link leads to a
// list whose count is the figure's; a town's supervisor sees the town; a
// window clerk is refused.
func TestDashboardPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		sup := login(t, e, "county.supervisor", apptest.DemoPassword)
		p := sup.get("/supervision")
		if p.Status != 200 {
			t.Fatalf("/supervision = %d", p.Status)
		}
		mustContain(t, "dashboard", p.Body, "监管数据", "<svg", "按时办结率", "满意率", "超期在办", "预警在办", "按乡镇", "窗口工作量", "supervision.css", "/supervision/screen")
		if len(p.Body) > 150<<10 {
			t.Errorf("dashboard is %d bytes", len(p.Body))
		}
		if strings.Contains(p.Body, "<script>") || strings.Contains(p.Body, " style=") {
			t.Error("dashboard has an inline script or style")
		}
		ov, err := e.App.Super.Overview(t.Context(), actorOf(t, e, "county.supervisor"), supervision.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if ov.Totals.Cases == 0 || !strings.Contains(p.Body, ">"+strconv.FormatInt(ov.Totals.Year, 10)+"<") {
			t.Errorf("the page does not show this year's %d cases", ov.Totals.Year)
		}
		// Every drill-down link lists as many cases as its figure says.
		links := hrefRE.FindAllStringSubmatch(p.Body, -1)
		if len(links) < 10 {
			t.Fatalf("only %d drill-down links", len(links))
		}
		want := map[string]int64{ov.Totals.Links.Cases: ov.Totals.Cases, ov.Totals.Links.Overdue: int64(ov.Totals.Overdue)}
		for _, f := range append(append(ov.ByStatus, ov.ByTown...), ov.ByDept...) {
			want[f.Link] = f.Cases
		}
		checked := 0
		for _, m := range links {
			link := html.UnescapeString(m[1])
			n, ok := want[link]
			if !ok {
				continue
			}
			l := sup.get(link)
			if l.Status != 200 || !strings.Contains(l.Body, "共 "+strconv.FormatInt(n, 10)+" 件") {
				t.Errorf("%s: %d, want 共 %d 件", link, l.Status, n)
			}
			checked++
		}
		if checked < 5 {
			t.Errorf("only %d links checked", checked)
		}
		// The large screen refreshes itself without a script.
		s := sup.get("/supervision/screen")
		mustContain(t, "screen", s.Body, `http-equiv="refresh"`, "监管大屏", "<svg", "sv-screen")
		if s.Status != 200 || strings.Contains(s.Body, "<script") || len(s.Body) > 150<<10 {
			t.Errorf("screen: %d, %d bytes", s.Status, len(s.Body))
		}
		// A town's supervisor sees the town only.
		town := login(t, e, "chengguan.supervisor", apptest.DemoPassword)
		tp := town.get("/supervision")
		if tp.Status != 200 || !strings.Contains(tp.Body, "城关镇") {
			t.Fatalf("town dashboard: %d", tp.Status)
		}
		if c := town.get("/supervision?org=610923"); c.Status != 403 {
			t.Errorf("town supervisor asking for the county: %d", c.Status)
		}
		if c := town.get("/supervision/cases?" + url.Values{"under": {"610923"}}.Encode()); c.Status != 200 {
			t.Errorf("town supervisor listing the county: %d", c.Status)
		} else if tl := town.get("/supervision/cases?under=610923100"); !strings.Contains(c.Body, "共 ") || between(c.Body) != between(tl.Body) {
			t.Errorf("the town supervisor's county list (%s) is not their town's (%s)", between(c.Body), between(tl.Body))
		}
		win := login(t, e, "county.window", apptest.DemoPassword)
		for _, path := range []string{"/supervision", "/supervision/screen", "/supervision/cases"} {
			if c := win.get(path); c.Status != 403 {
				t.Errorf("window clerk %s: %d", path, c.Status)
			}
		}
		if c := sup.get("/supervision?from=2026-13-45"); c.Status != 422 && c.Status != 400 {
			t.Errorf("bad date: %d", c.Status)
		}
		// Any period from the date inputs: the page shows it in them and in
		// its heading; an end before the start is refused in Chinese.
		ap := sup.get("/supervision?from=2025-03-17&to=2026-08-05")
		mustContain(t, "any period", ap.Body, `type="date" name="from" value="2025-03-17"`, `type="date" name="to" value="2026-08-05"`, "提交日期 2025-03-17 至 2026-08-05", "快捷期间")
		if ap.Status != 200 || len(ap.Body) > 150<<10 {
			t.Errorf("any period: %d, %d bytes", ap.Status, len(ap.Body))
		}
		if c := sup.get("/supervision?from=2026-08-05&to=2026-03-17"); (c.Status != 422 && c.Status != 400) || !strings.Contains(c.Body, "结束日期不能早于开始日期") {
			t.Errorf("end before start: %d", c.Status)
		}
	})
}

var totalRE = regexp.MustCompile(`共 (\d+) 件`)

func between(body string) string {
	if m := totalRE.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

var workCaseRE = regexp.MustCompile(`href="/work/cases/([0-9A-Z-]+)"`)

// A generated county (cases without steps or notices) still drills down
// from the dashboard to each case's page.
func TestSupervisionGeneratedDrillDown(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	if err := benchdata.Generate(t.Context(), e.App.DB, benchdata.GenerateOptions{Cases: 300, Years: 1, Now: e.App.Now(), Seed: 5}); err != nil {
		t.Fatal(err)
	}
	sup := login(t, e, "county.supervisor", apptest.DemoPassword)
	opened := 0
	for _, q := range []string{"under=610923&status=archived", "under=610923&overdue=1", "under=610923&done=late", "under=610923&status=in_progress"} {
		l := sup.get("/supervision/cases?" + q)
		m := workCaseRE.FindStringSubmatch(l.Body)
		if l.Status != 200 {
			t.Fatalf("%s: %d", q, l.Status)
		}
		if m == nil {
			continue
		}
		if c := sup.get("/work/cases/" + m[1]); c.Status != 200 || !strings.Contains(c.Body, m[1]) {
			t.Errorf("%s: case %s: %d", q, m[1], c.Status)
		}
		opened++
	}
	if opened < 2 {
		t.Errorf("only %d generated cases opened", opened)
	}
}
