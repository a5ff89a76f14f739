package casework

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	"zwfw/internal/calendar"
	"zwfw/internal/db"
	"zwfw/internal/scope"
)

// The deadline rule (限时办结), decided here once: how many working days a
// running case has left, and what colour that is. The workbench, 我的办件,
// the case JSON, the warning job, the dashboard's 预警在办 count and the
// daily check (日检查) all ask here, so a case is yellow on all of them or
// on none.

// Levels of a running case against its deadline.
const (
	DueOK     = "ok"     // time enough
	DueYellow = "yellow" // 黄牌预警: few working days left, or most of the limit gone
	DueRed    = "red"    // 红牌: the deadline has passed
	DuePaused = "paused" // a special procedure (特别程序) stops the clock
)

// Due is where a running case stands against its deadline.
type Due struct {
	Deadline    string `json:"deadline"`
	Remaining   int    `json:"remaining_workdays"` // working days after today up to the deadline; negative: overdue by so many
	Overdue     bool   `json:"overdue"`            // the deadline has passed
	Limit       int    `json:"limit_workdays"`     // the working days allowed: promised plus extended
	Level       string `json:"level"`              // ok, yellow, red or paused
	Provisional bool   `json:"provisional"`        // counted on days beyond the known holiday calendar (暂定)
}

// WarnRule is when a running case gets its yellow card (黄牌预警): at most
// Days working days remain, or Share of its time limit has passed
// (STANDARDS.md, warnings; ZWFW_WARN_DAYS and ZWFW_WARN_SHARE).
type WarnRule struct {
	Days  int
	Share float64
}

// DefaultWarnRule: 2 working days, or 80 % of the limit gone.
var DefaultWarnRule = WarnRule{Days: 2, Share: 0.8}

// leftPerMille is the share of a limit that may be left, in thousandths,
// so that Go and SQL compute the same whole number of days.
func (r WarnRule) leftPerMille() int { return int(math.Round((1 - r.Share) * 1000)) }

// YellowDays is the most working days a case with a time limit of limit
// working days may have left and be yellow.
func (r WarnRule) YellowDays(limit int) int {
	return max(r.Days, limit*r.leftPerMille()/1000)
}

// Yellow reports whether a case with remaining of limit working days left
// (and not overdue) is yellow. A same-day limit (即办件, 0) is yellow on its
// day: Days is at least 0.
func (r WarnRule) Yellow(remaining, limit int) bool { return remaining <= r.YellowDays(limit) }

// SetWarnRule sets the yellow-card rule (the configuration's).
func (s *Service) SetWarnRule(r WarnRule) {
	s.warnMu.Lock()
	defer s.warnMu.Unlock()
	s.rule, s.warn = r, nil
}

// WarnRule is the yellow-card rule in force.
func (s *Service) WarnRule() WarnRule {
	s.warnMu.Lock()
	defer s.warnMu.Unlock()
	return s.rule
}

// Running reports whether a case's clock runs: open and not stopped by a
// special procedure.
func Running(status string) bool { return Open(status) && status != Suspended }

// Deadlines answers deadline questions as of one day over one read of the
// working calendar: a list of cases, the warning scan over every running
// case, a daily check. The questions name the case's organisation, whose
// working calendar counts.
type Deadlines struct {
	today time.Time
	rule  WarnRule
	span  *calendar.Span
}

// NewDeadlines reads the working calendar between lo and hi (widened to
// take in today) for questions asked on today under rule.
func NewDeadlines(ctx context.Context, cal *calendar.Calendar, rule WarnRule, today, lo, hi time.Time) (*Deadlines, error) {
	today = calendar.Date(today)
	if lo.IsZero() || today.Before(lo) {
		lo = today
	}
	if hi.IsZero() || today.After(hi) {
		hi = today
	}
	span, err := cal.Span(ctx, lo, hi)
	if err != nil {
		return nil, err
	}
	return &Deadlines{today: today, rule: rule, span: span}, nil
}

// Deadlines reads the working calendar between lo and hi for questions
// asked today, under the configured rule.
func (s *Service) Deadlines(ctx context.Context, lo, hi time.Time) (*Deadlines, error) {
	return NewDeadlines(ctx, s.cal, s.WarnRule(), s.now(), lo, hi)
}

