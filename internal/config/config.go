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
	DBPool        int           // ZWFW_DB_POOL: PostgreSQL connections per pool of this process (writes and reads each have one)
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
	TicketLimit   Rate          // ZWFW_TICKET_LIMIT: hall tickets taken per client address
	VerifyLimit   Rate          // ZWFW_VERIFY_LIMIT: licence verifications (网上验证核对) per client address
	PaymentSecret string        // ZWFW_PAYMENT_SECRET: key the online payment platform signs its callbacks with (HMAC-SM3)
	JobWorkers    int           // ZWFW_JOB_WORKERS: background jobs this process works at once (0: insert only, work none)
	WarnInterval  time.Duration // ZWFW_WARN_INTERVAL: how often the deadline-warning scan runs
	WarnDays      int           // ZWFW_WARN_DAYS: yellow when this many working days or fewer remain
	WarnShare     float64       // ZWFW_WARN_SHARE: yellow when this share of the promised time has passed (0 < share ≤ 1)
	AuditKey      string        // ZWFW_AUDIT_KEY: secret that MACs the audit log (empty: audit.key in the data directory); the same for every process on one database
	DataKey       string        // ZWFW_DATA_KEY: SM4 key(s) of the personal data at rest, comma-separated, current first (empty: data.key in the data directory)
	EsignKey      string        // ZWFW_ESIGN_KEY: master secret of the electronic seals' keystore (empty: esign.key in the data directory); the same for every process on one database
	AuditInterval time.Duration // ZWFW_AUDIT_CHECKPOINT_INTERVAL: how often a signed checkpoint of the audit chain is written to the data directory
	// SecurityLogDays: ZWFW_SECURITY_LOG_DAYS, how many days the security
	// log keeps its events; never fewer than 180 (GB/T 22239 level 3 and
	// the Cybersecurity Law art. 21 keep network logs six months; §2(7)).
	SecurityLogDays int
	// PasswordMaxDays: ZWFW_PASSWORD_MAX_DAYS, days after which a staff
	// password expires (0: never); PasswordHistory: ZWFW_PASSWORD_HISTORY,
	// how many last passwords a new one may not repeat (0: none). Platform
	// settings, not an organisation's: see account.Policy.
	PasswordMaxDays int
	PasswordHistory int
	BackupDir       string      // ZWFW_BACKUP_DIR: where `zwfw backup` and the scheduled backups write
	BackupKeyFile   string      // ZWFW_BACKUP_KEY_FILE: the backup key (empty: backup.key in the data directory); keep it apart from the backups
	BackupAt        string      // ZWFW_BACKUP_AT: daily time of the scheduled backup, HH:MM China Standard Time, or off
	BackupKeep      backup.Keep // ZWFW_BACKUP_KEEP: retention, daily/weekly/monthly
	Site            Site

	// ComplaintLimit: ZWFW_COMPLAINT_LIMIT, complaints and suggestions
	// submitted per client address (the centre's 意见箱 tablet is one).
	ComplaintLimit Rate

	// The county ↔ city exchange (issue 14; 实施方案 §1(2) "与'市云平台'
	// 进行对接"). Role: ZWFW_ROLE, "county" (the default) or "city" — the
	// same binary serves either. PlatformCode: ZWFW_PLATFORM_CODE, this
	// platform's 区划代码 (default 610923 宁陕县 for a county, 610900 安康市
	// for the city); its organisation's SM2 key signs what the platform
	// sends. PlatformName: ZWFW_PLATFORM_NAME likewise.
	Role         string
	PlatformCode string
	PlatformName string
	// ExchangeBatch: ZWFW_EXCHANGE_BATCH, events sent to a peer in one
	// request; ExchangeLagAlert: ZWFW_EXCHANGE_LAG_ALERT, the age of the
	// oldest undelivered event past which the operators are warned.
	ExchangeBatch    int
	ExchangeLagAlert time.Duration
	// CatalogPull: ZWFW_CATALOG_PULL, how often a county pulls its city's
	// catalog (issue 14 item 4); 0: only on demand.
	CatalogPull time.Duration

	// OIDC: the province's unified identity (统一身份认证, issue 14), the
	// ZWFW_OIDC_* variables; off while ZWFW_OIDC_ISSUER is empty.
	OIDC OIDC
}

