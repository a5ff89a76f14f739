package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
	"zwfw/internal/catalog"
)

// editForm loads the item form of code and returns what it would submit.
func editForm(t *testing.T, c *client, code string) url.Values {
	t.Helper()
	p := c.get("/admin/items/" + code + "/edit")
	if p.Status != 200 {
		t.Fatalf("edit form = %d", p.Status)
	}
	return formValues(t, p.Body, "/admin/items/"+code)
}

// An administrator edits an item through the structured form: a new
// version with the reason in the public change log; validation errors land
// beside their inputs with the input kept; a stale form is refused.
func TestAdminEditsItem(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		before, err := e.App.Catalog.Get(ctx, foodCode)
		if err != nil {
			t.Fatal(err)
		}
		c := login(t, e, "county.catalog", apptest.DemoPassword)
		v := editForm(t, c, foodCode)
		if v.Get("base") != strconv.Itoa(before.Version) || v.Get("name") != before.Name {
			t.Fatalf("form does not carry the item: base %q name %q", v.Get("base"), v.Get("name"))
		}
		nm := len(before.Materials)
		if v.Get("materials["+strconv.Itoa(nm+1)+"].name") != "" || !v.Has("materials["+strconv.Itoa(nm+1)+"].form") {
			t.Fatal("the form lacks its two empty material rows")
		}

		// A broken element: the error sits at materials[0].form and all
		// that was typed comes back.
		bad := cloneValues(v)
		bad.Set("materials[0].form", "paper")
		bad.Set("hours", "周一至周五（测试时间）")
		bad.Set("reason", "测试")
		bad.Set("csrf_token", c.csrf())
		p := c.postMultipart("/admin/items/"+foodCode, bad)
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("invalid form = %d, want 422", p.Status)
		}
		mustContain(t, "invalid form", p.Body, `id="f-materials-0-form-err"`, "第 1 项材料的形式“paper”无效", `href="#f-materials-0-form"`,
			`value="周一至周五（测试时间）"`, `>测试</textarea>`)

		// A good change: a question added in an empty row, a new material
		// with an uploaded blank form.
		good := cloneValues(v)
		good.Set("faq[5].q", "可以委托他人办理吗？")
		good.Set("faq[5].a", "可以，须提交授权委托书和受托人身份证件。")
		mi := "materials[" + strconv.Itoa(nm) + "]"
		good.Set(mi+".name", "从业人员健康证明")
		good.Set(mi+".copies", "1")
		good.Set("reason", "补充常见问题和健康证明材料（测试）")
		good.Set("csrf_token", c.csrf())
		pdf := []byte("%PDF-1.4\n% zwfw test\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
		p = c.postMultipart("/admin/items/"+foodCode, good, upload{mi + ".blank_form.file", "健康证明（空白）.pdf", pdf})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("save = %d\n%s", p.Status, problems(p.Body))
		}
		p = c.follow(p)
		mustContain(t, "after save", p.Body, "已保存“食品经营许可”第 "+strconv.Itoa(before.Version+1)+" 版")

		after, _ := e.App.Catalog.Get(ctx, foodCode)
		if after.Version != before.Version+1 || len(after.Materials) != nm+1 || after.Materials[nm].BlankForm == nil {
			t.Fatalf("saved item: version %d, %d materials", after.Version, len(after.Materials))
		}
		// Everything not touched survived the round trip through the form.
		probe := *after
		probe.FAQ, probe.Materials = before.FAQ, before.Materials
		if d := catalog.Diff(before, &probe); len(d) != 0 {
			t.Errorf("the form changed elements nobody touched: %v", d)
		}

		guide := newClient(t, e).get("/items/" + foodCode)
		mustContain(t, "guide after edit", guide.Body, "补充常见问题和健康证明材料（测试）", "吴文静", "申请材料、常见问题", "可以委托他人办理吗？",
			"从业人员健康证明", "/files/"+after.Materials[nm].BlankForm.SHA256)
		if d := newClient(t, e).get("/items/" + foodCode + "/files/" + after.Materials[nm].BlankForm.SHA256); d.Status != 200 || d.Body != string(pdf) {
			t.Errorf("uploaded blank form download = %d", d.Status)
		}
		old := newClient(t, e).get("/items/" + foodCode + "?v=" + strconv.Itoa(before.Version))
		mustContain(t, "old version", old.Body, "已不是现行版本")

		// The first form again: its base version is stale now.
		stale := cloneValues(v)
		stale.Set("hours", "周一至周日")
		stale.Set("reason", "过期的表单")
		stale.Set("csrf_token", c.csrf())
		p = c.postMultipart("/admin/items/"+foodCode, stale)
		if p.Status != http.StatusConflict {
			t.Fatalf("stale form = %d, want 409", p.Status)
		}
		mustContain(t, "stale form", p.Body, "已被他人修改", "在新窗口打开最新版本", `value="周一至周日"`)
	})
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vals := range v {
		out[k] = append([]string(nil), vals...)
	}
	return out
}

