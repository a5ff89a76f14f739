package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/exchange"
)

// TestExchangeTwoProcesses is issue 14's "Done when" line 2 for the
// exchange: a county (`zwfw serve` on SQLite) and its city (`zwfw serve`
// with ZWFW_ROLE=city on a PostgreSQL schema of its own), two real
// processes on loopback registered to each other with the CLI. A load of
// case lifecycles runs on the county's API; the city is stopped (SIGTERM)
// for a while during it and started again; the county is restarted
// mid-stream, once with SIGTERM and once with kill -9. When the outbox has
// drained, every event the county published is at the city exactly once,
// in Seq order per case, with the same facts, and the city's last facts of
// each case are the county's case as it stands.
func TestExchangeTwoProcesses(t *testing.T) {
	if err := dbtest.PostgresReachable(); err != nil {
		dbtest.SkipOrFail(t, "PostgreSQL not reachable: "+err.Error())
	}
	start := time.Now()
	bin := buildZwfw(t)
	cityURL := dbtest.PostgresSchemaURL(t)
	city := newServer(t, bin, map[string]string{"ZWFW_ROLE": "city", "ZWFW_DATABASE_URL": cityURL, "ZWFW_DEMO": "false"})
	county := newServer(t, bin, map[string]string{"ZWFW_EXCHANGE_BATCH": "50"})

	// Registration, both ways, with the CLI: each side's identity (its
	// public key) handed to the other.
	keys := t.TempDir()
	for _, side := range []struct {
		s    *server
		name string
	}{{city, "city"}, {county, "county"}} {
		out := cli(t, side.s, "exchange", "identity")
		pem := out[strings.Index(out, "-----BEGIN PUBLIC KEY-----"):]
		if err := os.WriteFile(filepath.Join(keys, side.name+".pem"), []byte(pem), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out := cli(t, county, "exchange", "peer", "add", "--code", "610900", "--name", "安康市", "--role", "city", "--url", city.base(), "--key-file", filepath.Join(keys, "city.pem"))
	if !strings.Contains(out, "已登记市级平台 安康市（610900）") {
		t.Fatalf("county's registration of the city: %s", out)
	}
	cli(t, city, "exchange", "peer", "add", "--code", "610923", "--name", "宁陕县", "--role", "county", "--url", county.base(), "--key-file", filepath.Join(keys, "county.pem"))
	city.start()
	county.start()
	t.Logf("both platforms up and registered after %.1fs", time.Since(start).Seconds())

	l := newLoad(t, county.base(), 4)
	l.waitAcks(40)
	// The city stops for a while: the county keeps working, its events
	// wait in the outbox.
	ctx := context.Background()
	cd, err := db.Open(ctx, db.Options{DataDir: county.dir})
	if err != nil {
		t.Fatal(err)
	}
	defer cd.Close()
	term(t, city)
	down := time.Now()
	l.waitAcks(60)
	time.Sleep(3*time.Second - time.Since(down))
	var waiting int
	if err := cd.QueryRow(ctx, "SELECT COUNT(*) FROM exchange_outbox WHERE state = 'pending'").Scan(&waiting); err != nil || waiting == 0 {
		t.Fatalf("nothing waits while the city is down: %d %v", waiting, err)
	}
	if !strings.Contains(county.log.String(), "exchange: delivery failed") {
		t.Fatalf("the county did not notice the city down:\n%s", county.logTail())
	}
	t.Logf("%d events waiting while the city was down", waiting)
	city.start()
	l.waitAcks(30)
	// The county restarts mid-stream: gracefully, then killed.
	term(t, county)
	county.start()
	l.waitAcks(30)
	county.kill()
	county.start()
	l.waitAcks(30)
	l.stop()
	t.Logf("load done after %.1fs: %d actions acknowledged", time.Since(start).Seconds(), l.acked.Load())

	// Drained: nothing pending or dead at the county.
	deadline := time.Now().Add(60 * time.Second)
	for {
		var pending, dead int
		if err := cd.QueryRow(ctx, "SELECT COUNT(*) FILTER (WHERE state = 'pending'), COUNT(*) FILTER (WHERE state = 'dead') FROM exchange_outbox").Scan(&pending, &dead); err != nil {
			t.Fatal(err)
		}
		if dead > 0 {
			t.Fatalf("%d dead letters", dead)
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events still pending a minute after the load", pending)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("outbox drained after %.1fs", time.Since(start).Seconds())

	type ev struct {
		ID, Case, Kind, Body string
		Seq                  int
	}
	read := func(d *db.DB, q string) []ev {
		rows, err := d.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []ev
		for rows.Next() {
			var e ev
			if err := rows.Scan(&e.ID, &e.Case, &e.Seq, &e.Kind, &e.Body); err != nil {
				t.Fatal(err)
			}
			out = append(out, e)
		}
		return out
	}
	sent := read(cd, "SELECT event_id, case_serial, seq, kind, body FROM exchange_outbox WHERE peer = '610900' ORDER BY id")
	cityDB, err := db.Open(ctx, db.Options{URL: cityURL})
	if err != nil {
		t.Fatal(err)
	}
	defer cityDB.Close()
	got := read(cityDB, "SELECT event_id, case_serial, seq, kind, body FROM exchange_inbox WHERE peer = '610923' ORDER BY id")
	if len(sent) == 0 || len(got) != len(sent) {
		t.Fatalf("the county published %d events, the city has %d", len(sent), len(got))
	}
	byID := map[string]ev{}
	for _, e := range got {
		if _, dup := byID[e.ID]; dup {
			t.Fatalf("%s twice at the city", e.ID)
		}
		byID[e.ID] = e
	}
	next := map[string]int{} // case → the seq the city recorded next, in its order of receipt
	last := map[string]exchange.CaseFacts{}
	for _, e := range got {
		next[e.Case]++
		if e.Seq != next[e.Case] {
			t.Fatalf("case %s: the city recorded seq %d where %d was due", e.Case, e.Seq, next[e.Case])
		}
	}
	for _, e := range sent {
		g, ok := byID[e.ID]
		if !ok {
			t.Fatalf("%s is not at the city", e.ID)
		}
		var a, b exchange.CaseFacts
		if json.Unmarshal([]byte(e.Body), &a) != nil || json.Unmarshal([]byte(g.Body), &b) != nil || a != b || g.Kind != e.Kind || g.Case != e.Case {
			t.Fatalf("%s differs:\ncounty %s %s\ncity   %s %s", e.ID, e.Kind, e.Body, g.Kind, g.Body)
		}
		last[e.Case] = b
	}
	// The city's last facts of each case are the county's case as it is.
	rows, err := cd.Query(ctx, "SELECT serial, status FROM cases WHERE serial IN (SELECT DISTINCT case_serial FROM exchange_outbox)")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var serial, status string
		if err := rows.Scan(&serial, &status); err != nil {
			t.Fatal(err)
		}
		if f := last[serial]; f.Status != status || f.Serial != serial {
			t.Errorf("case %s is %s at the county, the city last heard %+v", serial, status, f)
		}
		n++
	}
	rows.Close()
	if n != len(last) {
		t.Errorf("%d cases at the county, %d at the city", n, len(last))
	}
	t.Logf("%d events of %d cases at the city exactly once and in order; %.1fs in all", len(got), n, time.Since(start).Seconds())
}

// term stops a server with SIGTERM (a graceful shutdown) and waits.
func term(t *testing.T, s *server) {
	t.Helper()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.wait:
	case <-time.After(30 * time.Second):
		t.Fatalf("zwfw serve did not stop within 30s of SIGTERM\n%s", s.logTail())
	}
	s.cmd = nil
}
