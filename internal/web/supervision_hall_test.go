package web_test

import (
	"bytes"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zwfw/internal/app/apptest"
	"zwfw/internal/calendar"
	"zwfw/internal/hall"
	"zwfw/internal/testclock"
)

// The dashboard's 大厅排队 section shows the demo's week of queue history
// with the domain's figures, a chart of the hours and a row per centre
// leading to the centre's page; that page has the category, window,
// staff, hour and day tables and an Excel export; a town's manager reads
// their own centre's page only.
func TestDashboardHallSection(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		today := testclock.Today()
		from, to := today.AddDate(0, 0, -14).Format(calendar.DateLayout), today.Format(calendar.DateLayout)
		sup := login(t, e, "county.supervisor", apptest.DemoPassword)
		p := sup.get("/supervision?" + url.Values{"from": {from}, "to": {to}}.Encode())
		if p.Status != 200 {
			t.Fatalf("/supervision = %d", p.Status)
		}
		st, err := e.App.Hall.Stats(t.Context(), actorOf(t, e, "county.supervisor"), hall.StatsQuery{Org: "610923", From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		if st.Totals.Tickets < 7*(80+40+30) {
			t.Fatalf("demo history has %d tickets", st.Totals.Tickets)
		}
		mustContain(t, "hall section", p.Body, "大厅排队", "各时段取号", "平均等候", "过号", "各服务中心",
			">"+strconv.Itoa(st.Totals.Tickets)+"<", st.Totals.Wait.Minutes(),
			"/supervision/hall?centre=610923C&amp;from="+from)
		if len(p.Body) > 150<<10 || strings.Contains(p.Body, " style=") {
			t.Errorf("dashboard: %d bytes, or an inline style", len(p.Body))
		}

		c := sup.get("/supervision/hall?centre=610923C&from=" + from + "&to=" + to)
		if c.Status != 200 {
			t.Fatalf("centre page = %d", c.Status)
		}
		if y := sup.get("/supervision/hall?centre=610923&from=" + today.AddDate(-1, 0, 1).Format(calendar.DateLayout) + "&to=" + to); y.Status != 200 || len(y.Body) > 150<<10 {
			t.Errorf("the county's year: %d, %d bytes", y.Status, len(y.Body))
		}
		mustContain(t, "centre page", c.Body, "按业务类别", "按窗口", "按人员", "按时段", "按日", "综合受理", "李晓燕", "导出 Excel", "<svg")
		x := sup.get("/supervision/hall/export?centre=610923C&from=" + from + "&to=" + to)
		if x.Status != 200 {
			t.Fatalf("export = %d", x.Status)
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(x.Body)))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if got := f.GetSheetList(); !slices.Equal(got, []string{"按类别", "按窗口", "按人员", "按时段", "按日"}) {
			t.Errorf("sheets = %v", got)
		}

		town := login(t, e, "chengguan.hall", apptest.DemoPassword)
		if p := town.get("/supervision/hall?centre=610923100C&from=" + from + "&to=" + to); p.Status != 200 || !strings.Contains(p.Body, "城关镇") {
			t.Errorf("own centre = %d", p.Status)
		}
		// The centre's manager finds the page in the menu (no dashboard).
		if p := town.get("/attendance"); !strings.Contains(p.Body, `href="/supervision/hall"`) {
			t.Error("no 排队统计 in the hall manager's menu")
		}
		for _, path := range []string{"/supervision/hall?centre=610923C", "/supervision/hall/export?centre=610923101C"} {
			if p := town.get(path); p.Status != 403 {
				t.Errorf("%s = %d, want 403", path, p.Status)
			}
		}
	})
}
