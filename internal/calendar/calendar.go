// Package calendar counts working days (工作日) on China's statutory holiday
// calendar: the State Council's holidays and make-up working days (调休)
// come from github.com/6tail/lunar-go's HolidayUtil, and administrators add
// local adjustments (a county's own closure, a corrected day) on top.
// Deadlines count from the day after acceptance (行政许可法; STANDARDS.md).
package calendar

import (
	"context"
	"fmt"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
)

// DateLayout is how dates are written everywhere in zwfw.
const DateLayout = "2006-01-02"

// Day kinds of a local adjustment.
const (
	Holiday = "holiday" // 放假
	Workday = "workday" // 上班 (调休)
)

// Adjustment is a local change to the national calendar.
type Adjustment struct {
	Date string `json:"date"`
	Kind string `json:"kind"`
	Note string `json:"note"`
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

// rules is the national calendar plus the local adjustments of a range.
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

func (c *Calendar) rules(ctx context.Context, from, to time.Time) (rules, error) {
	rows, err := c.db.Query(ctx, "SELECT day, kind, note FROM calendar_days WHERE day >= ? AND day <= ?",
		from.Format(DateLayout), to.Format(DateLayout))
	if err != nil {
		return nil, fmt.Errorf("calendar: adjustments: %w", err)
	}
	defer rows.Close()
	r := rules{}
	for rows.Next() {
		var a Adjustment
		if err := rows.Scan(&a.Date, &a.Kind, &a.Note); err != nil {
			return nil, err
		}
		r[a.Date] = a
	}
	return r, rows.Err()
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

// AddWorkdays returns the date n working days after from. Counting starts the
// day after from (the acceptance day does not count); n = 0 is from itself
// (same-day, 即办).
func (c *Calendar) AddWorkdays(ctx context.Context, from time.Time, n int) (time.Time, error) {
	from = Date(from)
	if n < 0 || n > 365 {
		return time.Time{}, zwfw.Errorf(zwfw.EINVALID, "工作日数应为 0–365")
	}
	r, err := c.rules(ctx, from, from.AddDate(0, 0, maxSpan))
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

// WorkdaysBetween counts the working days after from up to and including to
// (0 when to is not after from): how many working days of a limit have been
// used, or — negated — how many remain.
func (c *Calendar) WorkdaysBetween(ctx context.Context, from, to time.Time) (int, error) {
	from, to = Date(from), Date(to)
	sign := 1
	if to.Before(from) {
		from, to, sign = to, from, -1
	}
	if to.Sub(from) > maxSpan*24*time.Hour*3 {
		return 0, zwfw.Errorf(zwfw.EINVALID, "日期范围过大")
	}
	r, err := c.rules(ctx, from, to)
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

// IsWorkday reports whether t's date is a working day.
func (c *Calendar) IsWorkday(ctx context.Context, t time.Time) (bool, error) {
	t = Date(t)
	r, err := c.rules(ctx, t, t)
	if err != nil {
		return false, err
	}
	return r.day(t).Workday, nil
}

// Month lists the days of a month, for the administration page.
func (c *Calendar) Month(ctx context.Context, year int, month time.Month) ([]Day, error) {
	first := time.Date(year, month, 1, 0, 0, 0, 0, db.Zone)
	last := first.AddDate(0, 1, -1)
	r, err := c.rules(ctx, first, last)
	if err != nil {
		return nil, err
	}
	var out []Day
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		out = append(out, r.day(d))
	}
	return out, nil
}

// Adjust records a local adjustment (administrators only); an empty kind
// removes the adjustment of that date.
func (c *Calendar) Adjust(ctx context.Context, actor *zwfw.Actor, a Adjustment) error {
	if !actor.Has(zwfw.RoleAdmin) && actor.Kind != zwfw.KindSystem {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有系统管理员可以调整工作日历")
	}
	if _, err := ParseDate(a.Date); err != nil {
		return err
	}
	if a.Kind != "" && a.Kind != Holiday && a.Kind != Workday {
		return zwfw.Errorf(zwfw.EINVALID, "调整类型应为 holiday（放假）或 workday（上班）")
	}
	if a.Kind != "" && (len([]rune(a.Note)) < 2 || len([]rune(a.Note)) > 100) {
		return zwfw.Errorf(zwfw.EINVALID, "请写明调整原因（2–100 字）")
	}
	now := c.now()
	return c.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM calendar_days WHERE day = ?", a.Date); err != nil {
			return err
		}
		if a.Kind != "" {
			if _, err := tx.Exec(ctx, "INSERT INTO calendar_days (day, kind, note, actor_id, created_at) VALUES (?, ?, ?, ?, ?)",
				a.Date, a.Kind, a.Note, nullID(actor.UserID), db.Millis(now)); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, actor, "calendar.adjust", "day:"+a.Date, a)
	})
}

