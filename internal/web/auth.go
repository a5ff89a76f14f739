package web

import (
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/casework"
	"zwfw/internal/httpauth"
)

func newKey() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}

// safeNext returns next when it is a local path on this site, else def:
// after sign-in the visitor must never be sent to another host.
func safeNext(next, def string) string {
	if next == "" || len(next) > 2000 || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\r\n\t") {
		return def
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return def
	}
	if u.Path == "/login" || u.Path == "/logout" || u.Path == "/register" || strings.HasPrefix(u.Path, "/login/") || strings.HasPrefix(u.Path, "/register/") {
		return def
	}
	return next
}

// loginURL is the sign-in page that comes back to next.
func loginURL(next string) string {
	if safeNext(next, "") == "" {
		return "/login"
	}
	return "/login?next=" + url.QueryEscape(next)
}

// fieldErrors collects messages per form field.
type fieldErrors map[string][]string

func (fe fieldErrors) add(field, msg string) { fe[field] = append(fe[field], msg) }

// Has reports whether field has a problem.
func (fe fieldErrors) Has(field string) bool { return len(fe[field]) > 0 }

// Get returns the messages of field.
func (fe fieldErrors) Get(field string) []string { return fe[field] }

// fromError spreads a service error's details over the fields; what has
// no field (or when there are no details) becomes the form's message.
func fromError(err error) (fieldErrors, string) {
	fe := fieldErrors{}
	var e *zwfw.Error
	if !errors.As(err, &e) {
		return fe, zwfw.ErrorMessage(err)
	}
	msg := ""
	for _, d := range e.Details {
		if d.Field == "" {
			msg = e.Message
			continue
		}
		fe.add(d.Field, d.Message)
	}
	if len(e.Details) == 0 || e.Code == zwfw.ECONFLICT {
		msg = e.Message
	}
	return fe, msg
}

type loginPage struct {
	base
	Username string
	Next     string
	Error    string
	Expired  bool   // sent here by idle.js when the session went idle
	BySMS    bool   // the phone + SMS code form (verify.go)
	Phone    string // the phone of that form
	Notice   string // a code was sent
	OIDC     bool   // the unified identity is offered (使用统一身份认证登录)
}

func (s *server) loginPage(w http.ResponseWriter, r *http.Request) error {
	p := loginPage{base: s.base(w, r, "登录"), Next: safeNext(r.URL.Query().Get("next"), ""), Expired: r.URL.Query().Get("expired") == "1",
		BySMS: r.URL.Query().Get("by") == "sms", OIDC: s.d.Users.OIDCEnabled()}
	p.Nav = "login"
	if a := p.Actor; a != nil {
		http.Redirect(w, r, safeNext(p.Next, home(a)), http.StatusSeeOther)
		return nil
	}
	s.render(w, r, http.StatusOK, "login", p)
	return nil
}

