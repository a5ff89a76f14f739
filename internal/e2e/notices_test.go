package e2e_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/testclock"
)

// TestOutcomePanelAndNotices shows what resident.wang and the public see
// of finished cases (issue 12 items 6 and 8): the outcome panel of an
// archived case on 我的办件 and on the public progress page, at desktop
// width and at 390 px, never 进行中; and each notice — 受理, 一次性告知,
// 不予受理 (with the 复议机关 and the court), 缴款通知书, 缴费凭证, the 办结
// notice and the 不予批准 one — numbered with the centre's 机关代字.
func TestOutcomePanelAndNotices(t *testing.T) {
	ctx := browser(t)
	clk := testclock.RunningAt(time.Date(2026, 11, 26, 10, 0, 0, 0, db.Zone))
	e := apptest.Start(t, "sqlite", apptest.Options{Now: clk.Now})
	base := e.URL
	const job = "200300200000" // 就业创业证申领: no fee
	archived := e.Case(t, "resident.wang", job, chengguanC, casework.Archived)
	rejected := e.Case(t, "resident.wang", job, chengguanC, casework.Rejected)
	onetime := e.Case(t, "resident.wang", job, chengguanC, casework.SupplementRequired)
	fee := e.Case(t, "resident.wang", idCard, chengguanC, casework.AwaitingPayment)
	denied := e.Case(t, "resident.wang", job, chengguanC, casework.Denied)
	bg := context.Background()
	if _, err := e.App.Cases.Act(bg, zwfw.System, denied, casework.ActComplete, casework.ActionInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Cases.DemoPay(bg, e.Actor(t, "resident.wang"), fee); err != nil {
		t.Fatal(err)
	}
	get := func(serial string) *casework.Case {
		c, err := e.App.Cases.Get(bg, zwfw.System, serial)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	noticeOf := func(serial, kind string) string {
		for _, n := range get(serial).Notices {
			if n.Kind == kind {
				return "/notices/" + serial + "/" + strconv.FormatInt(n.ID, 10)
			}
		}
		t.Fatalf("%s has no %s", serial, kind)
		return ""
	}

	signIn(t, ctx, base, "resident.wang", apptest.DemoPassword)
	for _, w := range []struct {
		name   string
		width  int64
		height int64
		care   bool
	}{{"desktop", 1366, 900, false}, {"390", 390, 844, false}, {"390-care", 390, 844, true}} {
		setCare(t, ctx, base, w.care)
		do(t, ctx, "viewport", chromedp.EmulateViewport(w.width, w.height))
		do(t, ctx, "my case", chromedp.Navigate(base+"/my/cases/"+archived), chromedp.WaitVisible(chromedp.CSS(`.outcome`)))
		mustContain(t, ctx, "my case", "已办结 · 已领取", "受理 ✓", "决定：准予", "送达 ✓")
		if body := text(t, ctx); strings.Contains(body, "进行中") || strings.Contains(body, "归档") {
			t.Fatalf("my case (%s) shows 进行中 or 归档", w.name)
		}
		shot(t, ctx, "outcome-my-case-"+w.name)
		// The case page has an outcome panel too: wait for the new page.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.axeOld = true`)); err != nil {
			t.Fatal(err)
		}
		do(t, ctx, "public progress", chromedp.Click(chromedp.CSS(`form[action="/progress"] button`)))
		waitNewPage(t, ctx)
		do(t, ctx, "public progress", chromedp.WaitVisible(chromedp.CSS(`.outcome`)))
		mustContain(t, ctx, "public progress", "已办结 · 已领取", "王**")
		if body := text(t, ctx); strings.Contains(body, "进行中") || strings.Contains(body, "归档") {
			t.Fatalf("the public progress (%s) shows 进行中 or 归档", w.name)
		}
		if loc := location(t, ctx); strings.Contains(loc, "code=") {
			t.Fatalf("the public progress address carries the code: %s", loc)
		}
		shot(t, ctx, "outcome-progress-"+w.name)
		do(t, ctx, "refused case", chromedp.Navigate(base+"/my/cases/"+rejected), chromedp.WaitVisible(chromedp.CSS(`.outcome`)))
		mustContain(t, ctx, "refused", "不予受理", "宁陕县人民政府申请行政复议")
		shot(t, ctx, "outcome-rejected-"+w.name)
	}
	do(t, ctx, "viewport", chromedp.EmulateViewport(1366, 900))
	for _, n := range []struct{ name, path, want string }{
		{"acceptance", noticeOf(archived, casework.NoticeAcceptance), "宁城便受字〔2026〕第"},
		{"one-time", noticeOf(onetime, casework.NoticeOneTime), "宁城便告字〔2026〕第"},
		{"rejection", noticeOf(rejected, casework.NoticeRejection), "六十日内向宁陕县人民政府申请行政复议"},
		{"payment", noticeOf(fee, casework.NoticePayment), "宁城便缴字〔2026〕第"},
		{"receipt", noticeOf(fee, casework.NoticeReceipt), "财政票据（陕西省非税收入一般缴款书）由代收银行出具"},
		{"result", noticeOf(archived, casework.NoticeResult), "宁城便结字〔2026〕第"},
		{"denial", noticeOf(denied, casework.NoticeResult), "六个月内向宁陕县人民法院提起行政诉讼"},
		{"denial reason", noticeOf(denied, casework.NoticeResult), "不予批准的理由：不符合法定条件"},
	} {
		do(t, ctx, n.name, chromedp.Navigate(base+n.path), chromedp.WaitVisible(chromedp.CSS(`.notice-sheet`)))
		// The sealed PDF beside 打印 (issue 13 item 4).
		mustContain(t, ctx, n.name, n.want, "下载电子文书（PDF，带电子签章）")
		if strings.Contains(text(t, ctx), "code=") {
			t.Fatalf("the %s notice prints the code in an address", n.name)
		}
		shot(t, ctx, "notice-"+n.name)
	}
	// On a phone and in 关怀版 the applicant reads the same notices: nothing
	// spills sideways.
	setCare(t, ctx, base, true)
	do(t, ctx, "viewport", chromedp.EmulateViewport(390, 844))
	for _, n := range []struct{ name, path string }{
		{"rejection", noticeOf(rejected, casework.NoticeRejection)},
		{"payment", noticeOf(fee, casework.NoticePayment)},
		{"result", noticeOf(archived, casework.NoticeResult)},
	} {
		do(t, ctx, n.name, chromedp.Navigate(base+n.path), chromedp.WaitVisible(chromedp.CSS(`.notice-sheet`)))
		if w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || w > 390 {
			t.Errorf("the %s notice at 390 px in 关怀版 is %d px wide (%v)", n.name, w, err)
		}
		shot(t, ctx, "notice-"+n.name+"-390-care")
	}
	setCare(t, ctx, base, false)
	do(t, ctx, "viewport", chromedp.EmulateViewport(1366, 900))
}
