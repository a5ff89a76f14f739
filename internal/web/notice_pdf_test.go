package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
)

// poppler runs a poppler tool on pdf (pdfsig, pdftotext); where poppler-utils
// is missing the test skips, except in CI, which installs it.
func poppler(t *testing.T, pdf []byte, tool string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		if os.Getenv("ZWFW_REQUIRE_SERVICES") != "" {
			t.Fatalf("%s (poppler-utils) is required", tool)
		}
		t.Skipf("%s (poppler-utils) not installed", tool)
	}
	f := filepath.Join(t.TempDir(), "n.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	args = append(args, f)
	if tool == "pdftotext" {
		args = append(args, "-") // to standard output
	}
	out, err := exec.Command(tool, args...).CombinedOutput()
	if err != nil && tool != "pdfsig" { // pdfsig exits non-zero on a signature it cannot check the chain of
		t.Fatalf("%s: %v\n%s", tool, err, out)
	}
	return string(out)
}

// A case's notices download as sealed PDFs (issue 13 item 4): the
// applicant and the staff who handle the case get the same signed bytes
// every time, which the platform's verifier and a standard PDF reader
// (pdfsig) recognise; anyone else is told there is no such notice.
func TestNoticePDF(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		wang := login(t, e, "resident.wang", demoPass)
		serial := applyJob(t, wang)
		c := act(t, e, "chengguan.window", serial, casework.ActAccept, casework.ActionInput{})
		n := noticeOf(t, c, casework.NoticeAcceptance)
		path := "/notices/" + serial + "/" + strconv.FormatInt(n.ID, 10)

		// The printable page offers the PDF beside 打印; so do the case pages.
		mustContain(t, "notice page", wang.get(path).Body, `href="`+path+`/pdf"`, "下载电子文书（PDF，带电子签章）", "打印")
		mustContain(t, "my case", wang.get("/my/cases/"+serial).Body, `href="`+path+`/pdf"`, "下载电子文书（PDF，带电子签章）")
		window := login(t, e, "chengguan.window", demoPass)
		mustContain(t, "work case", window.get("/work/cases/"+serial).Body, `href="`+path+`/pdf"`)

		// The first download makes it: two at once keep one PDF.
		var wg sync.WaitGroup
		got := make([]page, 2)
		for i, cl := range []*client{wang, window} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("GET", e.URL+path+"/pdf", nil)
				resp, err := cl.http.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				defer resp.Body.Close()
				var b bytes.Buffer
				_, _ = b.ReadFrom(resp.Body)
				got[i] = page{Status: resp.StatusCode, Header: resp.Header, Body: b.String()}
			}()
		}
		wg.Wait()
		for i, p := range got {
			if p.Status != 200 || p.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(p.Body, "%PDF-") {
				t.Fatalf("download %d = %d %q", i, p.Status, p.Header.Get("Content-Type"))
			}
		}
		pdf := []byte(got[0].Body)
		if got[1].Body != got[0].Body {
			t.Fatal("the applicant and the window got different PDFs of one notice")
		}
		if d := got[0].Header.Get("Content-Disposition"); !strings.HasPrefix(d, "attachment") || !strings.Contains(d, "filename*=UTF-8''%E5%8F%97%E7%90%86") {
			t.Errorf("Content-Disposition = %q, want an attachment named 受理通知书-…", d)
		}
		if n := countRows(t, e, "SELECT COUNT(*) FROM case_notice_pdfs WHERE notice_id = ?", n.ID); n != 1 {
			t.Errorf("%d sealed PDFs recorded for one notice", n)
		}
		if n := countRows(t, e, "SELECT COUNT(*) FROM audit_log WHERE action = 'case.seal_notice' AND object = ?", "case:"+serial); n != 1 {
			t.Errorf("%d audit entries for sealing the notice, want 1", n)
		}
		// Later downloads, the page's and the API's, are the same bytes.
		for _, p := range []page{wang.get(path + "/pdf"), window.get(path + "/pdf"),
			wang.get("/api/v1/cases/" + serial + "/notices/" + strconv.FormatInt(n.ID, 10) + "/pdf")} {
			if p.Status != 200 || p.Body != string(pdf) {
				t.Fatalf("a later download = %d, %d bytes; want the first's %d bytes", p.Status, len(p.Body), len(pdf))
			}
		}

		// The platform's verifier: valid, signed by the centre that issued
		// the notice, and known as this notice.
		chk, err := e.App.Esign.VerifyPDF(ctx, pdf)
		if err != nil {
			t.Fatal(err)
		}
		if !chk.Valid || chk.Doc.Kind != "notice" || chk.Doc.Ref != n.Number || !chk.DocKnown || !strings.Contains(chk.OrgName, "城关镇") {
			t.Errorf("VerifyPDF = %+v", chk)
		}
		// One byte changed inside the signed range fails.
		bad := bytes.Clone(pdf)
		i := bytes.Index(bad, []byte(n.Number[:3]))
		if i < 0 {
			i = 200
		}
		bad[i+1] ^= 0x01
		if chk, err := e.App.Esign.VerifyPDF(ctx, bad); err != nil || chk.Valid {
			t.Errorf("a changed PDF verifies: %+v %v", chk, err)
		}
		// A standard PDF reader finds the signature; the text reads in
		// Chinese (the font is embedded and mapped).
		if out := poppler(t, pdf, "pdfsig"); !strings.Contains(out, "Signature #1") {
			t.Errorf("pdfsig finds no signature:\n%s", out)
		}
		text := strings.NewReplacer(" ", "", "\n", "").Replace(poppler(t, pdf, "pdftotext", "-enc", "UTF-8"))
		for _, want := range []string{"受理通知书", n.Number, serial, c.Applicant.Name, "城关镇"} {
			if !strings.Contains(text, want) {
				t.Errorf("the PDF does not read %q:\n%s", want, text)
			}
		}

		// The public verification page (网上验证核对) takes the PDF and says
		// what it is; the changed copy fails there too.
		anon := newClient(t, e)
		v := anon.postMultipart("/verify/file", url.Values{"csrf_token": {anon.csrf()}}, upload{"file", "受理通知书.pdf", pdf})
		mustContain(t, "verify the notice", v.Body, "验证通过：电子签章有效", "受理通知书（编号 "+n.Number+"）")
		v = anon.postMultipart("/verify/file", url.Values{"csrf_token": {anon.csrf()}}, upload{"file", "受理通知书.pdf", bad})
		mustContain(t, "verify a changed notice", v.Body, "验证失败")

		// The county centre's window (another centre) and another applicant
		// get 404; signed out, the sign-in page.
		for _, who := range []string{"county.window", "enterprise.qinling"} {
			cl := login(t, e, who, demoPass)
			for _, p := range []string{path + "/pdf", "/api/v1/cases/" + serial + "/notices/" + strconv.FormatInt(n.ID, 10) + "/pdf"} {
				if got := cl.get(p); got.Status != http.StatusNotFound {
					t.Errorf("%s %s = %d, want 404", who, p, got.Status)
				}
			}
		}
		if p := newClient(t, e).get(path + "/pdf"); p.Status != http.StatusSeeOther {
			t.Errorf("signed out = %d", p.Status)
		}
		if p := wang.get("/notices/" + serial + "/999999/pdf"); p.Status != http.StatusNotFound {
			t.Errorf("no such notice = %d", p.Status)
		}
	})
}

