package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/catalog"
	"zwfw/internal/org"
	"zwfw/internal/supervision"
)

// The supervision pages (电子监察): the dashboard for supervisors and
// centre leaders, the large screen (监管大屏) that refreshes itself, and the
// list of the cases behind any figure. Figures come from
// supervision.Overview; charts are SVG drawn here, on the server, so they
// print and need no script.

var supervisionPages = []string{"supervision", "supervision_screen", "supervision_cases"}

func init() { pages = append(pages, supervisionPages...) }

// screenRefresh is how often the large screen reloads itself, in seconds.
const screenRefresh = 60

// bar is one bar of a chart, laid out in SVG units.
type bar struct {
	Label string
	Value int64
	Text  string // the value as shown
	Link  string
	X, Y  int // top left
	W, H  int
	TX    int // where the value's text starts (horizontal bars) or its centre (columns)
	TY    int
	Rate  string // on-time rate, when known
}

// chart is a bar chart: horizontal bars (breakdowns) or columns (trend).
type chart struct {
	ID      string
	Title   string
	Bars    []bar
	Width   int
	Height  int
	Columns bool
	Label   int // width of the label area (horizontal bars)
	Empty   bool
	Base    int    // baseline of columns
	Unit    string // of the values, when not 件 (cases)
	Hint    string // what a click shows, when not the cases
	None    string // said instead of an empty chart, when not 期间内没有办件
}

const (
	barRow   = 26
	barLabel = 150
	barWidth = 560
)

// hbars lays out the figures as horizontal bars, at most limit of them.
func hbars(id, title string, fs []supervision.Figure, limit int) chart {
	c := chart{ID: id, Title: title, Width: barWidth, Label: barLabel}
	if len(fs) > limit {
		fs = fs[:limit]
	}
	var top int64
	for _, f := range fs {
		top = max(top, f.Cases)
	}
	room := barWidth - barLabel - 120 // the rest is for the value and the on-time rate
	for i, f := range fs {
		w := 0
		if top > 0 {
			w = int(int64(room) * f.Cases / top)
		}
		if f.Cases > 0 {
			w = max(w, 2)
		}
		y := i*barRow + 4
		b := bar{Label: shorten(f.Name, 11), Value: f.Cases, Text: strconv.FormatInt(f.Cases, 10), Link: f.Link,
			X: barLabel, Y: y, W: w, H: barRow - 8, TX: barLabel + w + 6, TY: y + barRow/2 + 1}
		if f.OnTimeRate != nil {
			b.Rate = fmt.Sprintf("%.1f%%", *f.OnTimeRate)
		}
		c.Bars = append(c.Bars, b)
	}
	c.Height = max(len(c.Bars)*barRow+8, 40)
	c.Empty = top == 0
	return c
}

// columns lays out the trend as columns.
func columns(id, title string, fs []supervision.Figure, grain string) chart {
	const width, height, base = 1100, 230, 200
	c := chart{ID: id, Title: title, Width: width, Height: height, Columns: true, Base: base}
	var top int64
	for _, f := range fs {
		top = max(top, f.Cases)
	}
	n := max(len(fs), 1)
	step := (width - 20) / n
	for i, f := range fs {
		h := 0
		if top > 0 {
			h = int(int64(base-30) * f.Cases / top)
		}
		x := 10 + i*step
		label := f.Code
		if grain == "month" && len(label) == 7 {
			label = strings.TrimPrefix(label[5:], "0") + "月"
		} else if len(label) == 10 {
			label = strings.TrimPrefix(label[8:], "0")
		}
		c.Bars = append(c.Bars, bar{Label: label, Value: f.Cases, Text: strconv.FormatInt(f.Cases, 10), Link: f.Link,
			X: x + 2, Y: base - h, W: max(step-4, 2), H: h, TX: x + step/2, TY: base - h - 4})
	}
	c.Empty = top == 0
	return c
}

