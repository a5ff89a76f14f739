package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
	"zwfw/internal/httpauth"
)

// serve runs one request through the instance's handler as if it came from
// remote (host:port), with the given headers.
func serve(t *testing.T, e *apptest.Env, method, target, remote string, hdr map[string]string, body string) *http.Response {
	t.Helper()
	h, err := e.App.Handler()
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.RemoteAddr = remote
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func cookie(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// TestSecureCookiesAndHSTS: served over HTTPS — TLS to the server, or
// X-Forwarded-Proto: https from a trusted proxy — cookies are Secure and
// answers carry HSTS, by default (issue 8, item 8); a forwarded header from
// anyone else changes nothing. ZWFW_SECURE_COOKIES=true/false overrides.
func TestSecureCookiesAndHSTS(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	h, err := e.App.Handler()
	if err != nil {
		t.Fatal(err)
	}
	tls := httptest.NewTLSServer(h)
	defer tls.Close()
	resp, err := tls.Client().Get(tls.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := cookie(resp, httpauth.CSRFCookie); c == nil || !c.Secure {
		t.Errorf("CSRF cookie over TLS: %+v, want Secure", c)
	}
	if hsts := resp.Header.Get("Strict-Transport-Security"); !strings.Contains(hsts, "max-age=") {
		t.Errorf("HSTS over TLS: %q", hsts)
	}

	proto := map[string]string{"X-Forwarded-Proto": "https"}
	plain := serve(t, e, "GET", "/login", "192.0.2.7:4000", proto, "")
	if c := cookie(plain, httpauth.CSRFCookie); c == nil || c.Secure || plain.Header.Get("Strict-Transport-Security") != "" {
		t.Errorf("X-Forwarded-Proto from an untrusted peer was believed: %+v", c)
	}
	e.App.Config.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
	proxied := serve(t, e, "GET", "/login", "192.0.2.7:4000", proto, "")
	if c := cookie(proxied, httpauth.CSRFCookie); c == nil || !c.Secure || proxied.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("behind a trusted proxy over HTTPS: cookie %+v, HSTS %q", c, proxied.Header.Get("Strict-Transport-Security"))
	}
	// A flash cookie set by a page handler is marked too.
	form := url.Values{"username": {"county.window"}, "password": {apptest.DemoPassword}, httpauth.CSRFField: {strings.Repeat("x", 43)}}
	signin := serve(t, e, "POST", "/login", "192.0.2.7:4000", map[string]string{"X-Forwarded-Proto": "https",
		"Content-Type": "application/x-www-form-urlencoded", "Cookie": httpauth.CSRFCookie + "=" + strings.Repeat("x", 43)}, form.Encode())
	if signin.StatusCode != http.StatusSeeOther || len(signin.Cookies()) < 3 {
		t.Fatalf("sign-in: %d %v", signin.StatusCode, signin.Header["Set-Cookie"])
	}
	for _, c := range signin.Cookies() {
		if !c.Secure {
			t.Errorf("cookie %s not Secure over HTTPS", c.Name)
		}
	}
	e.App.Config.SecureCookies = "false"
	if r := serve(t, e, "GET", "/login", "192.0.2.7:4000", proto, ""); cookie(r, httpauth.CSRFCookie).Secure || r.Header.Get("Strict-Transport-Security") != "" {
		t.Error("ZWFW_SECURE_COOKIES=false: still Secure")
	}
	e.App.Config.SecureCookies = "true"
	if r := serve(t, e, "GET", "/login", "198.51.100.1:4000", nil, ""); !cookie(r, httpauth.CSRFCookie).Secure {
		t.Error("ZWFW_SECURE_COOKIES=true over plain HTTP: not Secure")
	}
}

// TestClientAddressBehindProxy: the address a trusted proxy names in
// X-Forwarded-For is the client's (the one sign-in limits count); from
// anyone else the header is ignored.
func TestClientAddressBehindProxy(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	e.App.Config.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("192.0.2.1/32")}
	ctx := context.Background()
	for _, c := range []struct{ remote, xff, want string }{
		{"192.0.2.1:5000", "198.51.100.4, 203.0.113.9", "203.0.113.9"},
		{"192.0.2.1:5000", "", "192.0.2.1"},
		{"198.51.100.8:5000", "203.0.113.10", "198.51.100.8"},
	} {
		resp := serve(t, e, "POST", "/api/v1/auth/login", c.remote, map[string]string{"X-Forwarded-For": c.xff, "Content-Type": "application/json"},
			`{"username":"county.window","password":"`+apptest.DemoPassword+`"}`)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("login via %s: %d", c.remote, resp.StatusCode)
		}
	}
	ips := map[string]bool{}
	rows, err := e.App.DB.Query(ctx, "SELECT ip FROM sessions")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var ip string
		rows.Scan(&ip)
		ips[ip] = true
	}
	for ip, want := range map[string]bool{"203.0.113.9": true, "192.0.2.1": true, "198.51.100.8": true, "198.51.100.4": false, "203.0.113.10": false} {
		if ips[ip] != want {
			t.Errorf("a session from %s: %v, want %v (%v)", ip, ips[ip], want, ips)
		}
	}
}

// TestMetricsNotPublic: /metrics answers only the server itself (loopback,
// not forwarded by a proxy) or, with ZWFW_METRICS_TOKEN, the bearer of the
// token (issue 8, item 8).
func TestMetricsNotPublic(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	for _, c := range []struct {
		remote string
		hdr    map[string]string
		want   int
	}{
		{"127.0.0.1:5000", nil, http.StatusOK},
		{"[::1]:5000", nil, http.StatusOK},
		{"203.0.113.5:5000", nil, http.StatusNotFound},
		{"127.0.0.1:5000", map[string]string{"X-Forwarded-For": "203.0.113.5"}, http.StatusNotFound},
	} {
		if resp := serve(t, e, "GET", "/metrics", c.remote, c.hdr, ""); resp.StatusCode != c.want {
			t.Errorf("/metrics from %s %v = %d, want %d", c.remote, c.hdr, resp.StatusCode, c.want)
		}
	}
	e.App.Config.MetricsToken = "s3cret-scrape-token"
	for _, c := range []struct {
		remote, auth string
		want         int
	}{
		{"127.0.0.1:5000", "", http.StatusNotFound},
		{"203.0.113.5:5000", "Bearer wrong", http.StatusNotFound},
		{"203.0.113.5:5000", "Bearer s3cret-scrape-token", http.StatusOK},
	} {
		resp := serve(t, e, "GET", "/metrics", c.remote, map[string]string{"Authorization": c.auth}, "")
		if resp.StatusCode != c.want {
			t.Errorf("/metrics with token set, from %s, %q = %d, want %d", c.remote, c.auth, resp.StatusCode, c.want)
		}
	}
}
