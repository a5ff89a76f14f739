package supervision_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/supervision"
)

// month drives September 2026 through casework: at the county centre
// 食品经营许可 (承诺件, 5 working days) — two on time, one late, one left
// running past its deadline, one only submitted; at 城关镇 就业创业证 (即办件)
// twice the same day. Evaluations: 非常满意 twice, 不满意 once.
type month struct {
	late, running, onTime string
}

func (e *env) month() month {
	var m month
	promised := func(day, done string, level int) string {
		e.at(day)
		c := e.walkIn("county.window", "010100100000", "610923C")
		c = e.do("county.window", c.Serial, casework.ActAccept, casework.ActionInput{})
		if done == "" {
			return c.Serial
		}
		e.at(done)
		e.do("county.reviewer", c.Serial, casework.ActApprove, casework.ActionInput{Opinion: "准予许可"})
		e.do("county.window", c.Serial, casework.ActComplete, casework.ActionInput{Result: &casework.Result{Number: "JY" + strconv.FormatInt(e.now.UnixNano()%1e10, 10)}})
		if level != 0 {
			e.do("county.window", c.Serial, casework.ActEvaluate, casework.ActionInput{Level: level, Channel: "pad", Comment: "等候时间太长"})
		}
		return c.Serial
	}
	m.onTime = promised("2026-09-01", "2026-09-03", 1)
	promised("2026-09-02", "2026-09-08", 0)
	m.late = promised("2026-09-03", "2026-09-16", 4) // deadline 9/10
	m.running = promised("2026-09-14", "", 0)        // deadline 9/20, never completed
	e.at("2026-09-18")
	e.walkIn("county.window", "010100100000", "610923C") // waits for acceptance
	for range 2 {
		e.at("2026-09-22")
		c := e.walkIn("chengguan.window", "200300200000", "610923100C")
		e.do("chengguan.window", c.Serial, casework.ActAccept, casework.ActionInput{})
		e.do("chengguan.window", c.Serial, casework.ActApprove, casework.ActionInput{})
		e.do("chengguan.window", c.Serial, casework.ActComplete, casework.ActionInput{})
		e.do("chengguan.window", c.Serial, casework.ActEvaluate, casework.ActionInput{Level: 1})
	}
	return m
}

