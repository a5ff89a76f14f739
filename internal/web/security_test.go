package web_test

import (
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"zwfw/internal/account"
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

// 登录连接超时 (§2(7)): a signed-in page tells the browser its idle limit
// and loads idle.js (a visitor's page neither); 继续 (POST
// /account/keepalive, with the CSRF token) restarts the session's idle
// clock at once, so that a session about to go idle lives on; a session
// already gone idle stays gone; the sign-in page says why it was left.
func TestIdleWarning(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := t.Context()
		anonPage := newClient(t, e).get("/")
		if strings.Contains(anonPage.Body, "data-idle-seconds") || strings.Contains(anonPage.Body, "idle.js") {
			t.Error("a visitor's page carries the idle warning")
		}
		c := login(t, e, "county.window", apptest.DemoPassword)
		p := workOK(t, c, "/work")
		mustContain(t, "the page", p.Body, `data-idle-seconds="1800"`, "/idle.js")
		js := regexp.MustCompile(`/static/[^"]+/idle\.js`).FindString(p.Body)
		if res := c.get(js); res.Status != http.StatusOK {
			t.Fatalf("idle.js: %d", res.Status)
		} else {
			mustContain(t, "idle.js", res.Body, "data-idle-seconds", "/account/keepalive", "csrf_token", "/login?expired=1", "您已较长时间未操作，", "秒后将自动退出", "继续")
		}

		seen := func() time.Time {
			var ms int64
			if err := e.App.DB.QueryRow(ctx, "SELECT MAX(s.last_seen_at) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'county.window' AND s.kind = 'web'").Scan(&ms); err != nil {
				t.Fatal(err)
			}
			return db.Time(ms)
		}
		idleFor := func(d time.Duration) {
			if _, err := e.App.DB.Exec(ctx, "UPDATE sessions SET last_seen_at = ? WHERE kind = 'web' AND user_id = (SELECT id FROM users WHERE username = 'county.window')",
				db.Millis(e.App.Now().Add(-d))); err != nil {
				t.Fatal(err)
			}
		}
		// 28 minutes idle: the warning shows; 继续 restarts the clock.
		idleFor(28 * time.Minute)
		if res := c.post("/account/keepalive", url.Values{}, false); res.Status != http.StatusForbidden {
			t.Errorf("keep-alive without the CSRF token: %d", res.Status)
		}
		if res := c.post("/account/keepalive", url.Values{}, true); res.Status != http.StatusNoContent {
			t.Fatalf("keep-alive: %d %s", res.Status, res.Body)
		}
		if got := e.App.Now().Sub(seen()); got > time.Minute {
			t.Fatalf("the keep-alive left the session idle %s", got)
		}
		workOK(t, c, "/work")
		// 31 minutes idle: gone, and 继续 cannot bring it back.
		idleFor(31 * time.Minute)
		time.Sleep(5100 * time.Millisecond) // past the session cache
		if res := c.post("/account/keepalive", url.Values{}, true); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Fatalf("keep-alive of an idle session: %d %s", res.Status, res.Header.Get("Location"))
		}
		mustContain(t, "the sign-in page", newClient(t, e).get("/login?expired=1&next=/work").Body, "您已较长时间未操作，已自动退出，请重新登录。")
	})
}

// 安全概况: the county's security administrator sees a locked account of
// the county and unlocks it from the page, sees an account whose password
// expired; the system and audit administrators may not open the page.
func TestSecurityAccountsPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := t.Context()
		for range 5 {
			_, _, _ = e.App.Users.Login(ctx, "chengguan.cashier", "Wrong#Secret2026", account.SessionAPI, "", "test")
		}
		if _, err := e.App.DB.Exec(ctx, "UPDATE users SET password_changed_at = ? WHERE username = 'county.reviewer'",
			db.Millis(e.App.Now().AddDate(0, 0, -100))); err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{"county.admin", "county.auditor"} {
			if st := login(t, e, who, apptest.DemoPassword).get("/admin/security/accounts").Status; st != http.StatusForbidden {
				t.Errorf("%s opens the security overview: %d", who, st)
			}
		}
		sec := login(t, e, "county.security", apptest.DemoPassword)
		p := workOK(t, sec, "/admin/security/accounts")
		mustContain(t, "the overview", p.Body, "安全概况", `href="/admin/security/accounts" aria-current="page"`, "已锁定的账户（1）",
			`action="/admin/users/chengguan.cashier/unlock"`, "密码已过期（1）", ">county.reviewer<", "连续输错 5 次锁定")
		checkLabels(t, "/admin/security/accounts", p.Body)
		res := sec.follow(sec.post("/admin/users/chengguan.cashier/unlock", url.Values{"next": {"/admin/security/accounts"}}, true))
		mustContain(t, "after unlocking", res.Body, "已锁定的账户（0）", "已解除 chengguan.cashier 的登录锁定")
		if _, _, err := e.App.Users.Login(ctx, "chengguan.cashier", apptest.DemoPassword, account.SessionAPI, "", "test"); err != nil {
			t.Fatalf("still locked: %v", err)
		}
	})
}
