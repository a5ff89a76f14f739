package web_test

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"zwfw/internal/app/apptest"
	"zwfw/internal/db"
)

// 安全日志: the county's audit administrator finds the menu entry and the
// page, with a refused request of the county's administrator on it; a bad
// date is refused on the page naming the field (422); the export is a CSV
// download; the administrators of the system and of security are refused
// (三员分立) and do not see the menu entry.
func TestSecurityPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := login(t, e, "county.admin", apptest.DemoPassword)
		if st := admin.get("/admin/security").Status; st != http.StatusForbidden {
			t.Fatalf("the system administrator opens the security log: %d", st)
		}
		if strings.Contains(workOK(t, admin, "/admin").Body, `href="/admin/security"`) {
			t.Error("the system administrator's menu offers the security log")
		}
		if st := login(t, e, "county.security", apptest.DemoPassword).get("/admin/security").Status; st != http.StatusForbidden {
			t.Fatalf("the security administrator opens the security log: %d", st)
		}
		aud := login(t, e, "county.auditor", apptest.DemoPassword)
		p := workOK(t, aud, "/admin/security?kind=forbidden")
		mustContain(t, "the page", p.Body, "安全日志", `href="/admin/security" aria-current="page"`, "越权访问被拒绝", "GET /admin/security", "冯志强",
			`href="/admin/security/export?kind=forbidden"`)
		checkLabels(t, "/admin/security", p.Body)
		if res := aud.get("/admin/security?from=2026-02-30"); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "起始日期") {
			t.Errorf("a bad date: %d", res.Status)
		}
		res := aud.get("/admin/security/export?kind=forbidden")
		if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.Contains(res.Body, "GET /admin/security") {
			t.Fatalf("export: %d %s", res.Status, res.Body)
		}
		if st := login(t, e, "chengguan.auditor", apptest.DemoPassword).get("/admin/security?kind=forbidden"); strings.Contains(st.Body, "冯志强") {
			t.Error("the town's audit administrator reads the county administrator's refusal")
		}
	})
}

func TestSecurityTemplateNoInline(t *testing.T) {
	b, err := os.ReadFile("templates/admin_security.html")
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(?i)<script|<style|\sstyle=|\son[a-z]+=|javascript:`).Find(b); m != nil {
		t.Errorf("inline %q", m)
	}
}

// 密码定期更换 (§2(7)): 80 days after the password was set, every page of a
// staff member says in how many days it expires and links to the form; at
// 90 days the pages send the staff member to change it first, saying why.
func TestPasswordExpiryPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := t.Context()
		age := func(days int) {
			t.Helper()
			if _, err := e.App.DB.Exec(ctx, "UPDATE users SET password_changed_at = ? WHERE username = 'county.window'",
				db.Millis(e.App.Now().Add(-time.Duration(days)*24*time.Hour))); err != nil {
				t.Fatal(err)
			}
		}
		age(80)
		c := login(t, e, "county.window", apptest.DemoPassword)
		p := workOK(t, c, "/work")
		mustContain(t, "the reminder", p.Body, "您的密码将于10天后过期，请及时修改", `href="/account#password"`)
		if strings.Contains(workOK(t, login(t, e, "county.reviewer", apptest.DemoPassword), "/work").Body, "data-password-reminder") {
			t.Error("a fresh password is reminded of")
		}
		age(91)
		c = login(t, e, "county.window", apptest.DemoPassword)
		p = c.get("/work")
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/account") {
			t.Fatalf("an expired password: %d %s", p.Status, p.Header.Get("Location"))
		}
		mustContain(t, "the account page", c.follow(p).Body, "您的密码已过期，请先修改密码")
	})
}
