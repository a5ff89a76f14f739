package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/pquerna/otp/totp"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/account/oidctest"
	"zwfw/internal/app/apptest"
	"zwfw/internal/org"
)

// browserless is a browser without a screen: a cookie jar, redirects
// followed as a browser follows them.
type browserless struct {
	t *testing.T
	c *http.Client
}

func newBrowserless(t *testing.T) *browserless {
	jar, _ := cookiejar.New(nil)
	return &browserless{t: t, c: &http.Client{Jar: jar}}
}

type visit struct {
	status int
	url    *url.URL
	body   string
	header http.Header
}

func (b *browserless) do(req *http.Request) visit {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return visit{res.StatusCode, res.Request.URL, string(body), res.Header}
}

func (b *browserless) get(u string) visit {
	req, _ := http.NewRequest("GET", u, nil)
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// post sends a form with the CSRF token of the page at from.
func (b *browserless) post(from, to string, form url.Values) visit {
	b.t.Helper()
	m := csrfRE.FindStringSubmatch(b.get(from).body)
	if m == nil {
		b.t.Fatalf("no CSRF token on %s", from)
	}
	form.Set("csrf_token", m[1])
	req, _ := http.NewRequest("POST", to, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// TestUnifiedIdentityOverHTTP is issue 14's first Done-when line through
// the server: a real OpenID Connect provider (mockoidc) on loopback, a
// browser without a screen following the redirects — the login page's
// button, the provider, the callback — the resident linked to the account
// of the same verified identity number; the refusals of a wrong nonce, a
// bad signature, a wrong audience and an unverified number shown on the
// login page; sign-out carried to the provider; a back-channel logout; and
// the provider's outage leaving the password sign-in working.
func TestUnifiedIdentityOverHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		p := oidctest.Start(t, e.Clock.Now)
		e.App.Users.SetOIDC(account.OIDCConfig{Issuer: p.Issuer(), ClientID: p.ClientID, ClientSecret: p.ClientSecret,
			RedirectURL: e.URL + "/login/oidc/callback"})
		existing, err := e.App.Users.RegisterTrusted(ctx, account.RegisterInput{Username: "oidc.resident", Password: "Qinling@2026",
			Name: "何玉兰", Phone: "13991565678", IDNumber: "610923197805160036"})
		if err != nil {
			t.Fatal(err)
		}
		b := newBrowserless(t)
		if v := b.get(e.URL + "/login"); v.status != 200 || !strings.Contains(v.body, "使用统一身份认证登录") {
			t.Fatalf("login page: %d, button shown %v", v.status, strings.Contains(v.body, "使用统一身份认证登录"))
		}
		p.Queue(&oidctest.Person{Subject: "sx-http-1", Name: "何玉兰", IDNumber: "610923197805160036", Verified: true, SID: "sid-http-1"})
		v := b.get(e.URL + "/login/oidc?next=/my")
		if v.status != 200 || v.url.Path != "/my" || !strings.Contains(v.body, "何玉兰") {
			t.Fatalf("after the provider: %d at %s", v.status, v.url)
		}
		if v := b.get(e.URL + "/account"); !strings.Contains(v.body, "oidc.resident") {
			t.Fatalf("signed in as someone else than %s", existing.Username)
		}

		// Sign-out goes to the provider with the ID token, and back home.
		v = b.post(e.URL+"/account", e.URL+"/logout", url.Values{})
		to, ok := strings.CutPrefix(v.header.Get("Refresh"), "0; url=")
		if v.status != 200 || !ok || !strings.Contains(v.body, "统一身份认证平台退出") {
			t.Fatalf("sign-out page: %d, Refresh %q", v.status, v.header.Get("Refresh"))
		}
		v = b.get(to)
		if v.url.Host != strings.TrimPrefix(e.URL, "http://") || v.url.Path != "/" {
			t.Fatalf("after sign-out at %s", v.url)
		}
		ends := p.Ends()
		if len(ends) != 1 || ends[0].Get("id_token_hint") == "" || ends[0].Get("post_logout_redirect_uri") != e.URL+"/" {
			t.Fatalf("end_session requests %v", ends)
		}
		if v := b.get(e.URL + "/account"); v.url.Path != "/login" {
			t.Fatalf("still signed in after sign-out: %s", v.url)
		}

		// The refusals, shown on the login page, with nothing made.
		var users int
		if err := e.App.DB.QueryRow(ctx, "SELECT COUNT(*) FROM users").Scan(&users); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name   string
			person *oidctest.Person
			badSig bool
			words  string
		}{
			{"wrong nonce", &oidctest.Person{Subject: "sx-http-2", Name: "曹建军", IDNumber: "610923198611210044", Verified: true, WrongNonce: true}, false, "一次性随机数不符"},
			{"bad signature", &oidctest.Person{Subject: "sx-http-2", Name: "曹建军", IDNumber: "610923198611210044", Verified: true}, true, "签名无效"},
			{"wrong audience", &oidctest.Person{Subject: "sx-http-2", Name: "曹建军", IDNumber: "610923198611210044", Verified: true, WrongAud: true}, false, "不是签发给本平台的"},
			{"unverified number", &oidctest.Person{Subject: "sx-http-2", Name: "何玉兰", IDNumber: "610923197805160036"}, false, "尚未核验"},
		} {
			if tc.badSig {
				p.BadSignatureNext()
			}
			p.Queue(tc.person)
			v := b.get(e.URL + "/login/oidc")
			if v.url.Path != "/login/oidc/callback" || v.status < 400 || !strings.Contains(v.body, tc.words) || !strings.Contains(v.body, `action="/login"`) {
				t.Errorf("%s: %d at %s, message shown %v", tc.name, v.status, v.url.Path, strings.Contains(v.body, tc.words))
			}
		}
		var after int
		if err := e.App.DB.QueryRow(ctx, "SELECT COUNT(*) FROM users").Scan(&after); err != nil || after != users {
			t.Errorf("refused sign-ins made accounts: %d → %d (%v)", users, after, err)
		}

		// A back-channel logout token from the provider ends the session.
		p.Queue(&oidctest.Person{Subject: "sx-http-1", SID: "sid-http-9"})
		if v := b.get(e.URL + "/login/oidc"); v.url.Path != "/account" && v.url.Path != "/my" {
			t.Fatalf("second sign-in at %s", v.url)
		}
		form := url.Values{"logout_token": {p.LogoutToken(t, "sx-http-1", "", true)}}
		res, err := http.PostForm(e.URL+"/api/v1/auth/oidc/backchannel-logout", form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("forged logout token: %d", res.StatusCode)
		}
		form = url.Values{"logout_token": {p.LogoutToken(t, "sx-http-1", "", false)}}
		if res, err = http.PostForm(e.URL+"/api/v1/auth/oidc/backchannel-logout", form); err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("back-channel logout: %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
		}
		if v := b.get(e.URL + "/account"); v.url.Path != "/login" {
			t.Fatalf("still signed in after the back-channel logout: %s", v.url)
		}

		// The provider goes down: the login page still works, the button
		// says it is unavailable, the password signs in.
		p.Stop()
		down := oidctest.Start(t, e.Clock.Now)
		issuer := down.Issuer()
		down.Stop()
		e.App.Users.SetOIDC(account.OIDCConfig{Issuer: issuer, ClientID: "zwfw", ClientSecret: "x", RedirectURL: e.URL + "/login/oidc/callback"})
		b = newBrowserless(t)
		if v := b.get(e.URL + "/login/oidc"); v.url.Path != "/login" || !strings.Contains(v.body, "统一身份认证暂不可用") {
			t.Fatalf("provider down: %d at %s", v.status, v.url)
		}
		v = b.post(e.URL+"/login", e.URL+"/login", url.Values{"username": {"oidc.resident"}, "password": {"Qinling@2026"}})
		if v.url.Path == "/login" {
			t.Fatalf("password sign-in while the provider is down: %d at %s", v.status, v.url)
		}
	})
}

