package web_test

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
)

// urlRE finds the addresses a page renders: link, image and form targets,
// and any address printed as text (a notice prints its progress address).
var urlRE = regexp.MustCompile(`(?:href|src|action|content)="([^"]*)"|https?://[^\s<"]+`)

// TestOutcomePanelAndNoCodeInURLs: an archived case is 已办结 · 已领取 to its
// applicant and to the public, never 进行中, its 归档 step not shown, each
// step by its outcome; and no address a page renders for the case — its
// page, each notice and the public progress page — carries the query code
// (issue 12 item 6).
func TestOutcomePanelAndNoCodeInURLs(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	serial := e.Case(t, "resident.wang", jobCode, "610923100C", casework.Archived)
	c, err := e.App.Cases.Get(context.Background(), zwfw.System, serial)
	if err != nil {
		t.Fatal(err)
	}
	wang := login(t, e, "resident.wang", demoPass)
	anon := newClient(t, e)
	mine := wang.get("/my/cases/" + serial)
	public := anon.post("/progress", url.Values{"serial": {serial}, "code": {c.QueryCode}}, true)
	for _, p := range []struct {
		name string
		p    page
	}{{"my case", mine}, {"public progress", public}} {
		if p.p.Status != 200 {
			t.Fatalf("%s = %d", p.name, p.p.Status)
		}
		mustContain(t, p.name, p.p.Body, "已办结 · 已领取", "受理 ✓", "决定：准予", "办结 ✓", "送达 ✓", "宁陕县城关镇便民服务中心领取", "outcome-done")
		for _, never := range []string{"进行中", "当前节点：归档", ">归档<", "已归档"} {
			if strings.Contains(p.p.Body, never) {
				t.Errorf("%s shows %q", p.name, never)
			}
		}
	}
	if strings.Contains(public.Body, c.Result.Number) {
		t.Error("the public progress page shows the result's number")
	}
	mustContain(t, "my case", mine.Body, c.Result.Number)

	pages := map[string]string{"my case": mine.Body, "public progress": public.Body}
	for _, n := range c.Notices {
		p := wang.get("/notices/" + serial + "/" + strconv.FormatInt(n.ID, 10))
		if p.Status != 200 {
			t.Fatalf("notice %s = %d", n.Kind, p.Status)
		}
		pages["notice "+n.Kind] = p.Body
	}
	if len(pages) < 4 { // the two pages, the 受理通知书 and the 办结通知书
		t.Fatalf("only %d pages", len(pages))
	}
	for name, body := range pages {
		for _, m := range urlRE.FindAllString(body, -1) {
			if strings.Contains(m, "code=") || strings.Contains(m, c.QueryCode) {
				t.Errorf("%s renders an address with the query code: %s", name, m)
			}
		}
	}
}

// TestOrgNoticeSettingsPage: the county's administrator sets a centre's 机关
// 代字 and 复议机关 on its admin page; a wrong 代字 is refused beside its field.
func TestOrgNoticeSettingsPage(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	admin := login(t, e, "county.admin", demoPass)
	p := admin.get("/admin/orgs/610923C/notices")
	if p.Status != 200 {
		t.Fatalf("page = %d", p.Status)
	}
	mustContain(t, "settings", p.Body, "机关代字", `value="宁政服"`, "复议机关", "人民法院", "网上缴费", "演示支付", "ZWFW_PAYMENT_SECRET")
	if p := admin.post("/admin/orgs/610923C/notices", url.Values{"abbrev": {"NSF"}}, true); p.Status != 422 || !strings.Contains(p.Body, `aria-invalid="true"`) {
		t.Fatalf("a 代字 in letters = %d", p.Status)
	}
	p = admin.post("/admin/orgs/610923C/notices", url.Values{"abbrev": {"宁审服"}, "review_body": {"安康市市场监督管理局"}, "pay_gateway": {"demo"}}, true)
	if p.Status != 303 {
		t.Fatalf("save = %d %s", p.Status, p.Body)
	}
	_, set, err := e.App.Orgs.NoticeSettings(context.Background(), actorOf(t, e, "county.admin"), "610923C")
	if err != nil || set.Abbrev != "宁审服" || set.ReviewBody != "安康市市场监督管理局" || set.Gateway != "demo" {
		t.Fatalf("saved: %+v %v", set, err)
	}
	if p := login(t, e, "chengguan.admin", demoPass).get("/admin/orgs/610923C/notices"); p.Status != 403 {
		t.Errorf("a town's administrator = %d", p.Status)
	}
}