// Every kind of notice of the demo's cases renders, seals and verifies: the
// 一次性告知书, 不予受理通知书, 受理通知书, 缴款通知书, 缴费凭证 and 办结通知书;
// a town's window gets 404 for the county centre's cases. With
// ZWFW_SCREENSHOTS set, each is written there as PDF and PNG, to be looked at.
func TestNoticePDFKinds(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	ctx := context.Background()
	oneTime := casesOf(t, e, "resident.wang", casework.SupplementRequired, "010100300000")
	rejected := casesOf(t, e, "county.window", casework.Rejected, "011000100000")
	delivered := casesOf(t, e, "county.window", casework.Delivered, "070500400000")
	if len(oneTime) != 1 || len(rejected) != 1 || len(delivered) != 1 {
		t.Fatalf("demo: %d %d %d", len(oneTime), len(rejected), len(delivered))
	}
	staff := login(t, e, "county.window", demoPass)
	town := login(t, e, "chengguan.window", demoPass)
	for _, tc := range []struct{ serial, kind, want string }{
		{oneTime[0].Serial, casework.NoticeOneTime, "食品小作坊登记申请表未由经营者本人签字"},
		{rejected[0].Serial, casework.NoticeRejection, "不属于县级审批权限"},
		{delivered[0].Serial, casework.NoticeAcceptance, "予以受理"},
		{delivered[0].Serial, casework.NoticePayment, "不动产登记费（非住宅类）"},
		{delivered[0].Serial, casework.NoticeReceipt, "ICBC6109230012"},
		{delivered[0].Serial, casework.NoticeResult, "办结"},
	} {
		c, err := e.App.Cases.Get(ctx, actorOf(t, e, "county.window"), tc.serial)
		if err != nil {
			t.Fatal(err)
		}
		n := noticeOf(t, c, tc.kind)
		path := "/notices/" + tc.serial + "/" + strconv.FormatInt(n.ID, 10) + "/pdf"
		p := staff.get(path)
		if p.Status != 200 {
			t.Fatalf("%s = %d %s", tc.kind, p.Status, p.Body)
		}
		pdf := []byte(p.Body)
		chk, err := e.App.Esign.VerifyPDF(ctx, pdf)
		if err != nil || !chk.Valid || chk.Doc.Ref != n.Number {
			t.Errorf("%s: VerifyPDF = %+v, %v", tc.kind, chk, err)
		}
		text := strings.NewReplacer(" ", "", "\n", "").Replace(poppler(t, pdf, "pdftotext", "-enc", "UTF-8"))
		for _, want := range []string{n.KindName, n.Number, tc.serial, tc.want} {
			if !strings.Contains(text, want) {
				t.Errorf("%s does not read %q:\n%s", tc.kind, want, text)
			}
		}
		if len(pdf) > 512<<10 {
			t.Errorf("%s is %d bytes", tc.kind, len(pdf))
		}
		if p := town.get(path); p.Status != http.StatusNotFound {
			t.Errorf("a town's window: %s = %d, want 404", tc.kind, p.Status)
		}
		if dir := os.Getenv("ZWFW_SCREENSHOTS"); dir != "" {
			_ = os.MkdirAll(dir, 0o755)
			f := filepath.Join(dir, "notice-pdf-"+tc.kind+".pdf")
			if err := os.WriteFile(f, pdf, 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command("pdftoppm", "-png", "-r", "60", f, strings.TrimSuffix(f, ".pdf")).CombinedOutput(); err != nil {
				t.Errorf("pdftoppm: %v %s", err, out)
			}
		}
	}
}

// Two server processes on one PostgreSQL database make a notice's PDF for
// the first time at once (each with its own in-process lock): one PDF is
// recorded and both serve its bytes.
func TestNoticePDFTwoProcesses(t *testing.T) {
	a := apptest.Start(t, "postgres")
	b := apptest.Twin(t, a)
	ctx := context.Background()
	wang := actorOf(t, a, "resident.wang")
	serial := casesOf(t, a, "resident.wang", casework.SupplementRequired, "010100300000")[0].Serial
	c, err := a.App.Cases.Get(ctx, wang, serial)
	if err != nil {
		t.Fatal(err)
	}
	n := noticeOf(t, c, casework.NoticeOneTime)
	var got [2]*casework.NoticeFile
	var errs [2]error
	var wg sync.WaitGroup
	for i, e := range []*apptest.Env{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = e.App.Cases.NoticePDF(ctx, wang, serial, n.ID, "https://zwfw.example")
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("process %d: %v", i, err)
		}
	}
	if !bytes.Equal(got[0].Bytes, got[1].Bytes) || got[0].SHA256 != got[1].SHA256 {
		t.Fatal("two processes served different PDFs of one notice")
	}
	if k := countRows(t, a, "SELECT COUNT(*) FROM case_notice_pdfs WHERE notice_id = ?", n.ID); k != 1 {
		t.Errorf("%d PDFs recorded", k)
	}
	if chk, err := b.App.Esign.VerifyPDF(ctx, got[0].Bytes); err != nil || !chk.Valid {
		t.Errorf("VerifyPDF on the other process = %+v, %v", chk, err)
	}
}
