package calendar_test

import (
	"testing"

	"github.com/6tail/lunar-go/HolidayUtil"

	"zwfw/internal/calendar"
	"zwfw/internal/testclock"
)

// The known calendar ends with the last year HolidayUtil has holidays for;
// the warning starts when deadlines set today (a quarter ahead) may reach
// past it.
func TestKnownThrough(t *testing.T) {
	end := calendar.KnownThrough()
	if end.Month() != 12 || end.Day() != 31 || HolidayUtil.GetHolidaysByYear(end.Year()).Len() == 0 || HolidayUtil.GetHolidaysByYear(end.Year()+1).Len() != 0 {
		t.Fatalf("known through %s", end)
	}
	last := end.Year()
	if !calendar.Known(end) || calendar.Known(end.AddDate(0, 0, 1)) {
		t.Fatalf("Known around %s", end)
	}
	for _, c := range []struct {
		day  string
		want int
	}{{"2026-11-26", 0}, {"2027-09-30", 0}, {"2027-10-01", last + 1}, {"2028-03-01", last + 1}} {
		if last != 2027 {
			t.Skipf("the holiday data now ends in %d: move the dates", last)
		}
		if got := calendar.UnknownAhead(testclock.Day(c.day)); got != c.want {
			t.Errorf("UnknownAhead(%s) = %d, want %d", c.day, got, c.want)
		}
	}
}
