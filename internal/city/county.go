package city

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/catalog"
)

// PageSize is how many cases a county's list shows at once.
const PageSize = 50

// Case is a case as the city knows it: the facts of its last event.
type Case struct {
	County       string `json:"county"`
	Serial       string `json:"serial"`
	ItemCode     string `json:"item_code"`
	ImplCode     string `json:"impl_code"`
	ItemName     string `json:"item_name"`
	DeptCode     string `json:"dept_code"`
	DeptName     string `json:"dept_name"`
	OrgCode      string `json:"org_code"`
	OrgName      string `json:"org_name"`
	Kind         string `json:"kind"`
	KindName     string `json:"kind_name"`
	Channel      string `json:"channel"`
	Status       string `json:"status"`
	StatusName   string `json:"status_name"`
	Step         string `json:"step"`
	Deadline     string `json:"deadline"`
	CompletedOn  string `json:"completed_on"`
	PromisedDays int    `json:"promised_days"`
	HandledDays  int    `json:"handled_days"`
	Overdue      bool   `json:"overdue"`
	Rating       int    `json:"rating"`
	RatingName   string `json:"rating_name"`
	ProjectCode  string `json:"project_code"`
	FiledAt      int64  `json:"filed_at"`
	UpdatedAt    int64  `json:"updated_at"`
	LastSeq      int    `json:"last_seq"`
	LastKind     string `json:"last_kind"`
	Level        string `json:"level"` // the deadline's colour now: ok, yellow, red, paused; "" when not running
	Link         string `json:"link"`
}

const caseCols = `county, serial, item_code, impl_code, item_name, dept_code, dept_name, org_code, org_name, kind, channel,
	status, step, open, deadline, completed_on, promised_days, handled_days, overdue, rating, project_code, filed_at, updated_at,
	last_seq, last_kind`

type scanner interface{ Scan(...any) error }

func scanCase(r scanner) (*Case, error) {
	c := &Case{}
	var open, overdue int
	if err := r.Scan(&c.County, &c.Serial, &c.ItemCode, &c.ImplCode, &c.ItemName, &c.DeptCode, &c.DeptName, &c.OrgCode,
		&c.OrgName, &c.Kind, &c.Channel, &c.Status, &c.Step, &open, &c.Deadline, &c.CompletedOn, &c.PromisedDays,
		&c.HandledDays, &overdue, &c.Rating, &c.ProjectCode, &c.FiledAt, &c.UpdatedAt, &c.LastSeq, &c.LastKind); err != nil {
		return nil, err
	}
	c.Overdue = overdue == 1
	c.StatusName = casework.StatusName(c.Status)
	if c.StatusName == "" {
		c.StatusName = c.Status
	}
	c.KindName = catalog.KindName(c.Kind)
	if c.Rating >= 1 && c.Rating < len(casework.Levels) {
		c.RatingName = casework.Levels[c.Rating]
	}
	c.Link = "/city/cases/" + url.PathEscape(c.County) + "/" + url.PathEscape(c.Serial)
	return c, nil
}

// CountyView is one county's page: its figures, its departments, the
// warned cases now and the cases filed in the period.
type CountyView struct {
	County   Row     `json:"county"`
	Period   string  `json:"period"`
	From     string  `json:"from"`
	To       string  `json:"to"`
	ByDept   []Row   `json:"by_dept"`
	Warned   []*Case `json:"warned"` // open cases with a yellow or red card now, the latest deadlines last
	Cases    []*Case `json:"cases"`  // filed in the period, newest first, one page
	Total    int     `json:"total"`  // cases filed in the period (of Dept when set)
	Page     int     `json:"page"`
	Dept     string  `json:"dept,omitempty"`
	DeptName string  `json:"dept_name,omitempty"`
}

// CountyQuery narrows a county's case list.
type CountyQuery struct {
	Filter
	Dept string
	Page int
}

// County is the drill-down of one county.
func (s *Service) County(ctx context.Context, a *zwfw.Actor, code string, q CountyQuery) (*CountyView, error) {
	if _, err := s.Scope(a); err != nil {
		return nil, err
	}
	from, to, period, err := q.Resolve(s.now())
	if err != nil {
		return nil, err
	}
	var c Row
	if err := s.db.QueryRow(ctx, `SELECT code, name, last_at FROM city_counties WHERE code = ?`, code).Scan(&c.Code, &c.Name, &c.LastAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, zwfw.Errorf(zwfw.ENOTFOUND, "没有收到县区 %s 的办件", code)
		}
		return nil, err
	}
	v := &CountyView{Period: period, From: from.Format(calendar.DateLayout), To: to.Format(calendar.DateLayout), Page: max(q.Page, 1), Dept: q.Dept}
	byDept, err := s.rollup(ctx, from, to, code)
	if err != nil {
		return nil, err
	}
	warn, err := s.warnings(ctx, code)
	if err != nil {
		return nil, err
	}
	depts := map[string]*Row{}
	var order []string
	for _, m := range []map[deptKey]*Row{byDept, warn} {
		for k, r := range m {
			d := depts[k.dept]
			if d == nil {
				d = &Row{Code: k.dept, Name: r.Name, County: code}
				depts[k.dept] = d
				order = append(order, k.dept)
			}
			if d.Name == "" {
				d.Name = r.Name
			}
			d.add(&r.Figures)
			c.add(&r.Figures)
		}
	}
	f := Filter{Period: period, From: v.From, To: v.To}
	qs := f.query(period)
	for _, k := range order {
		d := depts[k]
		d.rates()
		if d.Name == "" {
			d.Name = "未注明部门"
		}
		d.Link = "/city/counties/" + url.PathEscape(code) + "?" + qs + "&dept=" + url.QueryEscape(d.Code)
		v.ByDept = append(v.ByDept, *d)
		if d.Code == q.Dept {
			v.DeptName = d.Name
		}
	}
	slices.SortStableFunc(v.ByDept, func(a, b Row) int {
		if a.Filed != b.Filed {
			return int(b.Filed - a.Filed)
		}
		return strings.Compare(a.Code, b.Code)
	})
	c.rates()
	v.County = c
	if v.Warned, err = s.warned(ctx, code, q.Dept); err != nil {
		return nil, err
	}
	where := "county = ? AND filed_on BETWEEN ? AND ?"
	args := []any{code, v.From, v.To}
	if q.Dept != "" {
		where += " AND dept_code = ?"
		args = append(args, q.Dept)
	}
	if err := s.db.QueryRow(ctx, "SELECT COUNT(*) FROM city_cases WHERE "+where, args...).Scan(&v.Total); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, "SELECT "+caseCols+" FROM city_cases WHERE "+where+" ORDER BY filed_at DESC, serial DESC LIMIT ? OFFSET ?",
		append(args, PageSize, (v.Page-1)*PageSize)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		cs, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		v.Cases = append(v.Cases, cs)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return v, s.levels(ctx, v.Cases)
}

