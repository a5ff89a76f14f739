package exchange_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
	"zwfw/internal/config"
	"zwfw/internal/exchange"
)

// link is a county and a city, each its own instance with its own
// database, registered to each other; the county reaches the city through
// a switch that can make it unreachable.
type link struct {
	county, city *apptest.Env
	down         atomic.Bool
	refuse       atomic.Int32 // answer this status instead of passing on
	requests     atomic.Int64
}

func newLink(t *testing.T, dialect string) *link {
	t.Helper()
	ctx := context.Background()
	l := &link{county: apptest.Start(t, dialect)}
	l.city = apptest.Start(t, dialect, apptest.Options{NoDemo: true, Config: func(c *config.Config) {
		c.Role, c.PlatformCode, c.PlatformName = config.RoleCity, config.DefaultCityCode, config.DefaultCityName
	}})
	target, _ := url.Parse(l.city.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	sw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.requests.Add(1)
		if l.down.Load() {
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
			return
		}
		if st := l.refuse.Load(); st != 0 {
			http.Error(w, `{"error":{"code":"x","message":"refused by the test"}}`, int(st))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(sw.Close)
	ci, err := l.city.App.Exchange.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	co, err := l.county.App.Exchange.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.county.App.Exchange.AddPeer(ctx, zwfw.System, exchange.PeerInput{Code: ci.Code, Name: ci.Name, Role: ci.Role, URL: sw.URL, KeyPEM: ci.PEM}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.city.App.Exchange.AddPeer(ctx, zwfw.System, exchange.PeerInput{Code: co.Code, Name: co.Name, Role: co.Role, URL: l.county.URL, KeyPEM: co.PEM}); err != nil {
		t.Fatal(err)
	}
	return l
}

// drain runs the county's sender until its outbox for the city is empty.
func (l *link) drain(t *testing.T, within time.Duration) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.county.App.Exchange.Run(ctx) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if evs, err := l.county.App.Exchange.Pending(context.Background(), "610900"); err == nil && len(evs) == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	evs, _ := l.county.App.Exchange.Pending(context.Background(), "610900")
	t.Fatalf("%d events still pending after %s", len(evs), within)
}

func (l *link) counts(t *testing.T) (out, delivered, in int) {
	t.Helper()
	ctx := context.Background()
	if err := l.county.App.DB.QueryRow(ctx, "SELECT COUNT(*), COALESCE(SUM(CASE WHEN state = 'delivered' THEN 1 ELSE 0 END), 0) FROM exchange_outbox WHERE peer = '610900'").Scan(&out, &delivered); err != nil {
		t.Fatal(err)
	}
	if err := l.city.App.DB.QueryRow(ctx, "SELECT COUNT(*) FROM exchange_inbox WHERE peer = '610923'").Scan(&in); err != nil {
		t.Fatal(err)
	}
	return
}

// The sender delivers the county's case events to the city over HTTP; an
// unreachable city is retried with backoff until it answers, and every
// event arrives once; a permanent refusal makes dead letters, which wait
// until resent.
func TestDelivery(t *testing.T) {
	for _, d := range apptest.Dialects {
		t.Run(d, func(t *testing.T) {
			l := newLink(t, d)
			ctx := context.Background()
			var serials []string
			for range 3 {
				serials = append(serials, l.county.Case(t, "county.window", "010100100000", "610923C", casework.Completed))
			}
			l.drain(t, 20*time.Second)
			out, delivered, in := l.counts(t)
			if out == 0 || delivered != out || in != out {
				t.Fatalf("outbox %d, delivered %d, city inbox %d", out, delivered, in)
			}
			// The city down: the events wait, and go once it is back.
			l.down.Store(true)
			serials = append(serials, l.county.Case(t, "county.window", "010100100000", "610923C", casework.Completed))
			ctx2, cancel := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { defer close(done); l.county.App.Exchange.Run(ctx2) }()
			time.Sleep(1500 * time.Millisecond)
			if n := l.requests.Load(); n < 2 {
				t.Fatalf("%d requests while the city was down", n)
			}
			st, err := l.county.App.Exchange.Status(ctx, true)
			if err != nil || len(st) != 1 || st[0].Pending == 0 || st[0].Peer.LastError == "" || st[0].Dead != 0 {
				t.Fatalf("status while down: %+v %v", st, err)
			}
			l.down.Store(false)
			cancel()
			<-done
			l.drain(t, 30*time.Second)
			out, delivered, in = l.counts(t)
			if delivered != out || in != out {
				t.Fatalf("after the outage: outbox %d, delivered %d, city inbox %d", out, delivered, in)
			}
			for _, s := range serials {
				got, err := l.city.App.Exchange.Inbox(ctx, nil, "610923", s)
				if err != nil || len(got) < 4 || got[0].Kind != exchange.KindFiled || got[len(got)-1].Kind != exchange.KindCompleted {
					t.Fatalf("%s at the city: %+v %v", s, got, err)
				}
				for i, ev := range got {
					if ev.Seq != i+1 {
						t.Fatalf("%s: seq %d at %d", s, ev.Seq, i)
					}
				}
			}
			// A permanent refusal (403: the city no longer knows the
			// county): dead letters, held until resent.
			l.refuse.Store(http.StatusForbidden)
			s := l.county.Case(t, "county.window", "010100100000", "610923C", casework.Accepted)
			ctx3, cancel3 := context.WithCancel(ctx)
			done3 := make(chan struct{})
			go func() { defer close(done3); l.county.App.Exchange.Run(ctx3) }()
			deadline := time.Now().Add(10 * time.Second)
			var dead []exchange.DeadLetter
			for time.Now().Before(deadline) {
				if dead, err = l.county.App.Exchange.DeadLetters(ctx, zwfw.System, 100); err == nil && len(dead) == 2 {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			cancel3()
			<-done3
			if len(dead) != 2 || dead[0].Case != s || dead[0].LastError == "" {
				t.Fatalf("dead letters: %+v", dead)
			}
			l.refuse.Store(0)
			if n, err := l.county.App.Exchange.Resend(ctx, zwfw.System, 0); err != nil || n != 2 {
				t.Fatalf("resend: %d %v", n, err)
			}
			l.drain(t, 20*time.Second)
			out, delivered, in = l.counts(t)
			if delivered != out || in != out {
				t.Fatalf("after resending: outbox %d, delivered %d, city inbox %d", out, delivered, in)
			}
		})
	}
}
