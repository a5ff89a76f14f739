package supervision

import (
	"context"
	"fmt"

	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/db"
)

// DailyFigs is the daily check (日检查).
type DailyFigs struct {
	Overdue     CaseList `json:"overdue"`     // running cases past their deadline
	Warned      CaseList `json:"warned"`      // running cases yellow by the warning rule (预警提醒)
	Waiting     CaseList `json:"waiting"`     // submitted, waiting for acceptance
	Unevaluated CaseList `json:"unevaluated"` // completed in the last 30 days, not evaluated
	WarnDays    int      `json:"warn_days"`   // the rule: at most so many working days left …
	WarnShare   float64  `json:"warn_share"`  // … or so much of the limit gone
}

// WarnPercent is the rule's share of the limit, in percent.
func (d *DailyFigs) WarnPercent() int { return int(d.WarnShare*100 + 0.5) }

// daily is the daily check as of the period's day: overdue running cases,
// those yellow by the configured warning rule — the same cases the warning
// job cards and the dashboard counts (casework's deadline rule) —, cases
// waiting for acceptance, completed cases not yet evaluated.
func (r *Reports) daily(ctx context.Context, rep *Report, o *scopeOrg, p period) error {
	day := p.from
	today := day.Format(calendar.DateLayout)
	warned, wargs, err := casework.WarnedOn(ctx, r.db.Reader(), r.cal, r.rule, day)
	if err != nil {
		return err
	}
	// Overdue deadlines reach back, warned ones forward: a year and a half
	// each way covers every legal limit.
	dl, err := casework.NewDeadlines(ctx, r.cal, r.rule, day, day.AddDate(0, 0, -550), day.AddDate(0, 0, 550))
	if err != nil {
		return err
	}
	remaining := func(l *CaseLine, _ int64) string {
		d, err := calendar.ParseDate(l.Deadline)
		if err != nil {
			return ""
		}
		if n := dl.Remaining(o.path, d); n < 0 {
			return fmt.Sprintf("超期 %d 个工作日", -n)
		} else if n == 0 {
			return "今日到期"
		} else {
			return fmt.Sprintf("剩余 %d 个工作日", n)
		}
	}
	f := &DailyFigs{WarnDays: r.rule.Days, WarnShare: r.rule.Share}
	if f.Overdue, err = r.caseList(ctx, o.cases().And("c.status IN "+casework.OpenIn).And("c.deadline <> ''").And("c.deadline < ?", today),
		"c.deadline", remaining); err != nil {
		return err
	}
	if f.Warned, err = r.caseList(ctx, o.cases().And(warned, wargs...), "c.deadline", remaining); err != nil {
		return err
	}
	if f.Waiting, err = r.caseList(ctx, o.cases().And("c.status = 'submitted'"), "c.submitted_at",
		func(_ *CaseLine, _ int64) string { return "" }); err != nil {
		return err
	}
	since := db.Millis(day.AddDate(0, 0, -30))
	if f.Unevaluated, err = r.caseList(ctx, o.cases().And("c.completed_at >= ?", since).And("c.completed_at < ?", db.Millis(day.AddDate(0, 0, 1))).
		And("c.status IN ('completed', 'delivered', 'archived')").And("NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.case_id = c.id)"),
		"c.completed_at", func(_ *CaseLine, at int64) string { return "办结于 " + db.Time(at).Format("2006-01-02") }); err != nil {
		return err
	}
	rep.Daily = f
	return nil
}

// dailySheets: the summary and one sheet per list.
func dailySheets(rep *Report) []sheet {
	d := rep.Daily
	if d == nil {
		return nil
	}
	return []sheet{
		{"汇总", []string{"项目", "件数"}, [][]any{{"超期办件", d.Overdue.Count}, {"预警办件", d.Warned.Count},
			{"待受理办件", d.Waiting.Count}, {"办结未评价办件", d.Unevaluated.Count}}},
		caseSheet("超期办件", d.Overdue),
		caseSheet("预警办件", d.Warned),
		caseSheet("待受理", d.Waiting),
		caseSheet("办结未评价", d.Unevaluated),
	}
}