// Today is the day the questions are asked on.
func (d *Deadlines) Today() time.Time { return d.today }

// Remaining is the one count of the working days a case of the
// organisation at orgPath has left: those after today up to and including
// its deadline, negated when the deadline has passed (then it is how many
// working days late the case is). A deadline of today leaves 0.
func (d *Deadlines) Remaining(orgPath string, deadline time.Time) int {
	return d.Between(orgPath, d.today, deadline)
}

// Between counts the working days after a up to and including b (negative
// when b is before a) on the calendar of the organisation at orgPath.
func (d *Deadlines) Between(orgPath string, a, b time.Time) int {
	return d.span.Between(orgPath, a, b)
}

// Add is the date n working days after from on the calendar of the
// organisation at orgPath.
func (d *Deadlines) Add(orgPath string, from time.Time, n int) time.Time {
	return d.span.Add(orgPath, from, n)
}

// Level is the colour of a deadline: paused while a special procedure
// stops the clock, red once the deadline has passed, yellow when the rule
// says so for remaining of limit working days, ok otherwise; "" when the
// case does not run against a deadline.
func (d *Deadlines) Level(status string, deadline time.Time, remaining, limit int) string {
	switch {
	case !Open(status):
		return ""
	case status == Suspended:
		return DuePaused
	case deadline.Before(d.today):
		return DueRed
	case d.rule.Yellow(remaining, limit):
		return DueYellow
	}
	return DueOK
}

// Of is where a case of the organisation at orgPath, in status, with
// deadline (YYYY-MM-DD) and limit working days, stands; nil when it does
// not run against a deadline.
func (d *Deadlines) Of(orgPath, status, deadline string, limit int) *Due {
	if !Open(status) || deadline == "" {
		return nil
	}
	dl, err := calendar.ParseDate(deadline)
	if err != nil {
		return nil
	}
	n := d.Remaining(orgPath, dl)
	return &Due{Deadline: deadline, Remaining: n, Overdue: dl.Before(d.today), Limit: limit,
		Level:       d.Level(status, dl, n, limit),
		Provisional: !calendar.Known(dl) || !calendar.Known(d.today)}
}

// DueOf is where a case stands today (nil when it does not run against a
// deadline).
func (s *Service) DueOf(ctx context.Context, c *Case) (*Due, error) {
	if !Open(c.Status) || c.Deadline == "" {
		return nil, nil
	}
	dl, err := calendar.ParseDate(c.Deadline)
	if err != nil {
		return nil, nil
	}
	d, err := s.Deadlines(ctx, dl, dl)
	if err != nil {
		return nil, err
	}
	return d.Of(c.OrgPath, c.Status, c.Deadline, c.PromisedDays+c.ExtendedDays), nil
}

