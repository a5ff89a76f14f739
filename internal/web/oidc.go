package web

import (
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/httpauth"
	"zwfw/internal/org"
)

// Unified identity (统一身份认证) and the second factor's pages (issue 14
// item 1). The rules are account's (account.OIDCBegin/OIDCFinish,
// NeedsSecondFactor, MayEnrolTOTP, MayLinkStaff) and org's
// (MaySetSecurity); these pages only carry them.

// Cookies of a sign-in under way: the unified identity's (its state,
// nonce and verifier are found by it), and the second step's challenge.
// Both short-lived, HttpOnly, only sent to their own paths.
const (
	oidcCookie      = "zwfw_oidc"
	challengeCookie = "zwfw_2fa"
)

func setShortCookie(w http.ResponseWriter, r *http.Request, name, path, value string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: path, MaxAge: 600, HttpOnly: true, Secure: httpauth.Secure(r), SameSite: http.SameSiteLaxMode})
}

func clearShortCookie(w http.ResponseWriter, r *http.Request, name, path string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: path, MaxAge: -1, HttpOnly: true, Secure: httpauth.Secure(r), SameSite: http.SameSiteLaxMode})
}

func cookieValue(r *http.Request, name string) string {
	if c, err := r.Cookie(name); err == nil {
		return c.Value
	}
	return ""
}

// oidcStart sends the browser to the provider (使用统一身份认证登录). While
// the provider is down the login page says so and offers the others.
func (s *server) oidcStart(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.URL.Query().Get("next"), "")
	browser, to, err := s.d.Users.OIDCBegin(r.Context(), next)
	if err != nil {
		if errors.Is(err, account.ErrProviderDown) {
			s.redirect(w, r, loginURL(next), "warn", zwfw.ErrorMessage(err))
			return nil
		}
		return err
	}
	setShortCookie(w, r, oidcCookie, "/login/oidc", browser)
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// oidcCallback is where the provider sends the browser back.
func (s *server) oidcCallback(w http.ResponseWriter, r *http.Request) error {
	browser := cookieValue(r, oidcCookie)
	clearShortCookie(w, r, oidcCookie, "/login/oidc")
	token, u, next, err := s.d.Users.OIDCFinish(r.Context(), browser, r.URL.Query(), httpauth.ClientIP(r), r.UserAgent())
	next = safeNext(next, "")
	if err != nil {
		return s.signInRefused(w, r, err, next)
	}
	s.finishSignIn(w, r, token, u, next)
	return nil
}

