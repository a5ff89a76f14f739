package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"zwfw/internal/casework/rollup"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/seed"
	"zwfw/internal/supervision"
)

// The crash tests run the real binary as a child process under a load of
// case lifecycles and kill it (or its PostgreSQL server) while requests are
// in flight. What must hold afterwards is what a user relies on: an action
// the server answered 2xx is there after the restart, the supervision
// rollup equals one rebuilt from the cases, and the audit chain verifies.
//
// The child runs on the machine's clock (it is the real program); nothing
// checked here depends on the date. ZWFW_CRASH_CYCLES sets the number of
// kills per database (default 3, as CI runs it); ZWFW_CRASH_WORKERS the
// number of clients (default 6).

// TestCrashKill9: kill -9 the server again and again during a load of
// lifecycles, on SQLite and on PostgreSQL.
func TestCrashKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server (-short)")
	}
	t.Parallel()
	bin := buildZwfw(t)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			dbtest.OnlyDialect(t, dialect)
			env := map[string]string{}
			if dialect == "postgres" {
				env["ZWFW_DATABASE_URL"] = dbtest.PostgresSchemaURL(t)
			}
			s := newServer(t, bin, env)
			s.start()
			l := newLoad(t, s.base(), crashEnv("ZWFW_CRASH_WORKERS", 6))
			for i := range crashEnv("ZWFW_CRASH_CYCLES", 3) {
				l.waitAcks(5 + rand.IntN(20))
				s.kill()
				t.Logf("cycle %d: killed with %d actions acknowledged", i+1, l.acked.Load())
				time.Sleep(time.Duration(rand.IntN(100)) * time.Millisecond)
				s.start()
			}
			l.waitAcks(5)
			// The last kill comes with the load still running, and what is
			// checked is the database exactly as the kill left it.
			s.kill()
			l.stop()
			s.start()
			l.check()
			s.kill()
			s.verify()
		})
	}
}

// TestCrashPostgresRestart: the server's PostgreSQL dies (kill -9 of all
// its processes) and is stopped (fast shutdown) under load; meanwhile
// /readyz answers 503, afterwards 200 without restarting zwfw, and the load
// goes on. It runs a private PostgreSQL of its own, never the shared one.
func TestCrashPostgresRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server (-short)")
	}
	t.Parallel()
	dbtest.OnlyDialect(t, "postgres")
	pg := newPrivatePostgres(t)
	bin := buildZwfw(t)
	pg.start()
	s := newServer(t, bin, map[string]string{"ZWFW_DATABASE_URL": pg.url()})
	s.start()
	l := newLoad(t, s.base(), crashEnv("ZWFW_CRASH_WORKERS", 6))
	for i := range crashEnv("ZWFW_CRASH_CYCLES", 3) {
		l.waitAcks(5 + rand.IntN(20))
		how := "kill -9"
		if i%2 == 1 {
			how = "fast shutdown"
			pg.stop(syscall.SIGINT)
		} else {
			pg.stop(syscall.SIGKILL)
		}
		if code := s.readyz(10 * time.Second); code != http.StatusServiceUnavailable {
			t.Fatalf("cycle %d: PostgreSQL down (%s), /readyz says %d, want 503", i+1, how, code)
		}
		time.Sleep(time.Duration(200+rand.IntN(500)) * time.Millisecond)
		pg.start()
		start := time.Now()
		if code := s.readyzUntil(http.StatusOK, 60*time.Second); code != http.StatusOK {
			t.Fatalf("cycle %d: PostgreSQL back, /readyz still says %d after 60s\n%s", i+1, code, s.logTail())
		}
		// Recovered means serving: actions are acknowledged again.
		before := l.acked.Load()
		l.waitAcks(3)
		t.Logf("cycle %d: PostgreSQL %s with %d actions acknowledged; ready %.1fs after its restart", i+1, how, before, time.Since(start).Seconds())
	}
	l.stop()
	l.check()
	s.kill()
	s.verify()
}

