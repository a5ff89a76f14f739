// Package calendar counts working days (工作日) on China's statutory holiday
// calendar: the State Council's holidays and make-up working days (调休)
// come from github.com/6tail/lunar-go's HolidayUtil, and organisations add
// local adjustments (a county's own closure, a corrected day) on top.
// Deadlines count from the day after acceptance (行政许可法; STANDARDS.md).
//
// An adjustment belongs to the organisation that made it — a county or the
// city — and applies to that organisation's subtree only: the city's to
// every county, a county's to its own towns and villages. So every question
// is asked at a place, the materialised path of an organisation ("/1/2/7/",
// a case's organisation); the answer follows the national calendar and the
// adjustments of the organisations on that path, the nearer overriding the
// farther. The path "/" is the whole platform (the adjustments of the top
// of the tree), "" the national calendar alone.
package calendar

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/org"
)

// DateLayout is how dates are written everywhere in zwfw.
const DateLayout = "2006-01-02"

// Day kinds of a local adjustment.
const (
	Holiday = "holiday" // 放假
	Workday = "workday" // 上班 (调休)
)

// Topic is what db.OnChange calls a change to the local adjustments (key:
// the owning organisation's code): caches of anything computed on the
// calendar listen to it.
const Topic = "calendar"

// Adjustment is a local change to the national calendar, made by an
// organisation for its subtree.
type Adjustment struct {
	Date    string `json:"date"`
	Kind    string `json:"kind"`
	Note    string `json:"note"`
	Org     string `json:"org,omitempty"`      // the organisation's code (Adjust: the actor's own when empty)
	OrgName string `json:"org_name,omitempty"` // its name, as lists show it
}

// Calendar answers working-day questions. Local adjustments live in the
// database (so several server processes agree); the national calendar is
// compiled in.
type Calendar struct {
	db  *db.DB
	now func() time.Time
}

// New returns a Calendar over d.
func New(d *db.DB, now func() time.Time) *Calendar { return &Calendar{db: d, now: now} }

// Day is one date as the calendar sees it.
type Day struct {
	Date    string `json:"date"`
	Workday bool   `json:"workday"`
	Name    string `json:"name,omitempty"` // holiday name, or "调休上班", or the local note
}

// national says what the State Council's calendar makes of a date: ok is
// false when the date is an ordinary day.
func national(t time.Time) (work bool, name string, ok bool) {
	h := HolidayUtil.GetHolidayByYmd(t.Year(), int(t.Month()), t.Day())
	if h == nil {
		return false, "", false
	}
	if h.IsWork() {
		return true, h.GetName() + "调休上班", true
	}
	return false, h.GetName(), true
}

// rules is the national calendar plus the local adjustments in force at one
// place, by date.
type rules map[string]Adjustment

func (r rules) day(t time.Time) Day {
	d := Day{Date: t.Format(DateLayout)}
	if a, ok := r[d.Date]; ok {
		d.Workday, d.Name = a.Kind == Workday, a.Note
		return d
	}
	if work, name, ok := national(t); ok {
		d.Workday, d.Name = work, name
		return d
	}
	wd := t.Weekday()
	d.Workday = wd != time.Saturday && wd != time.Sunday
	return d
}

// owned is the adjustments of one organisation.
type owned struct {
	path  string
	depth int
	days  rules
}

// appliesAt reports whether an organisation's adjustments hold at path: it
// lies on the path, or path is the whole platform and it is at the top.
func (o *owned) appliesAt(path string) bool {
	if path == "/" {
		return o.depth == 0
	}
	return path != "" && strings.HasPrefix(path, o.path)
}

// merge is the rules at path: the adjustments of the owners that apply
// there, the deeper (nearer) overriding the shallower. owners are sorted
// shallow first.
func merge(owners []*owned, path string) rules {
	r := rules{}
	for _, o := range owners {
		if o.appliesAt(path) {
			for d, a := range o.days {
				r[d] = a
			}
		}
	}
	return r
}

const selectAdjustments = `SELECT a.day, a.kind, a.note, o.code, CASE WHEN o.full_name = '' THEN o.name ELSE o.full_name END, o.path, o.depth
	FROM calendar_adjustments a JOIN orgs o ON o.id = a.org_id WHERE a.day >= ? AND a.day <= ?`