// OIDC is the OpenID Connect provider the platform signs in through. The
// client secret is never in the repository or the database: the
// environment (ZWFW_OIDC_CLIENT_SECRET) or a file (…_FILE).
type OIDC struct {
	Issuer           string // ZWFW_OIDC_ISSUER
	ClientID         string // ZWFW_OIDC_CLIENT_ID
	ClientSecret     string // ZWFW_OIDC_CLIENT_SECRET
	ClientSecretFile string // ZWFW_OIDC_CLIENT_SECRET_FILE
	RedirectURL      string // ZWFW_OIDC_REDIRECT_URL: https://<site>/login/oidc/callback
	PostLogoutURL    string // ZWFW_OIDC_POST_LOGOUT_URL
	IDClaim          string // ZWFW_OIDC_ID_CLAIM
	VerifiedClaim    string // ZWFW_OIDC_ID_VERIFIED_CLAIM
	StaffClaim       string // ZWFW_OIDC_STAFF_CLAIM: claim=value marking a staff identity
}

// Roles of a deployment (ZWFW_ROLE).
const (
	RoleCounty = "county"
	RoleCity   = "city"
)

// Default platform codes and names by role: the seeded county and its city.
const (
	DefaultCountyCode = "610923"
	DefaultCountyName = "宁陕县"
	DefaultCityCode   = "610900"
	DefaultCityName   = "安康市"

	// The site's defaults: the seeded county's (another platform derives
	// its own from its name in validate).
	defaultSiteName      = "宁陕县政务服务网"
	defaultSiteOrganizer = "宁陕县人民政府办公室"
	defaultSiteContact   = "0915-6822345"
	defaultSiteDomain    = "zwfw.ningshan.gov.cn"
)

