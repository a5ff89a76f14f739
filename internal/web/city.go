package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/casework"
	"zwfw/internal/city"
	"zwfw/internal/files"
	"zwfw/internal/supervision"
)

// The city platform's pages (issue 14 item 5; ZWFW_ROLE=city): the
// dashboard over every county (/city), a county's departments and cases,
// a case's events as received through the exchange, and the city-wide
// monthly and quarterly reports with their Excel files. Who sees them is
// city.Scope's answer; on a county platform they answer 404 to everyone.

var cityPages = []string{"city", "city_county", "city_case", "city_reports"}

func init() { pages = append(pages, cityPages...) }

// cityPage guards a city page: 404 for everyone on a county platform (the
// pages do not exist there), else the staff pages' guard.
func (s *server) cityPage(fn handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.d.City == nil || !s.d.City.Enabled() {
			return zwfw.Errorf(zwfw.ENOTFOUND, "页面不存在：本平台不是市级平台")
		}
		return s.staff(fn)(w, r)
	}
}

// cityFilter reads the period of a city page.
func cityFilter(r *http.Request) city.Filter {
	q := r.URL.Query()
	return city.Filter{Period: strings.TrimSpace(q.Get("period")), From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to"))}
}

// cityPeriodLink is one of the quick periods.
type cityPeriodLink struct {
	Label   string
	URL     string
	Current bool
}

// cityPeriods are the quick periods of a page at path (custom is the form).
func cityPeriods(path, current string, extra url.Values) []cityPeriodLink {
	var out []cityPeriodLink
	for _, p := range city.PeriodNames {
		if p.Code == city.PeriodCustom {
			continue
		}
		v := url.Values{"period": {p.Code}}
		for k, vals := range extra {
			v[k] = vals
		}
		out = append(out, cityPeriodLink{Label: p.Name, URL: path + "?" + v.Encode(), Current: p.Code == current})
	}
	return out
}

func ratePct(v *float64) string {
	if v == nil {
		return "—"
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}

// cityKPIs are the headline figures of a city or county view.
func cityKPIs(f city.Figures, first kpi, warnLink string) []kpi {
	red, yellow := "", ""
	if f.Red > 0 {
		red = "late"
	}
	if f.Yellow > 0 {
		yellow = "warn"
	}
	out := []kpi{}
	if first.Label != "" {
		out = append(out, first)
	}
	return append(out,
		kpi{Label: "申报", Value: strconv.FormatInt(f.Filed, 10), Unit: "件", Note: fmt.Sprintf("受理 %d 件，不予受理 %d 件", f.Accepted, f.Rejected), Link: "#cy-table"},
		kpi{Label: "办结", Value: strconv.FormatInt(f.Completed, 10), Unit: "件", Note: fmt.Sprintf("按期 %d 件，超期 %d 件", f.OnTime, f.Late), Link: "#cy-table"},
		kpi{Label: "按期办结率", Value: ratePct(f.OnTimeRate), Unit: "%", Note: "期间办结件中按期办结的比例", Link: "#cy-table"},
		kpi{Label: "好评率", Value: ratePct(f.GoodRate), Unit: "%", Note: fmt.Sprintf("评价 %d 次，好评 %d 次；满意率 %s%%", f.Ratings, f.Good, ratePct(f.SatisfiedRate)), Link: "#cy-table"},
		kpi{Label: "在办", Value: strconv.Itoa(f.Open), Unit: "件", Note: "当前", Link: warnLink},
		kpi{Label: "黄牌预警", Value: strconv.Itoa(f.Yellow), Unit: "件", Note: "临近期限（当前）", Link: warnLink, Class: yellow},
		kpi{Label: "红牌超期", Value: strconv.Itoa(f.Red), Unit: "件", Note: "已超期（当前）", Link: warnLink, Class: red},
	)
}

// cityChart draws rows as the dashboard's horizontal bars: cases filed,
// with the on-time rate.
func cityChart(id, title string, rows []city.Row, limit int) chart {
	fs := make([]supervision.Figure, 0, len(rows))
	for _, r := range rows {
		fs = append(fs, supervision.Figure{Code: r.Code, Name: r.Name, Cases: r.Filed, Done: r.Completed, OnTime: r.OnTime,
			OnTimeRate: r.OnTimeRate, Link: r.Link})
	}
	c := hbars(id, title, fs, limit)
	c.None = "期间内没有申报的办件。"
	return c
}

type cityHomePage struct {
	base
	O        *city.Overview
	F        city.Filter
	Periods  []cityPeriodLink
	KPIs     []kpi
	Charts   []chart
	Updated  string
	LastSeen map[string]string // county → when its last event arrived
}

func (s *server) cityBase(w http.ResponseWriter, r *http.Request, title string) base {
	b := s.workBase(w, r, title)
	b.Nav = "city"
	return b
}

func (s *server) cityHome(w http.ResponseWriter, r *http.Request) error {
	f := cityFilter(r)
	ov, err := s.d.City.Overview(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	p := &cityHomePage{base: s.cityBase(w, r, "全市监管"), O: ov, F: city.Filter{Period: ov.Period, From: ov.From, To: ov.To},
		Updated: s.now().In(zwfw.Zone).Format("2006-01-02 15:04"), LastSeen: map[string]string{}}
	p.Periods = cityPeriods("/city", ov.Period, nil)
	p.KPIs = cityKPIs(ov.Totals, kpi{Label: "县区", Value: strconv.Itoa(len(ov.ByCounty)), Unit: "个", Note: "已接入数据交换", Link: "#cy-table"}, "#cy-table")
	p.Charts = []chart{cityChart("cy-county", "按县区（申报件数 · 按期办结率）", ov.ByCounty, 20), cityChart("cy-dept", "按部门（各县区同名部门合计）", ov.ByDept, 15)}
	for _, c := range ov.ByCounty {
		if c.LastAt > 0 {
			p.LastSeen[c.Code] = time.UnixMilli(c.LastAt).In(zwfw.Zone).Format("01-02 15:04")
		}
	}
	s.render(w, r, http.StatusOK, "city", p)
	return nil
}

type cityCountyPage struct {
	base
	V        *city.CountyView
	Periods  []cityPeriodLink
	KPIs     []kpi
	Chart    chart
	Back     string
	LastPage int
	query    url.Values
}

// PageURL is the case list at page n.
func (p *cityCountyPage) PageURL(n int) string {
	v := url.Values{}
	for k, vals := range p.query {
		v[k] = vals
	}
	v.Set("page", strconv.Itoa(n))
	return "/city/counties/" + url.PathEscape(p.V.County.Code) + "?" + v.Encode()
}

// cityDueClass is the colour class of a deadline level (work.go's).
func cityDueClass(level string) string { return dueClass[level] }

func (s *server) cityCounty(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	code := r.PathValue("code")
	v, err := s.d.City.County(r.Context(), actor(r), code, city.CountyQuery{Filter: cityFilter(r), Dept: strings.TrimSpace(q.Get("dept")), Page: page})
	if err != nil {
		return err
	}
	title := v.County.Name
	if v.DeptName != "" {
		title += " · " + v.DeptName
	}
	p := &cityCountyPage{base: s.cityBase(w, r, "全市监管 · "+title), V: v, LastPage: max(1, (v.Total+city.PageSize-1)/city.PageSize), query: url.Values{}}
	for _, k := range []string{"period", "from", "to", "dept"} {
		if val := q.Get(k); val != "" {
			p.query.Set(k, val)
		}
	}
	extra := url.Values{}
	if v.Dept != "" {
		extra.Set("dept", v.Dept)
	}
	p.Periods = cityPeriods("/city/counties/"+url.PathEscape(code), v.Period, extra)
	p.KPIs = cityKPIs(v.County.Figures, kpi{}, "#cy-warned")
	p.Chart = cityChart("cy-dept", "按部门（申报件数 · 按期办结率）", v.ByDept, 20)
	back := url.Values{"period": {v.Period}}
	if v.Period == city.PeriodCustom {
		back.Set("from", v.From)
		back.Set("to", v.To)
	}
	p.Back = "/city?" + back.Encode()
	s.render(w, r, http.StatusOK, "city_county", p)
	return nil
}

type cityCasePage struct {
	base
	V    *city.CaseView
	Back string
}

func (s *server) cityCase(w http.ResponseWriter, r *http.Request) error {
	v, err := s.d.City.Case(r.Context(), actor(r), r.PathValue("county"), r.PathValue("serial"))
	if err != nil {
		return err
	}
	p := &cityCasePage{base: s.cityBase(w, r, "全市监管 · 办件 "+v.Case.Serial), V: v,
		Back: "/city/counties/" + url.PathEscape(v.Case.County) + "?dept=" + url.QueryEscape(v.Case.DeptCode)}
	s.render(w, r, http.StatusOK, "city_case", p)
	return nil
}

type cityReportsPage struct {
	base
	Months   []string
	Quarters []string
	R        *city.Report
	Names    map[string]string
}

func (s *server) cityReports(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	if _, err := s.d.City.Scope(a); err != nil {
		return err
	}
	p := &cityReportsPage{base: s.cityBase(w, r, "全市监管 · 统计报表")}
	p.Months, p.Quarters = s.d.City.ReportPeriods()
	period := strings.TrimSpace(r.URL.Query().Get("period"))
	if period == "" {
		period = p.Months[0]
	}
	var err error
	if p.R, err = s.d.City.Report(r.Context(), a, period); err != nil {
		return err
	}
	if p.Names, err = s.d.City.Counties(r.Context()); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "city_reports", p)
	return nil
}

// cityReportFile downloads a report as Excel: /city/reports/2026-11.xlsx.
func (s *server) cityReportFile(w http.ResponseWriter, r *http.Request) error {
	period, ok := strings.CutSuffix(r.PathValue("file"), ".xlsx")
	if !ok {
		return zwfw.Errorf(zwfw.ENOTFOUND, "报表文件应以 .xlsx 结尾")
	}
	a := actor(r)
	rep, err := s.d.City.Report(r.Context(), a, period)
	if err != nil {
		return err
	}
	names, err := s.d.City.Counties(r.Context())
	if err != nil {
		return err
	}
	b, err := rep.XLSX(names)
	if err != nil {
		return err
	}
	if err := s.d.Audit.Exported(r.Context(), a, "city-report:"+period, "导出全市统计报表 Excel："+rep.Title); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", files.Attachment("city-report-"+period+".xlsx", rep.FileName()))
	h.Set("Content-Length", strconv.Itoa(len(b)))
	_, err = w.Write(b)
	return err
}

// msTime is a unix-millisecond time as YYYY-MM-DD HH:MM.
func msTime(ms int64) string {
	if ms == 0 {
		return ""
	}
	return time.UnixMilli(ms).In(zwfw.Zone).Format("2006-01-02 15:04")
}

// dueName says a deadline level in words (the colour is never alone).
func dueName(level string) string {
	switch level {
	case "red":
		return "红牌 已超期"
	case "yellow":
		return "黄牌 临近期限"
	case "paused":
		return "特别程序中"
	case "ok":
		return "正常"
	}
	return ""
}

// ratingName is a 好差评 level's name.
func ratingName(level int) string {
	if level >= 1 && level < len(casework.Levels) {
		return casework.Levels[level]
	}
	return ""
}
