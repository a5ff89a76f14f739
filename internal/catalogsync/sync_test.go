package catalogsync_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/catalog"
	"zwfw/internal/config"
	"zwfw/internal/exchange"
	"zwfw/internal/org"
)

const cityStandard = "（市级统一标准）"

// TestCityCatalogPull: a city instance publishes its catalog, a county
// instance pulls it over HTTP and applies it: the county's item with the
// same 基本编码 gets the city-wide elements as a new version (市级目录同步)
// and keeps its own; an item whose county promise is longer than the
// city's is refused and flagged; an item the county lacks is listed for
// adoption onto its 市场监管局; a second pull changes nothing; a tampered
// catalog is refused with nothing applied. Both databases.
func TestCityCatalogPull(t *testing.T) {
	for _, dialect := range apptest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			city := apptest.Start(t, dialect, apptest.Options{Config: func(c *config.Config) {
				c.Role, c.PlatformCode, c.PlatformName = config.RoleCity, config.DefaultCityCode, "安康市"
			}})
			county := apptest.Start(t, dialect)

			// The city's 市场监管局 and its items: two the county implements
			// (one promising less than the county does), one it does not.
			// (The city's seed has it, with items of its own: seed.CityDepts.)
			if _, err := city.App.Orgs.ByCode(ctx, "610900D01"); zwfw.ErrorCode(err) == zwfw.ENOTFOUND {
				if _, err := city.App.Orgs.Create(ctx, zwfw.System, org.Input{Code: "610900D01", ParentCode: "610900", Kind: org.KindDept,
					Name: "市场监管局", FullName: "安康市市场监督管理局"}); err != nil {
					t.Fatal(err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			seeded, err := city.App.Catalog.CityCatalog(ctx, "610900", "安康市")
			if err != nil {
				t.Fatal(err)
			}
			citys := map[string]bool{}
			for _, ci := range seeded.Items {
				citys[ci.Code] = true
			}
			list, _, err := county.App.Catalog.Search(ctx, catalog.Query{Kind: catalog.KindPromised, Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			var same, strict *catalog.Item
			for _, it := range list {
				if !strings.HasPrefix(it.Dept, "610923D") || citys[it.Code] || it.Licence != nil || it.PromisedLimitDays < 3 || len(it.Steps) == 0 || it.Steps[len(it.Steps)-1].LimitDays < 2 {
					continue
				}
				if same == nil {
					same = it
				} else if strict == nil {
					strict = it
				}
			}
			if same == nil || strict == nil {
				t.Fatalf("the seed has too few promised items of the county's departments: %d", len(list))
			}
			cityItem := func(it *catalog.Item, n int) *catalog.Item {
				c := *it
				c.Dept, c.ImplCode = "610900D01", it.Code+"-610900000000-000-CITY-"+string(rune('0'+n))
				c.Place, c.ConsultPhone = "安康市政务服务中心", "0915-3212345"
				c.CoDepts, c.UpperBody = nil, ""
				return &c
			}
			a := cityItem(same, 1)
			a.Conditions += cityStandard
			a.Materials = append(append([]catalog.Material{}, a.Materials...), catalog.Material{Name: "市级统一增加的承诺书", Form: "original", Copies: 1,
				Source: "applicant", Required: "required"})
			b := cityItem(strict, 2)
			b.PromisedLimitDays--
			b.Steps = append([]catalog.Step{}, b.Steps...)
			b.Steps[len(b.Steps)-1].LimitDays--
			c := apptest.TestItem("019900000001", "市级测试许可", "610900D01", false)
			for _, it := range []*catalog.Item{a, b, c} {
				if _, err := city.App.Catalog.Create(ctx, zwfw.System, it, "市级目录"); err != nil {
					t.Fatalf("city item %s: %v", it.Code, err)
				}
			}

			// The county registers its city (the key from the city's identity).
			id, err := city.App.Exchange.Identity(ctx)
			if err != nil {
				t.Fatal(err)
			}
			register := func(url string) {
				t.Helper()
				if _, err := county.App.Exchange.AddPeer(ctx, zwfw.System, exchange.PeerInput{Code: id.Code, Name: id.Name, Role: id.Role, URL: url, KeyPEM: id.PEM}); err != nil {
					t.Fatalf("register the city %s %s %s: %#v", id.Code, id.Name, id.Role, err)
				}
			}
			register(city.URL)
			catalogAdmin := county.Actor(t, "county.catalog")
			if _, err := county.App.CatalogSync.Pull(ctx, county.Actor(t, "chengguan.catalog")); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
				t.Fatalf("a town's catalog administrator pulling: %v", err)
			}
			p, err := county.App.CatalogSync.Pull(ctx, catalogAdmin)
			if err != nil {
				t.Fatal(err)
			}
			res := p.Result
			if len(res.Updated) != 1 || res.Updated[0].ImplCode != same.ImplCode || res.Updated[0].Version != same.Version+1 ||
				!strings.Contains(strings.Join(res.Updated[0].Changed, ","), "materials") {
				t.Fatalf("updated: %+v", res.Updated)
			}
			if len(res.Refused) != 1 || res.Refused[0].ImplCode != strict.ImplCode || !strings.Contains(res.Refused[0].Message, "超过市级") {
				t.Fatalf("refused: %+v", res.Refused)
			}
			if len(res.Adopt) != 1 || res.Adopt[0].Code != c.Code || res.Adopt[0].Dept != "610923D01" {
				t.Fatalf("adopt: %+v", res.Adopt)
			}
			got, err := county.App.Catalog.Get(ctx, same.ImplCode)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(got.Conditions, cityStandard) || len(got.Materials) != len(same.Materials)+1 ||
				got.Place != same.Place || got.ConsultPhone != same.ConsultPhone || got.Dept != same.Dept || got.PromisedLimitDays != same.PromisedLimitDays {
				t.Fatalf("the county's item after the pull: %+v", got)
			}
			if vs, err := county.App.Catalog.Versions(ctx, same.ImplCode); err != nil || !strings.HasPrefix(vs[0].Reason, catalog.CityReason) {
				t.Fatalf("change log: %+v, %v", vs, err)
			}
			if got, _ := county.App.Catalog.Get(ctx, strict.ImplCode); got.Version != strict.Version {
				t.Fatalf("the refused item changed: v%d", got.Version)
			}
			if _, err := county.App.Catalog.Get(ctx, c.Code); !catalog.ErrNotFound(err) {
				t.Fatalf("an item to adopt was created: %v", err)
			}

			// Pulled again: nothing more changes (the updated item is now
			// unchanged beside the city's seeded items, unchanged the first
			// time too: the same city-wide elements as the county's).
			p2, err := county.App.CatalogSync.Pull(ctx, zwfw.System)
			if err != nil || len(p2.Result.Updated) != 0 || p2.Result.Unchanged != p.Result.Unchanged+1 || p2.Version != p.Version {
				t.Fatalf("second pull: %+v, %v", p2, err)
			}

			// HTTP: the version is the ETag; a county publishes nothing.
			req, _ := http.NewRequest("GET", city.URL+"/api/exchange/v1/catalog", nil)
			req.Header.Set("If-None-Match", `"`+p.Version+`"`)
			if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNotModified {
				t.Fatalf("If-None-Match: %v %v", resp, err)
			} else {
				resp.Body.Close()
			}
			if resp, err := http.Get(county.URL + "/api/exchange/v1/catalog"); err != nil || resp.StatusCode != http.StatusNotFound {
				t.Fatalf("a county's catalog: %v %v", resp, err)
			} else {
				resp.Body.Close()
			}

			// A catalog changed on the way is refused, and nothing changes.
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				resp, err := http.Get(city.URL + r.URL.Path)
				if err != nil {
					http.Error(w, err.Error(), http.StatusBadGateway)
					return
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(bytes.ReplaceAll(body, []byte(cityStandard), []byte("（已篡改）")))
			}))
			defer proxy.Close()
			register(proxy.URL)
			before, _ := county.App.Catalog.Get(ctx, same.ImplCode)
			if _, err := county.App.CatalogSync.Pull(ctx, catalogAdmin); zwfw.ErrorCode(err) != zwfw.EINVALID || !strings.Contains(err.Error(), "签名验证失败") {
				t.Fatalf("tampered catalog: %v", err)
			}
			after, _ := county.App.Catalog.Get(ctx, same.ImplCode)
			if after.Version != before.Version || strings.Contains(after.Conditions, "篡改") {
				t.Fatalf("a tampered catalog changed the item: v%d %s", after.Version, after.Conditions)
			}
			if last, err := county.App.CatalogSync.Last(ctx); err != nil || !strings.Contains(last.Error, "签名验证失败") {
				t.Fatalf("the failed pull is not recorded: %+v, %v", last, err)
			}
		})
	}
}
