package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// HallOptions say what the hall benchmark runs (issue 10's BENCHMARKS
// lines): tickets taken per second beside /healthz, and how long a window's
// call takes to reach every connected display screen.
type HallOptions struct {
	URL         string        // the server the kiosk and the window use
	Screens     []string      // the servers the screens connect to (another process: the call crosses PostgreSQL's NOTIFY)
	Concurrency []int         // ticket-taking concurrency levels
	Duration    time.Duration // per level (/healthz gets the same)
	ScreenCount int           // display screens connected during the calls
	Calls       int           // calls made while they are connected
	Centre      string        // the centre (county service centre)
	Window      string        // the window that calls, and its clerk
	Clerk       string
	Manager     string // the hall manager who sets up the bench's categories
	Password    string
	Progress    io.Writer
	// Memory, when set, returns the servers' resident memory now and at
	// peak, as text.
	Memory func() string
}

// HallResult is what the hall benchmark measured.
type HallResult struct {
	Takes    []HallLevel
	Healthz1 Stats // /healthz at one client, measured just before the calls
	// Delivery is the time from sending a call to a screen receiving the
	// board that carries it, over every screen and call.
	Delivery  Stats
	Expected  int // screens × calls
	Connected int
	// ConnectTime is how long the screens took to connect and receive
	// their first board.
	ConnectTime time.Duration
	// CallRequest is the window's call request itself (POST …/calls/next).
	CallRequest                         Stats
	MemoryBefore, MemoryScreens, Memory string
}

// HallLevel is one ticket-taking concurrency level.
type HallLevel struct {
	Concurrency int
	Take        Stats
	Healthz     Stats
}

type hallCategory struct {
	ID     int64  `json:"id"`
	Prefix string `json:"prefix"`
}

