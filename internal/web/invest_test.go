package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"zwfw/internal/account/ident"
	"zwfw/internal/app/apptest"
)

// TestWindowProjectCode: the window's form for an item concerning
// investment projects (企业投资项目备案) asks for the 全国投资项目统一代码,
// refuses a false one beside the field with nothing filed, and files the
// case with it; the case page shows it. Other items do not ask.
func TestWindowProjectCode(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	c := login(t, e, "county.window", apptest.DemoPassword)
	p := c.get("/work/new?item=101700100000")
	mustContain(t, "form", p.Body, `id="wn-project"`, "全国投资项目统一代码")
	if other := c.get("/work/new?item=010100100000"); strings.Contains(other.Body, `id="wn-project"`) {
		t.Fatal("an item without investment asks for a project code")
	}
	v := formValues(t, p.Body, "/work/new")
	c17 := "91610923" + "MA700000" + string(ident.OrgCodeCheck("MA700000"))
	v.Set("id_type", "credit")
	v.Set("name", "陕西秦岭旅游开发有限公司")
	v.Set("ident", c17+string(ident.CreditCheckChar(c17)))
	v.Set("phone", "13991560001")
	for i := 0; i < 3; i++ {
		v.Set(fmt.Sprintf("m%d", i), "window")
	}
	v.Set("project_code", "2026-990923-48-03-000001")
	bad := c.post("/work/new", v, true)
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "不是有效的行政区划") || !strings.Contains(bad.Body, `value="2026-990923-48-03-000001"`) {
		t.Fatalf("a false code: %d %s", bad.Status, bad.Body)
	}
	code := fmt.Sprintf("%d-610923-48-03-000007", e.App.Now().Year())
	v.Set("project_code", code)
	good := c.post("/work/new", v, true)
	if good.Status != http.StatusSeeOther {
		t.Fatalf("filing: %d %s", good.Status, good.Body)
	}
	cp := c.follow(good)
	mustContain(t, "case page", cp.Body, "投资项目代码", code)
}
