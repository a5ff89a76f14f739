package exchange_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/db"
	"zwfw/internal/exchange"
)

// pair is a county and its city on one test database: two exchange
// services with their own codes and keys, registered to each other as the
// CLI does (the peers table holds both sides' rows; their codes differ).
type pair struct {
	e            *apptest.Env
	county, city *exchange.Service
}

func newPair(t *testing.T, e *apptest.Env) *pair {
	t.Helper()
	ctx := context.Background()
	county := e.App.Exchange
	if county.Code() != "610923" || county.Role() != exchange.RoleCounty {
		t.Fatalf("the app's exchange: %s %s", county.Code(), county.Role())
	}
	city := exchange.New(e.App.DB, e.App.Esign, e.App.Orgs, exchange.Options{Role: exchange.RoleCity, Code: "610900", Name: "安康市"})
	ci, err := city.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	co, err := county.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ci.KeyID == co.KeyID || ci.PEM == "" || len(ci.Fingerprint) != 79 {
		t.Fatalf("identities: %+v %+v", ci, co)
	}
	if _, err := county.AddPeer(ctx, zwfw.System, exchange.PeerInput{Code: ci.Code, Name: ci.Name, Role: ci.Role, URL: "http://127.0.0.1:1", KeyPEM: ci.PEM}); err != nil {
		t.Fatal(err)
	}
	if _, err := city.AddPeer(ctx, zwfw.System, exchange.PeerInput{Code: co.Code, Name: co.Name, Role: co.Role, URL: "http://127.0.0.1:2", KeyPEM: co.PEM}); err != nil {
		t.Fatal(err)
	}
	return &pair{e: e, county: county, city: city}
}

