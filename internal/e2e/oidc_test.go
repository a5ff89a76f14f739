package e2e_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/account/oidctest"
	"zwfw/internal/app/apptest"
	"zwfw/internal/org"
)

// TestUnifiedIdentityInBrowser: in Chromium, a resident clicks
// 使用统一身份认证登录, the real provider (mockoidc on loopback) signs them in
// and the platform links the account of the verified identity number; a
// county that requires a second factor of window staff sends its window
// clerk to enrol (QR code, secret), then asks for the code at the next
// sign-in. Screenshots of the login page with the button, the enrolment
// and the second step, at 1366 and 390 wide.
func TestUnifiedIdentityInBrowser(t *testing.T) {
	ctx := browser(t)
	e := apptest.Start(t, "sqlite")
	bg := context.Background()
	p := oidctest.Start(t, e.Clock.Now)
	e.App.Users.SetOIDC(account.OIDCConfig{Issuer: p.Issuer(), ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		RedirectURL: e.URL + "/login/oidc/callback"})
	if _, err := e.App.Users.RegisterTrusted(bg, account.RegisterInput{Username: "oidc.browser", Password: "Qinling@2026",
		Name: "何玉兰", Phone: "13991565678", IDNumber: "610923197805160036"}); err != nil {
		t.Fatal(err)
	}

	do(t, ctx, "login page", chromedp.Navigate(e.URL+"/login"), chromedp.WaitVisible(chromedp.CSS(`a[href^="/login/oidc"]`)))
	mustContain(t, ctx, "login page", "使用统一身份认证登录", "用户名")
	noOverflow(t, ctx, "login page", 1366)
	axeClean(t, ctx, "login with the unified identity")
	shot(t, ctx, "oidc-login-1366")
	do(t, ctx, "phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(e.URL+"/login"), chromedp.WaitVisible(chromedp.CSS(`a[href^="/login/oidc"]`)))
	noOverflow(t, ctx, "login page", 390)
	shot(t, ctx, "oidc-login-390")
	do(t, ctx, "desktop", chromedp.EmulateViewport(1366, 900))

	// The resident through the provider.
	p.Queue(&oidctest.Person{Subject: "sx-browser-1", Name: "何玉兰", IDNumber: "610923197805160036", Verified: true})
	do(t, ctx, "unified identity", chromedp.Click(chromedp.CSS(`a[href^="/login/oidc"]`)), chromedp.WaitVisible(chromedp.CSS(`h1`)))
	waitText(t, ctx, "何玉兰")
	if u, err := chromedp.Run(ctx, chromedp.Location()); err != nil || strings.Contains(u, "/login") {
		t.Fatalf("after the provider at %s (%v)", u, err)
	}
	do(t, ctx, "sign out", chromedp.Navigate(e.URL+"/account"), chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
	for i := 0; i < 50 && len(p.Ends()) == 0; i++ {
		time.Sleep(100 * time.Millisecond)
	}
	// The provider sends the browser back to the platform: the screenshot
	// waits for that page (taken mid-navigation it has no width).
	loc := ""
	for i := 0; i < 100; i++ {
		loc, _ = chromedp.Run(ctx, chromedp.Location())
		// The sign-out page itself (/logout, which sends the browser on
		// to the provider) is on the platform too: wait past it, or its
		// refresh aborts the next navigation (net::ERR_ABORTED).
		if ready, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState`)); err == nil && ready == "complete" &&
			strings.HasPrefix(loc, e.URL) && !strings.Contains(loc, "/logout") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("after sign-out at %s", loc)
	shot(t, ctx, "oidc-after-logout")
	if len(p.Ends()) != 1 || p.Ends()[0].Get("id_token_hint") == "" {
		t.Errorf("sign-out did not reach the provider: %v", p.Ends())
	}

	// The window clerk: enrol at sign-in, then the second step.
	if _, err := e.App.Orgs.SetSecuritySettings(bg, zwfw.System, "610923", org.SecuritySettings{TOTPRoles: []string{zwfw.RoleWindow}}); err != nil {
		t.Fatal(err)
	}
	signIn(t, ctx, e.URL, "county.window", apptest.DemoPassword)
	do(t, ctx, "enrol", chromedp.WaitVisible(chromedp.CSS(`img.totp-qr`)))
	mustContain(t, ctx, "enrol", "启用两步验证", "您所在机构要求您的角色使用两步验证", "密钥")
	secret, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.totp-secret`)))
	if err != nil {
		t.Fatal(err)
	}
	secret = strings.ReplaceAll(strings.TrimSpace(secret), " ", "")
	axeClean(t, ctx, "enrolment")
	shot(t, ctx, "totp-enrol-1366")
	do(t, ctx, "phone", chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`img.totp-qr`)))
	noOverflow(t, ctx, "enrolment", 390)
	shot(t, ctx, "totp-enrol-390")
	do(t, ctx, "desktop", chromedp.EmulateViewport(1366, 900))
	code, err := totp.GenerateCode(secret, e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "confirm", chromedp.SendKeys(chromedp.CSS(`#f-totp`), code), chromedp.Click(chromedp.CSS(`form[action="/login/totp/enrol"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.recovery-codes`)))
	mustContain(t, ctx, "codes", "两步验证已启用", "恢复码")
	axeClean(t, ctx, "recovery codes")
	shot(t, ctx, "totp-codes-1366")
	do(t, ctx, "continue", chromedp.Click(chromedp.CSS(`a.btn-primary`)), chromedp.WaitVisible(chromedp.CSS(`h1`)))
	do(t, ctx, "sign out", chromedp.Navigate(e.URL+"/account"), chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"] button`)),
		// Signed out when the page has no sign-out form: the account page's
		// own h1 would let the next navigation start while the sign-out's
		// is still in flight, and abort it (net::ERR_ABORTED).
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitNotPresent(chromedp.CSS(`form[action="/logout"]`)))

	e.Clock.Add(31e9)
	signIn(t, ctx, e.URL, "county.window", apptest.DemoPassword)
	do(t, ctx, "second step", chromedp.WaitVisible(chromedp.CSS(`form[action="/login/totp"]`)))
	mustContain(t, ctx, "second step", "两步验证", "动态验证码")
	axeClean(t, ctx, "second step")
	shot(t, ctx, "totp-step-1366")
	do(t, ctx, "phone", chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`form[action="/login/totp"]`)))
	noOverflow(t, ctx, "second step", 390)
	shot(t, ctx, "totp-step-390")
	do(t, ctx, "desktop", chromedp.EmulateViewport(1366, 900))
	code, _ = totp.GenerateCode(secret, e.Clock.Now())
	do(t, ctx, "code", chromedp.SendKeys(chromedp.CSS(`#f-totp`), code), chromedp.Click(chromedp.CSS(`form[action="/login/totp"] button[type="submit"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`form[action="/login/totp"]`)))
	waitText(t, ctx, "登录成功")
}

// axeClean runs axe-core on the page (the pages of a sign-in under way are
// not in axePages: they need the sign-in's cookie).
func axeClean(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	for _, v := range axeRun(t, ctx) {
		t.Errorf("%s: %s", page, v)
	}
}
