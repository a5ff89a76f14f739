package e2e_test

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"zwfw/internal/app/apptest"
)

// axeSource is axe-core 4.10.3 (Deque Systems, MPL-2.0; testdata/axe/LICENSE),
// from `npm pack axe-core@4.10.3` (sha1 04145965ac7894faddbac30861e5d8f11bfd14fc).
// It is a test fixture: the server never serves it.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// axeTags are the rules the checker applies: WCAG 2.0 and 2.1, levels A and
// AA (GB/T 37668 follows WCAG 2.0 AA), and axe's best practices — landmarks
// and heading order, which the county's check of 2026-12-06 reported, are
// best practices in axe.
const axeTags = `['wcag2a','wcag2aa','wcag21a','wcag21aa','best-practice']`

// axePage is one page the checker opens. who signs in first ("" for the
// public). When follow is set, the checker opens the first link matching it
// on path (the first case in a list, say) and checks that page instead;
// when fill or press is set, it fills those fields (selector → value) on
// path, submits the form (by clicking the button press, if set) and checks
// the page that answers.
type axePage struct {
	name, who, path, follow string
	fill                    [][2]string
	press                   string
}

// axePages lists the pages under the checker, grouped by who opens them. A
// page added to the platform adds a line here.
var axePages = []axePage{
	// The public hall.
	{name: "home", path: "/"},
	{name: "items", path: "/items"},
	{name: "items-person", path: "/items?audience=person"},
	{name: "search", path: "/items?q=%E9%A3%9F%E5%93%81"},
	{name: "search-empty", path: "/items?q=zzzz"},
	{name: "guide", path: "/items/010100100000"},
	{name: "guide-id-card", path: "/items/071500100000"},
	{name: "town", path: "/towns/610923100"},
	{name: "progress", path: "/progress"},
	{name: "progress-case", path: "/progress", fill: [][2]string{{"#f-serial", "610923100-20261106-00001"}, {"#f-code", "818555"}}},
	{name: "login", path: "/login"},
	{name: "login-refused", path: "/login", fill: [][2]string{{"#f-username", "nobody"}, {"#f-password", "wrong"}}},
	{name: "register", path: "/register?type=person"},
	{name: "register-enterprise", path: "/register?type=enterprise"},
	{name: "login-sms", path: "/login?by=sms"},
	{name: "privacy", path: "/privacy"},
	{name: "hall", path: "/hall/610923C"},
	{name: "complaint", path: "/complaints/new"},
	{name: "complaint-lookup", path: "/complaints/lookup"},
	{name: "questions", path: "/questions"},
	{name: "rectifications", path: "/rectification-results"},
	{name: "gongkai-reports", path: "/gongkai/reports"},
	{name: "gongkai", path: "/gongkai"},
	{name: "gongkai-search", path: "/gongkai/docs?q=%E4%B8%80%E7%BD%91%E9%80%9A%E5%8A%9E"},
	{name: "gongkai-doc", path: "/gongkai/docs?kind=agency", follow: `.gk-results a[href^="/gongkai/docs/"]`},
	{name: "gongkai-docs", path: "/gongkai/docs"},
	{name: "search-alias", path: "/items?q=%E4%BD%8E%E4%BF%9D"},
	{name: "search-suggest", path: "/items?q=%E5%BA%95%E4%BF%9D"},
	{name: "life-event", path: "/", follow: `[aria-labelledby="h-life"] a[href^="/items"]`},
	{name: "guide-low-income", path: "/items/050200100000"},
	{name: "not-found", path: "/no-such-page"},
	{name: "esign-keys", path: "/esign/keys"},
	{name: "verify", path: "/verify"},
	// The applicant.
	{name: "my", who: "resident.wang", path: "/my"},
	{name: "my-case", who: "resident.wang", path: "/my", follow: `a[href^="/my/cases/"]`},
	{name: "my-messages", who: "resident.wang", path: "/my/messages"},
	{name: "my-appointments", who: "resident.wang", path: "/my/appointments"},
	{name: "my-materials", who: "resident.wang", path: "/my/materials"},
	{name: "apply", who: "resident.wang", path: "/apply/071500100000"},
	{name: "apply-online-form", who: "resident.wang", path: "/apply/050200100000"},
	{name: "apply-refused", who: "resident.wang", path: "/apply/050200100000", press: `button[name="op"][value="submit"]`},
	{name: "account", who: "resident.wang", path: "/account"},
	{name: "my-licences", who: "resident.wang", path: "/my/licences"},
	{name: "verify-licence", who: "resident.wang", path: "/my/licences", follow: `a[href^="/verify/"]`},
	// The workbench.
	{name: "work", who: "county.window", path: "/work"},
	{name: "work-case", who: "county.window", path: "/work", follow: `a[href^="/work/cases/"]`},
	{name: "work-new", who: "county.window", path: "/work/new"},
	{name: "admin", who: "county.window", path: "/admin"},
	{name: "attendance", who: "county.window", path: "/attendance"},
	{name: "inquiries", who: "county.window", path: "/inquiries"},
	{name: "inquiry-new", who: "county.window", path: "/inquiries/new"},
	{name: "rectifications-work", who: "county.window", path: "/work/rectifications"},
	{name: "supervision", who: "county.supervisor", path: "/supervision"},
	{name: "supervision-cases", who: "county.supervisor", path: "/supervision/cases?under=610923"},
	{name: "supervision-case", who: "county.supervisor", path: "/supervision/cases?under=610923", follow: `a[href^="/work/cases/"]`},
	{name: "supervision-hall", who: "county.supervisor", path: "/supervision/hall"},
	{name: "warnings", who: "county.supervisor", path: "/supervision/warnings"},
	{name: "reports", who: "county.supervisor", path: "/supervision/reports"},
	{name: "errors", who: "county.supervisor", path: "/supervision/errors"},
	{name: "error-new", who: "county.supervisor", path: "/supervision/errors/new"},
	{name: "sanctions", who: "county.supervisor", path: "/supervision/sanctions"},
	{name: "complaints-work", who: "county.supervisor", path: "/work/complaints"},
	{name: "catalog", who: "county.catalog", path: "/admin/items"},
	{name: "gongkai-admin", who: "county.catalog", path: "/admin/gongkai"},
	{name: "gongkai-admin-new", who: "county.catalog", path: "/admin/gongkai/new?kind=agency"},
	{name: "gongkai-admin-doc", who: "county.catalog", path: "/admin/gongkai", follow: `a[href^="/admin/gongkai/"][href$="1"]`},
	{name: "catalog-edit", who: "county.catalog", path: "/admin/items/010100100000/edit"},
	{name: "form-builder", who: "county.catalog", path: "/admin/items/050200100000/form"},
	{name: "users", who: "county.admin", path: "/admin/users"},
	{name: "esign-admin", who: "county.admin", path: "/admin/orgs/610923D01/esign"},
	{name: "work-licences", who: "county.admin", path: "/work/licences"},
	{name: "work-licence", who: "county.admin", path: "/work/licences", follow: `a[href^="/work/licences/"]`},
	{name: "user-oidc", who: "county.admin", path: "/admin/users/county.window/oidc"},
	{name: "org-security", who: "county.admin", path: "/admin/orgs/610923/security"},
	{name: "account-totp", who: "county.reviewer", path: "/account/totp"},
	{name: "hall-admin", who: "county.hall", path: "/admin/hall?centre=610923C"},
}

