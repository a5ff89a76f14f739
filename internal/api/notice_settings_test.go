package api_test

import (
	"testing"

	"zwfw/internal/app/apptest"
)

// TestNoticeSettingsAPI: an organisation's 机关代字, 复议机关, court and
// payment gateway through the API (issue 12 items 8 and 9): its
// administrators and those above read and set them, nobody else; a bad
// value is refused field by field and changes nothing.
func TestNoticeSettingsAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		county := demo(t, e, "county.admin")
		town := demo(t, e, "chengguan.admin")
		window := demo(t, e, "county.window")
		type view struct {
			Org      string            `json:"org"`
			Settings map[string]string `json:"settings"`
			Gateways map[string]string `json:"gateways"`
		}
		read := func(c *client, code string) view {
			t.Helper()
			r := c.get("/orgs/" + code + "/notice-settings")
			if r.Status != 200 {
				t.Fatalf("GET %s = %d: %s", code, r.Status, r.Body)
			}
			var v view
			r.decode(&v)
			return v
		}
		before := read(county, "610923100C")
		if before.Org != "610923100C" || before.Gateways["demo"] == "" {
			t.Fatalf("settings view %+v", before)
		}
		if r := window.get("/orgs/610923100C/notice-settings"); r.Status != 403 {
			t.Errorf("a window clerk reads the settings: %d", r.Status)
		}
		if r := town.put("/orgs/610923C/notice-settings", map[string]string{"abbrev": "宁政服"}); r.Status != 403 {
			t.Errorf("the town's administrator sets the county centre's: %d", r.Status)
		}
		bad := county.put("/orgs/610923100C/notice-settings", map[string]string{"abbrev": "NSC", "court": "某某", "pay_gateway": "cash"}).apiErr(422, "invalid")
		for _, f := range []string{"abbrev", "court", "pay_gateway"} {
			if !bad.hasDetail(f, "") {
				t.Errorf("the refusal does not name %s: %+v", f, bad.Details)
			}
		}
		if after := read(county, "610923100C"); after.Settings["abbrev"] != before.Settings["abbrev"] {
			t.Errorf("a refused change changed the 代字: %q", after.Settings["abbrev"])
		}
		r := town.put("/orgs/610923100C/notice-settings", map[string]string{"abbrev": "宁城便字", "court": "宁陕县人民法院", "pay_gateway": "demo"})
		if r.Status != 200 {
			t.Fatalf("the town's administrator sets its centre's: %d %s", r.Status, r.Body)
		}
		if got := read(town, "610923100C").Settings; got["abbrev"] != "宁城便" || got["pay_gateway"] != "demo" {
			t.Errorf("settings after the change: %v (the trailing 字 is the kind's)", got)
		}
	})
}
