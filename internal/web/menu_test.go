package web_test

import (
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
)

// The staff menu offers 投诉建议 to those the complaints register lets
// read its list (complaint.MayList) and not to a cashier, who would be
// refused.
func TestMenuAsksTheDomain(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	for who, want := range map[string]bool{"county.cashier": false, "county.window": true, "county.supervisor": true} {
		body := login(t, e, who, apptest.DemoPassword).get("/work").Body
		if got := strings.Contains(body, `href="/work/complaints"`); got != want {
			t.Errorf("%s: 投诉建议 in the menu %v, want %v", who, got, want)
		}
		if want {
			if p := login(t, e, who, apptest.DemoPassword).get("/work/complaints"); p.Status != 200 {
				t.Errorf("%s: the menu's page answers %d", who, p.Status)
			}
		} else if p := login(t, e, who, apptest.DemoPassword).get("/work/complaints"); p.Status != 403 {
			t.Errorf("%s: /work/complaints answers %d, want 403 (so it is rightly left out)", who, p.Status)
		}
	}
}
