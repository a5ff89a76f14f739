// Package bench measures the platform over HTTP the way users load it: full
// case lifecycles (apply → accept → approve → complete → evaluate), case
// lookups and, as the reference measured in the same run on the same server,
// GET /healthz. It reports throughput and latency percentiles per request.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options say what to run.
type Options struct {
	URL         string        // base URL of the server
	More        []string      // base URLs of more server processes on the same database: requests go to each in turn
	Concurrency []int         // client concurrency levels
	Duration    time.Duration // per level and workload
	Item        string        // the item lifecycles apply for
	Centre      string        // where they are filed
	Window      string        // window clerk's username
	Reviewer    string        // reviewer's username
	Password    string        // their password
	Progress    io.Writer     // progress lines

	// CPU, when set, returns the CPU time used so far by everything the
	// run loads: this process, the servers and the database's processes.
	// Each workload then reports its CPU per request, a figure that other
	// work on a shared machine inflates far less than latency.
	CPU func() time.Duration
	// Reference, when set, runs a reference workload of the database
	// itself (pgbench TPC-B) at the level's concurrency for d, and returns
	// its transactions per second and CPU per transaction.
	Reference func(ctx context.Context, conc int, d time.Duration) (tps float64, cpu time.Duration, err error)
}

// Stats are the timings of one kind of request.
type Stats struct {
	Name      string
	Count     int
	Errors    int
	PerSecond float64
	P50       time.Duration
	P95       time.Duration
	P99       time.Duration
}

// Level is the result of one concurrency level.
type Level struct {
	Concurrency int
	Lifecycles  int
	LifecyclesS float64
	Requests    []Stats // per step of the lifecycle
	Lookup      Stats   // GET /api/v1/cases/{serial}
	Healthz     Stats   // reference
	Writes      float64 // case write requests per second (lifecycles × 5)

	// CPU per lifecycle, lookup and /healthz request (when Options.CPU).
	LifecycleCPU, LookupCPU, HealthzCPU time.Duration
	// The database's own reference (when Options.Reference).
	RefTPS float64
	RefCPU time.Duration
}

type recorder struct {
	mu    sync.Mutex
	times map[string][]time.Duration
	errs  map[string]int
}

func newRecorder() *recorder {
	return &recorder{times: map[string][]time.Duration{}, errs: map[string]int{}}
}

func (r *recorder) add(name string, d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.errs[name]++
		return
	}
	r.times[name] = append(r.times[name], d)
}

func (r *recorder) stats(name string, elapsed time.Duration) Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	ts := slices.Clone(r.times[name])
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	s := Stats{Name: name, Count: len(ts), Errors: r.errs[name]}
	if len(ts) > 0 {
		s.PerSecond = float64(len(ts)) / elapsed.Seconds()
		s.P50, s.P95, s.P99 = pct(ts, 50), pct(ts, 95), pct(ts, 99)
	}
	return s
}

func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p+99)/100 - 1
	if i < 0 {
		i = 0
	}
	return sorted[i]
}

// client is an HTTP client with one kept-alive connection per worker and
// server; with several servers it sends each request to the next one.
type client struct {
	bases []string
	next  atomic.Uint64
	hc    *http.Client
}

func newClient(bases []string, conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns * 2 * len(bases), MaxIdleConnsPerHost: conns * 2, MaxConnsPerHost: conns * 2, IdleConnTimeout: time.Minute}
	c := &client{hc: &http.Client{Transport: tr, Timeout: 60 * time.Second}}
	for _, b := range bases {
		c.bases = append(c.bases, strings.TrimRight(b, "/"))
	}
	return c
}

func (c *client) base() string {
	if len(c.bases) == 1 {
		return c.bases[0]
	}
	return c.bases[c.next.Add(1)%uint64(len(c.bases))]
}

func (c *client) do(method, path, token string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base()+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (c *client) login(user, password string) (string, error) {
	var out struct{ Token string }
	err := c.do("POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": password}, &out)
	return out.Token, err
}

type caseRef struct {
	Serial  string `json:"serial"`
	Version int    `json:"version"`
	Status  string `json:"status"`
}

type itemDoc struct {
	Materials []struct {
		Name     string `json:"name"`
		Required string `json:"required"`
	} `json:"materials"`
}

