package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
)

// jobCode is 就业创业证申领: a 即办件 of the county and the towns, with two
// required materials (the form, the ID card) and two optional ones.
const (
	jobCode    = "200300200000"
	chengguanC = "610923100C"
	demoPass   = apptest.DemoPassword
)

// A small valid PDF, as a scanner would produce it.
var pdf = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

// actorOf is a demo account as the services see it.
func actorOf(t testing.TB, e *apptest.Env, username string) *zwfw.Actor {
	t.Helper()
	u, err := e.App.Users.ByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return u.Actor()
}

func countRows(t testing.TB, e *apptest.Env, q string, args ...any) int {
	t.Helper()
	var n int
	if err := e.App.DB.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var serialRE = regexp.MustCompile(`/apply/submitted/([0-9]{6,12}-[0-9]{8}-[0-9]{5})`)

// applyJob applies online for 就业创业证申领 at 城关镇 as c: the form
// uploaded as a PDF, the ID card handed in at the window. It returns the
// serial number.
func applyJob(t testing.TB, c *client) string {
	t.Helper()
	p := c.get("/apply/" + jobCode)
	if p.Status != 200 {
		t.Fatalf("apply form = %d", p.Status)
	}
	v := paperValues(t, p.Body, "/apply/"+jobCode)
	v.Set("org_code", chengguanC)
	v.Set("agree", "1")
	v.Set("description", "首次申领就业创业证")
	v.Set("m1.how", "window")
	v.Set("op", "submit")
	p = c.postMultipart("/apply/"+jobCode, v, upload{"m0.file", "登记表.pdf", pdf})
	m := serialRE.FindStringSubmatch(p.Header.Get("Location"))
	if p.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("submit = %d %s\n%s", p.Status, p.Header.Get("Location"), p.Body)
	}
	return m[1]
}

func TestApplyOnline(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	// Signed out, 在线办理 asks to sign in and comes back.
	anon := newClient(t, e)
	guide := anon.get("/items/" + jobCode)
	mustContain(t, "guide", guide.Body, `href="/apply/`+jobCode+`"`)
	p := anon.get("/apply/" + jobCode)
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/login?next="+url.QueryEscape("/apply/"+jobCode) {
		t.Fatalf("signed out: %d %s", p.Status, p.Header.Get("Location"))
	}

	wang := login(t, e, "resident.wang", demoPass)
	p = wang.get("/apply/" + jobCode)
	if p.Status != 200 {
		t.Fatalf("apply form = %d", p.Status)
	}
	// The key facts, the one-time list of materials, the three steps, the
	// centres where the item's levels allow, the account's details masked.
	mustContain(t, "apply form", p.Body, "阅读须知", "填写信息", "上传材料", "就业创业证申领登记表", "居民身份证", "★",
		`value="610923C"`, `value="610923100C"`, "宁陕县城关镇便民服务中心", "王秀兰", "610***********0025", "139****1234",
		"已阅读办事须知", "保存草稿", "提交申请", "20 MB", "PDF", `name="m0.file"`, `value="window"`, `value="post"`)
	if strings.Contains(p.Body, "610923198503120025") {
		t.Error("the apply form shows the full ID number")
	}
	if strings.Contains(p.Body, "城关镇东关社区便民服务站") {
		t.Error("a village station offered for an item without the village level")
	}

	serial := applyJob(t, wang)
	p = wang.follow(wang.get("/apply/submitted/" + serial))
	mustContain(t, "confirmation", p.Body, "申请已提交", serial, "查询码", "网上预审", "一次性告知", "居民身份证")
	c, err := e.App.Cases.Get(context.Background(), actorOf(t, e, "resident.wang"), serial)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "confirmation", p.Body, c.QueryCode)
	if c.OrgCode != chengguanC || c.Channel != casework.ChannelOnline || c.Form.Description != "首次申领就业创业证" {
		t.Errorf("case: %+v", c)
	}
	if len(c.Materials) != 2 || c.Materials[0].ContentType != "application/pdf" || c.Materials[1].HandedIn != "window" {
		t.Errorf("materials: %+v", c.Materials)
	}
	// 我的办件 lists it.
	p = wang.get("/my")
	mustContain(t, "my", p.Body, serial, "就业创业证申领", "待受理")
}