// signInRefused answers a first factor that did not open a session: the
// second step when one is due, else the login page with the reason.
func (s *server) signInRefused(w http.ResponseWriter, r *http.Request, err error, next string) error {
	var step *account.SecondStep
	if errors.As(err, &step) {
		setShortCookie(w, r, challengeCookie, "/login/totp", step.Challenge)
		to := "/login/totp"
		if step.Enrol {
			to = "/login/totp/enrol"
		}
		if next != "" {
			to += "?next=" + url.QueryEscape(next)
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	}
	code := zwfw.ErrorCode(err)
	if code == zwfw.EINTERNAL {
		return err
	}
	p := loginPage{base: s.base(w, r, "登录"), Next: next, Error: zwfw.ErrorMessage(err), OIDC: s.d.Users.OIDCEnabled()}
	p.Nav = "login"
	retryAfter(w, err)
	s.render(w, r, status(code), "login", p)
	return nil
}

type totpPage struct {
	base
	User     *account.User
	Enrol    bool
	Secret   string
	QR       template.URL
	Next     string
	Error    string
	Codes    []string // the recovery codes, shown once
	Continue string
	// The staff member's own page (/account/totp).
	State account.SecondFactorState
	Own   bool
}

func qrData(content string) (template.URL, error) {
	png, err := qrcode.Encode(content, qrcode.Medium, -5)
	if err != nil {
		return "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)), nil
}

// noStore: pages that show a secret or recovery codes are not kept.
func noStore(w http.ResponseWriter) { w.Header().Set("Cache-Control", "no-store") }

// challengeGone sends a browser whose sign-in ran out back to the login.
func (s *server) challengeGone(w http.ResponseWriter, r *http.Request, err error) error {
	if c := zwfw.ErrorCode(err); c == zwfw.EUNAUTHORIZED || c == zwfw.ECONFLICT {
		// The sign-in is over (timed out, used, or never begun here):
		// back to its start, told why.
		clearShortCookie(w, r, challengeCookie, "/login/totp")
		s.redirect(w, r, loginURL(safeNext(r.FormValue("next"), "")), "info", zwfw.ErrorMessage(err))
		return nil
	}
	return err
}

// totpStep is the second step of a sign-in: the code from the
// authenticator app (or a recovery code).
func (s *server) totpStep(w http.ResponseWriter, r *http.Request) error {
	u, enrol, err := s.d.Users.Challenge(r.Context(), cookieValue(r, challengeCookie))
	if err != nil {
		return s.challengeGone(w, r, err)
	}
	next := safeNext(r.URL.Query().Get("next"), "")
	if enrol {
		http.Redirect(w, r, "/login/totp/enrol"+nextQuery(next), http.StatusSeeOther)
		return nil
	}
	p := totpPage{base: s.base(w, r, "两步验证"), User: u, Next: next}
	p.Nav = "login"
	s.render(w, r, http.StatusOK, "login_totp", p)
	return nil
}

func nextQuery(next string) string {
	if next == "" {
		return ""
	}
	return "?next=" + url.QueryEscape(next)
}

func (s *server) totpStepPost(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.PostFormValue("next"), "")
	token, u, cnext, err := s.d.Users.CompleteSecondFactor(r.Context(), cookieValue(r, challengeCookie), r.PostFormValue("totp"), httpauth.ClientIP(r))
	if err != nil {
		code := zwfw.ErrorCode(err)
		if code == zwfw.EUNAUTHORIZED && strings.Contains(zwfw.ErrorMessage(err), "登录已超时") || code == zwfw.ECONFLICT {
			return s.challengeGone(w, r, err)
		}
		if code == zwfw.ELOCKED {
			clearShortCookie(w, r, challengeCookie, "/login/totp")
			s.redirect(w, r, loginURL(next), "warn", zwfw.ErrorMessage(err))
			return nil
		}
		if code == zwfw.EINTERNAL || code == zwfw.EFORBIDDEN {
			return err
		}
		cu, _, cerr := s.d.Users.Challenge(r.Context(), cookieValue(r, challengeCookie))
		if cerr != nil {
			return s.challengeGone(w, r, cerr)
		}
		p := totpPage{base: s.base(w, r, "两步验证"), User: cu, Next: next, Error: zwfw.ErrorMessage(err)}
		p.Nav = "login"
		retryAfter(w, err)
		s.render(w, r, status(code), "login_totp", p)
		return nil
	}
	clearShortCookie(w, r, challengeCookie, "/login/totp")
	if next == "" {
		next = safeNext(cnext, "")
	}
	s.finishSignIn(w, r, token, u, next)
	return nil
}

// totpEnrolStep enrols the second factor a sign-in waits for (the
// organisation requires it of the account's role).
func (s *server) totpEnrolStep(w http.ResponseWriter, r *http.Request) error {
	e, u, err := s.d.Users.EnrolAtSignIn(r.Context(), cookieValue(r, challengeCookie))
	if err != nil {
		return s.challengeGone(w, r, err)
	}
	return s.renderEnrol(w, r, http.StatusOK, totpPage{User: u, Enrol: true, Next: safeNext(r.URL.Query().Get("next"), "")}, e)
}

func (s *server) renderEnrol(w http.ResponseWriter, r *http.Request, st int, p totpPage, e account.Enrolment) error {
	qr, err := qrData(e.URL)
	if err != nil {
		return err
	}
	p.base = s.base(w, r, "启用两步验证")
	p.Secret, p.QR = e.GroupedSecret(), qr
	if p.Own {
		p.Nav = "account"
	} else {
		p.Nav = "login"
	}
	noStore(w)
	s.render(w, r, st, "totp_enrol", p)
	return nil
}

func (s *server) totpEnrolStepPost(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.PostFormValue("next"), "")
	chal := cookieValue(r, challengeCookie)
	token, u, cnext, codes, err := s.d.Users.ConfirmAtSignIn(r.Context(), chal, r.PostFormValue("totp"), httpauth.ClientIP(r))
	if err != nil {
		code := zwfw.ErrorCode(err)
		if code != zwfw.EINVALID && code != zwfw.ETOOMANY {
			return s.challengeGone(w, r, err)
		}
		e, cu, cerr := s.d.Users.EnrolAtSignIn(r.Context(), chal)
		if cerr != nil {
			return s.challengeGone(w, r, cerr)
		}
		retryAfter(w, err)
		return s.renderEnrol(w, r, status(code), totpPage{User: cu, Enrol: true, Next: next, Error: zwfw.ErrorMessage(err)}, e)
	}
	clearShortCookie(w, r, challengeCookie, "/login/totp")
	httpauth.SetSession(w, r, token)
	httpauth.RotateCSRF(w, r)
	if next == "" {
		next = safeNext(cnext, "")
	}
	to := safeNext(next, home(u.Actor()))
	if u.MustChangePassword {
		to = "/account#password"
	}
	p := totpPage{base: s.base(w, r, "两步验证已启用"), User: u, Codes: codes, Continue: to}
	p.Nav = "login"
	noStore(w)
	s.render(w, r, http.StatusOK, "totp_codes", p)
	return nil
}

