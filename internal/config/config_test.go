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

// TestPlatformRole: a county by default (610923 宁陕县), the city by
// ZWFW_ROLE=city (610900 安康市); a code that does not fit the role, or a
// foreign code without a name, stops the start.
func TestPlatformRole(t *testing.T) {
	c, err := load(t, nil)
	if err != nil || c.Role != RoleCounty || c.PlatformCode != "610923" || c.PlatformName != "宁陕县" ||
		c.ExchangeBatch != 200 || c.ExchangeLagAlert != 10*time.Minute {
		t.Fatalf("defaults: %q %q %q %d %s %v", c.Role, c.PlatformCode, c.PlatformName, c.ExchangeBatch, c.ExchangeLagAlert, err)
	}
	c, err = load(t, map[string]string{"ZWFW_ROLE": "city"})
	if err != nil || c.Role != RoleCity || c.PlatformCode != "610900" || c.PlatformName != "安康市" {
		t.Fatalf("city: %q %q %q %v", c.Role, c.PlatformCode, c.PlatformName, err)
	}
	// The city started with ZWFW_ROLE=city alone does not call itself
	// 宁陕县政务服务网 nor give 宁陕县's number.
	if c.Site.Name != "安康市政务服务网" || c.Site.Organizer != "安康市人民政府办公室" || c.Site.Contact != "12345" || c.Site.Domain != "" {
		t.Fatalf("city site: %+v", c.Site)
	}
	c, err = load(t, map[string]string{"ZWFW_PLATFORM_CODE": "610922", "ZWFW_PLATFORM_NAME": "石泉县", "ZWFW_SITE_CONTACT": "0915-6321234"})
	if err != nil || c.PlatformCode != "610922" || c.PlatformName != "石泉县" || c.Site.Name != "石泉县政务服务网" || c.Site.Contact != "0915-6321234" {
		t.Fatalf("another county: %q %q %+v %v", c.PlatformCode, c.PlatformName, c.Site, err)
	}
	if c, err = load(t, nil); err != nil || c.Site.Name != "宁陕县政务服务网" || c.Site.Contact != "0915-6822345" {
		t.Fatalf("the county's site: %+v %v", c.Site, err)
	}
	for _, env := range []map[string]string{
		{"ZWFW_ROLE": "province"},
		{"ZWFW_ROLE": "city", "ZWFW_PLATFORM_CODE": "610923"},
		{"ZWFW_PLATFORM_CODE": "610900"},
		{"ZWFW_PLATFORM_CODE": "61092"},
		{"ZWFW_PLATFORM_CODE": "610922"},
		{"ZWFW_EXCHANGE_BATCH": "0"},
		{"ZWFW_EXCHANGE_LAG_ALERT": "-1m"},
	} {
		if _, err := load(t, env); err == nil {
			t.Errorf("%v accepted", env)
		}
	}
}