// Adjustments lists the local adjustments of a year.
func (c *Calendar) Adjustments(ctx context.Context, year int) ([]Adjustment, error) {
	rows, err := c.db.Query(ctx, "SELECT day, kind, note FROM calendar_days WHERE day LIKE ? ORDER BY day", fmt.Sprintf("%04d-%%", year))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Adjustment
	for rows.Next() {
		var a Adjustment
		if err := rows.Scan(&a.Date, &a.Kind, &a.Note); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Span answers many working-day questions over one range with one query
// (a list of cases, each with its remaining days; the warning scan over
// every running case). Within the range, counts come from a running total
// of working days, so each question costs the same however far apart its
// dates are.
type Span struct {
	r   rules
	lo  time.Time
	cum []int // cum[i]: working days in (lo, lo+i]
}

// Span loads the calendar between from and to.
func (c *Calendar) Span(ctx context.Context, from, to time.Time) (*Span, error) {
	from, to = Date(from), Date(to)
	r, err := c.rules(ctx, from, to)
	if err != nil {
		return nil, err
	}
	s := &Span{r: r, lo: from}
	if days := dayIndex(from, to); days >= 0 && days <= maxSpan*4 {
		s.cum = make([]int, days+1)
		d := from
		for i := 1; i <= days; i++ {
			d = d.AddDate(0, 0, 1)
			s.cum[i] = s.cum[i-1]
			if r.day(d).Workday {
				s.cum[i]++
			}
		}
	}
	return s, nil
}

// dayIndex is the number of calendar days from a to b (both dates in Zone).
func dayIndex(a, b time.Time) int {
	ya, ma, da := a.Date()
	yb, mb, db_ := b.Date()
	ua := time.Date(ya, ma, da, 0, 0, 0, 0, time.UTC)
	ub := time.Date(yb, mb, db_, 0, 0, 0, 0, time.UTC)
	return int(ub.Sub(ua).Hours() / 24)
}

// Between counts working days after a up to and including b (negative when
// b is before a). Days outside the loaded range count by the national
// calendar alone.
func (s *Span) Between(a, b time.Time) int {
	a, b = Date(a), Date(b)
	sign := 1
	if b.Before(a) {
		a, b, sign = b, a, -1
	}
	if ia, ib := dayIndex(s.lo, a), dayIndex(s.lo, b); ia >= 0 && ib < len(s.cum) {
		return sign * (s.cum[ib] - s.cum[ia])
	}
	n := 0
	for d := a.AddDate(0, 0, 1); !d.After(b); d = d.AddDate(0, 0, 1) {
		if s.r.day(d).Workday {
			n++
		}
	}
	return sign * n
}

// Add returns the date n working days after from, as AddWorkdays does.
func (s *Span) Add(from time.Time, n int) time.Time {
	from = Date(from)
	if i := dayIndex(s.lo, from); i >= 0 && i < len(s.cum) {
		want := s.cum[i] + n
		for j := i; j < len(s.cum); j++ {
			if s.cum[j] >= want {
				return s.lo.AddDate(0, 0, j)
			}
		}
	}
	return s.r.add(from, n)
}
