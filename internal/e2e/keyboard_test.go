package e2e_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"zwfw/internal/app/apptest"
)

// kbd walks pages with the keyboard alone and remembers every element that
// took the focus without showing it.
type kbd struct {
	t      *testing.T
	ctx    context.Context
	hidden map[string]bool
	tabs   int
	last   []string
}

// key presses one key (kb.Tab, kb.Enter, " " …), with Shift when shift.
func (k *kbd) key(key string, shift bool) {
	k.t.Helper()
	var opts []chromedp.KeyOption
	if shift {
		opts = append(opts, chromedp.KeyModifiers(chromedp.ModifierShift))
	}
	do(k.t, k.ctx, "press "+fmt.Sprintf("%q", key), chromedp.KeyEvent(key, opts...))
}

// typeText types s into the focused field, key by key.
func (k *kbd) typeText(s string) {
	k.t.Helper()
	do(k.t, k.ctx, "type "+s, chromedp.KeyEvent(s))
}

// tabTo presses Tab (Shift-Tab when back) until the focused element
// matches sel, checking at each stop that the focus can be seen.
func (k *kbd) tabTo(sel string, back bool) {
	k.t.Helper()
	for i := 0; i < 250; i++ {
		k.key(kb.Tab, back)
		k.tabs++
		r, err := chromedp.Run(k.ctx, chromedp.Evaluate[[]string](fmt.Sprintf(`(() => {
			const a = document.activeElement;
			if (!a || a === document.body) return ["", "body"];
			const c = getComputedStyle(a), r = a.getBoundingClientRect();
			// A date picker shows its focused part (year, month, day) highlighted
			// by itself; its outline may lag while the focus moves between parts.
			const seen = (c.outlineStyle !== "none" && parseFloat(c.outlineWidth) > 0) || c.boxShadow !== "none" || a.matches("input[type=date]");
			const onScreen = r.width > 0 && r.height > 0 && r.right > 0 && r.left < innerWidth;
			return [a.matches(%q) ? "yes" : "", a.outerHTML.slice(0, 90), seen && onScreen ? "" : "hidden focus " + c.outlineStyle + " " + c.outlineWidth + " " + c.boxShadow + " " + Math.round(r.left) + "," + Math.round(r.width)];
		})()`, sel)))
		if err != nil {
			k.t.Fatalf("tab to %s: %v", sel, err)
		}
		if len(r) > 2 && r[2] != "" {
			k.hidden[r[1]+" ("+r[2]+")"] = true
		}
		k.last = append(k.last, r[1])
		if len(k.last) > 5 {
			k.last = k.last[1:]
		}
		if r[0] == "yes" {
			return
		}
	}
	dbg, _ := chromedp.Run(k.ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.outerHTML.slice(0, 300) + " tabIndex=" + e.tabIndex + " disabled=" + e.disabled + " parent=" + !!e.offsetParent : "none"; })()`, sel)))
	k.t.Fatalf("Tab never reached %s (last: %v) %s", sel, k.last, dbg)
}

// enter presses Enter on the focused element and waits for the next page.
func (k *kbd) enterAndWait(sel string) {
	k.t.Helper()
	if _, err := chromedp.Run(k.ctx, chromedp.Evaluate[bool](`window.axeOld = true`)); err != nil {
		k.t.Fatal(err)
	}
	k.key(kb.Enter, false)
	waitNewPage(k.t, k.ctx)
	do(k.t, k.ctx, "wait for "+sel, chromedp.WaitReady(chromedp.CSS(sel)))
}

func (k *kbd) focused(sel string) bool {
	k.t.Helper()
	ok, err := chromedp.Run(k.ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.activeElement.matches(%q)`, sel)))
	if err != nil {
		k.t.Fatal(err)
	}
	return ok
}