func count(t testing.TB, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func ms(day string) int64 {
	t, _ := calendar.ParseDate(day)
	return db.Millis(t)
}

func unit(us []*supervision.Unit, code string) *supervision.Unit {
	for _, u := range us {
		if u.Code == code {
			return u
		}
	}
	return nil
}

// TestMonthlyBulletinFigures: the bulletin's figures equal counts made
// independently in SQL over cases driven through casework; it is published
// immutable, a second generation is a new revision, and the Excel export
// carries the same figures.
func TestMonthlyBulletinFigures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d, "2026-09-01")
		m := e.month()
		e.at("2026-10-09")
		sup := e.actor("county.supervisor")
		rep, err := e.reports.GenerateReport(e.ctx, sup, supervision.Monthly, "2026-09", "")
		if err != nil {
			t.Fatal(err)
		}
		mf := rep.Monthly
		from, to := ms("2026-09-01"), ms("2026-10-01")
		received := count(t, d, "SELECT COUNT(*) FROM cases WHERE day >= '2026-09-01' AND day <= '2026-09-30'")
		completed := count(t, d, "SELECT COUNT(*) FROM cases WHERE completed_at >= ? AND completed_at < ?", from, to)
		evaluated := count(t, d, "SELECT COUNT(*) FROM evaluations WHERE created_at >= ? AND created_at < ?", from, to)
		satisfied := count(t, d, "SELECT COUNT(*) FROM evaluations WHERE created_at >= ? AND created_at < ? AND level <= 3", from, to)
		if received != 7 || completed != 5 || evaluated != 4 {
			t.Fatalf("scenario: received %d completed %d evaluated %d", received, completed, evaluated)
		}
		if mf.Total.Received != received || mf.Total.Completed != completed || mf.Total.Evaluated != evaluated || mf.Total.Satisfied != satisfied {
			t.Fatalf("total %+v; SQL received %d completed %d evaluated %d satisfied %d", mf.Total, received, completed, evaluated, satisfied)
		}
		// One of the completed was late (9/16 against 9/10).
		if mf.Total.OnTime != completed-1 || mf.Total.OnTimeRate == nil || *mf.Total.OnTimeRate != 80 {
			t.Fatalf("on time %d rate %v", mf.Total.OnTime, mf.Total.OnTimeRate)
		}
		if *mf.Total.Satisfaction != 75 || mf.Total.Complaints != evaluated-satisfied {
			t.Fatalf("satisfaction %v complaints %d", *mf.Total.Satisfaction, mf.Total.Complaints)
		}
		// Per department and town, against GROUP BY counts.
		rows, err := d.Query(e.ctx, "SELECT o.code, COUNT(*) FROM cases c JOIN orgs o ON o.id = c.dept_id WHERE c.day >= '2026-09-01' AND c.day <= '2026-09-30' GROUP BY o.code")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var code string
			var k int
			rows.Scan(&code, &k)
			if u := unit(mf.Departments, code); u == nil || u.Received != k {
				t.Errorf("department %s received %d in SQL, bulletin %+v", code, k, u)
			}
			n++
		}
		rows.Close()
		if n < 2 {
			t.Fatalf("scenario spans %d departments", n)
		}
		cg := unit(mf.Towns, "610923100")
		cgSQL := count(t, d, "SELECT COUNT(*) FROM cases c JOIN orgs o ON o.id = c.org_id WHERE o.code = '610923100C' AND c.completed_at >= ? AND c.completed_at < ?", from, to)
		if cg == nil || cg.Completed != cgSQL || cg.Received != 2 || *cg.OnTimeRate != 100 || cg.Rank != 1 {
			t.Fatalf("城关镇 %+v (SQL completed %d)", cg, cgSQL)
		}
		// The overdue list: the late one and the running one.
		got := map[string]bool{}
		for _, c := range mf.Overdue.Cases {
			got[c.Serial] = true
		}
		if mf.Overdue.Count != 2 || !got[m.late] || !got[m.running] {
			t.Fatalf("overdue %+v, want %s and %s", mf.Overdue, m.late, m.running)
		}
		if !strings.Contains(string(rep.HTML), rep.Number) || !strings.Contains(string(rep.HTML), "宁陕县政务服务中心") || !strings.Contains(string(rep.HTML), m.late) {
			t.Fatalf("rendered bulletin lacks number, centre or overdue case:\n%s", rep.HTML)
		}
		// Regenerating adds revision 2; revision 1 is kept as published.
		e.now = e.now.Add(time.Hour)
		rep2, err := e.reports.GenerateReport(e.ctx, sup, supervision.Monthly, "2026-09", "610923")
		if err != nil {
			t.Fatal(err)
		}
		if rep2.Revision != 2 || rep2.Number == rep.Number || rep2.ID == rep.ID {
			t.Fatalf("second generation: revision %d number %s", rep2.Revision, rep2.Number)
		}
		old, err := e.reports.Get(e.ctx, sup, rep.ID)
		if err != nil || old.ID != rep.ID || old.Revision != 1 || old.HTML != rep.HTML || old.Monthly.Total.Received != received {
			t.Fatalf("revision 1 changed: %v", err)
		}
		// Excel: one sheet per section, figures as numbers.
		b, err := old.XLSX()
		if err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("xlsx does not open: %v", err)
		}
		sheets := strings.Join(f.GetSheetList(), ",")
		if sheets != "概况,总体情况,部门,镇,逾期办件,差错,责任追究" {
			t.Fatalf("sheets %s", sheets)
		}
		v, _ := f.GetCellValue("总体情况", "B2")
		w, _ := f.GetCellValue("总体情况", "B3")
		if v != strconv.Itoa(received) || w != strconv.Itoa(completed) {
			t.Fatalf("xlsx received %s completed %s", v, w)
		}
		rowsX, _ := f.GetRows("逾期办件")
		if len(rowsX) != 3 {
			t.Fatalf("xlsx overdue rows %d", len(rowsX))
		}
		// Scope: a town supervisor cannot publish for the county, nor read it.
		cgs := e.actor("chengguan.supervisor")
		if _, err := e.reports.GenerateReport(e.ctx, cgs, supervision.Monthly, "2026-09", "610923"); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("town supervisor generating for the county: %v", err)
		}
		if _, err := e.reports.GenerateReport(e.ctx, e.actor("county.window"), supervision.Monthly, "2026-09", ""); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("window clerk generating: %v", err)
		}
		townRep, err := e.reports.GenerateReport(e.ctx, cgs, supervision.Monthly, "2026-09", "610923100")
		if err != nil || townRep.Monthly.Total.Received != 2 || !strings.HasSuffix(townRep.Centre, "城关镇便民服务中心") {
			t.Fatalf("town bulletin: %+v %v", townRep, err)
		}
		if _, err := e.reports.Get(e.ctx, cgs, rep.ID); err == nil {
			// The county bulletin covers 城关镇: its staff may read it.
		} else {
			t.Fatalf("town supervisor reading the county bulletin that covers the town: %v", err)
		}
		if _, err := e.reports.Get(e.ctx, e.actor("resident.wang"), rep.ID); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			t.Fatalf("applicant reading a bulletin: %v", err)
		}
		for _, bad := range []struct{ kind, period string }{{"monthly", "2026-13"}, {"weekly", "2026-11"}, {"yearly", "2026"}, {"monthly", "2027-01"}} {
			if _, err := e.reports.GenerateReport(e.ctx, sup, bad.kind, bad.period, ""); zwfw.ErrorCode(err) != zwfw.EINVALID {
				t.Errorf("%s %s: %v", bad.kind, bad.period, err)
			}
		}
	})
}