// warned are a county's open cases with a yellow or red card now (at most
// a hundred, the most urgent first).
func (s *Service) warned(ctx context.Context, county, dept string) ([]*Case, error) {
	where := "open = 1 AND county = ? AND deadline <> ''"
	args := []any{county}
	if dept != "" {
		where += " AND dept_code = ?"
		args = append(args, dept)
	}
	rows, err := s.db.Query(ctx, "SELECT "+caseCols+" FROM city_cases WHERE "+where+" ORDER BY deadline, serial LIMIT 500", args...)
	if err != nil {
		return nil, err
	}
	var all []*Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		all = append(all, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := s.levels(ctx, all); err != nil {
		return nil, err
	}
	var out []*Case
	for _, c := range all {
		if c.Level == casework.DueRed || c.Level == casework.DueYellow {
			out = append(out, c)
			if len(out) == 100 {
				break
			}
		}
	}
	return out, nil
}

// levels colours the deadlines of a list.
func (s *Service) levels(ctx context.Context, cs []*Case) error {
	if len(cs) == 0 {
		return nil
	}
	d, err := s.deadlines(ctx, func(yield func(string) bool) {
		for _, c := range cs {
			if !yield(c.Deadline) {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	for _, c := range cs {
		c.Level = level(d, c.Status, c.Deadline, c.PromisedDays)
	}
	return nil
}

// EventView is one event of a case as received.
type EventView struct {
	Seq        int    `json:"seq"`
	ID         string `json:"id"`
	Kind       string `json:"kind"`
	KindName   string `json:"kind_name"`
	At         int64  `json:"at"`
	Time       string `json:"time"`        // YYYY-MM-DD HH:MM:SS, China Standard Time
	ReceivedAt int64  `json:"received_at"` // when the city received it, unix millis
	Action     string `json:"action,omitempty"`
	Step       string `json:"step,omitempty"`
	FromStatus string `json:"from_status,omitempty"`
	Status     string `json:"status,omitempty"`
	StatusName string `json:"status_name,omitempty"`
	Deadline   string `json:"deadline,omitempty"`
	Rating     int    `json:"rating,omitempty"`
}

// CaseView is a case with every event received for it, in order.
type CaseView struct {
	Case       *Case       `json:"case"`
	CountyName string      `json:"county_name"`
	Events     []EventView `json:"events"`
}

// Case is the drill-down of one case: its facts and its events from the
// exchange's inbox, in sequence order.
func (s *Service) Case(ctx context.Context, a *zwfw.Actor, county, serial string) (*CaseView, error) {
	if _, err := s.Scope(a); err != nil {
		return nil, err
	}
	c, err := scanCase(s.db.QueryRow(ctx, "SELECT "+caseCols+" FROM city_cases WHERE county = ? AND serial = ?", county, serial))
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, zwfw.Errorf(zwfw.ENOTFOUND, "没有收到县区 %s 的办件 %s", county, serial)
		}
		return nil, err
	}
	if err := s.levels(ctx, []*Case{c}); err != nil {
		return nil, err
	}
	v := &CaseView{Case: c, CountyName: county}
	_ = s.db.QueryRow(ctx, `SELECT name FROM city_counties WHERE code = ?`, county).Scan(&v.CountyName)
	if s.events == nil {
		return v, nil
	}
	evs, err := s.events(ctx, county, serial)
	if err != nil {
		return nil, err
	}
	for _, ev := range evs {
		e := EventView{Seq: ev.Seq, ID: ev.ID, Kind: ev.Kind, KindName: KindName(ev.Kind), At: ev.At, ReceivedAt: ev.ReceivedAt,
			Time: time.UnixMilli(ev.At).In(zwfw.Zone).Format("2006-01-02 15:04:05")}
		if f, err := facts(ev.Body); err == nil {
			e.Action, e.Step, e.FromStatus, e.Status, e.Deadline, e.Rating = f.Action, f.Step, f.FromStatus, f.Status, f.Deadline, f.Rating
			e.StatusName = casework.StatusName(f.Status)
		}
		v.Events = append(v.Events, e)
	}
	return v, nil
}
