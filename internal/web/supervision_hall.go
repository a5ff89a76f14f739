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
	"zwfw/internal/files"
	"zwfw/internal/hall"
	"zwfw/internal/org"
)

// The hall's queue statistics on the supervision pages (大厅排队, issue 10
// item 9): a section of the dashboard, and a page per centre or region
// with its tables and the Excel export. Who may read them and what they
// count is hall.Stats'; these pages only lay them out.

func init() { pages = append(pages, "supervision_hall") }

// CanReadHallStats shows 排队统计 in the menu of those who read the
// hall's statistics but not the supervision dashboard (the centres'
// managers); the others reach it from the dashboard's section.
func (b base) CanReadHallStats() bool { return b.Actor != nil && hall.MayReadStats(b.Actor, "") == nil }

// hallSection is the dashboard's 大厅排队 section.
type hallSection struct {
	S      *hall.Stats
	Today  int    // tickets taken today
	Error  string // why there are no figures (a period over a year)
	KPIs   []kpi
	Hours  chart
	Link   string // the drill-down page for the dashboard's organisation and period
	Centre func(code string) string
}

// hallStatsLink is the drill-down page of org over a period.
func hallStatsLink(code, from, to string) string {
	v := url.Values{"centre": {code}, "from": {from}, "to": {to}}
	return "/supervision/hall?" + v.Encode()
}

// hallKPIs are the headline figures of the statistics.
func hallKPIs(st *hall.Stats, today int, link string) []kpi {
	busiest, unit := "—", ""
	if len(st.Busiest) > 0 { // "10:00–11:00" → 10–11 时, to fit the tile
		busiest, unit = strings.ReplaceAll(st.Busiest[0], ":00", ""), "时"
	}
	missed := ""
	if st.Totals.Missed > 0 {
		missed = "warn"
	}
	return []kpi{
		{Label: "今日取号", Value: strconv.Itoa(today), Unit: "个", Link: link},
		{Label: "期间取号", Value: strconv.Itoa(st.Totals.Tickets), Unit: "个", Note: fmt.Sprintf("办结 %d 个，%d 个营业日", st.Totals.Served, st.OpenDays), Link: link},
		{Label: "平均等候", Value: st.Totals.Wait.Minutes(), Unit: "分钟", Note: "中位数 " + st.Totals.Wait.MedianMinutes() + "，P90 " + st.Totals.Wait.P90Minutes(), Link: link},
		{Label: "平均办理", Value: st.Totals.Serve.Minutes(), Unit: "分钟", Note: "中位数 " + st.Totals.Serve.MedianMinutes() + "，P90 " + st.Totals.Serve.P90Minutes(), Link: link},
		{Label: "过号", Value: strconv.Itoa(st.Totals.Missed), Unit: "个", Note: "叫号后未到", Link: link, Class: missed},
		{Label: "预约未到", Value: strconv.Itoa(st.NoShows), Unit: "个", Note: "预约时段内未签到", Link: link},
		{Label: "最繁忙时段", Value: busiest, Unit: unit, Note: "按取号时间，日均", Link: link},
	}
}

// hourColumns lays out the tickets taken per hour of the day, averaged
// over the open days, as columns from 08:00 to 17:00 (and any other hour
// that had tickets).
func hourColumns(id, title string, rows []*hall.StatRow, link string) chart {
	const width, height, base = 1100, 230, 200
	c := chart{ID: id, Title: title, Width: width, Height: height, Columns: true, Base: base, Unit: "个/日", Hint: "点击查看详细统计", None: "期间内没有取号。"}
	by := map[string]*hall.StatRow{}
	lo, hi := 8, 17
	for _, r := range rows {
		by[r.Key] = r
		h, _ := strconv.Atoi(r.Key)
		lo, hi = min(lo, h), max(hi, h)
	}
	var top float64
	for _, r := range rows {
		top = max(top, r.PerDay)
	}
	n := hi - lo + 1
	step := (width - 20) / n
	for i := range n {
		h := lo + i
		var v float64
		if r := by[fmt.Sprintf("%02d", h)]; r != nil {
			v = r.PerDay
		}
		bh := 0
		if top > 0 {
			bh = int(float64(base-30) * v / top)
		}
		x := 10 + i*step
		c.Bars = append(c.Bars, bar{Label: fmt.Sprintf("%d时", h), Value: int64(v * 10), Text: strconv.FormatFloat(v, 'f', 1, 64), Link: link,
			X: x + 2, Y: base - bh, W: max(step-4, 2), H: bh, TX: x + step/2, TY: base - bh - 4})
	}
	c.Empty = top == 0
	return c
}

