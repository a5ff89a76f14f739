package catalog_test

import (
	"testing"

	"zwfw/internal/catalog"
)

// TestResultNumber: a 食品经营许可证 number is JY and 14 digits — 主体业态,
// the county's 6-digit division code, a 6-digit sequence and a check digit
// (Luhn, unconfirmed: 2610923000017 → 5); a bad rule is refused.
func TestResultNumber(t *testing.T) {
	got, err := catalog.ResultNumber("JY2{division}{seq:6}{check}", "610923", 17)
	if err != nil || got != "JY26109230000175" {
		t.Fatalf("JY number = %q, %v", got, err)
	}
	if len(got) != 16 || got[:2] != "JY" {
		t.Fatalf("not JY + 14 digits: %q", got)
	}
	if _, err := catalog.ResultNumber("JY{seq:2}", "610923", 100); err == nil {
		t.Error("a sequence past its digits")
	}
	for _, bad := range []string{"JY{division}", "jy{seq:6}", "JY{year}{seq:6}", "JY{seq:0}", "宁{seq:3}"} {
		if err := catalog.CheckResultNumber(bad); err == nil {
			t.Errorf("rule %q accepted", bad)
		}
	}
}