// TestDailyAndWeekly: the daily check lists overdue, warned, waiting and
// unevaluated cases; the weekly summary has no attendance data and says so.
func TestDailyAndWeekly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d, "2026-09-01")
		m := e.month()
		e.at("2026-09-18")
		sup := e.actor("county.supervisor")
		rep, err := e.reports.GenerateReport(e.ctx, sup, supervision.Daily, "2026-09-18", "")
		if err != nil {
			t.Fatal(err)
		}
		df := rep.Daily
		// 9/18: the running case (deadline Sunday 9/20, a make-up working day) has 1 working day left.
		if df.Warned.Count != 1 || df.Warned.Cases[0].Serial != m.running || df.Warned.Cases[0].Note != "剩余 1 个工作日" {
			t.Fatalf("warned %+v", df.Warned)
		}
		// The late one (deadline 9/10) was completed on 9/16: not overdue any more.
		if df.Overdue.Count != 0 || df.Waiting.Count != 1 {
			t.Fatalf("overdue %+v waiting %+v", df.Overdue, df.Waiting)
		}
		if df.Unevaluated.Count != 1 {
			t.Fatalf("unevaluated %+v", df.Unevaluated)
		}
		// Deadline Sunday 9/20 (a make-up working day before National Day):
		// on Thursday 9/24 it is 4 working days late.
		e.at("2026-09-24")
		rep, err = e.reports.GenerateReport(e.ctx, sup, supervision.Daily, "2026-09-24", "")
		if err != nil || rep.Daily.Overdue.Count != 1 || rep.Daily.Overdue.Cases[0].Note != "超期 4 个工作日" {
			t.Fatalf("overdue on 9/24: %+v %v", rep.Daily.Overdue, err)
		}
		w, err := e.reports.GenerateReport(e.ctx, sup, supervision.Weekly, "2026-W39", "")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(w.Weekly.AttendanceNote, "暂无考勤数据") || !strings.Contains(string(w.HTML), "暂无考勤数据") || w.From != "2026-09-21" || w.To != "2026-09-27" {
			t.Fatalf("weekly %+v", w)
		}
		if w.Weekly.Received != count(t, d, "SELECT COUNT(*) FROM cases WHERE day >= '2026-09-21' AND day <= '2026-09-27'") {
			t.Fatalf("weekly received %d", w.Weekly.Received)
		}
	})
}