// dashboardHall is the dashboard's section for its organisation and
// period, or nil when the viewer may not read the hall's statistics.
func (s *server) dashboardHall(r *http.Request, a *zwfw.Actor, code, from, to string) (*hallSection, error) {
	if s.d.Hall == nil || hall.MayReadStats(a, "") != nil {
		return nil, nil
	}
	sec := &hallSection{Link: hallStatsLink(code, from, to)}
	st, err := s.d.Hall.Stats(r.Context(), a, hall.StatsQuery{Org: code, From: from, To: to})
	if zwfw.ErrorCode(err) == zwfw.EINVALID {
		sec.Error = zwfw.ErrorMessage(err) + "；请缩短期间后查看大厅排队统计。"
		if t, err := calendar.ParseDate(to); err == nil { // the detail page then opens on the period's last year
			sec.Link = hallStatsLink(code, t.AddDate(0, 0, 1-hall.MaxStatsDays).Format(calendar.DateLayout), to)
		}
		return sec, nil
	}
	if err != nil {
		if zwfw.ErrorCode(err) == zwfw.EFORBIDDEN || zwfw.ErrorCode(err) == zwfw.ENOTFOUND {
			return nil, nil
		}
		return nil, err
	}
	day, err := s.d.Hall.Stats(r.Context(), a, hall.StatsQuery{Org: code})
	if err != nil {
		return nil, err
	}
	sec.S, sec.Today = st, day.Totals.Tickets
	sec.KPIs = hallKPIs(st, sec.Today, sec.Link)
	sec.Hours = hourColumns("c-hall-hours", "各时段取号（日均）", st.ByHour, sec.Link)
	sec.Centre = func(c string) string { return hallStatsLink(c, from, to) }
	return sec, nil
}

type supervisionHallPage struct {
	base
	S       *hall.Stats
	Q       hall.StatsQuery
	Orgs    []option
	KPIs    []kpi
	Hours   chart
	Periods []option
	Export  string
	Back    string
	Error   string
}

// CentreLink is the page of one centre over the same period.
func (p *supervisionHallPage) CentreLink(code string) string {
	return hallStatsLink(code, p.S.From, p.S.To)
}

// hallQuery reads ?centre=&from=&to=.
func hallQuery(r *http.Request) hall.StatsQuery {
	q := r.URL.Query()
	return hall.StatsQuery{Org: strings.TrimSpace(q.Get("centre")), From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to"))}
}

// supervisionHall is the drill-down page: a centre's (or a region's
// centres') queue statistics by category, window, staff, hour and day.
func (s *server) supervisionHall(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	q := hallQuery(r)
	st, err := s.d.Hall.Stats(r.Context(), a, q)
	if err != nil {
		return err
	}
	day, err := s.d.Hall.Stats(r.Context(), a, hall.StatsQuery{Org: st.Org.Code})
	if err != nil {
		return err
	}
	b := s.workBase(w, r, "大厅排队统计 · "+st.Org.Name)
	b.Nav = "supervision"
	link := hallStatsLink(st.Org.Code, st.From, st.To)
	p := &supervisionHallPage{base: b, S: st, Q: q, KPIs: hallKPIs(st, day.Totals.Tickets, "#hall-tables"),
		Hours:  hourColumns("c-hall-hours", "各时段取号（日均，按取号时间）", st.ByHour, ""),
		Export: strings.Replace(link, "/supervision/hall?", "/supervision/hall/export?", 1),
		Back:   "/supervision?" + url.Values{"org": {st.Org.Code}, "from": {st.From}, "to": {st.To}}.Encode()}
	for i := range p.Hours.Bars {
		p.Hours.Bars[i].Link = "#hall-hours"
	}
	p.Hours.Hint = "点击查看时段明细"
	if p.Orgs, err = s.hallOrgs(r, a); err != nil {
		return err
	}
	today := calendar.Date(s.now())
	period := func(from, to time.Time) string {
		return url.Values{"centre": {st.Org.Code}, "from": {from.Format(calendar.DateLayout)}, "to": {to.Format(calendar.DateLayout)}}.Encode()
	}
	mf := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, today.Location())
	p.Periods = []option{
		{Value: period(today, today), Label: "今日"},
		{Value: period(today.AddDate(0, 0, -7), today.AddDate(0, 0, -1)), Label: "近7天"},
		{Value: period(mf, today), Label: "本月"},
		{Value: period(mf.AddDate(0, -1, 0), mf.AddDate(0, 0, -1)), Label: "上月"},
		{Value: period(time.Date(today.Year(), 1, 1, 0, 0, 0, 0, today.Location()), today), Label: "本年"},
	}
	s.render(w, r, http.StatusOK, "supervision_hall", p)
	return nil
}

