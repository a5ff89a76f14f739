package app_test

import (
	"net/url"
	"strings"

	"zwfw"
	"zwfw/internal/exchange"
)

// The county ↔ city exchange's rows (issue 14 items 2, 7). Peer platforms
// call the exchange API, not people: its identity (the platform's code and
// public key) is public; a batch of events is believed only by its SM2
// signature from a registered peer, never by a session — no account gets
// anything in through it (exchange.Receive decides).
func exchangeRows() []row {
	return []row{
		{route: "GET /api/v1/exchange/v1/identity", call: fixed(webGet("/api/exchange/v1/identity")), want: everyone(ok)},
		{route: "POST /api/v1/exchange/v1/events", call: fixed(post("/api/exchange/v1/events", nil)), want: everyone(notOK)},
		// The operators' page: the administrators whose subtree holds the
		// platform's own organisation (宁陕县, 610923) — the county's and
		// the city's — and nobody else (exchange.MayManage).
		{route: "GET /admin/exchange", call: fixed(webGet("/admin/exchange")), want: staffPage(unscoped(platformAdmin))},
		{route: "POST /admin/exchange/peers", call: fixed(post("/admin/exchange/peers", url.Values{"code": {"6109"}})), want: staffPage(passing(unscoped(platformAdmin)))},
		{route: "POST /admin/exchange/peers/{code}/disable", call: func(x *fixtures, _ scope) request {
			x.exchangePeer()
			return post("/admin/exchange/peers/610900/disable", nil)
		}, want: staffPage(unscoped(platformAdmin))},
		{route: "POST /admin/exchange/resend", call: fixed(post("/admin/exchange/resend", nil)), want: staffPage(unscoped(platformAdmin))},
	}
}

// platformAdmin: an administrator whose subtree holds the platform's
// organisation.
func platformAdmin(c cell) bool {
	return c.a.is(zwfw.RoleAdmin) && strings.HasPrefix(c.x.path("610923"), c.a.path)
}

// exchangePeer registers the city (安康市, with its organisation's key) as
// the county's peer, so that a disabling has something to disable.
func (x *fixtures) exchangePeer() {
	o, err := x.e.App.Orgs.ByCode(x.ctx, "610900")
	if err != nil {
		x.t.Fatal(err)
	}
	k, err := x.e.App.Esign.EnsureKey(x.ctx, o.ID)
	if err != nil {
		x.t.Fatal(err)
	}
	if _, err := x.e.App.Exchange.AddPeer(x.ctx, zwfw.System, exchange.PeerInput{Code: "610900", Name: "安康市", Role: exchange.RoleCity,
		URL: "http://127.0.0.1:9", KeyPEM: k.PEM}); err != nil {
		x.t.Fatal(err)
	}
}