// publish publishes events of kinds for serial to the city in one transaction.
func (p *pair) publish(t *testing.T, serial string, kinds ...string) {
	t.Helper()
	err := p.e.App.DB.InTx(context.Background(), func(tx *db.Tx) error {
		for _, k := range kinds {
			if err := p.county.Publish(context.Background(), tx, "610900", serial, k, map[string]string{"serial": serial, "kind": k}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (p *pair) pending(t *testing.T) []exchange.Event {
	t.Helper()
	evs, err := p.county.Pending(context.Background(), "610900")
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func (p *pair) batch(t *testing.T, evs []exchange.Event) *exchange.Batch {
	t.Helper()
	b, err := p.county.SignBatch(context.Background(), evs)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func statuses(r *exchange.Receipt) string {
	s := ""
	for _, x := range r.Results {
		s += x.Status
		if x.Expected > 0 {
			s += fmt.Sprint("@", x.Expected)
		}
		s += " "
	}
	return s
}

func (p *pair) inboxCount(t *testing.T, serial string) int {
	t.Helper()
	var n int
	if err := p.e.App.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM exchange_inbox WHERE peer = '610923' AND case_serial = ?", serial).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Publish numbers a case's events for a peer 1, 2, 3 … across
// transactions, each case on its own, with IDs from:case:seq; publishing
// to a platform nobody registered fails and leaves nothing.
func TestPublishNumbering(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		p := newPair(t, e)
		ctx := context.Background()
		if c, err := p.county.City(ctx); err != nil || c == nil || c.Code != "610900" || c.Name != "安康市" {
			t.Fatalf("city peer: %+v %v", c, err)
		}
		p.publish(t, "A1", "case.filed", "case.accepted")
		p.publish(t, "B1", "case.filed")
		p.publish(t, "A1", "case.step")
		evs := p.pending(t)
		got := ""
		for _, ev := range evs {
			got += fmt.Sprintf("%s/%s/%d ", ev.ID, ev.Kind, ev.Seq)
		}
		if want := "610923:A1:1/case.filed/1 610923:A1:2/case.accepted/2 610923:B1:1/case.filed/1 610923:A1:3/case.step/3 "; got != want {
			t.Fatalf("outbox:\n got %s\nwant %s", got, want)
		}
		var body map[string]string
		if err := json.Unmarshal(evs[3].Body, &body); err != nil || body["kind"] != "case.step" {
			t.Fatalf("body %s", evs[3].Body)
		}
		err := e.App.DB.InTx(ctx, func(tx *db.Tx) error {
			if err := p.county.Publish(ctx, tx, "610900", "A1", "case.completed", nil); err != nil {
				return err
			}
			return p.county.Publish(ctx, tx, "610922", "A1", "case.completed", nil)
		})
		if zwfw.ErrorCode(err) != zwfw.ENOTFOUND || len(p.pending(t)) != 4 {
			t.Fatalf("publishing to an unregistered platform: %v, %d pending", err, len(p.pending(t)))
		}
	})
}

// Receive records each event once: the same batch again (a sender that
// did not hear the answer) applies nothing twice; events out of order in a
// batch are applied in Seq order; a gap holds the case (409 at the HTTP
// layer) until the missing event comes.
func TestReceiveOnceInOrder(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		p := newPair(t, e)
		ctx := context.Background()
		var applied []string
		p.city.Subscribe(func(ctx context.Context, tx *db.Tx, from *exchange.Peer, ev *exchange.Event) error {
			if from.Code != "610923" {
				return fmt.Errorf("from %s", from.Code)
			}
			applied = append(applied, ev.ID)
			return nil
		})
		p.publish(t, "A1", "case.filed", "case.accepted", "case.step", "case.completed")
		p.publish(t, "B1", "case.filed")
		evs := p.pending(t) // A1:1..4, B1:1
		// A1:2 before A1:1 in the batch: applied in Seq order.
		r, err := p.city.Receive(ctx, p.batch(t, []exchange.Event{evs[1], evs[0], evs[4]}))
		if err != nil || statuses(r) != "accepted accepted accepted " {
			t.Fatalf("first batch: %s %v", statuses(r), err)
		}
		if fmt.Sprint(applied) != "[610923:A1:1 610923:A1:2 610923:B1:1]" {
			t.Fatalf("applied %v", applied)
		}
		// The same batch again, and a batch with A1:4 but not A1:3.
		r, err = p.city.Receive(ctx, p.batch(t, []exchange.Event{evs[1], evs[0], evs[4]}))
		if err != nil || statuses(r) != "duplicate duplicate duplicate " {
			t.Fatalf("again: %s %v", statuses(r), err)
		}
		r, err = p.city.Receive(ctx, p.batch(t, []exchange.Event{evs[3]}))
		if err != nil || statuses(r) != "gap@3 " || !r.Gaps() || p.inboxCount(t, "A1") != 2 {
			t.Fatalf("gap: %s %v", statuses(r), err)
		}
		r, err = p.city.Receive(ctx, p.batch(t, []exchange.Event{evs[2], evs[3]}))
		if err != nil || statuses(r) != "accepted accepted " || p.inboxCount(t, "A1") != 4 {
			t.Fatalf("after the gap: %s %v", statuses(r), err)
		}
		if len(applied) != 5 {
			t.Fatalf("applied %d times: %v", len(applied), applied)
		}
		in, err := p.city.Inbox(ctx, nil, "610923", "A1")
		if err != nil || len(in) != 4 || in[3].Kind != "case.completed" || in[3].Seq != 4 || string(in[3].Body) != string(evs[3].Body) {
			t.Fatalf("inbox %+v %v", in, err)
		}
	})
}

// An applier's error rolls its event back (not recorded, to be sent
// again) and holds the case's later events of the batch; other cases go on.
func TestApplierRefusal(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		p := newPair(t, e)
		ctx := context.Background()
		var refuse atomic.Bool
		refuse.Store(true)
		p.city.Subscribe(func(ctx context.Context, tx *db.Tx, from *exchange.Peer, ev *exchange.Event) error {
			if _, err := tx.Exec(ctx, "INSERT INTO meta (key, value) VALUES (?, 'x')", "exchange-test:"+ev.ID); err != nil {
				return err
			}
			if refuse.Load() && ev.ID == "610923:A1:1" {
				return zwfw.Errorf(zwfw.EINVALID, "暂不能处理")
			}
			return nil
		})
		p.publish(t, "A1", "case.filed", "case.accepted")
		p.publish(t, "B1", "case.filed")
		evs := p.pending(t)
		r, err := p.city.Receive(ctx, p.batch(t, evs))
		if err != nil || statuses(r) != "failed gap@1 accepted " || r.Results[0].Error != "暂不能处理" {
			t.Fatalf("refused: %s %+v %v", statuses(r), r, err)
		}
		var n int
		if err := e.App.DB.QueryRow(ctx, "SELECT COUNT(*) FROM meta WHERE key LIKE 'exchange-test:%'").Scan(&n); err != nil || n != 1 {
			t.Fatalf("the refused applier's writes stayed: %d %v", n, err)
		}
		refuse.Store(false)
		r, err = p.city.Receive(ctx, p.batch(t, evs))
		if err != nil || statuses(r) != "accepted accepted duplicate " {
			t.Fatalf("again: %s %v", statuses(r), err)
		}
	})
}

// A batch is believed only from a registered, enabled peer (403), signed
// by the key registered for it (401): a changed event, a signature made
// by another key, or an event whose own signature does not match refuse
// the whole batch with nothing recorded.
func TestReceiveRefusals(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		p := newPair(t, e)
		ctx := context.Background()
		p.publish(t, "A1", "case.filed", "case.accepted")
		evs := p.pending(t)

		// An unknown platform (here 城关镇's code and key: nobody registered it).
		other := exchange.New(e.App.DB, e.App.Esign, e.App.Orgs, exchange.Options{Code: "610923100", Name: "城关镇"})
		forged := make([]exchange.Event, len(evs))
		copy(forged, evs)
		for i := range forged {
			forged[i].From = "610923100"
			forged[i].ID = exchange.EventID("610923100", forged[i].Case, forged[i].Seq)
		}
		ob, err := other.SignBatch(ctx, forged)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.city.Receive(ctx, ob); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("unknown peer: %v", err)
		}
		// 城关镇's key in the name of 宁陕县.
		for i := range forged {
			forged[i] = evs[i]
		}
		ob, _ = other.SignBatch(ctx, forged)
		ob.From = "610923"
		if _, err := p.city.Receive(ctx, ob); zwfw.ErrorCode(err) != zwfw.EUNAUTHORIZED {
			t.Fatalf("another key: %v", err)
		}
		good := p.batch(t, evs)
		ob.KeyID = good.KeyID
		if _, err := p.city.Receive(ctx, ob); zwfw.ErrorCode(err) != zwfw.EUNAUTHORIZED {
			t.Fatalf("another key under the right key id: %v", err)
		}
		// A body changed after signing.
		b := p.batch(t, evs)
		b.Events[1].Body = json.RawMessage(`{"serial":"A1","kind":"case.completed"}`)
		if _, err := p.city.Receive(ctx, b); zwfw.ErrorCode(err) != zwfw.EUNAUTHORIZED {
			t.Fatalf("changed body: %v", err)
		}
		// The batch's signature right, one event's own signature swapped.
		b = p.batch(t, evs)
		b.Events[0].Sig, b.Events[1].Sig = b.Events[1].Sig, b.Events[0].Sig
		if _, err := p.city.Receive(ctx, b); zwfw.ErrorCode(err) != zwfw.EUNAUTHORIZED {
			t.Fatalf("swapped event signatures: %v", err)
		}
		// An event for another platform, or with a made-up ID.
		bad := []exchange.Event{evs[0]}
		bad[0].To = "610922"
		if _, err := p.city.Receive(ctx, p.batch(t, bad)); zwfw.ErrorCode(err) != zwfw.EBADREQUEST {
			t.Fatalf("another receiver: %v", err)
		}
		bad = []exchange.Event{evs[0]}
		bad[0].ID = "x"
		if _, err := p.city.Receive(ctx, p.batch(t, bad)); zwfw.ErrorCode(err) != zwfw.EBADREQUEST {
			t.Fatalf("made-up id: %v", err)
		}
		if n := p.inboxCount(t, "A1"); n != 0 {
			t.Fatalf("refused batches recorded %d events", n)
		}
		// Disabled: refused as unknown.
		if err := p.city.DisablePeer(ctx, zwfw.System, "610923"); err != nil {
			t.Fatal(err)
		}
		if _, err := p.city.Receive(ctx, p.batch(t, evs)); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("disabled peer: %v", err)
		}
	})
}

