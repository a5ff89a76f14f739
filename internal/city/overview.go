package city

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
)

// Periods a dashboard may cover; custom takes From and To.
const (
	PeriodToday   = "today"
	PeriodWeek    = "week"
	PeriodMonth   = "month"
	PeriodQuarter = "quarter"
	PeriodYear    = "year"
	PeriodCustom  = "custom"
)

// PeriodNames are the periods in the order the pages offer them.
var PeriodNames = []struct{ Code, Name string }{
	{PeriodToday, "今日"}, {PeriodWeek, "本周"}, {PeriodMonth, "本月"}, {PeriodQuarter, "本季度"}, {PeriodYear, "本年"}, {PeriodCustom, "自定义"},
}

// maxDays bounds a custom period (five years, as the county's dashboard).
const maxDays = 5*366 + 1

// Filter chooses the period of a view: a named period, or custom From–To
// (YYYY-MM-DD, both included). Empty: this month.
type Filter struct {
	Period string `json:"period"`
	From   string `json:"from"`
	To     string `json:"to"`
}

// Resolve is the filter's first and last day as of now.
func (f Filter) Resolve(now time.Time) (from, to time.Time, period string, err error) {
	today := calendar.Date(now.In(zwfw.Zone))
	period = f.Period
	if period == "" {
		if f.From != "" || f.To != "" {
			period = PeriodCustom
		} else {
			period = PeriodMonth
		}
	}
	switch period {
	case PeriodToday:
		return today, today, period, nil
	case PeriodWeek:
		wd := (int(today.Weekday()) + 6) % 7 // Monday first
		from = today.AddDate(0, 0, -wd)
		return from, from.AddDate(0, 0, 6), period, nil
	case PeriodMonth:
		from = time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, today.Location())
		return from, from.AddDate(0, 1, -1), period, nil
	case PeriodQuarter:
		from = time.Date(today.Year(), (today.Month()-1)/3*3+1, 1, 0, 0, 0, 0, today.Location())
		return from, from.AddDate(0, 3, -1), period, nil
	case PeriodYear:
		from = time.Date(today.Year(), 1, 1, 0, 0, 0, 0, today.Location())
		return from, from.AddDate(1, 0, -1), period, nil
	case PeriodCustom:
		if from, err = calendar.ParseDate(strings.TrimSpace(f.From)); err != nil {
			return from, to, period, zwfw.Errorf(zwfw.EINVALID, "开始日期应为 YYYY-MM-DD 格式的日期")
		}
		if to, err = calendar.ParseDate(strings.TrimSpace(f.To)); err != nil {
			return from, to, period, zwfw.Errorf(zwfw.EINVALID, "结束日期应为 YYYY-MM-DD 格式的日期")
		}
		if to.Before(from) {
			return from, to, period, zwfw.Errorf(zwfw.EINVALID, "结束日期不能早于开始日期")
		}
		if int(to.Sub(from).Hours()/24) >= maxDays {
			return from, to, period, zwfw.Errorf(zwfw.EINVALID, "期间最长五年")
		}
		return from, to, period, nil
	}
	return from, to, period, zwfw.Errorf(zwfw.EINVALID, "期间应为 today、week、month、quarter、year 或 custom，而不是“%s”", f.Period)
}

// Figures are the counts of a county, a department or the whole city over
// a period (events dated in it), with the current warnings (open cases,
// whatever the period).
type Figures struct {
	Filed          int64    `json:"filed"`            // 申报
	Accepted       int64    `json:"accepted"`         // 受理
	Rejected       int64    `json:"rejected"`         // 不予受理
	Completed      int64    `json:"completed"`        // 办结
	OnTime         int64    `json:"on_time"`          // 按期办结
	Late           int64    `json:"late"`             // 超期办结
	Ratings        int64    `json:"ratings"`          // 评价次数
	Good           int64    `json:"good"`             // 好评 (非常满意、满意)
	Satisfied      int64    `json:"satisfied"`        // 满意 (also 基本满意)
	OnTimeRate     *float64 `json:"on_time_rate"`     // percent of completed cases completed by their deadline (按期办结率)
	GoodRate       *float64 `json:"good_rate"`        // percent of ratings that are 好评 (好评率)
	SatisfiedRate  *float64 `json:"satisfied_rate"`   // percent of ratings at least 基本满意 (满意率)
	AvgHandledDays *float64 `json:"avg_handled_days"` // working days from acceptance to completion, on average
	Open           int      `json:"open"`             // open cases now
	Yellow         int      `json:"yellow"`           // open cases near their deadline now (黄牌)
	Red            int      `json:"red"`              // open cases past their deadline now (红牌)
	handledDays    int64
}

func (f *Figures) add(g *Figures) {
	f.Filed += g.Filed
	f.Accepted += g.Accepted
	f.Rejected += g.Rejected
	f.Completed += g.Completed
	f.OnTime += g.OnTime
	f.Late += g.Late
	f.Ratings += g.Ratings
	f.Good += g.Good
	f.Satisfied += g.Satisfied
	f.handledDays += g.handledDays
	f.Open += g.Open
	f.Yellow += g.Yellow
	f.Red += g.Red
}

