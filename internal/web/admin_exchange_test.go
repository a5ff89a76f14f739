package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
)

// The operators' page: the county's administrator sees the platform's
// identity, registers the city with its public key (the fingerprint shown
// to compare), sees the outbox fill as cases are filed, and a wrong key is
// refused on the form; a town's administrator is refused.
func TestAdminExchangePage(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	ctx := context.Background()
	admin := login(t, e, "county.admin", apptest.DemoPassword)
	p := admin.get("/admin/exchange")
	if p.Status != 200 {
		t.Fatalf("page: %d %s", p.Status, p.Body)
	}
	id, err := e.App.Exchange.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "page", p.Body, "市县数据交换", "610923", id.KeyID, "尚未登记对接平台")
	checkLabels(t, "/admin/exchange", p.Body)
	o, _ := e.App.Orgs.ByCode(ctx, "610900")
	k, err := e.App.Esign.EnsureKey(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	bad := admin.post("/admin/exchange/peers", url.Values{"code": {"610900"}, "name": {"安康市"}, "role": {"city"}, "url": {"http://127.0.0.1:9"}, "key_pem": {"not a key"}}, true)
	if bad.Status != 422 || !strings.Contains(bad.Body, "PEM") {
		t.Fatalf("a wrong key: %d", bad.Status)
	}
	r := admin.follow(admin.post("/admin/exchange/peers", url.Values{"code": {"610900"}, "name": {"安康市"}, "role": {"city"}, "url": {"http://127.0.0.1:9"}, "key_pem": {k.PEM}}, true))
	mustContain(t, "after registering", r.Body, "已登记安康市（610900）", "610900", "安康市")
	e.Case(t, "county.window", "010100100000", "610923C", "accepted")
	p = admin.get("/admin/exchange")
	mustContain(t, "with events", p.Body, "发送中", "待发送")
	town := login(t, e, "chengguan.admin", apptest.DemoPassword)
	if p := town.get("/admin/exchange"); p.Status != 403 {
		t.Fatalf("a town's administrator: %d", p.Status)
	}
}
