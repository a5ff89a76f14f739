// Package app wires zwfw together: configuration → database → services →
// web pages, API and operations endpoints; and starts and stops the server.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/api"
	"zwfw/internal/attendance"
	"zwfw/internal/audit"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/casework/rollup"
	"zwfw/internal/catalog"
	"zwfw/internal/catalogsync"
	"zwfw/internal/city"
	"zwfw/internal/complaint"
	"zwfw/internal/config"
	"zwfw/internal/db"
	"zwfw/internal/disclosure"
	"zwfw/internal/esign"
	"zwfw/internal/exchange"
	"zwfw/internal/files"
	"zwfw/internal/forward"
	"zwfw/internal/hall"
	"zwfw/internal/httpauth"
	"zwfw/internal/inquiry"
	"zwfw/internal/invest"
	"zwfw/internal/jobs"
	"zwfw/internal/keyfile"
	"zwfw/internal/licence"
	"zwfw/internal/materials"
	"zwfw/internal/notify"
	"zwfw/internal/org"
	"zwfw/internal/pii"
	"zwfw/internal/review"
	"zwfw/internal/seed"
	"zwfw/internal/services"
	"zwfw/internal/supervision"
	"zwfw/internal/throttle"
	"zwfw/internal/web"
)

// Version, Commit and BuildDate are set by scripts/release.sh with
// -ldflags "-X zwfw/internal/app.Version=…" (git describe, the commit, the
// build time in UTC).
var (
	Version   = "dev"
	Commit    = ""
	BuildDate = ""
)

// App is a running platform: its database and services.
type App struct {
	Config     config.Config
	DB         *db.DB
	Orgs       *org.Service
	SMS        *org.SMSGateways // each organisation's SMS gateway (org/sms.go)
	Users      *account.Service
	Catalog    *catalog.Service
	Files      *files.Store
	Calendar   *calendar.Calendar
	Cases      *casework.Service
	Warnings   *supervision.Warnings
	Jobs       *jobs.Queue // the durable job queue; Serve works it
	Reports    *supervision.Reports
	Errors     *supervision.Errors
	Attendance *attendance.Service
	Super      *supervision.Service
	Audit      *audit.Service // audit reads, scoped
	Hall       *hall.Service  // the service hall (issue 10)
	Log        *slog.Logger
	Now        func() time.Time

	// Checkpoints are the audit chain's signed checkpoints in the data
	// directory, outside the database.
	Checkpoints *audit.Checkpoints

	// Inquiries: 首问登记 and 办事体验 (issue 11 items 4, 7a).
	Inquiries  *inquiry.Service
	Complaints *complaint.Service // 投诉建议、意见箱 (issue 11)
	// Reviews: 好差评 links, staff ratings, 差评整改 (issue 11).
	Reviews *review.Service
	// Materials: the materials library and reuse (材料库, 免提交; issue 13).
	Materials *materials.Service
	// Sanctions is the accountability register (责任追究, issue 11).
	Sanctions *supervision.Sanctions
	// Disclosure is 政务公开 (issue 12 item 2).
	Disclosure *disclosure.Service
	// Esign is 电子签章 (issue 13): the organisations' SM2 keys in the data
	// directory's keystore, signatures, signed PDFs.
	Esign *esign.Service
	// Licences are 电子证照 (issue 13): issued on completion, verified,
	// revoked, kept in the holder's wallet.
	Licences *licence.Service
	// Exchange is the county ↔ city exchange (issue 14): the outbox of
	// case events for the peer platform, their delivery, and what peers
	// send, verified and applied once.
	Exchange *exchange.Service
	// Forward carries forwarded cases (上报件) to and from peer platforms
	// over the exchange (issue 14 item 3).
	Forward *forward.Service
	// City is the city platform's view of its counties (issue 14 item 5),
	// kept from the exchange's case events when ZWFW_ROLE=city.
	City *city.Service
	// Invest is the outbox to the province's investment project platform
	// (issue 14 item 6): events of cases with a project code.
	Invest *invest.Service
	// CatalogSync: the city publishes its catalog, a county pulls it
	// (issue 14 item 4; ZWFW_CATALOG_PULL).
	CatalogSync *catalogsync.Service
}

