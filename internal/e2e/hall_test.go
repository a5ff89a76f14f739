package e2e_test

import (
	"context"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	cdppage "github.com/chromedp/cdproto/page"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"zwfw/internal/app/apptest"
)

// recordSpeech wraps speechSynthesis.speak before the page's scripts run,
// so that the test sees each announcement the display asks for (headless
// Chromium has no voice to hear it with).
const recordSpeech = `window.__spoken = [];
(function () {
  var s = window.speechSynthesis;
  if (!s) { return; }
  var speak = s.speak.bind(s);
  s.speak = function (u) { window.__spoken.push(u.text + "|" + u.lang); try { speak(u); } catch (e) {} };
})();`

// TestTicketCallAndDisplay is issue 10's loop in a browser: a ticket taken
// on the kiosk page (1080×1920 portrait), called from the workbench, is on
// the display page (1920×1080) within a second, with the voice request
// made; the display says 连接中断 while the server is gone and comes back
// by itself.
func TestTicketCallAndDisplay(t *testing.T) {
	ctx := browser(t)
	e := apptest.Start(t, "sqlite")
	base := e.URL

	// The display screen, in a tab of its own.
	screen, cancel := chromedp.NewContext(ctx)
	defer cancel()
	if _, err := chromedp.Call(screen, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: recordSpeech}); err != nil {
		t.Fatal(err)
	}
	problems := watchConsole(t, ctx)
	screenProblems := watchConsole(t, screen)
	if err := chromedp.Do(screen, chromedp.EmulateViewport(1920, 1080), chromedp.Navigate(base+"/hall/610923C/screen"),
		chromedp.WaitVisible(chromedp.CSS(`#hs-windows`))); err != nil {
		t.Fatalf("display: %v", err)
	}
	waitEval(t, screen, `document.getElementById("hs-conn").hidden && document.body.hasAttribute("data-spoken") === false`)

	// The kiosk.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1080, 1920), chromedp.Navigate(base+"/hall/610923C/kiosk"),
		chromedp.WaitVisible(chromedp.CSS(`button[data-category="A"]`))); err != nil {
		t.Fatalf("kiosk: %v", err)
	}
	mustContain(t, ctx, "kiosk", "县政务服务中心", "综合受理", "社会事务", "不动产登记", "税务", "绿色通道")
	fits(t, ctx, "kiosk", 1080, 1920)
	shot(t, ctx, "hall-kiosk-1080x1920")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[data-category="A"]`)), chromedp.WaitVisible(chromedp.CSS(`#t-num`))); err != nil {
		t.Fatalf("take a ticket: %v", err)
	}
	mustContain(t, ctx, "ticket", "A001", "综合受理", "您前面还有 0 人", "预计等候约 0 分钟", "取号时间", "手机扫码查看排队进度")
	waitImage(t, ctx, ".t-qr")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(420, 900)); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "hall-ticket")
	ticketURL := location(t, ctx)
	// As the thermal printers print it: 58 mm paper (about 48 mm printed,
	// 181 px at 96 dpi) and 80 mm (72 mm, 272 px), with the print styles.
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	for _, paper := range []struct {
		name string
		px   int64
	}{{"58mm", 181}, {"80mm", 272}} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(paper.px, 700)); err != nil {
			t.Fatal(err)
		}
		fits(t, ctx, "ticket printed on "+paper.name+" paper", int(paper.px), 700)
		shot(t, ctx, "hall-ticket-print-"+paper.name)
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""}); err != nil {
		t.Fatal(err)
	}

	// The window calls it from the workbench.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 900)); err != nil {
		t.Fatal(err)
	}
	signIn(t, ctx, base, "county.window", apptest.DemoPassword)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/work"), chromedp.WaitVisible(chromedp.CSS(`#hall-desk button[data-hall-action="next"]`))); err != nil {
		t.Fatalf("calling panel: %v", err)
	}
	mustContain(t, ctx, "workbench", "叫号 · 综合受理窗口一", "本窗口业务等候 1 人")
	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#hall-desk button[data-hall-action="next"]`))); err != nil {
		t.Fatal(err)
	}
	// On the display within a second of the click, announced by voice.
	deadline := start.Add(time.Second)
	for {
		// Spoken by the browser's Mandarin voice, or — headless Chromium
		// has none — played from the binary's clips (hall.Clips).
		got, err := chromedp.Run(screen, chromedp.Evaluate[string](`document.getElementById("hs-call").textContent + "#" + window.__spoken.join(",") + "#" + (document.body.getAttribute("data-clips") || "")`))
		if err == nil && strings.Contains(got, "A001") && (strings.Contains(got, "#请A001号到1号窗口办理|zh-CN") ||
			strings.Contains(got, "#/screens/voice/qing.wav /screens/voice/a.wav /screens/voice/0.wav /screens/voice/0.wav /screens/voice/1.wav /screens/voice/hao.wav /screens/voice/dao.wav /screens/voice/1.wav /screens/voice/haochuangkou.wav /screens/voice/banli.wav")) {
			t.Logf("on the display %s after the click: %s", time.Since(start).Round(time.Millisecond), got)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the call was not on the display within a second: %q (%v)", got, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitText(t, ctx, "叫号：A001号")
	mustContain(t, ctx, "workbench after the call", "请到窗口", "开始办理", "重呼", "办结")
	shot(t, ctx, "hall-workbench-called")
	mustContain(t, screen, "display", "请 A001 号到 1 号窗口办理", "1号窗口", "最近叫号", "等候人数")
	fits(t, screen, "display", 1920, 1080)
	shot(t, screen, "hall-display-1920x1080")

	// The phone page of the ticket says where to go.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(420, 900), chromedp.Navigate(ticketURL), chromedp.WaitVisible(chromedp.CSS(`#t-num`))); err != nil {
		t.Fatal(err)
	}
	mustContain(t, ctx, "ticket after the call", "请到 1 号窗口办理", "综合受理窗口一")
	shot(t, ctx, "hall-ticket-called")

	// The administrator's page of the categories and the windows' order.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 900), chromedp.Navigate(base+"/work")); err != nil {
		t.Fatal(err)
	}
	signOut(t, ctx)
	signIn(t, ctx, base, "admin", apptest.AdminPassword)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/admin/hall?centre=610923C"), chromedp.WaitVisible(chromedp.CSS(`#ah-windows`))); err != nil {
		t.Fatal(err)
	}
	mustContain(t, ctx, "hall administration", "大厅业务类别", "不动产登记", "窗口叫号顺序", "4号窗口 · 社会事务窗口")
	shot(t, ctx, "hall-admin")

	// Not one CSP violation or script error on the way.
	for _, p := range append(problems(), screenProblems()...) {
		t.Errorf("browser console: %s", p)
	}

	// The server goes away: the display says so, and comes back by itself
	// when the server is back on the same address.
	addr := e.Server.Listener.Addr().String()
	e.Server.CloseClientConnections()
	e.Server.Close()
	waitEval(t, screen, `!document.getElementById("hs-conn").hidden`)
	mustContain(t, screen, "display while disconnected", "连接中断")
	shot(t, screen, "hall-display-disconnected")
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	h, err := e.App.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	waitEval(t, screen, `document.getElementById("hs-conn").hidden`)
}

