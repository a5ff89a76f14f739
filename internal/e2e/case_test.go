package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"zwfw"

	"github.com/chromedp/chromedp"

	"zwfw/internal/account"
	"zwfw/internal/app/apptest"
	"zwfw/internal/db"
	"zwfw/internal/testclock"
)

// The case the walk files: 居民身份证申领、换领、补领, a 承诺件 that the
// county's towns accept too, with a 工本费 — so the walk passes the window,
// the police department's reviewer and the town's cashier before the window
// completes it.
const (
	idCard     = "071500100000"
	chengguanC = "610923100C" // 城关镇便民服务中心
)

// TestOnlineApplicationToCompletion walks one online application from the
// applicant's side to completion on the staff side: resident.wang applies
// at 城关镇 with an upload, saves a draft and submits; the town's window
// accepts it and prints the 受理通知书; the police department's reviewer
// reviews it and, the item naming another post for the decision, its
// deputy director approves it; the town's cashier confirms the fee; the window
// completes it; the applicant sees 已办结 and rates it 非常满意; anyone
// can look its progress up without signing in, the name masked.
func TestOnlineApplicationToCompletion(t *testing.T) {
	ctx := browser(t)
	// The county's clock stands on a Thursday morning and runs on from
	// there, so deadlines and serials do not depend on the day the test runs.
	clk := testclock.RunningAt(time.Date(2026, 11, 26, 10, 0, 0, 0, db.Zone))
	e := apptest.Start(t, "sqlite", apptest.Options{Now: clk.Now})
	base := e.URL
	pdf := filepath.Join(t.TempDir(), "身份证申领登记表.pdf")
	if err := os.WriteFile(pdf, tinyPDF("ID card application form, signed"), 0o644); err != nil {
		t.Fatal(err)
	}

	// 1. The applicant applies online.
	signIn(t, ctx, base, "resident.wang", apptest.DemoPassword)
	do(t, ctx, "open the guide", chromedp.Navigate(base+"/items/"+idCard),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/apply/`+idCard+`"]`)))
	mustContain(t, ctx, "guide", "居民身份证申领、换领、补领", "承诺件", "申请材料", "在线办理")
	do(t, ctx, "start the online application", chromedp.Click(chromedp.CSS(`a[href="/apply/`+idCard+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-agree`)))
	mustContain(t, ctx, "apply form", "在线办理：居民身份证申领、换领、补领", "阅读须知", "填写信息", "上传材料",
		"王秀兰", "居民身份证工本费", "保存草稿", "提交申请")
	do(t, ctx, "fill in the form",
		chromedp.SetValue(chromedp.CSS(`#f-org_code`), chengguanC),
		chromedp.SendKeys(chromedp.CSS(`#f-description`), "居民身份证有效期满换领"),
		chromedp.SendKeys(chromedp.CSS(`#f-address`), "宁陕县城关镇西关社区南街8号"),
		chromedp.SendKeys(chromedp.CSS(`#f-quantity`), "1"),
		// The online 申请表 (name, ID number and phone prefilled from the
		// account); the signed paper one is uploaded as well.
		chromedp.SetValue(chromedp.CSS(`#f-d-f2`), "女"),
		chromedp.SendKeys(chromedp.CSS(`#f-d-f3`), "汉族"),
		chromedp.SetValue(chromedp.CSS(`#f-d-f4`), "1985-03-12"),
		chromedp.SendKeys(chromedp.CSS(`#f-d-f6`), "陕西省宁陕县城关镇西关社区南街8号"),
		chromedp.SendKeys(chromedp.CSS(`#f-d-f7`), "有效期满换领"),
		chromedp.SendKeys(chromedp.CSS(`#f-d-f8`), "窗口领取"),
		chromedp.SetUploadFiles(chromedp.CSS(`#f-m-0-file`), []string{pdf}, chromedp.NodeReady),
		chromedp.Click(chromedp.CSS(`#f-m-1-how-window`)),
	)
	toBottom(t, ctx) // the sticky 保存草稿 bar rests below the form
	shot(t, ctx, "10-apply-form")

	do(t, ctx, "save a draft", chromedp.Click(chromedp.CSS(`button[name="op"][value="draft"]`)))
	waitText(t, ctx, "草稿已保存")
	if s := text1(t, ctx, `#f-m-0 .kept`); !strings.Contains(s, "身份证申领登记表.pdf") {
		t.Fatalf("the draft shows the upload as %q", s)
	}
	mustContain(t, ctx, "draft", "草稿")
	if v := value(t, ctx, `#f-description`); v != "居民身份证有效期满换领" {
		t.Fatalf("the draft lost the description: %q", v)
	}
	if loc := location(t, ctx); !strings.Contains(loc, "/apply/"+idCard+"?draft=") {
		t.Fatalf("after saving a draft the browser is at %s, not the draft", loc)
	}
	if v := value(t, ctx, `#f-org_code`); v != chengguanC {
		t.Fatalf("the draft lost the place of application: %q", v)
	}
	if !checked(t, ctx, `#f-m-1-how-window`) {
		t.Fatal("the draft lost 到窗口递交 of 居民户口簿")
	}
	toBottom(t, ctx)
	shot(t, ctx, "11-apply-draft-saved")

	if !checked(t, ctx, `#f-agree`) {
		do(t, ctx, "agree", chromedp.Click(chromedp.CSS(`#f-agree`)))
	}
	do(t, ctx, "submit", chromedp.Click(chromedp.CSS(`button[name="op"][value="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#h-done`)))
	mustContain(t, ctx, "apply done", "申请已提交", "居民身份证申领、换领、补领", "城关镇便民服务中心", "办件编号", "查询码",
		"请携带以下材料到窗口递交：居民户口簿")
	keys := texts(t, ctx, `.done .keys b.mono`)
	if len(keys) != 2 {
		t.Fatalf("apply done shows %d keys, want the serial and the query code", len(keys))
	}
	serial, code := keys[0], keys[1]
	if !regexp.MustCompile(`^610923100-20261126-\d{5}$`).MatchString(serial) || code == "" {
		t.Fatalf("serial %q, query code %q: not a 城关镇 serial", serial, code)
	}
	shot(t, ctx, "12-apply-done")

	// 2. 我的办件: the case waits for pre-review.
	do(t, ctx, "我的办件", chromedp.Click(chromedp.CSS(`.done a[href="/my"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/my/cases/`+serial+`"]`)))
	row := rowText(t, ctx, `table.my-cases tr`, serial)
	for _, w := range []string{"居民身份证申领、换领、补领", "待受理", "受理后确定"} {
		if !strings.Contains(row, w) {
			t.Fatalf("我的办件: the row of %s does not show %q: %s", serial, w, row)
		}
	}
	mustContain(t, ctx, "我的办件", "没有草稿。")
	shot(t, ctx, "13-my-cases")
	do(t, ctx, "open my case", chromedp.Click(chromedp.CSS(`table.my-cases a[href="/my/cases/`+serial+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`ol.timeline`)))
	mustContain(t, ctx, "my case", "待受理", "办理进度", "身份证申领登记表.pdf", "网上上传", "窗口递交", "受理后，受理通知书等文书会在这里")
	timeline := text1(t, ctx, `ol.timeline`)
	if !strings.Contains(timeline, "进行中") {
		t.Fatalf("the timeline shows no step in progress: %s", timeline)
	}
	shot(t, ctx, "14-my-case-timeline")

	// 3. The town's window accepts it and prints the 受理通知书.
	signOut(t, ctx)
	signIn(t, ctx, base, "chengguan.window", apptest.DemoPassword)
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/work") {
		t.Fatalf("chengguan.window landed on %s, not the workbench", loc)
	}
	mustContain(t, ctx, "workbench", "办件工作台", "杨春梅", "网上预审")
	row = rowText(t, ctx, `#q-prereview tr`, serial)
	for _, w := range []string{"居民身份证申领、换领、补领", "王秀兰", "承诺件", "网上申请", "待受理", "预审：受理"} {
		if !strings.Contains(row, w) {
			t.Fatalf("网上预审: the row of %s does not show %q: %s", serial, w, row)
		}
	}
	shot(t, ctx, "15-work-prereview")
	do(t, ctx, "open the case", chromedp.Click(chromedp.CSS(`#q-prereview a.wk-serial[href="/work/cases/`+serial+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/actions/accept"]`)))
	mustContain(t, ctx, "case to accept", serial, "待受理", "王秀兰", "610***********0025", "身份证申领登记表.pdf", "已上传", "窗口收取", "居民身份证有效期满换领")
	do(t, ctx, "accept", chromedp.SetValue(chromedp.CSS(`#wa-accept-opinion`), "材料齐全，予以受理"),
		chromedp.Click(chromedp.CSS(`form[action$="/actions/accept"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.wk-notice-new`)))
	mustContain(t, ctx, "accepted", "已受理，办结期限 2026-12-17", "已出具受理通知书", "打印受理通知书", "剩余 15 个工作日")
	shot(t, ctx, "16-work-accepted")
	do(t, ctx, "open the notice", chromedp.Click(chromedp.CSS(`.wk-notice-new a.btn`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice-sheet`)))
	mustContain(t, ctx, "受理通知书", "城关镇便民服务中心", "受理通知书", "王秀兰", serial, "居民身份证申领、换领、补领",
		"办结期限：2026年12月17日", "扫码查询办理进度", code, "（盖章）")
	waitImage(t, ctx, `.n-qr img`)
	shot(t, ctx, "17-notice-accepted")

	// The police department's reviewer reviews it; the item names another
	// post (分管副局长) for the decision, who approves it.
	active := true
	if _, err := e.App.Users.CreateStaff(context.Background(), zwfw.System, account.UserInput{Username: "gongan.leader",
		Password: apptest.DemoPassword, Name: "袁志勇", Phone: "13800000000", Roles: []string{zwfw.RoleReviewer},
		OrgCode: "610923D15", Post: "公安局分管副局长", Active: &active}); err != nil {
		t.Fatal(err)
	}
	signOut(t, ctx)
	signIn(t, ctx, base, "gongan.reviewer", apptest.DemoPassword)
	mustContain(t, ctx, "reviewer's workbench", "办件工作台", "黄志明", "待审查 · 决定")
	row = rowText(t, ctx, `#q-inbox tr`, serial)
	for _, w := range []string{"居民身份证申领、换领、补领", "已受理", "审查", "剩余 15 个工作日"} {
		if !strings.Contains(row, w) {
			t.Fatalf("待审查 · 决定: the row of %s does not show %q: %s", serial, w, row)
		}
	}
	shot(t, ctx, "18-review-inbox")
	do(t, ctx, "open the case", chromedp.Click(chromedp.CSS(`#q-inbox a.wk-serial[href="/work/cases/`+serial+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#wa-review-opinion`)),
		chromedp.SendKeys(chromedp.CSS(`#wa-review-opinion`), "经核验，申请人身份信息与户籍登记一致，同意换领"),
		chromedp.Click(chromedp.CSS(`form[action$="/actions/review"] button[type="submit"]`)))
	waitText(t, ctx, "已完成“审查”")
	mustContain(t, ctx, "reviewed", "办理中", "经核验，申请人身份信息与户籍登记一致，同意换领", "您已审查本件，不能再作出决定")
	if len(texts(t, ctx, `#wa-decide-opinion`)) != 0 {
		t.Fatal("the reviewer is offered the decision after reviewing the case")
	}
	signOut(t, ctx)
	signIn(t, ctx, base, "gongan.leader", apptest.DemoPassword)
	do(t, ctx, "approve", chromedp.Navigate(base+"/work/cases/"+serial), chromedp.WaitVisible(chromedp.CSS(`#wa-decide-opinion`)),
		chromedp.SendKeys(chromedp.CSS(`#wa-decide-opinion`), "符合换领条件，准予换领"),
		chromedp.Click(chromedp.CSS(`form[action$="/actions/approve"] button.btn-primary`)))
	waitText(t, ctx, "已批准，应缴费用 20.00 元")
	mustContain(t, ctx, "approved", "待缴费", "缴款通知书", "居民身份证工本费", "未缴费")
	shot(t, ctx, "19-review-approved")

	// The town's cashier takes the fee (收缴分离: not the window).
	signOut(t, ctx)
	signIn(t, ctx, base, "chengguan.cashier", apptest.DemoPassword)
	mustContain(t, ctx, "cashier's workbench", "待缴费")
	row = rowText(t, ctx, `#q-payment tr`, serial)
	if !strings.Contains(row, "收款确认") || !strings.Contains(row, "待缴费") {
		t.Fatalf("待缴费: the row of %s: %s", serial, row)
	}
	do(t, ctx, "confirm the payment", chromedp.Click(chromedp.CSS(`#q-payment a.wk-serial[href="/work/cases/`+serial+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#wa-pay-ref`)),
		chromedp.SendKeys(chromedp.CSS(`#wa-pay-ref`), "NSRCB20261127000158"),
		chromedp.Click(chromedp.CSS(`form[action$="/actions/confirm-payment"] button[type="submit"]`)))
	waitText(t, ctx, "已完成“确认缴费”")
	mustContain(t, ctx, "paid", "已批准", "已缴费", "NSRCB20261127000158")
	shot(t, ctx, "20-cashier-paid")

	// The window completes it.
	signOut(t, ctx)
	signIn(t, ctx, base, "chengguan.window", apptest.DemoPassword)
	row = rowText(t, ctx, `#q-finish tr`, serial)
	if !strings.Contains(row, "出具结果 · 办结") {
		t.Fatalf("待办结 · 送达: the row of %s: %s", serial, row)
	}
	do(t, ctx, "complete", chromedp.Click(chromedp.CSS(`#q-finish a.wk-serial[href="/work/cases/`+serial+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/actions/complete"]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/actions/complete"] button[type="submit"]`)))
	waitText(t, ctx, "已办结，出具中华人民共和国居民身份证")
	mustContain(t, ctx, "completed", "已办结", "办结时间", "准予", "中华人民共和国居民身份证", "送达", "请申请人评价")
	if s := text1(t, ctx, `.wk-meta .badge`); s != "已办结" {
		t.Fatalf("the case page's status badge says %q, not 已办结", s)
	}
	steps := text1(t, ctx, `.wk-steps`)
	for _, w := range []string{"杨春梅", "黄志明", "韩丽"} {
		if !strings.Contains(steps, w) {
			t.Fatalf("办理过程 does not name %s: %s", w, steps)
		}
	}
	spaced(t, ctx, `.wk-acts`)
	shot(t, ctx, "21-work-case-completed")
	do(t, ctx, "back to the workbench", chromedp.Click(chromedp.CSS(`.crumbs a[href="/work"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#q-finish`)))
	row = rowText(t, ctx, `#q-finish tr`, serial)
	if !strings.Contains(row, "已办结") || !strings.Contains(row, "送达") {
		t.Fatalf("the workbench's row of %s after completion: %s", serial, row)
	}
	shot(t, ctx, "22-workbench-completed")

	// 4. The applicant sees 已办结 and rates the service.
	signOut(t, ctx)
	signIn(t, ctx, base, "resident.wang", apptest.DemoPassword)
	do(t, ctx, "我的办件", chromedp.Navigate(base+"/my"), chromedp.WaitVisible(chromedp.CSS(`a[href="/my/cases/`+serial+`"]`)))
	row = rowText(t, ctx, `table.my-cases tr`, serial)
	if !strings.Contains(row, "已办结") || !strings.Contains(row, "评价") {
		t.Fatalf("我的办件: the row of %s after completion: %s", serial, row)
	}
	do(t, ctx, "open my case", chromedp.Click(chromedp.CSS(`table.my-cases a[href="/my/cases/`+serial+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#evaluation`)))
	mustContain(t, ctx, "my completed case", "已办结", "办理结果", "中华人民共和国居民身份证", "已缴纳", "受理通知书", "服务评价（好差评）")
	do(t, ctx, "evaluate", chromedp.Click(chromedp.CSS(`#f-level-1`)),
		chromedp.SendKeys(chromedp.CSS(`#f-comment`), "网上申请很方便，窗口一次就办好了，谢谢！"),
		chromedp.Click(chromedp.CSS(`form.eval button[type="submit"]`)))
	waitText(t, ctx, "网上申请很方便，窗口一次就办好了，谢谢！")
	if s := text1(t, ctx, `#evaluation .eval-given`); !strings.Contains(s, "非常满意") {
		t.Fatalf("the evaluation shows %q, not 非常满意", s)
	}
	do(t, ctx, "scroll", chromedp.ScrollIntoView(chromedp.CSS(`#evaluation`)))
	shot(t, ctx, "23-my-case-evaluated")

	// 5. Anyone looks the progress up with the serial and the query code.
	signOut(t, ctx)
	do(t, ctx, "progress lookup", chromedp.Navigate(base+"/progress"), chromedp.WaitVisible(chromedp.CSS(`#f-serial`)),
		chromedp.SendKeys(chromedp.CSS(`#f-serial`), serial),
		chromedp.SendKeys(chromedp.CSS(`#f-code`), code),
		chromedp.Click(chromedp.CSS(`form[action="/progress"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.case-head`)))
	mustContain(t, ctx, "progress", "居民身份证申领、换领、补领", "已办结", serial, "王**", "城关镇便民服务中心", "办理进度", "用手机查看")
	if body := text(t, ctx); strings.Contains(body, "王秀兰") || strings.Contains(body, "610923198503120025") {
		t.Fatal("the public progress page shows the applicant's full name or ID number")
	}
	waitImage(t, ctx, `img.qr`)
	shot(t, ctx, "24-progress-public")
}

// do runs steps, failing the test with what was being done.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// toBottom scrolls to the end of the page.
func toBottom(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.scrollTo(0, document.body.scrollHeight), true`)); err != nil {
		t.Fatal(err)
	}
}

// signOut presses 退出 in the header.
func signOut(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button[type="submit"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`form[action="/logout"]`)))
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func value(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("value of %s: %v", sel, err)
	}
	return v
}

func checked(t *testing.T, ctx context.Context, sel string) bool {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%q).checked`, sel)))
	if err != nil {
		t.Fatalf("checked %s: %v", sel, err)
	}
	return v
}

// text1 is the visible text of the first element matching sel.
func text1(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// texts is the visible text of every element matching sel.
func texts(t *testing.T, ctx context.Context, sel string) []string {
	t.Helper()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(
		`Array.from(document.querySelectorAll(%q), e => e.innerText.trim())`, sel)))
	if err != nil {
		t.Fatalf("texts of %s: %v", sel, err)
	}
	return out
}

// rowText is the text of the row (of the rows matching sel) that names
// serial; the test fails when there is none.
func rowText(t *testing.T, ctx context.Context, sel, serial string) string {
	t.Helper()
	for _, r := range texts(t, ctx, sel) {
		if strings.Contains(r, serial) {
			return r
		}
	}
	t.Fatalf("no row of %s names %s", sel, serial)
	return ""
}

// spaced fails when two choices (radio buttons, check boxes with their
// labels) in the same row under sel touch: "窗口领取◉邮寄" reads as one.
func spaced(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	bad, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(`(() => {
		const out = [];
		for (const box of document.querySelectorAll(%q)) {
			const ls = Array.from(box.querySelectorAll('label.check')).filter(l => l.offsetParent);
			for (let i = 1; i < ls.length; i++) {
				const a = ls[i-1].getBoundingClientRect(), b = ls[i].getBoundingClientRect();
				if (ls[i-1].parentElement === ls[i].parentElement && Math.abs(a.top - b.top) < 4 && b.left - a.right < 6)
					out.push(ls[i-1].innerText.trim() + " | " + ls[i].innerText.trim());
			}
		}
		return out;
	})()`, sel)))
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Fatalf("choices under %s touch each other: %q", sel, bad)
	}
}

// waitImage fails unless the image sel has loaded (a QR code, say).
func waitImage(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(
		`new Promise(r => { const i = document.querySelector(%q); if (!i) return r(false);
		 if (i.complete) return r(i.naturalWidth > 0); i.onload = () => r(i.naturalWidth > 0); i.onerror = () => r(false); })`, sel),
		chromedp.EvalAwaitPromise))
	if err != nil || !ok {
		t.Fatalf("the image %s did not load (%v)", sel, err)
	}
}

// tinyPDF is a one-page PDF 1.4 file with a line of text and a correct
// cross-reference table.
func tinyPDF(line string) []byte {
	stream := "BT /F1 14 Tf 72 770 Td (" + line + ") Tj ET"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
