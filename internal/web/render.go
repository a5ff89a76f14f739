package web

import (
	"bytes"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"zwfw/internal/attendance"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/account/ident"
	"zwfw/internal/audit"
	"zwfw/internal/catalog"
	"zwfw/internal/config"
	"zwfw/internal/files"
	"zwfw/internal/hall"
	"zwfw/internal/httpauth"
	"zwfw/internal/org"
	"zwfw/internal/supervision"
	"zwfw/internal/throttle"
)

//go:embed templates
var templateFS embed.FS

// pages are the page templates handlers render; New fails when one is
// missing, so a typo stops the start rather than a request.
var pages = []string{
	"home", "items", "guide", "town", "login", "register", "account", "error",
	"admin_home", "admin_orgs", "admin_org_form", "admin_users", "admin_user_form",
	"admin_items", "admin_item_form", "admin_item_cancel", "admin_import",
}

// fragments are partial templates also rendered on their own (the search
// results, refreshed by app.js when a filter changes).
var fragments = []string{"results"}

// parseTemplates parses layout.html and partials.html with each page file
// into its own set, once, at start.
func parseTemplates(fsys fs.FS, funcs template.FuncMap) (map[string]*template.Template, error) {
	common, err := template.New("").Funcs(funcs).ParseFS(fsys, "templates/layout.html", "templates/partials.html", "templates/gongkai_partials.html", "templates/forms_partials.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	sets := map[string]*template.Template{}
	for _, p := range pages {
		file := "templates/" + p + ".html"
		if _, err := fs.Stat(fsys, file); err != nil {
			return nil, fmt.Errorf("web: template %s is missing", file)
		}
		c, err := common.Clone()
		if err != nil {
			return nil, err
		}
		t, err := c.ParseFS(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", file, err)
		}
		for _, name := range []string{"layout", "main"} {
			if t.Lookup(name) == nil {
				return nil, fmt.Errorf("web: template %s defines no %q", file, name)
			}
		}
		sets[p] = t
	}
	for _, f := range fragments {
		if common.Lookup(f) == nil {
			return nil, fmt.Errorf("web: fragment template %q is missing", f)
		}
		sets["fragment:"+f] = common
	}
	return sets, nil
}

// base is what every page shows: the site, who is signed in, the CSRF
// token for its forms, the flash message and the elder-mode switch.
type base struct {
	Title     string
	Site      config.Site
	Actor     *zwfw.Actor
	CSRF      string
	CSRFField string
	Flash     *flash
	Care      bool
	Path      string // the request URI, to come back to after sign-in
	Nav       string // the active top navigation entry
	Now       time.Time
	// PasswordReminder: the staff member's password expires soon (§2(7)).
	PasswordReminder string
	// IdleSeconds: the signed-in session ends after this long without a
	// request; idle.js warns before (0: not signed in).
	IdleSeconds int
	admin       bool // a page of administration
	CaseCSS     bool // the page shows cases: load cases.css
	FormsCSS    bool // the page has an online form (申请表): load forms.css and forms.js
	SupCSS      bool // a supervision page (reports, errors): load reports.css
	// CanCity shows 全市监管 in the menu: the city platform's supervisors
	// and administrators (city.Scope).
	CanCity bool
}

// SupervisionCSS reports whether the page is one of the supervision pages
// (supervision.css).
func (b base) SupervisionCSS() bool {
	return b.Nav == "supervision" || b.Nav == "city"
}

// CanSupervise reports whether the account may see the supervision pages.
func (b base) CanSupervise() bool { return supervision.CanView(b.Actor) }

// Admin reports whether the page belongs to administration (its own
// navigation).
func (b base) Admin() bool { return b.admin }

// CanCatalog and CanAdmin choose the administration menu.
func (b base) CanCatalog() bool { return b.Actor != nil && canCatalog(b.Actor) }
func (b base) CanAdmin() bool   { return b.Actor != nil && canAdmin(b.Actor) }

// CanSeeWarnings shows the warning list (预警督办) in the menu.
func (b base) CanSeeWarnings() bool { return supervision.MayViewWarnings(b.Actor) }

// CanReadLogs shows the security log in the menu: the audit
// administrators' (audit.MayRead).
func (b base) CanReadLogs() bool { return b.Actor != nil && audit.MayRead(b.Actor) == nil }

// CanOverview shows the security overview in the menu: the security
// administrators' (account.MayOverview).
func (b base) CanOverview() bool { return b.Actor != nil && account.MayOverview(b.Actor) == nil }

// Staff reports whether the signed-in user is a staff account.
func (b base) Staff() bool { return b.Actor != nil && b.Actor.IsStaff() }

func (s *server) base(w http.ResponseWriter, r *http.Request, title string) base {
	b := base{
		Title: title, Site: s.d.Config.Site, Actor: httpauth.Actor(r.Context()),
		CSRF: httpauth.CSRF(r.Context()), CSRFField: httpauth.CSRFField,
		Care: careMode(r), Path: r.URL.RequestURI(), Now: s.now(),
		admin:   r.URL.Path == "/admin" || strings.HasPrefix(r.URL.Path, "/admin/"),
		CaseCSS: caseURL(r.URL.Path),
		SupCSS:  r.URL.Path == "/supervision" || strings.HasPrefix(r.URL.Path, "/supervision/"),
	}
	if r.Method != http.MethodGet {
		// A form sent back for correction: switches on it return to the
		// page the form came from, not to the POST address.
		b.Path = "/"
		if u, err := url.Parse(r.Referer()); err == nil && u.Host == r.Host {
			b.Path = safeNext(u.RequestURI(), "/")
		}
	}
	b.CanCity = s.d.City != nil && s.d.City.May(b.Actor)
	b.Site = s.withMarks(r, b.Site) // the county's footer marks (gongkai.go)
	b.Flash = takeFlash(w, r)
	if b.Actor != nil && s.d.Users != nil {
		b.PasswordReminder = s.d.Users.PasswordReminder(b.Actor)
		b.IdleSeconds = int(s.d.Users.IdleLimit().Seconds())
	}
	return b
}

// render executes a page into a buffer first, so that a template error
// becomes a clean 500 and never half a page.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	t := s.tpl[page]
	if t == nil {
		s.fail(w, r, fmt.Errorf("web: no template %q", page))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.fail(w, r, fmt.Errorf("web: render %s: %w", page, err))
		return
	}
	s.write(w, status, &buf)
}

