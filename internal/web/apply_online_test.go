package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
	"zwfw/internal/catalog"
)

// paperValues is the apply page's form without its online 申请表: the
// tests that use it apply the way that stays open beside the online form,
// the signed 申请书 handed in as a material.
func paperValues(t testing.TB, body, action string) url.Values {
	t.Helper()
	v := formValues(t, body, action)
	for k := range v {
		if strings.HasPrefix(k, "d.") {
			delete(v, k)
		}
	}
	return v
}

// The online 申请表 (issue 12 items 3 and 4): prefilled from the account
// (ID number masked), an empty submission answers every problem at once
// beside its field, a filled one is filed without the 申请书 upload, and
// staff read the data and print the 申请书 with the signature line.
func TestApplyOnlineForm(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	// The guide offers the 申请书 to fill in online, not to download.
	mustContain(t, "guide", newClient(t, e).get("/items/"+jobCode).Body, `<a href="/apply/`+jobCode+`">`, "在线填写", "网上申请时填写，无需下载")
	wang := login(t, e, "resident.wang", demoPass)
	p := wang.get("/apply/" + jobCode)
	mustContain(t, "form", p.Body, "就业创业证申领登记表（在线填写）", `name="d.f1" value="王秀兰"`, `name="d.f3" value="610***********0025"`,
		`name="d.f10" value="13991561234"`, `name="d.f4.division"`, "城关镇 东关社区", "由第 2 步在线填写的申请表代替")
	if strings.Contains(p.Body, "610923198503120025") {
		t.Error("the form shows the full ID number")
	}
	// Everything empty: all problems at once, each beside its field.
	v := formValues(t, p.Body, "/apply/"+jobCode)
	for k := range v {
		if strings.HasPrefix(k, "d.") {
			v.Set(k, "")
		}
	}
	v.Set("org_code", "")
	v.Set("op", "submit")
	p = wang.postMultipart("/apply/"+jobCode, v)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("empty = %d", p.Status)
	}
	mustContain(t, "empty", p.Body, "请先阅读办事须知", "请选择受理的服务中心", `id="f-d-f1-err"`, "请填写“姓名”", "请选择“性别”",
		`id="f-d-f3-err"`, "请填写“身份证号码”", `id="f-d-f4-err"`, "请填写“户籍地址”", `id="f-d-f10-err"`, `href="#f-d-f4-division"`, "请上传“居民身份证”")
	// Filled in: filed without uploading the 申请书.
	v = formValues(t, wang.get("/apply/"+jobCode).Body, "/apply/"+jobCode)
	v.Set("org_code", chengguanC)
	v.Set("agree", "1")
	v.Set("d.f2", "女")
	v.Set("d.f4.division", "610923100")
	v.Set("d.f4.detail", "东关社区北街22号")
	v.Set("d.f5.division", "610923100")
	v.Set("d.f5.detail", "东关社区北街22号")
	v.Set("d.f6", "大专")
	v.Set("d.f7", "安康职业技术学院，2026年7月")
	v.Set("d.f8", "未就业")
	v.Set("d.f9", "首次申领")
	v.Set("m1.how", "window")
	v.Set("op", "submit")
	p = wang.postMultipart("/apply/"+jobCode, v)
	m := serialRE.FindStringSubmatch(p.Header.Get("Location"))
	if p.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("filled = %d\n%s", p.Status, p.Body)
	}
	serial := m[1]
	// The window reads the data (ID masked) and prints the 申请书 in full.
	clerk := login(t, e, "chengguan.window", demoPass)
	p = clerk.get("/work/cases/" + serial)
	mustContain(t, "staff", p.Body, "就业创业证申领登记表", "王秀兰", "女", "城关镇 东关社区北街22号", "610***********0025", "打印申请书")
	// The checklist's 申请书 row says it was filled in online, not 未提交.
	mustContain(t, "staff checklist", p.Body, `<span class="badge b-green">在线填报</span>`, "见上方在线申请表")
	if strings.Contains(p.Body, "610923198503120025") {
		t.Error("the case page shows the form's full ID number")
	}
	p = clerk.get("/work/cases/" + serial + "/form")
	if p.Status != http.StatusOK {
		t.Fatalf("print = %d", p.Status)
	}
	mustContain(t, "print", p.Body, "610923198503120025", "安康职业技术学院，2026年7月", "申请人（签字）", "日期", serial)
	if n := countRows(t, e, "SELECT COUNT(*) FROM audit_log WHERE action = ? AND object = ?", "case.print_form", "case:"+serial); n != 1 {
		t.Errorf("the print was recorded %d times in the audit log, want 1", n)
	}
	// Those who may not see full ID numbers do not print it.
	if p := login(t, e, "chengguan.cashier", demoPass).get("/work/cases/" + serial + "/form"); p.Status != http.StatusForbidden {
		t.Errorf("a cashier printed the 申请书: %d", p.Status)
	}
	// Her next application starts from this one.
	p = wang.get("/apply/" + jobCode)
	mustContain(t, "again", p.Body, `name="d.f9" value="首次申领"`, `<option value="大专" selected>大专</option>`)
}