// accountTOTP is a staff member's own second factor: its state, and the
// enrolment when there is none.
func (s *server) accountTOTP(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	if err := account.MayEnrolTOTP(a); err != nil {
		return err
	}
	st, err := s.d.Users.SecondFactor(r.Context(), a.UserID)
	if err != nil {
		return err
	}
	u, err := s.d.Users.ByUsername(r.Context(), a.Username)
	if err != nil {
		return err
	}
	p := totpPage{User: u, State: st, Own: true}
	if st.Enrolled {
		p.base = s.base(w, r, "两步验证")
		p.Nav = "account"
		s.render(w, r, http.StatusOK, "totp_enrol", p)
		return nil
	}
	e, err := s.d.Users.StartTOTP(r.Context(), a)
	if err != nil {
		return err
	}
	return s.renderEnrol(w, r, http.StatusOK, p, e)
}

func (s *server) accountTOTPPost(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	codes, err := s.d.Users.ConfirmTOTP(r.Context(), a, r.PostFormValue("totp"), httpauth.ClientIP(r))
	if err != nil {
		code := zwfw.ErrorCode(err)
		if code != zwfw.EINVALID && code != zwfw.ETOOMANY {
			return err
		}
		e, eerr := s.d.Users.StartTOTP(r.Context(), a)
		if eerr != nil {
			return eerr
		}
		u, uerr := s.d.Users.ByUsername(r.Context(), a.Username)
		if uerr != nil {
			return uerr
		}
		retryAfter(w, err)
		return s.renderEnrol(w, r, status(code), totpPage{User: u, Own: true, Error: zwfw.ErrorMessage(err)}, e)
	}
	p := totpPage{base: s.base(w, r, "两步验证已启用"), Codes: codes, Continue: "/account", Own: true}
	p.Nav = "account"
	noStore(w)
	s.render(w, r, http.StatusOK, "totp_codes", p)
	return nil
}

// The administrators' pages: a staff account's unified identity links and
// second factor, and an organisation's requirement by role.

type userLinksPage struct {
	base
	User    *account.User
	Links   []account.Link
	Issuer  string
	Subject string
	State   account.SecondFactorState
	Errors  fieldErrors
	Error   string
}

func (s *server) userLinksPage(w http.ResponseWriter, r *http.Request, st int, p userLinksPage) error {
	u, links, err := s.d.Users.Links(r.Context(), actor(r), r.PathValue("username"))
	if err != nil {
		return err
	}
	fs, err := s.d.Users.SecondFactor(r.Context(), u.ID)
	if err != nil {
		return err
	}
	p.base = s.base(w, r, "统一身份认证与两步验证："+u.Name)
	p.User, p.Links, p.State = u, links, fs
	if p.Issuer == "" {
		p.Issuer = s.d.Users.OIDCIssuer()
	}
	if p.Errors == nil {
		p.Errors = fieldErrors{}
	}
	s.render(w, r, st, "admin_user_oidc", p)
	return nil
}

func (s *server) adminUserOIDC(w http.ResponseWriter, r *http.Request) error {
	return s.userLinksPage(w, r, http.StatusOK, userLinksPage{})
}

