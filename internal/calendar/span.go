package calendar

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"
)

// Span answers many working-day questions over one range with one query
// (a list of cases, each with its remaining days; the warning scan over
// every running case). It holds every organisation's adjustments of the
// range, so that each question names its place (a case's organisation);
// within the range, counts come from a running total of working days per
// calendar, so each question costs the same however far apart its dates
// are. A Span may be used by several goroutines.
type Span struct {
	lo     time.Time
	days   int      // the range's length in days; running totals only up to maxSpan*4
	owners []*owned // shallow first

	mu   sync.Mutex
	cals map[string]*spanCal // by the owners that apply at a place
}

// spanCal is one calendar of a span: the rules at a place and their
// running total.
type spanCal struct {
	r   rules
	cum []int // cum[i]: working days in (lo, lo+i]
}

// Span loads the calendar of every organisation between from and to.
func (c *Calendar) Span(ctx context.Context, from, to time.Time) (*Span, error) {
	from, to = Date(from), Date(to)
	owners, err := c.owners(ctx, "", true, from.Format(DateLayout), to.Format(DateLayout))
	if err != nil {
		return nil, err
	}
	return &Span{lo: from, days: dayIndex(from, to), owners: owners, cals: map[string]*spanCal{}}, nil
}

// cal is the calendar at path.
func (s *Span) cal(path string) *spanCal {
	var key strings.Builder
	for _, o := range s.owners {
		if o.appliesAt(path) {
			key.WriteString(o.path)
			key.WriteByte(' ')
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.cals[key.String()]; ok {
		return c
	}
	c := &spanCal{r: merge(s.owners, path)}
	if s.days >= 0 && s.days <= maxSpan*4 {
		c.cum = make([]int, s.days+1)
		d := s.lo
		for i := 1; i <= s.days; i++ {
			d = d.AddDate(0, 0, 1)
			c.cum[i] = c.cum[i-1]
			if c.r.day(d).Workday {
				c.cum[i]++
			}
		}
	}
	s.cals[key.String()] = c
	return c
}

// Owners lists the paths of the organisations with adjustments in the span,
// deepest first: a query that must pick each row's calendar in SQL tests
// them in this order, and the national calendar (path "") after them.
func (s *Span) Owners() []string {
	out := make([]string, 0, len(s.owners))
	for _, o := range s.owners {
		out = append(out, o.path)
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// dayIndex is the number of calendar days from a to b (both dates in Zone).
func dayIndex(a, b time.Time) int {
	ya, ma, da := a.Date()
	yb, mb, db_ := b.Date()
	ua := time.Date(ya, ma, da, 0, 0, 0, 0, time.UTC)
	ub := time.Date(yb, mb, db_, 0, 0, 0, 0, time.UTC)
	return int(ub.Sub(ua).Hours() / 24)
}

// Between counts working days at path after a up to and including b
// (negative when b is before a). Days outside the loaded range count by the
// national calendar alone.
func (s *Span) Between(path string, a, b time.Time) int {
	c := s.cal(path)
	a, b = Date(a), Date(b)
	sign := 1
	if b.Before(a) {
		a, b, sign = b, a, -1
	}
	if ia, ib := dayIndex(s.lo, a), dayIndex(s.lo, b); ia >= 0 && ib < len(c.cum) {
		return sign * (c.cum[ib] - c.cum[ia])
	}
	n := 0
	for d := a.AddDate(0, 0, 1); !d.After(b); d = d.AddDate(0, 0, 1) {
		if c.r.day(d).Workday {
			n++
		}
	}
	return sign * n
}

// Add returns the date n working days after from at path, as AddWorkdays
// does.
func (s *Span) Add(path string, from time.Time, n int) time.Time {
	c := s.cal(path)
	from = Date(from)
	if i := dayIndex(s.lo, from); i >= 0 && i < len(c.cum) {
		want := c.cum[i] + n
		for j := i; j < len(c.cum); j++ {
			if c.cum[j] >= want {
				return s.lo.AddDate(0, 0, j)
			}
		}
	}
	return c.r.add(from, n)
}
