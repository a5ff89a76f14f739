// Package config reads the one typed configuration of zwfw from environment
// variables and command-line flags. Every variable ZWFW_X has a flag --x; a
// flag given on the command line wins over the environment.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"zwfw/internal/backup"
)

// Config is validated once by Load and passed explicitly to whoever needs it.
type Config struct {
	Addr          string        // ZWFW_ADDR: listen address
	DataDir       string        // ZWFW_DATA_DIR: SQLite database and uploaded files
	DatabaseURL   string        // ZWFW_DATABASE_URL: postgres://… to use PostgreSQL instead of SQLite
	AdminPassword string        // ZWFW_ADMIN_PASSWORD: password of the first admin account
	Demo          bool          // ZWFW_DEMO: add the demo accounts on start
	LogLevel      string        // ZWFW_LOG_LEVEL: debug, info, warn, error
	LogFormat     string        // ZWFW_LOG_FORMAT: text or json
	SessionIdle   time.Duration // ZWFW_SESSION_IDLE: signed-in pages expire after this idle time
	TokenTTL      time.Duration // ZWFW_TOKEN_TTL: lifetime of API bearer tokens
	MaxUpload     int64         // ZWFW_MAX_UPLOAD: largest accepted upload, bytes
	// ZWFW_SECURE_COOKIES: "auto" (the default) marks cookies Secure and
	// sends HSTS on requests that came over HTTPS — TLS to this server, or
	// X-Forwarded-Proto: https from a trusted proxy; "true" always, "false"
	// never.
	SecureCookies string
	// ZWFW_TRUSTED_PROXIES: addresses or CIDR ranges of the reverse proxies
	// in front of the server, whose X-Forwarded-For (the client address)
	// and X-Forwarded-Proto are believed. Empty: none, the peer is the client.
	TrustedProxies []netip.Prefix
	// ZWFW_METRICS_TOKEN: /metrics answers a request with "Authorization:
	// Bearer <token>"; without a token set, only requests from the loopback
	// interface that came through no proxy.
	MetricsToken  string
	LoginLimit    Rate          // ZWFW_LOGIN_LIMIT: failed sign-ins per client address
	LoginLimitAll Rate          // ZWFW_LOGIN_LIMIT_ALL: failed sign-ins on the whole platform
	LookupLimit   Rate          // ZWFW_LOOKUP_LIMIT: failed public progress lookups per client address
	PaymentSecret string        // ZWFW_PAYMENT_SECRET: key the online payment platform signs its callbacks with (HMAC-SM3)
	JobWorkers    int           // ZWFW_JOB_WORKERS: background jobs this process works at once (0: insert only, work none)
	WarnInterval  time.Duration // ZWFW_WARN_INTERVAL: how often the deadline-warning scan runs
	WarnDays      int           // ZWFW_WARN_DAYS: yellow when this many working days or fewer remain
	WarnShare     float64       // ZWFW_WARN_SHARE: yellow when this share of the promised time has passed (0 < share ≤ 1)
	AuditKey      string        // ZWFW_AUDIT_KEY: secret that MACs the audit log (empty: audit.key in the data directory); the same for every process on one database
	DataKey       string        // ZWFW_DATA_KEY: SM4 key(s) of the personal data at rest, comma-separated, current first (empty: data.key in the data directory)
	AuditInterval time.Duration // ZWFW_AUDIT_CHECKPOINT_INTERVAL: how often a signed checkpoint of the audit chain is written to the data directory
	BackupDir     string        // ZWFW_BACKUP_DIR: where `zwfw backup` and the scheduled backups write
	BackupKeyFile string        // ZWFW_BACKUP_KEY_FILE: the backup key (empty: backup.key in the data directory); keep it apart from the backups
	BackupAt      string        // ZWFW_BACKUP_AT: daily time of the scheduled backup, HH:MM China Standard Time, or off
	BackupKeep    backup.Keep   // ZWFW_BACKUP_KEEP: retention, daily/weekly/monthly
	Site          Site
}

// Site is what the public pages print in their head and footer (UX.md: 网站标识码,
// ICP备案号, 公网安备号). Values belong to the deploying county.
type Site struct {
	Name         string // ZWFW_SITE_NAME
	Organizer    string // ZWFW_SITE_ORGANIZER: 主办单位
	Contact      string // ZWFW_SITE_CONTACT: 联系电话
	Domain       string // ZWFW_SITE_DOMAIN
	IDCode       string // ZWFW_SITE_ID_CODE: 网站标识码
	ICP          string // ZWFW_SITE_ICP: ICP备案号
	PublicSec    string // ZWFW_SITE_PSB: 公网安备号
	ErrorReport  string // ZWFW_SITE_ERROR_REPORT: 政府网站找错 link
	RegionCode   string // ZWFW_REGION: division code of the deploying county
	ComplaintTel string // ZWFW_SITE_COMPLAINT: 监督投诉电话 shown when an item has none
}

