package e2e_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/config"
	"zwfw/internal/exchange"
)

// TestExchangePage: the county's administrator opens 市县数据交换 with the
// city registered and unreachable — events waiting with the last error, the
// lag alert (its threshold set low here), dead letters the city refused —
// resends them, and the page fits a phone.
func TestExchangePage(t *testing.T) {
	ctx := browser(t)
	e := apptest.Start(t, "sqlite", apptest.Options{Config: func(c *config.Config) { c.ExchangeLagAlert = time.Millisecond }})
	bg := context.Background()
	var status atomic.Int32
	status.Store(http.StatusForbidden)
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(int(status.Load()))
		_, _ = w.Write([]byte(`{"error":{"code":"forbidden","message":"平台 610923 未在本平台登记为对接平台，或已停用"}}`))
	}))
	defer stub.Close()
	o, err := e.App.Orgs.ByCode(bg, "610900")
	if err != nil {
		t.Fatal(err)
	}
	k, err := e.App.Esign.EnsureKey(bg, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.App.Exchange.AddPeer(bg, zwfw.System, exchange.PeerInput{Code: "610900", Name: "安康市", Role: exchange.RoleCity, URL: stub.URL, KeyPEM: k.PEM})
	if err != nil {
		t.Fatal(err)
	}
	e.Case(t, "county.window", "010100100000", "610923C", "accepted")
	if _, err := e.App.Exchange.DeliverOnce(bg, p); err == nil {
		t.Fatal("the refusal went unnoticed")
	}
	status.Store(http.StatusServiceUnavailable)
	e.Case(t, "county.window", "010100100000", "610923C", "completed")
	p, _ = e.App.Exchange.Peer(bg, "610900")
	time.Sleep(1100 * time.Millisecond) // the peer's backoff
	if _, err := e.App.Exchange.DeliverOnce(bg, p); err == nil {
		t.Fatal("the outage went unnoticed")
	}
	signIn(t, ctx, e.URL, "county.admin", apptest.DemoPassword)
	do(t, ctx, "page", chromedp.EmulateViewport(1366, 900), chromedp.Navigate(e.URL+"/admin/exchange"), chromedp.WaitVisible(chromedp.CSS(`h1`)))
	mustContain(t, ctx, "page", "市县数据交换", "数据交换积压告警", "安康市", "积压告警", "对方平台答复 503", "死信", "全部重新发送", "610923")
	shot(t, ctx, "exchange-admin")
	do(t, ctx, "phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(e.URL+"/admin/exchange"), chromedp.WaitVisible(chromedp.CSS(`h1`)))
	noOverflow(t, ctx, "exchange page", 390)
	shot(t, ctx, "exchange-admin-390")
	do(t, ctx, "desktop", chromedp.EmulateViewport(1366, 900), chromedp.Navigate(e.URL+"/admin/exchange"), chromedp.WaitVisible(chromedp.CSS(`h1`)))
	do(t, ctx, "resend", chromedp.Click(chromedp.CSS(`form[action="/admin/exchange/resend"]:not(:has(input[name="id"])) button`)))
	waitText(t, ctx, "条死信放回发送队列")
	axeCheck(t, ctx, e.URL, []axePage{{name: "exchange-admin", who: "county.admin", path: "/admin/exchange"}}, false)
}
