package web_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	pngenc "image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zwfw/internal/app/apptest"
	"zwfw/internal/hall"
)

// The leave rule in a real browser (附件2（六）4): the window's A post asks
// for a day's leave, the centre's manager approves it, the A post cannot
// leave until the B post has clocked in and taken over the window, then
// can. Screenshots of the page go to $ZWFW_SHOTS when it is set.
func TestLeaveRuleInChromium(t *testing.T) {
	bin := chromium(t)
	e := apptest.Start(t, "sqlite")
	shots := os.Getenv("ZWFW_SHOTS")
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.Flag("lang", "zh-CN"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1366, 900))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	as := func(user string, fn func(ctx context.Context)) {
		t.Helper()
		ctx, cancel := chromedp.NewContext(actx)
		defer cancel()
		ctx, cancelT := context.WithTimeout(ctx, time.Minute)
		defer cancelT()
		if err := chromedp.Do(ctx, chromedp.Navigate(e.URL+"/login"),
			chromedp.SendKeys(chromedp.CSS("#f-username"), user), chromedp.SendKeys(chromedp.CSS("#f-password"), apptest.DemoPassword),
			chromedp.Submit(chromedp.CSS("#f-username")), chromedp.Sleep(300*time.Millisecond),
			chromedp.Navigate(e.URL+"/attendance")); err != nil {
			t.Fatalf("%s: %v", user, err)
		}
		fn(ctx)
	}
	flash := func(ctx context.Context) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#flash")))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	shot := func(ctx context.Context, name string) {
		t.Helper()
		if shots == "" {
			return
		}
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	click := func(ctx context.Context, sel string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel)), chromedp.WaitVisible(chromedp.CSS("#flash")), chromedp.Sleep(200*time.Millisecond)); err != nil {
			t.Fatalf("click %s: %v", sel, err)
		}
	}
	day := e.App.Now().Format("2006-01-02")
	as("county.window", func(ctx context.Context) {
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#lv-kind"), "personal"),
			chromedp.SetValue(chromedp.CSS("#lv-from"), day+"T09:00"), chromedp.SetValue(chromedp.CSS("#lv-to"), day+"T17:00"),
			chromedp.SendKeys(chromedp.CSS("#lv-reason"), "家中有事")); err != nil {
			t.Fatal(err)
		}
		click(ctx, `form[action="/attendance/leaves"] button`)
		if f := flash(ctx); !strings.Contains(f, "已提交事假申请") {
			t.Fatalf("after the request: %q", f)
		}
	})
	// A ticket served at the A post's window: the hall view says so.
	_, cats, err := e.App.Hall.Categories(context.Background(), "610923C", false)
	if err != nil || len(cats) == 0 {
		t.Fatalf("categories: %v", err)
	}
	tk, err := e.App.Hall.Take(context.Background(), "610923C", hall.TakeInput{CategoryID: cats[0].ID, Channel: "kiosk"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Hall.Act(context.Background(), e.Actor(t, "county.window"), "610923CW01", hall.ActNext); err != nil {
		t.Fatal(err)
	}
	as("county.hall", func(ctx context.Context) {
		view, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".att-windows")))
		if err != nil || !strings.Contains(view, "正在办理 "+tk.Number) {
			t.Fatalf("hall view without the ticket served: %q %v", view, err)
		}
		shot(ctx, "attendance-manager")
		click(ctx, `form[action$="/actions/approve"] button`)
		if f := flash(ctx); !strings.Contains(f, "已批准") {
			t.Fatalf("after the approval: %q", f)
		}
	})
	as("county.window", func(ctx context.Context) {
		click(ctx, `form[action$="/actions/start"] button`)
		if f := flash(ctx); !strings.Contains(f, "B岗") || !strings.Contains(f, "尚未打卡") {
			t.Fatalf("left before B clocked in: %q", f)
		}
		shot(ctx, "attendance-refused")
	})
	as("county.windowb", func(ctx context.Context) {
		click(ctx, `form[action="/attendance/punch"] button`)
		click(ctx, `form[action$="/cover"] button`)
		if f := flash(ctx); !strings.Contains(f, "已在") {
			t.Fatalf("take over: %q", f)
		}
		shot(ctx, "attendance-b-post")
	})
	as("county.window", func(ctx context.Context) {
		click(ctx, `form[action$="/actions/start"] button`)
		if f := flash(ctx); !strings.Contains(f, "已离岗") {
			t.Fatalf("after B took over: %q", f)
		}
		shot(ctx, "attendance-a-post")
	})
	// The public board with a photo (a gradient stands for one), the whole
	// centre's and the one beside the window.
	img := image.NewRGBA(image.Rect(0, 0, 600, 800))
	for y := 0; y < 800; y++ {
		for x := 0; x < 600; x++ {
			img.Set(x, y, color.RGBA{uint8(60 + x/6), uint8(90 + y/8), 180, 255})
		}
	}
	var png bytes.Buffer
	if err := pngenc.Encode(&png, img); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Attendance.SetPhoto(context.Background(), e.Actor(t, "county.hall"), e.App.Files, "county.window", png.Bytes()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	for _, b := range []struct{ name, path string }{{"board-centre", "/boards/610923C"}, {"board-window", "/boards/610923C?window=610923CW01"}} {
		if err := chromedp.Do(ctx, chromedp.Navigate(e.URL+b.path)); err != nil {
			t.Fatal(err)
		}
		body, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		if err != nil || !strings.Contains(body, "李晓燕") || !strings.Contains(body, "工号") {
			t.Fatalf("%s: %q %v", b.path, body, err)
		}
		shot(ctx, b.name)
	}
}
