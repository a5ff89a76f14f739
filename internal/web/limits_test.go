package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
)

// TestLongParametersPages: the pages that search (the public item list,
// the workbench, the new-case item search, the user and item
// administration) answered a 60,000-byte q with a 500 (issue 8, item 7);
// now every page refuses an over-long query parameter or form field with a
// 400 page that names it in Chinese.
func TestLongParametersPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		long := strings.Repeat("a", 60000)
		anon := newClient(t, e)
		admin := login(t, e, "admin", apptest.AdminPassword)
		window := login(t, e, "county.window", apptest.DemoPassword)
		for _, c := range []struct {
			who  *client
			path string
		}{
			{anon, "/items?q="},
			{window, "/work?q="},
			{window, "/work/new?q="},
			{admin, "/admin/users?q="},
			{admin, "/admin/users?kind=applicant&q="},
			{admin, "/admin/items?q="},
		} {
			p := c.who.get(c.path + long)
			if p.Status != http.StatusBadRequest {
				t.Errorf("%s…: %d, want 400", c.path, p.Status)
				continue
			}
			mustContain(t, c.path, p.Body, "搜索词（q）太长", "最多 1000 个字符", "60000")
		}
		// Form fields: an over-long value is refused with the field named,
		// a value within the limit reaches the handler (a wrong password).
		p := anon.post("/login", url.Values{"username": {long}, "password": {"x"}}, true)
		if p.Status != http.StatusBadRequest {
			t.Fatalf("long username: %d", p.Status)
		}
		mustContain(t, "long username", p.Body, "用户名（username）太长", "最多 2000 个字符")
		if p := anon.post("/login", url.Values{"username": {"county.window"}, "password": {"Wrong@2026"}}, true); p.Status != http.StatusUnauthorized {
			t.Errorf("ordinary sign-in form = %d", p.Status)
		}
	})
}
