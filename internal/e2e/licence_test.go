package e2e_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"zwfw/internal/app/apptest"
	"zwfw/internal/licence"
)

// TestLicenceWalletAndVerification is the 电子证照 as people meet it
// (issue 13 items 3, 5): resident.wang's 就业创业证, issued when the demo's
// case completed, is in 我的证照 with its PDF and JSON; the QR code's page
// says 验证通过; a JSON file with a changed field uploaded to the
// verification page fails on its signature; the county's administrator
// revokes the licence from the workbench with a reason, and a visitor's
// verification then says 已吊销 and why. Screenshots at 1366 px and 390 px
// of the wallet and of the verification (valid, tampered, revoked), of the
// workbench's licence page, and of the licence PDF (pdftoppm).
func TestLicenceWalletAndVerification(t *testing.T) {
	ctx := browser(t)
	e := apptest.Start(t, "sqlite")
	base := e.URL
	problems := watchConsole(t, ctx)
	bg := context.Background()
	wang := e.Actor(t, "resident.wang")
	wallet, err := e.App.Licences.Wallet(bg, wang)
	if err != nil || len(wallet) == 0 {
		t.Fatalf("resident.wang's wallet after the demo: %v %d", err, len(wallet))
	}
	l := wallet[0]
	if l.Name != "就业创业证" || l.Status != licence.Valid {
		t.Fatalf("the demo licence: %+v", l)
	}
	id := l.Identifier

	// The guide says the item issues one.
	do(t, ctx, "the guide", chromedp.Navigate(base+"/items/070200700000"), chromedp.WaitVisible(chromedp.CSS(`h1`)))
	mustContain(t, ctx, "guide", "办结时签发电子证照《结婚证》（有效期：长期）")

	signIn(t, ctx, base, "resident.wang", apptest.DemoPassword)
	for _, vp := range []struct {
		suffix string
		w, h   int64
	}{{"", 1366, 768}, {"-390", 390, 844}} {
		do(t, ctx, "the wallet"+vp.suffix, chromedp.EmulateViewport(vp.w, vp.h), chromedp.Navigate(base+"/my/licences"), chromedp.WaitVisible(chromedp.CSS(`.lic-card`)))
		mustContain(t, ctx, "wallet", "我的证照", "就业创业证", "有效", id, "下载 PDF", "下载 JSON")
		shot(t, ctx, "licence-wallet"+vp.suffix)
		if w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || w > int(vp.w) {
			t.Errorf("wallet %d px wide at %d px (%v)", w, vp.w, err)
		}
	}
	do(t, ctx, "desktop", chromedp.EmulateViewport(1366, 768))
	// The menu leads there (UX.md: 个人中心 → 我的证照).
	do(t, ctx, "the menu", chromedp.Navigate(base+"/"), chromedp.Click(chromedp.CSS(`.topbar a[href="/my/licences"]`)), chromedp.WaitVisible(chromedp.CSS(`.lic-card`)))
	signOut(t, ctx)

	// A visitor follows the QR code.
	for _, vp := range []struct {
		suffix string
		w, h   int64
	}{{"", 1366, 768}, {"-390", 390, 844}} {
		do(t, ctx, "verify"+vp.suffix, chromedp.EmulateViewport(vp.w, vp.h), chromedp.Navigate(base+"/verify/"+id), chromedp.WaitVisible(chromedp.CSS(`.verdict`)))
		mustContain(t, ctx, "valid", "验证通过", "电子证照真实有效", "就业创业证", "王**", "有效")
		shot(t, ctx, "licence-verify-valid"+vp.suffix)
	}
	do(t, ctx, "desktop", chromedp.EmulateViewport(1366, 768))

	// The JSON file with the holder's 户籍地址 changed.
	file := e.App.Licences.JSON(l)
	tampered := bytes.Replace(file, []byte(`"label":"姓名","value":"王秀兰"`), []byte(`"label":"姓名","value":"王秀芝"`), 1)
	if bytes.Equal(file, tampered) {
		t.Fatalf("the test did not change the file: %s", file)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "licence.json")
	if err := os.WriteFile(path, tampered, 0o600); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "upload the tampered JSON", chromedp.Navigate(base+"/verify"), chromedp.WaitVisible(chromedp.CSS(`#f-file`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#f-file`), []string{path}, chromedp.NodeReady),
		chromedp.Click(chromedp.CSS(`form[action="/verify/file"] button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`.verdict-fail`)))
	mustContain(t, ctx, "tampered", "验证失败：签名无效", "内容被改动过")
	shot(t, ctx, "licence-verify-tampered")
	do(t, ctx, "phone", chromedp.EmulateViewport(390, 844))
	shot(t, ctx, "licence-verify-tampered-390")
	do(t, ctx, "desktop", chromedp.EmulateViewport(1366, 768))

	// The county's administrator revokes it.
	const reason = "持证人已实现稳定就业，经核查申领时提供的就业状态信息不实，依法收回"
	signIn(t, ctx, base, "county.admin", apptest.DemoPassword)
	do(t, ctx, "the workbench's list", chromedp.Navigate(base+"/work/licences"), chromedp.WaitVisible(chromedp.CSS(`a[href="/work/licences/`+id+`"]`)))
	mustContain(t, ctx, "list", "电子证照", "就业创业证", "610***********0025")
	shot(t, ctx, "licence-work-list")
	do(t, ctx, "revoke", chromedp.Click(chromedp.CSS(`a[href="/work/licences/`+id+`"]`)), chromedp.WaitVisible(chromedp.CSS(`#f-revoke`)),
		chromedp.SendKeys(chromedp.CSS(`#f-revoke`), reason),
		chromedp.Click(chromedp.CSS(`form[action$="/revoke"] button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`#flash .flash-ok`)))
	mustContain(t, ctx, "revoked", "已吊销", reason, "吊销")
	shot(t, ctx, "licence-work-detail")
	signOut(t, ctx)

	for _, vp := range []struct {
		suffix string
		w, h   int64
	}{{"", 1366, 768}, {"-390", 390, 844}} {
		do(t, ctx, "verify revoked"+vp.suffix, chromedp.EmulateViewport(vp.w, vp.h), chromedp.Navigate(base+"/verify"),
			chromedp.WaitVisible(chromedp.CSS(`#f-id`)), chromedp.SendKeys(chromedp.CSS(`#f-id`), id),
			chromedp.Click(chromedp.CSS(`form[action="/verify"] button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`.verdict`)))
		mustContain(t, ctx, "revoked", "签名真实，但证照已吊销", reason)
		shot(t, ctx, "licence-verify-revoked"+vp.suffix)
	}

	// The PDF as the holder downloads it.
	_, pdf, err := e.App.Licences.PDF(bg, wang, id)
	if err != nil {
		t.Fatal(err)
	}
	out := shotDir(t)
	if err := os.WriteFile(filepath.Join(out, "licence-pdf.pdf"), pdf, 0o644); err == nil {
		if _, err := exec.LookPath("pdftoppm"); err == nil {
			if b, err := exec.Command("pdftoppm", "-png", "-r", "60", "-singlefile", filepath.Join(out, "licence-pdf.pdf"), filepath.Join(out, "licence-pdf")).CombinedOutput(); err != nil {
				t.Errorf("pdftoppm: %v %s", err, b)
			}
		}
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors: %s", strings.Join(p, "\n"))
	}
}
