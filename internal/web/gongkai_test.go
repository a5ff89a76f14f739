package web_test

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
	"zwfw/internal/disclosure"
	"zwfw/internal/httpauth"
	"zwfw/internal/seed"
)

const gkItem = "010100100000" // 食品经营许可 (seed)

// 政务公开 through the pages: the county's 事项管理员 drafts a notice for
// an item with a PDF attached (a form with every problem at once first),
// submits it; the supervisor publishes it; the public finds it by a phrase
// of its body, reads it, downloads the attachment, sees it in the feed and
// on the item's guide; withdrawn, it is gone from all of them.
func TestGongkaiPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ed := login(t, e, "county.catalog", seed.DemoPassword)
		v := url.Values{httpauth.CSRFField: {ed.csrf()}, "kind": {"notice"}, "org": {"610923"}}
		p := ed.postMultipart("/admin/gongkai", v)
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("empty notice: status %d", p.Status)
		}
		mustContain(t, "empty notice", p.Body, "请填写标题", "请填写正文", "请填写发布单位")
		v.Set("title", "关于食品经营许可网上办理的通知")
		v.Set("f_issuer", "宁陕县政务服务中心")
		v.Set("body", "自即日起，食品经营许可实行\n全程网上办理，申请人不再到窗口提交纸质材料。")
		v.Set("items", gkItem)
		pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
		p = ed.postMultipart("/admin/gongkai", v, upload{"files", "通知.pdf", pdf})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("create: %d %s", p.Status, p.Body)
		}
		loc := p.Header.Get("Location")
		id := strings.TrimPrefix(loc, "/admin/gongkai/")
		mustContain(t, "draft", ed.get(loc).Body, "草稿", "提交审核", "通知.pdf")
		if p := ed.post(loc+"/actions/submit", url.Values{}, true); p.Status != http.StatusSeeOther {
			t.Fatalf("submit: %d", p.Status)
		}
		if p := ed.follow(ed.post(loc+"/actions/publish", url.Values{}, true)); p.Status != http.StatusForbidden {
			t.Fatalf("editor publishes: %d", p.Status)
		}
		sup := login(t, e, "county.supervisor", seed.DemoPassword)
		if p := sup.post(loc+"/actions/publish", url.Values{}, true); p.Status != http.StatusSeeOther {
			t.Fatalf("publish: %d", p.Status)
		}
		anon := newClient(t, e)
		res := anon.get("/gongkai/docs?q=" + url.QueryEscape("全程网上办理，申请人"))
		mustContain(t, "search", res.Body, `href="/gongkai/docs/`+id+`"`, "关于食品经营许可网上办理的通知")
		doc := anon.get("/gongkai/docs/" + id)
		mustContain(t, "document", doc.Body, "宁陕县政务服务中心", "不再到窗口提交纸质材料", "食品经营许可")
		m := regexp.MustCompile(`href="(/gongkai/docs/` + id + `/files/[0-9a-f]{64})"`).FindStringSubmatch(doc.Body)
		if m == nil {
			t.Fatal("no attachment link")
		}
		if f := anon.get(m[1]); f.Status != 200 || f.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("attachment: %d %s", f.Status, f.Header.Get("Content-Type"))
		}
		mustContain(t, "index", anon.get("/gongkai").Body, "关于食品经营许可网上办理的通知", `href="/gongkai/reports"`)
		feed := anon.get("/gongkai/feed.xml")
		var rss struct {
			Channel struct {
				Items []struct {
					Title string `xml:"title"`
					Link  string `xml:"link"`
				} `xml:"item"`
			} `xml:"channel"`
		}
		if err := xml.Unmarshal([]byte(feed.Body), &rss); err != nil {
			t.Fatalf("feed: %v\n%s", err, feed.Body)
		}
		found := false
		for _, it := range rss.Channel.Items {
			found = found || (it.Title == "关于食品经营许可网上办理的通知" && strings.HasSuffix(it.Link, "/gongkai/docs/"+id))
		}
		if !found {
			t.Errorf("feed lacks the notice: %s", feed.Body)
		}
		mustContain(t, "guide", anon.get("/items/"+gkItem).Body, "政策文件、审查细则", `href="/gongkai/docs/`+id+`"`)

		if p := sup.post(loc+"/actions/withdraw", url.Values{"reason": {"内容有误，更正后重新发布"}}, true); p.Status != http.StatusSeeOther {
			t.Fatalf("withdraw: %d", p.Status)
		}
		if strings.Contains(anon.get("/gongkai/docs?q="+url.QueryEscape("全程网上办理")).Body, `href="/gongkai/docs/`+id+`"`) {
			t.Error("withdrawn notice still found")
		}
		if strings.Contains(anon.get("/items/"+gkItem).Body, `href="/gongkai/docs/`+id+`"`) {
			t.Error("withdrawn notice still on the guide")
		}
		if p := anon.get("/gongkai/docs/" + id); p.Status != http.StatusNotFound {
			t.Errorf("withdrawn notice: %d", p.Status)
		}
		if p := anon.get(m[1]); p.Status != http.StatusNotFound {
			t.Errorf("withdrawn attachment: %d", p.Status)
		}
	})
}

// The footer carries the county's marks, with their links, once its
// administrator sets them on the page; a town's administrator may not.
func TestGongkaiFooterMarks(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		town := login(t, e, "chengguan.admin", seed.DemoPassword)
		if p := town.follow(town.post("/admin/gongkai/site", url.Values{"id_code": {"6109230001"}}, true)); p.Status != http.StatusForbidden {
			t.Fatalf("town admin: %d", p.Status)
		}
		adm := login(t, e, "county.admin", seed.DemoPassword)
		p := adm.post("/admin/gongkai/site", url.Values{"id_code": {"12"}}, true)
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad id code: %d", p.Status)
		}
		mustContain(t, "bad id code", p.Body, "网站标识码应为 10 位数字")
		if p := adm.post("/admin/gongkai/site", url.Values{"id_code": {"6109230099"}, "icp": {"陕ICP备20260001号"}, "psb": {"陕公网安备61092302000123号"}}, true); p.Status != http.StatusSeeOther {
			t.Fatalf("set marks: %d %s", p.Status, p.Body)
		}
		if m, err := e.App.Disclosure.Site(context.Background(), "610923"); err != nil || m.IDCode != "6109230099" {
			t.Fatalf("marks %+v %v", m, err)
		}
		home := newClient(t, e).get("/")
		mustContain(t, "home footer", home.Body, "网站标识码：6109230099", `<meta name="SiteIDCode" content="6109230099">`,
			`href="https://beian.miit.gov.cn/"`, "ICP备案号：陕ICP备20260001号", "https://beian.mps.gov.cn/#/query/webSearch?code=61092302000123")
	})
}

var _ = disclosure.KindNotice

// TestGongkaiSearchExample: the example the 政务公开 search box suggests
// finds published documents (issue 12: every example a placeholder
// suggests is a test); the test reads it from the page, so it cannot drift.
func TestGongkaiSearchExample(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	c := newClient(t, e)
	p := c.get("/gongkai")
	m := regexp.MustCompile(`placeholder="[^"]*如“([^”]+)”`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatal("the 政务公开 search box suggests no example: has its placeholder changed form?")
	}
	r := c.get("/gongkai/docs?q=" + url.QueryEscape(m[1]))
	if r.Status != 200 || !strings.Contains(r.Body, "<mark>"+m[1]+"</mark>") {
		t.Errorf("the suggested example %q finds nothing marked (%d)", m[1], r.Status)
	}
}
