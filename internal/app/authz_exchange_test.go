package app_test

// The county ↔ city exchange's rows (issue 14 items 2, 7). Peer platforms
// call the exchange API, not people: its identity (the platform's code and
// public key) is public; a batch of events is believed only by its SM2
// signature from a registered peer, never by a session — no account gets
// anything in through it (exchange.Receive decides).
func exchangeRows() []row {
	return []row{
		{route: "GET /api/v1/exchange/v1/identity", call: fixed(webGet("/api/exchange/v1/identity")), want: everyone(ok)},
		{route: "POST /api/v1/exchange/v1/events", call: fixed(post("/api/exchange/v1/events", nil)), want: everyone(notOK)},
	}
}
