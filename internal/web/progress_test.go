package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
)

func TestPublicProgress(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	wang := login(t, e, "resident.wang", demoPass)
	serial := applyJob(t, wang)
	c, err := e.App.Cases.Get(context.Background(), actorOf(t, e, "resident.wang"), serial)
	if err != nil {
		t.Fatal(err)
	}
	anon := newClient(t, e)
	// The home page has the lookup; the form posts the code, so that it
	// stays out of the address (issue 12 item 6).
	home := anon.get("/")
	mustContain(t, "home widget", home.Body, `method="post" action="/progress"`, `name="serial"`, `name="code"`, "办件查询")
	p := anon.get("/progress")
	mustContain(t, "form", p.Body, "办件编号", "查询码", `method="post" action="/progress"`)
	lookup := func(serial, code string) page {
		return anon.post("/progress", url.Values{"serial": {serial}, "code": {code}}, true)
	}
	p = lookup(serial, c.QueryCode)
	if p.Status != 200 {
		t.Fatalf("progress = %d", p.Status)
	}
	// Item, centre, masked applicant, the outcome panel, the timeline with
	// each step's outcome; no personal data, and no code in any address.
	mustContain(t, "progress", p.Body, "就业创业证申领", "宁陕县城关镇便民服务中心", "王**", "已提交 · 待受理", "当前环节", "提交申请",
		"已提交 ✓", `src="/progress/`+serial+`/qr.png"`)
	for _, secret := range []string{"王秀兰", "610923198503120025", "13991561234", "首次申领就业创业证", "登记表.pdf", "code="} {
		if strings.Contains(p.Body, secret) {
			t.Errorf("public progress shows %q", secret)
		}
	}
	// The last six of the ID number also open it.
	if p := lookup(serial, "120025"); p.Status != 200 {
		t.Errorf("ID's last six = %d", p.Status)
	}
	// An old printed address with ?code= still opens the case.
	if p := anon.get("/progress/" + serial + "?code=" + c.QueryCode); p.Status != 200 || !strings.Contains(p.Body, "就业创业证申领") {
		t.Errorf("old address = %d", p.Status)
	}
	// The case's address (what the QR codes open) is the form with the
	// serial filled in, asking for the code.
	p = anon.get("/progress/" + serial)
	if p.Status != 200 || !strings.Contains(p.Body, `value="`+serial+`"`) || strings.Contains(p.Body, "就业创业证申领") {
		t.Errorf("the case's address = %d, or it shows the case without the code", p.Status)
	}
	// Wrong, or for an unknown serial: the same "not found".
	var msgs []string
	for _, pg := range []page{lookup(serial, "000000"), anon.get("/progress/" + serial + "?code=000001"), lookup("610923100-20000101-00001", c.QueryCode)} {
		if pg.Status != http.StatusNotFound || !strings.Contains(pg.Body, "没有找到办件编号为") {
			t.Errorf("not found = %d", pg.Status)
		}
		if strings.Contains(pg.Body, "王**") || strings.Contains(pg.Body, "就业创业证申领") {
			t.Errorf("a wrong lookup leaks the case")
		}
		msgs = append(msgs, strings.ReplaceAll(pg.Body[strings.Index(pg.Body, "没有找到"):][:60], "610923100-20000101-00001", serial))
	}
	if msgs[0] != msgs[1] || msgs[1] != msgs[2] {
		t.Errorf("not-found messages differ: %q", msgs)
	}
	if p := lookup(serial, ""); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("no code = %d", p.Status)
	}
	// The page's QR code: the case's address, which asks for the code.
	q := anon.get("/progress/" + serial + "/qr.png")
	if q.Status != 200 || q.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(q.Body, "\x89PNG") {
		t.Errorf("qr = %d %s", q.Status, q.Header.Get("Content-Type"))
	}
}
