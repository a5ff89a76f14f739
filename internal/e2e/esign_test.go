package e2e_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"zwfw/internal/app/apptest"
)

// TestEsignKeys: the county's administrator opens the 市场监管局's
// 电子签章密钥 page, rotates its key with the button, and the public
// 电子签章公钥公示 then lists the bureau's new key as 现用 and the old one
// as 已停用 (what it signed still verifies), beside the civil affairs
// bureau's; the page fits a phone.
func TestEsignKeys(t *testing.T) {
	ctx := browser(t)
	e := apptest.Start(t, "sqlite")
	bg := context.Background()
	var old string
	for _, code := range []string{"610923D01", "610923D02"} {
		o, err := e.App.Orgs.ByCode(bg, code)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := e.App.Esign.Sign(bg, o.ID, []byte("受理通知书"))
		if err != nil {
			t.Fatal(err)
		}
		if old == "" {
			old = sig.KeyID
		}
	}
	signIn(t, ctx, e.URL, "county.admin", apptest.DemoPassword)
	do(t, ctx, "admin page", chromedp.Navigate(e.URL+"/admin/orgs/610923D01/esign"), chromedp.WaitVisible(chromedp.CSS(`form button[type="submit"]`)))
	mustContain(t, ctx, "admin page", "宁陕县市场监督管理局", old, "更换签章密钥")
	do(t, ctx, "rotate", chromedp.Click(chromedp.CSS(`form[action$="/esign/rotate"] button`)))
	waitText(t, ctx, "已为“宁陕县市场监督管理局”启用新的签章密钥")
	mustContain(t, ctx, "after rotation", "已停用", "现用")
	shot(t, ctx, "esign-admin")

	signOut(t, ctx)
	do(t, ctx, "public page", chromedp.Navigate(e.URL+"/esign/keys"), chromedp.WaitVisible(chromedp.CSS(`h1`)))
	body := text(t, ctx)
	for _, want := range []string{"电子签章公钥公示", "宁陕县市场监督管理局", "宁陕县民政局", "11610923MB0000174F", old, "已停用", "现用"} {
		if !strings.Contains(body, want) {
			t.Fatalf("the public page does not show %q:\n%s", want, body)
		}
	}
	if got := strings.Join(texts(t, ctx, `section[aria-labelledby="org-610923D01"] td .badge`), ","); got != "现用,已停用" {
		t.Fatalf("the keys' states %s, want the bureau's new and old key and the civil affairs bureau's", got)
	}
	shot(t, ctx, "esign-keys")
	do(t, ctx, "phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(e.URL+"/esign/keys"), chromedp.WaitVisible(chromedp.CSS(`h1`)))
	noOverflow(t, ctx, "esign keys", 390)
	shot(t, ctx, "esign-keys-390")
	// axe on the pages with keys listed (the axe list opens them on the
	// template's database, where no organisation has signed yet).
	do(t, ctx, "desktop", chromedp.EmulateViewport(1366, 900))
	axeCheck(t, ctx, e.URL, []axePage{{name: "esign-keys-listed", path: "/esign/keys"},
		{name: "esign-admin-listed", who: "county.admin", path: "/admin/orgs/610923D01/esign"}}, false)
}
