package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
)

// TestOrgSMSPage: the county's administrator sees that the county has no
// gateway (the log), sets the HTTPS gateway naming its key's variable, is
// refused a key pasted in place of the name beside the field, and sends a
// test message; a town's administrator cannot open the county's page.
func TestOrgSMSPage(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	admin := login(t, e, "county.admin", demoPass)
	p := admin.get("/admin/orgs/610923/sms")
	if p.Status != 200 {
		t.Fatalf("page = %d", p.Status)
	}
	mustContain(t, "sms", p.Body, "短信网关", "写入服务器日志", "ZWFW_SMS_", "发送测试短信")
	in := url.Values{"kind": {"http"}, "url": {"https://sms.example.cn/send"}, "app_id": {"ningshan"}, "sign_name": {"宁陕县政务服务"},
		"code_template": {"SMS_001"}, "notice_template": {"SMS_002"}, "secret_env": {"s3cr3t-key-pasted"}}
	if p := admin.post("/admin/orgs/610923/sms", in, true); p.Status != 422 || !strings.Contains(p.Body, `id="f-secret_env-err"`) {
		t.Fatalf("a key in place of its variable = %d", p.Status)
	}
	in.Set("secret_env", "ZWFW_SMS_NINGSHAN")
	if p := admin.post("/admin/orgs/610923/sms", in, true); p.Status != 303 {
		t.Fatalf("save = %d %s", p.Status, p.Body)
	}
	_, set, own, _, err := e.App.Orgs.SMSSettings(context.Background(), actorOf(t, e, "county.admin"), "610923")
	if err != nil || !own || set.SecretEnv != "ZWFW_SMS_NINGSHAN" || set.URL != "https://sms.example.cn/send" {
		t.Fatalf("saved: %+v %v", set, err)
	}
	// The centre inherits the county's.
	mustContain(t, "centre", admin.get("/admin/orgs/610923C/sms").Body, "现使用上级机构")
	if p := admin.post("/admin/orgs/610923C/sms/test", url.Values{"phone": {"123"}}, true); p.Status != 422 || !strings.Contains(p.Body, `id="f-phone-err"`) {
		t.Fatalf("a bad test number = %d", p.Status)
	}
	if p := login(t, e, "chengguan.admin", demoPass).get("/admin/orgs/610923/sms"); p.Status != 403 {
		t.Errorf("a town's administrator = %d", p.Status)
	}
}