// Hall runs the hall benchmark on a fresh demo county.
func Hall(ctx context.Context, o HallOptions) (*HallResult, error) {
	maxConc := slices.Max(o.Concurrency)
	c := newClient([]string{o.URL}, maxConc)
	manager, err := c.login(o.Manager, o.Password)
	if err != nil {
		return nil, fmt.Errorf("bench: sign in as %s: %w", o.Manager, err)
	}
	clerk, err := c.login(o.Clerk, o.Password)
	if err != nil {
		return nil, fmt.Errorf("bench: sign in as %s: %w", o.Clerk, err)
	}
	// Categories open all day, so that the run does not depend on the
	// hour: as many as the letters left, each up to 999 tickets a day.
	var have struct{ Items []hallCategory }
	if err := c.do("GET", "/api/v1/hall/centres/"+o.Centre+"/categories", "", nil, &have); err != nil {
		return nil, err
	}
	used := map[string]bool{}
	for _, k := range have.Items {
		used[k.Prefix] = true
	}
	var cats []int64
	for l := 'A'; l <= 'Z'; l++ {
		if used[string(l)] {
			continue
		}
		var k hallCategory
		body := map[string]any{"name": "性能测试" + string(l), "prefix": string(l), "opens": "00:00", "closes": "23:59", "daily_max": 999, "minutes": 5}
		if err := c.do("POST", "/api/v1/hall/centres/"+o.Centre+"/categories", manager, body, &k); err != nil {
			return nil, fmt.Errorf("bench: create category %c: %w", l, err)
		}
		cats = append(cats, k.ID)
	}
	if len(cats) < 2 {
		return nil, fmt.Errorf("bench: %s has no free ticket letters left", o.Centre)
	}
	// The window calls the first of them only.
	calling := cats[0]
	if err := c.do("PUT", "/api/v1/hall/windows/"+o.Window+"/categories", manager, map[string]any{"categories": []int64{calling}}, nil); err != nil {
		return nil, fmt.Errorf("bench: window categories: %w", err)
	}
	res := &HallResult{}
	var next atomic.Uint64
	takeCats := cats[1:]
	for _, conc := range o.Concurrency {
		rec := newRecorder()
		elapsed := runFor(ctx, conc, o.Duration, func() {
			k := takeCats[next.Add(1)%uint64(len(takeCats))]
			t0 := time.Now()
			err := c.do("POST", "/api/v1/hall/centres/"+o.Centre+"/tickets", "", map[string]any{"category_id": k}, nil)
			rec.add("take", time.Since(t0), err)
		})
		lv := HallLevel{Concurrency: conc, Take: rec.stats("take", elapsed)}
		rec = newRecorder()
		elapsed = runFor(ctx, conc, o.Duration, func() {
			t0 := time.Now()
			err := c.do("GET", "/healthz", "", nil, nil)
			rec.add("healthz", time.Since(t0), err)
		})
		lv.Healthz = rec.stats("healthz", elapsed)
		progress(o.Progress, "concurrency %d: %.0f tickets/s (%d refused), /healthz %.0f/s", conc, lv.Take.PerSecond, lv.Take.Errors, lv.Healthz.PerSecond)
		res.Takes = append(res.Takes, lv)
	}
	if o.Memory != nil {
		res.MemoryBefore = o.Memory()
	}
	// The calls' tickets.
	for i := 0; i < o.Calls; i++ {
		if err := c.do("POST", "/api/v1/hall/centres/"+o.Centre+"/tickets", "", map[string]any{"category_id": calling}, nil); err != nil {
			return nil, fmt.Errorf("bench: ticket for the calls: %w", err)
		}
	}
	// The screens.
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	var started atomic.Int64 // unix nanos of the call in flight, 0 between calls
	var mu sync.Mutex
	var times []time.Duration
	var received atomic.Int64
	connected := make(chan error, 2*o.ScreenCount) // ready, then the end of each stream
	tr := &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: 4, DisableCompression: true}
	hc := &http.Client{Transport: tr}
	t0 := time.Now()
	for i := 0; i < o.ScreenCount; i++ {
		base := o.Screens[i%len(o.Screens)]
		go func() {
			connected <- screen(sctx, hc, base+"/api/v1/hall/centres/"+o.Centre+"/events", func(at time.Time) {
				s := started.Load()
				if s == 0 {
					return
				}
				received.Add(1)
				mu.Lock()
				times = append(times, at.Sub(time.Unix(0, s)))
				mu.Unlock()
			}, connected)
		}()
	}
	for i := 0; i < o.ScreenCount; i++ {
		if err := <-connected; err != nil {
			return nil, fmt.Errorf("bench: screen %d: %w", i+1, err)
		}
	}
	res.ConnectTime, res.Connected = time.Since(t0), o.ScreenCount
	progress(o.Progress, "%d screens connected in %.1fs", o.ScreenCount, res.ConnectTime.Seconds())
	time.Sleep(time.Second)
	if o.Memory != nil {
		res.MemoryScreens = o.Memory()
	}
	// Healthz at one client, the same moment's reference for the calls.
	rec := newRecorder()
	elapsed := runFor(ctx, 1, 2*time.Second, func() {
		t0 := time.Now()
		err := c.do("GET", "/healthz", "", nil, nil)
		rec.add("healthz", time.Since(t0), err)
	})
	res.Healthz1 = rec.stats("healthz", elapsed)
	calls := newRecorder()
	for i := 0; i < o.Calls && ctx.Err() == nil; i++ {
		before := received.Load()
		now := time.Now()
		started.Store(now.UnixNano())
		err := c.do("POST", "/api/v1/hall/windows/"+o.Window+"/calls/next", clerk, nil, nil)
		calls.add("call", time.Since(now), err)
		if err != nil {
			return nil, fmt.Errorf("bench: call %d: %w", i+1, err)
		}
		// Wait for every screen (at most 5 s), then finish the ticket
		// with the screens not listening, and pause.
		deadline := time.Now().Add(5 * time.Second)
		for received.Load()-before < int64(o.ScreenCount) && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
		started.Store(0)
		if err := c.do("POST", "/api/v1/hall/windows/"+o.Window+"/calls/finish", clerk, nil, nil); err != nil {
			return nil, fmt.Errorf("bench: finish %d: %w", i+1, err)
		}
		time.Sleep(300 * time.Millisecond)
		if (i+1)%10 == 0 {
			progress(o.Progress, "%d of %d calls, %d deliveries", i+1, o.Calls, received.Load())
		}
	}
	res.CallRequest = calls.stats("call", time.Second)
	mu.Lock()
	ts := slices.Clone(times)
	mu.Unlock()
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	res.Expected = o.ScreenCount * o.Calls
	res.Delivery = Stats{Name: "delivery", Count: len(ts), Errors: res.Expected - len(ts)}
	if len(ts) > 0 {
		res.Delivery.P50, res.Delivery.P95, res.Delivery.P99 = pct(ts, 50), pct(ts, 95), pct(ts, 99)
	}
	if o.Memory != nil {
		res.Memory = o.Memory()
	}
	return res, nil
}