// Options adjust Open for tests and commands.
type Options struct {
	Now       func() time.Time // the clock; time.Now when nil
	NoSeed    bool             // skip seeding (zwfw migrate)
	SQLiteDSN string           // overrides the SQLite file (tests)
	// AuditVerify opens the platform even when the audit key is not the
	// one the database's log was sealed with, or the seal is gone
	// (zwfw audit verify reports it).
	AuditVerify bool
}

// Open connects to the database, migrates it, builds the services and, on a
// new database, seeds the county and creates the first administrator (whose
// password is printed to out once when it was generated).
func Open(ctx context.Context, cfg config.Config, log *slog.Logger, out io.Writer, o Options) (*App, error) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	d, err := db.Open(ctx, db.Options{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, SQLitePath: o.SQLiteDSN, MaxConns: cfg.DBPool})
	if err != nil {
		return nil, err
	}
	// Say so before a migration that may take a while on a large database
	// (00018 builds the dashboard's breakdowns from case_stats: about half
	// a minute per million cases), so a quiet start is not taken for a hang.
	if cur, latest, err := d.SchemaVersion(ctx); err == nil && cur > 0 && cur < latest {
		log.Info("migrating the database", "from", cur, "to", latest)
	}
	applied, err := d.Migrate(ctx)
	if err != nil {
		d.Close()
		return nil, err
	}
	// One line for the migrations, not one per file: on a first start the
	// address and the administrator's password must not scroll away.
	if len(applied) > 0 {
		log.Info("applied migrations", "count", len(applied), "first", applied[0], "last", applied[len(applied)-1])
	}
	// The audit log's keys and checkpoints live outside the database.
	keys, err := audit.LoadKeys(cfg.DataDir, cfg.AuditKey)
	if err != nil {
		d.Close()
		return nil, err
	}
	cps, err := audit.OpenCheckpoints(cfg.DataDir)
	if err != nil {
		d.Close()
		return nil, err
	}
	if err := audit.Open(ctx, d, keys, cps); err != nil {
		if !o.AuditVerify || !(errors.Is(err, audit.ErrKeyMismatch) || errors.Is(err, audit.ErrSealRemoved)) {
			d.Close()
			return nil, err
		}
		log.Warn("audit log not trusted at start", "err", err)
	}
	// Personal data is sealed with keys outside the database too; a wrong
	// or missing key stops the start here, with the reason (pii.Open).
	ring, err := pii.LoadRing(cfg.DataDir, cfg.DataKey)
	if err != nil {
		d.Close()
		return nil, err
	}
	if err := pii.Open(ctx, d, ring, out); err != nil { // progress of a first conversion from clear
		d.Close()
		return nil, err
	}
	fs, err := files.NewStore(filepath.Join(cfg.DataDir, "files"), d, now)
	if err != nil {
		d.Close()
		return nil, err
	}
	orgs := org.NewService(d, now)
	a := &App{
		Config: cfg, DB: d, Orgs: orgs, Files: fs, Log: log, Now: now,
		Users: account.NewService(d, orgs, now, account.Policy{SessionIdle: cfg.SessionIdle, TokenTTL: cfg.TokenTTL,
			AddrLimit: limit(cfg.LoginLimit), GlobalLimit: limit(cfg.LoginLimitAll), HomeOrg: cfg.Site.RegionCode,
			PasswordMaxAge: days(cfg.PasswordMaxDays), PasswordHistory: orNone(cfg.PasswordHistory)}),
		Catalog: catalog.NewService(d, orgs, fs, now),
	}
	// Verification codes go through the root region's SMS gateway, a
	// setting of that organisation (org/sms.go), or to the log while it has
	// none: never into a response.
	a.SMS = &org.SMSGateways{DB: d, Root: cfg.Site.RegionCode, Fallback: account.LogCodes{Log: log}}
	a.Users.SetSMS(a.SMS.Codes())
	// The province's unified identity (统一身份认证), when configured: its
	// client secret from the environment or a file, never the database.
	if err := setOIDC(a.Users, cfg.OIDC); err != nil {
		d.Close()
		return nil, err
	}
	a.Calendar = calendar.New(d, now)
	// Days past the compiled-in holiday calendar count as plain weekdays:
	// say so at every start while deadlines set now may reach them.
	if y := calendar.UnknownAhead(now()); y != 0 {
		log.Warn("national holidays unknown: days from then on count Monday to Friday as working days and deadlines there are provisional (暂定); upgrade zwfw once the State Council publishes them, or enter them as local calendar adjustments",
			"unknown_from", fmt.Sprintf("%d-01-01", y), "known_through", calendar.KnownThrough().Format(calendar.DateLayout))
	}
	// One yellow-card rule for the workbench, the dashboard, the warning
	// job and the daily check.
	rule := casework.WarnRule{Days: cfg.WarnDays, Share: cfg.WarnShare}
	a.Cases = casework.NewService(d, a.Catalog, a.Calendar, now)
	a.Cases.SetWarnRule(rule)
	a.Attendance = attendance.New(d, a.Calendar, now)
	a.Reports = supervision.NewReports(d, a.Calendar, cfg.Site.RegionCode, now, rule)
	a.Reports.SetAttendance(a.Attendance)
	a.Errors = supervision.NewErrors(d, now)
	a.Sanctions = supervision.NewSanctions(d, now)
	a.Sanctions.SetAttendance(a.Attendance)
	a.Cases.SetLookupLimit(limit(cfg.LookupLimit))
	// Online payment (casework/payment.go): the bank's key from the
	// environment, the simulator as the default in demo mode.
	a.Cases.SetPayments([]byte(cfg.PaymentSecret), cfg.Demo)
	a.Warnings = supervision.NewWarnings(d, a.Calendar, now, rule, log)
	// The queue's tables are River's own, migrated by River beside ours.
	q, err := jobs.New(ctx, d, jobs.Config{Workers: cfg.JobWorkers, Log: log})
	if err != nil {
		d.Close()
		return nil, err
	}
	a.Jobs = q
	if cfg.JobWorkers > 0 {
		a.Warnings.Schedule(q, cfg.WarnInterval)
		a.Reports.Schedule(q, 15*time.Minute, log)
		a.Attendance.ScheduleWatch(q, time.Minute, log)
		scheduleBackup(cfg, d, q, now, log)
		days := cfg.SecurityLogDays
		if days == 0 {
			days = config.MinSecurityLogDays // a Config not from config.Load (tests)
		}
		audit.ScheduleSecurityPrune(q, d, now, days, log)
	}
	a.Super = supervision.NewService(d, a.Cases, now)
	a.Hall = hall.NewService(d, now)
	a.Hall.SetTakeLimit(limit(cfg.TicketLimit))
	a.Attendance.SetActivity(a.Hall.Busy)
	a.Inquiries = inquiry.New(d, a.Catalog, a.Calendar, cfg.Site.RegionCode, now)
	a.Inquiries.SetLimits(limit(cfg.LookupLimit), limit(cfg.TicketLimit))
	a.Complaints = complaint.New(d, a.Calendar, now)
	a.Complaints.SetSubmitLimit(limit(cfg.ComplaintLimit))
	a.Complaints.SetLookupLimit(limit(cfg.LookupLimit))
	a.Warnings.AddSource(a.Complaints.DutySource())
	a.Disclosure = disclosure.New(d, now)
	// The seals' private keys: the data directory's keystore under
	// ZWFW_ESIGN_KEY or esign.key; a process that cannot open an active
	// key stops here with the reason.
	if a.Esign, err = esign.New(ctx, d, orgs, cfg.DataDir, cfg.EsignKey, now); err != nil {
		d.Close()
		return nil, err
	}
	// Electronic licences: issued in the completion's transaction, signed
	// by the deciding department's key (issue 13 items 1–3, 5).
	a.Licences = licence.New(d, licence.ESign(a.Esign), now)
	a.Licences.SetDivisions(a.Cases.Divisions)
	a.Licences.SetPDF(licence.ESignPDF(a.Esign), fs)
	a.Licences.SetVerifyLimit(limit(cfg.VerifyLimit))
	if cfg.Site.Domain != "" {
		a.Licences.SetSite("https://" + cfg.Site.Domain)
	}
	a.Cases.SetLicenceIssuer(a.Licences)
	// The county ↔ city exchange (issue 14 items 2, 5, 7): signed with the
	// key of the platform's own organisation (ZWFW_PLATFORM_CODE).
	a.Exchange = exchange.New(d, a.Esign, orgs, exchange.Options{Role: cfg.Role, Code: cfg.PlatformCode, Name: cfg.PlatformName,
		Batch: cfg.ExchangeBatch, LagAlert: cfg.ExchangeLagAlert, Log: log, Now: now})
	a.Cases.SetEventHook(a.Exchange)
	// Forwarded cases across platforms (上报件, issue 14 item 3): sent with
	// their materials over the exchange, decided at the upper platform,
	// the decision applied back to the same case.
	a.Forward = forward.New(a.Exchange, a.Cases, a.Files)
	// One catalog, the same codes (issue 14 item 4): a county pulls its
	// city's signed catalog daily (ZWFW_CATALOG_PULL) and on demand.
	a.CatalogSync = catalogsync.New(d, a.Catalog, a.Exchange, a.Esign, orgs, now, log)
	if a.Jobs != nil && cfg.JobWorkers > 0 && cfg.CatalogPull > 0 && cfg.Role != config.RoleCity {
		a.CatalogSync.Schedule(a.Jobs, cfg.CatalogPull)
	}
	// 好差评 and 差评整改 (issue 11): every 差评 opens a work order in its
	// rating's transaction; overdue ones warn like cases.
	ratingKey, err := keyfile.ReadOrCreate(filepath.Join(cfg.DataDir, "rating.key"), func() ([]byte, error) {
		b := make([]byte, 32)
		_, err := rand.Read(b)
		return []byte(hex.EncodeToString(b)), err
	})
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("rating link key: %w", err)
	}
	ratingBase := ""
	if cfg.Site.Domain != "" {
		ratingBase = "https://" + cfg.Site.Domain
	}
	a.Reviews = review.New(d, a.Cases, a.Calendar, now, ratingKey, ratingBase)
	a.Cases.SetRatingHook(a.Reviews)
	// Sealed PDF notices (issue 13 item 4): signed by the issuing centre's
	// key, kept in the file store; the 办结通知书 carries the rating QR.
	a.Cases.SetSealing(casework.Sealing{Signer: a.Esign, Files: a.Files, Complaint: cfg.Site.ComplaintTel,
		RatePath: func(serial string) string { return a.Reviews.RatePath("c", serial, casework.ChannelQR) }})
	a.Hall.SetRatingHook(a.Reviews)
	a.Warnings.AddSource(a.Reviews.Duties())
	// The annual assessment counts the public's voice (issue 11 item 6).
	a.Reports.SetVoice(supervision.Voices{a.Reviews, a.Complaints})
	// 材料库 (issue 13 items 5, 6): accepted materials are kept for their
	// owners, and applications reuse them and the applicant's licences.
	a.Materials = materials.New(d, heldLicences{a.Licences}, now)
	a.Cases.SetMaterialsHook(a.Materials)
	// The city platform's dashboard (issue 14 item 5): its projections are
	// kept by an applier of the exchange's received case events.
	a.City = city.New(d, a.Calendar, now, city.Options{City: cfg.Role == config.RoleCity, RootCode: cfg.PlatformCode, Rule: rule,
		Events: func(ctx context.Context, from, serial string) ([]exchange.Received, error) {
			return a.Exchange.Inbox(ctx, nil, from, serial)
		}})
	a.City.Subscribe(a.Exchange)
	// The province's investment platform (issue 14 item 6): events of
	// cases with a project code wait in an outbox a job delivers; the
	// default platform only logs what it would send.
	a.Invest = invest.New(d, nil, now, log)
	a.Invest.SetCode(cfg.PlatformCode)
	// Its events come from the same case events the exchange publishes,
	// in the same transaction (events.go).
	a.Cases.SetEventHook(caseEvents{a.Exchange, a.Invest})
	if cfg.JobWorkers > 0 {
		a.Invest.Schedule(q, time.Minute)
	}
	a.Checkpoints = cps
	a.Audit = audit.NewService(d, now, func(ctx context.Context, actor *zwfw.Actor, serial string) error {
		_, err := a.Cases.Get(ctx, actor, serial)
		return err
	})
	// A database from before the supervision rollup gets it built once.
	if err := supervision.RebuildIfEmpty(ctx, d); err != nil {
		d.Close()
		return nil, err
	}
	if o.NoSeed {
		return a, nil
	}
	if err := a.Seed(ctx, out, cfg.Demo); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// limit is a configured rate as a throttle limit.
