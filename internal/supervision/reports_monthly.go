package supervision

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/db"
)

// MonthFigs is the monthly bulletin (月通报).
type MonthFigs struct {
	Total       Unit         `json:"total"`
	Departments []*Unit      `json:"departments"`
	Towns       []*Unit      `json:"towns"`
	Overdue     CaseList     `json:"overdue"`
	Errors      []ErrorBrief `json:"errors"`
	// The month's approved, not withdrawn sanctions (责任追究, 附件2 二（六）5)
	// by decision date, and their count per unit.
	Sanctions      []SanctionBrief `json:"sanctions"`
	SanctionCounts []UnitCount     `json:"sanction_counts"`
}

// ErrorBrief is a confirmed error as the bulletin lists it.
type ErrorBrief struct {
	OccurredOn  string `json:"occurred_on"`
	KindName    string `json:"kind_name"`
	Window      string `json:"window,omitempty"`
	Staff       string `json:"staff,omitempty"`
	StaffUser   string `json:"staff_username,omitempty"` // for the public version's 工号
	Dept        string `json:"dept,omitempty"`
	CaseSerial  string `json:"case_serial,omitempty"`
	Description string `json:"description"`
}

// monthly is the monthly bulletin: per department and per town, volumes,
// on-time rate, satisfaction, confirmed errors and the ranking; the overdue
// list (completed late in the month, or still running past a deadline in
// the month).
func (r *Reports) monthly(ctx context.Context, rep *Report, o *scopeOrg, p period) error {
	fig, err := r.figures(ctx, o, p)
	if err != nil {
		return err
	}
	m := &MonthFigs{Total: fig.total, Departments: sortedUnits(fig.depts), Errors: fig.errs}
	m.Total.Code, m.Total.Name = o.code, "合计"
	for _, t := range sortedUnits(fig.towns) {
		m.Towns = append(m.Towns, t)
	}
	slices.SortStableFunc(m.Towns, func(a, b *Unit) int { return cmp.Compare(a.path, b.path) })
	rankMonthly(m.Departments)
	rankMonthly(m.Towns)
	if m.Errors == nil {
		m.Errors = []ErrorBrief{}
	}
	// Overdue: completed late in the month, or running and past a deadline
	// that fell in the month (before today).
	end := p.to.Format(calendar.DateLayout)
	if today := calendar.Date(rep.GeneratedAt); today.Format(calendar.DateLayout) <= end {
		end = today.AddDate(0, 0, -1).Format(calendar.DateLayout)
	}
	cond := "((c.status IN " + casework.OpenIn + " AND c.deadline <> '' AND c.deadline >= ? AND c.deadline <= ?)"
	args := []any{p.from.Format(calendar.DateLayout), end}
	if len(fig.late) > 0 {
		var marks []string
		for _, id := range fig.late {
			marks = append(marks, "?")
			args = append(args, id)
		}
		cond += " OR c.id IN (" + strings.Join(marks, ", ") + ")"
	}
	cond += ")"
	m.Overdue, err = r.caseList(ctx, o.cases().And(cond, args...), "c.deadline", func(l *CaseLine, at int64) string {
		if at != 0 {
			return "超期办结于 " + db.Time(at).Format("2006-01-02")
		}
		return "未办结，期限 " + l.Deadline
	})
	if err != nil {
		return err
	}
	if m.Sanctions, err = approvedSanctions(ctx, r.db.Reader(), o.path, p.from.Format(calendar.DateLayout), p.to.Format(calendar.DateLayout)); err != nil {
		return err
	}
	m.SanctionCounts = countByUnit(m.Sanctions)
	rep.Monthly = m
	return nil
}

func rateKey(r *float64) float64 {
	if r == nil {
		return -1
	}
	return *r
}

// rankMonthly orders units for the bulletin's ranking: on-time rate, then
// satisfaction, then fewer confirmed errors, then volume.
func rankMonthly(us []*Unit) {
	slices.SortStableFunc(us, func(a, b *Unit) int {
		if c := cmp.Compare(rateKey(b.OnTimeRate), rateKey(a.OnTimeRate)); c != 0 {
			return c
		}
		if c := cmp.Compare(rateKey(b.Satisfaction), rateKey(a.Satisfaction)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Errors, b.Errors); c != 0 {
			return c
		}
		return cmp.Compare(b.Completed, a.Completed)
	})
	rank := 0
	for _, u := range us {
		if u.Received+u.Completed+u.Evaluated+u.Errors > 0 {
			rank++
			u.Rank = rank // a unit without any figure is not ranked
		}
	}
}

// monthlySheets: the totals, the departments and towns, the overdue cases
// and the confirmed errors.
func monthlySheets(rep *Report) []sheet {
	m := rep.Monthly
	if m == nil {
		return nil
	}
	t := m.Total
	var errs [][]any
	for _, e := range m.Errors {
		errs = append(errs, []any{e.OccurredOn, e.KindName, e.Dept, e.Window, e.Staff, e.CaseSerial, e.Description})
	}
	return []sheet{
		{"总体情况", []string{"项目", "数值"}, [][]any{{"收件", t.Received}, {"办结", t.Completed}, {"按时办结", t.OnTime},
			{"按时办结率(%)", xlsxRate(t.OnTimeRate)}, {"评价", t.Evaluated}, {"满意", t.Satisfied}, {"满意率(%)", xlsxRate(t.Satisfaction)},
			{"差评", t.Complaints}, {"确认差错", t.Errors}, {"逾期办件", m.Overdue.Count}}},
		unitSheet("部门", m.Departments),
		unitSheet("镇", m.Towns),
		caseSheet("逾期办件", m.Overdue),
		{"差错", []string{"日期", "差错类型", "部门", "窗口", "工作人员", "办件编号", "情况"}, errs},
		sanctionSheet(m.Sanctions),
	}
}

// sanctionSheet lists a report's sanctions.
func sanctionSheet(list []SanctionBrief) sheet {
	var rows [][]any
	for _, b := range list {
		rows = append(rows, []any{b.DecidedOn, b.FormName, b.Unit, b.Window, b.Staff, b.CauseName, b.CauseRef})
	}
	return sheet{"责任追究", []string{"决定日期", "追究方式", "单位", "窗口", "工作人员", "事由", "事由编号"}, rows}
}
