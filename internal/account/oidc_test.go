package account_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/account/oidctest"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/org"
)

const callback = "http://127.0.0.1:1/login/oidc/callback"

func withProvider(t *testing.T, s *account.Service, c *clock) *oidctest.Provider {
	t.Helper()
	p := oidctest.Start(t, c.now)
	s.SetOIDC(account.OIDCConfig{Issuer: p.Issuer(), ClientID: p.ClientID, ClientSecret: p.ClientSecret, RedirectURL: callback})
	return p
}

// signIn runs the whole code flow for the queued person: begin, the
// provider's redirect, the callback.
func signIn(t *testing.T, s *account.Service, p *oidctest.Provider, person *oidctest.Person) (string, *account.User, error) {
	t.Helper()
	p.Queue(person)
	browser, authURL, err := s.OIDCBegin(context.Background(), "/my")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(authURL)
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
		t.Fatalf("authorization URL without PKCE S256, nonce or state: %s", authURL)
	}
	back := oidctest.Follow(t, authURL)
	token, user, _, err := s.OIDCFinish(context.Background(), browser, back.Query(), "10.9.0.1", "test")
	return token, user, err
}

// TestOIDCSignInLinksByVerifiedIDNumber is issue 14's first Done-when line
// at the service: a real provider on loopback, the code flow with PKCE, a
// resident linked to the existing account by the verified identity number,
// a new resident given an account, and the tokens that must be refused.
func TestOIDCSignInLinksByVerifiedIDNumber(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _, c := setup(t, d)
		p := withProvider(t, s, c)
		existing, err := s.RegisterTrusted(ctx, account.RegisterInput{Username: "wangxl", Password: "Qinling@2026", Name: "王秀兰",
			Phone: "13991561234", IDNumber: "610923198503120025"})
		if err != nil {
			t.Fatal(err)
		}

		// The same number, verified: the existing account (named
		// differently at the provider — the name is never what links).
		token, u, err := signIn(t, s, p, &oidctest.Person{Subject: "sx-0001", Name: "王 秀兰", IDNumber: "610923198503120025", Verified: true, SID: "sid-1"})
		if err != nil {
			t.Fatal(err)
		}
		if u.ID != existing.ID || token == "" {
			t.Fatalf("signed in as %s (id %d), want the existing account %d", u.Username, u.ID, existing.ID)
		}
		if a, err := s.Authenticate(ctx, token, account.SessionWeb); err != nil || a.UserID != existing.ID {
			t.Fatalf("session: %v %v", a, err)
		}
		// Next time the link finds it, whatever the claims say.
		if _, u, err = signIn(t, s, p, &oidctest.Person{Subject: "sx-0001", Name: "王秀兰"}); err != nil || u.ID != existing.ID {
			t.Fatalf("second sign-in by the link: %v %v", u, err)
		}

		// A new resident: an account is made, sealed number, no password
		// anyone knows, and the privacy notice still to agree to.
		_, nu, err := signIn(t, s, p, &oidctest.Person{Subject: "sx-0002", Name: "李建国", IDNumber: "610923199003070011", Verified: true, Phone: "13800000001"})
		if err != nil {
			t.Fatal(err)
		}
		if nu.Kind != zwfw.KindPerson || nu.IDNumber != "610923199003070011" || nu.Name != "李建国" || !nu.PhoneVerified || !account.NeedsPrivacyConsent(nu) {
			t.Fatalf("new account %+v", nu)
		}
		var sealed string
		if err := d.QueryRow(ctx, "SELECT id_number FROM users WHERE id = ?", nu.ID).Scan(&sealed); err != nil || strings.Contains(sealed, "610923199003070011") {
			t.Fatalf("identity number stored in clear: %q %v", sealed, err)
		}
		if err := d.QueryRow(ctx, "SELECT subject FROM oidc_links WHERE user_id = ?", nu.ID).Scan(&sealed); err != nil || strings.Contains(sealed, "sx-0002") {
			t.Fatalf("subject stored in clear: %q %v", sealed, err)
		}

		// Refusals, each with nothing linked or created.
		var before int
		count := func() int {
			var n int
			if err := d.QueryRow(ctx, "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM oidc_links)").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before = count()
		for _, tc := range []struct {
			name   string
			person *oidctest.Person
			badSig bool
			code   string
			words  string
		}{
			{"wrong nonce", &oidctest.Person{Subject: "sx-0003", Name: "赵敏", IDNumber: "610923199203150024", Verified: true, WrongNonce: true}, false, zwfw.EUNAUTHORIZED, "一次性随机数不符"},
			{"bad signature", &oidctest.Person{Subject: "sx-0003", Name: "赵敏", IDNumber: "610923199203150024", Verified: true}, true, zwfw.EUNAUTHORIZED, "签名无效"},
			{"wrong audience", &oidctest.Person{Subject: "sx-0003", Name: "赵敏", IDNumber: "610923199203150024", Verified: true, WrongAud: true}, false, zwfw.EUNAUTHORIZED, "不是签发给本平台的"},
			{"unverified number", &oidctest.Person{Subject: "sx-0003", Name: "赵敏", IDNumber: "610923199203150024"}, false, zwfw.EFORBIDDEN, "尚未核验"},
			{"unverified number of an existing account", &oidctest.Person{Subject: "sx-0004", Name: "王秀兰", IDNumber: "610923198503120025"}, false, zwfw.EFORBIDDEN, "尚未核验"},
			{"no number, matching name", &oidctest.Person{Subject: "sx-0005", Name: "王秀兰", Verified: true}, false, zwfw.EFORBIDDEN, "未提供您的居民身份证号"},
			{"bad check digit", &oidctest.Person{Subject: "sx-0006", Name: "赵敏", IDNumber: "610923199203150026", Verified: true}, false, zwfw.EFORBIDDEN, "校验"},
			{"unlinked staff", &oidctest.Person{Subject: "staff-9", Name: "杨春梅", IDNumber: "610923199203150024", Verified: true, Staff: true}, false, zwfw.EFORBIDDEN, "须由系统管理员绑定"},
		} {
			if tc.badSig {
				p.BadSignatureNext()
			}
			_, _, err := signIn(t, s, p, tc.person)
			if zwfw.ErrorCode(err) != tc.code || !strings.Contains(zwfw.ErrorMessage(err), tc.words) {
				t.Errorf("%s: %v, want %s with %q", tc.name, err, tc.code, tc.words)
			}
		}
		if n := count(); n != before {
			t.Errorf("refused sign-ins changed accounts or links: %d → %d", before, n)
		}

		// The state is bound to the browser and used once.
		p.Queue(&oidctest.Person{Subject: "sx-0001"})
		browser, authURL, err := s.OIDCBegin(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		back := oidctest.Follow(t, authURL)
		if _, _, _, err := s.OIDCFinish(ctx, "another-browser", back.Query(), "", ""); zwfw.ErrorCode(err) != zwfw.EUNAUTHORIZED {
			t.Errorf("callback from another browser: %v", err)
		}
		forged := back.Query()
		forged.Set("state", "forged")
		if _, _, _, err := s.OIDCFinish(ctx, browser, forged, "", ""); zwfw.ErrorCode(err) != zwfw.EUNAUTHORIZED {
			t.Errorf("forged state: %v", err)
		}
		if _, _, _, err := s.OIDCFinish(ctx, browser, back.Query(), "", ""); zwfw.ErrorCode(err) != zwfw.EUNAUTHORIZED {
			t.Errorf("state used twice: %v", err)
		}
	})
}