var problemRE = regexp.MustCompile(`<span class="err"[^>]*>[^<]*</span>|<div class="alert[^"]*"[^>]*>.*?</div>`)

func problems(body string) string { return strings.Join(problemRE.FindAllString(body, -1), "\n") }

// The forged attachment: a hidden sha256 the form did not sign is refused.
func TestItemFormRefusesForgedAttachment(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	c := login(t, e, "admin", apptest.AdminPassword)
	v := editForm(t, c, foodCode)
	other := otherAttachment(t, e, foodCode)
	v.Set("materials[0].sample.sha256", other)
	v.Set("materials[0].sample.name", "偷梁换柱.xlsx")
	v.Set("materials[0].sample.size", "100")
	v.Set("materials[0].sample.content_type", "application/pdf")
	v.Set("materials[0].sample.mac", "00")
	v.Set("reason", "伪造附件")
	v.Set("csrf_token", c.csrf())
	p := c.postMultipart("/admin/items/"+foodCode, v)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "无法核验") {
		t.Fatalf("forged attachment = %d", p.Status)
	}
}

// A town's catalog administrator cannot change a county item, by the page
// or by posting the form anyway.
func TestTownAdminCannotEditCountyItem(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	admin := login(t, e, "admin", apptest.AdminPassword)
	v := editForm(t, admin, foodCode)
	for _, user := range []string{"chengguan.catalog", "chengguan.admin"} {
		c := login(t, e, user, apptest.DemoPassword)
		list := c.get("/admin/items")
		mustContain(t, user+" list", list.Body, "不在管辖范围")
		if p := c.get("/admin/items/" + foodCode + "/edit"); p.Status != http.StatusForbidden {
			t.Errorf("%s edit page = %d, want 403", user, p.Status)
		}
		f := cloneValues(v)
		f.Set("hours", "镇里改的时间")
		f.Set("reason", "越权修改")
		f.Set("csrf_token", c.csrf())
		if p := c.postMultipart("/admin/items/"+foodCode, f); p.Status != http.StatusForbidden {
			t.Errorf("%s posting the form = %d, want 403", user, p.Status)
		}
		if p := c.post("/admin/items/"+foodCode+"/cancel", url.Values{"reason": {"越权取消"}, "base": {"1"}}, true); p.Status != http.StatusForbidden {
			t.Errorf("%s cancel = %d, want 403", user, p.Status)
		}
	}
	it, _ := e.App.Catalog.Get(context.Background(), foodCode)
	if it.Version != 1 || it.Hours == "镇里改的时间" || it.Cancelled() {
		t.Errorf("the county item changed: version %d", it.Version)
	}
}

