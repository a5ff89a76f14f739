package seed_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"zwfw"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/org"
	"zwfw/internal/seed"
)

// TestSeededCity: a city platform (ZWFW_ROLE=city) gets its own departments
// under 安康市 with the county's short names, each implementing items of the
// same 基本编码 as the county's with its own 实施编码 and a promise no
// shorter; the forwarded 上报件 取水许可 resolves at the city's centre to the
// city's 水利局; the city's published catalog holds exactly its own items,
// which a county pulling it finds unchanged (the same city-wide elements)
// with nothing to adopt; the city's demo accounts; seeding twice changes
// nothing; a county platform gets none of it.
func TestSeededCity(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dp := deps(t, d)
		dp.City = true
		for range 2 {
			if err := seed.Base(ctx, dp); err != nil {
				t.Fatal(err)
			}
			if err := seed.Demo(ctx, dp); err != nil {
				t.Fatal(err)
			}
		}
		want := 0
		for _, cd := range seed.CityDepts {
			o, err := dp.Orgs.ByCode(ctx, cd.Code)
			if err != nil {
				t.Fatalf("%s: %v", cd.Code, err)
			}
			if o.ParentCode != seed.RootCode || o.Kind != "dept" || o.Name != cd.Name {
				t.Fatalf("%s: %+v", cd.Code, o)
			}
			county, err := dp.Orgs.ByCode(ctx, "610923"+cd.Code[6:])
			if err != nil || county.Name != cd.Name {
				t.Fatalf("%s %s has no county department of the same short name: %v", cd.Code, cd.Name, err)
			}
			want += len(cd.Items)
		}
		centre, err := dp.Orgs.ByCode(ctx, "610900C")
		if err != nil {
			t.Fatal(err)
		}
		it, err := dp.Catalog.Resolve(ctx, "010700100000", centre.Path)
		if err != nil {
			t.Fatal(err)
		}
		if it.Dept != "610900D07" || it.Kind != catalog.KindPromised || it.UpperBody != "" || !strings.Contains(it.ImplCode, "-610900000000-") {
			t.Fatalf("取水许可 at the city: dept %s kind %s upper %q impl %s", it.Dept, it.Kind, it.UpperBody, it.ImplCode)
		}
		// Every city item beside the county's own, promising no less.
		rows, err := d.Query(ctx, `SELECT i.code, d.code, i.doc FROM items i JOIN orgs d ON d.id = i.dept_id WHERE d.code LIKE '610900D%' OR d.code LIKE '610923D%'`)
		if err != nil {
			t.Fatal(err)
		}
		promised := map[string]map[string]int{}
		for rows.Next() {
			var code, dept, doc string
			if err := rows.Scan(&code, &dept, &doc); err != nil {
				t.Fatal(err)
			}
			var ci catalog.Item
			if err := json.Unmarshal([]byte(doc), &ci); err != nil {
				t.Fatal(err)
			}
			if promised[code] == nil {
				promised[code] = map[string]int{}
			}
			promised[code][dept[:6]] = ci.PromisedLimitDays
		}
		rows.Close()
		for _, cd := range seed.CityDepts {
			for _, code := range cd.Items {
				p := promised[code]
				if _, ok := p["610923"]; !ok || p["610900"] < p["610923"] {
					t.Fatalf("%s: promised limits by level %v", code, p)
				}
			}
		}
		cc, err := dp.Catalog.CityCatalog(ctx, seed.RootCode, "安康市")
		if err != nil {
			t.Fatal(err)
		}
		if len(cc.Items) != want {
			t.Fatalf("the city publishes %d items, want %d", len(cc.Items), want)
		}
		for _, ci := range cc.Items {
			if !strings.HasPrefix(ci.DeptCode, "610900D") {
				t.Fatalf("published item of %s", ci.DeptCode)
			}
		}
		res, err := dp.Catalog.ApplyCity(ctx, zwfw.System, cc, "610923")
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Updated) != 0 || len(res.Refused) != 0 || len(res.Adopt) != 0 || res.Unchanged != want {
			t.Fatalf("the county pulling the seeded city's catalog: %+v", res)
		}
		for code, role := range map[string]string{"city.admin": zwfw.RoleAdmin, "city.supervisor": zwfw.RoleSupervisor,
			"city.window": zwfw.RoleWindow, "city.reviewer": zwfw.RoleReviewer} {
			u, err := dp.Users.ByUsername(ctx, code)
			if err != nil {
				t.Fatalf("%s: %v", code, err)
			}
			if len(u.Roles) != 1 || u.Roles[0] != role {
				t.Fatalf("%s: roles %v", code, u.Roles)
			}
		}
	})
}

// TestSeededCountyHasNoCity: a county platform gets none of the city's seed.
func TestSeededCountyHasNoCity(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	dp := deps(t, d)
	if err := seed.Base(ctx, dp); err != nil {
		t.Fatal(err)
	}
	if err := seed.Demo(ctx, dp); err != nil {
		t.Fatal(err)
	}
	if _, err := dp.Orgs.ByCode(ctx, "610900D07"); err == nil {
		t.Fatal("a county platform has the city's 水利局")
	}
	if _, err := dp.Users.ByUsername(ctx, "city.window"); err == nil {
		t.Fatal("a county platform has city.window")
	}
}

// TestSeededCityKeepsWhatItMade: a city platform that made its 市场监管局
// (and implemented 食品小作坊登记 there) before the city's seed existed keeps
// them: the seed uses the department as it is, does not add the item
// twice, and adds the rest.
func TestSeededCityKeepsWhatItMade(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	dp := deps(t, d)
	if err := seed.Base(ctx, dp); err != nil { // as a county: the tree and catalog
		t.Fatal(err)
	}
	if _, err := dp.Orgs.Create(ctx, zwfw.System, org.Input{Code: "610900D01", ParentCode: seed.RootCode, Kind: org.KindDept,
		Name: "市场监管局", FullName: "安康市市场监督管理局"}); err != nil {
		t.Fatal(err)
	}
	own, err := dp.Catalog.Get(ctx, "010100300000")
	if err != nil {
		t.Fatal(err)
	}
	own.Dept, own.ImplCode, own.Version, own.Status = "610900D01", "010100300000-610900-OWN", 0, ""
	if _, err := dp.Catalog.Create(ctx, zwfw.System, own, "市级目录"); err != nil {
		t.Fatal(err)
	}
	dp.City = true
	if err := seed.Base(ctx, dp); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM items i JOIN orgs d ON d.id = i.dept_id WHERE d.code LIKE '610900D%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, cd := range seed.CityDepts {
		want += len(cd.Items)
	}
	if n != want {
		t.Fatalf("the city has %d items, want %d (its own 食品小作坊登记 once)", n, want)
	}
	if it, err := dp.Catalog.Get(ctx, "010100300000-610900-OWN"); err != nil || it.Version != 1 {
		t.Fatalf("the city's own item: %+v %v", it, err)
	}
	if _, err := dp.Orgs.ByCode(ctx, "610900D07"); err != nil {
		t.Fatal(err)
	}
}