func limit(r config.Rate) throttle.Limit { return throttle.Limit{N: r.N, Window: r.Per} }

func (a *App) seedDeps() seed.Deps {
	return seed.Deps{DB: a.DB, Orgs: a.Orgs, Catalog: a.Catalog, Users: a.Users, Files: a.Files, Hall: a.Hall, Now: a.Now, Log: a.Log,
		Licences: a.Licences, City: a.Config.Role == config.RoleCity}
}

// Seed puts the county's organisations and catalog in, makes sure an
// administrator exists, and adds the demo accounts when demo is set.
func (a *App) Seed(ctx context.Context, out io.Writer, demo bool) error {
	if err := seed.Base(ctx, a.seedDeps()); err != nil {
		return err
	}
	created, pw, err := a.Users.EnsureAdmin(ctx, a.Config.AdminPassword, seed.RootCode)
	if err != nil {
		return err
	}
	if created && a.Config.AdminPassword == "" {
		fmt.Fprintf(out, "\n  已创建系统管理员账户 admin，初始密码（只显示这一次，请妥善保存）：%s\n\n", pw)
	} else if created {
		a.Log.Info("created administrator account", "username", "admin")
	}
	if demo {
		if err := seed.Demo(ctx, a.seedDeps()); err != nil {
			return err
		}
		if err := seed.DemoCases(ctx, a.seedDeps()); err != nil {
			return err
		}
		if err := seed.DemoAttendance(ctx, a.seedDeps()); err != nil {
			return err
		}
		if err := seed.DemoDisclosure(ctx, a.seedDeps()); err != nil {
			return err
		}
		return seed.DemoQueueHistory(ctx, a.seedDeps())
	}
	return nil
}

