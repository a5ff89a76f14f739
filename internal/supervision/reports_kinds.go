package supervision

import (
	"context"
	"fmt"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
)

// Kinds of report (attachment 2 (9)2: 日检查、周考勤、月通报、季考核).
const (
	Daily     = "daily"     // 日检查
	Weekly    = "weekly"    // 周考勤
	Monthly   = "monthly"   // 月通报
	Quarterly = "quarterly" // 季考核
)

// reportKind is one kind of report. A new kind is one row of reportKinds,
// one compute function (reports_<kind>.go, with the sheets of its Excel
// export) and one template (reports_<kind>.tmpl, defining <kind>).
type reportKind struct {
	code    string
	name    string // 日检查
	subject string // what the title says after the organisation and the period
	period  periodRule
	// compute fills in the kind's figures of rep, over the organisation o
	// and the period p (rep.GeneratedAt is the time of generation).
	compute func(r *Reports, ctx context.Context, rep *Report, o *scopeOrg, p period) error
	// sheets are the kind's sheets of the Excel export, after 概况.
	sheets func(rep *Report) []sheet
}

// reportKinds are the kinds, in the order lists and schedules show them.
var reportKinds = []reportKind{
	{Daily, "日检查", "日检查情况", dayPeriod, (*Reports).daily, dailySheets},
	{Weekly, "周考勤", "周考勤情况", weekPeriod, (*Reports).weekly, weeklySheets},
	{Monthly, "月通报", "政务服务工作通报", monthPeriod, (*Reports).monthly, monthlySheets},
	{Quarterly, "季考核", "考核结果", quarterPeriod, (*Reports).quarterly, quarterlySheets},
	{Annual, "年度考评", "考评结果", yearPeriod, (*Reports).annual, annualSheets},
}

// ReportKinds lists the kinds in order.
var ReportKinds = func() []string {
	var out []string
	for _, k := range reportKinds {
		out = append(out, k.code)
	}
	return out
}()

func findKind(code string) *reportKind {
	for i := range reportKinds {
		if reportKinds[i].code == code {
			return &reportKinds[i]
		}
	}
	return nil
}

// ReportKindName is the Chinese name of a kind ("" when unknown).
func ReportKindName(code string) string {
	if k := findKind(code); k != nil {
		return k.name
	}
	return ""
}

// kindOf is the kind named code, or the error that names the valid ones.
func kindOf(code string) (*reportKind, error) {
	if k := findKind(code); k != nil {
		return k, nil
	}
	var codes, names []string
	for _, k := range reportKinds {
		codes = append(codes, k.code)
		names = append(names, k.code+"（"+k.name+"）")
	}
	return nil, &zwfw.Error{Code: zwfw.EINVALID,
		Message: fmt.Sprintf("报表类型“%s”无效，应为 %s", code, orList(names)),
		Details: []zwfw.ErrorDetail{{Field: "kind", Message: "应为 " + orList(codes)}}}
}

// orList joins a, b, c as "a、b 或 c" (no space after a closing
// parenthesis).
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	head := strings.Join(s[:len(s)-1], "、")
	if strings.HasSuffix(head, "）") {
		return head + "或 " + s[len(s)-1]
	}
	return head + " 或 " + s[len(s)-1]
}

// period is a parsed period: its first and last day.
type period struct {
	from, to time.Time
	name     string
}

// periodRule is how a kind's period is written and read, and which period
// falls due on a day.
type periodRule struct {
	format string // as users write it: YYYY-MM-DD, YYYY-Www …
	read   func(s string) (period, bool)
	// due is the period whose report falls due on today: the day itself,
	// or the last complete week, month or quarter.
	due func(today time.Time) string
	// workdaysOnly: the report falls due on working days only.
	workdaysOnly bool
	// manual: never published by the schedule, only on demand (the annual
	// assessment waits for the county to settle its year's records).
	manual bool
}

// parse reads a period of the kind.
func (k *reportKind) parse(s string) (period, error) {
	p, ok := k.period.read(s)
	if !ok {
		return period{}, &zwfw.Error{Code: zwfw.EINVALID, Message: fmt.Sprintf("%s的期间“%s”格式不正确，应为 %s", k.name, s, k.period.format),
			Details: []zwfw.ErrorDetail{{Field: "period", Message: "应为 " + k.period.format}}}
	}
	return p, nil
}

// periodName is the Chinese name of a report's period ("" when unreadable).
func periodName(kind, s string) string {
	if k := findKind(kind); k != nil {
		if p, ok := k.period.read(s); ok {
			return p.name
		}
	}
	return ""
}

// dayPeriod: 2026-11-27.
var dayPeriod = periodRule{
	format: "YYYY-MM-DD",
	read: func(s string) (period, bool) {
		d, err := time.ParseInLocation(calendar.DateLayout, s, db.Zone)
		if err != nil {
			return period{}, false
		}
		return period{d, d, d.Format("2006年1月2日")}, true
	},
	due:          func(today time.Time) string { return today.Format(calendar.DateLayout) },
	workdaysOnly: true,
}

