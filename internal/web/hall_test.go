package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
	"zwfw/internal/catalog"
	"zwfw/internal/web"
)

// foodCode is 食品经营许可 in the seed catalog.
const foodCode = "010100100000"

var towns = []string{"城关镇", "四亩地镇", "江口回族镇", "广货街镇", "龙王镇", "筒车湾镇", "金川镇", "皇冠镇", "太山庙镇", "梅子镇", "新场镇"}

func TestHome(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	c := newClient(t, e)
	p := c.get("/")
	if p.Status != 200 {
		t.Fatalf("/ = %d", p.Status)
	}
	mustContain(t, "home", p.Body, `<html lang="zh-CN"`, `<form class="search" action="/items"`, `name="q"`,
		`name="SiteName" content="宁陕县政务服务网"`, `name="SiteDomain"`, `name="SiteIDCode"`, "主办单位：宁陕县人民政府办公室",
		"登录", "个人注册", "法人注册", "个人办事", "法人办事", "生育", "开办企业", "部门服务", "宁陕县市场监督管理局")
	if n := strings.Count(p.Body, `href="/towns/`); n != 11 {
		t.Errorf("home links %d towns, want the 11 towns of 宁陕县", n)
	}
	for _, town := range towns {
		mustContain(t, "home", p.Body, town)
	}
	// The counters are the catalog's real numbers.
	_, total, err := e.App.Catalog.Search(context.Background(), catalog.Query{Limit: 1})
	if err != nil || total == 0 {
		t.Fatalf("catalog: %d items, %v", total, err)
	}
	depts, _ := e.App.Catalog.CountByDept(context.Background())
	mustContain(t, "home counters", p.Body, "<b>"+strconv.Itoa(total)+"</b><span>政务服务事项", "<b>"+strconv.Itoa(len(depts))+"</b><span>实施部门")
}

func TestSearch(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	c := newClient(t, e)
	for _, q := range []string{"食品", "spjy", "食品 经营"} {
		p := c.get("/items?q=" + url.QueryEscape(q))
		if p.Status != 200 || !strings.Contains(p.Body, ">食品经营许可</a>") {
			t.Errorf("search %q: status %d, 食品经营许可 not listed", q, p.Status)
		}
	}
	p := c.get("/items?q=" + url.QueryEscape("底保"))
	mustContain(t, "empty search", p.Body, "没有找到与“底保”相关的事项", "拼音首字母", "您是不是要找",
		`<a href="/items?q=%e4%bd%8e%e4%bf%9d">低保</a>`, "城乡居民最低生活保障（审核确认）")
	// Filters, chips and the fragment app.js refreshes.
	p = c.get("/items?audience=enterprise&theme=" + url.QueryEscape("经营许可"))
	mustContain(t, "filtered list", p.Body, "主题：经营许可", "服务对象：法人", ">食品经营许可</a>")
	p = c.get("/items?partial=results&q=" + url.QueryEscape("食品"))
	if strings.Contains(p.Body, "<html") || !strings.Contains(p.Body, "data-total=") {
		t.Errorf("results fragment is not a fragment")
	}
	// Paging: the whole catalog does not fit on one page.
	p = c.get("/items")
	mustContain(t, "list", p.Body, `rel="next"`, "第 1/")
	p = c.get("/items?page=2")
	mustContain(t, "page 2", p.Body, `rel="prev"`)
}

