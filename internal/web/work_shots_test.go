package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
)

// TestWorkScreenshots walks the workbench in headless Chromium at the hall
// PC's 1366 px and saves a full-page screenshot of each page into
// $ZWFW_WORK_SHOTS (skipped when unset: it is for looking, not asserting).
func TestWorkScreenshots(t *testing.T) {
	dir := os.Getenv("ZWFW_WORK_SHOTS")
	if dir == "" {
		t.Skip("set ZWFW_WORK_SHOTS to a directory to take screenshots of the workbench")
	}
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	e := apptest.Start(t, "sqlite")
	submitted := workDemoCase(t, e, wkFood, casework.Submitted, wkCounty)
	joint := workDemoCase(t, e, "050200400000", casework.InProgress, wkCounty)
	paying := workDemoCase(t, e, wkIDCard, casework.AwaitingPayment, wkCounty)
	done := workDemoCase(t, e, wkSoleTrader, casework.Completed, wkCounty)
	suspended := workDemoCase(t, e, "010200600000", casework.Suspended, wkCounty)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.Flag("lang", "zh-CN"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1366, 768))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()

	type shot struct {
		name, path string
		then       []chromedp.Action[chromedp.Void] // clicks and typing before the picture
	}
	shoot := func(user string, shots ...shot) {
		ctx, cancel := chromedp.NewContext(actx)
		defer cancel()
		ctx, cancelT := context.WithTimeout(ctx, 2*time.Minute)
		defer cancelT()
		// Confirmations (不予受理, 归档) are answered 确定.
		dialogs := chromedp.Events(ctx, cdppage.JavascriptDialogOpening)
		go func() {
			for _, err := range dialogs {
				if err != nil {
					return
				}
				_, _ = chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: true})
			}
		}()
		err := chromedp.Do(ctx, chromedp.Navigate(e.URL+"/login"),
			chromedp.SendKeys(chromedp.CSS("#f-username"), user),
			chromedp.SendKeys(chromedp.CSS("#f-password"), apptest.DemoPassword),
			chromedp.Submit(chromedp.CSS("#f-username")), chromedp.Sleep(500*time.Millisecond))
		if err != nil {
			t.Fatalf("login %s: %v", user, err)
		}
		for _, s := range shots {
			if err := chromedp.Do(ctx, append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(e.URL + s.path)}, s.then...)...); err != nil {
				t.Fatalf("%s: %v", s.path, err)
			}
			buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("%s: %v", s.path, err)
			}
			f := filepath.Join(dir, s.name+".png")
			if err := os.WriteFile(f, buf, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s → %s", s.path, f)
		}
	}
	rejectForm := `form[action$="/actions/reject"]`
	shoot("county.window",
		shot{"window-home", "/work", nil},
		shot{"window-case-submitted", "/work/cases/" + submitted, nil},
		shot{"window-case-onetime-open", "/work/cases/" + submitted, []chromedp.Action[chromedp.Void]{
			chromedp.Click(chromedp.CSS(`details:has(#wa-ns-lines) > summary`))}},
		shot{"window-case-reject-refused", "/work/cases/" + submitted, []chromedp.Action[chromedp.Void]{
			chromedp.Click(chromedp.CSS(`details:has(#wa-reject-basis) > summary`)),
			chromedp.SendKeys(chromedp.CSS("#wa-reject-opinion"), "申请人不具备食品经营主体资格"),
			chromedp.Click(chromedp.CSS(rejectForm + " button")), chromedp.Sleep(500 * time.Millisecond)}},
		shot{"window-case-completed", "/work/cases/" + done, nil},
		shot{"window-new-pick", "/work/new", nil},
		shot{"window-new-form", "/work/new?item=" + wkFood, nil},
		shot{"window-new-badid", "/work/new?item=" + wkFood, []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.CSS("#wn-ident"), "610923198503120026"),
			chromedp.SendKeys(chromedp.CSS("#wn-name"), "宁陕县好味道小吃店"),
			chromedp.SendKeys(chromedp.CSS("#wn-phone"), "13991560000"),
			chromedp.Click(chromedp.CSS(`button[value="accept"]`)), chromedp.Sleep(500 * time.Millisecond)}},
		shot{"window-evaluate", "/work/cases/" + done + "/evaluate", nil},
		shot{"window-all", "/work?view=all", nil})
	accepted := workDemoCase(t, e, wkFood, casework.Accepted, wkCounty)
	colleague := func(ctx context.Context, _ *chromedp.Target) error {
		u, err := e.App.Users.ByUsername(ctx, "county.reviewer")
		if err != nil {
			return err
		}
		_, err = e.App.Cases.Act(ctx, u.Actor(), accepted, casework.ActReview, casework.ActionInput{Opinion: "同事已审查：材料符合要求"})
		return err
	}
	shoot("county.reviewer", shot{"reviewer-home", "/work", nil},
		shot{"reviewer-stale", "/work/cases/" + accepted, []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.CSS("#wa-review-opinion"), "我的审查意见"), chromedp.Func(colleague),
			chromedp.Click(chromedp.CSS(`form[action$="/actions/review"] button`)), chromedp.Sleep(500 * time.Millisecond)}})
	shoot("minzheng.reviewer", shot{"reviewer-joint-lead", "/work/cases/" + joint, nil}, shot{"reviewer-suspended", "/work/cases/" + suspended, nil})
	shoot("canlian.reviewer", shot{"reviewer-joint-co", "/work/cases/" + joint, nil})
	shoot("county.cashier", shot{"cashier-home", "/work", nil}, shot{"cashier-case", "/work/cases/" + paying, nil})
	if _, err := e.App.Warnings.Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	shoot("county.supervisor", shot{"supervisor-home", "/work", nil}, shot{"supervisor-case", "/work/cases/" + suspended, nil},
		shot{"supervisor-warnings", "/supervision/warnings", nil})
}
