package supervision

import "context"

// WeeklyFig is the weekly attendance summary (周考勤).
type WeeklyFig struct {
	AttendanceNote string `json:"attendance_note"`
	Received       int    `json:"received"`
	Completed      int    `json:"completed"`
}

// weekly is the attendance summary. Attendance is recorded by the hall
// operations (fingerprint clock-in, attachment 2 (六)4), which the platform
// does not hold yet: the section says so and invents nothing.
func (r *Reports) weekly(ctx context.Context, rep *Report, o *scopeOrg, p period) error {
	f := &WeeklyFig{AttendanceNote: "暂无考勤数据：考勤（指纹打卡、请销假、AB岗顶岗）记录尚未接入本平台。"}
	fig, err := r.figures(ctx, o, p)
	if err != nil {
		return err
	}
	f.Received, f.Completed = fig.total.Received, fig.total.Completed
	rep.Weekly = f
	return nil
}

// weeklySheets: attendance and the week's cases.
func weeklySheets(rep *Report) []sheet {
	w := rep.Weekly
	if w == nil {
		return nil
	}
	return []sheet{
		{"考勤", []string{"考勤情况"}, [][]any{{w.AttendanceNote}}},
		{"本周办件", []string{"项目", "件数"}, [][]any{{"收件", w.Received}, {"办结", w.Completed}}},
	}
}
