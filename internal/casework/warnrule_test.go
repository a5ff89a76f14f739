package casework_test

import (
	"testing"

	"zwfw/internal/casework"
)

// TestWarnRule: the default yellow card is at most 2 working days, or a
// fifth of the limit, left; a configured rule moves both bounds; Yellow
// and YellowDays agree.
func TestWarnRule(t *testing.T) {
	def := casework.DefaultWarnRule
	for limit := 0; limit <= 400; limit++ {
		if got, want := def.YellowDays(limit), max(2, limit/5); got != want {
			t.Fatalf("default YellowDays(%d) = %d, want %d", limit, got, want)
		}
	}
	for _, tc := range []struct {
		rule             casework.WarnRule
		remaining, limit int
		yellow           bool
	}{
		{def, 2, 20, true}, {def, 4, 20, true}, {def, 5, 20, false},
		{def, 2, 0, true}, {def, 3, 0, false},
		{casework.WarnRule{Days: 3, Share: 0.5}, 3, 4, true},
		{casework.WarnRule{Days: 3, Share: 0.5}, 10, 20, true}, // half the time gone
		{casework.WarnRule{Days: 3, Share: 0.5}, 11, 20, false},
		{casework.WarnRule{Days: 1, Share: 0.9}, 2, 15, false}, // 15·0.1 = 1 day left at most
		{casework.WarnRule{Days: 1, Share: 0.9}, 2, 20, true},
	} {
		if got := tc.rule.Yellow(tc.remaining, tc.limit); got != tc.yellow {
			t.Errorf("%+v Yellow(%d of %d) = %v, want %v", tc.rule, tc.remaining, tc.limit, got, tc.yellow)
		}
	}
}