// owners reads the adjustments between from and to of the organisations
// on path (every organisation's when all is set), shallow first.
func (c *Calendar) owners(ctx context.Context, path string, all bool, from, to string) ([]*owned, error) {
	q, args := selectAdjustments, []any{from, to}
	switch {
	case all:
	case path == "/":
		q += " AND o.depth = 0"
	default:
		ids := org.PathIDs(path)
		if len(ids) == 0 {
			return nil, nil
		}
		q += " AND a.org_id IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + ")"
		for _, id := range ids {
			args = append(args, id)
		}
	}
	rows, err := c.db.Query(ctx, q+" ORDER BY o.depth, o.path, a.day", args...)
	if err != nil {
		return nil, fmt.Errorf("calendar: adjustments: %w", err)
	}
	defer rows.Close()
	var out []*owned
	for rows.Next() {
		var a Adjustment
		var p string
		var depth int
		if err := rows.Scan(&a.Date, &a.Kind, &a.Note, &a.Org, &a.OrgName, &p, &depth); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].path != p {
			out = append(out, &owned{path: p, depth: depth, days: rules{}})
		}
		out[len(out)-1].days[a.Date] = a
	}
	return out, rows.Err()
}

// rules reads the rules at path between two dates.
func (c *Calendar) rules(ctx context.Context, path string, from, to time.Time) (rules, error) {
	owners, err := c.owners(ctx, path, false, from.Format(DateLayout), to.Format(DateLayout))
	if err != nil {
		return nil, err
	}
	return merge(owners, path), nil
}

// ParseDate reads a YYYY-MM-DD date in China Standard Time.
func ParseDate(s string) (time.Time, error) {
	t, err := time.ParseInLocation(DateLayout, s, db.Zone)
	if err != nil {
		return time.Time{}, zwfw.Errorf(zwfw.EINVALID, "日期“%s”格式不正确，应为 YYYY-MM-DD", s)
	}
	return t, nil
}

// Date truncates t to its calendar day in China Standard Time.
func Date(t time.Time) time.Time {
	y, m, d := t.In(db.Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, db.Zone)
}

// maxSpan bounds how far AddWorkdays looks: a year and a half of calendar
// days is more than any legal time limit needs.
const maxSpan = 550

// AddWorkdays returns the date n working days after from, at path (a
// case's organisation). Counting starts the day after from (the acceptance
// day does not count); n = 0 is from itself (same-day, 即办).
func (c *Calendar) AddWorkdays(ctx context.Context, path string, from time.Time, n int) (time.Time, error) {
	from = Date(from)
	if n < 0 || n > 365 {
		return time.Time{}, zwfw.Errorf(zwfw.EINVALID, "工作日数应为 0–365")
	}
	r, err := c.rules(ctx, path, from, from.AddDate(0, 0, maxSpan))
	if err != nil {
		return time.Time{}, err
	}
	return r.add(from, n), nil
}

func (r rules) add(from time.Time, n int) time.Time {
	d := from
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if r.day(d).Workday {
			n--
		}
	}
	return d
}

// WorkdaysBetween counts the working days at path after from up to and
// including to (0 when to is not after from): how many working days of a
// limit have been used, or — negated — how many remain.
func (c *Calendar) WorkdaysBetween(ctx context.Context, path string, from, to time.Time) (int, error) {
	from, to = Date(from), Date(to)
	sign := 1
	if to.Before(from) {
		from, to, sign = to, from, -1
	}
	if to.Sub(from) > maxSpan*24*time.Hour*3 {
		return 0, zwfw.Errorf(zwfw.EINVALID, "日期范围过大")
	}
	r, err := c.rules(ctx, path, from, to)
	if err != nil {
		return 0, err
	}
	n := 0
	for d := from.AddDate(0, 0, 1); !d.After(to); d = d.AddDate(0, 0, 1) {
		if r.day(d).Workday {
			n++
		}
	}
	return sign * n, nil
}

// IsWorkday reports whether t's date is a working day at path.
func (c *Calendar) IsWorkday(ctx context.Context, path string, t time.Time) (bool, error) {
	t = Date(t)
	r, err := c.rules(ctx, path, t, t)
	if err != nil {
		return false, err
	}
	return r.day(t).Workday, nil
}

// Month lists the days of a month at path.
func (c *Calendar) Month(ctx context.Context, path string, year int, month time.Month) ([]Day, error) {
	first := time.Date(year, month, 1, 0, 0, 0, 0, db.Zone)
	last := first.AddDate(0, 1, -1)
	r, err := c.rules(ctx, path, first, last)
	if err != nil {
		return nil, err
	}
	var out []Day
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		out = append(out, r.day(d))
	}
	return out, nil
}
