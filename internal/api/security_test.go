package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/app/apptest"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/supervision"
)

// securityEvents lists GET /security-events?query as c, failing on
// anything but 200.
func (c *client) securityEvents(query string) []audit.SecurityEvent {
	c.t.Helper()
	res := c.get("/security-events?limit=500&" + query)
	if res.Status != http.StatusOK {
		c.t.Fatalf("security events %s: %d %s", query, res.Status, res.Body)
	}
	var l struct{ Items []audit.SecurityEvent }
	res.decode(&l)
	return l.Items
}

func findEvent(evs []audit.SecurityEvent, kind, object string) *audit.SecurityEvent {
	for i := range evs {
		if evs[i].Kind == kind && (object == "" || evs[i].Object == object) {
			return &evs[i]
		}
	}
	return nil
}

// TestSecurityLog (issue 9 item 8, §2(7) 等级保护): sign-in failures,
// lockouts, refusals, reveals, setting changes and exports land in the
// security log with who, where from and about what — never a password or a
// whole number — and survive the refused request; the audit administrators
// alone read it, each within the subtree; filters are checked; the export
// is CSV and is itself an event.
func TestSecurityLog(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := t.Context()
		county, town := demo(t, e, "county.auditor"), demo(t, e, "chengguan.auditor")
		top := demo(t, e, cityAuditorIn(t, e))

		// Sign-in failures through the API: a county account, a town
		// account, and a username that is a phone number nobody has.
		const secret = "Wrong#Secret2026"
		for _, u := range []string{"county.window", "chengguan.window", "13991561234"} {
			anon(t, e).post("/auth/login", map[string]string{"username": u, "password": secret}).apiErr(http.StatusUnauthorized, "unauthorized")
		}
		cev := county.securityEvents("kind=login_failed")
		if ev := findEvent(cev, audit.SecLoginFailed, "user:county.window"); ev == nil || ev.Addr == "" || ev.OrgID == 0 {
			t.Fatalf("county's failed sign-in: %+v", cev)
		}
		if findEvent(cev, audit.SecLoginFailed, "user:chengguan.window") == nil {
			t.Fatal("the county does not read its town's failed sign-in")
		}
		tev := town.securityEvents("kind=login_failed")
		if findEvent(tev, audit.SecLoginFailed, "user:county.window") != nil || findEvent(tev, audit.SecLoginFailed, "user:chengguan.window") == nil {
			t.Fatalf("the town reads other than its own: %+v", tev)
		}
		// The unknown username belongs to no organisation: read at the top
		// only, and masked.
		if findEvent(cev, audit.SecLoginFailed, "user:139******34") != nil {
			t.Fatal("the county reads a failure about no organisation")
		}
		if findEvent(top.securityEvents("kind=login_failed"), audit.SecLoginFailed, "user:139******34") == nil {
			t.Fatal("the top does not read the unknown username's failure, masked")
		}

		// A lockout: five failures lock the account.
		for range 5 {
			_, _, _ = e.App.Users.Login(ctx, "chengguan.cashier", secret, account.SessionAPI, "203.0.113.9", "test")
		}
		if ev := findEvent(town.securityEvents("kind=locked"), audit.SecLocked, "user:chengguan.cashier"); ev == nil || ev.Addr != "203.0.113.9" {
			t.Fatalf("lockout: %+v", ev)
		}
		// A login refused because the account is locked is a failure too.
		_, _, _ = e.App.Users.Login(ctx, "chengguan.cashier", secret, account.SessionAPI, "203.0.113.9", "test")

		// A refusal: the system administrator asks for the audit log. The
		// event stays though the request was refused.
		demo(t, e, "county.admin").get("/audit").apiErr(http.StatusForbidden, "forbidden")
		ev := findEvent(county.securityEvents("kind=forbidden&user=county.admin"), audit.SecForbidden, "GET /api/v1/audit")
		if ev == nil || ev.Name != "冯志强" || !strings.Contains(ev.Detail, "审计管理员") {
			t.Fatalf("refusal: %+v", ev)
		}

		// A reveal and a setting change (an unlock) in the county.
		clerk := demo(t, e, "county.window")
		k := (&caseEnv{e: e, tokens: map[string]string{}}).walkIn(t, "county.window", "010100100000", "610923C")
		if res := clerk.post("/cases/"+k.Serial+"/reveal-ident", map[string]string{"reason": "核验安全日志"}); res.Status != http.StatusOK {
			t.Fatalf("reveal: %d %s", res.Status, res.Body)
		}
		if ev := findEvent(county.securityEvents("kind=reveal"), audit.SecReveal, "case:"+k.Serial); ev == nil || !strings.Contains(ev.Detail, "核验安全日志") {
			t.Fatalf("reveal: %+v", ev)
		}
		if err := e.App.Users.Unlock(ctx, e.Actor(t, "county.security"), "chengguan.cashier"); err != nil {
			t.Fatal(err)
		}
		if ev := findEvent(town.securityEvents("kind=setting"), audit.SecSetting, "user:chengguan.cashier"); ev == nil || ev.Name != "陈思远" {
			t.Fatalf("unlock: %+v", ev)
		}

		// Nothing secret: no password, no whole number.
		all := top.securityEvents("")
		for _, ev := range all {
			if s := ev.Detail + ev.Username + ev.Object; strings.Contains(s, secret) || strings.Contains(s, "13991561234") || strings.Contains(s, walkInID) {
				t.Fatalf("a secret in the log: %+v", ev)
			}
		}

		// Nobody else reads it.
		for _, who := range []string{"admin", "county.admin", "county.security", "county.supervisor", "resident.wang"} {
			demo(t, e, who).get("/security-events").apiErr(http.StatusForbidden, "forbidden")
			demo(t, e, who).get("/security-events/export").apiErr(http.StatusForbidden, "forbidden")
		}

		// Filters are checked, naming the field.
		for q, field := range map[string]string{"kind=nope": "kind", "from=2026-13-01": "from", "to=26-1-1": "to", "from=2026-10-02&to=2026-10-01": "to"} {
			if er := county.get("/security-events?"+q).apiErr(http.StatusUnprocessableEntity, "invalid"); !er.hasDetail(field, "") {
				t.Errorf("%s: %+v", q, er)
			}
		}
		// A day range: today has the events, a day long past none.
		today := e.App.Now().In(zwfw.Zone).Format("2006-01-02")
		if len(county.securityEvents("from="+today+"&to="+today)) == 0 || len(county.securityEvents("from=2020-01-01&to=2020-01-02")) != 0 {
			t.Fatal("the date filter")
		}

		// A report's Excel export is an event of the report's county.
		rep, err := e.App.Reports.GenerateReport(ctx, zwfw.System, supervision.Daily, "2026-09-28", "610923")
		if err != nil {
			t.Fatal(err)
		}
		if res := demo(t, e, "county.supervisor").get(fmt.Sprintf("/reports/%d?format=xlsx", rep.ID)); res.Status != http.StatusOK {
			t.Fatalf("xlsx: %d", res.Status)
		}
		if ev := findEvent(county.securityEvents("kind=export"), audit.SecExport, fmt.Sprintf("report:%d", rep.ID)); ev == nil || ev.Name != "孙立华" {
			t.Fatalf("the report's export is not an event: %+v", ev)
		}

		// The export: CSV with the events, and itself an event.
		res := county.get("/security-events/export?kind=login_failed")
		if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export: %d %v", res.Status, res.Header)
		}
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(res.Body, []byte("\ufeff")))).ReadAll()
		if err != nil || len(rows) < 3 || rows[0][2] != "类型" || !strings.Contains(string(res.Body), "user:county.window") {
			t.Fatalf("export: %v %s", err, res.Body)
		}
		if ev := findEvent(county.securityEvents("kind=export"), audit.SecExport, "security_events"); ev == nil || ev.Name != "许文华" {
			t.Fatalf("the export is not an event: %+v", ev)
		}
	})
}

