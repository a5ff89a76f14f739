package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"zwfw/internal/app/apptest"
	"zwfw/internal/invest"
)

// TestProjectCode: a case of an item concerning investment projects (企业
// 投资项目备案) needs the 全国投资项目统一代码 — missing, malformed or with a
// false 区划 it is refused with the field named and nothing filed; given,
// it is on the case. Another item refuses a project code. Both databases.
func TestProjectCode(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ce := &caseEnv{e: e, tokens: map[string]string{}}
		clerk := ce.as(t, "county.window")
		const item = "101700100000" // 企业投资项目备案, investment
		var mats []map[string]any
		for _, m := range anon(t, e).item(item).Materials {
			if m.Required == "required" {
				mats = append(mats, map[string]any{"name": m.Name, "handed_in": "window"})
			}
		}
		in := func(code string) map[string]any {
			b := map[string]any{"item_code": item, "org_code": "610923C", "applicant": walkInApplicant,
				"form": map[string]any{"description": "项目备案"}, "materials": mats}
			if code != "" {
				b["project_code"] = code
			}
			return b
		}
		before := clerk.total("/cases")
		year := e.App.Now().Year()
		for code, msg := range map[string]string{
			"":                         "请填写全国投资项目统一代码",
			"2026-610923-48-01":        "格式",
			"2026-990923-48-01-012345": "区划代码",
			"2026-610923-48-07-012345": "类型",
			"2999-610923-48-01-012345": "年份",
		} {
			er := clerk.post("/cases", in(code)).apiErr(http.StatusUnprocessableEntity, "invalid")
			if !er.hasDetail("project_code", msg) {
				t.Errorf("%q: %+v", code, er)
			}
		}
		if n := clerk.total("/cases"); n != before {
			t.Fatalf("a refused application was filed: %d, before %d", n, before)
		}
		code := fmt.Sprintf("%d-610923-48-03-000123", year)
		k, _ := clerk.apply(in(code))
		if k.ProjectCode != code {
			t.Fatalf("filed without its project code: %+v", k.ProjectCode)
		}
		if got := clerk.caseOf(k.Serial); got.ProjectCode != code {
			t.Fatalf("read back %q", got.ProjectCode)
		}
		// Its acceptance waits in the investment platform's outbox, with
		// the code, the item and the department; filing does not.
		clerk.mustAct(k.Serial, "accept", nil)
		evs, err := e.App.Invest.Events(context.Background(), code)
		if err != nil || len(evs) != 1 || evs[0].Kind != invest.KindAccepted || evs[0].ItemCode != item || evs[0].Serial != k.Serial ||
			evs[0].DeptCode == "" || evs[0].Platform != "610923" || evs[0].Result != "已受理" {
			t.Fatalf("investment platform events %+v %v", evs, err)
		}
		if n, err := e.App.Invest.Deliver(context.Background(), 10); err != nil || n != 1 {
			t.Fatalf("delivered to the log: %d %v", n, err)
		}
		// Another item takes none.
		other := map[string]any{"item_code": "200300200000", "org_code": "610923C", "applicant": walkInApplicant,
			"form": map[string]any{"description": "x"}, "project_code": code, "materials": []map[string]any{
				{"name": "就业创业证申领登记表", "handed_in": "window"}, {"name": "居民身份证", "handed_in": "window"}}}
		if er := clerk.post("/cases", other).apiErr(http.StatusUnprocessableEntity, "invalid"); !er.hasDetail("project_code", "不涉及投资项目") {
			t.Fatalf("another item with a project code: %+v", er)
		}
	})
}
