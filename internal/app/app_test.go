package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"zwfw/internal/app"
	"zwfw/internal/app/apptest"
	"zwfw/internal/config"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/testclock"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestOperationsEndpoints(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	if code, body := get(t, e.URL+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("/healthz = %d %q", code, body)
	}
	if code, body := get(t, e.URL+"/readyz"); code != 200 || body != "ready\n" {
		t.Fatalf("/readyz = %d %q", code, body)
	}
	get(t, e.URL+"/api/v1/orgs")
	code, body := get(t, e.URL+"/metrics")
	if code != 200 || !strings.Contains(body, "zwfw_http_requests_total") || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("/metrics = %d, missing metrics", code)
	}
	e.App.DB.Close()
	if code, _ := get(t, e.URL+"/readyz"); code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with the database closed = %d", code)
	}
}

// TestProcessesShareOnePostgres starts two instances at once on one
// PostgreSQL schema, as two server processes would: both migrate and seed
// without stepping on each other, and a token issued by one works on the
// other, because sessions live in the database.
func TestProcessesShareOnePostgres(t *testing.T) {
	url := dbtest.PostgresSchemaURL(t)
	clk := testclock.Running() // the processes share one clock, as they would share the machine's
	dataDir := t.TempDir()     // shared, as the processes of one deployment share it
	open := func() *app.App {
		cfg, _, err := config.Load("test", nil, func(string) string { return "" }, io.Discard)
		if err != nil {
			t.Error(err)
			return nil
		}
		cfg.DatabaseURL, cfg.DataDir, cfg.AdminPassword, cfg.Demo = url, dataDir, apptest.AdminPassword, true
		a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard, app.Options{Now: clk.Now})
		if err != nil {
			t.Errorf("open: %v", err)
			return nil
		}
		t.Cleanup(func() { a.Close() })
		return a
	}
	apps := make([]*app.App, 2)
	var wg sync.WaitGroup
	for i := range apps {
		wg.Add(1)
		go func(i int) { defer wg.Done(); apps[i] = open() }(i)
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	var servers []*httptest.Server
	for _, a := range apps {
		h, err := a.Handler()
		if err != nil {
			t.Fatal(err)
		}
		s := httptest.NewServer(h)
		t.Cleanup(s.Close)
		servers = append(servers, s)
	}
	var n int
	if err := apps[0].DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM orgs WHERE code = '610923'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("county seeded %d times (%v)", n, err)
	}
	resp, err := http.Post(servers[0].URL+"/api/v1/auth/login", "application/json",
		strings.NewReader(`{"username":"county.window","password":"`+apptest.DemoPassword+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var login struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&login)
	resp.Body.Close()
	if login.Token == "" {
		t.Fatalf("login on the first process: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", servers[1].URL+"/api/v1/auth/me", nil)
	req.Header.Set("Authorization", "Bearer "+login.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("token from the first process refused by the second: %d", resp.StatusCode)
	}
}
