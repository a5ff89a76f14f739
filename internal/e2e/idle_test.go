package e2e_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zwfw/internal/app/apptest"
	"zwfw/internal/config"
)

// TestIdleWarningInBrowser (§2(7) 登录连接超时): with a 12-second idle limit,
// a signed-in page shows the countdown dialog before the limit; 继续 closes
// it and keeps the session; left alone the next time, the page goes to the
// sign-in page, which says why.
func TestIdleWarningInBrowser(t *testing.T) {
	ctx := browser(t)
	e := apptest.Start(t, "sqlite", apptest.Options{Config: func(c *config.Config) { c.SessionIdle = 12 * time.Second }})
	signIn(t, ctx, e.URL, "county.window", apptest.DemoPassword)
	waitText(t, ctx, "秒后将自动退出")
	mustContain(t, ctx, "the idle dialog", "您已较长时间未操作，", "继续")
	shot(t, ctx, "idle-warning")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.idle-dialog button`)), chromedp.WaitNotVisible(chromedp.CSS(`.idle-dialog`))); err != nil {
		t.Fatalf("继续: %v", err)
	}
	// The session lives on past the first limit: a page loads signed in.
	time.Sleep(4 * time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(e.URL+"/work")); err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.Contains(loc, "/work") {
		t.Fatalf("after 继续 the page is %s (%v)", loc, err)
	}
	// Left alone: the sign-in page, with the reason.
	waitText(t, ctx, "您已较长时间未操作，已自动退出，请重新登录。")
	if loc, err = chromedp.Run(ctx, chromedp.Location()); err != nil || !strings.Contains(loc, "/login?expired=1") {
		t.Fatalf("after the limit the page is %s (%v)", loc, err)
	}
}