// The form builder: a catalog administrator reorders, removes and adds
// fields, previews the form, and saves it as a new version of the item;
// a broken field is named beside its row and nothing is saved.
func TestFormBuilder(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	ctx := context.Background()
	before, err := e.App.Catalog.Get(ctx, jobCode)
	if err != nil || before.Form == nil {
		t.Fatalf("seeded form: %v", err)
	}
	admin := login(t, e, "county.catalog", demoPass)
	p := admin.get("/admin/items/" + jobCode + "/form")
	if p.Status != http.StatusOK {
		t.Fatalf("builder = %d", p.Status)
	}
	mustContain(t, "builder", p.Body, "就业创业证申领登记表", `name="fl.0.label" value="姓名"`, `name="fl.9.label" value="联系电话"`, "预览：申请人看到的申请表")
	v := formValues(t, p.Body, "/admin/items/"+jobCode+"/form")
	n := len(before.Form.Fields)
	v.Set("fl.9.delete", "1") // 联系电话
	add := func(k, val string) { v.Set(fmt.Sprintf("fl.%d.%s", n, k), val) }
	add("key", "household")
	add("label", "户口性质")
	add("type", "choice")
	add("options", "农业、非农业")
	add("required", "1")
	add("order", "0") // first
	v.Set("reason", "增加户口性质，联系电话取自账户")
	v.Set("op", "preview")
	p = admin.post("/admin/items/"+jobCode+"/form", v, true)
	if p.Status != http.StatusOK {
		t.Fatalf("preview = %d", p.Status)
	}
	mustContain(t, "preview", p.Body, `id="f-d-household"`, `<option value="农业"`)
	if it, _ := e.App.Catalog.Get(ctx, jobCode); it.Version != before.Version {
		t.Fatal("the preview saved the form")
	}
	// A duplicate key is named beside its row; nothing is saved.
	bad := formValues(t, p.Body, "/admin/items/"+jobCode+"/form")
	bad.Set("fl.1.key", "household")
	bad.Set("op", "save")
	p = admin.post("/admin/items/"+jobCode+"/form", bad, true)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("duplicate key = %d", p.Status)
	}
	mustContain(t, "duplicate", p.Body, "栏目标识“household”重复", `id="fl-1-row-err"`)
	v.Set("op", "save")
	p = admin.post("/admin/items/"+jobCode+"/form", v, true)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("save = %d\n%s", p.Status, p.Body)
	}
	after, err := e.App.Catalog.Get(ctx, jobCode)
	if err != nil {
		t.Fatal(err)
	}
	if after.Version != before.Version+1 || len(after.Form.Fields) != n || after.Form.Fields[0].Key != "household" ||
		after.Form.Fields[0].Options[1] != "非农业" || slices.ContainsFunc(after.Form.Fields, func(f catalog.FormField) bool { return f.Label == "联系电话" }) {
		t.Fatalf("saved form: v%d %+v", after.Version, after.Form.Fields)
	}
}
