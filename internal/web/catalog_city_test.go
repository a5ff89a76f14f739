package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/config"
	"zwfw/internal/exchange"
	"zwfw/internal/org"
)

// TestCityCatalogPage: 事项管理's 市级目录同步 page before any pull, the
// 立即同步 button pulling from a city instance, and the page listing what
// was refused (食品经营许可, whose county promise is longer than the
// city's) and what the county may adopt (onto its 市场监管局); a town's
// catalog administrator is refused (catalog.MayPull).
func TestCityCatalogPage(t *testing.T) {
	ctx := context.Background()
	county := apptest.Start(t, "sqlite")
	city := apptest.Start(t, "sqlite", apptest.Options{Config: func(c *config.Config) {
		c.Role, c.PlatformCode, c.PlatformName = config.RoleCity, config.DefaultCityCode, "安康市"
	}})
	// (The city's seed has it: seed.CityDepts.)
	if _, err := city.App.Orgs.ByCode(ctx, "610900D01"); zwfw.ErrorCode(err) == zwfw.ENOTFOUND {
		if _, err := city.App.Orgs.Create(ctx, zwfw.System, org.Input{Code: "610900D01", ParentCode: "610900", Kind: org.KindDept,
			Name: "市场监管局", FullName: "安康市市场监督管理局"}); err != nil {
			t.Fatal(err)
		}
	} else if err != nil {
		t.Fatal(err)
	}
	food, err := county.App.Catalog.Get(ctx, foodCode)
	if err != nil {
		t.Fatal(err)
	}
	strict := *food
	strict.Dept, strict.ImplCode, strict.CoDepts, strict.Licence = "610900D01", foodCode+"-610900-CITY", nil, nil
	strict.PromisedLimitDays = food.PromisedLimitDays - 1
	strict.Steps = append(strict.Steps[:0:0], food.Steps...)
	strict.Steps[len(strict.Steps)-1].LimitDays--
	if _, err := city.App.Catalog.Create(ctx, zwfw.System, &strict, "市级目录"); err != nil {
		t.Fatalf("city 食品经营许可: %v", err)
	}
	if _, err := city.App.Catalog.Create(ctx, zwfw.System, apptest.TestItem("019900000001", "市级测试许可", "610900D01", false), "市级目录"); err != nil {
		t.Fatal(err)
	}
	id, err := city.App.Exchange.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := county.App.Exchange.AddPeer(ctx, zwfw.System, exchange.PeerInput{Code: id.Code, Name: id.Name, Role: id.Role, URL: city.URL, KeyPEM: id.PEM}); err != nil {
		t.Fatal(err)
	}

	if p := login(t, county, "chengguan.catalog", apptest.DemoPassword).get("/admin/catalog/city"); p.Status != http.StatusForbidden {
		t.Fatalf("a town's catalog administrator: %d", p.Status)
	}
	c := login(t, county, "county.catalog", apptest.DemoPassword)
	mustContain(t, "items page", c.get("/admin/items").Body, `href="/admin/catalog/city"`)
	p := c.get("/admin/catalog/city")
	mustContain(t, "before", p.Body, "尚未同步过市级目录", "安康市（610900）", "立即同步")
	p = c.post("/admin/catalog/city/pull", url.Values{}, true)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("pull: %d %s", p.Status, p.Body)
	}
	p = c.follow(p)
	mustContain(t, "after", p.Body, "已同步市级目录", "未同步 1 项", "待认领 1 项", "食品经营许可", "超过市级承诺办结时限",
		"019900000001", "市级测试许可", "宁陕县市场监督管理局")
	if got, _ := county.App.Catalog.Get(ctx, foodCode); got.Version != food.Version {
		t.Fatalf("the refused item changed: v%d", got.Version)
	}
	// 认领: the new-item form starts from the city's elements and the
	// mapped department; nothing was created.
	p = c.get("/admin/items/new?adopt=019900000001")
	mustContain(t, "adopt form", p.Body, "认领市级事项：市级测试许可", `value="019900000001"`, `value="610923D01" selected`)
	if p := c.get("/admin/items/new?adopt=019900000999"); p.Status != http.StatusNotFound {
		t.Fatalf("adopting an item not listed: %d", p.Status)
	}
	if _, err := county.App.Catalog.Get(ctx, "019900000001"); err == nil {
		t.Fatal("the item to adopt was created by the pull")
	}
}
