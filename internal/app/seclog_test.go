package app_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"zwfw/internal/app"
	"zwfw/internal/app/apptest"
	"zwfw/internal/audit"
	"zwfw/internal/config"
	"zwfw/internal/testclock"
)

// TestSecurityLogRetentionJob: the queue's retention job deletes the
// security events older than ZWFW_SECURITY_LOG_DAYS (here 200) and keeps
// the younger ones (§2(7): at least 180 days).
func TestSecurityLogRetentionJob(t *testing.T) {
	dir := t.TempDir()
	cfg, _, err := config.Load("test", nil, func(k string) string {
		return map[string]string{"ZWFW_SECURITY_LOG_DAYS": "200"}[k]
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir, cfg.AdminPassword = dir, apptest.AdminPassword
	now := testclock.Running().Now
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard,
		app.Options{SQLiteDSN: filepath.Join(dir, "zwfw.db"), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	for _, age := range []int{300, 190} {
		if err := audit.Security(ctx, a.DB, audit.SecurityEvent{At: now().AddDate(0, 0, -age), Kind: audit.SecExport, Object: "retention-job"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Jobs.Insert(ctx, audit.SecurityPruneArgs{}, nil); err != nil {
		t.Fatal(err)
	}
	if err := a.Jobs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err := a.DB.QueryRow(ctx, "SELECT COUNT(*) FROM security_events WHERE object = 'retention-job'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
	}
	var oldest int64
	if err := a.DB.QueryRow(ctx, "SELECT MIN(at) FROM security_events WHERE object = 'retention-job'").Scan(&oldest); err != nil || n != 1 ||
		now().Sub(time.UnixMilli(oldest)) > 200*24*time.Hour {
		t.Fatalf("after the job: %d events, oldest %v (%v)", n, time.UnixMilli(oldest), err)
	}
}