// TestSecondFactorOverHTTP: a county requires TOTP of window staff; the
// window clerk's next sign-in enrols (QR code and secret shown, a code
// confirms, recovery codes shown once), the sign-in after that asks for
// the code, refuses a wrong and a replayed one; the API's sign-in needs
// the totp field. Both databases.
func TestSecondFactorOverHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		if _, err := e.App.Orgs.SetSecuritySettings(ctx, zwfw.System, "610923", org.SecuritySettings{TOTPRoles: []string{zwfw.RoleWindow}}); err != nil {
			t.Fatal(err)
		}
		b := newBrowserless(t)
		v := b.post(e.URL+"/login", e.URL+"/login", url.Values{"username": {"county.window"}, "password": {apptest.DemoPassword}})
		if v.url.Path != "/login/totp/enrol" || !strings.Contains(v.body, "data:image/png;base64,") {
			t.Fatalf("required, not enrolled: %d at %s", v.status, v.url)
		}
		m := regexp.MustCompile(`class="totp-secret">([A-Z2-7 ]+)<`).FindStringSubmatch(v.body)
		if m == nil {
			t.Fatal("no secret on the enrolment page")
		}
		secret := strings.ReplaceAll(m[1], " ", "")
		code := func() string {
			s, err := totp.GenerateCode(secret, e.Clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		if v := b.post(e.URL+"/login/totp/enrol", e.URL+"/login/totp/enrol", url.Values{"totp": {"000000"}}); v.status != 422 || !strings.Contains(v.body, "动态验证码不正确") {
			t.Fatalf("wrong confirmation: %d", v.status)
		}
		v = b.post(e.URL+"/login/totp/enrol", e.URL+"/login/totp/enrol", url.Values{"totp": {code()}})
		if v.status != 200 || !strings.Contains(v.body, "恢复码") || strings.Count(v.body, "<li><code>") != 10 {
			t.Fatalf("confirmed: %d", v.status)
		}
		if v := b.get(e.URL + "/account"); v.url.Path != "/account" {
			t.Fatalf("not signed in after enrolling: %s", v.url)
		}

		// The next sign-in asks for the code.
		e.Clock.Add(31e9)
		b = newBrowserless(t)
		v = b.post(e.URL+"/login", e.URL+"/login", url.Values{"username": {"county.window"}, "password": {apptest.DemoPassword}})
		if v.url.Path != "/login/totp" {
			t.Fatalf("enrolled: at %s", v.url)
		}
		if v := b.post(e.URL+"/login/totp", e.URL+"/login/totp", url.Values{"totp": {"111111"}}); v.status != 401 || !strings.Contains(v.body, "动态验证码错误") {
			t.Fatalf("wrong code: %d", v.status)
		}
		good := code()
		if v := b.post(e.URL+"/login/totp", e.URL+"/login/totp", url.Values{"totp": {good}}); v.url.Path != "/work" && v.url.Path != "/admin" {
			t.Fatalf("right code: %d at %s", v.status, v.url)
		}
		b2 := newBrowserless(t)
		b2.post(e.URL+"/login", e.URL+"/login", url.Values{"username": {"county.window"}, "password": {apptest.DemoPassword}})
		if v := b2.post(e.URL+"/login/totp", e.URL+"/login/totp", url.Values{"totp": {good}}); v.status != 401 || !strings.Contains(v.body, "已使用过") {
			t.Fatalf("replayed code: %d", v.status)
		}

		// The API: the totp field.
		api := func(body map[string]string) (int, string) {
			raw, _ := json.Marshal(body)
			res, err := http.Post(e.URL+"/api/v1/auth/login", "application/json", strings.NewReader(string(raw)))
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			out, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(out)
		}
		if st, body := api(map[string]string{"username": "county.window", "password": apptest.DemoPassword}); st != 401 || !strings.Contains(body, "totp") {
			t.Errorf("API without totp: %d %s", st, body)
		}
		e.Clock.Add(31e9)
		if st, body := api(map[string]string{"username": "county.window", "password": apptest.DemoPassword, "totp": code()}); st != 200 {
			t.Errorf("API with totp: %d %s", st, body)
		}
		// The reviewer's role is not required: a plain sign-in.
		if _, _, err := e.App.Users.Login(ctx, "county.reviewer", apptest.DemoPassword, account.SessionAPI, "", ""); err != nil {
			var step *account.SecondStep
			t.Errorf("reviewer: %v (second step %v)", err, errors.As(err, &step))
		}
	})
}
