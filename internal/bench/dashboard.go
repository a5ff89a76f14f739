package bench

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"time"
)

// DashboardOptions say how to measure the supervision dashboard.
type DashboardOptions struct {
	URL         string
	Concurrency []int
	Duration    time.Duration // per level and view
	Views       []DashboardView
	Password    string
	Progress    io.Writer
	// CPU, when set, is the CPU time this process has used so far: each
	// view then reports its CPU time per request, which other work on a
	// shared machine does not inflate the way it inflates latencies.
	CPU func() (time.Duration, bool)
}

// DashboardView is one dashboard request: who asks for which period.
type DashboardView struct {
	Name     string // e.g. "county, this year"
	Username string
	Org      string
	From, To string
	// Period, when set, draws the period of every request instead of From
	// and To (each request a different period: no cache can answer it).
	// It is called from many goroutines at once.
	Period func() (from, to string)
}

// DashboardLevel is the result of one concurrency level.
type DashboardLevel struct {
	Concurrency int
	Views       []Stats
	CPU         []time.Duration // per view: CPU time of this process per request (0: unknown)
	Healthz     Stats
}

// Dashboard measures GET /api/v1/supervision/overview for each view at each
// concurrency level, with GET /healthz as the reference in the same run.
func Dashboard(ctx context.Context, o DashboardOptions) ([]DashboardLevel, error) {
	maxConc := 1
	for _, c := range o.Concurrency {
		maxConc = max(maxConc, c)
	}
	cl := newClient([]string{o.URL}, maxConc)
	tokens := map[string]string{}
	for _, v := range o.Views {
		if tokens[v.Username] != "" {
			continue
		}
		t, err := cl.login(v.Username, o.Password)
		if err != nil {
			return nil, fmt.Errorf("bench: sign in %s: %w", v.Username, err)
		}
		tokens[v.Username] = t
	}
	var out []DashboardLevel
	for _, conc := range o.Concurrency {
		lv := DashboardLevel{Concurrency: conc}
		for _, v := range o.Views {
			// One warm-up request, so the first timing is not the cold cache's.
			if err := cl.do("GET", v.path(), tokens[v.Username], nil, nil); err != nil {
				return nil, err
			}
			rec := newRecorder()
			cpu0, cpuOK := cpuNow(o.CPU)
			el := runFor(ctx, conc, o.Duration, func() {
				path := v.path()
				t0 := time.Now()
				err := cl.do("GET", path, tokens[v.Username], nil, nil)
				rec.add(v.Name, time.Since(t0), err)
			})
			st := rec.stats(v.Name, el)
			var perReq time.Duration
			if cpu1, ok := cpuNow(o.CPU); ok && cpuOK && st.Count > 0 {
				perReq = (cpu1 - cpu0) / time.Duration(st.Count)
			}
			progress(o.Progress, "concurrency %d, %s: %.0f req/s, p95 %s ms, CPU %s ms/req", conc, v.Name, st.PerSecond, ms(st.P95), ms(perReq))
			lv.Views = append(lv.Views, st)
			lv.CPU = append(lv.CPU, perReq)
		}
		rec := newRecorder()
		el := runFor(ctx, conc, o.Duration/2, func() {
			t0 := time.Now()
			err := cl.do("GET", "/healthz", "", nil, nil)
			rec.add("GET /healthz", time.Since(t0), err)
		})
		lv.Healthz = rec.stats("GET /healthz", el)
		out = append(out, lv)
	}
	return out, nil
}

func cpuNow(f func() (time.Duration, bool)) (time.Duration, bool) {
	if f == nil {
		return 0, false
	}
	return f()
}

// path is the overview request of the view, with a freshly drawn period
// when the view draws them.
func (v DashboardView) path() string {
	from, to := v.From, v.To
	if v.Period != nil {
		from, to = v.Period()
	}
	q := url.Values{}
	for k, val := range map[string]string{"org": v.Org, "from": from, "to": to} {
		if val != "" {
			q.Set(k, val)
		}
	}
	return "/api/v1/supervision/overview?" + q.Encode()
}

// DashboardMarkdown writes the results as a table for BENCHMARKS.md.
func DashboardMarkdown(w io.Writer, title string, levels []DashboardLevel) {
	fmt.Fprintf(w, "#### %s\n\n", title)
	fmt.Fprintln(w, "| concurrency | request | count | errors | req/s | p50 ms | p95 ms | p99 ms | CPU ms/req |")
	fmt.Fprintln(w, "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, lv := range levels {
		for i, s := range append(append([]Stats{}, lv.Views...), lv.Healthz) {
			cpu := ""
			if i < len(lv.CPU) && lv.CPU[i] > 0 {
				cpu = ms(lv.CPU[i])
			}
			fmt.Fprintf(w, "| %d | %s | %d | %d | %.0f | %s | %s | %s | %s |\n", lv.Concurrency, s.Name, s.Count, s.Errors, s.PerSecond, ms(s.P50), ms(s.P95), ms(s.P99), cpu)
		}
	}
	fmt.Fprintln(w)
}