// keepAlive restarts the idle clock of the page session: idle.js's
// "继续" button (§2(7) 登录连接超时). 204; a session already ended sends
// the page to sign in like any other.
func (s *server) keepAlive(w http.ResponseWriter, r *http.Request) error {
	if err := s.d.Users.KeepAlive(r.Context(), httpauth.Token(r.Context())); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// home is where a user lands after sign-in: staff who handle cases at the
// workbench, administrators in the administration pages, applicants in
// their account.
func home(a *zwfw.Actor) string {
	switch {
	case len(casework.DesksOf(a)) > 0:
		return "/work"
	case a.IsStaff():
		return "/admin"
	}
	return "/account"
}

func (s *server) login(w http.ResponseWriter, r *http.Request) error {
	username := strings.TrimSpace(r.PostFormValue("username"))
	next := safeNext(r.PostFormValue("next"), "")
	token, u, err := s.d.Users.Login(r.Context(), username, r.PostFormValue("password"), account.SessionWeb,
		httpauth.ClientIP(r), r.UserAgent())
	if err != nil {
		var step *account.SecondStep
		if errors.As(err, &step) {
			return s.signInRefused(w, r, err, next)
		}
		code := zwfw.ErrorCode(err)
		if code == zwfw.EINTERNAL {
			return err
		}
		p := loginPage{base: s.base(w, r, "登录"), Username: username, Next: next, Error: zwfw.ErrorMessage(err), OIDC: s.d.Users.OIDCEnabled()}
		p.Nav = "login"
		st := status(code)
		retryAfter(w, err)
		s.render(w, r, st, "login", p)
		return nil
	}
	s.finishSignIn(w, r, token, u, next)
	return nil
}

// finishSignIn finishes a sign-in (by password or by SMS code): the session
// cookie, a fresh CSRF token, and the page to go on to — the password
// change when one is due, the privacy notice when it changed since the
// applicant agreed (account.NeedsPrivacyConsent), else next or home.
func (s *server) finishSignIn(w http.ResponseWriter, r *http.Request, token string, u *account.User, next string) {
	httpauth.SetSession(w, r, token)
	// Whoever saw or planted the CSRF token before sign-in must not hold
	// the signed-in session's.
	httpauth.RotateCSRF(w, r)
	if u.MustChangePassword {
		s.redirect(w, r, "/account#password", "warn", "为了账户安全，请先修改管理员为您设置的初始密码。")
		return
	}
	to := safeNext(next, home(u.Actor()))
	if account.NeedsPrivacyConsent(u) {
		s.redirect(w, r, "/privacy?next="+url.QueryEscape(to), "warn", "《个人信息保护告知》已更新，请阅读并同意后继续。")
		return
	}
	s.redirect(w, r, to, "ok", "登录成功，欢迎您，"+u.Name+"。")
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) error {
	// A session opened through the unified identity also ends at the
	// provider, when it advertises end_session_endpoint (account.LogoutAt).
	at := ""
	if tok := httpauth.Token(r.Context()); tok != "" && httpauth.Actor(r.Context()) != nil {
		var err error
		if at, err = s.d.Users.LogoutAt(r.Context(), tok); err != nil {
			return err
		}
	}
	httpauth.ClearSession(w, r)
	if at != "" {
		// Not a redirect: the form's post may only lead to this site
		// (CSP form-action 'self'), so the page sends the browser on by
		// a refresh of its own, with a link for a browser that does not.
		s.setFlash(w, "ok", "您已安全退出。")
		w.Header().Set("Refresh", "0; url="+at)
		w.Header().Set("Cache-Control", "no-store")
		p := logoutPage{base: s.base(w, r, "正在退出"), To: at}
		s.render(w, r, http.StatusOK, "logout_idp", p)
		return nil
	}
	s.redirect(w, r, "/", "ok", "您已安全退出。")
	return nil
}

type registerPage struct {
	base
	Type     string // person or enterprise
	In       account.RegisterInput
	Errors   fieldErrors
	Error    string
	Rule     string
	Privacy  string // the version of the privacy notice agreed to by ticking the box
	Notice   string // a code was sent
	Conflict bool   // refused for a taken username or number (409)
}

// passwordRule is account.CheckPassword's rule in words, shown beside
// every new-password field.
const passwordRule = "8–128 位，须包含大写字母、小写字母、数字、符号中的至少三类，且不能包含用户名。"

func regType(t string) string {
	if t == zwfw.KindEnterprise {
		return zwfw.KindEnterprise
	}
	return zwfw.KindPerson
}

func (s *server) registerPage(w http.ResponseWriter, r *http.Request) error {
	t := regType(r.URL.Query().Get("type"))
	p := registerPage{base: s.base(w, r, registerTitle(t)), Type: t, Errors: fieldErrors{}, Rule: passwordRule, Privacy: account.PrivacyVersion}
	p.Nav = "register"
	s.render(w, r, http.StatusOK, "register", p)
	return nil
}

func registerTitle(t string) string {
	if t == zwfw.KindEnterprise {
		return "法人注册"
	}
	return "个人注册"
}

// registerForm reads the registration form.
func registerForm(r *http.Request) (string, account.RegisterInput) {
	t := regType(r.PostFormValue("type"))
	in := account.RegisterInput{
		Username: r.PostFormValue("username"), Password: r.PostFormValue("password"),
		Name: r.PostFormValue("name"), Phone: r.PostFormValue("phone"),
		SMSCode: r.PostFormValue("sms_code"), PrivacyVersion: r.PostFormValue("privacy"),
	}
	if t == zwfw.KindEnterprise {
		in.CreditCode = r.PostFormValue("credit_code")
	} else {
		in.IDNumber = r.PostFormValue("id_number")
	}
	return t, in
}

func (s *server) register(w http.ResponseWriter, r *http.Request) error {
	t, in := registerForm(r)
	p := registerPage{base: s.base(w, r, registerTitle(t)), Type: t, In: in, Errors: fieldErrors{}, Rule: passwordRule, Privacy: account.PrivacyVersion}
	p.Nav = "register"
	p.In.Password = ""
	idField := "id_number"
	if t == zwfw.KindEnterprise {
		idField = "credit_code"
	}
	if t == zwfw.KindEnterprise && strings.TrimSpace(in.CreditCode) == "" {
		p.Errors.add("credit_code", "请填写统一社会信用代码（18 位，见营业执照）")
	}
	if in.Password != r.PostFormValue("password2") {
		p.Errors.add("password2", "两次输入的密码不一致")
		if err := account.CheckPassword(in.Password, strings.TrimSpace(in.Username)); err != nil {
			p.Errors.add("password", err.Error())
		}
		// The other fields are checked too, so that everything is told at
		// once: with an empty password Register always refuses before it
		// stores anything, and lists the problems of the other fields.
		probe := in
		probe.Password = ""
		if _, err := s.d.Users.Register(r.Context(), probe); zwfw.ErrorCode(err) == zwfw.EINVALID {
			fe, _ := fromError(err)
			for f, m := range fe {
				if f != "password" {
					p.Errors[f] = append(p.Errors[f], m...)
				}
			}
		} else if err == nil {
			return errors.New("web: register probe with an empty password was accepted")
		}
	}
	if len(p.Errors) == 0 {
		token, u, err := s.d.Users.RegisterAndSignIn(r.Context(), in, account.SessionWeb, httpauth.ClientIP(r), r.UserAgent())
		if err == nil {
			// Signed in at once, and on to 我的办件 / 去办事 (issue 12
			// item 7): not to a sign-in or change-password page.
			httpauth.SetSession(w, r, token)
			httpauth.RotateCSRF(w, r)
			s.redirect(w, r, "/my", "ok", "注册成功，欢迎您，"+u.Name+"。您的手机号已验证，可以用它和短信验证码登录。现在就可以“去办事”：查找事项并在线申请，办件进度在“我的办件”中查看。")
			return nil
		}
		retryAfter(w, err)
		if c := zwfw.ErrorCode(err); c == zwfw.ETOOMANY {
			p.Error = zwfw.ErrorMessage(err)
			s.render(w, r, http.StatusTooManyRequests, "register", p)
			return nil
		}
		if c := zwfw.ErrorCode(err); c != zwfw.EINVALID && c != zwfw.ECONFLICT {
			return err
		}
		p.Conflict = zwfw.ErrorCode(err) == zwfw.ECONFLICT
		fe, msg := fromError(err)
		for f, m := range fe {
			if f == "id_number" || f == "credit_code" {
				f = idField // a person's form has no credit-code field, and the reverse
			}
			p.Errors[f] = append(p.Errors[f], m...)
		}
		p.Error = msg
	}
	if p.Error == "" {
		p.Error = "请按提示修改后重新提交。"
	}
	st := http.StatusUnprocessableEntity
	if p.Conflict {
		st = http.StatusConflict // a taken username or identity number
	}
	s.render(w, r, st, "register", p)
	return nil
}

type accountPage struct {
	base
	User   *account.User
	Errors fieldErrors
	Error  string
	Rule   string
}

func (s *server) accountPage(w http.ResponseWriter, r *http.Request) error {
	u, err := s.d.Users.ByUsername(r.Context(), actor(r).Username)
	if err != nil {
		return err
	}
	p := accountPage{base: s.base(w, r, "个人中心"), User: u, Errors: fieldErrors{}, Rule: passwordRule}
	p.Nav = "account"
	s.render(w, r, http.StatusOK, "account", p)
	return nil
}

func (s *server) changePassword(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	old, nw := r.PostFormValue("old_password"), r.PostFormValue("new_password")
	fe := fieldErrors{}
	msg := ""
	if nw != r.PostFormValue("new_password2") {
		fe.add("new_password2", "两次输入的新密码不一致")
	} else if err := s.d.Users.ChangePassword(r.Context(), a, old, nw, httpauth.Token(r.Context())); err != nil {
		if zwfw.ErrorCode(err) != zwfw.EINVALID {
			return err
		}
		fe, msg = fromError(err)
	} else {
		s.redirect(w, r, "/account", "ok", "密码已修改。您在其他设备上的登录已全部退出。")
		return nil
	}
	u, err := s.d.Users.ByUsername(r.Context(), a.Username)
	if err != nil {
		return err
	}
	p := accountPage{base: s.base(w, r, "个人中心"), User: u, Errors: fe, Error: msg, Rule: passwordRule}
	p.Nav = "account"
	if p.Error == "" {
		p.Error = "密码未修改，请按提示更正。"
	}
	s.render(w, r, http.StatusUnprocessableEntity, "account", p)
	return nil
}