// cityAuditorIn makes an audit administrator at the top of the tree.
func cityAuditorIn(t *testing.T, e *apptest.Env) string {
	return cityAuditor(t, &caseEnv{e: e})
}

// TestSecurityLogKept: the retention keeps 180 days at least, however
// short it is asked to be, and deletes what is older.
func TestSecurityLogKept(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := t.Context()
		now := time.Date(2026, 11, 26, 12, 0, 0, 0, zwfw.Zone)
		for _, age := range []int{10, 179, 181, 400} {
			if err := audit.Security(ctx, e.App.DB, audit.SecurityEvent{At: now.AddDate(0, 0, -age), Kind: audit.SecExport, Object: "retention-test"}); err != nil {
				t.Fatal(err)
			}
		}
		count := func() int {
			var n int
			if err := e.App.DB.QueryRow(ctx, "SELECT COUNT(*) FROM security_events WHERE object = 'retention-test'").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if _, err := audit.PruneSecurity(ctx, e.App.DB, now, 30); err != nil || count() != 2 {
			t.Fatalf("30 days asked, 180 kept: %d left, %v", count(), err)
		}
		if _, err := audit.PruneSecurity(ctx, e.App.DB, now, 365); err != nil || count() != 2 {
			t.Fatalf("365 days: %d left, %v", count(), err)
		}
		var oldest int64
		_ = e.App.DB.QueryRow(ctx, "SELECT MIN(at) FROM security_events WHERE object = 'retention-test'").Scan(&oldest)
		if got := db.Time(oldest); now.Sub(got) > 180*24*time.Hour {
			t.Fatalf("an event older than 180 days is left: %v", got)
		}
	})
}