// Dispatcher delivers queued notifications; by default SMS and e-mail go
// to the log (a county plugs in its gateway here).
func (a *App) Dispatcher() *notify.Dispatcher {
	logSender := notify.LogSender{Log: a.Log}
	// SMS through the gateway of the case's organisation (or its nearest
	// ancestor's), the log where none is set.
	sms := &org.SMSGateways{DB: a.DB, Root: a.Config.Site.RegionCode, Fallback: logSender}
	return &notify.Dispatcher{DB: a.DB, Log: a.Log, Now: a.Now,
		Senders: map[string]notify.Sender{notify.SMS: sms.Notices(), notify.Email: logSender}}
}

// Close stops the job queue and releases the database.
func (a *App) Close() error {
	var err error
	if a.Jobs != nil {
		err = a.Jobs.Close()
	}
	return errors.Join(err, a.DB.Close())
}

// Services are the domain services the pages and the API share.
func (a *App) Services() services.Services {
	return services.Services{Config: a.Config, Orgs: a.Orgs, Users: a.Users, Catalog: a.Catalog, Files: a.Files,
		Cases: a.Cases, Calendar: a.Calendar, Inbox: notify.NewInbox(a.DB, a.Now), Supervision: a.Super, Warnings: a.Warnings,
		Reports: a.Reports, Errors: a.Errors, Attendance: a.Attendance, Audit: a.Audit, Hall: a.Hall, Log: a.Log, Now: a.Now,
		Inquiries: a.Inquiries, Complaints: a.Complaints, Reviews: a.Reviews, Sanctions: a.Sanctions,
		Disclosure: a.Disclosure, SMS: a.SMS, Esign: a.Esign,
		Materials: a.Materials,
		Licences:  a.Licences,
		Exchange:  a.Exchange,
		City:      a.City, CatalogSync: a.CatalogSync}
}