// waitEval waits up to 20 s for a JavaScript condition to hold.
func waitEval(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("never true: %s (%v)", cond, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// fits checks that the page needs no scrolling at w×h.
func fits(t *testing.T, ctx context.Context, page string, w, h int) {
	t.Helper()
	size, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, document.documentElement.scrollHeight]`))
	if err != nil {
		t.Fatal(err)
	}
	if size[0] > w || size[1] > h {
		t.Errorf("%s is %d×%d, larger than the %d×%d screen", page, size[0], size[1], w, h)
	}
}

// watchConsole collects the errors a tab logs — a Content-Security-Policy
// violation, a script exception — and returns a function that lists them.
func watchConsole(t *testing.T, ctx context.Context) func() []string {
	t.Helper()
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []string
	add := func(s string) {
		mu.Lock()
		got = append(got, s)
		mu.Unlock()
	}
	go func() {
		for ev, err := range chromedp.Events(ctx, cdplog.EntryAdded) {
			if err != nil {
				return
			}
			if ev.Entry.Level == cdplog.EntryLevelError {
				add(string(ev.Entry.Source) + ": " + ev.Entry.Text + " " + ev.Entry.URL)
			}
		}
	}()
	go func() {
		for ev, err := range chromedp.Events(ctx, cdpruntime.ExceptionThrown) {
			if err != nil {
				return
			}
			add("exception: " + ev.ExceptionDetails.Text)
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
}