// renderFragment executes one fragment on its own.
func (s *server) renderFragment(w http.ResponseWriter, r *http.Request, name string, data any) {
	var buf bytes.Buffer
	if err := s.tpl["fragment:"+name].ExecuteTemplate(&buf, name, data); err != nil {
		s.fail(w, r, fmt.Errorf("web: render fragment %s: %w", name, err))
		return
	}
	s.write(w, http.StatusOK, &buf)
}

func (s *server) write(w http.ResponseWriter, status int, buf *bytes.Buffer) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-cache")
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail answers an internal error: logged in full, shown as a generic page.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.d.Log.Error("web: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	h := w.Header()
	h.Del("Content-Disposition")
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = fmt.Fprint(w, `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>系统繁忙</title><p>系统繁忙，请稍后重试。</p><p><a href="/">返回首页</a></p></html>`)
}

// status maps a zwfw error code to its HTTP status (zwfw.HTTPStatus).
func status(code string) int { return zwfw.HTTPStatus(code) }

type errorPage struct {
	base
	Status  int
	Heading string
	Message string
}

// renderError shows the shared error page for err. Internal errors are
// logged and shown as a generic message.
func (s *server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = zwfw.Errorf(zwfw.ETOOLARGE, "上传的内容超过了 %s 的上限，请压缩或拆分文件后重试", files.HumanSize(mbe.Limit))
	}
	code := zwfw.ErrorCode(err)
	st := status(code)
	if st == http.StatusUnauthorized {
		// Pages answer "not signed in" by sending the visitor to sign in.
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	if st == http.StatusInternalServerError {
		s.d.Log.Error("web: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if st == http.StatusForbidden {
		// A refusal is a security event (§2(7)), written on its own:
		// whatever the request began has rolled back.
		if lerr := s.d.Audit.Refused(r.Context(), actor(r), r.Method+" "+r.URL.Path, zwfw.ErrorMessage(err)); lerr != nil {
			s.d.Log.Error("web: security log", "err", lerr)
		}
	}
	retryAfter(w, err)
	p := errorPage{base: s.base(w, r, ""), Status: st, Message: zwfw.ErrorMessage(err)}
	switch st {
	case http.StatusNotFound:
		p.Heading = "页面不存在"
	case http.StatusForbidden:
		p.Heading = "没有访问权限"
	case http.StatusInternalServerError:
		p.Heading = "系统繁忙"
	case http.StatusRequestEntityTooLarge:
		p.Heading = "文件太大"
	case http.StatusConflict:
		p.Heading = "操作冲突"
	default:
		p.Heading = "无法完成操作"
	}
	p.Title = p.Heading
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, st, "error", p)
}

