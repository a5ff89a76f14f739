package e2e_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
	"zwfw/internal/hall"
)

// The hall's public screens in a browser: the small screen above a window
// follows its window's calls live; the rolling display counts a case
// accepted at its centre as it happens; both fit 1920×1080 and 1080×1920
// portrait (the window screen a 1280×400 strip too), as does the 查询机,
// with no script error or CSP violation; screenshots with ZWFW_SHOTS=dir.
func TestPublicScreens(t *testing.T) {
	ctx := browser(t)
	e := apptest.Start(t, "sqlite")
	base := e.URL
	bg := context.Background()
	problems := watchConsole(t, ctx)
	_, cats, err := e.App.Hall.Categories(bg, "610923C", false)
	if err != nil {
		t.Fatal(err)
	}
	take := func() {
		t.Helper()
		if _, err := e.App.Hall.Take(bg, "610923C", hall.TakeInput{CategoryID: cats[0].ID}); err != nil {
			t.Fatal(err)
		}
	}
	clerk := e.Actor(t, "county.window")
	act := func(action string) *hall.Ticket {
		t.Helper()
		tk, err := e.App.Hall.Act(bg, clerk, "610923CW01", action)
		if err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		return tk
	}
	take()
	take()
	first := act(hall.ActNext)

	// The window's screen: the ticket called there, then the next one as
	// soon as it is called.
	screen := base + "/hall/610923C/windows/610923CW01/screen"
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1920, 1080), chromedp.Navigate(screen), chromedp.WaitVisible(chromedp.CSS(`#hw-ticket`))); err != nil {
		t.Fatalf("window screen: %v", err)
	}
	waitEval(t, ctx, `document.body.getAttribute("data-ticket") === `+strconv.Quote(first.Number))
	mustContain(t, ctx, "window screen", "1号窗口", first.Number, "请到本窗口")
	// Nobody has punched in: no one is named (the window is being worked,
	// so it is not 暂停服务). The A post punches in: the screen names them.
	if _, err := e.App.Attendance.Punch(bg, clerk); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#hw-ticket`))); err != nil {
		t.Fatal(err)
	}
	mustContain(t, ctx, "window screen with its A post in", clerk.Name, "A岗")
	fits(t, ctx, "window screen", 1920, 1080)
	shot(t, ctx, "screens-window-1920x1080")
	act(hall.ActStart)
	waitText(t, ctx, "正在办理")
	act(hall.ActFinish)
	second := act(hall.ActNext)
	waitEval(t, ctx, `document.getElementById("hw-ticket").textContent === `+strconv.Quote(second.Number))
	for _, size := range [][2]int{{1280, 400}, {1366, 768}, {1080, 1920}} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(size[0]), int64(size[1])), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#hw-ticket`))); err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("window screen %d×%d", size[0], size[1])
		mustContain(t, ctx, name, second.Number)
		fits(t, ctx, name, size[0], size[1])
		shot(t, ctx, fmt.Sprintf("screens-window-%dx%d", size[0], size[1]))
	}

	// The rolling display: a case accepted now is counted and listed.
	rolling := base + "/hall/610923C/rolling"
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1920, 1080), chromedp.Navigate(rolling), chromedp.WaitVisible(chromedp.CSS(`#hr-cases`))); err != nil {
		t.Fatalf("rolling display: %v", err)
	}
	waitEval(t, ctx, `document.getElementById("conn").hidden`)
	before, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("hr-accepted").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(before)
	e.Case(t, "resident.wang", "010100300000", "610923C", casework.Accepted)
	waitEval(t, ctx, `document.getElementById("hr-accepted").textContent === "`+strconv.Itoa(n+1)+`"`)
	mustContain(t, ctx, "rolling display", "今日受理", "按时办结率", "满意率", "王**", "受理")
	if strings.Contains(text(t, ctx), "王秀兰") {
		t.Error("the rolling display shows the applicant's full name")
	}
	// Enough lines to roll: the list moves.
	for i := 0; i < 14; i++ {
		e.Case(t, "resident.wang", "010100300000", "610923C", casework.Accepted)
	}
	waitEval(t, ctx, `document.getElementById("hr-accepted").textContent === "`+strconv.Itoa(n+15)+`"`)
	fits(t, ctx, "rolling display", 1920, 1080)
	shot(t, ctx, "screens-rolling-1920x1080")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1080, 1920), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#hr-cases`))); err != nil {
		t.Fatal(err)
	}
	fits(t, ctx, "rolling display portrait", 1080, 1920)
	shot(t, ctx, "screens-rolling-1080x1920")

	// The 查询机 at 1080×1920.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1080, 1920), chromedp.Navigate(base+"/hall/610923C/info"), chromedp.WaitVisible(chromedp.CSS(`.hi-menu`))); err != nil {
		t.Fatal(err)
	}
	fits(t, ctx, "查询机", 1080, 1920)
	shot(t, ctx, "screens-info-1080x1920")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.hi-menu a[href$="s=queue"]`)), chromedp.WaitVisible(chromedp.CSS(`.hi-queue`))); err != nil {
		t.Fatal(err)
	}
	fits(t, ctx, "查询机 排队情况", 1080, 1920)
	shot(t, ctx, "screens-info-queue")
	// 办件查询 is the site's page, with the way back to the 查询机.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/hall/610923C/info"), chromedp.WaitVisible(chromedp.CSS(`.hi-menu`)),
		chromedp.Click(chromedp.CSS(`.hi-menu a[href="/progress"]`)), chromedp.WaitVisible(chromedp.CSS(`a.kiosk-home`))); err != nil {
		t.Fatalf("progress from the 查询机: %v", err)
	}
	shot(t, ctx, "screens-info-progress")

	for _, p := range problems() {
		t.Errorf("browser console: %s", p)
	}
	// Leave the pages, so that no event stream holds the server open.
	_ = chromedp.Do(ctx, chromedp.Navigate("about:blank"))
}
