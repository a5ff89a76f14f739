package e2e_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"zwfw/internal/app/apptest"
)

// TestSearchAsAResident: on the desktop and on a 390 px phone, a resident
// types 低保 into the home page's box and gets 城乡居民最低生活保障 first,
// with its department and levels; a homophone typo (底保) finds nothing but
// offers 您是不是要找：低保, which leads to the item.
func TestSearchAsAResident(t *testing.T) {
	ctx := browser(t)
	e := apptest.Start(t, "sqlite")
	base := e.URL
	for _, vp := range []struct {
		name string
		w, h int
	}{{"desktop", 1366, 900}, {"phone", 390, 844}} {
		do(t, ctx, "home "+vp.name, chromedp.EmulateViewport(int64(vp.w), int64(vp.h)), chromedp.Navigate(base+"/"),
			chromedp.WaitVisible(chromedp.CSS(`#q`)), chromedp.SendKeys(chromedp.CSS(`#q`), "低保"),
			chromedp.Click(chromedp.CSS(`form.search button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`li.result`)))
		first, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`li.result h3`)))
		if err != nil || first != "城乡居民最低生活保障（审核确认）" {
			t.Fatalf("%s: first result %q (%v)", vp.name, first, err)
		}
		mustContain(t, ctx, "results "+vp.name, "宁陕县民政局", "镇级、村级", "俗称：低保")
		noOverflow(t, ctx, vp.name+" results", vp.w)
		shot(t, ctx, "search-results-"+vp.name)
		// On the phone the filters fold away: the first result is on the
		// first screen, and 筛选条件 opens them.
		top, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector("li.result").getBoundingClientRect().top`))
		if err != nil || vp.name == "phone" && top > float64(vp.h) {
			t.Errorf("%s: the first result starts %.0f px down a %d px screen (%v)", vp.name, top, vp.h, err)
		}
		if vp.name == "phone" {
			do(t, ctx, "open the filters", chromedp.Click(chromedp.CSS(`details.more-filters summary`)), chromedp.WaitVisible(chromedp.CSS(`#f-theme`)))
		}

		do(t, ctx, "typo "+vp.name, chromedp.Navigate(base+"/items?q="+url.QueryEscape("底保")), chromedp.WaitVisible(chromedp.CSS(`.did-you-mean a`)))
		mustContain(t, ctx, "no result "+vp.name, "没有找到与“底保”相关的事项", "您是不是要找", "低保")
		noOverflow(t, ctx, vp.name+" no result", vp.w)
		shot(t, ctx, "search-suggest-"+vp.name)
		do(t, ctx, "follow the suggestion "+vp.name, chromedp.Click(chromedp.CSS(`.did-you-mean a`)), chromedp.WaitVisible(chromedp.CSS(`li.result`)))
		if first, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`li.result h3`))); !strings.Contains(first, "最低生活保障") {
			t.Fatalf("%s: the suggestion led to %q", vp.name, first)
		}
	}
	// The entry points: life events and enterprise stages on the home page.
	for _, vp := range []struct {
		name string
		w, h int
	}{{"desktop", 1366, 900}, {"phone", 390, 844}} {
		do(t, ctx, "stages "+vp.name, chromedp.EmulateViewport(int64(vp.w), int64(vp.h)), chromedp.Navigate(base+"/"),
			chromedp.WaitVisible(chromedp.CSS(`#h-life`)), chromedp.ScrollIntoView(chromedp.CSS(`#stages`)))
		shot(t, ctx, "search-home-"+vp.name)
		do(t, ctx, "身后 "+vp.name, chromedp.Click(chromedp.CSS(`#stages a[href*="theme=%E8%BA%AB%E5%90%8E%E4%BA%8B"]`)), chromedp.WaitVisible(chromedp.CSS(`li.result`)))
		mustContain(t, ctx, "身后 "+vp.name, "人生事件 · 身后", "死亡人员户口注销", "筛选条件（已选 2 项）")
		if top, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector("li.result").getBoundingClientRect().top + window.scrollY`)); err != nil || top > float64(vp.h) {
			t.Errorf("%s: the first item of 身后 starts %.0f px down a %d px screen (%v)", vp.name, top, vp.h, err)
		}
		noOverflow(t, ctx, vp.name+" stage", vp.w)
		shot(t, ctx, "search-stage-"+vp.name)
	}
	do(t, ctx, "desktop again", chromedp.EmulateViewport(1366, 900))
}

// noOverflow fails when the page is wider than the viewport.
func noOverflow(t *testing.T, ctx context.Context, what string, width int) {
	t.Helper()
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || w > width {
		t.Errorf("%s: page %d px wide in a %d px viewport (%v)", what, w, width, err)
	}
}
