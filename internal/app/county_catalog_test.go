package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
	"zwfw/internal/catalog"
)

// TestSecondCountySameItemCodes (issue 14, Done when line 3): 石泉县 beside
// 宁陕县 in one deployment implements an item under 宁陕县's 基本编码, with
// its own 实施编码, place and phones. Both guides resolve (page and API),
// a case filed in each county gets its own county's item, each county's
// staff see only their own cases and items, an edit of one leaves the other
// untouched (catalog-level checks and the Excel round trip are in
// catalog.TestSecondCountySameCodes).
func TestSecondCountySameItemCodes(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		sq := apptest.SecondCounty(t, e)
		const code = "019923000777"
		ns := apptest.TestItem(code, "同码测试许可", "610923D01", false)
		ns.Place, ns.ConsultPhone = "宁陕县政务服务中心一楼", "0915-6821125"
		if _, err := e.App.Catalog.Create(ctx, e.Actor(t, "county.catalog"), ns, "宁陕县实施"); err != nil {
			t.Fatal(err)
		}
		other := apptest.TestItem(code, "同码测试许可", sq.Dept, false)
		other.Place, other.ConsultPhone = "石泉县政务服务中心二楼", "0915-6311125"
		if _, err := e.App.Catalog.Create(ctx, e.Actor(t, "county.catalog"), other, "越权"); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("宁陕县's administrator creating 石泉县's item: %v", err)
		}
		if _, err := e.App.Catalog.Create(ctx, e.Actor(t, sq.Staff[zwfw.RoleCatalogAdmin]), other, "石泉县实施"); err != nil {
			t.Fatalf("the same code in 石泉县: %v", err)
		}

		// Both guides resolve by 实施编码; the bare shared code names both.
		for _, c := range []struct{ key, want string }{{ns.ImplCode, ns.Place}, {other.ImplCode, other.Place}} {
			if st, body := get(t, e.URL+"/items/"+c.key); st != http.StatusOK || !strings.Contains(body, c.want) {
				t.Fatalf("guide %s: %d, has %q: %v", c.key, st, c.want, strings.Contains(body, c.want))
			}
			st, body := get(t, e.URL+"/api/v1/items/"+c.key)
			var it catalog.Item
			if st != http.StatusOK || json.Unmarshal([]byte(body), &it) != nil || it.Place != c.want || it.Code != code {
				t.Fatalf("API item %s: %d %s", c.key, st, body)
			}
		}
		if st, body := get(t, e.URL+"/api/v1/items/"+code); st != http.StatusConflict || !strings.Contains(body, ns.ImplCode) || !strings.Contains(body, other.ImplCode) {
			t.Fatalf("API shared code: %d %s", st, body)
		}

		// A case filed with the bare code at each county's centre gets that
		// county's item, also when read back and acted on.
		nsSerial := e.Case(t, "resident.wang", code, "610923C", casework.Submitted)
		sqSerial := e.Case(t, sq.Applicant, code, sq.Centre, casework.Submitted)
		for _, c := range []struct {
			serial, staff, dept, place string
		}{{nsSerial, "county.window", "610923D01", ns.Place}, {sqSerial, sq.Staff[zwfw.RoleWindow], sq.Dept, other.Place}} {
			got, err := e.App.Cases.Get(ctx, e.Actor(t, c.staff), c.serial)
			if err != nil || got.DeptCode != c.dept || got.ItemCode != code {
				t.Fatalf("case %s: %+v, %v", c.serial, got, err)
			}
			it, err := e.App.Catalog.ResolveVersion(ctx, got.ItemCode, got.ItemVersion, got.DeptPath)
			if err != nil || it.Place != c.place {
				t.Fatalf("case %s's item: %+v, %v", c.serial, it, err)
			}
			if _, err := e.App.Cases.Act(ctx, e.Actor(t, c.staff), c.serial, casework.ActAccept, casework.ActionInput{}); err != nil {
				t.Fatalf("accept %s: %v", c.serial, err)
			}
		}
		// Each county's staff see only their own cases.
		if _, err := e.App.Cases.Get(ctx, e.Actor(t, "county.window"), sqSerial); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			t.Fatalf("宁陕县's window reading 石泉县's case: %v", err)
		}
		if _, err := e.App.Cases.Get(ctx, e.Actor(t, sq.Staff[zwfw.RoleWindow]), nsSerial); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			t.Fatalf("石泉县's window reading 宁陕县's case: %v", err)
		}

		// An edit of 石泉县's item leaves 宁陕县's as it was.
		cur, err := e.App.Catalog.Get(ctx, other.ImplCode)
		if err != nil {
			t.Fatal(err)
		}
		ed := *cur
		ed.ConsultPhone = "0915-6319999"
		if _, err := e.App.Catalog.Update(ctx, e.Actor(t, "county.catalog"), other.ImplCode, &ed, "越权变更", cur.Version); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("宁陕县 editing 石泉县's item: %v", err)
		}
		if _, err := e.App.Catalog.Update(ctx, e.Actor(t, sq.Staff[zwfw.RoleCatalogAdmin]), other.ImplCode, &ed, "更换咨询电话", cur.Version); err != nil {
			t.Fatal(err)
		}
		if it, _ := e.App.Catalog.Get(ctx, ns.ImplCode); it.Version != 1 || it.ConsultPhone != "0915-6821125" {
			t.Fatalf("宁陕县's item after 石泉县's edit: %+v", it)
		}
	})
}
