package api_test

import (
	"net/http"
	"testing"
	"time"

	"zwfw/internal/app/apptest"
)

// soon polls cond for up to 200 ms: the time a change notification takes
// to reach another process, and nothing like a cache's lifetime.
func soon(cond func() bool) bool {
	for end := time.Now().Add(200 * time.Millisecond); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// on returns a client of instance e carrying c's token: the same signed-in
// user, talking to another server process.
func on(e *apptest.Env, c *client) *client {
	return &client{t: c.t, base: e.URL + "/api/v1", token: c.token}
}

// Two server processes on one PostgreSQL schema: revoking a session on one
// (sign-out, a password change, an administrator deactivating the account)
// is refused by the other at once, although the other has just checked,
// and cached, the session.
func TestRevocationReachesOtherProcesses(t *testing.T) {
	a := apptest.Start(t, "postgres")
	b := apptest.Twin(t, a)
	refusedOnB := func(c *client) bool {
		return soon(func() bool { return on(b, c).get("/auth/me").Status == http.StatusUnauthorized })
	}
	warm := func(c *client) {
		t.Helper()
		for range 3 {
			if res := on(b, c).get("/auth/me"); res.Status != http.StatusOK {
				t.Fatalf("token on the second process: %d %s", res.Status, res.Body)
			}
		}
	}

	t.Run("sign-out", func(t *testing.T) {
		c := demo(t, a, "county.window")
		warm(c)
		if res := c.post("/auth/logout", nil); res.Status/100 != 2 {
			t.Fatalf("logout: %d %s", res.Status, res.Body)
		}
		if !refusedOnB(c) {
			t.Fatal("a signed-out token still works on the other process")
		}
	})

	t.Run("password change ends the other sessions", func(t *testing.T) {
		keep, other := demo(t, a, "county.reviewer"), demo(t, a, "county.reviewer")
		warm(other)
		if res := keep.post("/auth/password", map[string]string{"old_password": apptest.DemoPassword, "new_password": "Changed@2027"}); res.Status/100 != 2 {
			t.Fatalf("change password: %d %s", res.Status, res.Body)
		}
		if !refusedOnB(other) {
			t.Fatal("another session of a user who changed the password still works on the other process")
		}
		if res := on(b, keep).get("/auth/me"); res.Status != http.StatusOK {
			t.Fatalf("the session that changed the password must go on: %d", res.Status)
		}
	})

	t.Run("deactivated by an administrator", func(t *testing.T) {
		c := demo(t, a, "county.cashier")
		warm(c)
		admin := demo(t, a, "county.admin")
		off := false
		res := admin.put("/users/county.cashier", map[string]any{"name": "郑美玲", "roles": []string{"cashier"}, "org_code": "610923C",
			"window_code": "610923CW11", "active": &off})
		if res.Status != http.StatusOK {
			t.Fatalf("deactivate: %d %s", res.Status, res.Body)
		}
		if !refusedOnB(c) {
			t.Fatal("a deactivated account's token still works on the other process")
		}
	})
}