// hallOrgs are the centres and regions the viewer may choose on the
// statistics page: their own organisation and the regions and centres
// below it.
func (s *server) hallOrgs(r *http.Request, a *zwfw.Actor) ([]option, error) {
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
		if org.IsRegion(o.Kind) && o.Kind != org.KindVillage || o.Kind == org.KindCentre {
			out = append(out, option{Value: o.Code, Label: strings.Repeat("　", max(0, o.Depth-2)) + o.DisplayName()})
		}
	}
	return out, nil
}

// supervisionHallExport downloads the statistics as Excel.
func (s *server) supervisionHallExport(w http.ResponseWriter, r *http.Request) error {
	st, err := s.d.Hall.Stats(r.Context(), actor(r), hallQuery(r))
	if err != nil {
		return err
	}
	b, err := st.XLSX()
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", files.Attachment("hall-stats.xlsx", "排队统计_"+st.Org.Name+"_"+st.From+"_"+st.To+".xlsx"))
	_, _ = w.Write(b)
	return nil
}

// hallTable is one table of the statistics page or section.
type hallTable struct {
	ID, Title, First string
	Rows             []hallTableRow
	Total            *hall.StatRow
	PerDay           bool // the hours' table: show the daily average
}

type hallTableRow struct {
	Name, Link string
	*hall.StatRow
}

// PerDayText is the hour's daily average.
func (r hallTableRow) PerDayText() string { return strconv.FormatFloat(r.PerDay, 'f', 1, 64) }

func newHallTable(id, title, first string, rows []*hall.StatRow, total *hall.StatRow, link func(*hall.StatRow) string) hallTable {
	t := hallTable{ID: id, Title: title, First: first, Total: total}
	for _, r := range rows {
		row := hallTableRow{Name: r.Label(), StatRow: r}
		if link != nil {
			row.Link = link(r)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// Tables are the page's tables: the centres (a region), then categories,
// windows, staff and hours.
func (p *supervisionHallPage) Tables() []hallTable {
	st := p.S
	var out []hallTable
	if !st.Centre {
		out = append(out, newHallTable("hall-centres", "按服务中心", "服务中心", st.ByCentre, &st.Totals,
			func(r *hall.StatRow) string { return p.CentreLink(r.Key) }))
	}
	hours := newHallTable("hall-hours", "按时段（取号时间）", "时段", st.ByHour, &st.Totals, nil)
	hours.PerDay = true
	return append(out,
		newHallTable("hall-categories", "按业务类别", "业务类别", st.ByCategory, &st.Totals, nil),
		newHallTable("hall-windows", "按窗口", "窗口", st.ByWindow, &st.Totals, nil),
		// No total under the staff: tickets at a window with no one on
		// its posts count for nobody.
		newHallTable("hall-staff", "按人员", "人员", st.ByStaff, nil, nil),
		hours)
}

// CentreTable is the dashboard section's table of centres (a region's).
func (h *hallSection) CentreTable() hallTable {
	return newHallTable("hall-centres", "各服务中心", "服务中心", h.S.ByCentre, &h.S.Totals,
		func(r *hall.StatRow) string { return h.Centre(r.Key) })
}
