package web

import (
	"net/http"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/account/ident"
	"zwfw/internal/httpauth"
)

// Phone verification by SMS code, sign-in with phone + code, and the
// privacy notice (issue 12 item 7). The rules are account's; these pages
// only ask it. register.js sends the code without leaving the form; these
// handlers are the same steps for a browser without scripts.

// codeSent is what the page says once a code is on its way.
func codeSent(phone string, s *server) string {
	return "验证码已发送到 " + ident.MaskPhone(strings.TrimSpace(phone)) + "，" + minutes(s) + " 分钟内有效。"
}

func minutes(s *server) string {
	return strconv.Itoa(int(s.d.Users.CodeTTL().Minutes()))
}

// registerCode sends the registration code to the form's phone and shows
// the form again as it was (but for the passwords, which are never sent
// back).
func (s *server) registerCode(w http.ResponseWriter, r *http.Request) error {
	t, in := registerForm(r)
	in.Password = ""
	p := registerPage{base: s.base(w, r, registerTitle(t)), Type: t, In: in, Errors: fieldErrors{}, Rule: passwordRule, Privacy: account.PrivacyVersion}
	p.Nav = "register"
	err := s.d.Users.SendCode(r.Context(), account.CodeRegister, in.Phone, httpauth.ClientIP(r))
	if err == nil {
		p.Notice = codeSent(in.Phone, s) + "请填写验证码，并重新输入密码。"
		s.render(w, r, http.StatusOK, "register", p)
		return nil
	}
	c := zwfw.ErrorCode(err)
	if c != zwfw.EINVALID && c != zwfw.ETOOMANY {
		return err
	}
	retryAfter(w, err)
	p.Errors, p.Error = fromError(err)
	if p.Error == "" || c == zwfw.EINVALID {
		p.Error = "验证码未发送：" + zwfw.ErrorMessage(err)
	}
	s.render(w, r, status(c), "register", p)
	return nil
}

// loginCode sends a sign-in code to a phone. The page says the same
// whether or not the phone has an account.
func (s *server) loginCode(w http.ResponseWriter, r *http.Request) error {
	phone := strings.TrimSpace(r.PostFormValue("phone"))
	p := loginPage{base: s.base(w, r, "登录"), Next: safeNext(r.PostFormValue("next"), ""), BySMS: true, Phone: phone, OIDC: s.d.Users.OIDCEnabled()}
	p.Nav = "login"
	err := s.d.Users.SendCode(r.Context(), account.CodeLogin, phone, httpauth.ClientIP(r))
	if err == nil {
		p.Notice = codeSent(phone, s) + "如果该手机号已在本平台注册并验证，您会收到短信。"
		s.render(w, r, http.StatusOK, "login", p)
		return nil
	}
	c := zwfw.ErrorCode(err)
	if c != zwfw.EINVALID && c != zwfw.ETOOMANY {
		return err
	}
	retryAfter(w, err)
	p.Error = "验证码未发送：" + zwfw.ErrorMessage(err)
	s.render(w, r, status(c), "login", p)
	return nil
}

// loginSMS signs in with phone + code.
func (s *server) loginSMS(w http.ResponseWriter, r *http.Request) error {
	phone := strings.TrimSpace(r.PostFormValue("phone"))
	next := safeNext(r.PostFormValue("next"), "")
	token, u, err := s.d.Users.LoginSMS(r.Context(), phone, r.PostFormValue("sms_code"), account.SessionWeb, httpauth.ClientIP(r), r.UserAgent())
	if err != nil {
		code := zwfw.ErrorCode(err)
		if code == zwfw.EINTERNAL {
			return err
		}
		p := loginPage{base: s.base(w, r, "登录"), Next: next, BySMS: true, Phone: phone, Error: zwfw.ErrorMessage(err), OIDC: s.d.Users.OIDCEnabled()}
		p.Nav = "login"
		retryAfter(w, err)
		s.render(w, r, status(code), "login", p)
		return nil
	}
	s.finishSignIn(w, r, token, u, next)
	return nil
}

type privacyPage struct {
	base
	Version string
	Next    string
	Ask     bool // a signed-in applicant who has not agreed to this version
	Error   string
}

// privacy shows the privacy notice (个人信息保护告知) with its version; an
// applicant who agreed to an older one is asked to agree to this one.
func (s *server) privacy(w http.ResponseWriter, r *http.Request) error {
	p := privacyPage{base: s.base(w, r, "个人信息保护告知"), Version: account.PrivacyVersion, Next: safeNext(r.URL.Query().Get("next"), "")}
	if a := p.Actor; a != nil && !a.IsStaff() {
		u, err := s.d.Users.ByUsername(r.Context(), a.Username)
		if err != nil {
			return err
		}
		p.Ask = account.NeedsPrivacyConsent(u)
	}
	s.render(w, r, http.StatusOK, "privacy", p)
	return nil
}

// acceptPrivacy records the signed-in applicant's consent.
func (s *server) acceptPrivacy(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	next := safeNext(r.PostFormValue("next"), home(a))
	if err := s.d.Users.AcceptPrivacy(r.Context(), a, r.PostFormValue("privacy")); err != nil {
		if zwfw.ErrorCode(err) != zwfw.EINVALID {
			return err
		}
		p := privacyPage{base: s.base(w, r, "个人信息保护告知"), Version: account.PrivacyVersion, Next: next, Ask: true,
			Error: "请勾选“我已阅读并同意”后再继续。"}
		s.render(w, r, http.StatusUnprocessableEntity, "privacy", p)
		return nil
	}
	s.redirect(w, r, next, "ok", "已记录您同意《个人信息保护告知》（"+account.PrivacyVersion+" 版）。")
	return nil
}

func init() { pages = append(pages, "privacy") }
