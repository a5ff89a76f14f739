package config

import (
	"io"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, env map[string]string) (Config, error) {
	t.Helper()
	c, _, err := Load("test", nil, func(k string) string { return env[k] }, io.Discard)
	return c, err
}

// TestSecuritySettings: the defaults and the forms of the settings of
// issue 8 (Secure cookies, trusted proxies, /metrics, rate limits).
func TestSecuritySettings(t *testing.T) {
	c, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.SecureCookies != "auto" || c.TrustedProxies != nil || c.MetricsToken != "" ||
		c.LoginLimit != (Rate{20, 10 * time.Minute}) || c.LoginLimitAll != (Rate{300, time.Minute}) || c.LookupLimit != (Rate{20, time.Hour}) {
		t.Fatalf("defaults: %+v", c)
	}
	c, err = load(t, map[string]string{"ZWFW_SECURE_COOKIES": "1", "ZWFW_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8,::1",
		"ZWFW_LOGIN_LIMIT": "5/30s", "ZWFW_LOOKUP_LIMIT": "off"})
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	if c.SecureCookies != "true" || !slices.Equal(c.TrustedProxies, want) || c.LoginLimit != (Rate{5, 30 * time.Second}) || c.LookupLimit.N >= 0 {
		t.Fatalf("set: %+v", c)
	}
	for k, v := range map[string]string{"ZWFW_SECURE_COOKIES": "maybe", "ZWFW_TRUSTED_PROXIES": "10.0.0.0/33", "ZWFW_LOGIN_LIMIT": "5",
		"ZWFW_LOGIN_LIMIT_ALL": "0/1m", "ZWFW_LOOKUP_LIMIT": "5/48h"} {
		if _, err := load(t, map[string]string{k: v}); err == nil {
			t.Errorf("%s=%s accepted", k, v)
		}
	}
}

// TestSecurityLogDays: the security log is kept 180 days unless set
// longer; a shorter setting stops the start, saying why (§2(7) 等级保护).
func TestSecurityLogDays(t *testing.T) {
	c, err := load(t, nil)
	if err != nil || c.SecurityLogDays != 180 {
		t.Fatalf("default: %d %v", c.SecurityLogDays, err)
	}
	if c, err := load(t, map[string]string{"ZWFW_SECURITY_LOG_DAYS": "365"}); err != nil || c.SecurityLogDays != 365 {
		t.Fatalf("365: %d %v", c.SecurityLogDays, err)
	}
	for _, v := range []string{"179", "30", "0", "-1", "半年"} {
		_, err := load(t, map[string]string{"ZWFW_SECURITY_LOG_DAYS": v})
		if err == nil || !strings.Contains(err.Error(), "180") {
			t.Errorf("ZWFW_SECURITY_LOG_DAYS=%s: %v", v, err)
		}
	}
}
