package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"zwfw/internal/app"
	"zwfw/internal/app/apptest"
	"zwfw/internal/config"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/testclock"
)

// twoProcesses starts two instances on one PostgreSQL schema, as two
// server processes of one deployment, each behind its own HTTP server.
func twoProcesses(t *testing.T, env map[string]string) ([]*app.App, []string) {
	t.Helper()
	url := dbtest.PostgresSchemaURL(t)
	dataDir := t.TempDir()
	clk := testclock.Running() // the processes share one clock, as they would share the machine's
	var apps []*app.App
	var urls []string
	for range 2 {
		cfg, _, err := config.Load("test", nil, func(k string) string { return env[k] }, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		cfg.DatabaseURL, cfg.DataDir, cfg.AdminPassword, cfg.Demo = url, dataDir, apptest.AdminPassword, true
		a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard, app.Options{Now: clk.Now})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { a.Close() })
		h, err := a.Handler()
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		apps, urls = append(apps, a), append(urls, srv.URL)
	}
	return apps, urls
}

func postLogin(t *testing.T, base, user, pass string) *http.Response {
	t.Helper()
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json",
		strings.NewReader(fmt.Sprintf(`{"username":%q,"password":%q}`, user, pass)))
	if err != nil {
		t.Error(err)
		return nil
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// TestLockoutAcrossProcesses: forty wrong passwords sent at once to two
// server processes sharing one PostgreSQL are checked at most five times in
// all, the account ends locked on both, and the right password is refused
// while it is (issue 8, item 1). Then the per-address limit, counted in
// the database, answers 429 with Retry-After on both processes.
func TestLockoutAcrossProcesses(t *testing.T) {
	apps, urls := twoProcesses(t, map[string]string{"ZWFW_LOGIN_LIMIT": "12/10m"})
	checks := func() int64 { return apps[0].Users.PasswordChecks() + apps[1].Users.PasswordChecks() }
	before := checks()
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp := postLogin(t, urls[i%2], "county.reviewer", fmt.Sprintf("Wrong@%04d", i)); resp != nil {
				mu.Lock()
				codes[resp.StatusCode]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if n := checks() - before; n > 5 {
		t.Errorf("40 guesses on two processes: %d checked, want at most 5 (statuses %v)", n, codes)
	}
	if codes[http.StatusOK] != 0 || codes[http.StatusInternalServerError] != 0 {
		t.Fatalf("statuses %v", codes)
	}
	for _, u := range urls {
		if resp := postLogin(t, u, "county.reviewer", apptest.DemoPassword); resp == nil || resp.StatusCode != http.StatusLocked {
			t.Fatalf("right password while locked on %s: %v", u, resp)
		}
	}

	// Failures from one address, whichever process takes them, add up: the
	// twelve allowed (the guesses above count as five), then 429 on both.
	for i := range 7 {
		if resp := postLogin(t, urls[i%2], fmt.Sprintf("nobody%d", i), "Wrong@2026"); resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %v", i, resp)
		}
	}
	for _, u := range urls {
		resp := postLogin(t, u, "county.window", apptest.DemoPassword)
		if resp == nil || resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("after 12 failures from one address, %s: %v", u, resp)
		}
		if sec, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || sec < 1 || sec > 600 {
			t.Errorf("Retry-After %q", resp.Header.Get("Retry-After"))
		}
	}
}