// MinSecurityLogDays is the shortest the security log may be kept: six
// months (网络安全法 第二十一条; 等保 2.0 level 3, §2(7)).
const MinSecurityLogDays = 180

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
		return Rate{}, fmt.Errorf("应为“次数/时段”（如 20/10m）或 off：%q", v)
	}
	d, err := time.ParseDuration(ds)
	if err != nil || d < time.Second || d > 24*time.Hour {
		return Rate{}, fmt.Errorf("应为“次数/时段”（如 20/10m，时段 1s–24h）或 off：%q", v)
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
				return fmt.Errorf("应为正的时长（如 30s、10m、12h）：%q", v)
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
				return fmt.Errorf("应为 true 或 false：%q", v)
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
		{"ZWFW_ADDR", "addr", "127.0.0.1:8080", "监听地址", str(func(c *Config) *string { return &c.Addr }), false},
		{"ZWFW_DATA_DIR", "data-dir", "zwfw-data", "SQLite 数据库和上传文件的目录", str(func(c *Config) *string { return &c.DataDir }), false},
		{"ZWFW_DATABASE_URL", "database-url", "", "设为 postgres://… 时改用 PostgreSQL（为空时用内置的 SQLite）", str(func(c *Config) *string { return &c.DatabaseURL }), false},
		{"ZWFW_DB_POOL", "db-pool", "16", "使用 PostgreSQL 时本进程每个连接池的连接数（写、读各一个池）；多个进程共用一个数据库时，所有进程的连接总数须小于数据库的 max_connections", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 2 || n > 200 {
				return fmt.Errorf("应为 2–200 的整数：%q", v)
			}
			c.DBPool = n
			return nil
		}, false},
		{"ZWFW_ADMIN_PASSWORD", "admin-password", "", "首个管理员 admin 的密码（为空时随机生成并只显示一次）", str(func(c *Config) *string { return &c.AdminPassword }), false},
		{"ZWFW_DEMO", "demo", "false", "启动时添加每个角色的演示账户和演示办件", boolean(func(c *Config) *bool { return &c.Demo }), true},
		{"ZWFW_LOG_LEVEL", "log-level", "info", "日志级别：debug、info、warn 或 error", str(func(c *Config) *string { return &c.LogLevel }), false},
		{"ZWFW_LOG_FORMAT", "log-format", "text", "日志格式：text 或 json", str(func(c *Config) *string { return &c.LogFormat }), false},
		{"ZWFW_SESSION_IDLE", "session-idle", "30m", "页面登录会话空闲多久后失效", dur(func(c *Config) *time.Duration { return &c.SessionIdle }), false},
		{"ZWFW_TOKEN_TTL", "token-ttl", "12h", "接口令牌（Bearer）的有效期", dur(func(c *Config) *time.Duration { return &c.TokenTTL }), false},
		{"ZWFW_MAX_UPLOAD", "max-upload", "20971520", "上传文件的大小上限（字节）", func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return fmt.Errorf("应为正整数（字节）：%q", v)
			}
			c.MaxUpload = n
			return nil
		}, false},
		{"ZWFW_SECURE_COOKIES", "secure-cookies", "auto", "Cookie 加 Secure、响应加 HSTS：auto（请求经 HTTPS 到达时）、true 或 false", func(c *Config, v string) error {
			switch strings.ToLower(v) {
			case "auto":
				c.SecureCookies = "auto"
			case "true", "1", "yes", "on":
				c.SecureCookies = "true"
			case "false", "0", "no", "off":
				c.SecureCookies = "false"
			default:
				return fmt.Errorf("应为 auto、true 或 false：%q", v)
			}
			return nil
		}, true},
		{"ZWFW_TRUSTED_PROXIES", "trusted-proxies", "", "前置反向代理的地址或网段（逗号分隔），只相信它们送来的 X-Forwarded-For 和 X-Forwarded-Proto", func(c *Config, v string) error {
			c.TrustedProxies = nil
			for _, f := range strings.Split(v, ",") {
				if f = strings.TrimSpace(f); f == "" {
					continue
				}
				p, err := netip.ParsePrefix(f)
				if err != nil {
					a, aerr := netip.ParseAddr(f)
					if aerr != nil {
						return fmt.Errorf("不是地址或网段（如 127.0.0.1、10.0.0.0/8）：%q", f)
					}
					p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
				}
				c.TrustedProxies = append(c.TrustedProxies, p.Masked())
			}
			return nil
		}, false},
		{"ZWFW_METRICS_TOKEN", "metrics-token", "", "访问 /metrics 的令牌（为空时只回应本机回环地址）", str(func(c *Config) *string { return &c.MetricsToken }), false},
		{"ZWFW_LOGIN_LIMIT", "login-limit", "20/10m", "每个客户端地址允许的登录失败次数/时段（或 off）", rate(func(c *Config) *Rate { return &c.LoginLimit }), false},
		{"ZWFW_LOGIN_LIMIT_ALL", "login-limit-all", "300/1m", "全平台允许的登录失败次数/时段（或 off）", rate(func(c *Config) *Rate { return &c.LoginLimitAll }), false},
		{"ZWFW_LOOKUP_LIMIT", "lookup-limit", "20/1h", "每个客户端地址允许的办件公开查询失败次数/时段（或 off）", rate(func(c *Config) *Rate { return &c.LookupLimit }), false},
		{"ZWFW_VERIFY_LIMIT", "verify-limit", "120/1h", "每个客户端地址允许的电子证照验证次数/时段（按标识、扫码或上传文件验证都算；或 off）", rate(func(c *Config) *Rate { return &c.VerifyLimit }), false},
		{"ZWFW_TICKET_LIMIT", "ticket-limit", "120/10m", "每个客户端地址允许的取号次数/时段，签到码输错也计入（取号机也是一个地址；或 off）", rate(func(c *Config) *Rate { return &c.TicketLimit }), false},
		{"ZWFW_COMPLAINT_LIMIT", "complaint-limit", "30/10m", "每个客户端地址允许提交投诉建议的次数/时段（意见箱平板也是一个地址；或 off）", rate(func(c *Config) *Rate { return &c.ComplaintLimit }), false},
		{"ZWFW_PAYMENT_SECRET", "payment-secret", "", "网上支付平台回调签名的密钥（为空时不开通网上支付）", str(func(c *Config) *string { return &c.PaymentSecret }), false},
		{"ZWFW_JOB_WORKERS", "job-workers", "4", "本进程同时执行的后台任务数（办理时限预警等）；0 为不执行", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 100 {
				return fmt.Errorf("应为 0–100 的整数：%q", v)
			}
			c.JobWorkers = n
			return nil
		}, false},
		{"ZWFW_WARN_INTERVAL", "warn-interval", "1m", "办理时限预警的计算间隔", dur(func(c *Config) *time.Duration { return &c.WarnInterval }), false},
		{"ZWFW_WARN_DAYS", "warn-days", "2", "剩余工作日不超过此数时黄牌预警", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 60 {
				return fmt.Errorf("应为 0–60 的工作日数：%q", v)
			}
			c.WarnDays = n
			return nil
		}, false},
		{"ZWFW_WARN_SHARE", "warn-share", "0.8", "已用时限达到此比例时黄牌预警", func(c *Config, v string) error {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f <= 0 || f > 1 {
				return fmt.Errorf("应为大于 0、不大于 1 的比例：%q", v)
			}
			c.WarnShare = f
			return nil
		}, false},
		{"ZWFW_AUDIT_KEY", "audit-key", "", "审计日志的密钥（至少 32 个字符）；为空时用数据目录下的 audit.key。共用一个数据库的所有进程必须相同", str(func(c *Config) *string { return &c.AuditKey }), false},
		{"ZWFW_DATA_KEY", "data-key", "", "个人信息（身份证号、电话、地址）的加密密钥（每个至少 32 个字符，多个用逗号分隔，第一个为当前密钥）；为空时用数据目录下的 data.key。共用一个数据库的所有进程必须相同；请与备份分开保存", str(func(c *Config) *string { return &c.DataKey }), false},
		{"ZWFW_ESIGN_KEY", "esign-key", "", "电子签章密钥库的主密钥（至少 32 个字符），用它以 SM4 加密数据目录 keystore 下的各机构签章私钥；为空时用数据目录下的 esign.key。共用一个数据库的所有进程必须相同，并共用同一个 keystore 目录", str(func(c *Config) *string { return &c.EsignKey }), false},
		{"ZWFW_AUDIT_CHECKPOINT_INTERVAL", "audit-checkpoint-interval", "1m", "审计链链头签名检查点写入数据目录的间隔", dur(func(c *Config) *time.Duration { return &c.AuditInterval }), false},
		{"ZWFW_SECURITY_LOG_DAYS", "security-log-days", "180", "安全日志（登录失败、账户锁定、越权访问、查看个人信息、设置变更、导出）的保留天数，不少于 180 天", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < MinSecurityLogDays || n > 36500 {
				return fmt.Errorf("应为不少于 %d 天的整数（网络安全法要求网络日志至少留存六个月）：%q", MinSecurityLogDays, v)
			}
			c.SecurityLogDays = n
			return nil
		}, false},
		{"ZWFW_PASSWORD_MAX_DAYS", "password-max-days", "90", "工作人员密码的有效天数，到期须先修改密码才能继续使用（到期前 14 天起提醒）；0 为不过期", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 365 {
				return fmt.Errorf("应为 0–365 的天数：%q", v)
			}
			c.PasswordMaxDays = n
			return nil
		}, false},
		{"ZWFW_PASSWORD_HISTORY", "password-history", "5", "新密码不能与最近几次使用过的密码相同；0 为不限制", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 24 {
				return fmt.Errorf("应为 0–24 的次数：%q", v)
			}
			c.PasswordHistory = n
			return nil
		}, false},
		{"ZWFW_OIDC_ISSUER", "oidc-issuer", "", "统一身份认证（OpenID Connect）签发者地址，如 https://tyrz.shaanxi.gov.cn/oidc；为空时不开通统一身份认证登录", str(func(c *Config) *string { return &c.OIDC.Issuer }), false},
		{"ZWFW_OIDC_CLIENT_ID", "oidc-client-id", "", "在统一身份认证平台注册的客户端 ID", str(func(c *Config) *string { return &c.OIDC.ClientID }), false},
		{"ZWFW_OIDC_CLIENT_SECRET", "oidc-client-secret", "", "统一身份认证客户端密钥（也可用 ZWFW_OIDC_CLIENT_SECRET_FILE 从文件读取；不要写入代码库）", str(func(c *Config) *string { return &c.OIDC.ClientSecret }), false},
		{"ZWFW_OIDC_CLIENT_SECRET_FILE", "oidc-client-secret-file", "", "存放统一身份认证客户端密钥的文件（权限 0600）", str(func(c *Config) *string { return &c.OIDC.ClientSecretFile }), false},
		{"ZWFW_OIDC_REDIRECT_URL", "oidc-redirect-url", "", "在统一身份认证平台登记的回调地址：https://本站域名/login/oidc/callback", str(func(c *Config) *string { return &c.OIDC.RedirectURL }), false},
		{"ZWFW_OIDC_POST_LOGOUT_URL", "oidc-post-logout-url", "", "在统一身份认证平台退出后返回的地址（为空时为本站首页）", str(func(c *Config) *string { return &c.OIDC.PostLogoutURL }), false},
		{"ZWFW_OIDC_ID_CLAIM", "oidc-id-claim", "id_number", "身份令牌中居民身份证号的声明名", str(func(c *Config) *string { return &c.OIDC.IDClaim }), false},
		{"ZWFW_OIDC_ID_VERIFIED_CLAIM", "oidc-id-verified-claim", "id_number_verified", "身份令牌中“身份证号已实名核验”的声明名（须为 true 才能关联账户）", str(func(c *Config) *string { return &c.OIDC.VerifiedClaim }), false},
		{"ZWFW_OIDC_STAFF_CLAIM", "oidc-staff-claim", "user_type=staff", "标识工作人员身份的声明（声明名=值）；工作人员须由管理员绑定后才能用统一身份认证登录", str(func(c *Config) *string { return &c.OIDC.StaffClaim }), false},
		{"ZWFW_BACKUP_DIR", "backup-dir", "zwfw-backups", "备份目录（请放在与数据目录不同的磁盘上）", str(func(c *Config) *string { return &c.BackupDir }), false},
		{"ZWFW_BACKUP_KEY_FILE", "backup-key-file", "", "备份的加密密钥文件，首次备份时生成（权限 0600）；为空时用数据目录下的 backup.key。请与备份分开保存", str(func(c *Config) *string { return &c.BackupKeyFile }), false},
		{"ZWFW_BACKUP_AT", "backup-at", "off", "每天自动备份的时间（北京时间 HH:MM），off 为不自动备份", func(c *Config, v string) error {
			if _, _, err := backup.ParseAt(v); err != nil {
				return err
			}
			c.BackupAt = v
			return nil
		}, false},
		{"ZWFW_BACKUP_KEEP", "backup-keep", "7/4/12", "备份保留策略：每日/每周/每月各保留最近几份", func(c *Config, v string) error {
			k, err := backup.ParseKeep(v)
			c.BackupKeep = k
			return err
		}, false},
		{"ZWFW_ROLE", "role", "county", "本平台的角色：county（县级平台）或 city（市级平台，接收各县的办件信息）", func(c *Config, v string) error {
			switch v {
			case RoleCounty, RoleCity:
				c.Role = v
				return nil
			}
			return fmt.Errorf("应为 county 或 city：%q", v)
		}, false},
		{"ZWFW_PLATFORM_CODE", "platform-code", "", "本平台的行政区划代码（为空时县级为 610923，市级为 610900），本平台以该机构的电子签章密钥签名交换的数据", func(c *Config, v string) error {
			if v != "" && !regionCode(v) {
				return fmt.Errorf("应为 6 位行政区划代码：%q", v)
			}
			c.PlatformCode = v
			return nil
		}, false},
		{"ZWFW_PLATFORM_NAME", "platform-name", "", "本平台的名称（为空时县级为宁陕县，市级为安康市）", str(func(c *Config) *string { return &c.PlatformName }), false},
		{"ZWFW_EXCHANGE_BATCH", "exchange-batch", "200", "市县数据交换每次发送的事件数上限", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 5000 {
				return fmt.Errorf("应为 1–5000 的整数：%q", v)
			}
			c.ExchangeBatch = n
			return nil
		}, false},
		{"ZWFW_EXCHANGE_LAG_ALERT", "exchange-lag-alert", "10m", "最早一条未送达的交换事件超过此时长时告警", dur(func(c *Config) *time.Duration { return &c.ExchangeLagAlert }), false},
		{"ZWFW_CATALOG_PULL", "catalog-pull", "24h", "县级平台从市级平台同步事项目录的间隔；0 为不定时同步（仍可在事项管理中或用 zwfw catalog pull 同步）", func(c *Config, v string) error {
			if v == "0" || v == "off" {
				c.CatalogPull = 0
				return nil
			}
			d, err := time.ParseDuration(v)
			if err != nil || d < time.Minute {
				return fmt.Errorf("应为不短于 1m 的时长（如 24h），或 0 表示不定时同步：%q", v)
			}
			c.CatalogPull = d
			return nil
		}, false},
		{"ZWFW_SITE_NAME", "site-name", defaultSiteName, "网站名称", str(func(c *Config) *string { return &c.Site.Name }), false},
		{"ZWFW_SITE_ORGANIZER", "site-organizer", defaultSiteOrganizer, "主办单位", str(func(c *Config) *string { return &c.Site.Organizer }), false},
		{"ZWFW_SITE_CONTACT", "site-contact", defaultSiteContact, "主办单位联系电话", str(func(c *Config) *string { return &c.Site.Contact }), false},
		{"ZWFW_SITE_DOMAIN", "site-domain", defaultSiteDomain, "网站域名（SiteDomain）", str(func(c *Config) *string { return &c.Site.Domain }), false},
		{"ZWFW_SITE_ID_CODE", "site-id-code", "", "网站标识码（SiteIDCode）", str(func(c *Config) *string { return &c.Site.IDCode }), false},
		{"ZWFW_SITE_ICP", "site-icp", "", "ICP备案号", str(func(c *Config) *string { return &c.Site.ICP }), false},
		{"ZWFW_SITE_PSB", "site-psb", "", "公网安备号", str(func(c *Config) *string { return &c.Site.PublicSec }), false},
		{"ZWFW_SITE_ERROR_REPORT", "site-error-report", "", "政府网站找错的链接", str(func(c *Config) *string { return &c.Site.ErrorReport }), false},
		{"ZWFW_REGION", "region", "610923", "部署县的行政区划代码", str(func(c *Config) *string { return &c.Site.RegionCode }), false},
		{"ZWFW_SITE_COMPLAINT", "site-complaint", "12345", "事项未写明时显示的监督投诉电话", str(func(c *Config) *string { return &c.Site.ComplaintTel }), false},
	}
}