// Run measures every concurrency level in turn.
func Run(ctx context.Context, o Options) ([]Level, error) {
	maxConc := slices.Max(o.Concurrency)
	c := newClient(append([]string{o.URL}, o.More...), maxConc)
	cpu := func() time.Duration {
		if o.CPU == nil {
			return 0
		}
		return o.CPU()
	}
	per := func(d time.Duration, n int) time.Duration {
		if n == 0 {
			return 0
		}
		return d / time.Duration(n)
	}
	window, err := c.login(o.Window, o.Password)
	if err != nil {
		return nil, fmt.Errorf("bench: sign in as %s: %w", o.Window, err)
	}
	reviewer, err := c.login(o.Reviewer, o.Password)
	if err != nil {
		return nil, fmt.Errorf("bench: sign in as %s: %w", o.Reviewer, err)
	}
	var it itemDoc
	if err := c.do("GET", "/api/v1/items/"+o.Item, "", nil, &it); err != nil {
		return nil, fmt.Errorf("bench: item %s: %w", o.Item, err)
	}
	var materials []map[string]string
	for _, m := range it.Materials {
		if m.Required == "required" {
			materials = append(materials, map[string]string{"name": m.Name, "handed_in": "window"})
		}
	}
	apply := map[string]any{
		"item_code": o.Item, "org_code": o.Centre, "materials": materials,
		"applicant": map[string]string{"name": "陈家明", "id_number": "610923198503120025", "phone": "13991568899"},
		"form":      map[string]string{"description": "性能测试申请"},
	}
	lifecycle := func(rec *recorder) (string, error) {
		step := func(name, token, path string, body any, out any) error {
			t0 := time.Now()
			err := c.do("POST", path, token, body, out)
			rec.add(name, time.Since(t0), err)
			return err
		}
		var k caseRef
		if err := step("apply", window, "/api/v1/cases", apply, &k); err != nil {
			return "", err
		}
		act := func(name, token string, body map[string]any) error {
			body["version"] = k.Version
			return step(name, token, "/api/v1/cases/"+k.Serial+"/actions/"+name, body, &k)
		}
		if err := act("accept", window, map[string]any{}); err != nil {
			return "", err
		}
		if err := act("approve", reviewer, map[string]any{"opinion": "符合条件，准予许可"}); err != nil {
			return "", err
		}
		if err := act("complete", window, map[string]any{}); err != nil {
			return "", err
		}
		if err := act("evaluate", window, map[string]any{"level": 1, "channel": "pad"}); err != nil {
			return "", err
		}
		return k.Serial, nil
	}
	var levels []Level
	var serials []string
	for _, conc := range o.Concurrency {
		if err := ctx.Err(); err != nil {
			return levels, err
		}
		lv := Level{Concurrency: conc}
		// Lifecycles.
		rec := newRecorder()
		var done atomic.Int64
		var firstErr atomic.Value
		var mu sync.Mutex
		cpu0 := cpu()
		elapsed := runFor(ctx, conc, o.Duration, func() {
			s, err := lifecycle(rec)
			if err != nil {
				firstErr.CompareAndSwap(nil, err.Error())
				return
			}
			done.Add(1)
			mu.Lock()
			serials = append(serials, s)
			mu.Unlock()
		})
		if e := firstErr.Load(); e != nil && done.Load() == 0 {
			return levels, fmt.Errorf("bench: lifecycle failed: %s", e)
		}
		lv.Lifecycles = int(done.Load())
		lv.LifecyclesS = float64(lv.Lifecycles) / elapsed.Seconds()
		lv.Writes = 5 * lv.LifecyclesS
		lv.LifecycleCPU = per(cpu()-cpu0, lv.Lifecycles)
		for _, n := range []string{"apply", "accept", "approve", "complete", "evaluate"} {
			lv.Requests = append(lv.Requests, rec.stats(n, elapsed))
		}
		progress(o.Progress, "concurrency %d: %d lifecycles in %.1fs (%.0f/s)", conc, lv.Lifecycles, elapsed.Seconds(), lv.LifecyclesS)
		// Case lookups.
		rec = newRecorder()
		cpu0 = cpu()
		elapsed = runFor(ctx, conc, o.Duration/2, func() {
			s := serials[rand.IntN(len(serials))]
			t0 := time.Now()
			err := c.do("GET", "/api/v1/cases/"+s, window, nil, nil)
			rec.add("lookup", time.Since(t0), err)
		})
		lv.Lookup = rec.stats("lookup", elapsed)
		lv.LookupCPU = per(cpu()-cpu0, lv.Lookup.Count)
		progress(o.Progress, "concurrency %d: case lookup %.0f/s", conc, lv.Lookup.PerSecond)
		// Reference.
		rec = newRecorder()
		cpu0 = cpu()
		elapsed = runFor(ctx, conc, o.Duration/2, func() {
			t0 := time.Now()
			err := c.do("GET", "/healthz", "", nil, nil)
			rec.add("healthz", time.Since(t0), err)
		})
		lv.Healthz = rec.stats("healthz", elapsed)
		lv.HealthzCPU = per(cpu()-cpu0, lv.Healthz.Count)
		progress(o.Progress, "concurrency %d: /healthz %.0f/s", conc, lv.Healthz.PerSecond)
		if o.Reference != nil {
			tps, rcpu, err := o.Reference(ctx, conc, o.Duration)
			if err != nil {
				// The level's own figures stand; the table shows no reference.
				progress(o.Progress, "concurrency %d: the reference failed: %v", conc, err)
			} else {
				lv.RefTPS, lv.RefCPU = tps, rcpu
				progress(o.Progress, "concurrency %d: pgbench TPC-B %.0f tps; case writes %.0f/s = %.2f of it", conc, tps, lv.Writes, lv.Writes/tps)
			}
		}
		levels = append(levels, lv)
	}
	return levels, nil
}