func pct(n, d int64) *float64 {
	if d == 0 {
		return nil
	}
	v := float64(int64(float64(n)*1000/float64(d)+0.5)) / 10
	return &v
}

// rates fills in the rates from the counts.
func (f *Figures) rates() {
	f.OnTimeRate = pct(f.OnTime, f.Completed)
	f.GoodRate = pct(f.Good, f.Ratings)
	f.SatisfiedRate = pct(f.Satisfied, f.Ratings)
	if f.Completed > 0 {
		v := float64(int64(float64(f.handledDays)*10/float64(f.Completed)+0.5)) / 10
		f.AvgHandledDays = &v
	}
}

// Row is the figures of one county or department.
type Row struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Figures
	County string `json:"county,omitempty"` // the county of a department
	Link   string `json:"link,omitempty"`   // the drill-down page
	LastAt int64  `json:"last_event_at,omitempty"`
}

// Overview is the city dashboard over every county for a period.
type Overview struct {
	Period   string  `json:"period"`
	From     string  `json:"from"`
	To       string  `json:"to"`
	Date     string  `json:"date"` // today
	Totals   Figures `json:"totals"`
	ByCounty []Row   `json:"by_county"`
	ByDept   []Row   `json:"by_dept"` // departments by name, less their county's, across counties (市场监督管理局 of every county together)
}

// cover is the rollup's buckets of the dates from … to: whole months, and
// the days of the months only partly inside (each run in one month, so a
// BETWEEN of days never takes in a month's row, 'YYYY-MM' sorting before
// its days).
func cover(from, to time.Time) (months []string, days [][2]string) {
	for cur := from; !cur.After(to); {
		first := time.Date(cur.Year(), cur.Month(), 1, 0, 0, 0, 0, cur.Location())
		last := first.AddDate(0, 1, -1)
		if cur.Equal(first) && !last.After(to) {
			months = append(months, cur.Format("2006-01"))
			cur = last.AddDate(0, 0, 1)
			continue
		}
		end := last
		if to.Before(end) {
			end = to
		}
		days = append(days, [2]string{cur.Format(calendar.DateLayout), end.Format(calendar.DateLayout)})
		cur = end.AddDate(0, 0, 1)
	}
	return months, days
}

