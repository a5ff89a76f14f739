package web

import (
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"zwfw"
	"zwfw/internal/account"
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
	if u.Path == "/login" || u.Path == "/logout" || u.Path == "/register" {
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
	Expired  bool // sent here by idle.js when the session went idle
}

func (s *server) loginPage(w http.ResponseWriter, r *http.Request) error {
	p := loginPage{base: s.base(w, r, "登录"), Next: safeNext(r.URL.Query().Get("next"), ""), Expired: r.URL.Query().Get("expired") == "1"}
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
	case a.HasAny(zwfw.RoleWindow, zwfw.RoleReviewer, zwfw.RoleCashier, zwfw.RoleSupervisor):
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
		code := zwfw.ErrorCode(err)
		if code == zwfw.EINTERNAL {
			return err
		}
		p := loginPage{base: s.base(w, r, "登录"), Username: username, Next: next, Error: zwfw.ErrorMessage(err)}
		p.Nav = "login"
		st := status(code)
		retryAfter(w, err)
		s.render(w, r, st, "login", p)
		return nil
	}
	httpauth.SetSession(w, r, token)
	// Whoever saw or planted the CSRF token before sign-in must not hold
	// the signed-in session's.
	httpauth.RotateCSRF(w, r)
	if u.MustChangePassword {
		s.redirect(w, r, "/account#password", "warn", "为了账户安全，请先修改管理员为您设置的初始密码。")
		return nil
	}
	s.redirect(w, r, safeNext(next, home(u.Actor())), "ok", "登录成功，欢迎您，"+u.Name+"。")
	return nil
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) error {
	if tok := httpauth.Token(r.Context()); tok != "" && httpauth.Actor(r.Context()) != nil {
		if err := s.d.Users.Logout(r.Context(), tok); err != nil {
			return err
		}
	}
	httpauth.ClearSession(w, r)
	s.redirect(w, r, "/", "ok", "您已安全退出。")
	return nil
}

type registerPage struct {
	base
	Type   string // person or enterprise
	In     account.RegisterInput
	Errors fieldErrors
	Error  string
	Rule   string
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
	p := registerPage{base: s.base(w, r, registerTitle(t)), Type: t, Errors: fieldErrors{}, Rule: passwordRule}
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

func (s *server) register(w http.ResponseWriter, r *http.Request) error {
	t := regType(r.PostFormValue("type"))
	in := account.RegisterInput{
		Username: r.PostFormValue("username"), Password: r.PostFormValue("password"),
		Name: r.PostFormValue("name"), Phone: r.PostFormValue("phone"),
	}
	if t == zwfw.KindEnterprise {
		in.CreditCode = r.PostFormValue("credit_code")
	} else {
		in.IDNumber = r.PostFormValue("id_number")
	}
	p := registerPage{base: s.base(w, r, registerTitle(t)), Type: t, In: in, Errors: fieldErrors{}, Rule: passwordRule}
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
		_, err := s.d.Users.Register(r.Context(), in)
		if err == nil {
			// The same answer whether the number was new or already had an
			// account (whose holder is then told by message): signing in
			// at once would tell the two apart.
			s.redirect(w, r, "/login", "ok", registeredMessage)
			return nil
		}
		if c := zwfw.ErrorCode(err); c != zwfw.EINVALID && c != zwfw.ECONFLICT {
			return err
		}
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
	s.render(w, r, http.StatusUnprocessableEntity, "register", p)
	return nil
}

// registeredMessage answers every registration that passed the checks.
const registeredMessage = "注册已提交，请用刚才设置的用户名和密码登录。如果该证件号码此前已注册过账户，账户持有人会收到站内消息和短信提醒。"

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