// Rate is at most N events Per period; a negative N is no limit ("off").
type Rate struct {
	N   int
	Per time.Duration
}

func (r Rate) String() string {
	if r.N < 0 {
		return "off"
	}
	return fmt.Sprintf("%d/%s", r.N, r.Per)
}

// parseRate reads "20/10m" (20 per 10 minutes) or "off".
func parseRate(v string) (Rate, error) {
	if v == "off" {
		return Rate{N: -1}, nil
	}
	ns, ds, ok := strings.Cut(v, "/")
	n, err := strconv.Atoi(ns)
	if !ok || err != nil || n < 1 {
		return Rate{}, fmt.Errorf("not a rate like 20/10m or off: %q", v)
	}
	d, err := time.ParseDuration(ds)
	if err != nil || d < time.Second || d > 24*time.Hour {
		return Rate{}, fmt.Errorf("not a rate like 20/10m (period 1s–24h) or off: %q", v)
	}
	return Rate{N: n, Per: d}, nil
}

type option struct {
	env, flag, def, help string
	set                  func(c *Config, v string) error
	isBool               bool
}

func options() []option {
	str := func(p func(c *Config) *string) func(*Config, string) error {
		return func(c *Config, v string) error { *p(c) = v; return nil }
	}
	dur := func(p func(c *Config) *time.Duration) func(*Config, string) error {
		return func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("not a positive duration: %q", v)
			}
			*p(c) = d
			return nil
		}
	}
	boolean := func(p func(c *Config) *bool) func(*Config, string) error {
		return func(c *Config, v string) error {
			if v == "" {
				*p(c) = false
				return nil
			}
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("not a boolean: %q", v)
			}
			*p(c) = b
			return nil
		}
	}
	rate := func(p func(c *Config) *Rate) func(*Config, string) error {
		return func(c *Config, v string) error {
			r, err := parseRate(v)
			*p(c) = r
			return err
		}
	}
	return []option{
		{"ZWFW_ADDR", "addr", "127.0.0.1:8080", "listen address", str(func(c *Config) *string { return &c.Addr }), false},
		{"ZWFW_DATA_DIR", "data-dir", "zwfw-data", "directory for the SQLite database and uploaded files", str(func(c *Config) *string { return &c.DataDir }), false},
		{"ZWFW_DATABASE_URL", "database-url", "", "postgres://… to use PostgreSQL instead of the embedded SQLite", str(func(c *Config) *string { return &c.DatabaseURL }), false},
		{"ZWFW_ADMIN_PASSWORD", "admin-password", "", "password of the first admin account (random and printed once when empty)", str(func(c *Config) *string { return &c.AdminPassword }), false},
		{"ZWFW_DEMO", "demo", "false", "add one demo account per role on start", boolean(func(c *Config) *bool { return &c.Demo }), true},
		{"ZWFW_LOG_LEVEL", "log-level", "info", "debug, info, warn or error", str(func(c *Config) *string { return &c.LogLevel }), false},
		{"ZWFW_LOG_FORMAT", "log-format", "text", "text or json", str(func(c *Config) *string { return &c.LogFormat }), false},
		{"ZWFW_SESSION_IDLE", "session-idle", "30m", "idle time after which a signed-in page session ends", dur(func(c *Config) *time.Duration { return &c.SessionIdle }), false},
		{"ZWFW_TOKEN_TTL", "token-ttl", "12h", "lifetime of API bearer tokens", dur(func(c *Config) *time.Duration { return &c.TokenTTL }), false},
		{"ZWFW_MAX_UPLOAD", "max-upload", "20971520", "largest accepted upload in bytes", func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return fmt.Errorf("not a positive number of bytes: %q", v)
			}
			c.MaxUpload = n
			return nil
		}, false},
		{"ZWFW_SECURE_COOKIES", "secure-cookies", "auto", "Secure cookies and HSTS: auto (when the request came over HTTPS), true or false", func(c *Config, v string) error {
			switch strings.ToLower(v) {
			case "auto":
				c.SecureCookies = "auto"
			case "true", "1", "yes", "on":
				c.SecureCookies = "true"
			case "false", "0", "no", "off":
				c.SecureCookies = "false"
			default:
				return fmt.Errorf("not auto, true or false: %q", v)
			}
			return nil
		}, true},
		{"ZWFW_TRUSTED_PROXIES", "trusted-proxies", "", "comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed", func(c *Config, v string) error {
			c.TrustedProxies = nil
			for _, f := range strings.Split(v, ",") {
				if f = strings.TrimSpace(f); f == "" {
					continue
				}
				p, err := netip.ParsePrefix(f)
				if err != nil {
					a, aerr := netip.ParseAddr(f)
					if aerr != nil {
						return fmt.Errorf("not an address or CIDR range: %q", f)
					}
					p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
				}
				c.TrustedProxies = append(c.TrustedProxies, p.Masked())
			}
			return nil
		}, false},
		{"ZWFW_METRICS_TOKEN", "metrics-token", "", "bearer token that opens /metrics (empty: loopback only)", str(func(c *Config) *string { return &c.MetricsToken }), false},
		{"ZWFW_LOGIN_LIMIT", "login-limit", "20/10m", "failed sign-ins allowed per client address (n/period or off)", rate(func(c *Config) *Rate { return &c.LoginLimit }), false},
		{"ZWFW_LOGIN_LIMIT_ALL", "login-limit-all", "300/1m", "failed sign-ins allowed on the whole platform (n/period or off)", rate(func(c *Config) *Rate { return &c.LoginLimitAll }), false},
		{"ZWFW_LOOKUP_LIMIT", "lookup-limit", "20/1h", "failed public progress lookups allowed per client address (n/period or off)", rate(func(c *Config) *Rate { return &c.LookupLimit }), false},
		{"ZWFW_PAYMENT_SECRET", "payment-secret", "", "key of the online payment platform's signed callbacks (empty: online payment off)", str(func(c *Config) *string { return &c.PaymentSecret }), false},
		{"ZWFW_JOB_WORKERS", "job-workers", "4", "background jobs (deadline warnings …) this process works at once; 0 works none", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 100 {
				return fmt.Errorf("not a number of workers 0–100: %q", v)
			}
			c.JobWorkers = n
			return nil
		}, false},
		{"ZWFW_WARN_INTERVAL", "warn-interval", "1m", "how often deadline warnings are computed", dur(func(c *Config) *time.Duration { return &c.WarnInterval }), false},
		{"ZWFW_WARN_DAYS", "warn-days", "2", "yellow warning when this many working days or fewer remain", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 60 {
				return fmt.Errorf("not a number of working days 0–60: %q", v)
			}
			c.WarnDays = n
			return nil
		}, false},
		{"ZWFW_WARN_SHARE", "warn-share", "0.8", "yellow warning when this share of the promised time has passed", func(c *Config, v string) error {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f <= 0 || f > 1 {
				return fmt.Errorf("not a share between 0 and 1: %q", v)
			}
			c.WarnShare = f
			return nil
		}, false},
		{"ZWFW_AUDIT_KEY", "audit-key", "", "secret (32+ characters) that MACs the audit log; empty: the file audit.key in the data directory. Every process on one database needs the same", str(func(c *Config) *string { return &c.AuditKey }), false},
		{"ZWFW_DATA_KEY", "data-key", "", "secret(s) (32+ characters each, comma-separated, the current first) that encrypt personal data (ID numbers, phones, addresses); empty: the file data.key in the data directory. Every process on one database needs the same; keep it apart from the backups", str(func(c *Config) *string { return &c.DataKey }), false},
		{"ZWFW_AUDIT_CHECKPOINT_INTERVAL", "audit-checkpoint-interval", "1m", "how often a signed checkpoint of the audit chain's head is written to the data directory", dur(func(c *Config) *time.Duration { return &c.AuditInterval }), false},
		{"ZWFW_BACKUP_DIR", "backup-dir", "zwfw-backups", "directory of the backups (keep it on another disk than the data directory)", str(func(c *Config) *string { return &c.BackupDir }), false},
		{"ZWFW_BACKUP_KEY_FILE", "backup-key-file", "", "file of the backup encryption key, created 0600 at the first backup (empty: backup.key in the data directory); keep it apart from the backups", str(func(c *Config) *string { return &c.BackupKeyFile }), false},
		{"ZWFW_BACKUP_AT", "backup-at", "off", "daily time of the scheduled backup (HH:MM, China Standard Time) or off", func(c *Config, v string) error {
			if _, _, err := backup.ParseAt(v); err != nil {
				return err
			}
			c.BackupAt = v
			return nil
		}, false},
		{"ZWFW_BACKUP_KEEP", "backup-keep", "7/4/12", "backups kept: the newest of each of so many days/weeks/months", func(c *Config, v string) error {
			k, err := backup.ParseKeep(v)
			c.BackupKeep = k
			return err
		}, false},
		{"ZWFW_SITE_NAME", "site-name", "宁陕县政务服务网", "site name", str(func(c *Config) *string { return &c.Site.Name }), false},
		{"ZWFW_SITE_ORGANIZER", "site-organizer", "宁陕县人民政府办公室", "主办单位", str(func(c *Config) *string { return &c.Site.Organizer }), false},
		{"ZWFW_SITE_CONTACT", "site-contact", "0915-6822345", "主办单位联系电话", str(func(c *Config) *string { return &c.Site.Contact }), false},
		{"ZWFW_SITE_DOMAIN", "site-domain", "zwfw.ningshan.gov.cn", "site domain (SiteDomain meta tag)", str(func(c *Config) *string { return &c.Site.Domain }), false},
		{"ZWFW_SITE_ID_CODE", "site-id-code", "", "网站标识码 (SiteIDCode meta tag)", str(func(c *Config) *string { return &c.Site.IDCode }), false},
		{"ZWFW_SITE_ICP", "site-icp", "", "ICP备案号", str(func(c *Config) *string { return &c.Site.ICP }), false},
		{"ZWFW_SITE_PSB", "site-psb", "", "公网安备号", str(func(c *Config) *string { return &c.Site.PublicSec }), false},
		{"ZWFW_SITE_ERROR_REPORT", "site-error-report", "", "政府网站找错 link", str(func(c *Config) *string { return &c.Site.ErrorReport }), false},
		{"ZWFW_REGION", "region", "610923", "division code of the deploying county", str(func(c *Config) *string { return &c.Site.RegionCode }), false},
		{"ZWFW_SITE_COMPLAINT", "site-complaint", "12345", "监督投诉电话 shown where an item names none", str(func(c *Config) *string { return &c.Site.ComplaintTel }), false},
	}
}

