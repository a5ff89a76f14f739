package e2e_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/review"
	"zwfw/internal/testclock"
)

// TestBadReviewRectification walks a 差评 in the browser: the applicant
// rates a completed case 非常不满意 on a phone through the SMS link; the
// town's supervisor reviews it and hands it to the window; the window calls
// the applicant back and reports the rectification with a written
// explanation; the applicant gives the follow-up rating through the same
// link; the supervisor spot-checks it; the public summary shows it without
// names. The window's pad carries the on-site indicators at tablet size,
// and an overdue work order shows on 预警督办.
func TestBadReviewRectification(t *testing.T) {
	ctx := browser(t)
	clk := testclock.RunningAt(time.Date(2026, 11, 16, 10, 0, 0, 0, db.Zone)) // a Monday
	e := apptest.Start(t, "sqlite", apptest.Options{Now: clk.Now})
	base := e.URL
	const job, town = "200300200000", "610923100C"
	serial := e.Case(t, "resident.wang", job, town, casework.Completed)
	link := base + e.App.Reviews.RatePath("c", serial, casework.ChannelSMS)

	// 1. The applicant rates on a phone, through the SMS link, without
	// signing in.
	do(t, ctx, "open the rating link on a phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`#rv-level-5`)))
	mustContain(t, ctx, "rating page", "好差评", "非常满意", "非常不满意", "办事效率", "办事指南精确度", serial)
	do(t, ctx, "rate 非常不满意", chromedp.Click(chromedp.CSS(`label[for="rv-level-5"]`)),
		chromedp.Click(chromedp.CSS(`label[for="rv-ind-guide"]`)))
	do(t, ctx, "submit without a reason", chromedp.Click(chromedp.CSS(`.rv-submit`)))
	waitText(t, ctx, "差评请写明不满意的原因")
	do(t, ctx, "write the reason", chromedp.SendKeys(chromedp.CSS(`#rv-comment`), "办事指南没写清楚要带户口本，跑了两趟"))
	shot(t, ctx, "rv-01-rate-phone")
	fits(t, ctx, "rating page (phone)", 390, 100000)
	do(t, ctx, "submit", chromedp.Click(chromedp.CSS(`.rv-submit`)))
	waitText(t, ctx, "感谢您的评价")
	shot(t, ctx, "rv-02-rated-phone")

	// 2. The town's supervisor reviews it and hands it to the window.
	do(t, ctx, "desktop", chromedp.EmulateViewport(1366, 768))
	signIn(t, ctx, base, "chengguan.supervisor", apptest.DemoPassword)
	do(t, ctx, "open the work orders", chromedp.Navigate(base+"/work/rectifications"), chromedp.WaitVisible(chromedp.CSS(`table.cards`)))
	mustContain(t, ctx, "list", "差评整改", "非常不满意", "待审核", "确认有效")
	shot(t, ctx, "rv-03-list")
	do(t, ctx, "open the work order", chromedp.Click(chromedp.CSS(`table.cards tbody a`)), chromedp.WaitVisible(chromedp.CSS(`form[action$="/validate"]`)))
	mustContain(t, ctx, "detail", "跑了两趟", "核销无效差评", "有效性审核")
	shot(t, ctx, "rv-04-detail-review")
	do(t, ctx, "validate", chromedp.Click(chromedp.CSS(`form[action$="/validate"] button`)))
	waitText(t, ctx, "已确认有效")
	do(t, ctx, "assign to the window", chromedp.SetValue(chromedp.CSS(`#a-owner`), "610923100CW01"),
		chromedp.Click(chromedp.CSS(`form[action$="/assign"] button`)))
	waitText(t, ctx, "已指定责任单位")
	signOut(t, ctx)

	// 3. The window calls back and reports the rectification.
	signIn(t, ctx, base, "chengguan.window", apptest.DemoPassword)
	do(t, ctx, "open the work orders", chromedp.Navigate(base+"/work/rectifications?status=callback"), chromedp.WaitVisible(chromedp.CSS(`table.cards`)))
	do(t, ctx, "open the work order", chromedp.Click(chromedp.CSS(`table.cards tbody a`)), chromedp.WaitVisible(chromedp.CSS(`#cb-note`)))
	do(t, ctx, "record the call-back", chromedp.SendKeys(chromedp.CSS(`#cb-note`), "11月16日电话联系申请人本人，反映办事指南未列明户口本"),
		chromedp.Click(chromedp.CSS(`form[action$="/callback"] button`)))
	waitText(t, ctx, "已回访")
	do(t, ctx, "report the result",
		chromedp.SendKeys(chromedp.CSS(`#r-result`), "已在办事指南中补充户口本要求，并对窗口人员进行一次性告知培训"),
		chromedp.Click(chromedp.CSS(`#r-nb`)),
		chromedp.SendKeys(chromedp.CSS(`#r-expl`), "申请人要求不带户口本办理，户口本为法定必要材料，无法免除，特此书面说明。"),
		chromedp.SendKeys(chromedp.CSS(`#r-sum`), "办事指南未列明户口本：已补充指南并培训窗口人员"))
	shot(t, ctx, "rv-05-detail-reply")
	do(t, ctx, "send", chromedp.Click(chromedp.CSS(`form[action$="/reply"] button`)))
	waitText(t, ctx, "已反馈整改结果")
	mustContain(t, ctx, "after the reply", "待追评", "书面解释", "户口本为法定必要材料")

	// The phone call-back entry and the window's rating card.
	do(t, ctx, "call-back entry", chromedp.Navigate(base+"/work/callback-rating"), chromedp.WaitVisible(chromedp.CSS(`#cb-serial`)))
	mustContain(t, ctx, "call-back entry", "电话回访评价录入", "服务效率", "服务态度")
	shot(t, ctx, "rv-06-callback-entry")
	do(t, ctx, "rating card", chromedp.Navigate(base+"/work/rating-card"), chromedp.WaitVisible(chromedp.CSS(`img.qr`)))
	waitImage(t, ctx, `img.qr`)
	mustContain(t, ctx, "rating card", "请对我的服务进行评价")
	shot(t, ctx, "rv-07-rating-card")

	// The pad carries the on-site indicators, at tablet size both ways.
	pad := e.Case(t, "chengguan.window", job, town, casework.Completed)
	for _, size := range []struct {
		w, h int
		name string
	}{{1024, 768, "rv-08-pad-1024x768"}, {768, 1024, "rv-09-pad-768x1024"}} {
		do(t, ctx, "pad "+size.name, chromedp.EmulateViewport(int64(size.w), int64(size.h)), chromedp.Navigate(base+"/work/cases/"+pad+"/evaluate"),
			chromedp.WaitVisible(chromedp.CSS(`#rv-ind-service_attitude`)))
		mustContain(t, ctx, "pad", "服务效率", "服务水平", "服务态度", "非常满意")
		fits(t, ctx, size.name, size.w, 100000)
		shot(t, ctx, size.name)
	}
	do(t, ctx, "pad: tick and rate", chromedp.Click(chromedp.CSS(`label[for="rv-ind-service_level"]`)),
		chromedp.Click(chromedp.CSS(`button.wk-face-2`)))
	waitText(t, ctx, "感谢您的评价")
	do(t, ctx, "desktop", chromedp.EmulateViewport(1366, 768))
	signOut(t, ctx)

	// 4. The applicant's follow-up through the same link.
	do(t, ctx, "phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`#rv-level-2`)))
	mustContain(t, ctx, "follow-up", "整改后追评")
	shot(t, ctx, "rv-10-follow-up-phone")
	do(t, ctx, "follow-up rating", chromedp.Click(chromedp.CSS(`label[for="rv-level-2"]`)), chromedp.Click(chromedp.CSS(`.rv-submit`)))
	waitText(t, ctx, "感谢您的评价")

	// 5. The supervisor spot-checks the closed work order.
	do(t, ctx, "desktop", chromedp.EmulateViewport(1366, 768))
	signIn(t, ctx, base, "chengguan.supervisor", apptest.DemoPassword)
	do(t, ctx, "closed ones", chromedp.Navigate(base+"/work/rectifications?status=closed"), chromedp.WaitVisible(chromedp.CSS(`table.cards`)))
	do(t, ctx, "open it", chromedp.Click(chromedp.CSS(`table.cards tbody a`)), chromedp.WaitVisible(chromedp.CSS(`#s-out`)))
	mustContain(t, ctx, "closed", "已办结", "追评", "满意")
	do(t, ctx, "spot-check", chromedp.SetValue(chromedp.CSS(`#s-out`), "属实"), chromedp.SendKeys(chromedp.CSS(`#s-note`), "申请人确认已整改"),
		chromedp.Click(chromedp.CSS(`form[action$="/spotcheck"] button`)))
	waitText(t, ctx, "已抽查回访")
	shot(t, ctx, "rv-11-detail-closed")

	// 6. The public summary names no one.
	do(t, ctx, "public summary", chromedp.Navigate(base+"/rectification-results?org="+town+"&month=2026-11"), chromedp.WaitVisible(chromedp.CSS(`.rv-figs`)))
	mustContain(t, ctx, "public", "差评整改结果公开", "100.0%", "已补充指南并培训窗口人员")
	if body := text(t, ctx); strings.Contains(body, "王秀兰") || strings.Contains(body, "13991") {
		t.Fatal("the public summary shows the applicant")
	}
	shot(t, ctx, "rv-12-public")

	// 7. An overdue work order is warned on 预警督办.
	late := e.Case(t, "resident.wang", job, town, casework.Completed)
	if _, err := e.App.Reviews.RateCase(context.Background(), e.Actor(t, "resident.wang"), late, "pc",
		review.RateInput{Level: 5, Comment: "窗口人员态度生硬"}); err != nil {
		t.Fatal(err)
	}
	clk.Set(time.Date(2026, 11, 19, 10, 0, 0, 0, db.Zone))
	if _, err := e.App.Warnings.Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	var number string
	if err := e.App.DB.QueryRow(context.Background(), `SELECT r.number FROM rectifications r JOIN cases c ON c.id = r.case_id
		WHERE c.serial = ?`, late).Scan(&number); err != nil {
		t.Fatal(err)
	}
	// Three days on, the session has expired: sign in again.
	signIn(t, ctx, base, "chengguan.supervisor", apptest.DemoPassword)
	do(t, ctx, "warnings", chromedp.Navigate(base+"/supervision/warnings"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	mustContain(t, ctx, "warnings", "差评整改", number)
	shot(t, ctx, "rv-13-warnings")
}
