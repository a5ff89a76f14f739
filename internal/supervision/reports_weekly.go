package supervision

import (
	"context"

	"zwfw/internal/attendance"
)

// WeeklyFig is the weekly attendance summary (周考勤).
type WeeklyFig struct {
	AttendanceNote string         `json:"attendance_note,omitempty"`
	Attendance     *AttendanceFig `json:"attendance,omitempty"`
	Received       int            `json:"received"`
	Completed      int            `json:"completed"`
}

// AttendanceFig is the attendance of a report's period: one row per window
// staff member, computed by internal/attendance from punches and leave
// (附件2（六）4), and the totals.
type AttendanceFig struct {
	Rows  []AttendanceRow `json:"rows"`
	Total AttendanceRow   `json:"total"`
}

// AttendanceRow is one person's (or the total's) working days by status.
type AttendanceRow struct {
	Name     string `json:"name"`
	Centre   string `json:"centre,omitempty"`
	Window   string `json:"window,omitempty"`
	Workdays int    `json:"workdays"`
	Normal   int    `json:"normal"`
	Late     int    `json:"late"`
	Early    int    `json:"early"`
	Absent   int    `json:"absent"`
	Missing  int    `json:"missing"`
	Leave    int    `json:"leave"`
}

// SetAttendance gives the reports the attendance they summarise (周考勤 and
// 季考核); without it the reports say there is none.
func (r *Reports) SetAttendance(a *attendance.Service) { r.att = a }

// noAttendance is what a report says when no punch was recorded in its
// period: it invents no absences.
const noAttendance = "暂无考勤数据：本期没有打卡记录（指纹考勤机或考勤页面），考勤统计从开始打卡之日起生成。"

// attendanceOf summarises the period's attendance of the scope's window
// staff; nil with a note when nothing was recorded.
func (r *Reports) attendanceOf(ctx context.Context, o *scopeOrg, p period) (*AttendanceFig, string, error) {
	if r.att == nil {
		return nil, noAttendance, nil
	}
	sum, err := r.att.Summarize(ctx, o.path, p.from, p.to)
	if err != nil {
		return nil, "", err
	}
	if sum.Punches == 0 {
		return nil, noAttendance, nil
	}
	f := &AttendanceFig{Rows: []AttendanceRow{}}
	row := func(p attendance.Person) AttendanceRow {
		return AttendanceRow{Name: p.Name, Centre: p.Centre, Window: p.Window, Workdays: p.Workdays, Normal: p.Normal,
			Late: p.Late, Early: p.Early, Absent: p.Absent, Missing: p.Missing, Leave: p.Leave}
	}
	for _, p := range sum.People {
		f.Rows = append(f.Rows, row(*p))
	}
	f.Total = row(sum.Totals())
	f.Total.Name = "合计"
	return f, "", nil
}

// weekly is the attendance summary and the week's cases.
func (r *Reports) weekly(ctx context.Context, rep *Report, o *scopeOrg, p period) error {
	att, note, err := r.attendanceOf(ctx, o, p)
	if err != nil {
		return err
	}
	f := &WeeklyFig{AttendanceNote: note, Attendance: att}
	fig, err := r.figures(ctx, o, p)
	if err != nil {
		return err
	}
	f.Received, f.Completed = fig.total.Received, fig.total.Completed
	rep.Weekly = f
	return nil
}

// attendanceSheet is the attendance table of a spreadsheet.
func attendanceSheet(a *AttendanceFig, note string) sheet {
	if a == nil {
		return sheet{"考勤", []string{"考勤情况"}, [][]any{{note}}}
	}
	var rows [][]any
	for _, x := range append(append([]AttendanceRow{}, a.Rows...), a.Total) {
		rows = append(rows, []any{x.Name, x.Centre, x.Window, x.Workdays, x.Normal, x.Late, x.Early, x.Absent, x.Missing, x.Leave})
	}
	return sheet{"考勤", []string{"姓名", "中心", "窗口", "应出勤（天）", "正常", "迟到", "早退", "旷工", "缺卡", "请假"}, rows}
}

// weeklySheets: attendance and the week's cases.
func weeklySheets(rep *Report) []sheet {
	w := rep.Weekly
	if w == nil {
		return nil
	}
	return []sheet{
		attendanceSheet(w.Attendance, w.AttendanceNote),
		{"本周办件", []string{"项目", "件数"}, [][]any{{"收件", w.Received}, {"办结", w.Completed}}},
	}
}