// Load builds a Config from defaults, then the environment, then flags in
// args (the arguments after the subcommand). It validates the result.
func Load(name string, args []string, getenv func(string) string, stderr io.Writer) (Config, []string, error) {
	var c Config
	opts := options()
	for _, o := range opts {
		if err := o.set(&c, o.def); err != nil {
			return c, nil, fmt.Errorf("设置 %s 的默认值有误：%w", o.env, err)
		}
	}
	for _, o := range opts {
		if v, ok := lookup(getenv, o.env); ok {
			if err := o.set(&c, v); err != nil {
				return c, nil, fmt.Errorf("设置 %s 有误：%w", o.env, err)
			}
		}
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// The flag package speaks English: its messages are said again here.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	for _, o := range opts {
		o := o
		if o.isBool {
			fs.BoolFunc(o.flag, o.help+"（环境变量 "+o.env+"）", func(v string) error { return o.set(&c, v) })
			continue
		}
		fs.Func(o.flag, o.help+"（环境变量 "+o.env+"）", func(v string) error { return o.set(&c, v) })
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "用法：%s [参数]\n\n参数（也可以用环境变量给出，参数优先）：\n", name)
			Usage(stderr)
			return c, nil, err
		}
		return c, nil, fmt.Errorf("%s（zwfw help 列出全部参数）", flagError(err))
	}
	if err := c.validate(); err != nil {
		return c, nil, err
	}
	return c, fs.Args(), nil
}

