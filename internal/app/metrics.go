package app

import (
	"crypto/subtle"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"zwfw/internal/account"
	"zwfw/internal/db"
	"zwfw/internal/httpauth"
)

// metrics are the Prometheus metrics served at /metrics: requests and their
// latency per route pattern, the Go runtime, and the database pools.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(d *db.DB, users *account.Service) *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "zwfw_http_requests_total", Help: "HTTP requests by surface, route pattern and status code.",
		}, []string{"surface", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "zwfw_http_request_duration_seconds", Help: "HTTP request latency by surface and route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"surface", "route"}),
	}
	reg.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(d.SQL(), string(d.Dialect)),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "zwfw_password_checks_total", Help: "Password hashes compared (sign-ins, password changes) by this process.",
		}, func() float64 { return float64(users.PasswordChecks()) }))
	return m
}

// handler serves the metrics to whoever may read them: with a token set
// (ZWFW_METRICS_TOKEN), a request carrying it as a bearer token; without
// one, only a request from the loopback interface that no proxy forwarded
// (a scraper on the server itself). Everyone else gets 404, as if there
// were nothing here: request rates, routes and pool sizes are of use to an
// attacker.
func (m *metrics) handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !metricsAllowed(r, token) {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func metricsAllowed(r *http.Request, token string) bool {
	if token != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) == 1
	}
	if r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" {
		return false
	}
	a, err := netip.ParseAddr(httpauth.ClientIP(r))
	return err == nil && a.Unmap().IsLoopback()
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// instrument counts and times requests. It wraps the surface's mux
// directly, so that after the mux has routed the request r.Pattern names the
// route (a bounded label set, unlike the raw path).
func (m *metrics) instrument(surface string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		if sw.code == 0 {
			sw.code = http.StatusOK
		}
		m.requests.WithLabelValues(surface, route, strconv.Itoa(sw.code)).Inc()
		m.latency.WithLabelValues(surface, route).Observe(time.Since(start).Seconds())
	})
}