// remaining fills in where the open cases of a list stand, with one
// calendar read for the whole list.
func (s *Service) remaining(ctx context.Context, list []Summary) error {
	var lo, hi time.Time
	for _, c := range list {
		if c.Deadline == "" || !Open(c.Status) {
			continue
		}
		d, err := calendar.ParseDate(c.Deadline)
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
	if lo.IsZero() {
		return nil
	}
	dl, err := s.Deadlines(ctx, lo, hi)
	if err != nil {
		return err
	}
	for i := range list {
		c := &list[i]
		if c.Due = dl.Of(c.orgPath, c.Status, c.Deadline, c.limit); c.Due != nil {
			n := c.Due.Remaining
			c.Remaining, c.Overdue = &n, c.Due.Overdue
		}
	}
	return nil
}

// runningStatuses are the statuses whose clock runs (Running), for SQL.
const runningStatuses = "('accepted', 'in_progress', 'approved', 'awaiting_payment')"

// maxLimit bounds time limits (calendar.AddWorkdays accepts up to 365).
const maxLimit = 365

// warnCond is WarnedCond's result for a day.
type warnCond struct {
	day  time.Time
	at   time.Time
	cond string
	args []any
}

// WarnedCond is the SQL condition (on cases c) of a case that is yellow
// today: Level's DueYellow, in SQL, for the dashboard's count and its list.
func (s *Service) WarnedCond(ctx context.Context) (string, []any, error) {
	today := calendar.Date(s.now())
	s.warnMu.Lock()
	w, rule := s.warn, s.rule
	s.warnMu.Unlock()
	// The dates change with the day and, rarely, with the calendar: keep
	// them a minute.
	if w != nil && w.day.Equal(today) && time.Since(w.at) < time.Minute {
		return w.cond, w.args, nil
	}
	cond, args, err := WarnedOn(ctx, s.db.Reader(), s.cal, rule, today)
	if err != nil {
		return "", nil, err
	}
	s.warnMu.Lock()
	s.warn = &warnCond{day: today, at: time.Now(), cond: cond, args: args}
	s.warnMu.Unlock()
	return cond, args, nil
}

// WarnedOn is the SQL condition (on cases c) of a case that is yellow under
// rule on day: running, not overdue, with at most YellowDays of its limit
// left. "At most t working days left" is "due before the (t+1)-th working
// day after day", so the condition compares dates and the (status,
// deadline) index serves it. A case counts its days on its organisation's
// calendar (a county's adjustments apply to its cases only): one set of
// dates per calendar, the deepest owner of adjustments first, the national
// calendar last.
func WarnedOn(ctx context.Context, q db.Querier, cal *calendar.Calendar, rule WarnRule, day time.Time) (string, []any, error) {
	day = calendar.Date(day)
	// Thresholds only up to the longest limit of a running case: the bound
	// lets the index skip the cases far from theirs.
	var longest int
	if err := q.QueryRow(ctx, "SELECT COALESCE(MAX(promised_days + extended_days), 0) FROM cases WHERE status IN "+runningStatuses).Scan(&longest); err != nil {
		return "", nil, err
	}
	top := rule.YellowDays(min(longest, maxLimit))
	dl, err := NewDeadlines(ctx, cal, rule, day, day, day.AddDate(0, 0, 2*(top+1)+30))
	if err != nil {
		return "", nil, err
	}
	owners := dl.span.Owners()
	// The widest bound first, outside any CASE, for the index.
	last := day
	for _, p := range append(owners, "") {
		if d := dl.Add(p, day, top+1); d.After(last) {
			last = d
		}
	}
	var b strings.Builder
	args := []any{day.Format(calendar.DateLayout), last.Format(calendar.DateLayout)}
	b.WriteString("(c.status IN " + runningStatuses + " AND c.deadline <> '' AND c.deadline >= ? AND c.deadline < ? AND ")
	if len(owners) > 0 {
		b.WriteString("CASE")
		for _, p := range owners {
			under, uargs := scope.Subtree(p).Cond("c.org_path")
			cond, cargs := dl.warnedAt(p, top)
			b.WriteString(" WHEN " + under + " THEN " + cond)
			args = append(append(args, uargs...), cargs...)
		}
		b.WriteString(" ELSE ")
	}
	cond, cargs := dl.warnedAt("", top)
	b.WriteString(cond)
	args = append(args, cargs...)
	if len(owners) > 0 {
		b.WriteString(" END")
	}
	b.WriteString(")")
	return b.String(), args, nil
}

// warnedAt is "at most YellowDays of its limit left" for a case on the
// calendar at path, thresholds up to top.
func (d *Deadlines) warnedAt(path string, top int) (string, []any) {
	// before[t]: the (t+1)-th working day after today; a deadline before it
	// leaves at most t.
	before := make([]string, top+1)
	for t := range before {
		before[t] = d.Add(path, d.today, t+1).Format(calendar.DateLayout)
	}
	// A case's threshold is rule.YellowDays of its limit, in integers.
	left := "((c.promised_days + c.extended_days) * " + strconv.Itoa(d.rule.leftPerMille()) + ") / 1000"
	var b strings.Builder
	args := []any{d.rule.Days, before[d.rule.Days]}
	b.WriteString("c.deadline < CASE WHEN " + left + " <= ? THEN ?")
	for t := d.rule.Days + 1; t < len(before); t++ {
		b.WriteString(" WHEN " + left + " = ? THEN ?")
		args = append(args, t, before[t])
	}
	b.WriteString(" ELSE ? END")
	args = append(args, before[top])
	return b.String(), args
}

// OpenIn and RunningIn are the statuses of Open and Running as SQL lists,
// for conditions on a case's status.
const (
	OpenIn    = "('accepted', 'in_progress', 'suspended', 'approved', 'awaiting_payment')"
	RunningIn = runningStatuses
)
