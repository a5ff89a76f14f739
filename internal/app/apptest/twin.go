package apptest

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"zwfw/internal/app"
)

// Twin starts a second instance on e's database, as a second server
// process of the same deployment would run (PostgreSQL only: SQLite is one
// process). It waits until both instances hear each other's changes.
func Twin(t testing.TB, e *Env) *Env {
	t.Helper()
	cfg := e.App.Config
	if cfg.DatabaseURL == "" {
		t.Fatal("apptest: a twin needs PostgreSQL")
	}
	level := slog.LevelWarn
	if os.Getenv("ZWFW_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	a, err := app.Open(context.Background(), cfg, log, io.Discard, app.Options{Now: e.App.Now})
	if err != nil {
		t.Fatalf("open twin: %v", err)
	}
	h, err := a.Handler()
	if err != nil {
		a.Close()
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, d := range []*Env{e, {App: a}} {
		if err := d.App.DB.WaitLive(ctx); err != nil {
			t.Fatalf("apptest: change listener: %v", err)
		}
	}
	return &Env{App: a, Server: srv, URL: srv.URL}
}
