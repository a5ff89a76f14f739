package supervision

import (
	"math/rand/v2"
	"testing"
	"time"

	"zwfw/internal/calendar"
	"zwfw/internal/casework/rollup"
	"zwfw/internal/db"
)

// Every period, however it is cut, is covered by buckets that count each of
// its days exactly once and no day outside it; the trend's cover uses no
// year bucket (its months would be lost); and the cover of a period of one
// to two years from an arbitrary day is cheaper than the sum of added
// buckets alone (the reason for subtracting).
func TestSegmentsCoverEveryPeriodOnce(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 5))
	first := time.Date(2023, 1, 1, 0, 0, 0, 0, db.Zone)
	var signed, plain int
	for i := range 3000 {
		from := first.AddDate(0, 0, r.IntN(4*365))
		n := 1 + r.IntN(800)
		if i%2 == 0 {
			n = 365 + r.IntN(366)
		}
		to := from.AddDate(0, 0, n-1)
		for _, tc := range []struct {
			coarsest string
			w        weights
		}{{rollup.Year, allWeights}, {rollup.Month, statusWeights}, {rollup.Day, statusWeights}} {
			sgs := segments(from, to, tc.coarsest, tc.w)
			count := map[string]int{}
			for _, sg := range sgs {
				if tc.coarsest != rollup.Year && sg.grain == rollup.Year || tc.coarsest == rollup.Day && sg.grain != rollup.Day {
					t.Fatalf("%s … %s, no coarser than %s: %+v", day(from), day(to), tc.coarsest, sg)
				}
				for p := sg.lo; p <= sg.hi; p = next(sg.grain, p) {
					for d := range days(sg.grain, p) {
						if sg.neg {
							count[d]--
						} else {
							count[d]++
						}
					}
				}
			}
			for d := from.AddDate(0, 0, -400); !d.After(to.AddDate(0, 0, 400)); d = d.AddDate(0, 0, 1) {
				want := 0
				if !d.Before(from) && !d.After(to) {
					want = 1
				}
				if count[day(d)] != want {
					t.Fatalf("%s … %s (%s): %s counted %d times: %+v", day(from), day(to), tc.coarsest, day(d), count[day(d)], sgs)
				}
			}
		}
		if n >= 365 && n <= 730 {
			c, _ := cover(from, to, 0, allWeights, true)
			p, _ := cover(from, to, 0, allWeights, false)
			signed, plain = signed+c, plain+p
		}
	}
	if signed*10 > plain*8 {
		t.Errorf("periods of one to two years: %d rows with subtraction, %d without", signed, plain)
	}
}

// days lists the days of a bucket.
func days(grain, p string) map[string]bool {
	var lo time.Time
	switch grain {
	case rollup.Year:
		lo, _ = time.ParseInLocation("2006", p, db.Zone)
	case rollup.Month:
		lo, _ = time.ParseInLocation("2006-01", p, db.Zone)
	default:
		lo, _ = time.ParseInLocation(calendar.DateLayout, p, db.Zone)
	}
	out := map[string]bool{}
	for d := lo; rollup.Period(grain, day(d)) == p; d = d.AddDate(0, 0, 1) {
		out[day(d)] = true
	}
	return out
}