// flagError says the flag package's complaint in Chinese.
func flagError(err error) string {
	msg := err.Error()
	for _, t := range []struct{ en, zh string }{
		{"flag provided but not defined: ", "没有这个参数："},
		{"flag needs an argument: ", "参数缺少取值："},
		{"bad flag syntax: ", "参数格式不正确："},
	} {
		if rest, ok := strings.CutPrefix(msg, t.en); ok {
			return t.zh + rest
		}
	}
	// invalid value "x" for flag -y: <our own, Chinese, error>
	if rest, ok := strings.CutPrefix(msg, "invalid value "); ok {
		if v, f, ok := strings.Cut(rest, " for flag "); ok {
			f, why, _ := strings.Cut(f, ": ")
			return fmt.Sprintf("参数 %s 的值 %s 有误：%s", f, v, why)
		}
	}
	if rest, ok := strings.CutPrefix(msg, "invalid boolean value "); ok {
		if v, f, ok := strings.Cut(rest, " for "); ok {
			f, why, _ := strings.Cut(f, ": ")
			return fmt.Sprintf("参数 %s 的值 %s 有误：%s", f, v, why)
		}
	}
	return msg
}

func lookup(getenv func(string) string, key string) (string, bool) {
	v := getenv(key)
	return v, v != ""
}

