package api_test

import (
	"net/http"
	"strings"
	"testing"

	"zwfw/internal/calendar"
)

func testCalendar(t *testing.T, ce *caseEnv) {
	pub := anon(t, ce.e)
	workdays := func(from, add string, org ...string) string {
		t.Helper()
		q := "/calendar/workdays?from=" + from + "&add=" + add
		if len(org) > 0 {
			q += "&org=" + org[0]
		}
		res := pub.get(q)
		if res.Status != http.StatusOK {
			t.Fatalf("workdays %s + %s: %d %s", from, add, res.Status, res.Body)
		}
		conforms(t, "Workdays", res.Body)
		var out map[string]string
		res.decode(&out)
		if len(out) != 1 {
			t.Fatalf("workdays body %s", res.Body)
		}
		return out["date"]
	}

	t.Run("holidays and make-up days", func(t *testing.T) {
		for _, c := range []struct{ from, add, want, why string }{
			{"2026-09-30", "1", "2026-10-08", "National Day 10/1–10/7"},
			{"2026-02-13", "1", "2026-02-14", "Saturday 2/14 is a make-up working day"},
			{"2026-02-14", "1", "2026-02-24", "Spring Festival 2/15–2/23"},
			{"2026-09-28", "5", "2026-10-10", "Saturday 10/10 is a make-up working day"},
			{"2026-10-09", "0", "2026-10-09", "zero working days is the day itself"},
			{"2026-10-02", "0", "2026-10-02", "even on a holiday"},
		} {
			if got := workdays(c.from, c.add); got != c.want {
				t.Errorf("%s + %s working days = %s, want %s (%s)", c.from, c.add, got, c.want, c.why)
			}
		}
	})

	t.Run("bad input is explained", func(t *testing.T) {
		for _, c := range []struct {
			query  string
			status int
			code   string
			field  string
			msg    string
		}{
			{"from=2026-13-01&add=1", http.StatusUnprocessableEntity, "invalid", "from", "不是有效日期"},
			{"from=2026-02-30&add=1", http.StatusUnprocessableEntity, "invalid", "from", "YYYY-MM-DD"},
			{"from=20260930&add=1", http.StatusUnprocessableEntity, "invalid", "from", "YYYY-MM-DD"},
			{"add=1", http.StatusBadRequest, "bad_request", "from", "请提供"},
			{"from=2026-09-30", http.StatusBadRequest, "bad_request", "add", "请提供"},
			{"from=2026-09-30&add=x", http.StatusBadRequest, "bad_request", "add", "整数"},
			{"from=2026-09-30&add=-1", http.StatusUnprocessableEntity, "invalid", "add", "0–365"},
			{"from=2026-09-30&add=400", http.StatusUnprocessableEntity, "invalid", "add", "0–365"},
		} {
			er := pub.get("/calendar/workdays?"+c.query).apiErr(c.status, c.code)
			if !er.hasDetail(c.field, c.msg) || !strings.Contains(er.Message, c.msg) {
				t.Errorf("%s: %+v", c.query, er)
			}
		}
	})

	t.Run("a month", func(t *testing.T) {
		var l struct {
			Items []calendar.Day
			Total int
		}
		res := pub.get("/calendar/days?year=2026&month=10")
		conforms(t, "CalendarDayList", res.Body)
		res.decode(&l)
		if l.Total != 31 || len(l.Items) != 31 || l.Items[0].Workday || l.Items[0].Name == "" || !l.Items[9].Workday || l.Items[9].Date != "2026-10-10" {
			t.Fatalf("October 2026: %+v", l)
		}
		pub.get("/calendar/days?year=2026&month=13").apiErr(http.StatusUnprocessableEntity, "invalid")
		pub.get("/calendar/days?year=2026").apiErr(http.StatusBadRequest, "bad_request")
		pub.get("/calendar/days?year=abc&month=1").apiErr(http.StatusBadRequest, "bad_request")
	})

	t.Run("local adjustments, the county's administrators only", func(t *testing.T) {
		// Monday 2027-03-15: the county closes for flood prevention.
		const day = "2027-03-15"
		in := map[string]string{"kind": "holiday", "note": "防汛应急，暂停对外办公"}
		ce.as(t, "county.window").put("/calendar/adjustments/"+day, in).apiErr(http.StatusForbidden, "forbidden")
		anon(t, ce.e).put("/calendar/adjustments/"+day, in).apiErr(http.StatusUnauthorized, "unauthorized")
		admin := ce.as(t, "county.admin")
		admin.put("/calendar/adjustments/"+day, map[string]string{"note": "没有类型"}).apiErr(http.StatusUnprocessableEntity, "invalid")
		admin.put("/calendar/adjustments/"+day, map[string]string{"kind": "closed", "note": "类型不对"}).apiErr(http.StatusUnprocessableEntity, "invalid")
		admin.put("/calendar/adjustments/2027-02-30", in).apiErr(http.StatusUnprocessableEntity, "invalid")
		if res := admin.put("/calendar/adjustments/"+day, in); res.Status != http.StatusOK {
			t.Fatalf("adjust: %d %s", res.Status, res.Body)
		} else {
			conforms(t, "Adjustment", res.Body)
		}
		if got := workdays("2027-03-12", "1", "610923"); got != "2027-03-16" {
			t.Fatalf("after closing %s: Friday + 1 = %s", day, got)
		}
		if got := workdays("2027-03-12", "1"); got != day {
			t.Fatalf("a county's closure is not the city's: Friday + 1 = %s", got)
		}
		var l struct {
			Items []calendar.Adjustment
			Total int
		}
		res := pub.get("/calendar/adjustments?year=2027&org=610923")
		conforms(t, "AdjustmentList", res.Body)
		res.decode(&l)
		if l.Total != 1 || l.Items[0].Date != day || l.Items[0].Note != in["note"] || l.Items[0].Org != "610923" {
			t.Fatalf("adjustments: %+v", l)
		}
		ce.as(t, "county.window").do("DELETE", "/calendar/adjustments/"+day, "", nil, nil).apiErr(http.StatusForbidden, "forbidden")
		if res := admin.do("DELETE", "/calendar/adjustments/"+day, "", nil, nil); res.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", res.Status, res.Body)
		}
		if got := workdays("2027-03-12", "1", "610923"); got != day {
			t.Fatalf("after removing the closure: %s", got)
		}
		if n := pub.total("/calendar/adjustments?year=2027&org=610923"); n != 0 {
			t.Fatalf("%d adjustments left", n)
		}
	})
}