// fixInvalid fills, with the keyboard, every control the page marks
// invalid: a choice from a list with the arrow keys, a radio or check box
// with Space, a date typed digit by digit, text typed.
func (k *kbd) fixInvalid() {
	k.t.Helper()
	bad, err := chromedp.Run(k.ctx, chromedp.Evaluate[[][]string](`(() => {
		const seen = new Set(), out = [];
		for (const el of document.querySelectorAll('[aria-invalid="true"]')) {
			const key = el.type === "radio" ? "r:" + el.name : el.id;
			if (!el.id || seen.has(key) || el.type === "file") continue;
			seen.add(key);
			out.push([el.type === "radio" ? 'input[name="' + el.name + '"]' : "#" + CSS.escape(el.id), el.tagName.toLowerCase(), el.type || ""]);
		}
		return out;
	})()`))
	if err != nil {
		k.t.Fatal(err)
	}
	k.tabTo(`a.skip`, true) // from the top of the page
	for _, b := range bad {
		sel, tag, typ := b[0], b[1], b[2]
		k.tabTo(sel, false)
		switch {
		case tag == "select":
			for i := 0; i < 5 && value(k.t, k.ctx, sel) == ""; i++ {
				k.key(kb.ArrowDown, false)
			}
		case typ == "radio" || typ == "checkbox":
			k.key(" ", false)
		case typ == "date":
			// Year, month and day in the browser's order of the parts
			// (its locale's); a full part moves on to the next by itself.
			order, err := chromedp.Run(k.ctx, chromedp.Evaluate[[]string](
				`new Intl.DateTimeFormat(navigator.language).formatToParts(new Date(2000, 0, 2)).map(p => p.type).filter(t => t !== "literal")`))
			if err != nil {
				k.t.Fatal(err)
			}
			part := map[string]string{"year": "1985", "month": "03", "day": "12"}
			var keys []string
			for _, p := range order {
				keys = append(keys, part[p])
			}
			k.typeText(strings.Join(keys, ""))
			if v := value(k.t, k.ctx, sel); v != "1985-03-12" {
				k.t.Fatalf("typing a date (%v) gave %q", order, v)
			}
		case typ == "number":
			k.typeText("1")
		default:
			k.typeText("宁陕县城关镇西关社区")
		}
	}
}

