package city_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/city"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/exchange"
)

// now is a Wednesday: the week runs 11-16 … 11-22, the month November.
var now = time.Date(2026, 11, 18, 10, 0, 0, 0, zwfw.Zone)

var supervisor = &zwfw.Actor{UserID: 1, Username: "city.supervisor", Kind: zwfw.KindStaff, Roles: []string{zwfw.RoleSupervisor}, OrgCode: "610900", OrgPath: "/1/"}

func newCity(d *db.DB, isCity bool) *city.Service {
	return city.New(d, calendar.New(d, func() time.Time { return now }), func() time.Time { return now },
		city.Options{City: isCity, RootCode: "610900"})
}

// feed applies one event of a county's case in its own transaction, as the
// exchange's receipt does.
func feed(t *testing.T, s *city.Service, d *db.DB, county, serial string, seq int, kind string, at time.Time, f exchange.CaseFacts) error {
	t.Helper()
	f.Serial = serial
	body, _ := json.Marshal(f)
	ev := &exchange.Event{ID: county + ":" + serial + ":" + strconv.Itoa(seq), From: county, To: "610900", Case: serial, Seq: seq,
		Kind: kind, At: at.UnixMilli(), Body: body}
	names := map[string]string{"610923": "宁陕县", "610922": "石泉县"}
	return d.InTx(context.Background(), func(tx *db.Tx) error {
		return s.Applier()(context.Background(), tx, &exchange.Peer{Code: county, Name: names[county], Role: "county"}, ev)
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func day(s string, h int) time.Time {
	d, _ := time.ParseInLocation("2006-01-02", s, zwfw.Zone)
	return d.Add(time.Duration(h) * time.Hour)
}

// lifecycle files, accepts and completes a case (late when late), and
// rates it when level > 0.
func lifecycle(t *testing.T, s *city.Service, d *db.DB, county, serial, dept, filed, done string, late bool, level int) {
	t.Helper()
	base := exchange.CaseFacts{ItemCode: "0001", ItemName: "食品经营许可", Kind: "promised", Channel: "online", OrgCode: county + "C",
		OrgName: "县政务服务中心", DeptCode: county + dept, DeptName: map[string]string{"610923": "宁陕县", "610922": "石泉县"}[county] + map[string]string{"D01": "市场监督管理局", "D02": "交通运输局"}[dept],
		PromisedDays: 5, FiledAt: day(filed, 9).UnixMilli(), Deadline: "2026-11-30"}
	f := base
	f.Status, f.Action = "submitted", "submit"
	must(t, feed(t, s, d, county, serial, 1, city.KindFiled, day(filed, 9), f))
	f.Status, f.Action, f.FromStatus = "accepted", "accept", "submitted"
	must(t, feed(t, s, d, county, serial, 2, city.KindAccepted, day(filed, 10), f))
	if done == "" {
		return
	}
	f.Status, f.Action, f.FromStatus, f.Step, f.CompletedOn, f.HandledDays, f.Overdue = "completed", "complete", "approved", "办结", done, 3, late
	must(t, feed(t, s, d, county, serial, 3, city.KindCompleted, day(done, 15), f))
	if level > 0 {
		f.Rating, f.Action, f.Step = level, "rate", "评价"
		must(t, feed(t, s, d, county, serial, 4, city.KindRated, day(done, 16), f))
	}
}

func TestScope(t *testing.T) {
	d := dbtest.SQLite(t)
	county := newCity(d, false)
	if _, err := county.Scope(supervisor); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
		t.Fatalf("a county platform has no city view: %v", err)
	}
	c := newCity(d, true)
	for _, tc := range []struct {
		name string
		a    *zwfw.Actor
		code string
	}{
		{"city supervisor", supervisor, ""},
		{"city admin", &zwfw.Actor{Kind: zwfw.KindStaff, Roles: []string{zwfw.RoleAdmin}, OrgCode: "610900"}, ""},
		{"system", zwfw.System, ""},
		{"city window clerk", &zwfw.Actor{Kind: zwfw.KindStaff, Roles: []string{zwfw.RoleWindow}, OrgCode: "610900"}, zwfw.EFORBIDDEN},
		{"county supervisor on the city platform", &zwfw.Actor{Kind: zwfw.KindStaff, Roles: []string{zwfw.RoleSupervisor}, OrgCode: "610923"}, zwfw.EFORBIDDEN},
		{"resident", &zwfw.Actor{Kind: zwfw.KindPerson, Roles: []string{zwfw.RoleApplicant}}, zwfw.EFORBIDDEN},
		{"visitor", nil, zwfw.EUNAUTHORIZED},
	} {
		_, err := c.Scope(tc.a)
		if tc.code == "" && err != nil || tc.code != "" && zwfw.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.code)
		}
		// Every read answers as Scope does.
		if _, err := c.Overview(context.Background(), tc.a, city.Filter{}); (tc.code == "") != (err == nil) {
			t.Errorf("%s: overview %v", tc.name, err)
		}
	}
}