// Over HTTP (POST /api/exchange/v1/events, here the city sending down to
// the county's app): 200 with the receipt, 409 naming the expected seq, 401
// for a bad signature, 403 for an unknown platform; the identity is public.
func TestEventsHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		p := newPair(t, e)
		ctx := context.Background()
		post := func(b *exchange.Batch) (int, map[string]any) {
			t.Helper()
			raw, _ := json.Marshal(b)
			res, err := http.Post(e.URL+"/api/exchange/v1/events", "application/json", bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var out map[string]any
			_ = json.NewDecoder(res.Body).Decode(&out)
			return res.StatusCode, out
		}
		if err := e.App.DB.InTx(ctx, func(tx *db.Tx) error {
			for _, k := range []string{"test.note", "test.note"} {
				if err := p.city.Publish(ctx, tx, "610923", "C9", k, map[string]int{"n": 1}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		evs, err := p.city.Pending(ctx, "610923")
		if err != nil || len(evs) != 2 {
			t.Fatalf("%v %v", evs, err)
		}
		sign := func(evs ...exchange.Event) *exchange.Batch {
			b, err := p.city.SignBatch(ctx, evs)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		if st, out := post(sign(evs[1])); st != http.StatusConflict || fmt.Sprint(out["results"]) != "[map[expected:1 id:610900:C9:2 status:gap]]" {
			t.Fatalf("gap: %d %v", st, out)
		}
		b := sign(evs...)
		b.Signature = b.Events[0].Sig
		if st, out := post(b); st != http.StatusUnauthorized {
			t.Fatalf("bad signature: %d %v", st, out)
		}
		b.From = "610922"
		if st, out := post(b); st != http.StatusForbidden {
			t.Fatalf("unknown peer: %d %v", st, out)
		}
		if st, out := post(sign(evs...)); st != http.StatusOK || fmt.Sprint(out["results"]) != "[map[id:610900:C9:1 status:accepted] map[id:610900:C9:2 status:accepted]]" {
			t.Fatalf("good batch: %d %v", st, out)
		}
		res, err := http.Get(e.URL + "/api/exchange/v1/identity")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var id exchange.Identity
		if err := json.NewDecoder(res.Body).Decode(&id); err != nil || res.StatusCode != 200 || id.Code != "610923" || id.Role != "county" || id.PEM == "" {
			t.Fatalf("identity: %d %+v %v", res.StatusCode, id, err)
		}
	})
}