// weekPeriod: 2026-W48, an ISO week, Monday to Sunday.
var weekPeriod = periodRule{
	format: "YYYY-Www（ISO 周）",
	read: func(s string) (period, bool) {
		var y, w int
		if n, err := fmt.Sscanf(s, "%4d-W%2d", &y, &w); n != 2 || err != nil || w < 1 || w > 53 || len(s) != 8 {
			return period{}, false
		}
		jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, db.Zone)
		mon := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+(w-1)*7)
		if yy, ww := mon.ISOWeek(); yy != y || ww != w {
			return period{}, false
		}
		sun := mon.AddDate(0, 0, 6)
		return period{mon, sun, fmt.Sprintf("%d年第%d周（%s—%s）", y, w, mon.Format("1月2日"), sun.Format("1月2日"))}, true
	},
	due: func(today time.Time) string {
		y, w := today.AddDate(0, 0, -((int(today.Weekday())+6)%7)-7).ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	},
}

// monthPeriod: 2026-11.
var monthPeriod = periodRule{
	format: "YYYY-MM",
	read: func(s string) (period, bool) {
		d, err := time.ParseInLocation("2006-01", s, db.Zone)
		if err != nil {
			return period{}, false
		}
		return period{d, d.AddDate(0, 1, -1), d.Format("2006年1月")}, true
	},
	due: func(today time.Time) string {
		return time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, db.Zone).AddDate(0, -1, 0).Format("2006-01")
	},
}

// quarterPeriod: 2026-Q4.
var quarterPeriod = periodRule{
	format: "YYYY-Qn",
	read: func(s string) (period, bool) {
		var y, q int
		if n, err := fmt.Sscanf(s, "%4d-Q%1d", &y, &q); n != 2 || err != nil || q < 1 || q > 4 || len(s) != 7 {
			return period{}, false
		}
		d := time.Date(y, time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, db.Zone)
		return period{d, d.AddDate(0, 3, -1), fmt.Sprintf("%d年第%s季度", y, []string{"", "一", "二", "三", "四"}[q])}, true
	},
	due: func(today time.Time) string {
		qs := time.Date(today.Year(), time.Month((int(today.Month())-1)/3*3+1), 1, 0, 0, 0, 0, db.Zone).AddDate(0, -3, 0)
		return fmt.Sprintf("%d-Q%d", qs.Year(), (int(qs.Month())-1)/3+1)
	},
}

// DefaultPeriods are the periods a generation on now most likely wants,
// by kind: today, the last week, month and quarter (the pages prefill
// their form with them).
func DefaultPeriods(now time.Time) map[string]string {
	today := calendar.Date(now)
	out := map[string]string{}
	for _, k := range reportKinds {
		out[k.code] = k.period.due(today)
	}
	return out
}

// PeriodChoice is one period a report may be generated for: its value as
// the domain reads it (2026-W47) and its Chinese name (2026年第47周（11月16日—11月22日）).
type PeriodChoice struct {
	Value, Name string
}

// PeriodGroup is a kind of report with the periods offered for it.
type PeriodGroup struct {
	Kind, Name string
	Periods    []PeriodChoice
}

// periodChoices is how many periods back each kind offers: two weeks of
// days, a quarter of weeks, a year of months, two years of quarters and
// three years.
var periodChoices = map[string]int{Daily: 14, Weekly: 13, Monthly: 12, Quarterly: 8, Annual: 3}

// PeriodChoices are the periods the report form offers by kind, newest
// first: the one still running, if any, then the one that falls due on now
// (DefaultPeriods) and those before it, so
// that a supervisor picks 2026年第47周 instead of typing 2026-W47; each
// value is one the kind's rule reads (issue 12 item 4).
func PeriodChoices(now time.Time) []PeriodGroup {
	today := calendar.Date(now)
	var out []PeriodGroup
	for _, k := range reportKinds {
		g := PeriodGroup{Kind: k.code, Name: k.name}
		v := k.period.due(today)
		// The period still running (this week, month, quarter, year) comes
		// first: a report may be generated for it before it ends.
		for d := today.AddDate(0, 0, 1); d.Before(today.AddDate(1, 0, 2)); d = d.AddDate(0, 0, 1) {
			if next := k.period.due(d); next != v {
				if p, ok := k.period.read(next); ok && !p.from.After(today) && !p.to.Before(today) {
					g.Periods = append(g.Periods, PeriodChoice{next, p.name + "（进行中）"})
				}
				break
			}
		}
		for n := 0; n < periodChoices[k.code]; n++ {
			p, ok := k.period.read(v)
			if !ok {
				break
			}
			g.Periods = append(g.Periods, PeriodChoice{v, p.name})
			// The period due on its own first day is the one before it
			// (weeks, months, quarters, years); a day is due on itself.
			next := k.period.due(p.from)
			if next == v {
				next = k.period.due(p.from.AddDate(0, 0, -1))
			}
			v = next
		}
		out = append(out, g)
	}
	return out
}
