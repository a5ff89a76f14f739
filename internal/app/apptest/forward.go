package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"zwfw"
	"zwfw/internal/exchange"
)

// CityOptions start an instance as the city platform: ZWFW_ROLE=city,
// 610900 安康市, on its own database.
func CityOptions() Options {
	return Options{Config: CityConfig}
}

// Register makes other a registered peer of e, as e's administrator does
// with the identity other publishes (GET /api/exchange/v1/identity).
func Register(t testing.TB, e, other *Env) {
	t.Helper()
	ctx := context.Background()
	id, err := other.App.Exchange.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Exchange.AddPeer(ctx, zwfw.System, exchange.PeerInput{Code: id.Code, Name: id.Name, Role: id.Role,
		URL: other.URL, KeyPEM: id.PEM}); err != nil {
		t.Fatal(err)
	}
}

// Pending reads from's pending exchange events for the peer to, of kind
// (all kinds when ""), in publishing order.
func Pending(t testing.TB, from *Env, to, kind string) []exchange.Event {
	t.Helper()
	rows, err := from.App.DB.Query(context.Background(), `SELECT event_id, case_serial, seq, kind, at, body FROM exchange_outbox
		WHERE peer = ? AND state = 'pending' ORDER BY id`, to)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []exchange.Event
	for rows.Next() {
		ev := exchange.Event{From: from.App.Exchange.Code(), To: to}
		var body string
		if err := rows.Scan(&ev.ID, &ev.Case, &ev.Seq, &ev.Kind, &ev.At, &body); err != nil {
			t.Fatal(err)
		}
		ev.Body = json.RawMessage(body)
		if kind == "" || ev.Kind == kind {
			out = append(out, ev)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Deliver POSTs evs, signed by from, to the events API of to, as the
// exchange's sender does, marks the ones to took (accepted or duplicate)
// delivered at from, and returns the receipt: a test's own transport, the
// same request and checks as the sender's.
func Deliver(t testing.TB, from, to *Env, evs []exchange.Event) *exchange.Receipt {
	t.Helper()
	ctx := context.Background()
	b, err := from.App.Exchange.SignBatch(ctx, evs)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(b)
	resp, err := http.Post(to.URL+"/api/exchange/v1/events", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r exchange.Receipt
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("receipt (%s): %v", resp.Status, err)
	}
	for _, x := range r.Results {
		if x.Status != exchange.StatusAccepted && x.Status != exchange.StatusDuplicate {
			continue
		}
		if _, err := from.App.DB.Exec(ctx, "UPDATE exchange_outbox SET state = 'delivered' WHERE event_id = ?", x.ID); err != nil {
			t.Fatal(err)
		}
	}
	return &r
}
