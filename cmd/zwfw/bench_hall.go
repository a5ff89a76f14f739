package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"zwfw/internal/bench"
	"zwfw/internal/seed"
)

// runHallBench measures the service hall (issue 10): tickets taken per
// second beside /healthz, and a window's call reaching many display
// screens. The servers run as separate `zwfw serve` processes on a fresh
// database: one on SQLite; two on PostgreSQL, the window calling on the
// first and the screens connected to the second, so that every call
// crosses the database's NOTIFY.
func runHallBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zwfw bench hall", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pg := fs.String("postgres", "", "run on a fresh schema of this PostgreSQL server (postgres://…), with two server processes, instead of SQLite")
	conc := fs.String("concurrency", "1,4,16,64", "ticket-taking concurrency levels")
	dur := fs.Duration("duration", 5*time.Second, "time per level for ticket taking and for /healthz")
	screens := fs.Int("screens", 1000, "display screens connected during the calls")
	calls := fs.Int("calls", 30, "calls made while the screens are connected")
	if err := fs.Parse(args); err != nil {
		return err
	}
	levels, err := parseLevels(*conc)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "zwfw-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	env := []string{"ZWFW_DATA_DIR=" + dir, "ZWFW_DEMO=1", "ZWFW_ADMIN_PASSWORD=Bench@2026x", "ZWFW_LOG_LEVEL=warn", "ZWFW_DB_POOL=8", "ZWFW_TICKET_LIMIT=off"}
	dbName, servers := "SQLite", 1
	if *pg != "" {
		u, drop, err := freshSchema(*pg)
		if err != nil {
			return err
		}
		defer drop()
		env = append(env, "ZWFW_DATABASE_URL="+u)
		dbName, servers = "PostgreSQL (fresh schema)", 2
	}
	fmt.Fprintln(stderr, "bench: seeding a fresh county …")
	var children []*exec.Cmd
	var urls []string
	for i := 0; i < servers; i++ {
		cmd, u, err := startServer(ctx, env, stderr)
		if err != nil {
			return err
		}
		children = append(children, cmd)
		defer stopServer(cmd)
		urls = append(urls, u)
	}
	o := bench.HallOptions{URL: urls[0], Screens: urls[len(urls)-1:], Concurrency: levels, Duration: *dur, ScreenCount: *screens, Calls: *calls,
		Centre: "610923C", Window: "610923CW01", Clerk: "county.window", Manager: "county.hall", Password: seed.DemoPassword, Progress: stderr,
		Memory: func() string {
			var parts []string
			for i, c := range children {
				parts = append(parts, fmt.Sprintf("process %d %s (peak %s)", i+1, procRSS(c.Process.Pid, "VmRSS:"), procRSS(c.Process.Pid, "VmHWM:")))
			}
			return strings.Join(parts, ", ")
		}}
	fmt.Fprintf(stderr, "bench: hall on %s, %d server process(es), ticket concurrency %v, %d screens, %d calls\n", dbName, servers, levels, *screens, *calls)
	res, err := bench.Hall(ctx, o)
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	where := "one server process"
	if servers > 1 {
		where = "two server processes; the window calls on the first, the screens are connected to the second"
	}
	title := fmt.Sprintf("%s — hall, %s, %s, %d CPU, %s, %s", time.Now().Format("2006-01-02"), dbName, where, runtime.NumCPU(), runtime.Version(), host)
	bench.HallMarkdown(stdout, title, res)
	return nil
}

// procRSS reads one memory line (VmRSS:, VmHWM:) of a process on Linux.
func procRSS(pid int, key string) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, key) {
			f := strings.Fields(line)
			if len(f) >= 2 {
				if kb, err := strconv.Atoi(f[1]); err == nil {
					return fmt.Sprintf("%d MB", kb/1024)
				}
			}
		}
	}
	return "unknown"
}
