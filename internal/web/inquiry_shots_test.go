package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zwfw/internal/app/apptest"
	"zwfw/internal/catalog"
	"zwfw/internal/inquiry"
)

// TestInquiryScreenshots walks the first-inquiry register, the online
// question and the experiences in headless Chromium and saves a full-page
// screenshot of each page into $ZWFW_INQUIRY_SHOTS (skipped when unset:
// it is for looking, not asserting) — the staff pages at 1366 px, the
// public ones at 1366 px and on a phone (390 px).
func TestInquiryScreenshots(t *testing.T) {
	dir := os.Getenv("ZWFW_INQUIRY_SHOTS")
	if dir == "" {
		t.Skip("set ZWFW_INQUIRY_SHOTS to a directory to take screenshots of the register")
	}
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	e := apptest.Start(t, "sqlite")
	ctx := context.Background()
	s := e.App.Inquiries
	win, rev := e.Actor(t, "county.window"), e.Actor(t, "county.reviewer")
	const food = "010100100000"
	mk := func(a *inquiry.Input) int64 {
		q, err := s.Create(ctx, win, *a)
		if err != nil {
			t.Fatal(err)
		}
		return q.ID
	}
	answered := mk(&inquiry.Input{Channel: inquiry.Visit, AskerName: "陈志强", AskerPhone: "13991560088", Question: "食品经营许可证多久能办下来？", Item: food,
		Answer: "承诺 10 个工作日内办结；材料齐全的当场受理。", StartedAt: e.Clock.Now().Add(-4 * time.Minute)})
	mk(&inquiry.Input{Channel: inquiry.Phone, Question: "食品经营许可证多久能办下来", Item: food, Answer: "承诺 10 个工作日内办结。", Minutes: 3})
	referred := mk(&inquiry.Input{Channel: inquiry.Visit, AskerName: "刘梅", Question: "开小超市卖散装食品要办什么证？", Item: food, ReferTo: "610923D01",
		Guidance: inquiry.Guidance(mustItem(t, e, food)), StartedAt: e.Clock.Now().Add(-6 * time.Minute)})
	mk(&inquiry.Input{Channel: inquiry.Letter, AskerName: "张建军", Question: "申请低保需要哪些材料？", ReferTo: "610923CW04", Guidance: "请到县政务服务中心四号窗口（社会事务窗口），带户口簿、身份证和收入证明", Minutes: 15})
	tk, err := s.Ask(ctx, inquiry.AskInput{Item: food, AskerName: "王小明", Question: "网上申请后还要去窗口交纸质材料吗？"}, "10.0.0.8")
	if err != nil {
		t.Fatal(err)
	}
	answeredOnline, err := s.Ask(ctx, inquiry.AskInput{Question: "县政务服务中心周六上班吗？"}, "10.0.0.8")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Answer(ctx, e.Actor(t, "county.hall"), answeredOnline.ID, "周六不办公；周一至周五 8:30–12:00、14:00–17:30。可在网上办事大厅预约办理。"); err != nil {
		t.Fatal(err)
	}
	wang := e.Actor(t, "resident.wang")
	x, err := s.Share(ctx, wang, food, "第一次去窗口，工作人员一次性告知了全部材料，第二天就拿到了许可证，很方便。")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Moderate(ctx, rev, x.ID, inquiry.ExpApprove, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Share(ctx, e.Actor(t, "enterprise.qinling"), food, "网上提交后预审很快，建议把现场核查的时间也发短信通知。"); err != nil {
		t.Fatal(err)
	}

	type shot struct {
		name, path string
		then       []chromedp.Action[chromedp.Void]
	}
	shoot := func(user string, w, h int, shots ...shot) {
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU,
			chromedp.NoFirstRun, chromedp.Flag("lang", "zh-CN"), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(w, h))
		actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
		defer cancelA()
		cctx, cancel := chromedp.NewContext(actx)
		defer cancel()
		cctx, cancelT := context.WithTimeout(cctx, 2*time.Minute)
		defer cancelT()
		if user != "" {
			err := chromedp.Do(cctx, chromedp.Navigate(e.URL+"/login"),
				chromedp.SendKeys(chromedp.CSS("#f-username"), user),
				chromedp.SendKeys(chromedp.CSS("#f-password"), apptest.DemoPassword),
				chromedp.Submit(chromedp.CSS("#f-username")), chromedp.Sleep(500*time.Millisecond))
			if err != nil {
				t.Fatalf("login %s: %v", user, err)
			}
		}
		for _, sh := range shots {
			if err := chromedp.Do(cctx, append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(e.URL + sh.path)}, sh.then...)...); err != nil {
				t.Fatalf("%s: %v", sh.path, err)
			}
			shot := chromedp.FullScreenshot(100)
			if strings.Contains(sh.path, "#") { // the section in view (the guide is long)
				shot = chromedp.CaptureScreenshot()
			}
			buf, err := chromedp.Run(cctx, shot)
			if err != nil {
				t.Fatalf("%s: %v", sh.path, err)
			}
			f := filepath.Join(dir, sh.name+".png")
			if err := os.WriteFile(f, buf, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s → %s", sh.path, f)
		}
	}
	id := func(n int64) string { return fmt.Sprint(n) }
	shoot("county.window", 1366, 768,
		shot{"inquiry-list-window", "/inquiries", nil},
		shot{"inquiry-new", "/inquiries/new?item=" + food, nil},
		shot{"inquiry-referred-window", "/inquiries/" + id(referred), nil})
	shoot("county.reviewer", 1366, 768,
		shot{"inquiry-list-reviewer", "/inquiries", nil},
		shot{"inquiry-acknowledge", "/inquiries/" + id(referred), nil},
		shot{"inquiry-online-answer", "/inquiries/" + id(tk.ID), nil},
		shot{"experiences-queue", "/experiences", nil})
	shoot("county.catalog", 1366, 768, shot{"inquiry-faq", "/inquiries/" + id(answered), nil})
	shoot("county.supervisor", 1366, 768, shot{"inquiry-list-supervisor", "/inquiries", nil})
	shoot("", 1366, 768,
		shot{"question-form", "/questions", nil},
		shot{"question-answer", fmt.Sprintf("/questions/%d?code=%s", answeredOnline.ID, answeredOnline.QueryCode), nil},
		shot{"question-wrong-code", fmt.Sprintf("/questions/%d?code=000001", answeredOnline.ID), nil},
		shot{"guide-ask-experiences", "/items/" + food + "#ask", nil})
	shoot("", 390, 844,
		shot{"question-ticket-phone", "/questions?item=" + food, []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.CSS("#f-question"), "食品经营许可可以邮寄吗？"),
			chromedp.Submit(chromedp.CSS("#f-question")), chromedp.Sleep(500 * time.Millisecond)}},
		shot{"question-form-phone", "/questions?item=" + food, nil},
		shot{"question-answer-phone", fmt.Sprintf("/questions/%d?code=%s", answeredOnline.ID, answeredOnline.QueryCode), nil})
	shoot("resident.wang", 1366, 768, shot{"guide-share-signed-in", "/items/" + food + "#experiences", nil})
}

func mustItem(t *testing.T, e *apptest.Env, code string) *catalog.Item {
	t.Helper()
	it, err := e.App.Catalog.Get(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return it
}