func TestCreateAndCancelItem(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	c := login(t, e, "admin", apptest.AdminPassword)
	p := c.get("/admin/items/new")
	v := formValues(t, p.Body, "/admin/items")
	// Copy a valid item into the empty form: start from 食品经营许可's form.
	src := editForm(t, c, foodCode)
	for k, vals := range src {
		if k != "base" {
			v[k] = vals
		}
	}
	for _, k := range []string{"materials[0].blank_form", "materials[0].sample", "materials[0].guide_file"} {
		for _, f := range []string{".name", ".sha256", ".size", ".content_type", ".mac"} {
			v.Del(k + f)
		}
	}
	v.Set("code", "010100900000")
	v.Set("impl_code", "010100900000-610923000000-000-11610923MB0000174F-1-00")
	v.Set("name", "测试许可事项")
	v.Set("reason", "")
	v.Set("csrf_token", c.csrf())
	p = c.postMultipart("/admin/items", v)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `id="f-reason-err"`) {
		t.Fatalf("no reason = %d", p.Status)
	}
	v.Set("reason", "测试新设")
	p = c.postMultipart("/admin/items", v)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create = %d\n%s", p.Status, problems(p.Body))
	}
	mustContain(t, "new guide", newClient(t, e).get("/items/010100900000").Body, "测试许可事项", "测试新设")

	p = c.get("/admin/items/010100900000/cancel")
	cv := formValues(t, p.Body, "/admin/items/010100900000/cancel")
	cv.Set("reason", "测试取消")
	p = c.post("/admin/items/010100900000/cancel", cv, false)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("cancel = %d", p.Status)
	}
	g := newClient(t, e).get("/items/010100900000")
	mustContain(t, "cancelled guide", g.Body, "本事项已于", "取消，不再受理新的申请", "测试取消")
	if strings.Contains(g.Body, ">在线办理<") {
		t.Error("a cancelled item offers 在线办理")
	}
	mustContain(t, "admin list", c.get("/admin/items?status=cancelled").Body, "测试许可事项", "已取消")
	if p := c.get("/admin/items/010100900000/edit"); p.Status != http.StatusConflict {
		t.Errorf("editing a cancelled item = %d, want 409", p.Status)
	}
}

func TestImportAndExport(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	ctx := context.Background()
	c := login(t, e, "county.catalog", apptest.DemoPassword)
	p := c.get("/admin/catalog/export?format=json")
	if p.Status != 200 || !strings.Contains(p.Body, `"format": "zwfw-catalog/1"`) || !strings.Contains(p.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("JSON export = %d", p.Status)
	}
	x := c.get("/admin/catalog/export?format=xlsx")
	if x.Status != 200 || !strings.HasPrefix(x.Body, "PK") {
		t.Fatalf("xlsx export = %d", x.Status)
	}
	_, before, _ := e.App.Catalog.Search(ctx, catalog.Query{Status: "all", Limit: 1})

	// A file with problems: nothing is imported, every problem is listed.
	broken := strings.Replace(p.Body, `"name": "食品经营许可"`, `"name": ""`, 1)
	broken = strings.Replace(broken, `"kind": "promised"`, `"kind": "sometimes"`, 1)
	imp := c.get("/admin/catalog/import")
	v := formValues(t, imp.Body, "/admin/catalog/import")
	v.Set("reason", "测试导入")
	r := c.postMultipart("/admin/catalog/import", v, upload{"file", "catalog.json", []byte(broken)})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("broken import = %d", r.Status)
	}
	mustContain(t, "import problems", r.Body, "未导入任何事项", "问题清单", "第 1 个事项", "事项名称（name）", "办件类型")
	_, after, _ := e.App.Catalog.Search(ctx, catalog.Query{Status: "all", Limit: 1})
	if after != before {
		t.Errorf("a failed import changed the catalog: %d → %d", before, after)
	}
	// The unchanged export imports as "nothing changed"; the xlsx too.
	r = c.postMultipart("/admin/catalog/import", v, upload{"file", "catalog.json", []byte(p.Body)})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("import = %d\n%s", r.Status, problems(r.Body))
	}
	mustContain(t, "import result", c.follow(r).Body, "导入完成：新设 0 项，变更 0 项")
	r = c.postMultipart("/admin/catalog/import", v, upload{"file", "catalog.xlsx", []byte(x.Body)})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("xlsx import = %d\n%s", r.Status, problems(r.Body))
	}
	// Without a file or a reason the form says so.
	r = c.postMultipart("/admin/catalog/import", url.Values{"csrf_token": {c.csrf()}})
	mustContain(t, "empty import", r.Body, `id="f-file-err"`, `id="f-reason-err"`)
	_ = bytes.MinRead
}

