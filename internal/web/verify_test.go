package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"zwfw/internal/account"
	"zwfw/internal/app/apptest"
)

// TestRegisterWithSMSCode (on both databases): the registration form verifies the phone by an
// SMS code (sent by the form itself when scripts are off), asks for consent
// to the privacy notice, and lands the new applicant on 我的办件 signed in.
func TestRegisterWithSMSCode(t *testing.T) {
	apptest.Each(t, testRegisterWithSMSCode)
}

func testRegisterWithSMSCode(t *testing.T, e *apptest.Env) {
	c := newClient(t, e)
	mustContain(t, "register page", c.get("/register").Body, "获取验证码", `name="sms_code"`, `autocomplete="one-time-code"`,
		"《个人信息保护告知》", `value="`+account.PrivacyVersion+`"`, "register.js")

	form := url.Values{"type": {"person"}, "username": {"li.si"}, "password": {"Ningshan@2026"}, "password2": {"Ningshan@2026"},
		"name": {"李四"}, "phone": {"13991560042"}, "id_number": {fixCheck("61092319880808123")}}
	// 获取验证码 without scripts: the form comes back as it was, but for
	// the passwords; the code reaches the phone and nothing else.
	p := c.post("/register/code", cloneValues(form), true)
	if p.Status != http.StatusOK {
		t.Fatalf("send code = %d\n%s", p.Status, p.Body)
	}
	code := e.SMS.Code("13991560042")
	mustContain(t, "code sent", p.Body, "验证码已发送到 139****0042", `value="li.si"`, `value="李四"`)
	if len(code) != 6 || strings.Contains(p.Body, code) || strings.Contains(p.Body, "Ningshan@2026") {
		t.Fatalf("code %q or password in the page", code)
	}

	// Everything missing is told at once: the code and the consent too.
	p = c.post("/register", cloneValues(form), true)
	mustContain(t, "no code, no consent", p.Body, `id="f-sms_code-err"`, `id="f-privacy-err"`, "请填写发送到您手机的 6 位短信验证码")
	form.Set("privacy", account.PrivacyVersion)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	form.Set("sms_code", wrong)
	p = c.post("/register", cloneValues(form), true)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "验证码不正确，还可以再试 4 次") {
		t.Fatalf("wrong code = %d\n%s", p.Status, p.Body)
	}
	form.Set("sms_code", code)
	p = c.post("/register", cloneValues(form), true)
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/my" {
		t.Fatalf("register = %d %s\n%s", p.Status, p.Header.Get("Location"), p.Body)
	}
	my := c.follow(p)
	mustContain(t, "landing", my.Body, "注册成功，欢迎您，李四", "我的办件")
	if strings.Contains(my.Body, "修改密码") && strings.Contains(my.Body, `name="old_password"`) {
		t.Error("the new applicant landed on a change-password form")
	}
	// The code is used: a second registration with it is refused.
	form.Set("username", "li.si2")
	form.Set("id_number", fixCheck("61092319880808124"))
	if p = newClient(t, e).post("/register", cloneValues(form), true); !strings.Contains(p.Body, "验证码已使用") {
		t.Fatalf("reused code = %d", p.Status)
	}
}

// TestLoginWithSMSCode (on both databases): an applicant signs in with the verified phone and
// a code; staff cannot; the privacy notice is asked again after it changed.
func TestLoginWithSMSCode(t *testing.T) {
	apptest.Each(t, testLoginWithSMSCode)
}

func testLoginWithSMSCode(t *testing.T, e *apptest.Env) {
	ctx := context.Background()
	c := newClient(t, e)
	mustContain(t, "login page", c.get("/login?by=sms").Body, "验证码登录", `action="/login/sms"`, "工作人员请使用用户名和密码登录")

	// resident.wang's phone (13991561234) is verified in the demo data.
	p := c.post("/login/code", url.Values{"phone": {"13991561234"}}, true)
	code := e.SMS.Code("13991561234")
	if p.Status != http.StatusOK || code == "" || strings.Contains(p.Body, code) {
		t.Fatalf("login code = %d %q", p.Status, code)
	}
	mustContain(t, "code sent", p.Body, "验证码已发送到 139****1234", `value="13991561234"`)
	p = c.post("/login/sms", url.Values{"phone": {"13991561234"}, "sms_code": {"12345x"}}, true)
	if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "手机号或验证码错误") {
		t.Fatalf("bad code = %d", p.Status)
	}
	p = c.post("/login/sms", url.Values{"phone": {"13991561234"}, "sms_code": {code}}, true)
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/account" {
		t.Fatalf("sign in by code = %d %s\n%s", p.Status, p.Header.Get("Location"), p.Body)
	}
	if b := c.follow(p).Body; !strings.Contains(b, "欢迎您，王秀兰") {
		t.Fatal("not signed in as 王秀兰")
	}

	// A staff account's phone gets no code.
	before := e.SMS.Sent()
	c2 := newClient(t, e)
	c2.post("/login/code", url.Values{"phone": {"0915-6826789"}}, true)
	if e.SMS.Sent() != before {
		t.Fatal("a code was sent to a staff phone")
	}

	// The notice changed since 王秀兰 agreed: the next sign-in asks again.
	if _, err := e.App.DB.Exec(ctx, "UPDATE users SET privacy_version = '2025-01-01' WHERE username = 'resident.wang'"); err != nil {
		t.Fatal(err)
	}
	c3 := newClient(t, e)
	p = c3.post("/login", url.Values{"username": {"resident.wang"}, "password": {apptest.DemoPassword}}, true)
	if loc := p.Header.Get("Location"); p.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/privacy?next=") {
		t.Fatalf("sign-in after the notice changed = %d %s", p.Status, loc)
	}
	notice := c3.follow(p)
	mustContain(t, "notice", notice.Body, "个人信息保护告知", "版本："+account.PrivacyVersion, "同意并继续", "请阅读并同意后继续")
	p = c3.post("/privacy", url.Values{"privacy": {account.PrivacyVersion}, "next": {"/my"}}, true)
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/my" {
		t.Fatalf("agree = %d %s", p.Status, p.Header.Get("Location"))
	}
	if u, _ := e.App.Users.ByUsername(ctx, "resident.wang"); u.PrivacyVersion != account.PrivacyVersion {
		t.Fatalf("consent not recorded: %q", u.PrivacyVersion)
	}
	// The public reads the notice without a form.
	if b := newClient(t, e).get("/privacy").Body; strings.Contains(b, "同意并继续") || !strings.Contains(b, "版本："+account.PrivacyVersion) {
		t.Error("the public notice page")
	}
}