func (c *Config) validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("ZWFW_ADDR %q 应为“地址:端口”（如 127.0.0.1:8080）", c.Addr))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, errors.New("ZWFW_DATABASE_URL 应以 postgres:// 开头（使用内置的 SQLite 时留空）"))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("ZWFW_DATA_DIR 不能为空"))
	} else {
		c.DataDir = filepath.Clean(c.DataDir)
	}
	if c.AuditKey != "" && len(strings.TrimSpace(c.AuditKey)) < 32 {
		errs = append(errs, errors.New("ZWFW_AUDIT_KEY 至少 32 个字符（或留空，使用数据目录下的密钥文件）"))
	}
	if c.EsignKey != "" && len(strings.TrimSpace(c.EsignKey)) < 32 {
		errs = append(errs, errors.New("ZWFW_ESIGN_KEY 至少 32 个字符（或留空，使用数据目录下的 esign.key）"))
	}
	for _, k := range strings.Split(c.DataKey, ",") {
		if k = strings.TrimSpace(k); k != "" && len(k) < 32 {
			errs = append(errs, errors.New("ZWFW_DATA_KEY 的每个密钥至少 32 个字符（或留空，使用数据目录下的 data.key）"))
			break
		}
	}
	if o := c.OIDC; o.Issuer != "" || o.ClientID != "" || o.RedirectURL != "" {
		switch {
		case o.Issuer == "" || o.ClientID == "" || o.RedirectURL == "":
			errs = append(errs, errors.New("开通统一身份认证须同时设置 ZWFW_OIDC_ISSUER、ZWFW_OIDC_CLIENT_ID 和 ZWFW_OIDC_REDIRECT_URL"))
		case !secureURL(o.Issuer) || !secureURL(o.RedirectURL):
			errs = append(errs, errors.New("ZWFW_OIDC_ISSUER 和 ZWFW_OIDC_REDIRECT_URL 须为 https:// 地址（只有本机测试可用 http://127.0.0.1）"))
		case o.ClientSecret != "" && o.ClientSecretFile != "":
			errs = append(errs, errors.New("ZWFW_OIDC_CLIENT_SECRET 和 ZWFW_OIDC_CLIENT_SECRET_FILE 只设其一"))
		}
		if k, v, ok := strings.Cut(o.StaffClaim, "="); !ok || k == "" || v == "" {
			errs = append(errs, fmt.Errorf("ZWFW_OIDC_STAFF_CLAIM 应为“声明名=值”，如 user_type=staff：%q", o.StaffClaim))
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("ZWFW_LOG_LEVEL %q 应为 debug、info、warn 或 error", c.LogLevel))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("ZWFW_LOG_FORMAT %q 应为 text 或 json", c.LogFormat))
	}
	if c.PlatformCode == "" {
		c.PlatformCode = DefaultCountyCode
		if c.Role == RoleCity {
			c.PlatformCode = DefaultCityCode
		}
	}
	if c.PlatformName == "" {
		switch {
		case c.PlatformCode == DefaultCountyCode:
			c.PlatformName = DefaultCountyName
		case c.PlatformCode == DefaultCityCode:
			c.PlatformName = DefaultCityName
		default:
			errs = append(errs, fmt.Errorf("ZWFW_PLATFORM_NAME 不能为空（ZWFW_PLATFORM_CODE 为 %s 时须写明本平台的名称）", c.PlatformCode))
		}
	}
	// The site's defaults are 宁陕县's: another platform left on them
	// (a city started with ZWFW_ROLE=city alone) would call itself
	// 宁陕县政务服务网 and give 宁陕县's number. It takes its own name, and
	// the 12345 hotline until its contact and domain are set.
	if c.PlatformCode != DefaultCountyCode && c.PlatformName != "" {
		if c.Site.Name == defaultSiteName {
			c.Site.Name = c.PlatformName + "政务服务网"
		}
		if c.Site.Organizer == defaultSiteOrganizer {
			c.Site.Organizer = c.PlatformName + "人民政府办公室"
		}
		if c.Site.Contact == defaultSiteContact {
			c.Site.Contact = "12345"
		}
		if c.Site.Domain == defaultSiteDomain {
			c.Site.Domain = ""
		}
	}
	// A city's code ends in 00 (市辖), a county's does not (GB/T 2260).
	if c.Role == RoleCity && !strings.HasSuffix(c.PlatformCode, "00") {
		errs = append(errs, fmt.Errorf("ZWFW_ROLE=city 时 ZWFW_PLATFORM_CODE 应为市级区划代码（末两位 00）：%s", c.PlatformCode))
	}
	if c.Role == RoleCounty && strings.HasSuffix(c.PlatformCode, "00") {
		errs = append(errs, fmt.Errorf("ZWFW_ROLE=county 时 ZWFW_PLATFORM_CODE 应为县级区划代码（末两位不为 00）：%s", c.PlatformCode))
	}
	if len(errs) > 0 {
		return fmt.Errorf("设置有误：%w", errors.Join(errs...))
	}
	return nil
}

// regionCode reports whether v is a six-digit division code.
func regionCode(v string) bool {
	if len(v) != 6 {
		return false
	}
	for _, r := range v {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// BackupKey is the path of the backup key file.
func (c Config) BackupKey() string {
	if c.BackupKeyFile != "" {
		return c.BackupKeyFile
	}
	return filepath.Join(c.DataDir, backup.KeyFile)
}

// EnvNames lists the environment variables Load reads, in the order of
// `zwfw help` (deploy/zwfw.env.example is checked against it).
func EnvNames() []string {
	var out []string
	for _, o := range options() {
		out = append(out, o.env)
	}
	return out
}

// Usage writes the list of settings, for `zwfw help`.
func Usage(w io.Writer) {
	for _, o := range options() {
		def := "默认 " + o.def
		if o.def == "" {
			def = "默认为空"
		}
		fmt.Fprintf(w, "  --%-26s %-31s %s；%s\n", o.flag, o.env, o.help, def)
	}
}

// secureURL: https, or http to the machine itself (tests, a local proxy).
func secureURL(u string) bool {
	return strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://127.0.0.1") || strings.HasPrefix(u, "http://localhost")
}