// The guide shows UX.md's sections in order and the public change log.
func TestGuide(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	c := newClient(t, e)
	p := c.get("/items/" + foodCode)
	if p.Status != 200 {
		t.Fatalf("guide = %d", p.Status)
	}
	last := -1
	for _, h := range []string{"基本信息", "受理条件", "申请材料", "办理流程", "收费标准及依据", "设定依据", "窗口办理", "咨询方式", "监督投诉方式", "常见问题", "变更记录"} {
		i := strings.Index(p.Body, `</span>`+h+`</h2>`)
		if i < 0 {
			t.Errorf("guide: no section %s", h)
			continue
		}
		if i < last {
			t.Errorf("guide: section %s out of order", h)
		}
		last = i
	}
	mustContain(t, "guide", p.Body, "食品经营许可", "序号", "材料名称", "份数·规格", "空表下载", "样表下载", "填报须知",
		"★ 为必要材料", "个工作日", "不收费", "新设", "宁陕县政务服务事项目录清单和实施清单首次发布", "在线办理",
		`href="/login?next=%2Fitems%2F`+foodCode+`"`, "打印指南", "窗口申请，最多跑一次")
	if c.get("/items/999999999999").Status != 404 {
		t.Error("unknown item is not 404")
	}
	if p := c.get("/items/" + foodCode + "?v=1"); p.Status != 200 {
		t.Errorf("?v=1 = %d", p.Status)
	}
	if p := c.get("/items/" + foodCode + "?v=9"); p.Status != 404 {
		t.Errorf("?v=9 = %d, want 404", p.Status)
	}
}

func TestTown(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	c := newClient(t, e)
	p := c.get("/towns/610923100")
	if p.Status != 200 {
		t.Fatalf("town = %d", p.Status)
	}
	mustContain(t, "town", p.Body, "城关镇便民服务中心", "宁陕县城关镇人民政府院内一楼", "0915-6831120", "综合窗口", "社会事务窗口",
		"东关社区便民服务站", "在镇便民服务中心可办理的事项")
	if c.get("/towns/610923D01").Status != 404 {
		t.Error("a department is not a town")
	}
}

// Downloads serve only files an item references, under their own name.
func TestDownloads(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	ctx := context.Background()
	c := newClient(t, e)
	it, err := e.App.Catalog.Get(ctx, foodCode)
	if err != nil {
		t.Fatal(err)
	}
	var att *catalog.Attachment
	for _, m := range it.Materials {
		if m.BlankForm != nil {
			att = m.BlankForm
			break
		}
	}
	if att == nil {
		t.Fatal("食品经营许可 has no blank form in the seed")
	}
	p := c.get("/items/" + foodCode + "/files/" + att.SHA256)
	if p.Status != 200 {
		t.Fatalf("download = %d", p.Status)
	}
	if p.Header.Get("Content-Type") != att.ContentType {
		t.Errorf("content type %q, want %q", p.Header.Get("Content-Type"), att.ContentType)
	}
	cd := p.Header.Get("Content-Disposition")
	if !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=UTF-8''"+url.PathEscape(att.Name)) {
		t.Errorf("Content-Disposition %q does not name %q", cd, att.Name)
	}
	sum := sha256.Sum256([]byte(p.Body))
	if hex.EncodeToString(sum[:]) != att.SHA256 {
		t.Error("downloaded bytes differ from the stored file")
	}
	// A random digest, and a stored file this item does not reference.
	if p := c.get("/items/" + foodCode + "/files/" + strings.Repeat("ab", 32)); p.Status != 404 {
		t.Errorf("random sha = %d, want 404", p.Status)
	}
	other := otherAttachment(t, e, foodCode)
	if p := c.get("/items/" + foodCode + "/files/" + other); p.Status != 404 {
		t.Errorf("another item's file = %d, want 404", p.Status)
	}
	if p := c.get("/items/" + foodCode + "/files/..%2F..%2Fzwfw.db"); p.Status != 404 {
		t.Errorf("path trick = %d, want 404", p.Status)
	}
}

// otherAttachment is a stored file of some item other than code that code
// does not reference.
func otherAttachment(t *testing.T, e *apptest.Env, code string) string {
	t.Helper()
	ctx := context.Background()
	own, _ := e.App.Catalog.Get(ctx, code)
	mine := map[string]bool{}
	for _, m := range own.Materials {
		for _, a := range []*catalog.Attachment{m.BlankForm, m.Sample, m.GuideFile} {
			if a != nil {
				mine[a.SHA256] = true
			}
		}
	}
	items, _, _ := e.App.Catalog.Search(ctx, catalog.Query{Limit: 500})
	for _, it := range items {
		for _, m := range it.Materials {
			if m.BlankForm != nil && !mine[m.BlankForm.SHA256] {
				return m.BlankForm.SHA256
			}
		}
	}
	t.Fatal("no other item has a blank form")
	return ""
}