// retryAfter tells a client refused for too many attempts when to come
// back.
func retryAfter(w http.ResponseWriter, err error) {
	if sec, ok := throttle.RetryAfter(err); ok {
		w.Header().Set("Retry-After", strconv.Itoa(sec))
	}
}

// notFound is the page for paths no route matches.
func (s *server) notFound(w http.ResponseWriter, r *http.Request) error {
	return zwfw.Errorf(zwfw.ENOTFOUND, "您访问的页面不存在或已被移除。请检查网址，或从首页重新查找。")
}

// Flash messages survive one redirect in a short-lived cookie
// (POST-redirect-GET).
const flashCookie = "zwfw_flash"

type flash struct {
	Kind    string // ok, info, warn
	Message string
}

func (s *server) setFlash(w http.ResponseWriter, kind, msg string) {
	v := base64.RawURLEncoding.EncodeToString([]byte(kind + "|" + msg))
	// Marked Secure at the front (app.secure) when the request came over HTTPS.
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: v, Path: "/", MaxAge: 120, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || !utf8.Valid(b) {
		return nil
	}
	kind, msg, ok := strings.Cut(string(b), "|")
	if !ok || msg == "" || len(msg) > 1000 {
		return nil
	}
	switch kind {
	case "ok", "info", "warn":
	default:
		kind = "info"
	}
	return &flash{Kind: kind, Message: msg}
}

