package apptest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"zwfw/internal/app"
	"zwfw/internal/config"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/testclock"
)

// A template is one instance migrated and seeded once per test process and
// then copied for every test that starts with the default options: its
// data directory (the SQLite file, the audit and data keys, the catalog's
// form files) copied file by file, and on PostgreSQL its database copied
// by CREATE DATABASE … TEMPLATE. Migrating and seeding the county and its
// demo took one to three seconds an instance; some five hundred instances
// a run made CI too slow. A copy is the same database a fresh seed makes:
// the seed's steps claim their flags in the meta table, so the copy's
// start finds them done.
type template struct {
	once sync.Once
	dir  string // the data directory
	db   string // PostgreSQL: the template database
	err  error
}

type templateKey struct {
	dialect string
	demo    bool
}

var (
	templatesMu sync.Mutex
	templates   = map[templateKey]*template{}
	// copyMu: one CREATE DATABASE at a time from this process.
	copyMu sync.Mutex
)

// prefix names what this process leaves behind: template directories and
// databases live as long as the process (there is no hook at its end), and
// the next process to build a template removes those of processes that
// are gone.
func prefix(pid int) string { return "zwfw_tpl_" + strconv.Itoa(pid) + "_" }

// fromTemplate fills dir with a copy of the template for dialect and
// returns the database URL for PostgreSQL ("" for SQLite).
func fromTemplate(t testing.TB, dialect string, demo bool, dir string) string {
	t.Helper()
	templatesMu.Lock()
	k := templateKey{dialect, demo}
	tp := templates[k]
	if tp == nil {
		tp = &template{}
		templates[k] = tp
	}
	templatesMu.Unlock()
	tp.once.Do(func() { tp.err = tp.build(dialect, demo) })
	if tp.err != nil {
		t.Fatalf("template instance on %s: %v", dialect, tp.err)
	}
	if err := copyDir(tp.dir, dir); err != nil {
		t.Fatalf("copy the template instance: %v", err)
	}
	if dialect != "postgres" {
		return ""
	}
	name := prefix(os.Getpid()) + "i" + random()
	admin := pgAdmin(t)
	copyMu.Lock()
	_, err := admin.Exec("CREATE DATABASE " + name + " TEMPLATE " + tp.db)
	copyMu.Unlock()
	if err != nil {
		t.Fatalf("copy the template database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	return databaseURL(name)
}

// build migrates and seeds the template in a directory of its own.
func (tp *template) build(dialect string, demo bool) error {
	removeStale()
	dir, err := os.MkdirTemp("", prefix(os.Getpid())+"*")
	if err != nil {
		return err
	}
	tp.dir = dir
	cfg, err := testConfig(dir, demo)
	if err != nil {
		return err
	}
	ao := app.Options{Now: testclock.Running().Now}
	if dialect == "postgres" {
		tp.db = prefix(os.Getpid()) + "t" + random()
		admin, err := sql.Open("pgx", dbtest.PostgresURL())
		if err != nil {
			return err
		}
		defer admin.Close()
		if _, err := admin.Exec("CREATE DATABASE " + tp.db); err != nil {
			return err
		}
		cfg.DatabaseURL = databaseURL(tp.db)
	} else {
		ao.SQLiteDSN = filepath.Join(dir, "zwfw.db")
	}
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard, ao)
	if err != nil {
		return err
	}
	// Closed: SQLite's file is whole (its log folded in), and nothing is
	// connected to the PostgreSQL template, which CREATE DATABASE needs.
	return a.Close()
}

// testConfig is the configuration of a test instance in dir.
func testConfig(dir string, demo bool) (config.Config, error) {
	cfg, _, err := config.Load("test", nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		return cfg, err
	}
	cfg.DataDir = dir
	cfg.AdminPassword = AdminPassword
	cfg.Demo = demo
	// Every request of a test comes from 127.0.0.1: the tickets-per-address
	// limit (tested in internal/hall) would refuse the matrix's takes.
	cfg.TicketLimit = config.Rate{N: -1}
	// … and the complaints' per-address limit its submissions (tested in
	// internal/complaint).
	cfg.ComplaintLimit = config.Rate{N: -1}
	// … and the licence verifications' (tested in internal/licence).
	cfg.VerifyLimit = config.Rate{N: -1}
	return cfg, nil
}

var (
	adminOnce sync.Once
	adminDB   *sql.DB
	adminErr  error
)

// pgAdmin is this process's connection to the test server's own database,
// for creating and dropping the copies.
func pgAdmin(t testing.TB) *sql.DB {
	t.Helper()
	adminOnce.Do(func() { adminDB, adminErr = sql.Open("pgx", dbtest.PostgresURL()) })
	if adminErr != nil {
		t.Fatal(adminErr)
	}
	return adminDB
}

// databaseURL is the test server's URL with another database.
func databaseURL(name string) string {
	u, err := url.Parse(dbtest.PostgresURL())
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	q := u.Query()
	dbtest.Fast(q)
	u.RawQuery = q.Encode()
	return u.String()
}

func random() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// copyDir copies the regular files under src into dst.
func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o750)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, info.Mode().Perm())
	})
}

// removeStale removes the template directories and databases of test
// processes that have ended.
func removeStale() {
	gone := func(name string) bool {
		rest, ok := strings.CutPrefix(name, "zwfw_tpl_")
		if !ok {
			return false
		}
		pidText, _, _ := strings.Cut(rest, "_")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() {
			return false
		}
		return syscall.Kill(pid, 0) == syscall.ESRCH
	}
	if es, err := os.ReadDir(os.TempDir()); err == nil {
		for _, e := range es {
			if gone(e.Name()) {
				os.RemoveAll(filepath.Join(os.TempDir(), e.Name()))
			}
		}
	}
	admin, err := sql.Open("pgx", dbtest.PostgresURL())
	if err != nil {
		return
	}
	defer admin.Close()
	rows, err := admin.Query("SELECT datname FROM pg_database WHERE datname LIKE 'zwfw\\_tpl\\_%'")
	if err != nil {
		return
	}
	var names []string
	for rows.Next() {
		var n string
		if rows.Scan(&n) == nil && gone(n) {
			names = append(names, n)
		}
	}
	rows.Close()
	for _, n := range names {
		admin.Exec(fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", n))
	}
}
