package api_test

import (
	"net/http"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
)

// GET /supervision/overview: the document's shape; the viewer's subtree
// only; supervisors and administrators only; bad periods refused.
func TestSupervisionOverview(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		sup := demo(t, e, "county.supervisor")
		res := sup.get("/supervision/overview")
		if res.Status != http.StatusOK {
			t.Fatalf("overview: %d %s", res.Status, res.Body)
		}
		conforms(t, "SupervisionOverview", res.Body)
		var county struct {
			Org    struct{ Code string }
			Totals struct{ Cases int }
		}
		res.decode(&county)
		if county.Org.Code != "610923" || county.Totals.Cases == 0 {
			t.Fatalf("county overview: %+v", county)
		}
		town := demo(t, e, "chengguan.supervisor")
		res = town.get("/supervision/overview")
		var tv struct {
			Org    struct{ Code string }
			Totals struct{ Cases int }
		}
		res.decode(&tv)
		if res.Status != http.StatusOK || tv.Org.Code != "610923100" || tv.Totals.Cases >= county.Totals.Cases {
			t.Fatalf("town overview: %d %+v (county %d)", res.Status, tv, county.Totals.Cases)
		}
		for _, tc := range []struct {
			c    *client
			path string
			want int
		}{
			{town, "/supervision/overview?org=610923", http.StatusForbidden},
			{demo(t, e, "county.window"), "/supervision/overview", http.StatusForbidden},
			{anon(t, e), "/supervision/overview", http.StatusUnauthorized},
			{sup, "/supervision/overview?from=2026-02-30", http.StatusUnprocessableEntity},
			{sup, "/supervision/overview?from=2026-03-01&to=2026-02-01", http.StatusUnprocessableEntity},
			{sup, "/supervision/overview?org=nowhere", http.StatusUnprocessableEntity},
			{sup, "/supervision/overview?org=610923100&from=2026-01-01&to=2026-01-31", http.StatusOK},
			{demo(t, e, "admin"), "/supervision/overview", http.StatusOK},
			{sup, "/supervision/overview?from=2020-01-01&to=2026-01-01", http.StatusUnprocessableEntity},
		} {
			if r := tc.c.get(tc.path); r.Status != tc.want {
				t.Errorf("%s: %d %s, want %d", tc.path, r.Status, r.Body, tc.want)
			}
		}
		// Any period: from and to are any days, not only whole months and
		// years; what is wrong with a period is said in Chinese.
		var got struct {
			From, To   string
			TrendGrain string `json:"trend_grain"`
		}
		if r := sup.get("/supervision/overview?from=2025-03-17&to=2026-08-05"); r.Status != http.StatusOK {
			t.Fatalf("any period: %d %s", r.Status, r.Body)
		} else if r.decode(&got); got.From != "2025-03-17" || got.To != "2026-08-05" || got.TrendGrain != "month" {
			t.Errorf("any period: %+v", got)
		}
		for path, msg := range map[string]string{
			"/supervision/overview?from=2026-03-17&to=2026-03-16": "结束日期不能早于开始日期",
			"/supervision/overview?from=2020-03-17&to=2026-03-16": "统计期间不能超过五年",
			"/supervision/overview?from=2026-3-17":                "开始日期应为 YYYY-MM-DD",
			"/supervision/overview?to=2026-02-29":                 "结束日期应为 YYYY-MM-DD",
		} {
			if r := sup.get(path); r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), msg) {
				t.Errorf("%s: %d %s, want %q", path, r.Status, r.Body, msg)
			}
		}
	})
}
