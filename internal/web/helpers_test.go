package web_test

import (
	"bytes"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
	"zwfw/internal/httpauth"
)

// client is a browser: it keeps cookies and, unless told, does not follow
// redirects, so that tests see the 303s of POST-redirect-GET.
type client struct {
	t    testing.TB
	e    *apptest.Env
	http *http.Client
}

func newClient(t testing.TB, e *apptest.Env) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, e: e, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type page struct {
	Status int
	Header http.Header
	Body   string
}

func (c *client) do(req *http.Request) page {
	c.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

func (c *client) get(path string) page {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.e.URL+path, nil)
	return c.do(req)
}

// follow GETs path and follows redirects (as a browser would after a POST).
func (c *client) follow(p page) page {
	c.t.Helper()
	for i := 0; i < 5 && p.Status >= 300 && p.Status < 400; i++ {
		p = c.get(p.Header.Get("Location"))
	}
	return p
}

// csrf is the token the pages put in their forms.
func (c *client) csrf() string {
	c.t.Helper()
	u, _ := url.Parse(c.e.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == httpauth.CSRFCookie {
			return ck.Value
		}
	}
	p := c.get("/login")
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(p.Body)
	if m == nil {
		c.t.Fatal("no CSRF token on /login")
	}
	return html.UnescapeString(m[1])
}

// post sends a urlencoded form; withCSRF adds the token.
func (c *client) post(path string, v url.Values, withCSRF bool) page {
	c.t.Helper()
	if withCSRF {
		v.Set(httpauth.CSRFField, c.csrf())
	}
	req, _ := http.NewRequest("POST", c.e.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

type upload struct {
	field, name string
	body        []byte
}

// postMultipart sends a multipart form (the item form) with files.
func (c *client) postMultipart(path string, v url.Values, files ...upload) page {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vals := range v {
		for _, val := range vals {
			_ = mw.WriteField(k, val)
		}
	}
	for _, f := range files {
		w, _ := mw.CreateFormFile(f.field, f.name)
		_, _ = w.Write(f.body)
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", c.e.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// login signs in through the form and checks where it lands.
func login(t testing.TB, e *apptest.Env, user, pass string) *client {
	t.Helper()
	c := newClient(t, e)
	p := c.post("/login", url.Values{"username": {user}, "password": {pass}}, true)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("login %s: status %d, want 303\n%s", user, p.Status, p.Body)
	}
	return c
}

var (
	inputRE    = regexp.MustCompile(`<input\b[^>]*>`)
	attrRE     = regexp.MustCompile(`([a-z][a-z0-9_-]*)(?:="([^"]*)")?`)
	textareaRE = regexp.MustCompile(`(?s)<textarea\b([^>]*)>(.*?)</textarea>`)
	selectRE   = regexp.MustCompile(`(?s)<select\b([^>]*)>(.*?)</select>`)
	optionRE   = regexp.MustCompile(`<option\b([^>]*)>`)
)

func attrs(tag string) map[string]string {
	m := map[string]string{}
	for _, a := range attrRE.FindAllStringSubmatch(tag, -1) {
		m[a[1]] = html.UnescapeString(a[2])
	}
	return m
}

// formValues reads the values a browser would submit from the form with
// the given action in body.
func formValues(t testing.TB, body, action string) url.Values {
	t.Helper()
	start := strings.Index(body, `action="`+action+`"`)
	if start < 0 {
		t.Fatalf("no form with action %s", action)
	}
	end := strings.Index(body[start:], "</form>")
	f := body[start : start+end]
	v := url.Values{}
	for _, tag := range inputRE.FindAllString(f, -1) {
		a := attrs(tag)
		name, ok := a["name"]
		if !ok || a["type"] == "file" {
			continue
		}
		if (a["type"] == "checkbox" || a["type"] == "radio") && !strings.Contains(tag, " checked") {
			continue
		}
		v.Add(name, a["value"])
	}
	for _, m := range textareaRE.FindAllStringSubmatch(f, -1) {
		v.Add(attrs(m[1])["name"], html.UnescapeString(m[2]))
	}
	for _, m := range selectRE.FindAllStringSubmatch(f, -1) {
		name := attrs(m[1])["name"]
		opts := optionRE.FindAllStringSubmatch(m[2], -1)
		val := ""
		for i, o := range opts {
			a := attrs(o[1])
			if i == 0 || strings.Contains(o[1], " selected") {
				val = a["value"]
			}
			if strings.Contains(o[1], " selected") {
				break
			}
		}
		v.Add(name, val)
	}
	return v
}

func mustContain(t testing.TB, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s: missing %q", what, w)
		}
	}
}