// Handler is the whole HTTP surface.
func (a *App) Handler() (http.Handler, error) {
	m := newMetrics(a.DB, a.Users)
	m.reg.MustRegister(exchangeCollector{a.Exchange})
	svc := a.Services()
	apiH := api.New(svc)
	webH, err := web.New(svc)
	if err != nil {
		return nil, err
	}
	front := httpauth.Options{Secure: a.Config.SecureCookies, TrustedProxies: a.Config.TrustedProxies}
	auth := httpauth.Middleware(a.Users, front)
	root := http.NewServeMux()
	root.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	root.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := a.DB.Ping(ctx); err != nil {
			a.Log.Warn("readiness check failed", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "database unavailable\n")
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})
	root.Handle("GET /metrics", m.handler(a.Config.MetricsToken))
	root.Handle("/api/v1/", auth(m.instrument("api", apiH)))
	// The exchange API (issue 14): peer platforms, no sessions — a batch is
	// believed by its SM2 signature (exchange.Receive).
	root.Handle(api.ExchangePrefix+"/", m.instrument("exchange", apiH))
	root.Handle("/", auth(m.instrument("web", webH)))
	return httpauth.Front(front)(secure(root)), nil
}

// secure sets the headers every response carries: no inline scripts or
// styles, no framing, no sniffing. When the request came over HTTPS
// (httpauth.Secure: ZWFW_SECURE_COOKIES and ZWFW_TRUSTED_PROXIES decide)
// the answer carries HSTS and every cookie it sets is marked Secure, here
// once for all of them.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		if httpauth.Secure(r) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
			w = &secureCookies{ResponseWriter: w}
		}
		next.ServeHTTP(w, r)
	})
}

