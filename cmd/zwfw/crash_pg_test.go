package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"zwfw/internal/db/dbtest"
)

// privatePostgres is a PostgreSQL server of the test's own, in a temporary
// directory on a free port, that the test may kill: the shared server of
// ZWFW_TEST_DATABASE_URL is never stopped by a test. As root it runs as the
// postgres user (PostgreSQL refuses to run as root).
type privatePostgres struct {
	t    *testing.T
	bin  string   // directory of initdb and postgres
	as   []string // runuser prefix when run as root
	dir  string   // data in dir/data, the socket in dir
	port int
	cmd  *exec.Cmd
	wait chan error
	log  *lockedBuffer
}

func newPrivatePostgres(t *testing.T) *privatePostgres {
	t.Helper()
	bin := ""
	if p, err := exec.LookPath("postgres"); err == nil {
		bin = filepath.Dir(p)
	} else if m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres"); len(m) > 0 {
		sort.Strings(m)
		bin = filepath.Dir(m[len(m)-1])
	} else {
		dbtest.SkipOrFail(t, "no PostgreSQL server binaries (postgres, initdb) to run a private server")
	}
	dir, err := os.MkdirTemp("", "zwfw-crash-pg-")
	if err != nil {
		t.Fatal(err)
	}
	pg := &privatePostgres{t: t, bin: bin, dir: dir, port: freePort(t), log: &lockedBuffer{}}
	t.Cleanup(func() {
		pg.stop(syscall.SIGKILL)
		os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			dbtest.SkipOrFail(t, "running as root and there is no postgres user to run a private PostgreSQL as")
		}
		runuser, err := exec.LookPath("runuser")
		if err != nil {
			dbtest.SkipOrFail(t, "running as root without runuser to run a private PostgreSQL as postgres")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		pg.as = []string{runuser, "-u", "postgres", "--"}
	}
	start := time.Now()
	if out, err := pg.command("initdb", "-D", filepath.Join(dir, "data"), "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	t.Logf("private PostgreSQL (%s) initialised in %.1fs on port %d", bin, time.Since(start).Seconds(), pg.port)
	return pg
}

func (pg *privatePostgres) command(name string, args ...string) *exec.Cmd {
	argv := append(append(append([]string{}, pg.as...), filepath.Join(pg.bin, name)), args...)
	return exec.Command(argv[0], argv[1:]...)
}

func (pg *privatePostgres) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.port)
}

// start runs the server and waits until it takes connections.
func (pg *privatePostgres) start() {
	pg.t.Helper()
	// fsync=off: what is tested is the death of the server's processes, not
	// of the machine, and the operating system keeps what they wrote.
	// Commits still wait for the WAL to be written (synchronous_commit).
	cmd := pg.command("postgres", "-D", filepath.Join(pg.dir, "data"), "-p", strconv.Itoa(pg.port), "-k", pg.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=60")
	cmd.Stdout, cmd.Stderr = pg.log, pg.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		pg.t.Fatal(err)
	}
	pg.cmd, pg.wait = cmd, make(chan error, 1)
	go func(w chan error) { w <- cmd.Wait() }(pg.wait)
	c, err := sql.Open("pgx", pg.url())
	if err != nil {
		pg.t.Fatal(err)
	}
	defer c.Close()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = c.PingContext(ctx)
		cancel()
		if err == nil {
			return
		}
	}
	pg.t.Fatalf("private PostgreSQL not up after a minute: %v\n%s", err, pg.logTail())
}

// stop ends the server: SIGKILL kills every process of it at once (kill
// -9), SIGINT asks the postmaster for a fast shutdown. It returns when the
// postmaster and its children are gone, so that the next start does not
// find them.
func (pg *privatePostgres) stop(sig syscall.Signal) {
	if pg.cmd == nil {
		return
	}
	pid := 0
	if b, err := os.ReadFile(filepath.Join(pg.dir, "data", "postmaster.pid")); err == nil {
		pid, _ = strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])
	}
	groups := []int{pg.cmd.Process.Pid}
	if pid > 0 {
		if g, err := syscall.Getpgid(pid); err == nil && g != groups[0] {
			groups = append(groups, g)
		}
	}
	kill := func() {
		for _, g := range groups {
			_ = syscall.Kill(-g, syscall.SIGKILL)
		}
	}
	if sig == syscall.SIGKILL || pid == 0 {
		kill()
	} else {
		_ = syscall.Kill(pid, sig)
	}
	select {
	case <-pg.wait:
	case <-time.After(time.Minute):
		kill()
		<-pg.wait
	}
	// The postmaster's own children may outlive the runuser that waited
	// for it by a moment.
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		alive := false
		for _, g := range groups {
			if syscall.Kill(-g, 0) == nil {
				alive = true
			}
		}
		if pid > 0 && syscall.Kill(pid, 0) == nil {
			alive = true
		}
		if !alive {
			break
		}
	}
	pg.cmd = nil
}

func (pg *privatePostgres) logTail() string {
	b := pg.log.String()
	if len(b) > 3000 {
		b = "…" + b[len(b)-3000:]
	}
	return b
}
