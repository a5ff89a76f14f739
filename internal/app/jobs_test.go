package app_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"zwfw/internal/app"
	"zwfw/internal/app/apptest"
	"zwfw/internal/config"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/supervision"
	"zwfw/internal/testclock"
)

// Two server processes on one PostgreSQL database start their job queues
// as Serve does: the warning job (scheduled on start by the elected leader)
// runs, each warning job runs once, and no warning is announced twice.
// Then both stop; a warning job inserted while none runs is worked by a
// process started afterwards.
func TestWarningJobAcrossProcesses(t *testing.T) {
	url := dbtest.PostgresSchemaURL(t)
	clk := testclock.Running() // the processes share one clock, as they would share the machine's
	dataDir := t.TempDir()
	open := func() *app.App {
		cfg, _, err := config.Load("test", nil, func(string) string { return "" }, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		cfg.DatabaseURL, cfg.DataDir, cfg.AdminPassword, cfg.Demo = url, dataDir, apptest.AdminPassword, true
		a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard, app.Options{Now: clk.Now})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { a.Close() })
		return a
	}
	ctx := context.Background()
	apps := []*app.App{open(), open()}
	for _, a := range apps {
		if err := a.Jobs.Start(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for range 4 {
		if _, err := apps[1].Jobs.Insert(ctx, supervision.ScanArgs{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	d := apps[0].DB
	kind := supervision.ScanArgs{}.Kind()
	wait := func(want int) (total, done, again int) {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if err := d.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN state = 'completed' THEN 1 ELSE 0 END), 0),
				COALESCE(SUM(CASE WHEN attempt > 1 THEN 1 ELSE 0 END), 0) FROM river_job WHERE kind = ?`, kind).Scan(&total, &done, &again); err != nil {
				t.Fatal(err)
			}
			if total >= want && done == total {
				break
			}
		}
		return
	}
	// 4 inserted and 1 scheduled by the leader on start.
	if total, done, again := wait(5); total < 5 || done != total || again != 0 {
		t.Fatalf("warning jobs: %d, %d completed, %d run more than once", total, done, again)
	}
	var warnings, dup int
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM case_warnings WHERE notified_at > 0").Scan(&warnings); err != nil || warnings == 0 {
		t.Fatalf("no announced warnings over the demo cases (%v)", err)
	}
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT user_id FROM notifications
		WHERE subject LIKE '红牌%' OR subject LIKE '黄牌%' GROUP BY user_id, case_serial, subject, body, channel HAVING COUNT(*) > 1) x`).Scan(&dup); err != nil || dup != 0 {
		t.Fatalf("%d warnings announced twice to one person (%v)", dup, err)
	}
	var wg sync.WaitGroup
	for _, a := range apps {
		wg.Add(1)
		go func() { defer wg.Done(); a.Jobs.Stop(ctx) }()
	}
	wg.Wait()
	if _, err := apps[0].Jobs.Insert(ctx, supervision.ScanArgs{}, nil); err != nil {
		t.Fatal(err)
	}
	var before int
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM river_job WHERE kind = ?", kind).Scan(&before); err != nil {
		t.Fatal(err)
	}
	third := open()
	if err := third.Jobs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if total, done, again := wait(before); total < before || done != total || again != 0 {
		t.Fatalf("after the restart: %d warning jobs, %d completed", total, done)
	}
}

// On SQLite a job inserted before the process stops is worked when it
// starts again on the same file.
func TestJobSurvivesRestartSQLite(t *testing.T) {
	dir := t.TempDir()
	open := func() *app.App {
		cfg, _, err := config.Load("test", nil, func(string) string { return "" }, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		cfg.DataDir, cfg.AdminPassword, cfg.Demo = dir, apptest.AdminPassword, true
		a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard,
			app.Options{SQLiteDSN: filepath.Join(dir, "zwfw.db"), Now: testclock.Running().Now})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		return a
	}
	ctx := context.Background()
	a := open()
	if _, err := a.Jobs.Insert(ctx, supervision.ScanArgs{}, nil); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b := open()
	defer b.Close()
	var n int
	if err := b.DB.QueryRow(ctx, "SELECT COUNT(*) FROM case_warnings").Scan(&n); err != nil || n != 0 {
		t.Fatalf("warnings before any job ran: %d (%v)", n, err)
	}
	if err := b.Jobs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var left int
		if err := b.DB.QueryRow(ctx, "SELECT COUNT(*) FROM river_job WHERE state <> 'completed'").Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left == 0 {
			break
		}
	}
	var done int
	if err := b.DB.QueryRow(ctx, "SELECT COUNT(*) FROM river_job WHERE kind = ? AND state = 'completed'", supervision.ScanArgs{}.Kind()).Scan(&done); err != nil || done < 1 {
		t.Fatalf("the job inserted before the restart did not run: %d completed (%v)", done, err)
	}
	if err := b.DB.QueryRow(ctx, "SELECT COUNT(*) FROM case_warnings").Scan(&n); err != nil || n == 0 {
		t.Fatalf("no warnings after the job ran (%v)", err)
	}
}

// The queue publishes the reports that are due: on Monday morning the
// 日检查 of the day and the 周考勤 of the week before (the platform first
// started in that week), each once, by the system.
func TestScheduledReportsPublished(t *testing.T) {
	dir := t.TempDir()
	cfg, _, err := config.Load("test", nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir, cfg.AdminPassword = dir, apptest.AdminPassword
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.FixedZone("CST", 8*3600)) // first started on Wednesday
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard,
		app.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	now = time.Date(2026, 11, 30, 9, 0, 0, 0, time.FixedZone("CST", 8*3600)) // Monday
	ctx := context.Background()
	if err := a.Jobs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer a.Jobs.Stop(ctx)
	kinds := map[string]int{}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		rows, err := a.DB.Query(ctx, "SELECT kind, COUNT(*) FROM reports GROUP BY kind")
		if err != nil {
			t.Fatal(err)
		}
		kinds = map[string]int{}
		for rows.Next() {
			var k string
			var n int
			rows.Scan(&k, &n)
			kinds[k] = n
		}
		rows.Close()
		if kinds["daily"] > 0 && kinds["weekly"] > 0 {
			break
		}
	}
	if kinds["daily"] != 1 || kinds["weekly"] != 1 {
		t.Fatalf("reports published on Monday morning: %v, want one daily and one weekly", kinds)
	}
}
