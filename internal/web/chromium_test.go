package web_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"zwfw/internal/app/apptest"
	"zwfw/internal/db/dbtest"
)

// chromium finds Debian's Chromium, or skips (fails in CI) without it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	dbtest.SkipOrFail(t, "chromium is not installed")
	return ""
}

// dumpDOM loads url in headless Chromium (the flags this machine needs) and
// returns the DOM after the page's scripts ran; every console message —
// a CSP violation, a script error — fails the test.
func dumpDOM(t *testing.T, bin, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	defer os.RemoveAll(dir)
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir="+dir,
		"--enable-logging=stderr", "--v=0", "--dump-dom", url)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %s: %v\n%s", url, err, stderr.String())
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, ":CONSOLE") {
			t.Errorf("%s: browser console: %s", url, line)
		}
	}
	return string(out)
}

// The pages run in a real browser under the server's Content-Security-
// Policy without a single violation or script error, and app.js does its
// work (it reveals the 打印指南 button).
func TestPagesInChromium(t *testing.T) {
	bin := chromium(t)
	e := apptest.Start(t, "sqlite", apptest.Options{NoDemo: true})
	for _, path := range []string{"/", "/items?q=" + "%E9%A3%9F%E5%93%81", "/items/" + foodCode, "/towns/610923100", "/login", "/register?type=enterprise", "/nope"} {
		dom := dumpDOM(t, bin, e.URL+path)
		if !strings.Contains(dom, `lang="zh-CN"`) {
			t.Errorf("%s: the page did not load in the browser", path)
		}
		if strings.HasPrefix(path, "/items/") && !strings.Contains(dom, `data-print=""`) || strings.Contains(dom, `data-print="" hidden`) {
			t.Errorf("%s: app.js did not run (打印指南 still hidden)", path)
		}
	}
}
