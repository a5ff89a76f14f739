package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
)

// exampleFirst is the item each example the search box and its tips
// suggest must find first. An example added to a page without a line here
// fails TestSearchExamples: every suggested search is a tested one.
var exampleFirst = map[string]string{
	"低保":     "城乡居民最低生活保障（审核确认）",
	"营业执照":   "个体工商户登记（设立）",
	"开饭店":    "食品经营许可",
	"建房":     "农村宅基地审批",
	"盖房":     "农村宅基地审批",
	"结婚":     "内地居民结婚登记",
	"dibao":  "城乡居民最低生活保障（审核确认）",
	"spjy":   "食品经营许可",
	"食品经营许可": "食品经营许可",
}

var (
	placeholderRE = regexp.MustCompile(`placeholder="[^"]*如：([^"]+)"`)
	exampleRE     = regexp.MustCompile(`<a class="eg" href="/items\?q=([^"]+)">`)
	firstResultRE = regexp.MustCompile(`<li class="result">\s*<h3><a href="[^"]+">([^<]+)</a>`)
)

// examples reads the examples a page suggests: those listed in a search
// box's placeholder (如：低保、营业执照…) and the example links of its tips.
func examples(t *testing.T, body string) []string {
	t.Helper()
	var out []string
	for _, m := range placeholderRE.FindAllStringSubmatch(body, -1) {
		for _, eg := range strings.Split(html.UnescapeString(m[1]), "、") {
			out = append(out, strings.TrimSpace(eg))
		}
	}
	for _, m := range exampleRE.FindAllStringSubmatch(body, -1) {
		q, err := url.QueryUnescape(html.UnescapeString(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, q)
	}
	return out
}

// TestSearchExamples: every example that the home page's search box, the
// search page's box and the no-result tips suggest finds the right item
// first (issue 12: the placeholder suggested 低保 and 营业执照, which found
// nothing).
func TestSearchExamples(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	c := newClient(t, e)
	seen := map[string]bool{}
	for _, page := range []string{"/", "/items", "/items?q=" + url.QueryEscape("火星护照")} {
		p := c.get(page)
		if p.Status != 200 {
			t.Fatalf("%s = %d", page, p.Status)
		}
		egs := examples(t, p.Body)
		if len(egs) == 0 {
			t.Errorf("%s suggests no examples: has the placeholder or the tips changed form?", page)
		}
		for _, eg := range egs {
			seen[eg] = true
		}
	}
	for _, want := range []string{"低保", "营业执照", "开饭店", "建房", "dibao", "spjy"} {
		if !seen[want] {
			t.Errorf("the pages no longer suggest %s", want)
		}
	}
	for eg := range seen {
		first, ok := exampleFirst[eg]
		if !ok {
			t.Errorf("the pages suggest %q: add the item it must find to exampleFirst", eg)
			continue
		}
		p := c.get("/items?q=" + url.QueryEscape(eg))
		m := firstResultRE.FindStringSubmatch(p.Body)
		if m == nil || html.UnescapeString(m[1]) != first {
			t.Errorf("example %q: want %s first, page shows %v", eg, first, m)
		}
	}
}

// TestSearchResultsShowDepartmentAndLevel: a result names its department,
// its levels and its 俗称.
func TestSearchResultsShowDepartmentAndLevel(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	c := newClient(t, e)
	p := c.get("/items?q=" + url.QueryEscape("低保"))
	mustContain(t, "低保", p.Body, "城乡居民最低生活保障（审核确认）", "宁陕县民政局", "镇级、村级", "俗称：低保、吃低保")
}

// TestAdminEditsAliases: the 俗称 are edited on the item form, a new
// version records them, and the public search finds the item by them at
// once; a 俗称 that repeats the name is refused beside its input.
func TestAdminEditsAliases(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	c := login(t, e, "county.catalog", apptest.DemoPassword)
	v := editForm(t, c, foodCode)
	if !strings.Contains(v.Get("aliases"), "开饭店、开餐馆") {
		t.Fatalf("the form does not show the 俗称: %q", v.Get("aliases"))
	}
	bad := cloneValues(v)
	bad.Set("aliases", v.Get("aliases")+"、食品经营许可")
	bad.Set("reason", "增加俗称（测试）")
	bad.Set("csrf_token", c.csrf())
	p := c.postMultipart("/admin/items/"+foodCode, bad)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("alias = name: %d", p.Status)
	}
	mustContain(t, "alias = name", p.Body, `id="f-aliases-err"`, "与事项名称相同", `href="#f-aliases"`)
	good := cloneValues(v)
	good.Set("aliases", v.Get("aliases")+"，办酒席")
	good.Set("reason", "增加俗称（测试）")
	good.Set("csrf_token", c.csrf())
	if p := c.postMultipart("/admin/items/"+foodCode, good); p.Status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", p.Status, problems(p.Body))
	}
	p = newClient(t, e).get("/items?q=" + url.QueryEscape("办酒席"))
	if m := firstResultRE.FindStringSubmatch(p.Body); m == nil || m[1] != "食品经营许可" {
		t.Fatalf("办酒席 after the edit: %v", m)
	}
	guide := newClient(t, e).get("/items/" + foodCode)
	mustContain(t, "guide", guide.Body, "增加俗称（测试）", `<th scope="row">俗称</th><td>开饭店、开餐馆`, "办酒席</td>")
}

var tileRE = regexp.MustCompile(`<li><a href="(/items\?[^"]+)"[^>]*><b>([^<]+)</b><small>(\d+) 项</small></a></li>`)

// TestLifeEventsAndEnterpriseStages: the home page offers every life event
// (出生 … 身后) and enterprise stage (开办、变更、注销) as an entry point,
// each with seeded items, and each opens the search page on its items.
func TestLifeEventsAndEnterpriseStages(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	c := newClient(t, e)
	home := c.get("/")
	tiles := map[string][2]string{}
	for _, m := range tileRE.FindAllStringSubmatch(home.Body, -1) {
		tiles[m[2]] = [2]string{html.UnescapeString(m[1]), m[3]}
	}
	for name, want := range map[string]string{
		"出生": "生育登记", "上学": "适龄儿童义务教育入学登记", "就业": "失业登记", "结婚": "内地居民结婚登记",
		"退休": "城乡居民基本养老保险参保登记", "身后": "死亡人员户口注销",
		"开办": "个体工商户登记（设立）", "变更": "个体工商户变更登记", "注销": "个体工商户注销登记",
	} {
		tile, ok := tiles[name]
		if !ok {
			t.Errorf("home: no tile %s", name)
			continue
		}
		if tile[1] == "0" {
			t.Errorf("home: %s lists no items", name)
		}
		p := c.get(tile[0])
		mustContain(t, name, p.Body, "· "+name+"</h1>", ">"+want+"</a>", `aria-current="page">`+name+"</a>")
	}
}