func (s *server) adminUserOIDCPost(w http.ResponseWriter, r *http.Request) error {
	username := r.PathValue("username")
	issuer, subject := r.PostFormValue("issuer"), r.PostFormValue("subject")
	if _, err := s.d.Users.LinkStaff(r.Context(), actor(r), username, issuer, subject); err != nil {
		fe, msg, err := formError(err)
		if err != nil {
			return err
		}
		return s.userLinksPage(w, r, formStatus(err), userLinksPage{Issuer: issuer, Subject: subject, Errors: fe, Error: msg})
	}
	s.redirect(w, r, "/admin/users/"+url.PathEscape(username)+"/oidc", "ok", "已绑定统一身份认证账户。")
	return nil
}

func (s *server) adminUserOIDCDelete(w http.ResponseWriter, r *http.Request) error {
	username := r.PathValue("username")
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return zwfw.Errorf(zwfw.ENOTFOUND, "该绑定不存在")
	}
	if err := s.d.Users.Unlink(r.Context(), actor(r), username, id); err != nil {
		return err
	}
	s.redirect(w, r, "/admin/users/"+url.PathEscape(username)+"/oidc", "ok", "已解除绑定，经该账户的登录已退出。")
	return nil
}

func (s *server) adminUserTOTPReset(w http.ResponseWriter, r *http.Request) error {
	username := r.PathValue("username")
	if err := s.d.Users.ResetTOTP(r.Context(), actor(r), username); err != nil {
		return err
	}
	s.redirect(w, r, "/admin/users/"+url.PathEscape(username)+"/oidc", "ok", "已清除该账户的两步验证；如其角色须使用两步验证，下次登录时将重新启用。")
	return nil
}

type orgSecurityPage struct {
	base
	Org       *org.Org
	Set       org.SecuritySettings
	Own       bool
	Inherited *org.Org
	Roles     []string
	Errors    fieldErrors
	Error     string
}

// Has reports whether the setting names role (the checkboxes).
func (p orgSecurityPage) Has(role string) bool {
	for _, r := range p.Set.TOTPRoles {
		if r == role {
			return true
		}
	}
	return false
}

func (s *server) orgSecurity(w http.ResponseWriter, r *http.Request, st int, p *orgSecurityPage) error {
	p.base = s.base(w, r, "登录安全设置："+p.Org.DisplayName())
	p.Roles = zwfw.StaffRoles
	if p.Errors == nil {
		p.Errors = fieldErrors{}
	}
	s.render(w, r, st, "admin_org_security", *p)
	return nil
}

func (s *server) loadOrgSecurity(r *http.Request) (*orgSecurityPage, error) {
	o, set, own, from, err := s.d.Orgs.SecuritySettings(r.Context(), actor(r), r.PathValue("code"))
	if err != nil {
		return nil, err
	}
	return &orgSecurityPage{Org: o, Set: set, Own: own, Inherited: from}, nil
}

func (s *server) adminOrgSecurity(w http.ResponseWriter, r *http.Request) error {
	p, err := s.loadOrgSecurity(r)
	if err != nil {
		return err
	}
	return s.orgSecurity(w, r, http.StatusOK, p)
}

func (s *server) adminOrgSecurityPost(w http.ResponseWriter, r *http.Request) error {
	p, err := s.loadOrgSecurity(r)
	if err != nil {
		return err
	}
	in := org.SecuritySettings{TOTPRoles: r.PostForm["totp_roles"]}
	if _, err := s.d.Orgs.SetSecuritySettings(r.Context(), actor(r), p.Org.Code, in); err != nil {
		st := formStatus(err)
		fe, msg, err := formError(err)
		if err != nil {
			return err
		}
		p.Set, p.Errors, p.Error = in, fe, msg
		return s.orgSecurity(w, r, st, p)
	}
	s.redirect(w, r, "/admin/orgs/"+url.PathEscape(p.Org.Code)+"/security", "ok", "已保存“"+p.Org.DisplayName()+"”的登录安全设置。")
	return nil
}

func init() {
	pages = append(pages, "login_totp", "totp_enrol", "totp_codes", "admin_user_oidc", "admin_org_security", "logout_idp")
}

// logoutPage sends a browser signed out here on to sign out at the
// provider (account.LogoutAt's address).
type logoutPage struct {
	base
	To string
}
