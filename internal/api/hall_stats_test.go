package api_test

import (
	"bytes"
	"net/http"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"

	"zwfw/internal/app/apptest"
	"zwfw/internal/calendar"
	"zwfw/internal/hall"
	"zwfw/internal/testclock"
)

// The demo's week of queue history answers the statistics; a town's
// manager reads their own centre only; bad periods are refused; the
// history leaves today's numbering alone.
func TestHallStatsOverTheDemoHistory(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		today := testclock.Today()
		from, to := today.AddDate(0, 0, -14).Format(calendar.DateLayout), today.AddDate(0, 0, -1).Format(calendar.DateLayout)
		county := demo(t, e, "county.hall")
		var st hall.Stats
		res := county.get("/hall/stats?centre=610923C&from=" + from + "&to=" + to)
		if res.Status != http.StatusOK {
			t.Fatalf("stats: %d %s", res.Status, res.Body)
		}
		res.decode(&st)
		open := 0
		for _, d := range st.ByDay {
			if d.Tickets > 0 {
				open++
				if d.Tickets < 80 || d.Tickets > 120 {
					t.Errorf("%s: %d tickets, want 80–120", d.Day, d.Tickets)
				}
			}
		}
		if open != 7 || st.OpenDays != 7 {
			t.Errorf("days with tickets = %d (%d), want the 7 working days", open, st.OpenDays)
		}
		if st.Totals.Missed == 0 || st.Totals.Wait.Avg < 120 || st.Totals.Wait.P90 > 30*60 || st.Totals.Serve.Avg < 180 || st.Totals.Serve.P90 > 20*60 {
			t.Errorf("totals = %+v", st.Totals)
		}
		if len(st.Busiest) == 0 || (st.Busiest[0] != "09:00–10:00" && st.Busiest[0] != "10:00–11:00") {
			t.Errorf("busiest = %v, want the morning peak", st.Busiest)
		}
		names := map[string]bool{}
		for _, r := range st.ByStaff {
			names[r.Name] = true
		}
		if !names["李晓燕"] || !names["王丽"] {
			t.Errorf("staff = %v, want CW01's A and B posts by name", names)
		}

		// Every past day's counter stands at the day's last number.
		var off, counters int
		if err := e.App.DB.QueryRow(t.Context(), `SELECT COUNT(*), COALESCE(SUM(CASE WHEN c.last = (SELECT MAX(t.seq) FROM hall_tickets t
			WHERE t.category_id = c.category_id AND t.day = c.day) THEN 0 ELSE 1 END), 0) FROM hall_counters c`).Scan(&counters, &off); err != nil {
			t.Fatal(err)
		}
		if counters == 0 || off != 0 {
			t.Errorf("%d of %d counters differ from their day's last number", off, counters)
		}

		// Today's numbering starts at 001 whatever the history.
		var list struct{ Items []hall.Category }
		anon(t, e).get("/hall/centres/610923C/categories").decode(&list)
		cats := list.Items
		var tk hall.Ticket
		anon(t, e).post("/hall/centres/610923C/tickets", map[string]any{"category_id": cats[0].ID}).decode(&tk)
		if tk.Number != cats[0].Prefix+"001" {
			t.Errorf("today's first number = %q", tk.Number)
		}

		// A town's manager: their centre yes, the county's no.
		town := demo(t, e, "chengguan.hall")
		if res := town.get("/hall/stats?centre=610923100C&from=" + from + "&to=" + to); res.Status != http.StatusOK {
			t.Errorf("own centre: %d %s", res.Status, res.Body)
		}
		town.get("/hall/stats?centre=610923C&from="+from+"&to="+to).apiErr(http.StatusForbidden, "forbidden")
		town.get("/hall/stats?centre=610923101C").apiErr(http.StatusForbidden, "forbidden")
		demo(t, e, "county.window").get("/hall/stats?centre=610923C").apiErr(http.StatusForbidden, "forbidden")
		county.get("/hall/stats?centre=nosuch").apiErr(http.StatusNotFound, "not_found")
		county.get("/hall/stats?centre=610923C&from=2026-02-30").apiErr(http.StatusUnprocessableEntity, "invalid")
		county.get("/hall/stats?centre=610923C&from=2025-01-01&to=2026-06-30").apiErr(http.StatusUnprocessableEntity, "invalid")
		county.get("/hall/stats?centre=610923C&format=pdf").apiErr(http.StatusBadRequest, "bad_request")

		// The export.
		res = county.get("/hall/stats?centre=610923C&from=" + from + "&to=" + to + "&format=xlsx")
		if res.Status != http.StatusOK {
			t.Fatalf("xlsx: %d %s", res.Status, res.Body)
		}
		x, err := excelize.OpenReader(bytes.NewReader(res.Body))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		if got := x.GetSheetList(); !slices.Equal(got, []string{"按类别", "按窗口", "按人员", "按时段", "按日"}) {
			t.Errorf("sheets = %v", got)
		}
	})
}
