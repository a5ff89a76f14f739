package e2e_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zwfw/internal/app/apptest"
	"zwfw/internal/db/dbtest"
)

// browser starts headless Chromium with the flags this machine needs (no
// sandbox as root, no background networking on a closed network); the test
// has three minutes in it.
func browser(t *testing.T) context.Context { return browserFor(t, 3*time.Minute) }

// browserFor is browser for a test that walks many pages and needs longer
// than three minutes on a loaded machine (the axe pass).
func browserFor(t *testing.T, limit time.Duration) context.Context {
	t.Helper()
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		dbtest.SkipOrFail(t, "Chromium is not installed (apt-get install chromium); .ci/run installs it")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "zh-CN"), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1366, 900))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, limit)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// shotDir is where screenshots go: ZWFW_SCREENSHOTS, or screenshots/ at
// the root of the repository.
func shotDir(t *testing.T) string {
	if d := os.Getenv("ZWFW_SCREENSHOTS"); d != "" {
		return d
	}
	dir, _ := os.Getwd()
	for d := dir; d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "screenshots")
		}
	}
	return filepath.Join(dir, "screenshots")
}

// shot saves a full-page screenshot as name.png.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := shotDir(t)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// text returns the visible text of the page.
func text(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustContain(t *testing.T, ctx context.Context, page string, want ...string) {
	t.Helper()
	body := text(t, ctx)
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Fatalf("%s: page does not show %q", page, w)
		}
	}
}

// waitText waits up to 20 s for the page to show want.
func waitText(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		body, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		if err == nil && strings.Contains(body, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page never showed %q", want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// signIn signs in through the login form.
func signIn(t *testing.T, ctx context.Context, base, user, password string) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#f-username`)),
		chromedp.SendKeys(chromedp.CSS(`#f-username`), user),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`form[action="/login"]`)),
	); err != nil {
		t.Fatalf("sign in as %s: %v", user, err)
	}
}

// TestHallAndCatalogAdministration walks the foundation as its users do: a
// resident opens the hall, searches, reads a guide; the administrator signs
// in and edits the item as a new version, which the public change log then
// shows.
func TestHallAndCatalogAdministration(t *testing.T) {
	ctx := browser(t)
	e := apptest.Start(t, "sqlite")
	base := e.URL

	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`#q`))); err != nil {
		t.Fatal(err)
	}
	mustContain(t, ctx, "home", "宁陕县政务服务网", "城关镇", "部门服务")
	shot(t, ctx, "01-home")

	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#q`), "食品"),
		chromedp.Submit(chromedp.CSS(`#q`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/items/010100100000"]`)),
	); err != nil {
		t.Fatalf("search: %v", err)
	}
	mustContain(t, ctx, "search", "食品经营许可")
	shot(t, ctx, "02-search")

	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href="/items/010100100000"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#changes`)),
	); err != nil {
		t.Fatalf("open the guide: %v", err)
	}
	mustContain(t, ctx, "guide", "基本信息", "受理条件", "申请材料", "办理流程", "设定依据", "变更记录")
	shot(t, ctx, "03-guide")

	signIn(t, ctx, base, "admin", apptest.AdminPassword)
	shot(t, ctx, "04-admin-home")

	const hours = "周一至周六 上午8:30—12:00，下午14:30—18:00（法定节假日除外）"
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/items/010100100000/edit"),
		chromedp.WaitVisible(chromedp.CSS(`[name="hours"]`)),
		chromedp.SetValue(chromedp.CSS(`[name="hours"]`), hours),
		chromedp.SendKeys(chromedp.CSS(`[name="reason"]`), "县政务服务中心周六延时服务，调整办理时间"),
	); err != nil {
		t.Fatalf("edit form: %v", err)
	}
	shot(t, ctx, "05-admin-edit")
	if err := chromedp.Do(ctx, chromedp.Submit(chromedp.CSS(`[name="reason"]`))); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "已保存“食品经营许可”第 2 版")
	shot(t, ctx, "06-admin-saved")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/items/010100100000"),
		chromedp.WaitVisible(chromedp.CSS(`#changes`)),
	); err != nil {
		t.Fatalf("save: %v", err)
	}
	mustContain(t, ctx, "guide after the edit", "周一至周六", "县政务服务中心周六延时服务，调整办理时间", "办理时间")
	if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS(`#changes`))); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "07-guide-change-log")
	it, err := e.App.Catalog.Get(context.Background(), "010100100000")
	if err != nil || it.Version != 2 || it.Hours != hours {
		t.Fatalf("the edit did not land: version %d, hours %q (%v)", it.Version, it.Hours, err)
	}
}
