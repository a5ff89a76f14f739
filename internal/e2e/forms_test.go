package e2e_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zwfw/internal/account/ident"
	"zwfw/internal/app/apptest"
	"zwfw/internal/db"
	"zwfw/internal/testclock"
)

const lowIncome = "050200100000" // 城乡居民最低生活保障（审核确认）: its 申请书 is an online form

// validID completes 17 digits with their GB 11643 check digit.
func validID(first17 string) string { return first17 + string(ident.IDCheckDigit(first17)) }

// TestOnlineFormApplication (issue 12 items 3 and 4): resident.wang applies
// for 低保 with the online 申请书 — nothing to download — on a desktop and a
// 390 px phone; an empty submission shows every problem at once, each
// beside its field; the draft saves itself; a material uploads with a
// progress bar and is replaced; once filled in the case is filed, the
// town's window reads the form's data on the case page and prints the A4
// 申请书 with its signature line.
func TestOnlineFormApplication(t *testing.T) {
	ctx := browser(t)
	clk := testclock.RunningAt(time.Date(2026, 11, 26, 10, 0, 0, 0, db.Zone))
	e := apptest.Start(t, "sqlite", apptest.Options{Now: clk.Now})
	base := e.URL
	dir := t.TempDir()
	scanA, scanB := filepath.Join(dir, "授权书-第一版.pdf"), filepath.Join(dir, "授权书-签字版.pdf")
	for _, f := range []string{scanA, scanB} {
		if err := os.WriteFile(f, tinyPDF("authorisation "+filepath.Base(f)), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	signIn(t, ctx, base, "resident.wang", apptest.DemoPassword)
	do(t, ctx, "open the apply page", chromedp.Navigate(base+"/apply/"+lowIncome), chromedp.WaitVisible(chromedp.CSS(`#s-form`)))
	mustContain(t, ctx, "apply form", "最低生活保障申请书（在线填写）", "由第 2 步在线填写的申请表代替，无需上传")
	if v := value(t, ctx, `#f-d-f1`); v != "王秀兰" {
		t.Fatalf("the name is not prefilled from the account: %q", v)
	}
	if v := value(t, ctx, `#f-d-f2`); v != "610***********0025" {
		t.Fatalf("the ID number is not prefilled masked: %q", v)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('main a[href*="/files/"]').length`)); err != nil || n != 0 {
		t.Errorf("the apply page offers %d downloads (%v)", n, err)
	}
	shot(t, ctx, "forms-01-apply-form")

	// On a phone the whole form fits the width.
	do(t, ctx, "phone", chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#s-form`)))
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || w > 390 {
		t.Errorf("the apply page is %d px wide on a 390 px phone (%v)", w, err)
	}
	shot(t, ctx, "forms-02-apply-form-390")
	do(t, ctx, "desktop", chromedp.EmulateViewport(1366, 900))

	// Submitted empty: every problem at once, beside its field.
	do(t, ctx, "submit empty", chromedp.Click(chromedp.CSS(`button[name="op"][value="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#error-summary`)))
	for _, id := range []string{"f-agree-err", "f-org_code-err", "f-d-f3-err", "f-d-f4-err", "f-d-f5-err", "f-d-f9-err", "f-m-1-err", "f-m-2-err"} {
		if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#`+id+`").length`)); err != nil || n != 1 {
			t.Errorf("no problem shown beside the field (%s)", id)
		}
	}
	problems := texts(t, ctx, `#error-summary li`)
	if len(problems) < 8 {
		t.Errorf("the summary lists %d problems, want all of them at once: %v", len(problems), problems)
	}
	mustContain(t, ctx, "all errors", "请先阅读办事须知", "请选择受理的服务中心", "请填写“户籍地址”", "“共同生活家庭成员”至少填写 1 行",
		"请填写“申请类别”", "请上传“家庭成员居民身份证和户口簿”")
	shot(t, ctx, "forms-03-all-errors")

	// Filled in; the draft saves itself after the changes.
	spouse := validID("61092319800506003")
	do(t, ctx, "fill in the form",
		chromedp.SetValue(chromedp.CSS(`#f-org_code`), chengguanC),
		chromedp.SetValue(chromedp.CSS(`#f-d-f3-division`), "610923100"),
		chromedp.SendKeys(chromedp.CSS(`#f-d-f3-detail`), "东关社区北街18号"),
		chromedp.SetValue(chromedp.CSS(`#f-d-f4-division`), "610923100"),
		chromedp.SendKeys(chromedp.CSS(`#f-d-f4-detail`), "东关社区北街18号"),
		chromedp.SendKeys(chromedp.CSS(`#f-d-f5-0-name`), "王秀兰"),
		chromedp.SendKeys(chromedp.CSS(`#f-d-f5-0-relation`), "本人"),
		chromedp.SendKeys(chromedp.CSS(`#f-d-f5-0-id_number`), "610923198503120025"),
		chromedp.SendKeys(chromedp.CSS(`#f-d-f5-1-name`), "李国平"),
		chromedp.SendKeys(chromedp.CSS(`#f-d-f5-1-relation`), "配偶"),
		chromedp.SendKeys(chromedp.CSS(`#f-d-f5-1-id_number`), spouse),
		chromedp.SendKeys(chromedp.CSS(`#f-d-f6`), "2人"),
		chromedp.SendKeys(chromedp.CSS(`#f-d-f7`), "1350元"),
		chromedp.SendKeys(chromedp.CSS(`#f-d-f8`), "自有住房1套（62平方米），无机动车"),
		chromedp.SendKeys(chromedp.CSS(`#f-d-f9`), "城市最低生活保障"),
		chromedp.SendKeys(chromedp.CSS(`#f-d-f10`), "配偶肢体残疾丧失劳动能力，家庭收入低于低保标准"),
		chromedp.SendKeys(chromedp.CSS(`#f-d-f12`), "陕西省社会保障卡（宁陕县农村商业银行）"),
		chromedp.Click(chromedp.CSS(`#f-m-1-how-window`)),
	)
	waitText(t, ctx, "已自动保存")

	// A material uploads at once with its progress, and is replaced.
	do(t, ctx, "upload", chromedp.SetUploadFiles(chromedp.CSS(`#f-m-2-file`), []string{scanA}, chromedp.NodeReady))
	waitText(t, ctx, "已上传：授权书-第一版.pdf")
	do(t, ctx, "replace", chromedp.SetUploadFiles(chromedp.CSS(`#f-m-2-file`), []string{scanB}, chromedp.NodeReady))
	waitText(t, ctx, "已上传：授权书-签字版.pdf")
	if !checked(t, ctx, `#f-m-2-how-upload`) {
		t.Error("the uploaded material is not marked 上传电子文件")
	}
	if !checked(t, ctx, `#f-agree`) {
		do(t, ctx, "agree", chromedp.Click(chromedp.CSS(`#f-agree`)))
	}
	do(t, ctx, "submit", chromedp.Click(chromedp.CSS(`button[name="op"][value="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#h-done`)))
	keys := texts(t, ctx, `.done .keys b.mono`)
	if len(keys) != 2 {
		t.Fatalf("apply done shows %d keys", len(keys))
	}
	serial := keys[0]
	mustContain(t, ctx, "my drafts", "申请已提交")
	do(t, ctx, "我的办件", chromedp.Navigate(base+"/my"), chromedp.WaitVisible(chromedp.CSS(`a[href="/my/cases/`+serial+`"]`)))
	mustContain(t, ctx, "no draft left", "没有草稿。")
	signOut(t, ctx)

	// The town's window reads the data and prints the 申请书.
	signIn(t, ctx, base, "chengguan.window", apptest.DemoPassword)
	do(t, ctx, "the case", chromedp.Navigate(base+"/work/cases/"+serial), chromedp.WaitVisible(chromedp.CSS(`#h-form`)))
	staff := text1(t, ctx, `table.wk-form`)
	for _, w := range []string{"申请人姓名", "王秀兰", "城关镇 东关社区北街18号", "李国平", "配偶", "城市最低生活保障", "610***********0025"} {
		if !strings.Contains(staff, w) {
			t.Errorf("the staff view of the form does not show %q:\n%s", w, staff)
		}
	}
	if strings.Contains(staff, spouse) {
		t.Error("the case page shows a family member's full ID number")
	}
	mustContain(t, ctx, "the case", "最低生活保障申请书", "授权书-签字版.pdf")
	shot(t, ctx, "forms-04-staff-view")
	do(t, ctx, "print", chromedp.Click(chromedp.CSS(`a[href="/work/cases/`+serial+`/form"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.form-sheet`)))
	sheet := text1(t, ctx, `.form-sheet`)
	for _, w := range []string{"最低生活保障申请书", serial, "王秀兰", "610923198503120025", spouse, "配偶肢体残疾丧失劳动能力", "申请人（签字）", "日期"} {
		if !strings.Contains(sheet, w) {
			t.Errorf("the printed 申请书 does not show %q:\n%s", w, sheet)
		}
	}
	shot(t, ctx, "forms-05-print")
}
