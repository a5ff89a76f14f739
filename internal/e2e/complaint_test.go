package e2e_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
	"zwfw/internal/complaint"
)

// TestComplaintBoxOnTablet is the 意见箱 of the county centre on the hall's
// tablet, landscape (1024×768) and portrait (768×1024): nothing wider than
// the screen, every choice a large touch target; a submission without its
// content is refused on the page with nothing stored, one with it gives
// the number and the query code above a blank form again. The complaint
// then goes round: the hall manager assigns it, the window answers, and the
// complainant reads the answer with the number and code and rates it once.
// Screenshots of every page go to screenshots/.
func TestComplaintBoxOnTablet(t *testing.T) {
	ctx := browser(t)
	e := apptest.Start(t, "sqlite")
	base := e.URL
	problems := watchConsole(t, ctx)
	count := func() int {
		var n int
		if err := e.App.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM complaints").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	box := base + "/hall/610923C/yijianxiang"
	var number, code string
	for _, vp := range []struct {
		w, h int
		name string
	}{{1024, 768, "landscape"}, {768, 1024, "portrait"}} {
		do(t, ctx, "open the 意见箱 "+vp.name, chromedp.EmulateViewport(int64(vp.w), int64(vp.h)), chromedp.Navigate(box),
			chromedp.WaitVisible(chromedp.CSS(`.yj-submit`)))
		mustContain(t, ctx, "意见箱", "意见箱", "县政务服务中心", "投诉", "建议", "咨询", "表扬", "服务态度", "提交")
		width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if err != nil || width > vp.w {
			t.Errorf("%s: page %d px wide on a %d px screen (%v)", vp.name, width, vp.w, err)
		}
		// Touch targets: every tile and the submit button at least 60 px high.
		small, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(".yj-tile span, .yj-submit, .yj-field input, .yj-field textarea"))
			.filter(e => e.getBoundingClientRect().height < 60).map(e => e.textContent || e.id)`))
		if err != nil || len(small) > 0 {
			t.Errorf("%s: small touch targets %v (%v)", vp.name, small, err)
		}
		shot(t, ctx, "complaint-box-"+vp.name)
	}
	// In portrait: a submission without content is refused, nothing stored.
	before := count()
	do(t, ctx, "submit empty", chromedp.Click(chromedp.CSS(`.yj-kinds .yj-tile:nth-child(1) span`)),
		chromedp.Click(chromedp.CSS(`.yj-submit`)), chromedp.WaitVisible(chromedp.CSS(`.yj-error`)))
	mustContain(t, ctx, "refused", "请选择所涉方面", "请填写具体内容")
	if count() != before {
		t.Fatal("a refused submission was stored")
	}
	shot(t, ctx, "complaint-box-refused")
	do(t, ctx, "fill and submit",
		chromedp.Click(chromedp.CSS(`.yj-cats .yj-tile:nth-child(2) span`)),
		chromedp.SendKeys(chromedp.CSS(`#yj-subject`), "取号后等候太久"),
		chromedp.SendKeys(chromedp.CSS(`#yj-body`), "上午九点取号，十一点还没叫到，希望增开窗口。"),
		chromedp.SendKeys(chromedp.CSS(`#yj-phone`), "13800002222"),
		chromedp.Click(chromedp.CSS(`.yj-submit`)), chromedp.WaitVisible(chromedp.CSS(`#flash .flash-ok`)))
	msg := text1(t, ctx, "#flash")
	m := regexp.MustCompile(`编号 (TS\d+)，查询码 (\d{6})`).FindStringSubmatch(msg)
	if m == nil {
		t.Fatalf("no number and code in %q", msg)
	}
	number, code = m[1], m[2]
	if count() != before+1 {
		t.Fatal("the submission was not stored")
	}
	// A blank form again.
	if v := value(t, ctx, "#yj-subject"); v != "" {
		t.Fatalf("after submitting, the subject still reads %q", v)
	}
	if v := value(t, ctx, "#yj-body"); v != "" {
		t.Fatalf("after submitting, the body still reads %q", v)
	}
	if loc := location(t, ctx); loc != box {
		t.Fatalf("after submitting at %s", loc)
	}
	shot(t, ctx, "complaint-box-submitted")
	c, err := e.App.Complaints.Get(context.Background(), e.Actor(t, "county.hall"), number)
	if err != nil || c.Channel != complaint.ChannelBox || c.Kind != complaint.KindComplaint || c.Category != "efficiency" || c.ContactPhone != "138****2222" {
		t.Fatalf("stored %+v %v", c, err)
	}

	// The staff side, on the hall PC.
	do(t, ctx, "desktop", chromedp.EmulateViewport(1366, 768))
	signIn(t, ctx, base, "county.hall", apptest.DemoPassword)
	do(t, ctx, "list", chromedp.Navigate(base+"/work/complaints"), chromedp.WaitVisible(chromedp.CSS(`#h-stats`)))
	if r := rowText(t, ctx, "table.cards tbody tr", number); !strings.Contains(r, "待分派") {
		t.Fatalf("list row %q", r)
	}
	shot(t, ctx, "complaint-staff-list")
	do(t, ctx, "detail", chromedp.Navigate(base+"/work/complaints/"+number), chromedp.WaitVisible(chromedp.CSS(`#f-unit`)))
	shot(t, ctx, "complaint-staff-detail-received")
	do(t, ctx, "assign", chromedp.SetValue(chromedp.CSS(`#f-unit`), "610923CW01"),
		chromedp.Click(chromedp.CSS(`form[action$="/actions/assign"] button`)), chromedp.WaitVisible(chromedp.CSS(`#flash .flash-ok`)))
	mustContain(t, ctx, "assigned", "已分派", "办理中", "综合受理窗口")
	do(t, ctx, "register form", chromedp.Navigate(base+"/work/complaints/new"), chromedp.WaitVisible(chromedp.CSS(`input[name=channel]`)))
	shot(t, ctx, "complaint-staff-new")
	signOut(t, ctx)
	signIn(t, ctx, base, "county.window", apptest.DemoPassword)
	do(t, ctx, "answer", chromedp.Navigate(base+"/work/complaints/"+number), chromedp.WaitVisible(chromedp.CSS(`#f-answer`)),
		chromedp.SendKeys(chromedp.CSS(`#f-answer`), "已增开综合受理B岗，高峰时段两个窗口同时受理。"),
		chromedp.Click(chromedp.CSS(`form[action$="/actions/answer"] button`)), chromedp.WaitVisible(chromedp.CSS(`#flash .flash-ok`)))
	mustContain(t, ctx, "answered", "已答复", "已增开综合受理B岗")
	shot(t, ctx, "complaint-staff-detail-answered")
	signOut(t, ctx)

	// The complainant reads the answer and rates it, once.
	do(t, ctx, "lookup", chromedp.Navigate(base+"/complaints/lookup"), chromedp.WaitVisible(chromedp.CSS(`#f-number`)))
	shot(t, ctx, "complaint-lookup-form")
	do(t, ctx, "wrong code", chromedp.SendKeys(chromedp.CSS(`#f-number`), number), chromedp.SendKeys(chromedp.CSS(`#f-code`), wrongCode(code)),
		chromedp.Click(chromedp.CSS(`form[action="/complaints/lookup"] button`)), chromedp.WaitVisible(chromedp.CSS(`.alert-error`)))
	mustContain(t, ctx, "wrong code", "没有找到编号为")
	do(t, ctx, "right code", chromedp.SetValue(chromedp.CSS(`#f-number`), number), chromedp.SetValue(chromedp.CSS(`#f-code`), code),
		chromedp.Click(chromedp.CSS(`form[action="/complaints/lookup"] button`)), chromedp.WaitVisible(chromedp.CSS(`[data-answer]`)))
	mustContain(t, ctx, "answer", "已增开综合受理B岗", "对答复满意吗")
	shot(t, ctx, "complaint-lookup-answered")
	do(t, ctx, "rate", chromedp.Click(chromedp.CSS(`input[name=rating][value=satisfied]`)),
		chromedp.Click(chromedp.CSS(`#h-rate ~ .actions button`)), chromedp.WaitVisible(chromedp.CSS(`#flash .flash-ok`)))
	mustContain(t, ctx, "rated", "谢谢您的评价", "已评价")
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("input[name=rating]").length`)); n != 0 {
		t.Fatal("the rating form is offered again after rating")
	}
	// The public form.
	do(t, ctx, "public form", chromedp.Navigate(base+"/complaints/new"), chromedp.WaitVisible(chromedp.CSS(`#f-body`)))
	shot(t, ctx, "complaint-public-form")
	do(t, ctx, "public submit", chromedp.Click(chromedp.CSS(`input[name=kind][value=suggestion]`)),
		chromedp.SetValue(chromedp.CSS(`#f-category`), "environment"), chromedp.SetValue(chromedp.CSS(`#f-org`), "610923C"),
		chromedp.SendKeys(chromedp.CSS(`#f-subject`), "建议增加母婴室"), chromedp.SendKeys(chromedp.CSS(`#f-body`), "大厅没有母婴室，建议在二楼增设。"),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "赵敏"), chromedp.SendKeys(chromedp.CSS(`#f-phone`), "13800003333"),
		chromedp.Click(chromedp.CSS(`form[action="/complaints"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`[data-number]`)))
	mustContain(t, ctx, "receipt", "您的建议已受理", "查询码")
	shot(t, ctx, "complaint-public-done")
	// On a phone (the QR code at the door, the 咨询投诉 link): no sideways scrolling.
	do(t, ctx, "phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/complaints/new"), chromedp.WaitVisible(chromedp.CSS(`#f-body`)))
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || w > 390 {
		t.Errorf("public form %d px wide on a 390 px phone (%v)", w, err)
	}
	shot(t, ctx, "complaint-public-form-phone")
	do(t, ctx, "desktop again", chromedp.EmulateViewport(1366, 768))

	// A complaint about a case is listed on the case's staff page.
	serial := e.Case(t, "resident.wang", "010100300000", "610923C", casework.Accepted)
	rc, err := e.App.Complaints.Submit(context.Background(), e.Actor(t, "resident.wang"), complaint.ChannelOnline, complaint.Input{Kind: complaint.KindComplaint,
		Category: "material", Org: "610923C", Case: serial, Subject: "材料要求前后不一", Body: "两次去窗口被要求的材料不一样。", Name: "王秀兰", Phone: "13991561234"}, "192.0.2.77")
	if err != nil {
		t.Fatal(err)
	}
	signIn(t, ctx, base, "county.window", apptest.DemoPassword)
	do(t, ctx, "case page", chromedp.Navigate(base+"/work/cases/"+serial), chromedp.WaitVisible(chromedp.CSS(`#h-complaints`)))
	if r := rowText(t, ctx, "section[aria-labelledby=h-complaints] li", rc.Number); !strings.Contains(r, "材料要求前后不一") {
		t.Fatalf("case page's complaint %q", r)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("h-complaints").scrollIntoView(), true`)); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "complaint-case-page")

	// Left unassigned past its deadline, the case's complaint is on 预警督办
	// as a red card beside the cases' warnings.
	e.Clock.Add(30 * 24 * time.Hour)
	if _, err := e.App.Warnings.Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	signIn(t, ctx, base, "county.supervisor", apptest.DemoPassword)
	do(t, ctx, "warnings", chromedp.Navigate(base+"/supervision/warnings"), chromedp.WaitVisible(chromedp.CSS(`#sw-dh`)))
	if r := rowText(t, ctx, "section[aria-labelledby=sw-dh] tbody tr", rc.Number); !strings.Contains(r, "投诉") {
		t.Fatalf("warning row %q", r)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("sw-dh").scrollIntoView(), true`)); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "complaint-duty-warning")
	// The refused submission (422) and the wrong code (404) are logged as
	// failed loads; anything else — a CSP violation, a script error — fails.
	for _, p := range problems() {
		if !strings.HasPrefix(p, "network: ") || !(strings.Contains(p, "(Unprocessable Entity)") || strings.Contains(p, "(Not Found)")) {
			t.Errorf("console error: %s", p)
		}
	}
}

func wrongCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}