// TestOIDCStaffLinkSignOutAndBackChannel: an administrator links a staff
// account; the staff member signs in; sign-out goes to the provider's
// end_session_endpoint with the ID token; a back-channel logout token ends
// the session, a forged one does not.
func TestOIDCStaffLinkSignOutAndBackChannel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _, c := setup(t, d)
		p := withProvider(t, s, c)
		createWindow(t, s, "yangcm")
		admin := &zwfw.Actor{UserID: 0, Username: "root", Kind: zwfw.KindStaff, Roles: []string{zwfw.RoleAdmin}, OrgPath: "/"}
		if _, err := s.LinkStaff(ctx, admin, "yangcm", "", "staff-77"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.LinkStaff(ctx, admin, "yangcm", "", "staff-77"); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Errorf("the same subject linked twice: %v", err)
		}
		window := &zwfw.Actor{Username: "yangcm", Kind: zwfw.KindStaff, Roles: []string{zwfw.RoleWindow}, OrgPath: "/"}
		if _, err := s.LinkStaff(ctx, window, "yangcm", "", "staff-78"); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Errorf("a window clerk linked an identity: %v", err)
		}
		token, u, err := signIn(t, s, p, &oidctest.Person{Subject: "staff-77", Name: "杨春梅", Staff: true, SID: "sid-77"})
		if err != nil || u.Username != "yangcm" {
			t.Fatalf("staff sign-in: %v %v", u, err)
		}
		to, err := s.LogoutAt(ctx, token)
		if err != nil || !strings.HasPrefix(to, p.URL+"/oidc/end_session?") || !strings.Contains(to, "id_token_hint=") || !strings.Contains(to, "post_logout_redirect_uri=") {
			t.Fatalf("sign-out goes to %q (%v)", to, err)
		}
		if _, err := s.Authenticate(ctx, token, account.SessionWeb); zwfw.ErrorCode(err) != zwfw.EUNAUTHORIZED {
			t.Fatalf("session after sign-out: %v", err)
		}

		token, _, err = signIn(t, s, p, &oidctest.Person{Subject: "staff-77", Staff: true, SID: "sid-78"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.BackChannelLogout(ctx, p.LogoutToken(t, "staff-77", "", true)); zwfw.ErrorCode(err) != zwfw.EBADREQUEST {
			t.Errorf("forged logout token: %v", err)
		}
		if _, err := s.Authenticate(ctx, token, account.SessionWeb); err != nil {
			t.Fatalf("a forged logout token ended the session: %v", err)
		}
		n, err := s.BackChannelLogout(ctx, p.LogoutToken(t, "", "sid-78", false))
		if err != nil || n != 1 {
			t.Fatalf("back-channel logout: %d %v", n, err)
		}
		if _, err := s.Authenticate(ctx, token, account.SessionWeb); zwfw.ErrorCode(err) != zwfw.EUNAUTHORIZED {
			t.Fatalf("session after back-channel logout: %v", err)
		}
	})
}

