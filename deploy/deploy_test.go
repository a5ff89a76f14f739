// Package deploy holds the files a county installs zwfw with (README.md
// “部署”): the systemd unit, the nginx configuration and the settings
// example. Its tests hold them to each other and to internal/config.
package deploy

import (
	"bufio"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"zwfw/internal/config"
)

// example reads zwfw.env.example: the settings it sets, and every name it
// mentions, set or commented out.
func example(t *testing.T) (set map[string]string, named []string) {
	t.Helper()
	f, err := os.Open("zwfw.env.example")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	set = map[string]string{}
	line := regexp.MustCompile(`^(#?)\s*([A-Z][A-Z0-9_]*)=(.*)$`)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		named = append(named, m[2])
		if m[1] == "" {
			set[m[2]] = m[3]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return set, named
}

// TestEnvExample: the example names only settings zwfw knows, and what it
// sets is a valid configuration.
func TestEnvExample(t *testing.T) {
	set, named := example(t)
	known := config.EnvNames()
	for _, n := range named {
		if !slices.Contains(known, n) {
			t.Errorf("zwfw.env.example names %s, which zwfw does not know (zwfw help lists the settings)", n)
		}
	}
	for _, must := range []string{"ZWFW_ADDR", "ZWFW_DATA_DIR", "ZWFW_TRUSTED_PROXIES", "ZWFW_SECURE_COOKIES", "ZWFW_MAX_UPLOAD"} {
		if _, ok := set[must]; !ok {
			t.Errorf("zwfw.env.example does not set %s", must)
		}
	}
	if _, _, err := config.Load("zwfw serve", nil, func(k string) string { return set[k] }, io.Discard); err != nil {
		t.Errorf("the example's settings: %v", err)
	}
}

// TestNginxMatchesSettings: nginx passes to ZWFW_ADDR, from an address in
// ZWFW_TRUSTED_PROXIES, with the headers zwfw believes from it, takes
// bodies as large as the largest form zwfw accepts, redirects HTTP to
// HTTPS, and leaves HSTS to zwfw.
func TestNginxMatchesSettings(t *testing.T) {
	set, _ := example(t)
	cfg, _, err := config.Load("zwfw serve", nil, func(k string) string { return set[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	conf := string(b)
	var directives []string
	for _, l := range strings.Split(conf, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			directives = append(directives, l)
		}
	}
	has := func(d string) bool { return slices.Contains(directives, d) }
	if !has("server "+cfg.Addr+";") && !has("proxy_pass http://"+cfg.Addr+";") {
		t.Errorf("nginx does not pass to ZWFW_ADDR %s", cfg.Addr)
	}
	host, _, _ := strings.Cut(cfg.Addr, ":")
	from, err := netip.ParseAddr(host)
	if err != nil {
		t.Fatal(err)
	}
	trusted := false
	for _, p := range cfg.TrustedProxies {
		trusted = trusted || p.Contains(from)
	}
	if !trusted {
		t.Errorf("nginx reaches zwfw from %s, not in ZWFW_TRUSTED_PROXIES %v", from, cfg.TrustedProxies)
	}
	for _, d := range []string{"proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;", "proxy_set_header X-Forwarded-Proto $scheme;",
		"proxy_set_header Host $host;", "return 301 https://$host$request_uri;", "listen 443 ssl;"} {
		if !has(d) {
			t.Errorf("nginx.conf lacks %q", d)
		}
	}
	if strings.Contains(conf, "Strict-Transport-Security") {
		t.Error("nginx.conf adds HSTS: zwfw sends it (ZWFW_SECURE_COOKIES), twice is wrong")
	}
	m := regexp.MustCompile(`(?m)^\s*client_max_body_size (\d+)m;`).FindStringSubmatch(conf)
	if m == nil {
		t.Fatal("nginx.conf sets no client_max_body_size in MiB")
	}
	mib, _ := strconv.ParseInt(m[1], 10, 64)
	if want := 4*cfg.MaxUpload + 1<<20; mib<<20 < want {
		t.Errorf("client_max_body_size %dm is below the largest form zwfw takes (%d bytes: 4 × ZWFW_MAX_UPLOAD + 1 MiB)", mib, want)
	}
}

// TestSystemdUnit: the unit parses (systemd-analyze verify when the
// machine has it) and carries the keys README's 部署 relies on.
func TestSystemdUnit(t *testing.T) {
	b, err := os.ReadFile("zwfw.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := string(b)
	sections := map[string]map[string][]string{}
	var cur string
	for i, l := range strings.Split(unit, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "[") && strings.HasSuffix(l, "]"):
			cur = l
			sections[cur] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(l, "=")
			if !ok || cur == "" {
				t.Fatalf("zwfw.service line %d is not key=value in a section: %s", i+1, l)
			}
			sections[cur][k] = append(sections[cur][k], v)
		}
	}
	for _, want := range []struct{ section, key, value string }{
		{"[Service]", "User", "zwfw"},
		{"[Service]", "EnvironmentFile", "/etc/zwfw/zwfw.env"},
		{"[Service]", "ExecStart", "/usr/local/bin/zwfw serve"},
		{"[Service]", "StateDirectory", "zwfw"},
		{"[Service]", "WorkingDirectory", "/var/lib/zwfw"},
		{"[Service]", "ReadWritePaths", "/var/lib/zwfw"},
		{"[Service]", "NoNewPrivileges", "yes"},
		{"[Service]", "ProtectSystem", "strict"},
		{"[Service]", "PrivateTmp", "yes"},
		{"[Service]", "Restart", "on-failure"},
		{"[Install]", "WantedBy", "multi-user.target"},
	} {
		if !slices.Contains(sections[want.section][want.key], want.value) {
			t.Errorf("zwfw.service: %s %s=%s missing (has %v)", want.section, want.key, want.value, sections[want.section][want.key])
		}
	}
	// The data directory of the example is the one the unit may write.
	set, _ := example(t)
	if set["ZWFW_DATA_DIR"] != "/var/lib/zwfw" {
		t.Errorf("zwfw.env.example puts the data in %q, the unit lets zwfw write /var/lib/zwfw only", set["ZWFW_DATA_DIR"])
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze not installed: the unit was checked key by key only")
		return
	}
	// verify wants the program to exist: this test's own binary stands in.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(t.TempDir(), "zwfw.service")
	if err := os.WriteFile(tmp, []byte(strings.Replace(unit, "ExecStart=/usr/local/bin/zwfw ", "ExecStart="+self+" ", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", tmp).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