// secureCookies marks every cookie of a response Secure as the header is
// written.
type secureCookies struct {
	http.ResponseWriter
	done bool
}

func (w *secureCookies) mark() {
	if w.done {
		return
	}
	w.done = true
	cs := w.Header()["Set-Cookie"]
	for i, c := range cs {
		if !strings.Contains(strings.ToLower(c), "; secure") {
			cs[i] = c + "; Secure"
		}
	}
}

func (w *secureCookies) WriteHeader(code int) {
	w.mark()
	w.ResponseWriter.WriteHeader(code)
}

func (w *secureCookies) Write(b []byte) (int, error) {
	w.mark()
	return w.ResponseWriter.Write(b)
}

func (w *secureCookies) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Listen binds addr. `zwfw serve` binds before Open: a port that is taken
// fails the start before the data directory or the database is touched,
// and before a one-time administrator password is printed for nothing.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	why := "无法监听"
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		why = "端口已被占用（另一个 zwfw 或其他程序正在使用）"
	case errors.Is(err, syscall.EACCES):
		why = "没有权限（1024 以下的端口需要特权，请让前置的 nginx 监听 80/443）"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		why = "本机没有这个地址"
	}
	return nil, fmt.Errorf("不能在 %s 上启动服务：%s。请用 ZWFW_ADDR（或 --addr）换一个地址，或先停止占用它的程序（%w）", addr, why, err)
}