// built is the binary under test, built once for the crash tests.
var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// TestMain removes the binary the crash tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// buildZwfw builds the binary under test (once per test run).
func buildZwfw(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "zwfw-crash-bin-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "zwfw")
		start := time.Now()
		out, err := exec.Command("go", "build", "-o", built.bin, ".").CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		t.Logf("built zwfw in %.1fs", time.Since(start).Seconds())
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

func crashEnv(name string, def int) int {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			panic(fmt.Sprintf("%s=%q: want a positive number", name, v))
		}
		return n
	}
	return def
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// server is a zwfw serve child process, restarted on the same data
// directory, database and port.
type server struct {
	t    *testing.T
	bin  string
	env  []string
	addr string
	dir  string
	cmd  *exec.Cmd
	wait chan error // the running process's exit
	log  *lockedBuffer
}

func newServer(t *testing.T, bin string, extra map[string]string) *server {
	dir := t.TempDir()
	s := &server{t: t, bin: bin, dir: dir, addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)), log: &lockedBuffer{}}
	env := map[string]string{
		"ZWFW_ADDR": s.addr, "ZWFW_DATA_DIR": dir, "ZWFW_DEMO": "1", "ZWFW_ADMIN_PASSWORD": "Crash@2026x",
		"ZWFW_LOG_LEVEL": "warn", "ZWFW_LOGIN_LIMIT": "off", "ZWFW_LOGIN_LIMIT_ALL": "off",
		// Checkpoints often, so that kills land in their writing too.
		"ZWFW_AUDIT_CHECKPOINT_INTERVAL": "200ms",
	}
	for k, v := range extra {
		env[k] = v
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ZWFW_") {
			s.env = append(s.env, kv)
		}
	}
	for k, v := range env {
		s.env = append(s.env, k+"="+v)
	}
	t.Cleanup(func() {
		if s.cmd != nil {
			s.kill()
		}
		if t.Failed() {
			t.Logf("zwfw serve's log:\n%s", s.logTail())
		}
	})
	return s
}

func (s *server) base() string { return "http://" + s.addr }

func (s *server) start() {
	s.t.Helper()
	cmd := exec.Command(s.bin, "serve")
	cmd.Env = s.env
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.cmd = cmd
	began := time.Now()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			s.cmd = nil
			s.t.Fatalf("zwfw serve exited at start: %v\n%s", err, s.logTail())
		default:
		}
		if resp, err := http.Get(s.base() + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.wait = exited
				s.t.Logf("zwfw serve ready in %.1fs", time.Since(began).Seconds())
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("zwfw serve not ready after 2 minutes\n%s", s.logTail())
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() {
	s.t.Helper()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.wait
	s.cmd = nil
}

func (s *server) logTail() string {
	b := s.log.String()
	if len(b) > 4000 {
		b = "…" + b[len(b)-4000:]
	}
	return b
}

// readyz polls /readyz for up to d until it answers something other than
// 200, and returns that (or 200).
func (s *server) readyz(d time.Duration) int {
	return s.readyzUntil(-http.StatusOK, d)
}

// readyzUntil polls /readyz for up to d until it answers want (or, with a
// negative want, anything but -want), and returns the last answer.
func (s *server) readyzUntil(want int, d time.Duration) int {
	code := 0
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(s.base() + "/readyz")
		if err != nil {
			code = 0
			continue
		}
		resp.Body.Close()
		code = resp.StatusCode
		if code == want || (want < 0 && code != -want) {
			break
		}
	}
	return code
}

