package api_test

import (
	"testing"

	"zwfw/internal/app/apptest"
)

// TestSMSSettingsAPI: an organisation's SMS gateway through the API: a
// town without its own reads that it inherits the county's; a key pasted
// in place of its variable's name is refused on that field and stored
// nowhere; a window clerk neither reads nor sets it.
func TestSMSSettingsAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		county := demo(t, e, "county.admin")
		window := demo(t, e, "county.window")
		gw := map[string]string{"kind": "http", "url": "https://sms.example.cn/send", "app_id": "ningshan", "sign_name": "宁陕县政务服务",
			"code_template": "SMS_1", "notice_template": "SMS_2", "secret_env": "ZWFW_SMS_NINGSHAN"}
		if r := county.put("/orgs/610923/sms-settings", gw); r.Status != 200 {
			t.Fatalf("PUT = %d %s", r.Status, r.Body)
		}
		var v struct {
			Kind          string `json:"kind"`
			Own           bool   `json:"own"`
			InheritedFrom string `json:"inherited_from"`
		}
		r := county.get("/orgs/610923100/sms-settings")
		if r.Status != 200 {
			t.Fatalf("GET = %d %s", r.Status, r.Body)
		}
		r.decode(&v)
		if v.Own || v.InheritedFrom != "610923" || v.Kind != "http" {
			t.Fatalf("the town's view %+v: want the county's, inherited", v)
		}
		gw["secret_env"] = "pasted-secret-value"
		if bad := county.put("/orgs/610923100/sms-settings", gw).apiErr(422, "invalid"); !bad.hasDetail("secret_env", "") {
			t.Errorf("the refusal does not name secret_env: %+v", bad.Details)
		}
		if r := window.get("/orgs/610923/sms-settings"); r.Status != 403 {
			t.Errorf("a window clerk reads the gateway: %d", r.Status)
		}
		if r := window.put("/orgs/610923/sms-settings", map[string]string{"kind": "log"}); r.Status != 403 {
			t.Errorf("a window clerk sets the gateway: %d", r.Status)
		}
	})
}