// runFor runs fn in conc workers until d has passed, and returns the time
// actually taken (the last calls finish after d).
func runFor(ctx context.Context, conc int, d time.Duration, fn func()) time.Duration {
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for i := 0; i < conc; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && ctx.Err() == nil {
				fn()
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

func progress(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, "bench: "+format+"\n", args...)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

// Markdown writes the results as tables for BENCHMARKS.md.
func Markdown(w io.Writer, title string, levels []Level) {
	fmt.Fprintf(w, "#### %s\n\n", title)
	ref := slices.ContainsFunc(levels, func(lv Level) bool { return lv.RefTPS > 0 })
	head := "| concurrency | lifecycles/s | case writes/s | lookup req/s | /healthz req/s | lookup ÷ healthz |"
	rule := "| ---: | ---: | ---: | ---: | ---: | ---: |"
	if ref {
		head += " pgbench TPC-B tps | writes ÷ pgbench |"
		rule += " ---: | ---: |"
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, rule)
	for _, lv := range levels {
		ratio := 0.0
		if lv.Healthz.PerSecond > 0 {
			ratio = lv.Lookup.PerSecond / lv.Healthz.PerSecond
		}
		fmt.Fprintf(w, "| %d | %.0f | %.0f | %.0f | %.0f | %.2f |", lv.Concurrency, lv.LifecyclesS, lv.Writes, lv.Lookup.PerSecond, lv.Healthz.PerSecond, ratio)
		switch {
		case ref && lv.RefTPS > 0:
			fmt.Fprintf(w, " %.0f | %.2f |", lv.RefTPS, lv.Writes/lv.RefTPS)
		case ref:
			fmt.Fprint(w, " — | — |")
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	if slices.ContainsFunc(levels, func(lv Level) bool { return lv.LifecycleCPU > 0 }) {
		fmt.Fprintln(w, "CPU per request, everything the run loads (load generator, servers, database processes):")
		fmt.Fprintln(w)
		head, rule := "| concurrency | lifecycle (5 writes) ms | lookup ms | /healthz ms |", "| ---: | ---: | ---: | ---: |"
		if ref {
			head += " pgbench transaction ms |"
			rule += " ---: |"
		}
		fmt.Fprintln(w, head)
		fmt.Fprintln(w, rule)
		for _, lv := range levels {
			fmt.Fprintf(w, "| %d | %s | %s | %s |", lv.Concurrency, ms(lv.LifecycleCPU), ms3(lv.LookupCPU), ms3(lv.HealthzCPU))
			if ref {
				fmt.Fprintf(w, " %s |", ms3(lv.RefCPU))
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "| concurrency | request | count | errors | p50 ms | p95 ms | p99 ms |")
	fmt.Fprintln(w, "| ---: | --- | ---: | ---: | ---: | ---: | ---: |")
	for _, lv := range levels {
		for _, s := range append(append([]Stats{}, lv.Requests...), lv.Lookup, lv.Healthz) {
			fmt.Fprintf(w, "| %d | %s | %d | %d | %s | %s | %s |\n", lv.Concurrency, s.Name, s.Count, s.Errors, ms(s.P50), ms(s.P95), ms(s.P99))
		}
	}
	fmt.Fprintln(w)
}

func ms3(d time.Duration) string { return fmt.Sprintf("%.3f", float64(d.Nanoseconds())/1e6) }