// periodWhere is the condition on city_rollup.period for the dates.
func periodWhere(from, to time.Time) (string, []any) {
	months, days := cover(from, to)
	var parts []string
	var args []any
	if len(months) > 0 {
		parts = append(parts, "period IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(months)), ", ")+")")
		for _, m := range months {
			args = append(args, m)
		}
	}
	for _, d := range days {
		parts = append(parts, "period BETWEEN ? AND ?")
		args = append(args, d[0], d[1])
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// deptKey is a department of a county.
type deptKey struct{ county, dept string }

// rollup reads the figures by county and department over the dates; where
// names a county to keep to ("" all).
func (s *Service) rollup(ctx context.Context, from, to time.Time, county string) (map[deptKey]*Row, error) {
	cond, args := periodWhere(from, to)
	q := `SELECT county, dept_code, MAX(dept_name), SUM(filed), SUM(accepted), SUM(rejected), SUM(completed), SUM(on_time),
		SUM(late), SUM(handled_days), SUM(ratings), SUM(good), SUM(satisfied) FROM city_rollup WHERE ` + cond
	if county != "" {
		q += " AND county = ?"
		args = append(args, county)
	}
	q += " GROUP BY county, dept_code"
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[deptKey]*Row{}
	for rows.Next() {
		r := &Row{}
		if err := rows.Scan(&r.County, &r.Code, &r.Name, &r.Filed, &r.Accepted, &r.Rejected, &r.Completed, &r.OnTime, &r.Late,
			&r.handledDays, &r.Ratings, &r.Good, &r.Satisfied); err != nil {
			return nil, err
		}
		out[deptKey{r.County, r.Code}] = r
	}
	return out, rows.Err()
}

// warnings counts the open cases now by county and department: open, and
// of them yellow (near the deadline by the warning rule) and red (past it),
// on the city's working calendar. Cases of one deadline and limit are
// counted together, so the work is per distinct deadline, not per case.
func (s *Service) warnings(ctx context.Context, county string) (map[deptKey]*Row, error) {
	q := `SELECT county, dept_code, MAX(dept_name), status, deadline, promised_days, COUNT(*) FROM city_cases WHERE open = 1`
	var args []any
	if county != "" {
		q += " AND county = ?"
		args = append(args, county)
	}
	q += " GROUP BY county, dept_code, status, deadline, promised_days"
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	type group struct {
		county, dept, name, status, deadline string
		limit, n                             int
	}
	var gs []group
	for rows.Next() {
		var g group
		if err := rows.Scan(&g.county, &g.dept, &g.name, &g.status, &g.deadline, &g.limit, &g.n); err != nil {
			rows.Close()
			return nil, err
		}
		gs = append(gs, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := map[deptKey]*Row{}
	if len(gs) == 0 {
		return out, nil
	}
	dls, err := s.deadlines(ctx, func(yield func(string) bool) {
		for _, g := range gs {
			if !yield(g.deadline) {
				return
			}
		}
	})
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		k := deptKey{g.county, g.dept}
		r := out[k]
		if r == nil {
			r = &Row{County: g.county, Code: g.dept, Name: g.name}
			out[k] = r
		}
		r.Open += g.n
		switch level(dls, g.status, g.deadline, g.limit) {
		case casework.DueRed:
			r.Red += g.n
		case casework.DueYellow:
			r.Yellow += g.n
		}
	}
	return out, nil
}

// deadlines reads the working calendar over the deadlines given.
func (s *Service) deadlines(ctx context.Context, each func(func(string) bool)) (*casework.Deadlines, error) {
	var lo, hi time.Time
	for dl := range each {
		d, err := calendar.ParseDate(dl)
		if err != nil {
			continue
		}
		if lo.IsZero() || d.Before(lo) {
			lo = d
		}
		if hi.IsZero() || d.After(hi) {
			hi = d
		}
	}
	return casework.NewDeadlines(ctx, s.cal, s.rule, s.now(), lo, hi)
}

// level is the colour of an open case's deadline on the city's calendar.
func level(d *casework.Deadlines, status, deadline string, limit int) string {
	if due := d.Of("/", status, deadline, limit); due != nil {
		return due.Level
	}
	return ""
}

// counties are the counties heard from: code → name and last event.
func (s *Service) counties(ctx context.Context) (map[string]*Row, []string, error) {
	rows, err := s.db.Query(ctx, `SELECT code, name, last_at FROM city_counties ORDER BY code`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	out := map[string]*Row{}
	var order []string
	for rows.Next() {
		r := &Row{}
		if err := rows.Scan(&r.Code, &r.Name, &r.LastAt); err != nil {
			return nil, nil, err
		}
		out[r.Code] = r
		order = append(order, r.Code)
	}
	return out, order, rows.Err()
}

// query is the filter as a query string, for links.
func (f Filter) query(period string) string {
	v := url.Values{}
	v.Set("period", period)
	if period == PeriodCustom {
		v.Set("from", f.From)
		v.Set("to", f.To)
	}
	return v.Encode()
}

// Overview is the dashboard over every county for the filter's period.
func (s *Service) Overview(ctx context.Context, a *zwfw.Actor, f Filter) (*Overview, error) {
	if _, err := s.Scope(a); err != nil {
		return nil, err
	}
	from, to, period, err := f.Resolve(s.now())
	if err != nil {
		return nil, err
	}
	f.From, f.To = from.Format(calendar.DateLayout), to.Format(calendar.DateLayout)
	ov := &Overview{Period: period, From: f.From, To: f.To, Date: calendar.Date(s.now().In(zwfw.Zone)).Format(calendar.DateLayout)}
	byDept, err := s.rollup(ctx, from, to, "")
	if err != nil {
		return nil, err
	}
	warn, err := s.warnings(ctx, "")
	if err != nil {
		return nil, err
	}
	countyRows, order, err := s.counties(ctx)
	if err != nil {
		return nil, err
	}
	names := map[string]*Row{} // departments by name across counties
	var nameOrder []string
	merge := func(k deptKey, r *Row) {
		c := countyRows[k.county]
		if c == nil {
			c = &Row{Code: k.county, Name: k.county}
			countyRows[k.county] = c
			order = append(order, k.county)
		}
		c.add(&r.Figures)
		ov.Totals.add(&r.Figures)
		// A county's department is named in full (宁陕县市场监督管理局):
		// without the county's name the same department of every county
		// is counted together.
		name := strings.TrimPrefix(strings.TrimSpace(r.Name), c.Name)
		if name == "" {
			name = "未注明部门"
		}
		n := names[name]
		if n == nil {
			n = &Row{Code: name, Name: name}
			names[name] = n
			nameOrder = append(nameOrder, name)
		}
		n.add(&r.Figures)
	}
	for k, r := range byDept {
		merge(k, r)
	}
	for k, r := range warn {
		merge(k, r)
	}
	q := f.query(period)
	for _, code := range order {
		r := countyRows[code]
		r.rates()
		r.Link = "/city/counties/" + url.PathEscape(code) + "?" + q
		ov.ByCounty = append(ov.ByCounty, *r)
	}
	for _, name := range nameOrder {
		r := names[name]
		r.rates()
		ov.ByDept = append(ov.ByDept, *r)
	}
	slices.SortStableFunc(ov.ByDept, func(a, b Row) int {
		if a.Filed != b.Filed {
			return int(b.Filed - a.Filed)
		}
		return strings.Compare(a.Name, b.Name)
	})
	ov.Totals.rates()
	return ov, nil
}

// PeriodName names a period for headings.
func PeriodName(p string) string {
	for _, n := range PeriodNames {
		if n.Code == p {
			return n.Name
		}
	}
	return p
}