// Load builds a Config from defaults, then the environment, then flags in
// args (the arguments after the subcommand). It validates the result.
func Load(name string, args []string, getenv func(string) string, stderr io.Writer) (Config, []string, error) {
	var c Config
	opts := options()
	for _, o := range opts {
		if err := o.set(&c, o.def); err != nil {
			return c, nil, fmt.Errorf("config: default %s: %w", o.env, err)
		}
	}
	for _, o := range opts {
		if v, ok := lookup(getenv, o.env); ok {
			if err := o.set(&c, v); err != nil {
				return c, nil, fmt.Errorf("config: %s: %w", o.env, err)
			}
		}
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, o := range opts {
		o := o
		if o.isBool {
			fs.BoolFunc(o.flag, o.help+" (env "+o.env+")", func(v string) error { return o.set(&c, v) })
			continue
		}
		fs.Func(o.flag, o.help+" (env "+o.env+")", func(v string) error { return o.set(&c, v) })
	}
	if err := fs.Parse(args); err != nil {
		return c, nil, err
	}
	if err := c.validate(); err != nil {
		return c, nil, err
	}
	return c, fs.Args(), nil
}

func lookup(getenv func(string) string, key string) (string, bool) {
	v := getenv(key)
	return v, v != ""
}

func (c *Config) validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("ZWFW_ADDR %q is not host:port", c.Addr))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, errors.New("ZWFW_DATABASE_URL must start with postgres:// (leave it empty for the embedded SQLite)"))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("ZWFW_DATA_DIR must not be empty"))
	} else {
		c.DataDir = filepath.Clean(c.DataDir)
	}
	if c.AuditKey != "" && len(strings.TrimSpace(c.AuditKey)) < 32 {
		errs = append(errs, errors.New("ZWFW_AUDIT_KEY must be at least 32 characters (or empty, for the key file in the data directory)"))
	}
	for _, k := range strings.Split(c.DataKey, ",") {
		if k = strings.TrimSpace(k); k != "" && len(k) < 32 {
			errs = append(errs, errors.New("ZWFW_DATA_KEY: every key must be at least 32 characters (or leave it empty, for the key file data.key in the data directory)"))
			break
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("ZWFW_LOG_LEVEL %q: use debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("ZWFW_LOG_FORMAT %q: use text or json", c.LogFormat))
	}
	if len(errs) > 0 {
		return fmt.Errorf("config: %w", errors.Join(errs...))
	}
	return nil
}

// BackupKey is the path of the backup key file.
func (c Config) BackupKey() string {
	if c.BackupKeyFile != "" {
		return c.BackupKeyFile
	}
	return filepath.Join(c.DataDir, backup.KeyFile)
}

// Usage writes the list of settings, for `zwfw help`.
func Usage(w io.Writer) {
	for _, o := range options() {
		def := o.def
		if def == "" {
			def = "(empty)"
		}
		fmt.Fprintf(w, "  --%-18s %-22s %s; default %s\n", o.flag, o.env, o.help, def)
	}
}
