package e2e_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"zwfw/internal/app/apptest"
	"zwfw/internal/db"
	"zwfw/internal/supervision"
)

// TestSanctionToPublicAssessment walks accountability (责任追究) and the
// annual assessment in a browser: the county centre's hall manager proposes
// a yellow card against a clerk for a confirmed error (a first try without
// a decision is refused and the form comes back filled in), the supervisor
// approves it, the clerk answers once; the month's bulletin lists it, the
// year's assessment counts it and prints on A4, and both are made public,
// where the public page shows no staff name. Screenshots go to screenshots/.
func TestSanctionToPublicAssessment(t *testing.T) {
	ctx := browser(t)
	e := apptest.Start(t, "sqlite")
	base := e.URL
	bg := context.Background()
	now := e.App.Now().In(db.Zone)
	sup, clerk := e.Actor(t, "county.supervisor"), e.Actor(t, "county.window")
	er, err := e.App.Errors.Register(bg, sup, supervision.ErrorInput{Kind: "one_time_notice", Staff: "county.window",
		Description: "补正材料未一次性告知，群众往返两次"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Errors.Act(bg, sup, er.ID, supervision.ErrActConfirm, ""); err != nil {
		t.Fatal(err)
	}

	// The hall manager proposes.
	signIn(t, ctx, base, "county.hall", apptest.DemoPassword)
	do(t, ctx, "new sanction", chromedp.Navigate(base+"/supervision/sanctions/new"), chromedp.WaitVisible(chromedp.CSS(`#f-form`)),
		chromedp.SetValue(chromedp.CSS(`#f-form`), "yellow_card"), chromedp.SetValue(chromedp.CSS(`#f-staff`), "county.window"),
		chromedp.SetValue(chromedp.CSS(`#f-cause`), "error"), chromedp.SendKeys(chromedp.CSS(`#f-ref`), strconv.FormatInt(er.ID, 10)),
		chromedp.Submit(chromedp.CSS(`#f-ref`)), chromedp.WaitVisible(chromedp.CSS(`.flash-warn`)))
	mustContain(t, ctx, "refused proposal", "请填写追究决定的内容")
	if v := value(t, ctx, `#f-staff`); v != "county.window" {
		t.Fatalf("the refused form lost the staff: %q", v)
	}
	if n, _, _ := e.App.Sanctions.List(bg, sup, supervision.SanctionQuery{}); len(n) != 0 {
		t.Fatalf("a refused proposal stored %d", len(n))
	}
	shot(t, ctx, "60-sanction-new-refused")
	do(t, ctx, "propose", chromedp.SendKeys(chromedp.CSS(`#f-decision`), "给予黄牌警告一次，责令整改并在窗口公示"),
		chromedp.Submit(chromedp.CSS(`#f-decision`)), chromedp.WaitVisible(chromedp.CSS(`.er-events`)))
	mustContain(t, ctx, "proposed", "待审批", "黄牌警告", "李晓燕")
	id := strings.TrimPrefix(location(t, ctx), base+"/supervision/sanctions/")
	signOut(t, ctx)

	// The supervisor approves; the list shows it in force.
	signIn(t, ctx, base, "county.supervisor", apptest.DemoPassword)
	do(t, ctx, "sanction page", chromedp.Navigate(base+"/supervision/sanctions/"+id), chromedp.WaitVisible(chromedp.CSS(`form[action$="/actions/approve"]`)))
	shot(t, ctx, "61-sanction-to-approve")
	do(t, ctx, "approve", chromedp.SendKeys(chromedp.CSS(`#f-text-approve`), "同意"),
		chromedp.Submit(chromedp.CSS(`#f-text-approve`)), chromedp.WaitVisible(chromedp.CSS(`#flash .flash-ok`)))
	mustContain(t, ctx, "approved", "已生效", "决定日期 "+now.Format("2006-01-02"))
	do(t, ctx, "list", chromedp.Navigate(base+"/supervision/sanctions"), chromedp.WaitVisible(chromedp.CSS(`a[href="/supervision/sanctions/`+id+`"]`)))
	shot(t, ctx, "62-sanctions")
	signOut(t, ctx)

	// The clerk answers once.
	signIn(t, ctx, base, "county.window", apptest.DemoPassword)
	do(t, ctx, "respond", chromedp.Navigate(base+"/supervision/sanctions/"+id), chromedp.WaitVisible(chromedp.CSS(`#f-text-respond`)),
		chromedp.SendKeys(chromedp.CSS(`#f-text-respond`), "当日窗口排队人数多，告知不全，已向群众致歉并整改。"),
		chromedp.Submit(chromedp.CSS(`#f-text-respond`)), chromedp.WaitVisible(chromedp.CSS(`#flash .flash-ok`)))
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('form[action$="/actions/respond"]').length`)); n != 0 {
		t.Fatalf("the response form is still offered")
	}
	mustContain(t, ctx, "responded", "申辩/说明", "已向群众致歉并整改")
	shot(t, ctx, "63-sanction-responded")
	signOut(t, ctx)
	if x, err := e.App.Sanctions.Get(bg, clerk, mustID(t, id)); err != nil || x.Response == "" {
		t.Fatalf("response: %v", err)
	}

	// The month's bulletin lists it; the year's assessment counts it.
	signIn(t, ctx, base, "county.supervisor", apptest.DemoPassword)
	generate := func(kind, period string) string {
		do(t, ctx, "generate "+kind, chromedp.Navigate(base+"/supervision/reports"), chromedp.WaitVisible(chromedp.CSS(`#f-kind`)),
			chromedp.SetValue(chromedp.CSS(`#f-kind`), kind), chromedp.SetValue(chromedp.CSS(`#f-period`), period),
			chromedp.Submit(chromedp.CSS(`#f-period`)), chromedp.WaitVisible(chromedp.CSS(`.rp-sheet`)))
		return strings.TrimPrefix(location(t, ctx), base+"/supervision/reports/")
	}
	monthly := generate("monthly", now.Format("2006-01"))
	mustContain(t, ctx, "bulletin", "六、责任追究（1 起）", "黄牌警告", "李晓燕")
	// Wait for the published page itself: the generated page's own flash
	// would satisfy a wait on the flash, and the next navigation would
	// abort the publishing one (net::ERR_ABORTED).
	do(t, ctx, "publish the bulletin", chromedp.Click(chromedp.CSS(`form[action$="/publicity"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.rp-public b`)))
	annual := generate("annual", now.Format("2006"))
	mustContain(t, ctx, "annual", "年度考评", "部门考评", "中心考评", "窗口考评", "个人考评", "六、责任追究（1 起）", "差评整改率", "回访率")
	shot(t, ctx, "64-annual-assessment")
	yes := true
	pdf, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{PrintBackground: &yes, PreferCSSPageSize: &yes})
	if err != nil || !bytes.HasPrefix(pdf.Data, []byte("%PDF")) {
		t.Fatalf("print to PDF: %v", err)
	}
	if err := os.MkdirAll(shotDir(t), 0o755); err == nil {
		_ = os.WriteFile(filepath.Join(shotDir(t), "65-annual-assessment.pdf"), pdf.Data, 0o644)
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 794, Height: 1123, DeviceScaleFactor: 1}); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "65-annual-assessment-print-a4")
	if _, err := chromedp.Call(ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "publish the assessment", chromedp.Click(chromedp.CSS(`form[action$="/publicity"] button`)), chromedp.WaitVisible(chromedp.CSS(`.rp-public b`)))
	mustContain(t, ctx, "published", "已公开")
	shot(t, ctx, "66-annual-published")
	signOut(t, ctx)

	// The weights page, as the county's administrator.
	signIn(t, ctx, base, "county.admin", apptest.DemoPassword)
	do(t, ctx, "weights", chromedp.Navigate(base+"/supervision/weights"), chromedp.WaitVisible(chromedp.CSS(`#a-quarters`)))
	shot(t, ctx, "67-weights-annual")
	signOut(t, ctx)

	// The public: the list and the redacted assessment, without sign-in.
	do(t, ctx, "public list", chromedp.Navigate(base+"/gongkai/reports"), chromedp.WaitVisible(chromedp.CSS(`a[href="/gongkai/reports/`+annual+`"]`)))
	mustContain(t, ctx, "public list", "政务公开", "年度考评", "月通报")
	shot(t, ctx, "68-gongkai-reports")
	for _, r := range []string{annual, monthly} {
		do(t, ctx, "public report", chromedp.Navigate(base+"/gongkai/reports/"+r), chromedp.WaitVisible(chromedp.CSS(`.rp-sheet`)))
		body := text(t, ctx)
		for _, secret := range []string{"李晓燕", "孙立华", "county.window", "补正材料未一次性告知"} {
			if strings.Contains(body, secret) {
				t.Fatalf("public report %s shows %q", r, secret)
			}
		}
		if !strings.Contains(body, "李**") && !strings.Contains(body, "工号") {
			t.Fatalf("public report %s does not show the masked name", r)
		}
	}
	shot(t, ctx, "69-gongkai-monthly")
	do(t, ctx, "public annual", chromedp.Navigate(base+"/gongkai/reports/"+annual), chromedp.WaitVisible(chromedp.CSS(`.rp-sheet`)))
	shot(t, ctx, "69-gongkai-annual")
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("id %q", s)
	}
	return n
}