// Serve listens on the configured address until ctx ends, then shuts down
// gracefully, letting requests in flight finish.
func (a *App) Serve(ctx context.Context, ready func(addr string)) error {
	ln, err := Listen(a.Config.Addr)
	if err != nil {
		return err
	}
	return a.ServeOn(ctx, ln, ready)
}

// ServeOn serves on ln, which it closes, as Serve does.
func (a *App) ServeOn(ctx context.Context, ln net.Listener, ready func(addr string)) error {
	h, err := a.Handler()
	if err != nil {
		_ = ln.Close()
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // uploads over a slow village link
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	// Display screens hold their event streams open; a shutdown ends them
	// (the screens reconnect to another process or after the restart).
	srv.RegisterOnShutdown(a.Hall.Stop)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	// The outbox dispatcher runs beside the server; with several processes
	// each runs one, and a message is claimed by exactly one of them.
	dctx, stopDispatch := context.WithCancel(context.Background())
	defer stopDispatch()
	go a.Dispatcher().Run(dctx, 2*time.Second)
	// Each process chains and checkpoints; on the way out it chains what
	// is left and writes a last checkpoint before the database closes.
	chained := make(chan struct{})
	go func() {
		defer close(chained)
		audit.RunChainer(dctx, a.DB, a.Checkpoints, time.Second, a.Config.AuditInterval, a.Log)
	}()
	// Each process also folds the queued rollup changes (PostgreSQL only:
	// casework/rollup/pending.go), and what is left on the way out.
	folded := make(chan struct{})
	go func() {
		defer close(folded)
		rollup.RunFolder(dctx, a.DB, 200*time.Millisecond, a.Log)
	}()
	// The exchange's sender (issue 14): each process delivers the outbox
	// to the peer platforms; a claimed batch is leased to one process.
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		a.Exchange.Run(dctx)
	}()
	defer func() {
		stopDispatch()
		<-chained
		<-folded
		<-sent
	}()
	// Background jobs (deadline warnings …): with several processes each
	// works the queue, and each job is taken by one of them.
	if err := a.Jobs.Start(ctx); err != nil {
		_ = srv.Close()
		return err
	}
	dir, _ := filepath.Abs(a.Config.DataDir)
	a.Log.Info("zwfw listening", "addr", "http://"+ln.Addr().String(), "data_dir", dir, "database", string(a.DB.Dialect), "version", Version)
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	// Jobs in hand finish; those not started stay queued for the next start.
	if err := a.Jobs.Stop(sctx); err != nil {
		a.Log.Warn("stopping the job queue", "err", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// days is n days as an account.Policy duration: 0 (never) is negative
// there, where 0 means the default.
func days(n int) time.Duration {
	if n == 0 {
		return -1
	}
	return time.Duration(n) * 24 * time.Hour
}

// orNone is n as an account.Policy count: 0 (none) is negative there.
func orNone(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// heldLicences gives the materials library the holder's valid licences
// (licence.Service.Held), in the library's terms: a material marked as
// provided by a licence type is filled in from them (免提交, §2(3)).
type heldLicences struct{ l *licence.Service }

func (h heldLicences) Held(ctx context.Context, holderCode string, typeCodes []string) ([]materials.Licence, error) {
	ls, err := h.l.Held(ctx, holderCode, typeCodes)
	if err != nil {
		return nil, err
	}
	out := make([]materials.Licence, len(ls))
	for i, l := range ls {
		out[i] = materials.Licence{Identifier: l.Identifier, TypeCode: l.TypeCode, Name: l.Name, Number: l.Number,
			Issuer: l.Issuer, IssuedOn: l.IssueDate, ValidTo: l.ValidTo}
	}
	return out, nil
}