// Every page stays under 150 KB with its stylesheet and script, and the
// assets are served from checksum URLs with long caching.
func TestPageWeight(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	anon := newClient(t, e)
	admin := login(t, e, "admin", apptest.AdminPassword)
	assetRE := regexp.MustCompile(`(?:href|src)="(/static/[0-9a-f]{12}/[a-z.]+)"`)
	cases := []struct {
		c    *client
		path string
	}{
		{anon, "/"}, {anon, "/items"}, {anon, "/items?q=" + url.QueryEscape("许可")}, {anon, "/items/" + foodCode},
		{anon, "/login"}, {anon, "/register"}, {anon, "/towns/610923100"}, {admin, "/admin/items"}, {admin, "/admin"},
	}
	for _, tc := range cases {
		p := tc.c.get(tc.path)
		if p.Status != 200 {
			t.Errorf("%s = %d", tc.path, p.Status)
			continue
		}
		total := len(p.Body)
		seen := map[string]bool{}
		for _, m := range assetRE.FindAllStringSubmatch(p.Body, -1) {
			if seen[m[1]] {
				continue
			}
			seen[m[1]] = true
			a := anon.get(m[1])
			if a.Status != 200 {
				t.Errorf("%s: asset %s = %d", tc.path, m[1], a.Status)
			}
			if !strings.Contains(a.Header.Get("Cache-Control"), "max-age=31536000") {
				t.Errorf("asset %s is not cached long: %q", m[1], a.Header.Get("Cache-Control"))
			}
			total += len(a.Body)
		}
		if len(seen) < 3 {
			t.Errorf("%s references %d assets, want app.css, app.js and icon.svg", tc.path, len(seen))
		}
		t.Logf("%-28s page %6d B, with assets %6d B", tc.path, len(p.Body), total)
		if total > 150*1024 {
			t.Errorf("%s weighs %d bytes with its assets, over 150 KB", tc.path, total)
		}
	}
}

var (
	inlineScriptRE = regexp.MustCompile(`(?i)<script\b[^>]*>`)
	inlineStyleRE  = regexp.MustCompile(`(?i)<style\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:`)
)

// The templates carry no inline script or style: the Content-Security-
// Policy forbids them.
func TestTemplatesHaveNoInlineScriptOrStyle(t *testing.T) {
	n := 0
	err := fs.WalkDir(web.TemplatesForTest(), "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		b, err := fs.ReadFile(web.TemplatesForTest(), path)
		if err != nil {
			return err
		}
		s := string(b)
		for _, tag := range inlineScriptRE.FindAllString(s, -1) {
			if !strings.Contains(tag, " src=") {
				t.Errorf("%s: inline script %s", path, tag)
			}
		}
		if m := inlineStyleRE.FindString(s); m != "" {
			t.Errorf("%s: inline style or handler %q", path, m)
		}
		return nil
	})
	if err != nil || n < 10 {
		t.Fatalf("walked %d templates: %v", n, err)
	}
}

func TestElderMode(t *testing.T) {
	e := apptest.Start(t, "sqlite", apptest.Options{NoDemo: true})
	c := newClient(t, e)
	p := c.post("/care", url.Values{"on": {"1"}, "next": {"/items/" + foodCode}}, true)
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/items/"+foodCode {
		t.Fatalf("switch on = %d %s", p.Status, p.Header.Get("Location"))
	}
	p = c.follow(p)
	mustContain(t, "elder mode", p.Body, `<html lang="zh-CN" class="care">`, "返回标准版")
	p = c.follow(c.post("/care", url.Values{"on": {"0"}, "next": {"https://evil.example/"}}, true))
	if strings.Contains(p.Body, `class="care"`) || !strings.Contains(p.Body, "关怀版") {
		t.Error("elder mode did not switch off")
	}
}