func TestFigures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newCity(d, true)
		// 宁陕县: three cases of 市场监管局 completed this month (one late,
		// two rated 非常满意 and 不满意), one of 交通运输局 still open and past
		// its deadline; 石泉县: one completed last month, one open today.
		lifecycle(t, s, d, "610923", "A1", "D01", "2026-11-02", "2026-11-05", false, 1)
		lifecycle(t, s, d, "610923", "A2", "D01", "2026-11-03", "2026-11-16", true, 4)
		lifecycle(t, s, d, "610923", "A3", "D01", "2026-11-17", "2026-11-18", false, 0)
		lifecycle(t, s, d, "610922", "B1", "D01", "2026-10-20", "2026-10-22", false, 2)
		lifecycle(t, s, d, "610922", "B2", "D02", "2026-11-18", "", false, 0)
		red := exchange.CaseFacts{ItemName: "道路运输经营许可", Status: "in_progress", DeptCode: "610923D02", DeptName: "交通运输局",
			Deadline: "2026-11-10", PromisedDays: 5, FiledAt: day("2026-11-02", 9).UnixMilli()}
		must(t, feed(t, s, d, "610923", "A4", 1, city.KindAccepted, day("2026-11-02", 9), red))

		ov, err := s.Overview(ctx, supervisor, city.Filter{Period: city.PeriodMonth})
		must(t, err)
		tot := ov.Totals
		if ov.From != "2026-11-01" || ov.To != "2026-11-30" || tot.Filed != 5 || tot.Accepted != 5 || tot.Completed != 3 || tot.OnTime != 2 || tot.Late != 1 {
			t.Fatalf("month totals %+v (%s–%s)", tot, ov.From, ov.To)
		}
		if tot.OnTimeRate == nil || *tot.OnTimeRate != 66.7 || tot.Ratings != 2 || tot.Good != 1 || *tot.GoodRate != 50 {
			t.Fatalf("rates %+v", tot)
		}
		// Open now: A4 (red, past 11-10) and B2 (deadline 11-30, green).
		if tot.Open != 2 || tot.Red != 1 || tot.Yellow != 0 {
			t.Fatalf("warnings %+v", tot)
		}
		if len(ov.ByCounty) != 2 || ov.ByCounty[0].Name != "石泉县" || ov.ByCounty[1].Name != "宁陕县" || ov.ByCounty[1].Filed != 4 || ov.ByCounty[0].Filed != 1 {
			t.Fatalf("by county %+v", ov.ByCounty)
		}
		// Departments by name across the counties, less the county's
		// name (宁陕县市场监督管理局 and 石泉县市场监督管理局 together).
		if ov.ByDept[0].Name != "市场监督管理局" || ov.ByDept[0].Filed != 3 {
			t.Fatalf("by dept %+v", ov.ByDept)
		}
		if q, err := s.Overview(ctx, supervisor, city.Filter{Period: city.PeriodQuarter}); err != nil || q.ByDept[0].Name != "市场监督管理局" || q.ByDept[0].Filed != 4 {
			t.Fatalf("by dept over the quarter, both counties: %+v %v", q, err)
		}

		// A replayed event changes nothing; a body that is no case fails.
		must(t, feed(t, s, d, "610923", "A1", 3, city.KindCompleted, day("2026-11-05", 15), exchange.CaseFacts{Status: "completed"}))
		again, err := s.Overview(ctx, supervisor, city.Filter{Period: city.PeriodMonth})
		must(t, err)
		if again.Totals.Completed != 3 {
			t.Fatalf("a replay counted: %+v", again.Totals)
		}
		bad := &exchange.Event{ID: "x", From: "610923", Case: "A9", Seq: 1, Kind: city.KindFiled, At: now.UnixMilli(), Body: json.RawMessage(`[1]`)}
		err = d.InTx(ctx, func(tx *db.Tx) error { return s.Applier()(ctx, tx, &exchange.Peer{Code: "610923"}, bad) })
		var ze *zwfw.Error
		if !errors.As(err, &ze) || ze.Code != zwfw.EINVALID {
			t.Fatalf("bad body: %v", err)
		}
		// Other kinds (forwarded cases) are not the dashboard's.
		must(t, d.InTx(ctx, func(tx *db.Tx) error {
			return s.Applier()(ctx, tx, &exchange.Peer{Code: "610923"}, &exchange.Event{Kind: "case.forward", Case: "A9", Body: json.RawMessage(`{}`)})
		}))

		// Any period: a custom one across two months from the day and
		// month buckets equals counting the cases.
		for _, f := range []city.Filter{
			{Period: city.PeriodCustom, From: "2026-10-21", To: "2026-11-17"},
			{Period: city.PeriodCustom, From: "2026-10-01", To: "2026-11-30"},
			{Period: city.PeriodCustom, From: "2026-11-03", To: "2026-11-03"},
			{Period: city.PeriodWeek}, {Period: city.PeriodToday}, {Period: city.PeriodQuarter}, {Period: city.PeriodYear},
		} {
			ov, err := s.Overview(ctx, supervisor, f)
			must(t, err)
			var n int64
			must(t, d.QueryRow(ctx, `SELECT COUNT(*) FROM city_cases WHERE filed_on BETWEEN ? AND ?`, ov.From, ov.To).Scan(&n))
			if ov.Totals.Filed != n {
				t.Errorf("%+v: filed %d, cases %d", f, ov.Totals.Filed, n)
			}
		}
		if _, err := s.Overview(ctx, supervisor, city.Filter{Period: city.PeriodCustom, From: "2026-11-05", To: "2026-11-01"}); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("reversed period: %v", err)
		}

		// The county's drill-down: its departments, the red case, its cases.
		cv, err := s.County(ctx, supervisor, "610923", city.CountyQuery{Filter: city.Filter{Period: city.PeriodMonth}})
		must(t, err)
		if cv.County.Name != "宁陕县" || cv.Total != 4 || len(cv.ByDept) != 2 || len(cv.Warned) != 1 || cv.Warned[0].Serial != "A4" || cv.Warned[0].Level != "red" {
			t.Fatalf("county %+v warned %+v", cv.County, cv.Warned)
		}
		cv, err = s.County(ctx, supervisor, "610923", city.CountyQuery{Filter: city.Filter{Period: city.PeriodMonth}, Dept: "610923D01"})
		must(t, err)
		if cv.Total != 3 || cv.DeptName != "宁陕县市场监督管理局" || len(cv.Warned) != 0 {
			t.Fatalf("county by dept %+v", cv)
		}
		if _, err := s.County(ctx, supervisor, "610999", city.CountyQuery{}); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			t.Fatalf("unknown county: %v", err)
		}
		cs, err := s.Case(ctx, supervisor, "610923", "A2")
		must(t, err)
		if cs.Case.Status != "completed" || !cs.Case.Overdue || cs.Case.Rating != 4 || cs.Case.LastSeq != 4 || cs.CountyName != "宁陕县" {
			t.Fatalf("case %+v", cs.Case)
		}

		// The monthly report and its workbook.
		rep, err := s.Report(ctx, supervisor, "2026-11")
		must(t, err)
		if rep.Totals.Filed != 5 || len(rep.ByDept) != 3 {
			t.Fatalf("report %+v", rep)
		}
		names, err := s.Counties(ctx)
		must(t, err)
		b, err := rep.XLSX(names)
		must(t, err)
		x, err := excelize.OpenReader(bytes.NewReader(b))
		must(t, err)
		rows, err := x.GetRows("按县区")
		must(t, err)
		if len(rows) != 4 || rows[2][1] != "宁陕县" || rows[2][2] != "4" || rows[3][1] != "合计" {
			t.Fatalf("xlsx rows %q", rows)
		}
		if _, err := s.Report(ctx, supervisor, "2026-13"); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("bad period: %v", err)
		}
		q, err := s.Report(ctx, supervisor, "2026-Q4")
		must(t, err)
		if q.Totals.Filed != 6 || q.From != "2026-10-01" || q.To != "2026-12-31" {
			t.Fatalf("quarter %+v", q)
		}
	})
}
