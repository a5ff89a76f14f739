package web_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
	"zwfw/internal/supervision"
)

// The accountability pages and the annual weights' form: every input is
// labelled; a proposal the rules refuse comes back with the message and
// stores nothing; bad annual weights are refused with a warning and change
// nothing; a report made public shows on the public list.
func TestSanctionPages(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	ctx := context.Background()
	hall := login(t, e, "county.hall", apptest.DemoPassword)
	sup := login(t, e, "county.supervisor", apptest.DemoPassword)
	admin := login(t, e, "county.admin", apptest.DemoPassword)

	p := hall.post("/supervision/sanctions", url.Values{"form": {"yellow_card"}, "staff": {"county.window"}, "cause_kind": {"overdue"},
		"cause_ref": {"610923-20990101-00001"}, "decision": {"黄牌警告"}}, true)
	if p.Status != 422 || !strings.Contains(p.Body, "不存在或不在您的管辖范围内") || !strings.Contains(p.Body, `value="county.window"`) {
		t.Fatalf("refused proposal: %d", p.Status)
	}
	if list, _, _ := e.App.Sanctions.List(ctx, e.Actor(t, "county.supervisor"), supervision.SanctionQuery{}); len(list) != 0 {
		t.Fatalf("a refused proposal stored %d", len(list))
	}
	p = hall.follow(hall.post("/supervision/sanctions", url.Values{"form": {"criticism"}, "window": {"610923CW01"}, "cause_kind": {"complaint"},
		"cause_ref": {"TS-2026-0009"}, "cause_text": {"群众反映窗口午间无人"}, "decision": {"批评教育"}}, true))
	mustContain(t, "proposed", p.Body, "待审批", "批评教育", "群众反映窗口午间无人")
	list, _, err := e.App.Sanctions.List(ctx, e.Actor(t, "county.supervisor"), supervision.SanctionQuery{})
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %v", err)
	}
	id := list[0].ID
	for _, pg := range []struct {
		c    *client
		path string
	}{{hall, "/supervision/sanctions"}, {hall, "/supervision/sanctions/new"}, {sup, "/supervision/sanctions/" + strconv.FormatInt(id, 10)}, {admin, "/supervision/weights"}} {
		r := pg.c.get(pg.path)
		if r.Status != 200 {
			t.Fatalf("%s = %d", pg.path, r.Status)
		}
		checkLabels(t, pg.path, r.Body)
	}
	// The hall manager is offered no decision; the supervisor is.
	if r := hall.get("/supervision/sanctions/" + strconv.FormatInt(id, 10)); strings.Contains(r.Body, "/actions/approve") {
		t.Fatal("the proposer is offered the approval")
	}
	if r := sup.get("/supervision/sanctions/" + strconv.FormatInt(id, 10)); !strings.Contains(r.Body, "/actions/approve") {
		t.Fatal("the supervisor is not offered the approval")
	}

	// A confirmed error offers the supervisor a sanction, filled in.
	er, err := e.App.Errors.Register(ctx, e.Actor(t, "county.supervisor"), supervision.ErrorInput{Kind: "attitude", Staff: "county.window", Description: "态度生硬"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sup.get("/supervision/errors/"+strconv.FormatInt(er.ID, 10)).Body, "/supervision/sanctions/new") {
		t.Fatal("an unconfirmed error offers a sanction")
	}
	if _, err := e.App.Errors.Act(ctx, e.Actor(t, "county.supervisor"), er.ID, supervision.ErrActConfirm, ""); err != nil {
		t.Fatal(err)
	}
	link := "/supervision/sanctions/new?cause_kind=error&amp;cause_ref=" + strconv.FormatInt(er.ID, 10) + "&amp;staff=county.window"
	mustContain(t, "confirmed error", sup.get("/supervision/errors/"+strconv.FormatInt(er.ID, 10)).Body, link)
	mustContain(t, "prefilled", sup.get(strings.ReplaceAll(link, "&amp;", "&")).Body, `value="county.window"`, `value="`+strconv.FormatInt(er.ID, 10)+`"`)

	// Bad annual weights: a warning, nothing saved.
	v := url.Values{"quarters": {"60"}, "on_time": {"20"}, "satisfaction": {"20"}, "rectification": {"10"}, "callback": {"10"},
		"error": {"3"}, "sanction": {"5"}, "complaint": {"2"}, "absent": {"2"}, "late": {"1"}}
	r := admin.follow(admin.post("/supervision/weights/annual", v, true))
	mustContain(t, "bad weights", r.Body, "五项权重之和应为 100（现为 120）", "年度考评权重未保存")
	if w, _ := e.App.Reports.AnnualWeightsOf(ctx, e.Actor(t, "county.admin"), ""); w.AnnualWeights != supervision.DefaultAnnualWeights || w.SetBy != "" {
		t.Fatalf("bad weights changed them: %+v", w)
	}
	v.Set("quarters", "40")
	r = admin.follow(admin.post("/supervision/weights/annual", v, true))
	mustContain(t, "weights", r.Body, "已保存年度考评权重")

	// A bulletin made public appears on the public list.
	rep, err := e.App.Reports.GenerateReport(ctx, e.Actor(t, "county.supervisor"), supervision.Monthly, e.App.Now().Format("2006-01"), "")
	if err != nil {
		t.Fatal(err)
	}
	r = sup.follow(sup.post("/supervision/reports/"+strconv.FormatInt(rep.ID, 10)+"/publicity", url.Values{"public": {"1"}}, true))
	mustContain(t, "published", r.Body, "已公开", "查看公开版")
	r = newClient(t, e).get("/gongkai/reports")
	mustContain(t, "public list", r.Body, rep.Number)
	checkLabels(t, "/gongkai/reports", r.Body)
	r = sup.follow(sup.post("/supervision/reports/"+strconv.FormatInt(rep.ID, 10)+"/publicity", url.Values{"public": {"0"}}, true))
	mustContain(t, "no reason", r.Body, "请填写取消公开的理由", "已公开")
}