// TestKeyboardJourney walks the applicant's journey with the keyboard
// alone — Tab, Shift-Tab, Enter, Space, the arrow keys and typing; no
// click: the skip link, home → search → the guide → 在线办理 → sign in →
// the application form → submit → 我的办件. Every stop shows where the
// focus is (:focus-visible).
func TestKeyboardJourney(t *testing.T) {
	ctx := browser(t)
	e := apptest.Start(t, "sqlite")
	k := &kbd{t: t, ctx: ctx, hidden: map[string]bool{}}
	const item = "071500100000" // 居民身份证申领、换领、补领

	do(t, ctx, "open the home page", chromedp.Navigate(e.URL+"/"), chromedp.WaitReady(chromedp.CSS(`#q`)))

	// The first Tab shows 跳到主要内容; Enter moves the focus to <main>.
	k.tabTo(`a.skip`, false)
	if txt := text1(t, ctx, `a.skip`); txt != "跳到主要内容" {
		t.Fatalf("the first Tab stop is %q, not the skip link", txt)
	}
	k.key(kb.Enter, false)
	if !k.focused(`main`) {
		t.Fatal("the skip link did not move the focus to the main content")
	}

	// Search from the home page's box.
	k.tabTo(`#q`, false)
	k.typeText("身份证")
	k.enterAndWait(`#results`)
	if !strings.Contains(location(t, ctx), "/items?") {
		t.Fatalf("Enter in the search box went to %s", location(t, ctx))
	}
	shot(t, ctx, "kbd-1-search")

	// The result, then the guide's 在线办理.
	k.tabTo(`a[href="/items/`+item+`"]`, false)
	k.enterAndWait(`a[href="/apply/` + item + `"]`)
	k.tabTo(`a[href="/apply/`+item+`"]`, false)
	shot(t, ctx, "kbd-2-guide-focus")
	k.enterAndWait(`#f-username`)
	if !strings.Contains(location(t, ctx), "/login") {
		t.Fatalf("在线办理 without a session went to %s", location(t, ctx))
	}

	// Sign in; the login brings the applicant back to the form.
	k.tabTo(`#f-username`, false)
	k.typeText("resident.wang")
	k.tabTo(`#f-password`, false)
	k.typeText(apptest.DemoPassword)
	k.enterAndWait(`#f-agree`)
	if !strings.Contains(location(t, ctx), "/apply/"+item) {
		t.Fatalf("after signing in the applicant is at %s, not the form", location(t, ctx))
	}

	// The form: tick 阅读须知 with Space, choose the place with the arrow
	// keys, type the fields, hand every material in at the window.
	k.tabTo(`#f-agree`, false)
	k.key(" ", false)
	if !checked(t, ctx, `#f-agree`) {
		t.Fatal("Space did not tick 阅读须知")
	}
	k.tabTo(`#f-org_code`, false)
	for i := 0; i < 20 && value(t, ctx, `#f-org_code`) != chengguanC; i++ {
		k.key(kb.ArrowDown, false)
	}
	if v := value(t, ctx, `#f-org_code`); v != chengguanC {
		t.Fatalf("the arrow keys did not choose 城关镇 (%q)", v)
	}
	k.tabTo(`#f-description`, false)
	k.typeText("居民身份证有效期满换领")
	// Back with Shift-Tab: the place is still chosen.
	k.tabTo(`#f-org_code`, true)
	if v := value(t, ctx, `#f-org_code`); v != chengguanC {
		t.Fatalf("the place changed on the way back: %q", v)
	}
	k.tabTo(`#f-address`, false)
	k.typeText("宁陕县城关镇西关社区南街8号")
	k.tabTo(`#f-quantity`, false)
	k.typeText("1")
	windows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('input[type=radio][id$="-how-window"]'), r => r.name)`))
	if err != nil || len(windows) == 0 {
		t.Fatalf("no material can be handed in at the window (%v)", err)
	}
	for _, name := range windows {
		// Tab enters the radio group; the arrows move within it.
		k.tabTo(fmt.Sprintf(`input[name=%q]`, name), false)
		for i := 0; i < 5 && !checked(t, ctx, fmt.Sprintf(`input[name=%q][value="window"]`, name)); i++ {
			k.key(kb.ArrowRight, false)
		}
		if !checked(t, ctx, fmt.Sprintf(`input[name=%q][value="window"]`, name)) {
			t.Fatalf("the arrow keys did not choose 窗口递交 for %s", name)
		}
	}
	toBottom(t, ctx)
	shot(t, ctx, "kbd-3-apply-filled")
	k.tabTo(`button[name="op"][value="submit"]`, false)
	k.enterAndWait(`main`)
	// The item's online 申请表 reports every field left empty at once; the
	// applicant goes to each with Tab and fills it, then submits again.
	if errs := texts(t, ctx, `.err`); len(errs) > 0 {
		shot(t, ctx, "kbd-3b-apply-problems")
		k.fixInvalid()
		k.tabTo(`button[name="op"][value="submit"]`, false)
		k.enterAndWait(`main`)
		if errs := texts(t, ctx, `.err`); len(errs) > 0 {
			t.Fatalf("the application was refused again: %q", errs)
		}
	}
	waitText(t, ctx, "申请已提交")
	serial := regexp.MustCompile(`\d{9}-\d{8}-\d{5}`).FindString(text(t, ctx))
	if serial == "" {
		t.Fatal("the submitted page shows no serial number")
	}
	shot(t, ctx, "kbd-4-submitted")

	// 我的办件 from the top bar lists the new case.
	k.tabTo(`header a[href="/my"]`, true)
	k.enterAndWait(`main`)
	if !strings.HasSuffix(location(t, ctx), "/my") {
		t.Fatalf("我的办件 went to %s", location(t, ctx))
	}
	mustContain(t, ctx, "我的办件", serial)
	shot(t, ctx, "kbd-5-my")

	if len(k.hidden) > 0 {
		var list []string
		for h := range k.hidden {
			list = append(list, h)
		}
		t.Errorf("the focus could not be seen on: %v", list)
	}
	t.Logf("%d Tab presses from the home page to 我的办件 (%s)", k.tabs, time.Now().Format(time.TimeOnly))
}