func TestApplyDraftThenSubmit(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	wang := login(t, e, "resident.wang", demoPass)
	p := wang.get("/apply/" + jobCode)
	v := paperValues(t, p.Body, "/apply/"+jobCode)
	v.Set("org_code", chengguanC)
	v.Set("description", "先保存，明天再交")
	v.Set("op", "draft")
	p = wang.postMultipart("/apply/"+jobCode, v, upload{"m0.file", "登记表.pdf", pdf})
	if p.Status != http.StatusSeeOther || !strings.Contains(p.Header.Get("Location"), "?draft=") {
		t.Fatalf("save draft = %d %s\n%s", p.Status, p.Header.Get("Location"), p.Body)
	}
	draftURL := p.Header.Get("Location")
	p = wang.follow(p)
	mustContain(t, "draft", p.Body, "草稿已保存", "先保存，明天再交", `name="draft"`, "已上传：<b>登记表.pdf</b>", `name="m0.file_id"`)
	if countRows(t, e, "SELECT COUNT(*) FROM cases WHERE applicant_id = ? AND item_code = ? AND status = 'submitted'", actorOf(t, e, "resident.wang").UserID, jobCode) != 0 {
		t.Fatal("saving a draft filed a case")
	}
	my := wang.get("/my")
	mustContain(t, "my drafts", my.Body, "草稿", "就业创业证申领", "继续填写", strings.TrimPrefix(draftURL, "/"))

	// Submitting without ticking 已阅读 is refused beside the box; the file stays.
	v = paperValues(t, p.Body, "/apply/"+jobCode)
	v.Set("m1.how", "post")
	v.Set("op", "submit")
	p = wang.postMultipart("/apply/"+jobCode, v)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("submit without agreeing = %d", p.Status)
	}
	mustContain(t, "not agreed", p.Body, `id="error-summary"`, "请先阅读办事须知", `name="m0.file_id"`, "先保存，明天再交")

	v = paperValues(t, p.Body, "/apply/"+jobCode)
	v.Set("agree", "1")
	v.Set("op", "submit")
	p = wang.postMultipart("/apply/"+jobCode, v)
	m := serialRE.FindStringSubmatch(p.Header.Get("Location"))
	if p.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("submit draft = %d %s\n%s", p.Status, p.Header.Get("Location"), p.Body)
	}
	my = wang.get("/my")
	mustContain(t, "my after submit", my.Body, m[1], "没有草稿")
	if wang.get(draftURL).Status != http.StatusNotFound {
		t.Error("the submitted draft is still there")
	}
}

// A file of the wrong type is refused beside its material; nothing is
// filed and nothing is stored; what was typed stays.
func TestApplyWrongUpload(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	wang := login(t, e, "resident.wang", demoPass)
	cases := countRows(t, e, "SELECT COUNT(*) FROM cases")
	stored := countRows(t, e, "SELECT COUNT(*) FROM files")
	p := wang.get("/apply/" + jobCode)
	v := paperValues(t, p.Body, "/apply/"+jobCode)
	v.Set("org_code", chengguanC)
	v.Set("agree", "1")
	v.Set("description", "请保留我写的这句话")
	v.Set("m1.how", "window")
	v.Set("op", "submit")
	p = wang.postMultipart("/apply/"+jobCode, v, upload{"m0.file", "setup.exe", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong type = %d", p.Status)
	}
	mustContain(t, "wrong type", p.Body, "类型不被接受", "setup.exe", `id="error-summary"`, `href="#f-m-0-how-upload"`, "请保留我写的这句话",
		`value="window" checked`)
	if n := countRows(t, e, "SELECT COUNT(*) FROM cases"); n != cases {
		t.Errorf("a refused upload filed a case (%d → %d)", cases, n)
	}
	if n := countRows(t, e, "SELECT COUNT(*) FROM files"); n != stored {
		t.Errorf("a refused upload stored a file (%d → %d)", stored, n)
	}
	// A required material left out is named beside it by the service.
	v = paperValues(t, p.Body, "/apply/"+jobCode)
	v.Set("op", "submit")
	p = wang.postMultipart("/apply/"+jobCode, v)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("missing material = %d", p.Status)
	}
	mustContain(t, "missing material", p.Body, "请上传“就业创业证申领登记表”")
	// No place chosen.
	v.Set("org_code", "")
	v.Set("m0.how", "window")
	p = wang.postMultipart("/apply/"+jobCode, v)
	mustContain(t, "no place", p.Body, "请选择受理的服务中心", `href="#f-org_code"`)
}

func TestApplyRefusals(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	// Staff file at the window.
	staff := login(t, e, "county.window", demoPass)
	p := staff.get("/apply/" + jobCode)
	if p.Status != http.StatusForbidden {
		t.Errorf("staff = %d", p.Status)
	}
	mustContain(t, "staff", p.Body, "窗口工作台", `href="/work"`)
	if p := staff.get("/my"); p.Status != http.StatusForbidden {
		t.Errorf("staff /my = %d", p.Status)
	}
	wang := login(t, e, "resident.wang", demoPass)
	if p := wang.get("/apply/999999999999"); p.Status != http.StatusNotFound {
		t.Errorf("unknown item = %d", p.Status)
	}
	// A cancelled item takes no applications.
	it, err := e.App.Catalog.Get(context.Background(), jobCode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Catalog.Cancel(context.Background(), zwfw.System, jobCode, "职能调整，改由人社部门统一办理", it.Version); err != nil {
		t.Fatal(err)
	}
	p = wang.get("/apply/" + jobCode)
	if p.Status != http.StatusConflict {
		t.Errorf("cancelled item = %d", p.Status)
	}
	mustContain(t, "cancelled", p.Body, "本事项已取消", "不再受理新的申请")
	if p := wang.postMultipart("/apply/"+jobCode, url.Values{"op": {"submit"}, "csrf_token": {wang.csrf()}}); p.Status != http.StatusConflict {
		t.Errorf("post to a cancelled item = %d", p.Status)
	}
}
