package supervision

import (
	"cmp"
	"context"
	"slices"
)

// QuartFigs is the quarterly assessment (季考核).
type QuartFigs struct {
	Weights     Weights `json:"weights"`
	Departments []*Unit `json:"departments"`
	Windows     []*Unit `json:"windows"`
	Staff       []*Unit `json:"staff"`
	// Attendance of the quarter's window staff (考勤及请销假制度, 附件2
	// （六）4), beside the scores: it is listed for the assessment, not
	// yet weighed in the formula.
	Attendance     *AttendanceFig `json:"attendance,omitempty"`
	AttendanceNote string         `json:"attendance_note,omitempty"`
}

// Score is the breakdown of an assessment score.
type Score struct {
	OnTime       float64 `json:"on_time"`
	Satisfaction float64 `json:"satisfaction"`
	Errors       float64 `json:"errors"`     // deducted (≤ 0)
	Complaints   float64 `json:"complaints"` // deducted (≤ 0)
	Total        float64 `json:"total"`
}

// quarterly scores each department, window and staff member (accepting
// clerk) by the weights in force for the organisation (its own, or the
// nearest above it that set some), with the breakdown (季考核, attachment 2
// (9)1–2: results count in the annual appraisal).
func (r *Reports) quarterly(ctx context.Context, rep *Report, o *scopeOrg, p period) error {
	w, err := r.weightsFor(ctx, o.path)
	if err != nil {
		return err
	}
	fig, err := r.figures(ctx, o, p)
	if err != nil {
		return err
	}
	q := &QuartFigs{Weights: w.Weights, Departments: sortedUnits(fig.depts), Windows: sortedUnits(fig.windows), Staff: sortedUnits(fig.staff)}
	for _, us := range [][]*Unit{q.Departments, q.Windows, q.Staff} {
		for _, u := range us {
			u.Score = w.score(u)
		}
		// Units with nothing to assess (no completed case, no evaluation, no
		// error) keep their full marks but are not ranked, and come last.
		assessed := func(u *Unit) bool { return u.Completed+u.Evaluated+u.Errors > 0 }
		slices.SortStableFunc(us, func(a, b *Unit) int {
			if x, y := assessed(a), assessed(b); x != y {
				if x {
					return -1
				}
				return 1
			}
			if c := cmp.Compare(b.Score.Total, a.Score.Total); c != 0 {
				return c
			}
			return cmp.Compare(b.Completed, a.Completed)
		})
		rank := 0
		for _, u := range us {
			if assessed(u) {
				rank++
				u.Rank = rank
			}
		}
	}
	if q.Attendance, q.AttendanceNote, err = r.attendanceOf(ctx, o, p); err != nil {
		return err
	}
	rep.Quarterly = q
	return nil
}

// score applies the formula: OnTime × on-time rate + Satisfaction ×
// satisfaction rate − Error × confirmed errors − Complaint × complaints. A
// component without data (no completed case, no evaluation) earns its full
// points: nothing was late, nobody was dissatisfied.
func (w Weights) score(u *Unit) *Score {
	s := &Score{OnTime: float64(w.OnTime), Satisfaction: float64(w.Satisfaction)}
	if u.OnTimeRate != nil {
		s.OnTime = round1(float64(w.OnTime) * float64(u.OnTime) / float64(u.Completed))
	}
	if u.Satisfaction != nil {
		s.Satisfaction = round1(float64(w.Satisfaction) * float64(u.Satisfied) / float64(u.Evaluated))
	}
	if u.Errors > 0 {
		s.Errors = -float64(w.Error * u.Errors)
	}
	if u.Complaints > 0 {
		s.Complaints = -float64(w.Complaint * u.Complaints)
	}
	s.Total = round1(s.OnTime + s.Satisfaction + s.Errors + s.Complaints)
	return s
}

// quarterlySheets: the weights and the scores of departments, windows and
// staff.
func quarterlySheets(rep *Report) []sheet {
	q := rep.Quarterly
	if q == nil {
		return nil
	}
	return []sheet{
		{"考核权重", []string{"项目", "权重"}, [][]any{{"按时办结率（满分）", q.Weights.OnTime}, {"满意率（满分）", q.Weights.Satisfaction},
			{"每起确认差错扣分", q.Weights.Error}, {"每条差评扣分", q.Weights.Complaint}}},
		scoreSheet("部门得分", q.Departments),
		scoreSheet("窗口得分", q.Windows),
		scoreSheet("个人得分", q.Staff),
		attendanceSheet(q.Attendance, q.AttendanceNote),
	}
}
