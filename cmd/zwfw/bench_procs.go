package main

// What `zwfw bench` needs of the machine beside the server: separate server
// processes (--servers), the CPU time of every process the run loads, and
// pgbench as the PostgreSQL reference.

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// startServer starts `zwfw serve` as a child process with env (on a free
// loopback port) and waits until it answers /readyz.
func startServer(ctx context.Context, env []string, stderr io.Writer) (*exec.Cmd, string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, "", err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(exe, "serve")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ZWFW_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(append(cmd.Env, env...), "ZWFW_ADDR="+addr)
	cmd.Stdout, cmd.Stderr = io.Discard, stderr
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	u := "http://" + addr
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if resp, err := http.Get(u + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return cmd, u, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	stopServer(cmd)
	return nil, "", fmt.Errorf("bench: the server process at %s did not become ready", u)
}

func stopServer(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// clockTick is the unit of /proc/<pid>/stat's CPU times (USER_HZ, 100 on
// Linux).
const clockTick = 10 * time.Millisecond

// procCPU is the user and system CPU time of a running process so far.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name may contain spaces: fields start after its ")".
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * clockTick
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// postgresCPU is the CPU time of every PostgreSQL process on this machine
// (backends come and go with connections; those of the run stay for it).
func postgresCPU() time.Duration {
	ents, _ := os.ReadDir("/proc")
	var t time.Duration
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			continue
		}
		t += procCPU(pid)
	}
	return t
}

// refClients bounds pgbench's clients: on 2 cores TPC-B peaks well before
// 32, and more would not fit beside the servers' pools.
const refClients = 32

// pgbenchDB is the database the reference runs in, on the same server.
const pgbenchDB = "zwfw_pgbench"

// newPgbench prepares pgbench's TPC-B tables (scale = the highest
// concurrency, so that clients do not queue on one branch row) in their own
// database on the server of dsn, and returns the reference workload.
func newPgbench(ctx context.Context, dsn string, scale int, stderr io.Writer) (func(context.Context, int, time.Duration) (float64, time.Duration, error), error) {
	if _, err := exec.LookPath("pgbench"); err != nil {
		return nil, fmt.Errorf("bench: pgbench not found (Debian: apt-get install postgresql-client), or give --pgbench=false")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, err
	}
	c, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var exists bool
	if err := c.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", pgbenchDB).Scan(&exists); err != nil {
		return nil, err
	}
	if !exists {
		if _, err := c.ExecContext(ctx, "CREATE DATABASE "+pgbenchDB); err != nil {
			return nil, fmt.Errorf("bench: create the pgbench database: %w", err)
		}
	}
	env := append(os.Environ(), "PGHOST="+u.Hostname(), "PGDATABASE="+pgbenchDB)
	if p := u.Port(); p != "" {
		env = append(env, "PGPORT="+p)
	}
	if u.User != nil {
		env = append(env, "PGUSER="+u.User.Username())
		if pw, ok := u.User.Password(); ok {
			env = append(env, "PGPASSWORD="+pw)
		}
	}
	fmt.Fprintf(stderr, "bench: pgbench -i -s %d (database %s) …\n", scale, pgbenchDB)
	ini := exec.CommandContext(ctx, "pgbench", "-i", "-q", "-s", strconv.Itoa(scale))
	ini.Env = env
	if out, err := ini.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("bench: pgbench -i: %v\n%s", err, out)
	}
	tpsRE := regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
	return func(ctx context.Context, conc int, d time.Duration) (float64, time.Duration, error) {
		secs := max(1, int(d.Seconds()))
		// At most refClients clients: the servers' idle pools stay connected
		// meanwhile, and PostgreSQL's max_connections (100) is shared.
		clients := min(conc, refClients)
		cmd := exec.CommandContext(ctx, "pgbench", "-n", "-M", "prepared", "-c", strconv.Itoa(clients), "-j", strconv.Itoa(min(clients, 2)), "-T", strconv.Itoa(secs))
		cmd.Env = env
		before := postgresCPU()
		var errOut strings.Builder
		cmd.Stderr = &errOut
		out, err := cmd.Output()
		if err != nil {
			return 0, 0, fmt.Errorf("pgbench -c %d: %v\n%s%s", clients, err, out, errOut.String())
		}
		cpu := postgresCPU() - before
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			cpu += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
		var tps float64
		var txns int64
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		for sc.Scan() {
			if m := tpsRE.FindStringSubmatch(sc.Text()); m != nil {
				tps, _ = strconv.ParseFloat(m[1], 64)
			}
			if v, ok := strings.CutPrefix(sc.Text(), "number of transactions actually processed: "); ok {
				txns, _ = strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			}
		}
		if tps == 0 {
			return 0, 0, fmt.Errorf("pgbench printed no tps:\n%s", out)
		}
		if txns > 0 {
			cpu /= time.Duration(txns)
		}
		return tps, cpu, nil
	}, nil
}