// TestOIDCProviderDown: with the provider unreachable, the sign-in says
// 统一身份认证暂不可用 quickly and the password sign-in goes on.
func TestOIDCProviderDown(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _, c := setup(t, d)
		p := oidctest.Start(t, c.now)
		issuer := p.Issuer()
		p.Stop()
		s.SetOIDC(account.OIDCConfig{Issuer: issuer, ClientID: "zwfw", ClientSecret: "x", RedirectURL: callback, Timeout: time.Second})
		createWindow(t, s, "yangcm")
		start := time.Now()
		if _, _, err := s.OIDCBegin(ctx, ""); !errors.Is(err, account.ErrProviderDown) || !strings.Contains(zwfw.ErrorMessage(err), "统一身份认证暂不可用") {
			t.Fatalf("provider down: %v", err)
		}
		// Cached: the second try does not wait again.
		if _, _, err := s.OIDCBegin(ctx, ""); !errors.Is(err, account.ErrProviderDown) {
			t.Fatalf("provider down, again: %v", err)
		}
		if el := time.Since(start); el > 3*time.Second {
			t.Errorf("two tries took %s", el)
		}
		if _, _, err := s.Login(ctx, "yangcm", "Window@2026", account.SessionWeb, "10.0.0.1", ""); err != nil {
			t.Fatalf("password sign-in while the provider is down: %v", err)
		}
	})
}