// redirect answers a successful POST with a flash message (PRG).
func (s *server) redirect(w http.ResponseWriter, r *http.Request, to, kind, msg string) {
	if msg != "" {
		s.setFlash(w, kind, msg)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// Elder mode (关怀版): a cookie read on every page, a class on <html>.
const careCookie = "zwfw_care"

func careMode(r *http.Request) bool {
	c, err := r.Cookie(careCookie)
	return err == nil && c.Value == "1"
}

// funcs are the template helpers. They only format: no template reads the
// database.
func (s *server) funcs(a *assets) template.FuncMap {
	return template.FuncMap{
		"asset": a.url,
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(zwfw.Zone).Format("2006年1月2日")
		},
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(zwfw.Zone).Format("2006-01-02 15:04")
		},
		"isodate":          func(t time.Time) string { return t.In(zwfw.Zone).Format("2006-01-02") },
		"typeName":         catalog.TypeName,
		"kindName":         catalog.KindName,
		"levelName":        catalog.LevelName,
		"audienceName":     catalog.AudienceName,
		"formName":         catalog.FormName,
		"sourceName":       catalog.SourceName,
		"licenceRefs":      catalog.FormatLicenceRefs,
		"trustClass":       trustClass,
		"joinNames":        func(l []string) string { return strings.Join(l, "、") },
		"requiredName":     catalog.RequiredName,
		"depthName":        catalog.DepthName,
		"changeName":       catalog.ChangeName,
		"roleName":         zwfw.RoleName,
		"securityKindName": audit.SecurityKindName,
		"orgKindName":      org.KindName,
		"windowTypeName":   org.WindowTypeName,
		"humanSize":        files.HumanSize,
		"maskPhone":        ident.MaskPhone,
		"join":             strings.Join,
		"hallAction":       hall.ActionName,
		"add":              func(a, b int) int { return a + b },
		"serials":          serials,
		"staffChoices":     staffChoices,
		"tel": func(s string) string {
			// The first number of a phone field, for a tel: link.
			var b strings.Builder
			for _, r := range s {
				if r >= '0' && r <= '9' || r == '+' {
					b.WriteRune(r)
				} else if r != '-' && r != ' ' && b.Len() > 0 {
					break
				}
			}
			return b.String()
		},

		// The city platform's pages (city.go).
		"pctText":    ratePct,
		"msTime":     msTime,
		"dueClass":   cityDueClass,
		"dueName":    dueName,
		"ratingName": ratingName,

		"yuan":     func(cents int64) string { return yuan(cents) },
		"fieldID":  fieldID,
		"loginURL": loginURL,
		"errs": func(id string, msgs []string) template.HTML {
			if len(msgs) == 0 {
				return ""
			}
			esc := make([]string, len(msgs))
			for i, m := range msgs {
				esc[i] = template.HTMLEscapeString(m)
			}
			return template.HTML(`<span class="err" id="` + template.HTMLEscapeString(id) + `-err">` + strings.Join(esc, "；") + `</span>`)
		},
		"seq": func(n int) []int {
			out := make([]int, n)
			for i := range out {
				out[i] = i
			}
			return out
		},
		"indent": func(depth int) string { return strings.Repeat("　", max(0, depth)) },
		"versionURL": func(code string, v int) template.URL {
			return template.URL("/items/" + url.PathEscape(code) + "?v=" + strconv.Itoa(v))
		},
		"itemURL": func(code string) template.URL { return template.URL("/items/" + url.PathEscape(code)) },
		"fileURL": func(code string, at *catalog.Attachment) template.URL {
			return template.URL("/items/" + url.PathEscape(code) + "/files/" + at.SHA256)
		},
		"fileKind": func(at *catalog.Attachment) string {
			ext := strings.ToUpper(strings.TrimPrefix(path.Ext(at.Name), "."))
			if ext == "" {
				return "文件"
			}
			return ext
		},
		// 政务公开 (gongkai.go).
		"psbLink":    psbLink,
		"paragraphs": paragraphs,
	}
}

// yuan prints an amount in fen as yuan ("10.00").
func yuan(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// fieldID turns a field path (materials[2].form) into an element id
// (f-materials-2-form), so that error summaries can link to inputs.
func fieldID(field string) string {
	r := strings.NewReplacer("[", "-", "]", "", ".", "-")
	return "f-" + r.Replace(field)
}

// caseURL reports whether a path shows cases (and so needs cases.css).
func caseURL(p string) bool {
	for _, prefix := range []string{"/apply", "/my", "/progress", "/work", "/notices", "/supervision"} {
		if p == prefix || strings.HasPrefix(p, prefix+"/") {
			return true
		}
	}
	return false
}

// serialRE matches a case's serial number (办件编号) in running text.
var serialRE = regexp.MustCompile(`[0-9]{6,10}-[0-9]{8}-[0-9]{5}`)

// serials escapes text and keeps each serial number in it on one line (a
// span.serial), so that a message never breaks a number across lines.
func serials(text string) template.HTML {
	esc := template.HTMLEscapeString(text)
	return template.HTML(serialRE.ReplaceAllString(esc, `<span class="serial">$0</span>`))
}

// staffPicker is what a staff picker (AB岗, 差错登记, 责任追究) shows: the choices, the one
// chosen, and the one held now when it is no longer among the choices (a
// member moved to another centre), so that saving keeps it until changed.
type staffPicker struct {
	Choices []attendance.StaffChoice
	Current string
	Kept    *attendance.StaffChoice
}

func staffChoices(choices []attendance.StaffChoice, current, name string) staffPicker {
	p := staffPicker{Choices: choices, Current: current}
	if current == "" {
		return p
	}
	for _, c := range choices {
		if c.Username == current {
			return p
		}
	}
	p.Kept = &attendance.StaffChoice{Username: current, Name: name}
	return p
}
