package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"zwfw/internal/app"
)

func zwfwRun(args ...string) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	err = run(context.Background(), args, func(string) string { return "" }, &out, &errb)
	return out.String(), errb.String(), err
}

func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

// TestHelpSpeaksChinese: `zwfw help`, an unknown command, a wrong flag and
// -h answer in Chinese, as the rest of the product does.
func TestHelpSpeaksChinese(t *testing.T) {
	out, _, err := zwfwRun("help")
	if err != nil || !strings.Contains(out, "用法：") || !strings.Contains(out, "zwfw serve") {
		t.Fatalf("help: %v\n%s", err, out)
	}
	settings := 0
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, "  --") {
			continue
		}
		settings++
		if !hasHan(l) || strings.Contains(l, "default") || strings.Contains(l, "(env") {
			t.Errorf("a setting explained in English: %s", l)
		}
	}
	if settings < 30 {
		t.Errorf("help lists %d settings", settings)
	}

	_, errOut, err := zwfwRun("frob")
	if err == nil || !strings.Contains(err.Error(), "没有“frob”这个命令") || !strings.Contains(errOut, "用法：") {
		t.Errorf("unknown command: %v\n%s", err, errOut)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--nope"}, "没有这个参数：-nope"},
		{[]string{"serve", "--warn-days", "x"}, "参数 -warn-days 的值 \"x\" 有误：应为 0–60 的工作日数"},
		{[]string{"serve", "--addr"}, "参数缺少取值：-addr"},
		{[]string{"seed", "nothing"}, "用法：zwfw seed demo"},
	} {
		_, errOut, err := zwfwRun(c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) || errOut != "" {
			t.Errorf("%v: %v, want %q (printed %q)", c.args, err, c.want, errOut)
		}
	}
	if _, errOut, err := zwfwRun("serve", "-h"); !errors.Is(err, flag.ErrHelp) || !strings.Contains(errOut, "用法：zwfw serve") || !strings.Contains(errOut, "监听地址") {
		t.Errorf("serve -h: %v\n%s", err, errOut)
	}
}

// TestVersion: `zwfw version` prints the version, commit and build date
// stamped in by scripts/release.sh, whose -X flags name exactly those
// variables and which builds with -trimpath.
func TestVersion(t *testing.T) {
	defer func(v, c, d string) { app.Version, app.Commit, app.BuildDate = v, c, d }(app.Version, app.Commit, app.BuildDate)
	app.Version, app.Commit, app.BuildDate = "v1.2.0-3-gabc1234", "abc1234def5678", "2026-12-06T08:00:00Z"
	out, _, err := zwfwRun("version")
	for _, want := range []string{"zwfw v1.2.0-3-gabc1234\n", "提交：abc1234def5678\n", "构建时间：2026-12-06T08:00:00Z\n", "Go："} {
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("version: %v, want %q in\n%s", err, want, out)
		}
	}
	script, err := os.ReadFile("../../scripts/release.sh")
	if err != nil {
		t.Fatal(err)
	}
	var stamped []string
	for _, m := range regexp.MustCompile(`-X \$pkg\.(\w+)=`).FindAllStringSubmatch(string(script), -1) {
		stamped = append(stamped, m[1])
	}
	if !slices.Equal(stamped, []string{"Version", "Commit", "BuildDate"}) || !strings.Contains(string(script), "pkg=zwfw/internal/app\n") ||
		!strings.Contains(string(script), "-trimpath") || !strings.Contains(string(script), "git describe --tags --always --dirty") {
		t.Errorf("scripts/release.sh stamps %v", stamped)
	}
}

// TestReleaseBuild runs scripts/release.sh and the binary it builds. A
// build with -trimpath compiles everything again (minutes on a busy
// machine): it runs when ZWFW_TEST_RELEASE=1.
func TestReleaseBuild(t *testing.T) {
	if os.Getenv("ZWFW_TEST_RELEASE") != "1" {
		t.Skip("set ZWFW_TEST_RELEASE=1 to build a release binary")
	}
	bin := filepath.Join(t.TempDir(), "zwfw")
	cmd := exec.Command("../../scripts/release.sh", bin)
	cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1796540400")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("release.sh: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	describe, _ := exec.Command("git", "describe", "--tags", "--always", "--dirty").Output()
	commit, _ := exec.Command("git", "rev-parse", "HEAD").Output()
	for _, want := range []string{"zwfw " + strings.TrimSpace(string(describe)) + "\n", "提交：" + strings.TrimSpace(string(commit)), "构建时间：2026-12-06T07:00:00Z"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the release binary says\n%s\nwant %q in it", out, want)
		}
	}
}
