package api_test

import (
	"net/http"
	"slices"
	"testing"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/app/apptest"
)

// TestThreeAdminsSeparate: no account holds two of the three
// administrators (三员分立, §2(7)): creating such an account or giving an
// existing administrator a second one is refused naming the rule, and
// nothing changes. The security administrator clears a lockout in the
// county; the audit administrator may not.
func TestThreeAdminsSeparate(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := t.Context()
		admin := demo(t, e, "county.admin")
		for _, roles := range [][]string{{"admin", "audit_admin"}, {"security_admin", "audit_admin"}, {"admin", "security_admin", "window"}} {
			res := admin.post("/users", map[string]any{"username": "two.hats", "password": "TwoHats@2026", "name": "兼任者",
				"roles": roles, "org_code": "610923"})
			if er := res.apiErr(http.StatusUnprocessableEntity, "invalid"); !er.hasDetail("roles", "三员分立") {
				t.Fatalf("%v: %+v", roles, er)
			}
			if _, err := e.App.Users.ByUsername(ctx, "two.hats"); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
				t.Fatalf("%v: the account was made: %v", roles, err)
			}
		}
		// The county's audit administrator made a system administrator too.
		res := admin.put("/users/county.auditor", map[string]any{"name": "许文华", "roles": []string{"audit_admin", "admin"}, "org_code": "610923"})
		if er := res.apiErr(http.StatusUnprocessableEntity, "invalid"); !er.hasDetail("roles", "审计管理员") {
			t.Fatalf("%+v", er)
		}
		if u, err := e.App.Users.ByUsername(ctx, "county.auditor"); err != nil || !slices.Equal(u.Roles, []string{zwfw.RoleAuditAdmin}) {
			t.Fatalf("roles changed: %+v %v", u, err)
		}

		// A locked account: the security administrator unlocks it.
		for range 5 {
			_, _, _ = e.App.Users.Login(ctx, "county.window", "wrong-password", account.SessionAPI, "", "test")
		}
		if _, _, err := e.App.Users.Login(ctx, "county.window", apptest.DemoPassword, account.SessionAPI, "", "test"); zwfw.ErrorCode(err) != zwfw.ELOCKED {
			t.Fatalf("not locked: %v", err)
		}
		demo(t, e, "county.auditor").post("/users/county.window/unlock", nil).apiErr(http.StatusForbidden, "forbidden")
		demo(t, e, "chengguan.auditor").post("/users/county.window/unlock", nil).apiErr(http.StatusForbidden, "forbidden")
		if res := demo(t, e, "county.security").post("/users/county.window/unlock", nil); res.Status != http.StatusOK {
			t.Fatalf("unlock: %d %s", res.Status, res.Body)
		}
		if _, _, err := e.App.Users.Login(ctx, "county.window", apptest.DemoPassword, account.SessionAPI, "", "test"); err != nil {
			t.Fatalf("still locked: %v", err)
		}
	})
}
