package e2e_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"zwfw/internal/app/apptest"
)

// overflowPages are the main public and applicant pages: none may be wider
// than the window, on a desktop, on a phone, in 关怀版 or not. shot names
// the pages whose screenshots are kept for a person to look at.
var overflowPages = []struct {
	name, who, path, follow string
	shot                    bool
}{
	{name: "home", path: "/", shot: true},
	{name: "items", path: "/items?q=%E9%A3%9F%E5%93%81"},
	{name: "guide", path: "/items/010100100000", shot: true},
	{name: "town", path: "/towns/610923100"},
	{name: "progress", path: "/progress"},
	{name: "login", path: "/login"},
	{name: "register", path: "/register?type=person"},
	{name: "complaint", path: "/complaints/new"},
	{name: "gongkai", path: "/gongkai"},
	{name: "gongkai-docs", path: "/gongkai/docs"},
	{name: "guide-low-income", path: "/items/050200100000"},
	{name: "apply", who: "resident.wang", path: "/apply/071500100000", shot: true},
	{name: "apply-online-form", who: "resident.wang", path: "/apply/050200100000", shot: true},
	{name: "my", who: "resident.wang", path: "/my", shot: true},
	{name: "my-case", who: "resident.wang", path: "/my", follow: `a[href^="/my/cases/"]`, shot: true},
	{name: "my-messages", who: "resident.wang", path: "/my/messages"},
}

// TestNoHorizontalOverflow measures document.scrollWidth against the
// window at 1366 and 390 px, in the standard version and in 关怀版 (issue
// 12 item 4: the guide's table of contents spilled to 1,418 px at 1366 in
// 关怀版), and saves the screenshots named in overflowPages.
func TestNoHorizontalOverflow(t *testing.T) {
	ctx := browser(t)
	e := apptest.Start(t, "sqlite")
	for _, care := range []bool{false, true} {
		for _, w := range []int64{1366, 390} {
			do(t, ctx, "size the window", chromedp.EmulateViewport(w, 900))
			who := "-"
			for _, pg := range overflowPages {
				if pg.who != who {
					signOutAll(t, ctx)
					if pg.who != "" {
						signIn(t, ctx, e.URL, pg.who, apptest.DemoPassword)
					}
					setCare(t, ctx, e.URL, care)
					who = pg.who
				}
				do(t, ctx, pg.name, chromedp.Navigate(e.URL+pg.path), chromedp.WaitReady(chromedp.CSS(`footer`)))
				if pg.follow != "" {
					href, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
						`(document.querySelector(%q) || {}).href || ""`, pg.follow)))
					if err != nil || href == "" {
						t.Fatalf("%s: no link %s (%v)", pg.name, pg.follow, err)
					}
					do(t, ctx, pg.name, chromedp.Navigate(href), chromedp.WaitReady(chromedp.CSS(`footer`)))
				}
				mode := "std"
				if care {
					mode = "care"
				}
				wide, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
					const vw = document.documentElement.clientWidth, out = [];
					if (document.documentElement.scrollWidth > vw) out.push("page " + document.documentElement.scrollWidth + " > " + vw);
					// What sticks out (inside a scrolling box such as .table-wrap is fine, and
					// so is text for screen readers only).
					const scrolls = el => { if (el.closest(".sr-only")) return true; for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) { const o = getComputedStyle(a).overflowX; if (o !== "visible") return true; } return false; };
					for (const el of document.querySelectorAll("body *")) {
						const r = el.getBoundingClientRect();
						if (r.width && r.right > vw && !scrolls(el)) {
							out.push(el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ")[0] : "") + " right " + Math.round(r.right));
							if (out.length > 6) break;
						}
					}
					const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
					for (let n = walk.nextNode(); n && out.length < 8; n = walk.nextNode()) {
						const r = document.createRange(); r.selectNodeContents(n);
						const b = r.getBoundingClientRect();
						if (b.width && b.right > vw && !scrolls(n.parentElement)) out.push("text " + JSON.stringify(n.data.trim().slice(0, 30)) + " right " + Math.round(b.right));
					}
					return out;
				})()`))
				if err != nil {
					t.Fatal(err)
				}
				// A serial number (610923100-20261126-00017) stays on one line
				// and inside its box.
				broken, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
					const re = /\d{6,10}-\d{8}-\d{5}/g, out = [], vw = document.documentElement.clientWidth;
					const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
					for (let n = walk.nextNode(); n; n = walk.nextNode()) {
						if (!n.parentElement.offsetParent || n.parentElement.closest(".sr-only")) continue;
						for (const m of n.data.matchAll(re)) {
							const r = document.createRange();
							r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
							const rects = Array.from(r.getClientRects()).filter(x => x.width > 0);
							const tops = new Set(rects.map(x => Math.round(x.top)));
							const box = n.parentElement.closest(".panel, .case-head, .apply-head, .result, tr, main").getBoundingClientRect();
							const right = Math.max(...rects.map(x => x.right));
							if (tops.size > 1) out.push(m[0] + " wraps");
							else if (right > Math.min(vw, box.right) + 1) out.push(m[0] + " overflows to " + Math.round(right) + " (box " + Math.round(box.right) + ")");
						}
					}
					return out;
				})()`))
				if err != nil {
					t.Fatal(err)
				}
				if len(broken) > 0 {
					t.Errorf("%s at %d px (%s): serial numbers: %v", pg.name, w, mode, broken)
				}
				if len(wide) > 0 {
					t.Errorf("%s at %d px (%s): wider than the window: %v", pg.name, w, mode, wide)
				}
				if pg.shot {
					shot(t, ctx, fmt.Sprintf("a11y-%s-%d-%s", pg.name, w, mode))
				}
			}
		}
	}
}