func TestAdminOrgsAndUsers(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	ctx := context.Background()
	c := login(t, e, "county.admin", apptest.DemoPassword)
	p := c.get("/admin/orgs")
	mustContain(t, "org tree", p.Body, "<details", "宁陕县", "城关镇便民服务中心", "综合窗口", "新建下级")
	if strings.Contains(p.Body, "市政务服务中心") {
		t.Error("a county administrator sees the city's centre")
	}

	// A new window under 城关镇便民服务中心.
	p = c.get("/admin/orgs/new?parent=610923100C")
	v := formValues(t, p.Body, "/admin/orgs")
	v.Set("code", "610923100CW09")
	v.Set("name", "不动产窗口")
	v.Set("window_type", "specialised")
	v.Set("dept_code", "")
	r := c.post("/admin/orgs", v, false)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "专业窗口须指明所服务的部门") {
		t.Fatalf("window without dept = %d", r.Status)
	}
	v.Set("dept_code", "610923D05")
	if r := c.post("/admin/orgs", v, false); r.Status != http.StatusSeeOther {
		t.Fatalf("create window = %d\n%s", r.Status, problems(r.Body))
	}
	o, err := e.App.Orgs.ByCode(ctx, "610923100CW09")
	if err != nil || o.DeptCode != "610923D05" {
		t.Fatalf("window not created: %v", err)
	}
	// Deactivate it.
	if r := c.post("/admin/orgs/610923100CW09/active", url.Values{"active": {"0"}}, true); r.Status != http.StatusSeeOther {
		t.Fatalf("deactivate = %d", r.Status)
	}
	if o, _ := e.App.Orgs.ByCode(ctx, "610923100CW09"); o.Active {
		t.Error("window still active")
	}

	// A user at that centre.
	p = c.get("/admin/users/new")
	uv := formValues(t, p.Body, "/admin/users")
	uv.Set("username", "cg.window2")
	uv.Set("password", "Chengguan#2026")
	uv.Set("name", "刘小红")
	uv.Add("roles", "window")
	uv.Set("org_code", "610923100C")
	uv.Set("window_code", "610923100CW02")
	if r := c.post("/admin/users", uv, false); r.Status != http.StatusSeeOther {
		t.Fatalf("create user = %d\n%s", r.Status, problems(r.Body))
	}
	p = c.get("/admin/users?q=cg.window2")
	mustContain(t, "user list", p.Body, "刘小红", "窗口人员", "城关镇便民服务中心")
	// Edit: add the reviewer role.
	p = c.get("/admin/users/cg.window2/edit")
	ev := formValues(t, p.Body, "/admin/users/cg.window2")
	ev.Add("roles", "reviewer")
	if r := c.post("/admin/users/cg.window2", ev, false); r.Status != http.StatusSeeOther {
		t.Fatalf("edit user = %d\n%s", r.Status, problems(r.Body))
	}
	u, _ := e.App.Users.ByUsername(ctx, "cg.window2")
	if len(u.Roles) != 2 {
		t.Errorf("roles = %v", u.Roles)
	}
	// Reset the password: weak first, then a good one.
	if r := c.post("/admin/users/cg.window2/password", url.Values{"password": {"weak"}}, true); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("weak reset = %d", r.Status)
	}
	if r := c.post("/admin/users/cg.window2/password", url.Values{"password": {"Reset#2026ok"}}, true); r.Status != http.StatusSeeOther {
		t.Errorf("reset = %d", r.Status)
	}
	nc := newClient(t, e)
	r = nc.post("/login", url.Values{"username": {"cg.window2"}, "password": {"Reset#2026ok"}}, true)
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/account#password" {
		t.Errorf("first login after reset → %s, want the password form", r.Header.Get("Location"))
	}
	// A town administrator cannot edit a county account: to the town it
	// does not exist.
	town := login(t, e, "chengguan.admin", apptest.DemoPassword)
	if p := town.get("/admin/users/county.window/edit"); p.Status != http.StatusNotFound {
		t.Errorf("town admin editing a county account = %d", p.Status)
	}
}

// Every seeded item goes through the form unchanged: submitting the form
// as loaded changes no element (the service answers "nothing changed").
func TestItemFormRoundTripsEveryItem(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	c := login(t, e, "admin", apptest.AdminPassword)
	items, _, err := e.App.Catalog.Search(context.Background(), catalog.Query{Limit: 500})
	if err != nil || len(items) < 40 {
		t.Fatalf("%d items: %v", len(items), err)
	}
	for _, it := range items {
		v := editForm(t, c, it.Code)
		v.Set("reason", "原样提交")
		p := c.postMultipart("/admin/items/"+it.Code, v)
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "没有任何要素发生变化") {
			t.Errorf("%s %s: unchanged form = %d\n%s", it.Code, it.Name, p.Status, problems(p.Body))
		}
	}
}