// TestTOTPSecondFactor: enrolment, sign-in with a code, a wrong and a
// replayed code refused, recovery codes used once, the organisation's
// requirement by role (inherited from the county) sending an account to
// enrol, and the API's sign-in with the totp field.
func TestTOTPSecondFactor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, orgs, c := setup(t, d)
		createWindow(t, s, "yangcm")
		if _, err := s.CreateStaff(ctx, zwfw.System, account.UserInput{Username: "liping", Password: "Review@2026", Name: "李萍",
			Roles: []string{zwfw.RoleReviewer}, OrgCode: "610923D01"}); err != nil {
			t.Fatal(err)
		}
		// Nothing required, nothing enrolled: a plain sign-in.
		if _, _, err := s.Login(ctx, "yangcm", "Window@2026", account.SessionWeb, "10.0.0.1", ""); err != nil {
			t.Fatal(err)
		}
		// The county requires it of window staff; the town's centre
		// inherits it.
		if _, err := orgs.SetSecuritySettings(ctx, zwfw.System, "610923", org.SecuritySettings{TOTPRoles: []string{zwfw.RoleWindow}}); err != nil {
			t.Fatal(err)
		}
		if _, err := orgs.SetSecuritySettings(ctx, zwfw.System, "610923", org.SecuritySettings{TOTPRoles: []string{"nobody"}}); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Errorf("an unknown role: %v", err)
		}
		w, _ := s.ByUsername(ctx, "yangcm")
		set, from, err := org.EffectiveSecurity(ctx, d.Reader(), w.OrgID)
		if err != nil || from == 0 || !account.NeedsSecondFactor(w, set) {
			t.Fatalf("window clerk under the county's setting: %v from %d (%v)", set, from, err)
		}
		rv, _ := s.ByUsername(ctx, "liping")
		if set, _, _ := org.EffectiveSecurity(ctx, d.Reader(), rv.OrgID); account.NeedsSecondFactor(rv, set) {
			t.Fatalf("reviewer required too")
		}
		if _, _, err := s.Login(ctx, "liping", "Review@2026", account.SessionWeb, "10.0.0.1", ""); err != nil {
			t.Fatalf("reviewer: %v", err)
		}
		// The API refuses the required but not enrolled.
		if _, _, err := s.LoginWithCode(ctx, "yangcm", "Window@2026", "", account.SessionAPI, "10.0.0.1", ""); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("API sign-in of a required account not enrolled: %v", err)
		}
		// The web sign-in sends it to enrol.
		_, _, err = s.Login(ctx, "yangcm", "Window@2026", account.SessionWeb, "10.0.0.1", "")
		var step *account.SecondStep
		if !errors.As(err, &step) || !step.Enrol {
			t.Fatalf("required, not enrolled: %v", err)
		}
		e, _, err := s.EnrolAtSignIn(ctx, step.Challenge)
		if err != nil || !strings.HasPrefix(e.URL, "otpauth://totp/") {
			t.Fatalf("enrolment: %+v %v", e, err)
		}
		if _, _, _, _, err := s.ConfirmAtSignIn(ctx, step.Challenge, "000000", "10.0.0.1"); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Errorf("a wrong confirmation code: %v", err)
		}
		code := func() string {
			cd, err := totp.GenerateCode(e.Secret, c.now())
			if err != nil {
				t.Fatal(err)
			}
			return cd
		}
		token, _, _, recovery, err := s.ConfirmAtSignIn(ctx, step.Challenge, code(), "10.0.0.1")
		if err != nil || token == "" || len(recovery) != 10 {
			t.Fatalf("confirm: %q %v %v", token, recovery, err)
		}
		var sealed string
		if err := d.QueryRow(ctx, "SELECT secret FROM user_totp WHERE user_id = ?", w.ID).Scan(&sealed); err != nil || strings.Contains(sealed, e.Secret) {
			t.Fatalf("secret stored in clear: %v", err)
		}
		// Next sign-in: the code step.
		c.t = c.t.Add(time.Minute)
		_, _, err = s.Login(ctx, "yangcm", "Window@2026", account.SessionWeb, "10.0.0.1", "")
		if !errors.As(err, &step) || step.Enrol {
			t.Fatalf("enrolled: %v", err)
		}
		if _, _, _, err := s.CompleteSecondFactor(ctx, step.Challenge, "123456", "10.0.0.1"); zwfw.ErrorCode(err) != zwfw.EUNAUTHORIZED {
			t.Errorf("wrong code: %v", err)
		}
		good := code()
		token, _, _, err = s.CompleteSecondFactor(ctx, step.Challenge, good, "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if a, err := s.Authenticate(ctx, token, account.SessionWeb); err != nil || a.Username != "yangcm" {
			t.Fatalf("session: %v", err)
		}
		// The same code again, at once: refused as used.
		_, _, err = s.Login(ctx, "yangcm", "Window@2026", account.SessionWeb, "10.0.0.1", "")
		if !errors.As(err, &step) {
			t.Fatal(err)
		}
		if _, _, _, err := s.CompleteSecondFactor(ctx, step.Challenge, good, "10.0.0.1"); !strings.Contains(zwfw.ErrorMessage(err), "已使用过") {
			t.Errorf("replayed code: %v", err)
		}
		// A recovery code works once.
		if _, _, _, err := s.CompleteSecondFactor(ctx, step.Challenge, recovery[0], "10.0.0.1"); err != nil {
			t.Errorf("recovery code: %v", err)
		}
		_, _, err = s.Login(ctx, "yangcm", "Window@2026", account.SessionWeb, "10.0.0.1", "")
		if !errors.As(err, &step) {
			t.Fatal(err)
		}
		if _, _, _, err := s.CompleteSecondFactor(ctx, step.Challenge, recovery[0], "10.0.0.1"); zwfw.ErrorCode(err) != zwfw.EUNAUTHORIZED {
			t.Errorf("recovery code used twice: %v", err)
		}
		// The API: without the code the field is named; with it, a token.
		if _, _, err := s.LoginWithCode(ctx, "yangcm", "Window@2026", "", account.SessionAPI, "10.0.0.1", ""); zwfw.ErrorCode(err) != zwfw.EUNAUTHORIZED {
			t.Errorf("API without totp: %v", err)
		}
		c.t = c.t.Add(time.Minute)
		if tok, _, err := s.LoginWithCode(ctx, "yangcm", "Window@2026", code(), account.SessionAPI, "10.0.0.1", ""); err != nil || tok == "" {
			t.Errorf("API with totp: %v", err)
		}
		// Wrong codes count like wrong passwords: the account locks.
		c.t = c.t.Add(time.Minute)
		var last error
		for range 6 {
			_, _, last = s.LoginWithCode(ctx, "yangcm", "Window@2026", "999999", account.SessionAPI, "10.0.0.2", "")
		}
		if zwfw.ErrorCode(last) != zwfw.ELOCKED {
			t.Errorf("six wrong codes: %v, want locked", last)
		}
	})
}