// TestAxeFindsNoViolation runs axe-core in Chromium on the public pages, the
// applicant's pages and the workbench, then once more on the public and the
// applicant's pages in 关怀版; any violation fails the test with the rule,
// its help text and the elements it names.
func TestAxeFindsNoViolation(t *testing.T) {
	// ~80 pages, then the ~40 public and applicant ones again in 关怀版:
	// about two minutes on a quiet machine, past three on a loaded one.
	ctx := browserFor(t, 8*time.Minute)
	e := apptest.Start(t, "sqlite")
	axeCheck(t, ctx, e.URL, axePages, false)
	var care []axePage
	for _, pg := range axePages {
		if pg.who == "" || pg.who == "resident.wang" {
			care = append(care, pg)
		}
	}
	axeCheck(t, ctx, e.URL, care, true)
}

// axeCheck opens each page as its user (in 关怀版 when care) and reports
// axe-core's violations there.
func axeCheck(t *testing.T, ctx context.Context, base string, pages []axePage, care bool) {
	t.Helper()
	mode := ""
	if care {
		mode = " 关怀版"
	}
	who := "-"
	for _, pg := range pages {
		if pg.who != who {
			signOutAll(t, ctx)
			if pg.who != "" {
				signIn(t, ctx, base, pg.who, apptest.DemoPassword)
			}
			if care {
				setCare(t, ctx, base, true)
			}
			who = pg.who
		}
		url := base + pg.path
		resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(url))
		if err != nil {
			t.Fatalf("%s: %v", pg.name, err)
		}
		want := int64(200)
		if pg.name == "not-found" {
			want = 404
		}
		if resp.Status != want {
			t.Errorf("%s (%s) = %d", pg.name, pg.path, resp.Status)
			continue
		}
		switch {
		case pg.follow != "":
			href, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
				`(document.querySelector(%q) || {}).href || ""`, pg.follow)))
			if err != nil || href == "" {
				t.Errorf("%s: no link %s on %s (%v)", pg.name, pg.follow, pg.path, err)
				continue
			}
			url = href
			do(t, ctx, pg.name, chromedp.Navigate(url))
		case pg.fill != nil || pg.press != "":
			var steps []chromedp.Action[chromedp.Void]
			for _, f := range pg.fill {
				steps = append(steps, chromedp.SetValue(chromedp.CSS(f[0]), f[1]))
			}
			if len(steps) > 0 {
				do(t, ctx, pg.name, steps...)
			}
			// The mark on the old document tells when the answer replaced it.
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.axeOld = true`)); err != nil {
				t.Fatal(err)
			}
			if pg.press != "" {
				do(t, ctx, pg.name, chromedp.Click(chromedp.CSS(pg.press)))
			} else {
				do(t, ctx, pg.name, chromedp.Submit(chromedp.CSS(pg.fill[0][0])))
			}
			waitNewPage(t, ctx)
			if pg.name == "apply-refused" {
				if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".err").length`)); err != nil || n < 2 {
					t.Errorf("apply-refused: the empty submission shows %d problems (%v)", n, err)
				}
			}
		}
		for _, v := range axeRun(t, ctx) {
			t.Errorf("%s%s (%s): %s", pg.name, mode, strings.TrimPrefix(url, base), v)
		}
		if bare := unstyled(t, ctx); len(bare) > 0 {
			t.Errorf("%s%s (%s): controls without the platform's style: %v", pg.name, mode, strings.TrimPrefix(url, base), bare)
		}
	}
}