// screen is one display screen: it reads the centre's event stream and
// calls got when a board with a newer call than the last arrives. It sends
// nil on ready once the first board is in (or the error).
func screen(ctx context.Context, hc *http.Client, url string, got func(time.Time), ready chan<- error) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", url, resp.StatusCode)
	}
	br := bufio.NewReaderSize(resp.Body, 16<<10)
	var last int64 = -1
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if last < 0 {
				return err
			}
			return nil
		}
		if !bytes.HasPrefix(line, []byte("data: ")) {
			continue
		}
		at := time.Now()
		id := lastCall(line)
		if last < 0 {
			last = id
			ready <- nil
			continue
		}
		if id > last {
			last = id
			got(at)
		}
	}
}

// lastCall finds "last_call":N in an encoded board.
func lastCall(b []byte) int64 {
	const key = `"last_call":`
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return 0
	}
	b = b[i+len(key):]
	j := bytes.IndexAny(b, ",}")
	if j < 0 {
		return 0
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(string(b[:j])), 10, 64)
	return n
}

// HallMarkdown writes the hall results as tables for BENCHMARKS.md.
func HallMarkdown(w io.Writer, title string, r *HallResult) {
	fmt.Fprintf(w, "#### %s\n\n", title)
	fmt.Fprintln(w, "Tickets taken (POST /api/v1/hall/centres/{code}/tickets, public, one transaction each) beside /healthz:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| concurrency | tickets/s | refused | p50 ms | p99 ms | /healthz req/s | p50 ms | p99 ms | takes ÷ healthz |")
	fmt.Fprintln(w, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, lv := range r.Takes {
		ratio := 0.0
		if lv.Healthz.PerSecond > 0 {
			ratio = lv.Take.PerSecond / lv.Healthz.PerSecond
		}
		fmt.Fprintf(w, "| %d | %.0f | %d | %s | %s | %.0f | %s | %s | %.2f |\n", lv.Concurrency, lv.Take.PerSecond, lv.Take.Errors,
			ms(lv.Take.P50), ms(lv.Take.P99), lv.Healthz.PerSecond, ms(lv.Healthz.P50), ms(lv.Healthz.P99), ratio)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "A window's call reaching %d connected display screens (SSE), %d calls one after another:\n\n", r.Connected, r.Expected/max(r.Connected, 1))
	fmt.Fprintln(w, "| measure | count | missing | p50 ms | p95 ms | p99 ms |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: |")
	fmt.Fprintf(w, "| call → screen (every screen, every call) | %d | %d | %s | %s | %s |\n", r.Delivery.Count, r.Delivery.Errors, ms(r.Delivery.P50), ms(r.Delivery.P95), ms(r.Delivery.P99))
	fmt.Fprintf(w, "| the call request itself | %d | %d | %s | %s | %s |\n", r.CallRequest.Count, r.CallRequest.Errors, ms(r.CallRequest.P50), ms(r.CallRequest.P95), ms(r.CallRequest.P99))
	fmt.Fprintf(w, "| /healthz, one client, same moment | %d | %d | %s | %s | %s |\n", r.Healthz1.Count, r.Healthz1.Errors, ms(r.Healthz1.P50), ms(r.Healthz1.P95), ms(r.Healthz1.P99))
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Screens connected and first board received in %.1f s.\n\n", r.ConnectTime.Seconds())
	if r.MemoryBefore != "" {
		fmt.Fprintf(w, "Server memory: %s before the screens; %s with %d screens connected; %s after the calls.\n\n", r.MemoryBefore, r.MemoryScreens, r.Connected, r.Memory)
	}
}
