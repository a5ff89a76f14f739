package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"

	"zwfw/internal/account"
	"zwfw/internal/app/apptest"
)

// TestSMSCodeAPI: codes are sent, never answered; limited per phone; sign
// in with phone + code; the privacy notice's version and consent.
func TestSMSCodeAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := anon(t, e)
		res := c.post("/auth/sms-code", map[string]string{"phone": "13991561234", "purpose": "login"})
		var out struct {
			ExpiresIn int `json:"expires_in"`
		}
		res.decode(&out)
		code := e.SMS.Code("13991561234")
		if res.Status != http.StatusAccepted || out.ExpiresIn != 600 || code == "" || bytes.Contains(res.Body, []byte(code)) {
			t.Fatalf("sms-code: %d %s (code %q)", res.Status, res.Body, code)
		}
		c.post("/auth/sms-code", map[string]string{"phone": "1399156", "purpose": "login"}).apiErr(http.StatusUnprocessableEntity, "invalid")
		c.post("/auth/sms-code", map[string]string{"phone": "13991561234", "purpose": "reset"}).apiErr(http.StatusUnprocessableEntity, "invalid")

		// Phone + code: a token for 王秀兰; the code serves once.
		c.post("/auth/login/sms", map[string]string{"phone": "13991561234", "code": "12345"}).apiErr(http.StatusUnauthorized, "unauthorized")
		res = c.post("/auth/login/sms", map[string]string{"phone": "13991561234", "code": code})
		var login struct {
			Token string
			User  struct{ Username string }
		}
		res.decode(&login)
		if res.Status != http.StatusOK || login.User.Username != "resident.wang" || login.Token == "" {
			t.Fatalf("login/sms: %d %s", res.Status, res.Body)
		}
		c.post("/auth/login/sms", map[string]string{"phone": "13991561234", "code": code}).apiErr(http.StatusUnauthorized, "unauthorized")

		// The fifth code in an hour is the last (the first was sent above).
		for i := 2; i <= 5; i++ {
			if res := c.post("/auth/sms-code", map[string]string{"phone": "13991561234", "purpose": "login"}); res.Status != http.StatusAccepted {
				t.Fatalf("code %d: %d %s", i, res.Status, res.Body)
			}
		}
		res = c.post("/auth/sms-code", map[string]string{"phone": "13991561234", "purpose": "login"})
		res.apiErr(http.StatusTooManyRequests, "too_many")
		if res.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}

		// The notice's version, and consent to it.
		var p struct{ Version, URL string }
		c.get("/auth/privacy").decode(&p)
		if p.Version != account.PrivacyVersion || p.URL != "/privacy" {
			t.Fatalf("privacy: %+v", p)
		}
		wang := demo(t, e, "resident.wang")
		wang.post("/auth/privacy", map[string]string{"version": "2020-01-01"}).apiErr(http.StatusUnprocessableEntity, "invalid")
		if res := wang.post("/auth/privacy", map[string]string{"version": account.PrivacyVersion}); res.Status != http.StatusNoContent {
			t.Fatalf("accept: %d %s", res.Status, res.Body)
		}
		var me struct {
			PrivacyVersion string `json:"privacy_version"`
			PhoneVerified  bool   `json:"phone_verified"`
		}
		wang.get("/auth/me").decode(&me)
		if me.PrivacyVersion != account.PrivacyVersion || !me.PhoneVerified {
			t.Fatalf("me: %+v", me)
		}
	})
}

// TestSMSCodePerAddress: one client address gets 20 codes an hour, for
// whatever phones.
func TestSMSCodePerAddress(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	c := anon(t, e)
	for i := 0; i < 20; i++ {
		if res := c.post("/auth/sms-code", map[string]string{"phone": fmt.Sprintf("137000%05d", i), "purpose": "register"}); res.Status != http.StatusAccepted {
			t.Fatalf("code %d: %d %s", i, res.Status, res.Body)
		}
	}
	c.post("/auth/sms-code", map[string]string{"phone": "13700099999", "purpose": "register"}).apiErr(http.StatusTooManyRequests, "too_many")
	if e.SMS.Code("13700099999") != "" {
		t.Fatal("a refused code was sent")
	}
}