// LabelEvery says which column labels to print on a crowded trend.
func (c chart) LabelEvery(i int) bool {
	n := len(c.Bars)
	return n <= 16 || i%((n+15)/16) == 0
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// kpi is one headline figure.
type kpi struct {
	Label string
	Value string
	Unit  string
	Note  string
	Link  string
	Class string // warn, late
}

type supervisionPage struct {
	base
	O       *supervision.Overview
	F       supervision.Filter
	Orgs    []option
	KPIs    []kpi
	Trend   chart
	Charts  []chart
	Periods []option // quick periods: value is the query string
	Refresh int
	Screen  string // the large screen's address for this filter
	Board   string // the normal page's address for this filter
	Updated string
	Hall    *hallSection // 大厅排队, for those who read the hall's statistics
	// Saved is 减少提交: materials provided by licences and the library
	// instead of submitted (issue 13), per item and month.
	Saved *supervision.Saved
}

func (s *server) supervisionData(w http.ResponseWriter, r *http.Request, title string) (*supervisionPage, error) {
	a := actor(r)
	if !supervision.CanView(a) {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "监管数据仅供电子监察人员和管理人员查看")
	}
	q := r.URL.Query()
	f := supervision.Filter{Org: strings.TrimSpace(q.Get("org")), From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to"))}
	ov, err := s.d.Supervision.Overview(r.Context(), a, f)
	if err != nil {
		return nil, err
	}
	b := s.workBase(w, r, title)
	b.Nav = "supervision"
	p := &supervisionPage{base: b, O: ov, F: f, Updated: s.now().In(zwfw.Zone).Format("2006-01-02 15:04")}
	p.Orgs, err = s.supervisionOrgs(r, a)
	if err != nil {
		return nil, err
	}
	t := ov.Totals
	pct := func(v *float64) string {
		if v == nil {
			return "—"
		}
		return strconv.FormatFloat(*v, 'f', 1, 64)
	}
	days := "—"
	if t.AvgHandledDays != nil {
		days = fmt.Sprintf("%.1f", *t.AvgHandledDays)
	}
	promised := ""
	if t.AvgPromisedDays != nil {
		promised = fmt.Sprintf("承诺平均 %.1f 个工作日", *t.AvgPromisedDays)
	}
	overdue, warned := "", ""
	if t.Overdue > 0 {
		overdue = "late"
	}
	if t.Warned > 0 {
		warned = "warn"
	}
	p.KPIs = []kpi{
		{Label: "今日申请", Value: strconv.FormatInt(t.Today, 10), Unit: "件", Link: t.Links.Today},
		{Label: "本月申请", Value: strconv.FormatInt(t.Month, 10), Unit: "件", Link: t.Links.Month},
		{Label: "本年申请", Value: strconv.FormatInt(t.Year, 10), Unit: "件", Link: t.Links.Year},
		{Label: "期间办件", Value: strconv.FormatInt(t.Cases, 10), Unit: "件", Note: fmt.Sprintf("已办结 %d 件", t.Done), Link: t.Links.Cases},
		{Label: "按时办结率", Value: pct(t.OnTimeRate), Unit: "%", Note: fmt.Sprintf("按时 %d 件，超时 %d 件", t.OnTime, t.Late), Link: t.Links.Late},
		{Label: "平均办理用时", Value: days, Unit: "个工作日", Note: promised, Link: t.Links.Done},
		{Label: "满意率", Value: pct(t.SatisfactionRate), Unit: "%", Note: fmt.Sprintf("评价 %d 次，满意 %d 次", t.Evaluations, t.Satisfied), Link: t.Links.Evaluated},
		{Label: "超期在办", Value: strconv.Itoa(t.Overdue), Unit: "件", Note: "当前（红牌）", Link: t.Links.Overdue, Class: overdue},
		{Label: "预警在办", Value: strconv.Itoa(t.Warned), Unit: "件", Note: "临近期限（黄牌）", Link: t.Links.Warned, Class: warned},
	}
	// 减少提交 (§2(3)): the same organisation and period.
	if p.Saved, err = s.d.Supervision.Saved(r.Context(), a, f); err != nil {
		return nil, err
	}
	p.KPIs = append(p.KPIs, kpi{Label: "减少提交材料", Value: strconv.FormatInt(p.Saved.Total, 10), Unit: "份",
		Note: fmt.Sprintf("电子证照 %d 份，材料库 %d 份", p.Saved.ByLicence, p.Saved.ByLibrary), Link: "#sv-saved"})
	trendTitle := "办件走势（按月）"
	if ov.TrendGrain == "day" {
		trendTitle = "办件走势（按日）"
	}
	p.Trend = columns("c-trend", trendTitle, ov.Trend, ov.TrendGrain)
	p.Charts = []chart{
		hbars("c-status", "按办件状态", ov.ByStatus, 13),
		hbars("c-town", "按乡镇（县本级）", ov.ByTown, 20),
		hbars("c-dept", "按部门", ov.ByDept, 20),
		hbars("c-kind", "按办件类型", ov.ByKind, 4),
		hbars("c-channel", "按申请渠道", ov.ByChannel, 2),
		hbars("c-window", "窗口工作量", ov.ByWindow, 15),
	}
	if p.Hall, err = s.dashboardHall(r, a, ov.Org.Code, ov.From, ov.To); err != nil {
		return nil, err
	}
	today := calendar.Date(s.now())
	yf := time.Date(today.Year(), 1, 1, 0, 0, 0, 0, today.Location())
	mf := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, today.Location())
	period := func(from, to time.Time) string {
		v := url.Values{"from": {from.Format(calendar.DateLayout)}, "to": {to.Format(calendar.DateLayout)}}
		if f.Org != "" {
			v.Set("org", f.Org)
		}
		return v.Encode()
	}
	p.Periods = []option{
		{Value: period(today, today), Label: "今日"},
		{Value: period(mf, mf.AddDate(0, 1, -1)), Label: "本月"},
		{Value: period(yf, yf.AddDate(1, 0, -1)), Label: "本年"},
		{Value: period(yf.AddDate(-1, 0, 0), yf.AddDate(0, 0, -1)), Label: "上年"},
		{Value: period(today.AddDate(-3, 0, 1), today), Label: "近三年"},
	}
	v := url.Values{}
	for k, val := range map[string]string{"org": f.Org, "from": f.From, "to": f.To} {
		if val != "" {
			v.Set(k, val)
		}
	}
	p.Screen, p.Board = "/supervision/screen", "/supervision"
	if len(v) > 0 {
		p.Screen += "?" + v.Encode()
		p.Board += "?" + v.Encode()
	}
	return p, nil
}

