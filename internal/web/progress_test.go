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
	// The home page has the lookup; the form moves to the case's address.
	home := anon.get("/")
	mustContain(t, "home widget", home.Body, `action="/progress"`, `name="serial"`, `name="code"`, "办件查询")
	p := anon.get("/progress")
	mustContain(t, "form", p.Body, "办件编号", "查询码", `action="/progress"`)
	p = anon.get("/progress?serial=" + url.QueryEscape(serial) + "&code=" + c.QueryCode)
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/progress/"+serial+"?code="+c.QueryCode {
		t.Fatalf("lookup = %d %s", p.Status, p.Header.Get("Location"))
	}
	p = anon.follow(p)
	if p.Status != 200 {
		t.Fatalf("progress = %d", p.Status)
	}
	// Item, centre, masked applicant, status, current step, timeline; no
	// personal data.
	mustContain(t, "progress", p.Body, "就业创业证申领", "宁陕县城关镇便民服务中心", "王**", "待受理", "当前节点：受理", "提交申请", "qr.png?code="+c.QueryCode)
	for _, secret := range []string{"王秀兰", "610923198503120025", "13991561234", "首次申领就业创业证", "登记表.pdf"} {
		if strings.Contains(p.Body, secret) {
			t.Errorf("public progress shows %q", secret)
		}
	}
	// The last six of the ID number also open it.
	if p := anon.get("/progress/" + serial + "?code=120025"); p.Status != 200 {
		t.Errorf("ID's last six = %d", p.Status)
	}
	// Wrong, missing, or for an unknown serial: the same "not found".
	var msgs []string
	for _, path := range []string{"/progress/" + serial + "?code=000000", "/progress/" + serial, "/progress/610923100-20000101-00001?code=" + c.QueryCode} {
		p := anon.get(path)
		if p.Status != http.StatusNotFound || !strings.Contains(p.Body, "没有找到办件编号为") {
			t.Errorf("%s = %d", path, p.Status)
		}
		if strings.Contains(p.Body, "王**") || strings.Contains(p.Body, "就业创业证申领") {
			t.Errorf("%s leaks the case", path)
		}
		msgs = append(msgs, strings.ReplaceAll(p.Body[strings.Index(p.Body, "没有找到"):][:60], "610923100-20000101-00001", serial))
	}
	if msgs[0] != msgs[1] || msgs[1] != msgs[2] {
		t.Errorf("not-found messages differ: %q", msgs)
	}
	if p := anon.get("/progress?serial=" + url.QueryEscape(serial)); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("no code = %d", p.Status)
	}
	// The page's QR code, only with the right code.
	q := anon.get("/progress/" + serial + "/qr.png?code=" + c.QueryCode)
	if q.Status != 200 || q.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(q.Body, "\x89PNG") {
		t.Errorf("qr = %d %s", q.Status, q.Header.Get("Content-Type"))
	}
	if q := anon.get("/progress/" + serial + "/qr.png?code=999999"); q.Status != http.StatusNotFound {
		t.Errorf("qr with a wrong code = %d", q.Status)
	}
}