// verify runs `zwfw audit verify` on the data the server left, and compares
// the supervision rollup with one rebuilt from the cases.
func (s *server) verify() {
	s.t.Helper()
	cmd := exec.Command(s.bin, "audit", "verify")
	cmd.Env = s.env
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "校验通过") {
		s.t.Errorf("zwfw audit verify: %v\n%s", err, out)
	} else {
		s.t.Logf("zwfw audit verify: %s", strings.TrimSpace(string(out)))
	}
	url := ""
	for _, kv := range s.env {
		if v, ok := strings.CutPrefix(kv, "ZWFW_DATABASE_URL="); ok {
			url = v
		}
	}
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{URL: url, DataDir: s.dir})
	if err != nil {
		s.t.Fatal(err)
	}
	defer d.Close()
	// The changes queued by the killed servers (PostgreSQL) are folded
	// first: each must count exactly once.
	if _, err := rollup.Fold(ctx, d); err != nil {
		s.t.Fatal(err)
	}
	kept := rollupRows(s.t, d)
	if err := supervision.RebuildStats(ctx, d); err != nil {
		s.t.Fatal(err)
	}
	if rebuilt := rollupRows(s.t, d); !reflect.DeepEqual(kept, rebuilt) {
		s.t.Errorf("after the kills the rollup differs from the one rebuilt from the cases:\nkept:    %v\nrebuilt: %v", kept, rebuilt)
	} else {
		s.t.Logf("rollup equals the rebuilt one (%d rows)", len(kept))
	}
}

// rollupRows lists the rollup's non-empty rows: case_stats and the
// breakdowns per organisation.
func rollupRows(t *testing.T, d *db.DB) []string {
	t.Helper()
	rows, err := d.Query(context.Background(), `SELECT grain, period, org_id, dept_id, window_id, kind, channel, status,
		n, done, on_time, handled_days, promised_days, evals, satisfied FROM case_stats
		UNION ALL SELECT 'breakdown ' || grain, period, scope_id, 0, 0, dim, value, '',
		n, done, on_time, handled_days, promised_days, evals, satisfied FROM case_breakdowns`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var g, p, k, ch, st string
		var o, dp, w, n, done, on, h, pr, ev, sa int64
		if err := rows.Scan(&g, &p, &o, &dp, &w, &k, &ch, &st, &n, &done, &on, &h, &pr, &ev, &sa); err != nil {
			t.Fatal(err)
		}
		if n == 0 && done == 0 && on == 0 && h == 0 && pr == 0 && ev == 0 && sa == 0 {
			continue
		}
		out = append(out, fmt.Sprint(g, p, o, dp, w, k, ch, st, n, done, on, h, pr, ev, sa))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// steps of a lifecycle, as zwfw bench runs it; a case's rank is the number
// of them done.
var steps = []string{"apply", "accept", "approve", "complete", "evaluate"}

// acked is what the server acknowledged of one case: the last step
// answered 2xx and the version it answered with.
type acked struct {
	rank    int
	version int
}

// load runs lifecycles in workers until stopped. A step that fails
// without an answer (the server died) or with 5xx leaves its case as it
// was acknowledged and the worker starts a new one; any other refusal is a
// failure of the test.
type load struct {
	t        *testing.T
	base     string
	hc       *http.Client
	window   string
	reviewer string
	apply    map[string]any
	acked    atomic.Int64
	mu       sync.Mutex
	cases    map[string]acked
	refused  []string
	quit     chan struct{}
	wg       sync.WaitGroup
}

func newLoad(t *testing.T, base string, workers int) *load {
	t.Helper()
	l := &load{t: t, base: base, cases: map[string]acked{}, quit: make(chan struct{}),
		hc: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers * 2}}}
	var err error
	if l.window, err = l.login("county.window"); err != nil {
		t.Fatal(err)
	}
	if l.reviewer, err = l.login("county.reviewer"); err != nil {
		t.Fatal(err)
	}
	item := "010100100000" // a 承诺件 of the county, as zwfw bench
	var it struct {
		Materials []struct{ Name, Required string }
	}
	if _, err := l.do("GET", "/api/v1/items/"+item, "", nil, &it); err != nil {
		t.Fatal(err)
	}
	var materials []map[string]string
	for _, m := range it.Materials {
		if m.Required == "required" {
			materials = append(materials, map[string]string{"name": m.Name, "handed_in": "window"})
		}
	}
	l.apply = map[string]any{
		"item_code": item, "org_code": "610923C", "materials": materials,
		"applicant": map[string]string{"name": "陈家明", "id_number": "610923198503120025", "phone": "13991568899"},
		"form":      map[string]string{"description": "断电测试申请"},
	}
	for range workers {
		l.wg.Add(1)
		go l.work()
	}
	t.Cleanup(l.stop)
	return l
}