// supervisionOrgs are the organisations the viewer may choose: their own
// and the regions and centres below it.
func (s *server) supervisionOrgs(r *http.Request, a *zwfw.Actor) ([]option, error) {
	path := a.OrgPath
	if a.Kind == zwfw.KindSystem {
		path = "/"
	}
	all, err := s.d.Orgs.List(r.Context(), path)
	if err != nil {
		return nil, err
	}
	var out []option
	for _, o := range all {
		if org.IsRegion(o.Kind) && o.Kind != org.KindVillage || o.Kind == org.KindDept && o.Depth <= 3 {
			out = append(out, option{Value: o.Code, Label: strings.Repeat("　", max(0, o.Depth-2)) + o.DisplayName()})
		}
	}
	return out, nil
}

func (s *server) supervisionHome(w http.ResponseWriter, r *http.Request) error {
	p, err := s.supervisionData(w, r, "监管数据")
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "supervision", p)
	return nil
}

func (s *server) supervisionScreen(w http.ResponseWriter, r *http.Request) error {
	p, err := s.supervisionData(w, r, "监管大屏")
	if err != nil {
		return err
	}
	p.Refresh = screenRefresh
	s.render(w, r, http.StatusOK, "supervision_screen", p)
	return nil
}

// filterChip is one filter of the drill-down, in words.
type filterChip struct{ Label, Value string }

type supervisionCasesPage struct {
	base
	Rows     []caseRow
	Total    int
	Page     int
	LastPage int
	Chips    []filterChip
	Back     string
	query    url.Values
}

// PageURL is the list at page n.
func (p *supervisionCasesPage) PageURL(n int) string {
	v := url.Values{}
	for k, vals := range p.query {
		v[k] = vals
	}
	v.Set("page", strconv.Itoa(n))
	return "/supervision/cases?" + v.Encode()
}

func (s *server) supervisionCases(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	qv := r.URL.Query()
	list, total, q, err := s.d.Supervision.Cases(r.Context(), a, qv)
	if err != nil {
		return err
	}
	b := s.workBase(w, r, "监管数据 · 办件清单")
	b.Nav = "supervision"
	p := &supervisionCasesPage{base: b, Total: total, Page: q.Offset/supervision.PageSize + 1,
		LastPage: max(1, (total+supervision.PageSize-1)/supervision.PageSize), query: qv}
	p.query.Del("page")
	for _, c := range list {
		p.Rows = append(p.Rows, caseRow{Summary: c, DL: deadlineOf(c.Due, c.Deadline)})
	}
	name := func(code string) string {
		if o, err := s.d.Orgs.ByCode(r.Context(), code); err == nil {
			return o.DisplayName()
		}
		return code
	}
	add := func(label, v string) {
		if v != "" {
			p.Chips = append(p.Chips, filterChip{label, v})
		}
	}
	if q.Under != "" {
		add("范围", name(q.Under))
	}
	add("提交日期自", q.From)
	add("提交日期至", q.To)
	if len(q.Status) > 0 {
		add("状态", casework.StatusName(q.Status[0]))
	}
	if q.Org != "" {
		add("受理机构", name(q.Org))
	}
	if q.Dept != "" {
		add("部门", name(q.Dept))
	}
	if q.Window != "" {
		add("窗口", name(q.Window))
	}
	add("办件类型", catalog.KindName(q.Kind))
	add("申请渠道", supervisionChannel(q.Channel))
	add("办结", map[string]string{"all": "已办结", "ontime": "按时办结", "late": "超时办结"}[q.Done])
	if q.Evaluated {
		add("评价", "已评价")
	}
	if q.Overdue {
		add("期限", "已超期（在办）")
	}
	if q.Warned {
		add("期限", "临近期限（在办）")
	}
	back := url.Values{}
	for _, k := range []string{"from", "to"} {
		if v := qv.Get(k); v != "" {
			back.Set(k, v)
		}
	}
	if q.Under != "" {
		back.Set("org", q.Under)
	}
	p.Back = "/supervision"
	if len(back) > 0 {
		p.Back += "?" + back.Encode()
	}
	s.render(w, r, http.StatusOK, "supervision_cases", p)
	return nil
}

func supervisionChannel(ch string) string {
	if ch == "" {
		return ""
	}
	return supervision.ChannelName(ch)
}
