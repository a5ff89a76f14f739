package hall_test

import (
	"bytes"
	"slices"

	"context"
	"fmt"
	"github.com/xuri/excelize/v2"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/hall"
	"zwfw/internal/org"
	"zwfw/internal/testclock"
)

// statsFixture puts a hand-counted history into the small county: five
// tickets at the county centre over two days and one at 城关镇.
type statsFixture struct {
	s      *hall.Service
	d      *db.DB
	u1, u2 int64
}

func statsAt(day, hm string) int64 {
	t, err := time.ParseInLocation("2006-01-02 15:04:05", day+" "+hm, zwfw.Zone)
	if err != nil {
		panic(err)
	}
	return t.UnixMilli()
}

func user(t testing.TB, d *db.DB, username, name string) int64 {
	t.Helper()
	id, err := db.InsertID(context.Background(), d.Writer(), `INSERT INTO users (username, password_hash, kind, name, roles, password_changed_at, created_at, updated_at)
		VALUES (?, 'x', ?, ?, ',window,', 0, 0, 0)`, username, zwfw.KindStaff, name)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func orgID(t *testing.T, d *db.DB, code string) int64 {
	t.Helper()
	o, err := org.Lookup(context.Background(), d.Reader(), code)
	if err != nil {
		t.Fatal(err)
	}
	return o.ID
}

type pastTicket struct {
	centre                      string
	cat                         int64
	day, number, status, window string
	staff                       int64
	taken, called, start, end   string // HH:MM:SS, "" when not reached
}

func insertTickets(t *testing.T, d *db.DB, list []pastTicket) {
	t.Helper()
	ctx := context.Background()
	for i, p := range list {
		ms := func(hm string) any {
			if hm == "" {
				return nil
			}
			return statsAt(p.day, hm)
		}
		var win, staff any
		if p.window != "" {
			win = orgID(t, d, p.window)
		}
		if p.staff != 0 {
			staff = p.staff
		}
		if _, err := d.Writer().Exec(ctx, `INSERT INTO hall_tickets (centre_id, category_id, day, seq, number, channel, token, status, window_id, staff_id,
			taken_at, called_at, started_at, ended_at) VALUES (?, ?, ?, ?, ?, 'kiosk', ?, ?, ?, ?, ?, ?, ?, ?)`,
			orgID(t, d, p.centre), p.cat, p.day, i+1, p.number, fmt.Sprintf("tok%d", i), p.status, win, staff,
			statsAt(p.day, p.taken), ms(p.called), ms(p.start), ms(p.end)); err != nil {
			t.Fatal(err)
		}
	}
}

func newStatsFixture(t *testing.T, d *db.DB) *statsFixture {
	clk := testclock.At(testclock.Day("2026-11-26"))
	county(t, d, clk.Now)
	s := hall.NewService(d, clk.Now)
	a := category(t, s, "610923C", hall.CategoryInput{Name: "综合受理", Prefix: "A"})
	b := category(t, s, "610923C", hall.CategoryInput{Name: "社会事务", Prefix: "B"})
	ta := category(t, s, "610923100C", hall.CategoryInput{Name: "综合受理", Prefix: "A"})
	f := &statsFixture{s: s, d: d, u1: user(t, d, "w.one", "李晓燕"), u2: user(t, d, "w.two", "王丽")}
	u3 := user(t, d, "w.three", "杨春梅")
	insertTickets(t, d, []pastTicket{
		{"610923C", a.ID, "2026-11-24", "A001", hall.Done, "610923CW01", f.u1, "09:10:00", "09:15:00", "09:16:00", "09:26:00"},
		{"610923C", a.ID, "2026-11-24", "A002", hall.Done, "610923CW02", f.u2, "09:20:00", "09:40:00", "09:41:00", "09:46:00"},
		{"610923C", b.ID, "2026-11-24", "B001", hall.Missed, "610923CW01", f.u1, "10:05:00", "10:07:00", "", ""},
		{"610923C", a.ID, "2026-11-25", "A001", hall.Done, "610923CW01", f.u1, "09:30:00", "09:31:00", "09:31:00", "10:01:00"},
		{"610923C", b.ID, "2026-11-25", "B001", hall.Waiting, "", 0, "14:00:00", "", "", ""},
		{"610923100C", ta.ID, "2026-11-25", "A001", hall.Done, "610923100CW01", u3, "09:00:00", "09:10:00", "09:10:00", "09:12:00"},
		// Outside the period: not counted.
		{"610923C", a.ID, "2026-11-23", "A001", hall.Done, "610923CW01", f.u1, "09:00:00", "09:01:00", "09:01:00", "09:02:00"},
	})
	return f
}

func manager(t *testing.T, d *db.DB, code string, role string) *zwfw.Actor {
	a := staffAt(t, d, code)
	a.Roles = []string{role}
	return a
}

func row(t *testing.T, rows []*hall.StatRow, key string) *hall.StatRow {
	t.Helper()
	for _, r := range rows {
		if r.Key == key {
			return r
		}
	}
	t.Fatalf("no row %s in %+v", key, rows)
	return nil
}

func TestStatsEqualTheHandCountedFigures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newStatsFixture(t, d)
		ctx := context.Background()
		st, err := f.s.Stats(ctx, manager(t, d, "610923C", zwfw.RoleHallManager), hall.StatsQuery{Org: "610923C", From: "2026-11-24", To: "2026-11-25"})
		if err != nil {
			t.Fatal(err)
		}
		tot := st.Totals
		// Waits 300, 1200, 120, 60 s; serves 600, 300, 1800 s.
		if tot.Tickets != 5 || tot.Served != 3 || tot.Missed != 1 {
			t.Errorf("totals = %d tickets, %d served, %d missed; want 5, 3, 1", tot.Tickets, tot.Served, tot.Missed)
		}
		if want := (hall.Timing{N: 4, Avg: 420, Median: 210, P90: 1200}); tot.Wait != want {
			t.Errorf("wait = %+v, want %+v", tot.Wait, want)
		}
		if want := (hall.Timing{N: 3, Avg: 900, Median: 600, P90: 1800}); tot.Serve != want {
			t.Errorf("serve = %+v, want %+v", tot.Serve, want)
		}
		one := row(t, st.ByStaff, "w.one")
		if one.Name != "李晓燕" || one.Tickets != 3 || one.Served != 2 || one.Missed != 1 ||
			one.Wait != (hall.Timing{N: 3, Avg: 160, Median: 120, P90: 300}) || one.Serve != (hall.Timing{N: 2, Avg: 1200, Median: 1200, P90: 1800}) {
			t.Errorf("w.one = %+v", one)
		}
		if two := row(t, st.ByStaff, "w.two"); two.Tickets != 1 || two.Wait.Avg != 1200 || two.Serve.Avg != 300 {
			t.Errorf("w.two = %+v", two)
		}
		if len(st.ByStaff) != 2 {
			t.Errorf("staff rows = %d, want 2 (the waiting ticket has none; 城关镇's is out of scope)", len(st.ByStaff))
		}
		nine := row(t, st.ByHour, "09")
		if nine.Tickets != 3 || nine.PerDay != 1.5 || nine.Wait.Avg != (300+1200+60)/3 {
			t.Errorf("09:00 = %+v, want 3 tickets, 1.5 a day", nine)
		}
		if r := row(t, st.ByHour, "14"); r.Tickets != 1 || r.Wait.N != 0 {
			t.Errorf("14:00 = %+v", r)
		}
		if len(st.Busiest) == 0 || st.Busiest[0] != "09:00–10:00" {
			t.Errorf("busiest = %v", st.Busiest)
		}
		if w := row(t, st.ByWindow, "610923CW01"); w.Tickets != 3 || w.Missed != 1 || w.Served != 2 {
			t.Errorf("CW01 = %+v", w)
		}
		var catA, catB *hall.StatRow
		for _, r := range st.ByCategory {
			switch r.Name {
			case "综合受理":
				catA = r
			case "社会事务":
				catB = r
			}
		}
		if catA == nil || catB == nil || catA.Tickets != 3 || catA.Served != 3 || catB.Tickets != 2 || catB.Missed != 1 {
			t.Errorf("categories = %+v %+v", catA, catB)
		}
		if len(st.ByDay) != 2 || *st.ByDay[0] != (hall.DayRow{Day: "2026-11-24", Tickets: 3, Served: 2, Missed: 1}) ||
			*st.ByDay[1] != (hall.DayRow{Day: "2026-11-25", Tickets: 2, Served: 1}) {
			t.Errorf("days = %+v %+v", st.ByDay[0], st.ByDay[1])
		}
		if st.OpenDays != 2 || st.NoShows != 0 {
			t.Errorf("open days %d, no-shows %d", st.OpenDays, st.NoShows)
		}

		// The county's reader sees both centres, each row named with its
		// centre.
		cty, err := f.s.Stats(ctx, manager(t, d, "610923", zwfw.RoleSupervisor), hall.StatsQuery{From: "2026-11-24", To: "2026-11-25"})
		if err != nil {
			t.Fatal(err)
		}
		if cty.Totals.Tickets != 6 || len(cty.ByCentre) != 2 || row(t, cty.ByCentre, "610923100C").Tickets != 1 {
			t.Errorf("county = %d tickets, centres %+v", cty.Totals.Tickets, cty.ByCentre)
		}
		if r := row(t, cty.ByStaff, "w.three"); r.Centre != "城关镇便民服务中心" || r.Serve.Avg != 120 {
			t.Errorf("w.three = %+v", r)
		}
	})
}

func TestStatsAreReadInScopeOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newStatsFixture(t, d)
		ctx := context.Background()
		q := hall.StatsQuery{Org: "610923100C", From: "2026-11-24", To: "2026-11-25"}
		for _, c := range []struct {
			name  string
			actor *zwfw.Actor
			q     hall.StatsQuery
			code  string
		}{
			{"another town's manager", manager(t, d, "610923101C", zwfw.RoleHallManager), q, zwfw.EFORBIDDEN},
			{"another town's supervisor", manager(t, d, "610923101", zwfw.RoleSupervisor), q, zwfw.EFORBIDDEN},
			{"the town's manager, the county", manager(t, d, "610923100C", zwfw.RoleHallManager), hall.StatsQuery{Org: "610923"}, zwfw.EFORBIDDEN},
			{"window staff", staffAt(t, d, "610923100C"), q, zwfw.EFORBIDDEN},
			{"no such centre", manager(t, d, "610923", zwfw.RoleAdmin), hall.StatsQuery{Org: "999999C"}, zwfw.ENOTFOUND},
			{"bad date", manager(t, d, "610923", zwfw.RoleAdmin), hall.StatsQuery{Org: "610923C", From: "2026-13-01"}, zwfw.EINVALID},
			{"backwards", manager(t, d, "610923", zwfw.RoleAdmin), hall.StatsQuery{Org: "610923C", From: "2026-11-25", To: "2026-11-24"}, zwfw.EINVALID},
			{"over a year", manager(t, d, "610923", zwfw.RoleAdmin), hall.StatsQuery{Org: "610923C", From: "2025-11-24", To: "2026-11-25"}, zwfw.EINVALID},
		} {
			if _, err := f.s.Stats(ctx, c.actor, c.q); zwfw.ErrorCode(err) != c.code {
				t.Errorf("%s: err = %v, want %s", c.name, err, c.code)
			}
		}
		st, err := f.s.Stats(ctx, manager(t, d, "610923100C", zwfw.RoleHallManager), q)
		if err != nil || st.Totals.Tickets != 1 || !st.Centre {
			t.Fatalf("own centre: %+v, %v", st, err)
		}
		// A year exactly is allowed.
		if _, err := f.s.Stats(ctx, manager(t, d, "610923", zwfw.RoleAdmin), hall.StatsQuery{Org: "610923C", From: "2025-11-26", To: "2026-11-25"}); err != nil {
			t.Errorf("a year: %v", err)
		}
	})
}

func TestStatsExportHasTheSheets(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newStatsFixture(t, d)
		st, err := f.s.Stats(context.Background(), manager(t, d, "610923", zwfw.RoleAdmin), hall.StatsQuery{From: "2026-11-24", To: "2026-11-25"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := st.XLSX()
		if err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		if got := x.GetSheetList(); !slices.Equal(got, []string{"按类别", "按窗口", "按人员", "按时段", "按日"}) {
			t.Fatalf("sheets = %v", got)
		}
		rows, _ := x.GetRows("按人员")
		var found bool
		for _, r := range rows {
			if len(r) > 3 && r[0] == "李晓燕" && r[2] == "3" && r[4] == "1" {
				found = true
			}
		}
		if !found {
			t.Errorf("按人员 has no row 李晓燕 with 3 tickets and 1 missed: %v", rows)
		}
		days, _ := x.GetRows("按日")
		if last := days[len(days)-1]; last[0] != "合计" || last[1] != "6" {
			t.Errorf("按日 total = %v, want 6 tickets", last)
		}
	})
}
