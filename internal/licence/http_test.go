package licence_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"zwfw"
	"zwfw/internal/casework"
	"zwfw/internal/licence"
	"zwfw/internal/throttle"
)

func getJSON(t *testing.T, u string, v any) int {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if v != nil {
		if err := json.NewDecoder(res.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
	}
	return res.StatusCode
}

func postFile(t *testing.T, u, name string, b []byte) (int, licence.Check) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, _ := mw.CreateFormFile("file", name)
	w.Write(b)
	mw.Close()
	res, err := http.Post(u, mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var c licence.Check
	raw, _ := io.ReadAll(res.Body)
	json.Unmarshal(raw, &c)
	return res.StatusCode, c
}

func pageText(t *testing.T, u string) (int, string) {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestVerificationOverHTTP: what a visitor's browser and an API client get.
// Before revocation the QR page and the API say 有效; after, both say
// 已吊销 with the reason; the licence's PDF with a byte changed and the JSON
// with a field changed, posted to the API, fail; a sealed 受理通知书 PDF is
// reported as that notice; and the per-address limit refuses with 429
// and Retry-After once used up.
func TestVerificationOverHTTP(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		_, id := e.marry()
		api := e.URL + "/api/v1"
		var c licence.Check
		if st := getJSON(t, api+"/licences/"+id+"/verification", &c); st != 200 || c.Result != licence.Valid || !c.SignatureValid || c.Holder != "王**" {
			t.Fatalf("API before: %d %+v", st, c)
		}
		if st, body := pageText(t, e.URL+"/verify/"+id); st != 200 || !strings.Contains(body, "验证通过") || strings.Contains(body, wangID) || strings.Contains(body, wangName) {
			t.Fatalf("page before: %d", st)
		}
		wang := e.actor("resident.wang")
		l, pdf, err := e.App.Licences.PDF(e.ctx, wang, id)
		if err != nil {
			t.Fatal(err)
		}
		if st, c := postFile(t, api+"/licences/verify", "licence.pdf", pdf); st != 200 || c.Result != licence.Valid || c.How != licence.ByPDF {
			t.Fatalf("the PDF: %d %+v", st, c)
		}
		bad := bytes.Clone(pdf)
		bad[len(bad)/2] ^= 0x20
		if st, c := postFile(t, api+"/licences/verify", "licence.pdf", bad); st != 200 || c.OK() || c.Result != licence.ResultInvalid || c.Problem == "" {
			t.Fatalf("a tampered PDF: %d %+v", st, c)
		}
		file := e.App.Licences.JSON(l)
		changed := bytes.Replace(file, []byte(`"男方姓名","value":"陈家明"`), []byte(`"男方姓名","value":"陈家民"`), 1)
		res, err := http.Post(api+"/licences/verify", "application/json", bytes.NewReader(changed))
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(res.Body).Decode(&c)
		res.Body.Close()
		if res.StatusCode != 200 || c.OK() || c.Result != licence.ResultInvalid || !strings.Contains(c.Verdict, "签名无效") {
			t.Fatalf("a changed field: %d %+v", res.StatusCode, c)
		}
		// A sealed notice is reported as what it is.
		clerk := e.actor("county.window")
		k, err := e.App.Cases.Get(e.ctx, clerk, l.CaseSerial)
		if err != nil {
			t.Fatal(err)
		}
		var acc *casework.Notice
		for i := range k.Notices {
			if k.Notices[i].Kind == casework.NoticeAcceptance {
				acc = &k.Notices[i]
			}
		}
		if acc == nil {
			t.Fatal("no 受理通知书")
		}
		nf, err := e.App.Cases.NoticePDF(e.ctx, clerk, k.Serial, acc.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if st, c := postFile(t, api+"/licences/verify", "notice.pdf", nf.Bytes); st != 200 || c.Result != licence.ResultNotice || !c.OK() || !strings.Contains(c.Document, "受理通知书") {
			t.Fatalf("a sealed notice: %d %+v", st, c)
		}
		// Revoked.
		const reason = "当事人以欺骗手段骗取婚姻登记，依法撤销"
		if _, err := e.App.Licences.Act(e.ctx, e.actor("minzheng.reviewer"), id, licence.ActRevoke, licence.ActInput{Reason: reason}); err != nil {
			t.Fatal(err)
		}
		if st := getJSON(t, api+"/licences/"+id+"/verification", &c); st != 200 || c.Result != licence.Revoked || c.Reason != reason || c.StatusName != "已吊销" {
			t.Fatalf("API after: %d %+v", st, c)
		}
		if st, body := pageText(t, e.URL+"/verify/"+id); st != 200 || !strings.Contains(body, "已吊销") || !strings.Contains(body, reason) {
			t.Fatalf("page after: %d", st)
		}
		if st, body := pageText(t, e.URL+"/verify?id="+url.QueryEscape(id+"X")); st != 200 || !strings.Contains(body, "标识不正确") {
			t.Fatalf("a wrong identifier: %d", st)
		}
		// The per-address limit.
		e.App.Licences.SetVerifyLimit(throttle.Limit{N: 2, Window: 3600e9})
		getJSON(t, api+"/licences/"+id+"/verification", nil)
		getJSON(t, api+"/licences/"+id+"/verification", nil)
		res, err = http.Get(api + "/licences/" + id + "/verification")
		if err != nil {
			t.Fatal(err)
		}
		var er struct{ Error zwfw.Error }
		json.NewDecoder(res.Body).Decode(&er)
		res.Body.Close()
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(er.Error.Message, "验证次数过多") {
			t.Fatalf("over the limit: %d %+v", res.StatusCode, er)
		}
		if st, body := pageText(t, e.URL+"/verify/"+id); st != http.StatusTooManyRequests || !strings.Contains(body, "验证次数过多") {
			t.Fatalf("the page over the limit: %d", st)
		}
	})
}