// TestScheduledReports: which reports fall due when, and GenerateDue
// generates each once however often it runs.
func TestScheduledReports(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d, "2026-09-01")
		at := func(s string) time.Time {
			tm, err := time.ParseInLocation("2006-01-02 15:04", s, db.Zone)
			if err != nil {
				t.Fatal(err)
			}
			return tm
		}
		str := func(rs []supervision.ReportRequest) string {
			var b []string
			for _, r := range rs {
				b = append(b, r.Kind+":"+r.Period)
			}
			return strings.Join(b, " ")
		}
		for _, c := range []struct{ at, want string }{
			// Thursday 10/1 is National Day: no daily check.
			{"2026-10-01 09:00", "weekly:2026-W39 monthly:2026-09 quarterly:2026-Q3"},
			// Friday 10/9, a working day, morning.
			{"2026-10-09 08:30", "daily:2026-10-09 weekly:2026-W40 monthly:2026-09 quarterly:2026-Q3"},
			// Saturday 10/10 is a make-up working day.
			{"2026-10-10 09:00", "daily:2026-10-10 weekly:2026-W40 monthly:2026-09 quarterly:2026-Q3"},
			// Monday 11/2 before 08:00: yesterday's schedule.
			{"2026-11-02 07:00", "weekly:2026-W43 monthly:2026-10 quarterly:2026-Q3"},
			{"2026-11-02 08:00", "daily:2026-11-02 weekly:2026-W44 monthly:2026-10 quarterly:2026-Q3"},
			{"2027-01-04 09:00", "daily:2027-01-04 weekly:2026-W53 monthly:2026-12 quarterly:2026-Q4"},
		} {
			rs, err := e.reports.ScheduledReports(e.ctx, at(c.at))
			if err != nil || str(rs) != c.want {
				t.Errorf("%s: %s (%v), want %s", c.at, str(rs), err, c.want)
			}
		}
		e.now = at("2026-10-09 08:30")
		got, err := e.reports.GenerateDue(e.ctx, e.now)
		if err != nil || len(got) != 4 {
			t.Fatalf("first run generated %d: %v", len(got), err)
		}
		for _, r := range got {
			if r.GeneratedBy != "system" || r.Revision != 1 || r.OrgCode != "610923" {
				t.Fatalf("scheduled report %+v", r)
			}
		}
		for range 2 {
			again, err := e.reports.GenerateDue(e.ctx, e.now.Add(time.Hour))
			if err != nil || len(again) != 0 {
				t.Fatalf("second run generated %d: %v", len(again), err)
			}
		}
		if n := count(t, d, "SELECT COUNT(*) FROM reports"); n != 4 {
			t.Fatalf("%d reports after three runs", n)
		}
		list, total, err := e.reports.List(e.ctx, e.actor("county.supervisor"), supervision.ReportQuery{Kind: supervision.Monthly})
		if err != nil || total != 1 || len(list) != 1 || list[0].Period != "2026-09" {
			t.Fatalf("list monthly: %d %v", total, err)
		}
	})
}

// TestNoReportsBeforeFirstStart: a platform first started on Wednesday
// 2026-11-25 publishes no 周考勤 of the week before, no 月通报 of October and
// no 季考核 of the third quarter — they would report on nothing — but the
// week, month and quarter it started in are reported when they end.
func TestNoReportsBeforeFirstStart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d, "2026-11-25") // the seed records the first start at 09:30
		at := func(s string) time.Time {
			tm, err := time.ParseInLocation("2006-01-02 15:04", s, db.Zone)
			if err != nil {
				t.Fatal(err)
			}
			return tm
		}
		for _, c := range []struct{ at, want string }{
			{"2026-11-25 10:00", "daily:2026-11-25"},
			{"2026-11-30 09:00", "daily:2026-11-30 weekly:2026-W48"},
			{"2026-12-01 09:00", "daily:2026-12-01 weekly:2026-W48 monthly:2026-11"},
			{"2027-01-04 09:00", "daily:2027-01-04 weekly:2026-W53 monthly:2026-12 quarterly:2026-Q4"},
		} {
			rs, err := e.reports.ScheduledReports(e.ctx, at(c.at))
			var got []string
			for _, r := range rs {
				got = append(got, r.Kind+":"+r.Period)
			}
			if err != nil || strings.Join(got, " ") != c.want {
				t.Errorf("%s: %s (%v), want %s", c.at, strings.Join(got, " "), err, c.want)
			}
		}
		e.now = at("2026-11-25 10:00")
		made, err := e.reports.GenerateDue(e.ctx, e.now)
		if err != nil || len(made) != 1 || made[0].Kind != supervision.Daily {
			t.Fatalf("the first day published %d reports (%v), want the daily check alone", len(made), err)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM reports WHERE kind IN ('weekly', 'monthly', 'quarterly')"); n != 0 {
			t.Fatalf("%d reports of periods before the first start", n)
		}
	})
}
