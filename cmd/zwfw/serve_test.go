package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
)

// syncBuffer is the terminal a server writes its log and its notices to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeOnTakenPort: when the port is taken, `zwfw serve` says so in
// Chinese and stops before creating anything — no data directory, no
// tables, no administrator whose one-time password would be lost.
func TestServeOnTakenPort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := taken.Addr().String()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "zwfw-data")
			env := map[string]string{"ZWFW_ADDR": addr, "ZWFW_DATA_DIR": dir}
			if dialect == "postgres" {
				env["ZWFW_DATABASE_URL"] = dbtest.PostgresSchemaURL(t)
			}
			var out, errb bytes.Buffer
			err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, &out, &errb)
			if err == nil || !strings.Contains(err.Error(), "端口已被占用") || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "未作任何改动") {
				t.Fatalf("serve on a taken port: %v", err)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("the data directory was touched: %v", err)
			}
			if out.Len() > 0 || errb.Len() > 0 {
				t.Fatalf("serve on a taken port printed:\n%s%s", out.String(), errb.String())
			}
			if dialect == "postgres" {
				pg, err := sql.Open("pgx", env["ZWFW_DATABASE_URL"])
				if err != nil {
					t.Fatal(err)
				}
				defer pg.Close()
				var n int
				if err := pg.QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()").Scan(&n); err != nil || n != 0 {
					t.Fatalf("%d tables created in the schema (%v)", n, err)
				}
			}
		})
	}
}

// TestFirstStartLog: the first start of a demo prints a handful of lines —
// the one-time administrator password set apart near the top, then the
// address and the data directory — not a line per demo SMS.
func TestFirstStartLog(t *testing.T) {
	dbtest.OnlyDialect(t, "sqlite")
	dir := filepath.Join(t.TempDir(), "zwfw-data")
	env := map[string]string{"ZWFW_ADDR": "127.0.0.1:0", "ZWFW_DATA_DIR": dir, "ZWFW_DEMO": "1"}
	var term syncBuffer // stdout and stderr on one terminal
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, &term, &term) }()
	listening := regexp.MustCompile(`msg="zwfw listening" addr=(http://127\.0\.0\.1:\d+) data_dir=(\S+)`)
	var m []string
	for deadline := time.Now().Add(2 * time.Minute); m == nil; time.Sleep(50 * time.Millisecond) {
		select {
		case err := <-done:
			t.Fatalf("serve stopped: %v\n%s", err, term.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("not listening after two minutes:\n%s", term.String())
		}
		m = listening.FindStringSubmatch(term.String())
	}
	res, err := http.Get(m[1] + "/healthz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz on the bound port: %v %v", res, err)
	}
	res.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if abs, _ := filepath.Abs(dir); m[2] != abs {
		t.Errorf("the listening line names the data directory %s, want %s", m[2], abs)
	}
	lines := strings.Split(strings.TrimSpace(term.String()), "\n")
	at, password := -1, -1
	for i, l := range lines {
		if strings.Contains(l, "初始密码") {
			password = i
		}
		if listening.MatchString(l) && at < 0 {
			at = i
		}
		if at < 0 && strings.Contains(l, "msg=notification") {
			t.Errorf("a notification logged during the start: %s", l)
		}
	}
	t.Logf("first start:\n%s", strings.Join(lines[:at+1], "\n"))
	if at+1 > 12 {
		t.Errorf("the first start printed %d lines before it listened, want a handful:\n%s", at+1, strings.Join(lines[:at+1], "\n"))
	}
	if password < 0 || password > 8 || lines[password-1] != "" || lines[password+1] != "" {
		t.Errorf("the administrator's one-time password is not set apart near the top (line %d)", password+1)
	}
	// The demo's invented applicants are not texted, now or later (the
	// SMS of the demo's cases, matched by serial: numbers are sealed).
	d, err := db.Open(context.Background(), db.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var pending, withheld int
	if err := d.QueryRow(context.Background(), `SELECT COALESCE(SUM(CASE WHEN state IN ('pending', 'sending', 'sent') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN state = 'withheld' THEN 1 ELSE 0 END), 0) FROM notifications
		WHERE channel = 'sms' AND case_serial IN (SELECT serial FROM cases)`).Scan(&pending, &withheld); err != nil {
		t.Fatal(err)
	}
	if withheld < 20 || pending != 0 {
		t.Errorf("demo SMS: %d withheld, %d to be sent or sent", withheld, pending)
	}
}

// TestServeRefusesNewerDatabase: `zwfw serve` on a database a newer zwfw
// migrated stops with the message that says to use the newer version.
func TestServeRefusesNewerDatabase(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"ZWFW_ADDR": "127.0.0.1:0", "ZWFW_DATA_DIR": dir, "ZWFW_LOG_LEVEL": "error"}
			o := db.Options{DataDir: dir}
			if dialect == "postgres" {
				env["ZWFW_DATABASE_URL"] = dbtest.PostgresSchemaURL(t)
				o = db.Options{URL: env["ZWFW_DATABASE_URL"], MaxConns: 2}
			}
			getenv := func(k string) string { return env[k] }
			var out bytes.Buffer
			if err := run(context.Background(), []string{"migrate"}, getenv, &out, &out); err != nil {
				t.Fatal(err)
			}
			d, err := db.Open(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			_, latest, err := d.SchemaVersion(context.Background())
			if err == nil {
				_, err = d.Exec(context.Background(), "INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, ?)", latest+1, true)
			}
			d.Close()
			if err != nil {
				t.Fatal(err)
			}
			err = run(context.Background(), []string{"serve"}, getenv, &out, &out)
			if err == nil || !strings.Contains(err.Error(), "数据库版本高于本程序") || !strings.Contains(err.Error(), "请使用新版本") {
				t.Fatalf("serve on a database from a newer zwfw: %v", err)
			}
		})
	}
}
