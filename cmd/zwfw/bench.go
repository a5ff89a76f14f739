package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"zwfw/internal/app"
	"zwfw/internal/bench"
	"zwfw/internal/config"
	"zwfw/internal/seed"
)

// runBench starts a fresh server in this process (SQLite in a temporary
// directory, or a fresh schema on the PostgreSQL server of --postgres),
// seeded with the county and the demo accounts, and measures it; or measures
// a running server given by --url.
func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "generate":
			return runGenerate(ctx, args[1:], getenv, stdout, stderr)
		case "dashboard":
			return runDashboard(ctx, args[1:], getenv, stdout, stderr)
		case "hall":
			return runHallBench(ctx, args[1:], stdout, stderr)
		case "exchange":
			return runExchangeBench(ctx, args[1:], getenv, stdout, stderr)
		}
	}
	fs := flag.NewFlagSet("zwfw bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("url", "", "measure a running server (with the demo accounts) instead of starting one")
	pg := fs.String("postgres", "", "start the server on a fresh schema of this PostgreSQL server (postgres://…) instead of SQLite")
	conc := fs.String("concurrency", "1,4,16,64", "client concurrency levels")
	dur := fs.Duration("duration", 10*time.Second, "time per level for lifecycles (lookups and /healthz get half)")
	item := fs.String("item", "010100100000", "item the lifecycles apply for (a 承诺件 of the county)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the whole run (server and client) to this file")
	memprofile := fs.String("memprofile", "", "write a heap profile (in-use memory at the end of the run) to this file")
	servers := fs.Int("servers", 0, "run the server as this many separate `zwfw serve` processes on one database (more than one: PostgreSQL only); 0 runs it inside the bench process")
	pgbench := fs.Bool("pgbench", true, "with --postgres, run pgbench TPC-B on the same PostgreSQL server at each level as the reference")
	if err := fs.Parse(args); err != nil {
		return err
	}
	levels, err := parseLevels(*conc)
	if err != nil {
		return err
	}
	if *servers > 1 && *pg == "" {
		return fmt.Errorf("bench: several server processes share a PostgreSQL database: give --postgres")
	}
	base, dbName := *target, "external server"
	var more []string
	var children []*exec.Cmd
	if base == "" && *servers > 0 {
		dir, err := os.MkdirTemp("", "zwfw-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		// Pools of 8: two servers' connections and the reference's clients
		// must fit in PostgreSQL's default max_connections (README, 连接池).
		env := []string{"ZWFW_DATA_DIR=" + dir, "ZWFW_DEMO=1", "ZWFW_ADMIN_PASSWORD=Bench@2026x", "ZWFW_LOG_LEVEL=warn", "ZWFW_DB_POOL=8"}
		dbName = "SQLite (" + dir + ")"
		if *pg != "" {
			u, drop, err := freshSchema(*pg)
			if err != nil {
				return err
			}
			defer drop()
			env = append(env, "ZWFW_DATABASE_URL="+u)
			dbName = "PostgreSQL (fresh schema)"
		}
		dbName += fmt.Sprintf(", %d server process(es)", *servers)
		fmt.Fprintln(stderr, "bench: seeding a fresh county …")
		for i := 0; i < *servers; i++ {
			cmd, u, err := startServer(ctx, env, stderr)
			if err != nil {
				return err
			}
			children = append(children, cmd)
			defer stopServer(cmd)
			if i == 0 {
				base = u
			} else {
				more = append(more, u)
			}
		}
	}
	if base == "" {
		cfg, _, err := config.Load("zwfw bench", nil, getenv, stderr)
		if err != nil {
			return err
		}
		dir, err := os.MkdirTemp("", "zwfw-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfg.DataDir, cfg.Addr, cfg.Demo, cfg.AdminPassword, cfg.DatabaseURL = dir, "127.0.0.1:0", true, "Bench@2026x", ""
		dbName = "SQLite (" + dir + ")"
		if *pg != "" {
			u, drop, err := freshSchema(*pg)
			if err != nil {
				return err
			}
			defer drop()
			cfg.DatabaseURL, dbName = u, "PostgreSQL (fresh schema)"
		}
		log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		fmt.Fprintln(stderr, "bench: seeding a fresh county …")
		a, err := app.Open(ctx, cfg, log, io.Discard, app.Options{})
		if err != nil {
			return err
		}
		defer a.Close()
		sctx, stop := context.WithCancel(ctx)
		defer stop()
		ready := make(chan string, 1)
		errc := make(chan error, 1)
		go func() { errc <- a.Serve(sctx, func(addr string) { ready <- addr }) }()
		select {
		case addr := <-ready:
			base = "http://" + addr
		case err := <-errc:
			return err
		}
	}
	fmt.Fprintf(stderr, "bench: %s at %s, concurrency %v, %s per level\n", dbName, base, levels, *dur)
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	o := bench.Options{URL: base, More: more, Concurrency: levels, Duration: *dur, Item: *item, Centre: "610923C",
		Window: "county.window", Reviewer: "county.reviewer", Password: seed.DemoPassword, Progress: stderr}
	if *target == "" {
		o.CPU = func() time.Duration {
			t := selfCPU()
			for _, c := range children {
				t += procCPU(c.Process.Pid)
			}
			if *pg != "" {
				t += postgresCPU()
			}
			return t
		}
	}
	if *pg != "" && *pgbench {
		ref, err := newPgbench(ctx, *pg, slices.Max(levels), stderr)
		if err != nil {
			return err
		}
		o.Reference = ref
	}
	res, err := bench.Run(ctx, o)
	if err != nil {
		return err
	}
	if *memprofile != "" {
		f, err := os.Create(*memprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			return err
		}
	}
	host, _ := os.Hostname()
	title := fmt.Sprintf("%s — %s, %d CPU, %s, %s", time.Now().Format("2006-01-02"), dbName, runtime.NumCPU(), runtime.Version(), host)
	bench.Markdown(stdout, title, res)
	switch {
	case len(children) > 0:
		for i, c := range children {
			fmt.Fprintf(stdout, "Peak resident memory of server process %d (VmHWM): %s.\n", i+1, peakRSS(c.Process.Pid))
		}
		fmt.Fprintf(stdout, "Peak resident memory of the load generator: %s.\n\n", peakRSS(os.Getpid()))
	case *target == "":
		fmt.Fprintf(stdout, "Peak resident memory of the bench process (server and load generator together): %s.\n\n", peakRSS(os.Getpid()))
	}
	return nil
}

// peakRSS reads a process's peak resident set size (VmHWM) on Linux.
func peakRSS(pid int) string { return procRSS(pid, "VmHWM:") }

// freshSchema creates a schema on the server and returns a URL that uses
// it, and a function that drops it.
func freshSchema(server string) (string, func(), error) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	schema := "zwfw_bench_" + hex.EncodeToString(b[:])
	c, err := sql.Open("pgx", server)
	if err != nil {
		return "", nil, err
	}
	if _, err := c.Exec("CREATE SCHEMA " + schema); err != nil {
		c.Close()
		return "", nil, fmt.Errorf("bench: create schema: %w", err)
	}
	u, err := url.Parse(server)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() { c.Exec("DROP SCHEMA " + schema + " CASCADE"); c.Close() }, nil
}

// parseLevels reads a list of concurrency levels: 1,4,16.
func parseLevels(s string) ([]int, error) {
	var levels []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bench: bad concurrency %q", f)
		}
		levels = append(levels, n)
	}
	return levels, nil
}
