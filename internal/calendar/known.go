package calendar

import (
	"sync"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"

	"zwfw/internal/db"
)

// The national calendar is compiled in, and it ends: the State Council
// publishes each year's holidays and make-up working days late in the year
// before, and HolidayUtil knows the years up to its release. A day after
// the last known year counts as a plain weekday — Saturday and Sunday off,
// every other day working — which is wrong around every holiday. Nothing
// may treat that silently: deadlines reaching past the known calendar are
// provisional (暂定), and administrators are told when deadlines set now
// may reach there.

// Horizon is how far ahead deadlines set today may reach, for the warning
// to administrators: a quarter covers the usual limits (20 to 60 working
// days).
const Horizon = 92 * 24 * time.Hour

var (
	knownOnce sync.Once
	knownEnd  time.Time
)

// KnownThrough is the last day of the last year whose national holidays are
// compiled in (31 December of that year).
func KnownThrough() time.Time {
	knownOnce.Do(func() {
		// The data starts in 2001 and runs without a gap to its last year.
		y := 2001
		for HolidayUtil.GetHolidaysByYear(y+1).Len() > 0 {
			y++
		}
		knownEnd = time.Date(y, 12, 31, 0, 0, 0, 0, db.Zone)
	})
	return knownEnd
}

// Known reports whether t's date lies in a year of known national holidays.
func Known(t time.Time) bool { return !Date(t).After(KnownThrough()) }

// UnknownAhead is the first year without national holiday data that
// deadlines set at now may reach (within Horizon), or 0 when there is none.
func UnknownAhead(now time.Time) int {
	if Known(now.Add(Horizon)) {
		return 0
	}
	return KnownThrough().Year() + 1
}
