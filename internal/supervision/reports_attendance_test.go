package supervision_test

import (
	"strings"
	"testing"

	"zwfw/internal/attendance"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/supervision"
)

// The weekly 周考勤 and the quarterly assessment list the attendance
// computed from punches (internal/attendance) instead of saying there is
// none; the spreadsheet carries the same table.
func TestReportsCountAttendance(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d, "2026-11-30")
		att := attendance.New(d, e.cal, e.clock)
		e.reports.SetAttendance(att)
		clerk := e.actor("county.window")
		for _, day := range []string{"2026-11-30", "2026-12-01", "2026-12-02"} {
			e.at(day) // 09:30: after 08:50, late
			if _, err := att.Punch(e.ctx, clerk); err != nil {
				t.Fatal(err)
			}
		}
		e.at("2026-12-07")
		sup := e.actor("county.supervisor")
		w, err := e.reports.GenerateReport(e.ctx, sup, supervision.Weekly, "2026-W49", "")
		if err != nil {
			t.Fatal(err)
		}
		a := w.Weekly.Attendance
		if a == nil || w.Weekly.AttendanceNote != "" {
			t.Fatalf("weekly without attendance: %+v", w.Weekly)
		}
		var got *supervision.AttendanceRow
		for i := range a.Rows {
			if a.Rows[i].Name == "李晓燕" {
				got = &a.Rows[i]
			}
		}
		// Mon–Wed one punch each at 09:30: late and a punch missing; Thu and
		// Fri nothing: absent.
		if got == nil || got.Workdays != 5 || got.Late != 3 || got.Missing != 3 || got.Absent != 2 {
			t.Fatalf("李晓燕 = %+v", got)
		}
		html := string(w.HTML)
		if !strings.Contains(html, "<td>李晓燕</td>") || strings.Contains(html, "暂无考勤数据") {
			t.Fatalf("weekly HTML without the attendance table")
		}
		q, err := e.reports.GenerateReport(e.ctx, sup, supervision.Quarterly, "2026-Q4", "")
		if err != nil {
			t.Fatal(err)
		}
		if q.Quarterly.Attendance == nil || !strings.Contains(string(q.HTML), "五、考勤情况") {
			t.Fatalf("quarterly without attendance")
		}
	})
}
