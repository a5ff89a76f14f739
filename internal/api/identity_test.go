package api_test

import (
	"fmt"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
)

// TestIdentityAPI: an organisation's second-factor requirement by role
// (read and set by its administrators and security administrators,
// inherited down the tree, an unknown role refused with nothing changed),
// and the links of a staff account to the unified identity (made, listed
// masked, refused twice, refused for a resident, removed) and the reset of
// its second factor — each answer as openapi.json describes it.
func TestIdentityAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := demo(t, e, "county.admin")
		security := demo(t, e, "county.security")
		window := demo(t, e, "county.window")

		r := security.put("/orgs/610923/security-settings", map[string]any{"totp_roles": []string{"admin", "window", "window"}})
		if r.Status != 200 {
			t.Fatalf("PUT security settings: %d %s", r.Status, r.Body)
		}
		conforms(t, "SecuritySettings", r.Body)
		var set struct {
			Roles     []string `json:"totp_roles"`
			Own       bool     `json:"own"`
			Inherited string   `json:"inherited_from"`
		}
		r = admin.get("/orgs/610923100C/security-settings")
		conforms(t, "SecuritySettings", r.Body)
		r.decode(&set)
		if set.Own || set.Inherited != "610923" || fmt.Sprint(set.Roles) != "[window admin]" {
			t.Errorf("the town centre's settings: %+v", set)
		}
		bad := admin.put("/orgs/610923/security-settings", map[string]any{"totp_roles": []string{"nobody"}}).apiErr(422, "invalid")
		if !bad.hasDetail("totp_roles", "nobody") {
			t.Errorf("refusal: %+v", bad)
		}
		if r := admin.get("/orgs/610923/security-settings"); !has(r.Body, "window") {
			t.Errorf("a refused change changed the setting: %s", r.Body)
		}
		if r := window.get("/orgs/610923/security-settings"); r.Status != 403 {
			t.Errorf("a window clerk reads the setting: %d", r.Status)
		}

		// Links.
		r = admin.post("/users/county.window/oidc-links", map[string]string{"issuer": "https://tyrz.example.gov.cn/oidc", "subject": "610923-staff-0042"})
		if r.Status != 201 {
			t.Fatalf("link: %d %s", r.Status, r.Body)
		}
		conforms(t, "OIDCLink", r.Body)
		var l struct {
			ID      int64  `json:"id"`
			Subject string `json:"subject_masked"`
		}
		r.decode(&l)
		if l.Subject != "610***********042" {
			t.Errorf("subject shown %q", l.Subject)
		}
		admin.post("/users/county.window/oidc-links", map[string]string{"issuer": "https://tyrz.example.gov.cn/oidc", "subject": "610923-staff-0042"}).apiErr(409, "conflict")
		admin.post("/users/resident.wang/oidc-links", map[string]string{"issuer": "https://tyrz.example.gov.cn/oidc", "subject": "x-1"}).apiErr(422, "invalid")
		r = admin.get("/users/county.window/oidc-links")
		conforms(t, "OIDCLinks", r.Body)
		if !has(r.Body, "610***********042") || has(r.Body, "610923-staff-0042") {
			t.Errorf("links: %s", r.Body)
		}
		if r := admin.send("DELETE", fmt.Sprintf("/users/county.window/oidc-links/%d", l.ID), nil); r.Status != 204 {
			t.Errorf("unlink: %d %s", r.Status, r.Body)
		}
		if r := admin.send("DELETE", "/users/county.window/totp", nil); r.Status != 204 {
			t.Errorf("reset: %d %s", r.Status, r.Body)
		}
	})
}

func has(body []byte, s string) bool { return strings.Contains(string(body), s) }