// TestOIDCStaffSecondFactor: a linked staff member whose county requires
// the second factor of window staff signs in through the provider, is sent
// to enrol, and the session opened at the end still came through the
// provider (sign-out goes there with its ID token).
func TestOIDCStaffSecondFactor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, orgs, c := setup(t, d)
		p := withProvider(t, s, c)
		createWindow(t, s, "yangcm")
		if _, err := s.LinkStaff(ctx, zwfw.System, "yangcm", "", "staff-5"); err != nil {
			t.Fatal(err)
		}
		if _, err := orgs.SetSecuritySettings(ctx, zwfw.System, "610923", org.SecuritySettings{TOTPRoles: []string{zwfw.RoleWindow}}); err != nil {
			t.Fatal(err)
		}
		_, _, err := signIn(t, s, p, &oidctest.Person{Subject: "staff-5", Staff: true, SID: "sid-5"})
		var step *account.SecondStep
		if !errors.As(err, &step) || !step.Enrol || step.Next != "/my" {
			t.Fatalf("linked staff, required: %v", err)
		}
		e, _, err := s.EnrolAtSignIn(ctx, step.Challenge)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := totp.GenerateCode(e.Secret, c.now())
		token, u, next, _, err := s.ConfirmAtSignIn(ctx, step.Challenge, code, "")
		if err != nil || u.Username != "yangcm" || next != "/my" {
			t.Fatalf("confirmed: %v %v %q", u, err, next)
		}
		to, err := s.LogoutAt(ctx, token)
		if err != nil || !strings.Contains(to, "id_token_hint=") {
			t.Fatalf("sign-out of a session opened after the second step: %q %v", to, err)
		}
		// The challenge is used up.
		if _, _, _, _, err := s.ConfirmAtSignIn(ctx, step.Challenge, code, ""); zwfw.ErrorCode(err) != zwfw.EUNAUTHORIZED {
			t.Errorf("challenge used twice: %v", err)
		}
	})
}
