// Package dbtest opens migrated test databases: a temporary SQLite file in
// WAL mode, and a fresh schema on the PostgreSQL server when one is reachable.
//
// PostgreSQL comes from ZWFW_TEST_DATABASE_URL, by default
// postgres://postgres@127.0.0.1:5432/test. When it cannot be reached the
// PostgreSQL half of a test is skipped with a message — unless
// ZWFW_REQUIRE_SERVICES=1 (set by .ci/run), which turns the skip into a
// failure.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/pii"
)

// DefaultPostgresURL is where tests look for PostgreSQL when
// ZWFW_TEST_DATABASE_URL is not set.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// RequireServices reports whether a missing PostgreSQL or Chromium must fail
// the test run instead of skipping (CI sets ZWFW_REQUIRE_SERVICES=1).
func RequireServices() bool { return os.Getenv("ZWFW_REQUIRE_SERVICES") == "1" }

// SkipOrFail skips t with msg, or fails it when services are required.
func SkipOrFail(t testing.TB, msg string) {
	t.Helper()
	if RequireServices() {
		t.Fatalf("%s (ZWFW_REQUIRE_SERVICES=1, so this is a failure, not a skip)", msg)
	}
	t.Skip(msg)
}

// PostgresURL returns the server URL tests use.
func PostgresURL() string {
	if u := os.Getenv("ZWFW_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

var (
	pgOnce sync.Once
	pgErr  error
)

// PostgresReachable reports why the test server cannot be reached (nil
// when it can).
func PostgresReachable() error { return pgReachable() }

func pgReachable() error {
	pgOnce.Do(func() {
		c, err := sql.Open("pgx", PostgresURL())
		if err != nil {
			pgErr = err
			return
		}
		defer c.Close()
		// Generous: on a loaded two-core machine, with two test
		// processes seeding at once, a first connection has taken over
		// three seconds (and a "not reachable" there fails the run).
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		pgErr = c.PingContext(ctx)
	})
	return pgErr
}

// OnlyDialect skips t unless dialect is among the databases of the run:
// ZWFW_TEST_DIALECTS ("sqlite", "postgres", or both comma-separated; both
// when unset). CI's reruns on other days run each day on one database.
func OnlyDialect(t testing.TB, dialect string) {
	t.Helper()
	v := os.Getenv("ZWFW_TEST_DIALECTS")
	if v == "" {
		return
	}
	for _, d := range strings.Split(v, ",") {
		if strings.TrimSpace(d) == dialect {
			return
		}
	}
	t.Skipf("%s left out of this run (ZWFW_TEST_DIALECTS=%s)", dialect, v)
}

// SQLite opens a migrated database in a temporary directory.
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	OnlyDialect(t, "sqlite")
	dir := t.TempDir()
	d, err := db.Open(context.Background(), db.Options{SQLitePath: filepath.Join(dir, "test.db")})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	sealAudit(t, d)
	return d
}

// PostgresSchemaURL creates a fresh schema on the test server and returns a
// URL whose connections use it; the schema is dropped when t ends.
func PostgresSchemaURL(t testing.TB) string {
	t.Helper()
	OnlyDialect(t, "postgres")
	if err := pgReachable(); err != nil {
		SkipOrFail(t, "PostgreSQL not reachable at "+PostgresURL()+": "+err.Error())
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "zwfw_test_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	Fast(q)
	u.RawQuery = q.Encode()
	return u.String()
}

// Fast makes a test's PostgreSQL connections commit without waiting for
// the server's log to reach the disk (synchronous_commit=off): a test's database is thrown away, a server crash
// is not what it tests, and on a busy shared disk every commit's flush
// made the PostgreSQL half of the suite several times slower than SQLite's.
// What a commit guarantees to other connections is unchanged.
// It goes in libpq's "options" parameter, which pgx sends as the startup
// option of that name and pg_dump and pg_restore (the backup tests) read too.
func Fast(q url.Values) {
	if q.Get("options") == "" {
		q.Set("options", "-csynchronous_commit=off") // no space: pgx would read an encoded one as "+"
	}
}

// Postgres opens a migrated database in a fresh schema of the test server.
func Postgres(t testing.TB) *db.DB {
	t.Helper()
	u := PostgresSchemaURL(t)
	d, err := db.Open(context.Background(), db.Options{URL: u, MaxConns: 8})
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	sealAudit(t, d)
	return d
}

// sealAudit gives the database audit keys of its own, as a server's start
// does, so that what the tests do is recorded in the audit log.
func sealAudit(t testing.TB, d *db.DB) {
	t.Helper()
	var b [32]byte
	rand.Read(b[:])
	k, err := audit.NewKeys(hex.EncodeToString(b[:]))
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.Open(context.Background(), d, k, nil); err != nil {
		t.Fatalf("audit keys: %v", err)
	}
	// And a data key: personal data is sealed in every test, as in a
	// server.
	rand.Read(b[:])
	r, err := pii.NewRing(hex.EncodeToString(b[:]))
	if err != nil {
		t.Fatal(err)
	}
	if err := pii.Open(context.Background(), d, r, nil); err != nil {
		t.Fatalf("data keys: %v", err)
	}
}

// Each runs fn as two subtests, one per database, each on a fresh database.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}
