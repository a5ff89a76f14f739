// Package apptest starts a whole zwfw — migrated, seeded with the county and
// the demo accounts — on a fresh test database, behind an httptest server.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "zwfw/internal/account/cheaphash" // test instances hash at the smallest cost
	"zwfw/internal/app"
	"zwfw/internal/config"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/seed"
	"zwfw/internal/testclock"
)

// Env is a running test instance.
type Env struct {
	App    *app.App
	Server *httptest.Server
	URL    string
	// Clock is the instance's clock when Options.Now is not given: running
	// from 09:30 on testclock.Today, never the machine's date. Tests move it
	// to walk across days.
	Clock *testclock.Clock
	// SMS receives the verification codes the instance sends (SMSCode).
	SMS *SMSBox
}

// Dialects are the databases every HTTP test runs on.
var Dialects = []string{"sqlite", "postgres"}

// AdminPassword is the password of "admin" in test instances; demo accounts
// use seed.DemoPassword.
const AdminPassword = "Zwfw@Test2026"

// Options adjust a test instance.
type Options struct {
	Now    func() time.Time // the clock; a running testclock from testclock.Today when nil
	NoDemo bool
	// Config changes the settings before the instance opens (a short
	// session idle limit for a browser test).
	Config func(*config.Config)
}

// Start opens an instance on dialect ("sqlite" or "postgres"; PostgreSQL is
// skipped, or failed under ZWFW_REQUIRE_SERVICES=1, when unreachable).
func Start(t testing.TB, dialect string, o ...Options) *Env {
	t.Helper()
	var opt Options
	if len(o) > 0 {
		opt = o[0]
	}
	dir := t.TempDir()
	cfg, err := testConfig(dir, !opt.NoDemo)
	if err != nil {
		t.Fatal(err)
	}
	// The default instance is a copy of one seeded once per process.
	fresh := opt.Config != nil || opt.Now != nil
	if opt.Config != nil {
		opt.Config(&cfg)
	}
	var clk *testclock.Clock
	if opt.Now == nil {
		clk = testclock.Running()
		opt.Now = clk.Now
	}
	ao := app.Options{Now: opt.Now}
	switch dialect {
	case "sqlite":
		dbtest.OnlyDialect(t, "sqlite")
		ao.SQLiteDSN = filepath.Join(dir, "zwfw.db")
		if !fresh {
			fromTemplate(t, dialect, cfg.Demo, dir)
		}
	case "postgres":
		if fresh {
			cfg.DatabaseURL = dbtest.PostgresSchemaURL(t)
		} else {
			dbtest.OnlyDialect(t, "postgres")
			if err := dbtest.PostgresReachable(); err != nil {
				dbtest.SkipOrFail(t, "PostgreSQL not reachable at "+dbtest.PostgresURL()+": "+err.Error())
			}
			cfg.DatabaseURL = fromTemplate(t, dialect, cfg.Demo, dir)
		}
	default:
		t.Fatalf("unknown dialect %q", dialect)
	}
	level := slog.LevelWarn
	if os.Getenv("ZWFW_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	a, err := app.Open(context.Background(), cfg, log, io.Discard, ao)
	if err != nil {
		t.Fatalf("open app on %s: %v", dialect, err)
	}
	box := &SMSBox{}
	a.Users.SetSMS(box)
	h, err := a.Handler()
	if err != nil {
		a.Close()
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		// The screens' event streams end as in a real shutdown (they
		// would hold Close until their four-minute life is over).
		a.Hall.Stop()
		srv.Close()
		a.Close()
	})
	return &Env{App: a, Server: srv, URL: srv.URL, Clock: clk, SMS: box}
}

// Each runs fn once per database, each on its own instance.
func Each(t *testing.T, fn func(t *testing.T, e *Env), o ...Options) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) { fn(t, Start(t, d, o...)) })
	}
}

// DemoPassword is re-exported for tests.
const DemoPassword = seed.DemoPassword
