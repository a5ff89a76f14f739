package e2e_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"zwfw/internal/app/apptest"
	"zwfw/internal/org"
)

// TestSMSGatewayPage: the county's administrator opens 短信网关设置 of a
// centre that inherits the county's gateway, and of the county itself.
func TestSMSGatewayPage(t *testing.T) {
	ctx := browser(t)
	e := apptest.Start(t, "sqlite")
	set := org.SMSSettings{Kind: org.SMSHTTP, URL: "https://sms.example.cn/send", AppID: "ningshan", SignName: "宁陕县政务服务",
		CodeTemplate: "SMS_1001", NoticeTemplate: "SMS_1002", SecretEnv: "ZWFW_SMS_NINGSHAN"}
	if _, err := e.App.Orgs.SetSMSSettings(context.Background(), e.Actor(t, "county.admin"), "610923", set); err != nil {
		t.Fatal(err)
	}
	signIn(t, ctx, e.URL, "county.admin", apptest.DemoPassword)
	do(t, ctx, "county", chromedp.Navigate(e.URL+"/admin/orgs/610923/sms"), chromedp.WaitVisible(chromedp.CSS(`#f-phone`)))
	mustContain(t, ctx, "county", "本机构使用自己的短信网关设置", "发送测试短信")
	shot(t, ctx, "sms-gateway-county")
	do(t, ctx, "centre", chromedp.Navigate(e.URL+"/admin/orgs/610923C/sms"), chromedp.WaitVisible(chromedp.CSS(`#f-phone`)))
	mustContain(t, ctx, "centre", "现使用上级机构")
	shot(t, ctx, "sms-gateway-centre")
}
