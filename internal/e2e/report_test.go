package e2e_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"zwfw/internal/app/apptest"
	"zwfw/internal/db"
	"zwfw/internal/supervision"
)

// TestMonthlyBulletinPrintAndExport is the "done when": over a
// seeded database a supervisor registers and confirms an error, generates
// this month's bulletin (月通报) on its page, the printable sheet is printed
// to PDF by headless Chromium, and the Excel export opens with the same
// figures. The PDF, a screenshot and the workbook go into screenshots/.
func TestMonthlyBulletinPrintAndExport(t *testing.T) {
	ctx := browser(t)
	e := apptest.Start(t, "sqlite")
	base := e.URL
	bg := context.Background()
	now := e.App.Now().In(db.Zone)
	period := now.Format("2006-01")

	// A confirmed error, so that the bulletin's error section has a line.
	sup, err := e.App.Users.ByUsername(bg, "county.supervisor")
	if err != nil {
		t.Fatal(err)
	}
	clerk, err := e.App.Users.ByUsername(bg, "county.window")
	if err != nil {
		t.Fatal(err)
	}
	er, err := e.App.Errors.Register(bg, sup.Actor(), supervision.ErrorInput{Kind: "one_time_notice", Staff: "county.window",
		Description: "补正材料未一次性告知，群众往返两次"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Errors.Act(bg, clerk.Actor(), er.ID, supervision.ErrActRespond, "已向群众致歉并整改"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Errors.Act(bg, sup.Actor(), er.ID, supervision.ErrActConfirm, ""); err != nil {
		t.Fatal(err)
	}

	signIn(t, ctx, base, "county.supervisor", apptest.DemoPassword)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/supervision/errors"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/supervision/errors/`+strconv.FormatInt(er.ID, 10)+`"]`)),
	); err != nil {
		t.Fatalf("errors page: %v", err)
	}
	mustContain(t, ctx, "errors", "差错登记", "一次性告知不到位", "已确认")
	shot(t, ctx, "40-errors")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href="/supervision/errors/`+strconv.FormatInt(er.ID, 10)+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.er-events`)),
	); err != nil {
		t.Fatalf("error page: %v", err)
	}
	mustContain(t, ctx, "error", "处理过程", "已向群众致歉并整改", "孙立华")
	shot(t, ctx, "40-error-detail")

	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/supervision/reports"),
		chromedp.WaitVisible(chromedp.CSS(`#f-kind`)),
		chromedp.SetValue(chromedp.CSS(`#f-kind`), "monthly"),
		chromedp.SetValue(chromedp.CSS(`#f-period`), period),
		chromedp.Submit(chromedp.CSS(`#f-period`)),
		chromedp.WaitVisible(chromedp.CSS(`.rp-sheet`)),
	); err != nil {
		t.Fatalf("generate the bulletin: %v", err)
	}
	mustContain(t, ctx, "bulletin", "月通报", "宁陕县政务服务中心", "各部门情况及排名", "各镇情况及排名", "补正材料未一次性告知")
	shot(t, ctx, "41-monthly-bulletin")

	list, _, err := e.App.Reports.List(bg, sup.Actor(), supervision.ReportQuery{Kind: supervision.Monthly})
	if err != nil || len(list) != 1 {
		t.Fatalf("published bulletins: %d %v", len(list), err)
	}
	rep, err := e.App.Reports.Get(bg, sup.Actor(), list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, ctx, "bulletin number", rep.Number)

	// Print the page to PDF (A4 from the page's @page rule).
	yes := true
	pdf, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{PrintBackground: &yes, PreferCSSPageSize: &yes})
	if err != nil {
		t.Fatalf("print to PDF: %v", err)
	}
	if !bytes.HasPrefix(pdf.Data, []byte("%PDF")) || len(pdf.Data) < 5000 {
		t.Fatalf("not a PDF: %d bytes starting %q", len(pdf.Data), pdf.Data[:min(8, len(pdf.Data))])
	}
	dir := shotDir(t)
	// How the sheet prints: the page under print media, without the site's
	// chrome (a PNG beside the PDF, for a look without a PDF viewer).
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	mustContain(t, ctx, "print view", rep.Number)
	shot(t, ctx, "42-monthly-bulletin-print")
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "41-monthly-bulletin.pdf"), pdf.Data, 0o644); err != nil {
		t.Fatal(err)
	}

	// Export to Excel through the page's link, with the browser's session.
	cookies, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{base}})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", base+"/supervision/reports/"+strconv.FormatInt(rep.ID, 10)+"/xlsx", nil)
	for _, c := range cookies.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("xlsx: %d %s %d cookies\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), len(cookies.Cookies), b)
	}
	if err := os.WriteFile(filepath.Join(dir, "41-monthly-bulletin.xlsx"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the export does not open: %v", err)
	}
	total := rep.Monthly.Total
	for cell, want := range map[string]int{"B2": total.Received, "B3": total.Completed, "B10": total.Errors} {
		if v, _ := f.GetCellValue("总体情况", cell); v != strconv.Itoa(want) {
			t.Errorf("xlsx 总体情况!%s = %q, bulletin %d", cell, v, want)
		}
	}
	if total.Errors != 1 || total.Received == 0 {
		t.Fatalf("bulletin over the seeded county: %+v", total)
	}
	if v, _ := f.GetCellValue("概况", "B3"); v != rep.Number {
		t.Fatalf("xlsx number %q, bulletin %q", v, rep.Number)
	}

	// The quarterly assessment of the quarter so far, with its breakdown.
	q := now.Format("2006") + "-Q" + strconv.Itoa((int(now.Month())-1)/3+1)
	qr, err := e.App.Reports.GenerateReport(bg, sup.Actor(), supervision.Quarterly, q, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/supervision/reports/"+strconv.FormatInt(qr.ID, 10)),
		chromedp.WaitVisible(chromedp.CSS(`.rp-sheet`)),
	); err != nil {
		t.Fatal(err)
	}
	mustContain(t, ctx, "assessment", "季考核", "考核办法", "部门得分", "窗口得分", "工作人员得分", "李晓燕")
	shot(t, ctx, "43-quarterly-assessment")
}
