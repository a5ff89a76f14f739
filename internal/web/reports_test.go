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
	"time"

	"github.com/xuri/excelize/v2"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/supervision"
)

// TestSupervisionPages: the supervisor registers an error with evidence on
// the form, the clerk sees it and appeals, the supervisor revokes it; a
// monthly bulletin is generated on the page and shown as its printable
// sheet with an Excel download; the weights page is for administrators.
func TestSupervisionPages(t *testing.T) {
	now := time.Date(2026, 10, 9, 10, 0, 0, 0, zwfw.Zone)
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		sup := login(t, e, "county.supervisor", apptest.DemoPassword)
		clerk := login(t, e, "county.window", apptest.DemoPassword)

		p := sup.get("/supervision/errors/new")
		if p.Status != http.StatusOK || !strings.Contains(p.Body, "一次性告知不到位") || !strings.Contains(p.Body, `value="610923CW01"`) {
			t.Fatalf("registration form: %d", p.Status)
		}
		if p := clerk.get("/supervision/errors/new"); p.Status != http.StatusForbidden {
			t.Fatalf("clerk opening the registration form: %d", p.Status)
		}
		// Missing description: the form comes back filled in.
		v := url.Values{"kind": {"attitude"}, "window": {"610923CW01"}, "description": {""}, "occurred_on": {"2026-10-08"}}
		v.Set("csrf_token", sup.csrf())
		p = sup.postMultipart("/supervision/errors", v)
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "请填写差错情况说明") || !strings.Contains(p.Body, `value="attitude" selected`) {
			t.Fatalf("refused registration: %d\n%s", p.Status, p.Body)
		}
		v.Set("description", "群众反映窗口人员态度生硬")
		p = sup.postMultipart("/supervision/errors", v, upload{"evidence", "录音记录.txt", []byte("10月8日通话记录")})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("register: %d\n%s", p.Status, p.Body)
		}
		loc := p.Header.Get("Location")
		p = sup.follow(p)
		if !strings.Contains(p.Body, "已登记差错") || !strings.Contains(p.Body, "录音记录.txt") || !strings.Contains(p.Body, "撤销理由") {
			t.Fatalf("error page after registration:\n%s", p.Body)
		}
		// The clerk (who works at the window) sees it, and appeals.
		p = clerk.get("/supervision/errors")
		if !strings.Contains(p.Body, "服务态度") || !strings.Contains(p.Body, loc) {
			t.Fatalf("clerk's list:\n%s", p.Body)
		}
		if p := clerk.get(loc); !strings.Contains(p.Body, "申诉理由") || strings.Contains(p.Body, "撤销理由") {
			t.Fatal("the clerk is offered the wrong actions")
		}
		if p := clerk.post(loc+"/actions/appeal", url.Values{"text": {"当日录像显示接待规范"}}, false); p.Status != http.StatusForbidden {
			t.Fatalf("appeal without CSRF: %d", p.Status)
		}
		if p := clerk.follow(clerk.post(loc+"/actions/appeal", url.Values{"text": {"当日录像显示接待规范"}}, true)); !strings.Contains(p.Body, "申诉中") {
			t.Fatalf("after the appeal:\n%s", p.Body)
		}
		if p := sup.post(loc+"/actions/revoke", url.Values{"text": {""}}, true); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "请填写撤销理由") {
			t.Fatalf("revoke without reason: %d", p.Status)
		}
		if p := sup.follow(sup.post(loc+"/actions/revoke", url.Values{"text": {"经查看录像，申诉属实"}}, true)); !strings.Contains(p.Body, "已撤销") || !strings.Contains(p.Body, "经查看录像，申诉属实") {
			t.Fatalf("after revoking:\n%s", p.Body)
		}

		// Reports.
		p = sup.get("/supervision/reports")
		if p.Status != http.StatusOK || !strings.Contains(p.Body, `value="2026-09"`) || !strings.Contains(p.Body, "生成并发布") {
			t.Fatalf("reports page: %d", p.Status)
		}
		if p := clerk.get("/supervision/reports"); p.Status != http.StatusOK || strings.Contains(p.Body, "生成并发布") {
			t.Fatalf("clerk's reports page offers generation: %d", p.Status)
		}
		p = sup.post("/supervision/reports", url.Values{"kind": {"monthly"}, "period": {"2026-09"}, "org": {"610923"}}, true)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("generate: %d\n%s", p.Status, p.Body)
		}
		rloc := p.Header.Get("Location")
		p = sup.follow(p)
		number := regexp.MustCompile(`月通报〔2026〕\d+号`).FindString(p.Body)
		if number == "" || !strings.Contains(p.Body, "宁陕县政务服务中心") || !strings.Contains(p.Body, "各部门情况及排名") || !strings.Contains(p.Body, "rp-sheet") {
			t.Fatalf("bulletin page:\n%s", p.Body)
		}
		if !strings.Contains(p.Body, "reports.css") {
			t.Fatal("the bulletin page does not load its print stylesheet")
		}
		x := sup.get(rloc + "/xlsx")
		f, err := excelize.OpenReader(bytes.NewReader([]byte(x.Body)))
		if x.Status != http.StatusOK || err != nil {
			t.Fatalf("xlsx: %d %v", x.Status, err)
		}
		if v, _ := f.GetCellValue("概况", "B3"); v != number {
			t.Fatalf("xlsx number %q, page %q", v, number)
		}
		// Generating again publishes revision 2; the page links both.
		p = sup.follow(sup.post("/supervision/reports", url.Values{"kind": {"monthly"}, "period": {"2026-09"}, "org": {"610923"}}, true))
		if !strings.Contains(p.Body, "本期共 2 版") || !strings.Contains(p.Body, `<a href="`+rloc+`">第 1 版 `+number+`</a>`) {
			t.Fatalf("revision 2 page does not link revision 1:\n%s", p.Body)
		}
		if p := sup.post("/supervision/reports", url.Values{"kind": {"monthly"}, "period": {"2026-9"}}, true); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "格式不正确") {
			t.Fatalf("bad period: %d", p.Status)
		}
		// Weights.
		if p := sup.get("/supervision/weights"); !strings.Contains(p.Body, "只有系统管理员可以修改权重") {
			t.Fatal("supervisor offered to edit the weights")
		}
		adm := login(t, e, "county.admin", apptest.DemoPassword)
		if p := adm.post("/supervision/weights", url.Values{"on_time": {"60"}, "satisfaction": {"30"}, "error": {"5"}, "complaint": {"2"}}, true); p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("weights not adding up: %d", p.Status)
		}
		if p := adm.follow(adm.post("/supervision/weights", url.Values{"on_time": {"55"}, "satisfaction": {"45"}, "error": {"6"}, "complaint": {"2"}}, true)); !strings.Contains(p.Body, "已保存考核权重") || !strings.Contains(p.Body, `value="55"`) {
			t.Fatalf("weights saved:\n%s", p.Body)
		}
	}, apptest.Options{Now: func() time.Time { return now }})
}

