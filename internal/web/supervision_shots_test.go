package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zwfw/internal/app/apptest"
	"zwfw/internal/supervision"
)

// TestSupervisionScreenshots fills a county with generated cases and saves
// full-page screenshots of the dashboard, the large screen and a drill-down
// list into $ZWFW_SUPERVISION_SHOTS (skipped when unset: it is for looking).
func TestSupervisionScreenshots(t *testing.T) {
	dir := os.Getenv("ZWFW_SUPERVISION_SHOTS")
	if dir == "" {
		t.Skip("set ZWFW_SUPERVISION_SHOTS to a directory to take screenshots of the supervision pages")
	}
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	e := apptest.Start(t, "sqlite")
	if err := supervision.Generate(context.Background(), e.App.DB, supervision.GenerateOptions{Cases: 20000, Now: time.Now(), Seed: 7}); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.Flag("lang", "zh-CN"), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1366, 768))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelT()
	if err := chromedp.Do(ctx, chromedp.Navigate(e.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "county.supervisor"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), apptest.DemoPassword),
		chromedp.Submit(chromedp.CSS("#f-username")), chromedp.Sleep(500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct{ name, path string }{
		{"supervision-dashboard", "/supervision"},
		{"supervision-month", "/supervision?from=" + time.Now().Format("2006-01") + "-01&to=" + time.Now().AddDate(0, 1, -time.Now().Day()).Format("2006-01-02")},
		{"supervision-screen", "/supervision/screen"},
		{"supervision-cases", "/supervision/cases?under=610923&overdue=1"},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(e.URL+s.path)); err != nil {
			t.Fatalf("%s: %v", s.path, err)
		}
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, s.name+".png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
