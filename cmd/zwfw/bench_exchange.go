package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"zwfw"
	"zwfw/internal/app"
	"zwfw/internal/config"
	"zwfw/internal/db"
	"zwfw/internal/exchange"
)

// runExchangeBench runs `zwfw bench exchange` (issue 14, Done when line 4):
// a county (SQLite) and its city (PostgreSQL, a fresh schema) in this
// process, each its own app on its own database, the city serving real
// HTTP on loopback. A backlog of case events is put in the county's outbox
// — the volume a one-hour outage at the county's peak leaves, times a
// margin — then the county's sender is started and the time until the
// outbox is empty is the catch-up time; events/s is the backlog over it.
// /healthz of the city's server is measured idle and while it receives.
func runExchangeBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zwfw bench exchange", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pg := fs.String("postgres", "", "the city's PostgreSQL server (postgres://…); a fresh schema is made and dropped (required)")
	events := fs.Int("events", 12000, "events in the backlog (a one-hour outage at the county's peak, with margin)")
	perCase := fs.Int("per-case", 6, "events per case (申报, 受理, 审查, 决定, 办结, 评价)")
	batch := fs.Int("batch", 200, "events per request (ZWFW_EXCHANGE_BATCH)")
	hzConc := fs.Int("healthz-concurrency", 4, "clients of /healthz")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pg == "" {
		return errors.New("bench exchange: give --postgres postgres://… (the city runs on PostgreSQL, the county on SQLite)")
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	base, _, err := config.Load("zwfw bench", nil, getenv, stderr)
	if err != nil {
		return err
	}
	open := func(role, code, name, dbURL string) (*app.App, func(), error) {
		dir, err := os.MkdirTemp("", "zwfw-bench-exchange-")
		if err != nil {
			return nil, nil, err
		}
		cfg := base
		cfg.DataDir, cfg.Addr, cfg.Demo, cfg.AdminPassword, cfg.DatabaseURL = dir, "127.0.0.1:0", false, "Bench@2026x", dbURL
		cfg.Role, cfg.PlatformCode, cfg.PlatformName, cfg.ExchangeBatch = role, code, name, *batch
		a, err := app.Open(ctx, cfg, log, io.Discard, app.Options{})
		if err != nil {
			os.RemoveAll(dir)
			return nil, nil, err
		}
		return a, func() { a.Close(); os.RemoveAll(dir) }, nil
	}
	fmt.Fprintln(stderr, "bench: seeding the county (SQLite) and the city (PostgreSQL) …")
	county, closeCounty, err := open(config.RoleCounty, config.DefaultCountyCode, config.DefaultCountyName, "")
	if err != nil {
		return err
	}
	defer closeCounty()
	cityURL, drop, err := freshSchema(*pg)
	if err != nil {
		return err
	}
	defer drop()
	city, closeCity, err := open(config.RoleCity, config.DefaultCityCode, config.DefaultCityName, cityURL)
	if err != nil {
		return err
	}
	defer closeCity()
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	ready, errc := make(chan string, 1), make(chan error, 1)
	go func() { errc <- city.Serve(sctx, func(addr string) { ready <- addr }) }()
	var cityBase string
	select {
	case addr := <-ready:
		cityBase = "http://" + addr
	case err := <-errc:
		return err
	}
	// Registered both ways, as `zwfw exchange peer add` does.
	ci, err := city.Exchange.Identity(ctx)
	if err != nil {
		return err
	}
	co, err := county.Exchange.Identity(ctx)
	if err != nil {
		return err
	}
	if _, err := county.Exchange.AddPeer(ctx, zwfw.System, exchange.PeerInput{Code: ci.Code, Name: ci.Name, Role: ci.Role, URL: cityBase, KeyPEM: ci.PEM}); err != nil {
		return err
	}
	if _, err := city.Exchange.AddPeer(ctx, zwfw.System, exchange.PeerInput{Code: co.Code, Name: co.Name, Role: co.Role, URL: "http://127.0.0.1:9", KeyPEM: co.PEM}); err != nil {
		return err
	}

	// The backlog: cases of the county's busiest item, each with its
	// events' facts as casework writes them.
	fmt.Fprintf(stderr, "bench: %d events into the county's outbox …\n", *events)
	began := time.Now()
	kinds := []string{exchange.KindFiled, exchange.KindAccepted, exchange.KindStep, exchange.KindStep, exchange.KindCompleted, exchange.KindRated}
	cases := (*events + *perCase - 1) / *perCase
	n := 0
	for c := 0; c < cases && n < *events; c += 50 {
		err := county.DB.InTx(ctx, func(tx *db.Tx) error {
			for k := c; k < min(c+50, cases); k++ {
				serial := fmt.Sprintf("BENCH%07d", k)
				for i := 0; i < *perCase && n < *events; i++ {
					f := exchange.CaseFacts{Serial: serial, ItemCode: "010100100000", ImplCode: "010100100000-610923000000-000-11610923MB00001700-1-00",
						ItemName: "食品经营许可（新办）", Kind: "2", Channel: "window", OrgCode: "610923C", OrgName: "宁陕县政务服务中心",
						DeptCode: "610923D01", DeptName: "宁陕县市场监督管理局", Action: "accept", Step: "受理", FromStatus: "submitted", Status: "accepted",
						Deadline: "2026-12-21", PromisedDays: 10, FiledAt: time.Now().UnixMilli()}
					if err := county.Exchange.Publish(ctx, tx, ci.Code, serial, kinds[i%len(kinds)], f); err != nil {
						return err
					}
					n++
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "bench: backlog of %d events written in %.1fs\n", n, time.Since(began).Seconds())

	hz := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *hzConc * 2}}
	idle := healthz(hz, cityBase+"/healthz", *hzConc, 3*time.Second, nil)
	fmt.Fprintf(stderr, "bench: /healthz idle: %.0f req/s\n", idle)

	// Catch-up: the county's sender from an empty start until the outbox
	// is empty, /healthz of the city measured meanwhile.
	done := make(chan struct{})
	var during float64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); during = healthz(hz, cityBase+"/healthz", *hzConc, 0, done) }()
	rctx, stopRun := context.WithCancel(ctx)
	go county.Exchange.Run(rctx)
	start := time.Now()
	for {
		var pending, dead int
		if err := county.DB.QueryRow(ctx, "SELECT COUNT(*) FROM exchange_outbox WHERE state = 'pending'").Scan(&pending); err != nil {
			stopRun()
			return err
		}
		if err := county.DB.QueryRow(ctx, "SELECT COUNT(*) FROM exchange_outbox WHERE state = 'dead'").Scan(&dead); err != nil || dead > 0 {
			stopRun()
			return fmt.Errorf("bench: %d dead letters (%v)", dead, err)
		}
		if pending == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	took := time.Since(start)
	close(done)
	wg.Wait()
	stopRun()
	var received int
	if err := city.DB.QueryRow(ctx, "SELECT COUNT(*) FROM exchange_inbox").Scan(&received); err != nil {
		return err
	}
	if received != n {
		return fmt.Errorf("bench: the city received %d of %d events", received, n)
	}
	rate := float64(n) / took.Seconds()
	fmt.Fprintf(stdout, "exchange: %d events (%d cases × %d) county (SQLite) → city (PostgreSQL) over HTTP, batches of %d\n", n, cases, *perCase, *batch)
	fmt.Fprintf(stdout, "| backlog | catch-up | events/s | city /healthz idle req/s | city /healthz while receiving req/s |\n|---|---|---|---|---|\n")
	fmt.Fprintf(stdout, "| %d | %.1f s | %.0f | %.0f | %.0f |\n", n, took.Seconds(), rate, idle, during)
	return nil
}

// healthz runs conc clients of url for d (or until done closes) and
// returns requests per second.
func healthz(hc *http.Client, url string, conc int, d time.Duration, done <-chan struct{}) float64 {
	var count atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := hc.Get(url)
				if err == nil {
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode == http.StatusOK {
						count.Add(1)
					}
				}
			}
		}()
	}
	if done != nil {
		<-done
	} else {
		time.Sleep(d)
	}
	close(stop)
	wg.Wait()
	return float64(count.Load()) / time.Since(start).Seconds()
}
