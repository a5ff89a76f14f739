// Package testclock is the clock the tests stand on. Time is injected
// everywhere in zwfw (deadlines, warnings, reports take a clock), so no test
// needs the machine's date: a test that does not pin a date of its own
// stands on Today, a fixed ordinary weekday, and CI runs the suite again
// with ZWFW_TEST_TODAY set to a Saturday and to the eve of a long holiday,
// so that a submission never fails for the day it is made.
//
// This package is the one place that reads ZWFW_TEST_TODAY.
package testclock

import (
	"fmt"
	"os"
	"sync"
	"time"

	"zwfw/internal/db"
)

// Env names the variable that moves the tests' today: ZWFW_TEST_TODAY=2026-12-05.
const Env = "ZWFW_TEST_TODAY"

// DefaultDay is today for the tests when Env is not set: an ordinary
// Thursday, weeks away from any holiday.
const DefaultDay = "2026-11-26"

// startOfDay is the time of day a clock starts at: the morning, after the
// 08:00 the scheduled reports wait for and before any day's end.
const startOfDay = 9*time.Hour + 30*time.Minute

var (
	todayOnce sync.Once
	today     time.Time
)

// Today is the date the tests stand on (midnight, China Standard Time):
// Env's value, or DefaultDay. A malformed value stops the run: a rerun that
// meant to test a Saturday must not silently test the default.
func Today() time.Time {
	todayOnce.Do(func() {
		s := os.Getenv(Env)
		if s == "" {
			s = DefaultDay
		}
		t, err := time.ParseInLocation("2006-01-02", s, db.Zone)
		if err != nil {
			panic(fmt.Sprintf("testclock: %s=%q is not a date (YYYY-MM-DD)", Env, s))
		}
		today = t
	})
	return today
}

// Day is 09:30 on the date s (YYYY-MM-DD, China Standard Time); it panics
// on a malformed date, which is a mistake in the test.
func Day(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02", s, db.Zone)
	if err != nil {
		panic(fmt.Sprintf("testclock: %q is not a date (YYYY-MM-DD)", s))
	}
	return t.Add(startOfDay)
}

// Clock is a settable clock. A still clock shows the time it was set to
// until it is moved; a running one advances with the machine's clock from
// there, so that rows written one after another keep their order.
type Clock struct {
	mu      sync.Mutex
	t       time.Time // shown at set
	set     time.Time // the machine's time when t was set
	running bool
}

// New is a still clock at 09:30 on Today.
func New() *Clock { return At(Today().Add(startOfDay)) }

// At is a still clock at t.
func At(t time.Time) *Clock { return &Clock{t: t} }

// Running is a clock that starts at 09:30 on Today and runs: the clock of a
// whole test instance.
func Running() *Clock { return RunningAt(Today().Add(startOfDay)) }

// RunningAt is a running clock that starts at t.
func RunningAt(t time.Time) *Clock { return &Clock{t: t, set: time.Now(), running: true} }

// Now is the clock's time; pass it (c.Now) wherever a clock is injected.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		return c.t.Add(time.Since(c.set))
	}
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t, c.set = t, time.Now()
	c.mu.Unlock()
}

// SetDay moves the clock to 09:30 on the date s (YYYY-MM-DD).
func (c *Clock) SetDay(s string) { c.Set(Day(s)) }

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

// Date is the clock's date (midnight, China Standard Time).
func (c *Clock) Date() time.Time {
	y, m, d := c.Now().In(db.Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, db.Zone)
}
