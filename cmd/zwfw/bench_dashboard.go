package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"zwfw/internal/app"
	"zwfw/internal/bench"
	"zwfw/internal/benchdata"
	"zwfw/internal/calendar"
	"zwfw/internal/config"
	"zwfw/internal/seed"
)

// benchApp opens (and seeds, with the demo accounts) the database of
// --data-dir or --postgres for the dashboard benchmark.
func benchApp(ctx context.Context, getenv func(string) string, stderr io.Writer, dataDir, pg string) (*app.App, string, error) {
	if (dataDir == "") == (pg == "") {
		return nil, "", errors.New("bench: give either --data-dir DIR (SQLite) or --postgres URL")
	}
	cfg, _, err := config.Load("zwfw bench", nil, getenv, stderr)
	if err != nil {
		return nil, "", err
	}
	cfg.Addr, cfg.Demo, cfg.AdminPassword = "127.0.0.1:0", true, "Bench@2026x"
	cfg.DataDir, cfg.DatabaseURL = dataDir, pg
	name := "SQLite (" + dataDir + ")"
	if pg != "" {
		// The keys (audit, personal data) and the audit checkpoints belong
		// to the database: one directory per server and database, shared
		// by the generator and the benchmark.
		u, err := url.Parse(pg)
		if err != nil {
			return nil, "", err
		}
		dir := filepath.Join(os.TempDir(), "zwfw-bench-pg-"+strings.NewReplacer(":", "-", "/", "", ".", "-").Replace(u.Host+u.Path))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, "", err
		}
		cfg.DataDir, name = dir, "PostgreSQL"
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.Open(ctx, cfg, log, io.Discard, app.Options{})
	return a, name, err
}

// runGenerate fills a database with a county's cases for the dashboard
// benchmark: zwfw bench generate --cases 1000000 --data-dir DIR.
func runGenerate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zwfw bench generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("cases", 1000000, "how many cases to generate")
	years := fs.Int("years", 3, "over how many years up to today")
	dataDir := fs.String("data-dir", "", "SQLite: the data directory to fill")
	pg := fs.String("postgres", "", "PostgreSQL: the database (postgres://…; add search_path=… for a schema of its own)")
	seedN := fs.Uint64("seed", 1, "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 || *n > 50_000_000 {
		return errors.New("bench: --cases must be between 1 and 50000000")
	}
	a, name, err := benchApp(ctx, getenv, stderr, *dataDir, *pg)
	if err != nil {
		return err
	}
	defer a.Close()
	fmt.Fprintf(stderr, "generate: %d cases over %d years into %s\n", *n, *years, name)
	start := time.Now()
	if err := benchdata.Generate(ctx, a.DB, benchdata.GenerateOptions{Cases: *n, Years: *years, Now: time.Now(), Seed: *seedN, Progress: stderr}); err != nil {
		return err
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	// Resident memory includes the pages of the SQLite file it maps
	// (mmap_size, up to 256 MB): file-backed, not the generator's own.
	fmt.Fprintf(stdout, "generated %d cases into %s in %s; peak resident memory %s (Go heap obtained from the OS: %d MB)\n",
		*n, name, time.Since(start).Round(time.Second), peakRSS(os.Getpid()), ms.HeapSys>>20)
	return nil
}