// The supervision pages label every control, keep ids unique and stay
// small (the hall's shared line).
func TestSupervisionPagesLabelled(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	ctx := context.Background()
	sup, _ := e.App.Users.ByUsername(ctx, "county.supervisor")
	er, err := e.App.Errors.Register(ctx, sup.Actor(), supervision.ErrorInput{Kind: "fee", Window: "610923CW01", Description: "收取现金"})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e.App.Reports.GenerateReport(ctx, sup.Actor(), supervision.Daily, e.App.Now().In(zwfw.Zone).Format("2006-01-02"), "")
	if err != nil {
		t.Fatal(err)
	}
	s := login(t, e, "county.supervisor", apptest.DemoPassword)
	clerk := login(t, e, "county.window", apptest.DemoPassword)
	adm := login(t, e, "county.admin", apptest.DemoPassword)
	for _, pg := range []struct {
		c    *client
		path string
	}{
		{s, "/supervision/reports"}, {s, "/supervision/reports/" + strconv.FormatInt(rep.ID, 10)}, {s, "/supervision/errors"},
		{s, "/supervision/errors/new"}, {s, "/supervision/errors/" + strconv.FormatInt(er.ID, 10)},
		{clerk, "/supervision/errors/" + strconv.FormatInt(er.ID, 10)}, {adm, "/supervision/weights"},
	} {
		p := pg.c.get(pg.path)
		if p.Status != http.StatusOK {
			t.Errorf("%s = %d", pg.path, p.Status)
			continue
		}
		if len(p.Body) > 150<<10 {
			t.Errorf("%s: %d bytes", pg.path, len(p.Body))
		}
		labelled := map[string]bool{}
		for _, m := range forRE.FindAllStringSubmatch(p.Body, -1) {
			labelled[m[1]] = true
		}
		seen := map[string]bool{}
		for _, m := range idRE.FindAllStringSubmatch(p.Body, -1) {
			if seen[m[1]] {
				t.Errorf("%s: duplicate id %q", pg.path, m[1])
			}
			seen[m[1]] = true
		}
		for _, tag := range controlRE.FindAllString(p.Body, -1) {
			if strings.Contains(tag, `type="hidden"`) {
				continue
			}
			if m := idRE.FindStringSubmatch(tag); m == nil || !labelled[m[1]] {
				t.Errorf("%s: no label for %s", pg.path, tag)
			}
		}
		if strings.Contains(p.Body, " style=") || strings.Contains(p.Body, "<script>") {
			t.Errorf("%s: inline style or script", pg.path)
		}
	}
}

// 统计期间 is picked, not typed: the form offers each kind's periods as
// the domain lists them (supervision.PeriodChoices), grouped by kind, the
// one due today selected; a picked value generates the report.
func TestReportPeriodPicker(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	sup := login(t, e, "county.supervisor", apptest.DemoPassword)
	p := sup.get("/supervision/reports")
	if p.Status != http.StatusOK {
		t.Fatalf("reports page: %d", p.Status)
	}
	if strings.Contains(p.Body, `<input id="f-period"`) || !strings.Contains(p.Body, `<select id="f-period" name="period" required data-period-of="f-kind">`) {
		t.Fatal("统计期间 is not a picker")
	}
	groups := supervision.PeriodChoices(e.Clock.Now())
	for _, g := range groups {
		if !strings.Contains(p.Body, `<optgroup label="`+g.Name+`" data-kind="`+g.Kind+`" data-due="`+supervision.DefaultPeriods(e.Clock.Now())[g.Kind]+`">`) {
			t.Errorf("no group of %s periods", g.Name)
		}
		for _, c := range g.Periods {
			if !strings.Contains(p.Body, `<option value="`+c.Value+`"`) || !strings.Contains(p.Body, ">"+c.Name+"</option>") {
				t.Errorf("%s: no choice %s %s", g.Name, c.Value, c.Name)
			}
		}
	}
	due := supervision.DefaultPeriods(e.Clock.Now())[supervision.Monthly]
	if !strings.Contains(p.Body, `<option value="`+due+`" selected>`) {
		t.Errorf("the month due (%s) is not preselected", due)
	}
	week := groups[1].Periods[2]
	p = sup.follow(sup.post("/supervision/reports", url.Values{"kind": {supervision.Weekly}, "period": {week.Value}, "org": {"610923"}}, true))
	if p.Status != http.StatusOK || !strings.Contains(p.Body, week.Name) {
		t.Fatalf("generating the picked week %s: %d", week.Value, p.Status)
	}
}