func (l *load) login(user string) (string, error) {
	var out struct{ Token string }
	_, err := l.do("POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": seed.DemoPassword}, &out)
	return out.Token, err
}

// do sends one request; status is 0 when no answer came.
func (l *load) do(method, path, token string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, l.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := l.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, err
		}
	}
	return resp.StatusCode, nil
}

func (l *load) stopped() bool {
	select {
	case <-l.quit:
		return true
	default:
		return false
	}
}

func (l *load) work() {
	defer l.wg.Done()
	for !l.stopped() {
		if !l.lifecycle() {
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// lifecycle runs one case through the steps and reports whether it got to
// the end.
func (l *load) lifecycle() bool {
	var k struct {
		Serial  string `json:"serial"`
		Version int    `json:"version"`
	}
	for rank, name := range steps {
		if l.stopped() {
			return false
		}
		token, path, body := l.window, "/api/v1/cases", any(l.apply)
		if rank > 0 {
			b := map[string]any{"version": k.Version}
			switch name {
			case "approve":
				token = l.reviewer
				b["opinion"] = "符合条件，准予许可"
			case "evaluate":
				b["level"], b["channel"] = 1, "pad"
			}
			path, body = "/api/v1/cases/"+k.Serial+"/actions/"+name, b
		}
		code, err := l.do("POST", path, token, body, &k)
		if err != nil {
			if code != 0 && code < 500 {
				l.mu.Lock()
				l.refused = append(l.refused, err.Error())
				l.mu.Unlock()
			}
			return false
		}
		l.mu.Lock()
		l.cases[k.Serial] = acked{rank: rank + 1, version: k.Version}
		l.mu.Unlock()
		l.acked.Add(1)
	}
	return true
}

// waitAcks waits until n more actions have been acknowledged.
func (l *load) waitAcks(n int) {
	l.t.Helper()
	want := l.acked.Load() + int64(n)
	deadline := time.Now().Add(2 * time.Minute)
	for l.acked.Load() < want {
		if time.Now().After(deadline) {
			l.t.Fatalf("only %d of %d actions acknowledged after 2 minutes; refused: %v", l.acked.Load(), want, l.refusals())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (l *load) refusals() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.refused...)
}

func (l *load) stop() {
	select {
	case <-l.quit:
	default:
		close(l.quit)
	}
	l.wg.Wait()
}

// check reads back every case the server acknowledged a step of: it is
// at that step (its status, evaluation and version), or one step further
// when the next step was sent and its answer lost.
func (l *load) check() {
	l.t.Helper()
	if r := l.refusals(); len(r) > 0 {
		l.t.Errorf("%d steps refused with 4xx, e.g. %s", len(r), r[0])
	}
	status := []string{"", "submitted", "accepted", "approved", "completed", "completed"}
	lost := 0
	for serial, a := range l.cases {
		var c struct {
			Status      string `json:"status"`
			Version     int    `json:"version"`
			Evaluations []any  `json:"evaluations"`
		}
		if _, err := l.do("GET", "/api/v1/cases/"+serial, l.window, nil, &c); err != nil {
			l.t.Errorf("case %s acknowledged at %s: %v", serial, steps[a.rank-1], err)
			lost++
			continue
		}
		rank := 0
		for r := 1; r < len(status); r++ {
			if status[r] == c.Status {
				rank = r
				break
			}
		}
		if rank == 4 && len(c.Evaluations) > 0 {
			rank = 5
		}
		if rank < a.rank || rank > a.rank+1 || c.Version < a.version {
			l.t.Errorf("case %s: acknowledged %s (version %d), after the restart %s (version %d, %d evaluations)",
				serial, steps[a.rank-1], a.version, c.Status, c.Version, len(c.Evaluations))
			lost++
		}
	}
	l.t.Logf("%d acknowledged actions on %d cases read back, %d lost", l.acked.Load(), len(l.cases), lost)
}