// runDashboard measures the supervision dashboard over HTTP on a generated
// database: zwfw bench dashboard --data-dir DIR.
func runDashboard(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zwfw bench dashboard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", "", "SQLite: the data directory (filled by zwfw bench generate)")
	pg := fs.String("postgres", "", "PostgreSQL: the database (filled by zwfw bench generate)")
	conc := fs.String("concurrency", "1,4,16", "client concurrency levels")
	dur := fs.Duration("duration", 10*time.Second, "time per level and view (/healthz gets half)")
	cache := fs.Bool("cache", true, "serve a computed dashboard again for its cache time (false: compute every request)")
	random := fs.Bool("random-periods", false, "draw a different period for every request: county views of one to two years starting on any day of the generated data, and town views of one to 90 days")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run (server and load generator) to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	levels, err := parseLevels(*conc)
	if err != nil {
		return err
	}
	a, name, err := benchApp(ctx, getenv, stderr, *dataDir, *pg)
	if err != nil {
		return err
	}
	defer a.Close()
	if !*cache {
		a.Super.CacheTTL = 0
		name += ", dashboard cache off"
	} else {
		name += fmt.Sprintf(", dashboard cache %s", a.Super.CacheTTL)
	}
	var cases int
	if err := a.DB.QueryRow(ctx, "SELECT COUNT(*) FROM cases").Scan(&cases); err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	ready := make(chan string, 1)
	errc := make(chan error, 1)
	go func() { errc <- a.Serve(sctx, func(addr string) { ready <- addr }) }()
	var base string
	select {
	case addr := <-ready:
		base = "http://" + addr
	case err := <-errc:
		return err
	}
	today := calendar.Date(time.Now())
	month := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, today.Location())
	mf, mt := month.Format(calendar.DateLayout), month.AddDate(0, 1, -1).Format(calendar.DateLayout)
	views := []bench.DashboardView{
		{Name: "county, this year", Username: "county.supervisor"},
		{Name: "county, this month", Username: "county.supervisor", From: mf, To: mt},
		{Name: "county, three years", Username: "county.supervisor", From: today.AddDate(-3, 0, 1).Format(calendar.DateLayout), To: today.Format(calendar.DateLayout)},
		{Name: "town (城关镇), this year", Username: "chengguan.supervisor"},
		{Name: "town (城关镇), this month", Username: "chengguan.supervisor", From: mf, To: mt},
	}
	if *random {
		first := today.AddDate(-3, 0, 1) // the generated data: three years up to today
		views = []bench.DashboardView{
			{Name: "county, this year (aligned)", Username: "county.supervisor"},
			{Name: "county, random 1–2 years", Username: "county.supervisor", Period: randomPeriod(first, today, 365, 730)},
			{Name: "county, random 1–90 days", Username: "county.supervisor", Period: randomPeriod(first, today, 1, 90)},
			{Name: "town (城关镇), random 1–2 years", Username: "chengguan.supervisor", Period: randomPeriod(first, today, 365, 730)},
		}
		name += ", random periods"
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Fprintf(stderr, "bench: dashboard on %s with %d cases at %s, concurrency %v, %s per view\n", name, cases, base, levels, *dur)
	res, err := bench.Dashboard(ctx, bench.DashboardOptions{URL: base, Concurrency: levels, Duration: *dur, Views: views,
		Password: seed.DemoPassword, Progress: stderr, CPU: processCPU})
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	title := fmt.Sprintf("%s — dashboard, %s, %d cases, %d CPU, %s, %s", time.Now().Format("2006-01-02"), name, cases, runtime.NumCPU(), runtime.Version(), host)
	bench.DashboardMarkdown(stdout, title, res)
	fmt.Fprintln(stdout, "CPU ms/req: CPU time (user and system) of this process — server and load generator; not PostgreSQL's own processes — per request of the view.")
	fmt.Fprintln(stdout)
	fmt.Fprintf(stdout, "Peak resident memory of the bench process (server and load generator together): %s.\n\n", peakRSS(os.Getpid()))
	return nil
}

// randomPeriod draws periods of minDays to maxDays days (both ends counted)
// starting on any day from first, ending by last.
func randomPeriod(first, last time.Time, minDays, maxDays int) func() (string, string) {
	return func() (string, string) {
		n := minDays + rand.IntN(maxDays-minDays+1)
		span := int(last.Sub(first).Hours()/24) + 1 - n
		from := first.AddDate(0, 0, rand.IntN(max(span, 0)+1))
		return from.Format(calendar.DateLayout), from.AddDate(0, 0, n-1).Format(calendar.DateLayout)
	}
}

// processCPU is the CPU time (user and system) this process has used, from
// /proc/self/stat (Linux; false elsewhere).
func processCPU() (time.Duration, bool) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, false
	}
	// The fields after the command name (which is in parentheses and may
	// hold spaces): utime and stime are the 12th and 13th, in clock ticks
	// (USER_HZ, 100 on Linux).
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(u+s) * 10 * time.Millisecond, true
}
