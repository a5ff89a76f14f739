package e2e_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"zwfw/internal/app/apptest"
)

// TestHallViewAndBoards looks at the hall's staff-facing and public pages
// of issue 10 as their users see them: the centre manager's live hall view
// (窗口值守, AB岗, 考勤机) on a 1920×1080 desk screen, and the staff boards
// (公示牌) on a landscape screen beside the windows and on a portrait one.
func TestHallViewAndBoards(t *testing.T) {
	ctx := browser(t)
	e := apptest.Start(t, "sqlite")
	base := e.URL
	problems := watchConsole(t, ctx)

	signIn(t, ctx, base, "county.hall", apptest.DemoPassword)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1920, 1080), chromedp.Navigate(base+"/attendance"),
		chromedp.WaitVisible(chromedp.CSS(`#devices`))); err != nil {
		t.Fatalf("hall view: %v", err)
	}
	mustContain(t, ctx, "hall view", "窗口值守", "窗口AB岗", "考勤机", "本周考勤")
	shot(t, ctx, "hall-view-1920x1080")
	signOut(t, ctx)

	for _, v := range []struct {
		name string
		w, h int
	}{{"1920x1080", 1920, 1080}, {"1080x1920", 1080, 1920}} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(v.w), int64(v.h)), chromedp.Navigate(base+"/boards/610923C")); err != nil {
			t.Fatalf("boards: %v", err)
		}
		mustContain(t, ctx, "boards", "工作人员公示")
		shot(t, ctx, "hall-boards-"+v.name)
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/hall/610923C/screen"), chromedp.WaitVisible(chromedp.CSS(`#hs-windows`))); err != nil {
			t.Fatalf("display: %v", err)
		}
		fits(t, ctx, "display "+v.name, v.w, v.h)
		shot(t, ctx, "hall-display-"+v.name)
	}
	for _, p := range problems() {
		t.Errorf("browser console: %s", p)
	}
}