// unstyled lists the visible text fields, date pickers, selects and text
// areas that app.css does not style (the browser's bare 21 px box, square
// corners): inputs without a type attribute and date inputs were such.
func unstyled(t *testing.T, ctx context.Context) []string {
	t.Helper()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(
		"input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=submit]):not([type=button]):not([type=image]):not([type=range]):not([type=color]), select, textarea"))
		.filter(el => el.offsetParent && !el.closest(".sr-only"))
		.filter(el => { const c = getComputedStyle(el); return !(parseFloat(c.minHeight) >= 30) || parseFloat(c.borderTopLeftRadius) === 0; })
		.map(el => el.outerHTML.slice(0, 100))`))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// waitNewPage waits up to 20 s for a page without the mark axeOld, fully loaded.
func waitNewPage(t *testing.T, ctx context.Context) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!window.axeOld && document.readyState === "complete"`))
		if err == nil && done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the form's answer never came")
		}
	}
}

// signOutAll forgets every cookie: the session and the 关怀版 switch.
func signOutAll(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
}

// setCare switches 关怀版 on or off with the top bar's button.
func setCare(t *testing.T, ctx context.Context, base string, on bool) {
	t.Helper()
	do(t, ctx, "open the home page", chromedp.Navigate(base+"/"), chromedp.WaitReady(chromedp.CSS(`.care-switch`)))
	is, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.classList.contains("care")`))
	if err != nil {
		t.Fatal(err)
	}
	if is == on {
		return
	}
	sel := `html:not(.care)`
	if on {
		sel = `html.care`
	}
	do(t, ctx, "switch 关怀版", chromedp.Click(chromedp.CSS(`.care-switch`)), chromedp.WaitReady(chromedp.CSS(sel)))
}

// axeRun injects axe-core into the page and returns its violations, one
// line each: rule, impact, help and up to five of the elements.
func axeRun(t *testing.T, ctx context.Context) []string {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axeSource+"\n;true")); err != nil {
		t.Fatalf("load axe-core: %v", err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run(document, {runOnly: {type: 'tag', values: `+axeTags+`}, resultTypes: ['violations']})
	.then(r => r.violations.map(v => v.id + ' [' + v.impact + '] ' + v.help + ' — ' + v.nodes.length + ' element(s): ' +
		v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' ' + n.html.slice(0, 120) + (n.failureSummary ? ' (' + n.failureSummary.replace(/\s+/g, ' ').slice(0, 200) + ')' : '')).join(' | ')))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core: %v", err)
	}
	return out
}
