package api_test

import (
	"net/http"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
)

// TestRolesAndScope checks who may do what: anonymous callers, roles
// without the right, and administrators outside their subtree.
func TestRolesAndScope(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		county := demo(t, e, "county.catalog")
		const code = "019999900000"
		if res := county.post("/items", body(t, testItem(code, "测试经营许可"), map[string]any{"reason": "测试新设"})); res.Status != http.StatusCreated {
			t.Fatalf("county catalog admin creating a county item: %d %s", res.Status, res.Body)
		}

		t.Run("anonymous writes are refused with 401", func(t *testing.T) {
			res := anon(t, e).post("/items", body(t, testItem("019999900001", "匿名新设"), map[string]any{"reason": "匿名"}))
			if er := res.apiErr(http.StatusUnauthorized, "unauthorized"); er.Message != "请先登录" {
				t.Fatalf("message %q", er.Message)
			}
			if res.Header.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
			bad := &client{t: t, base: e.URL + "/api/v1", token: "not-a-token"}
			if er := bad.get("/auth/me").apiErr(http.StatusUnauthorized, "unauthorized"); !strings.Contains(er.Message, "失效") {
				t.Fatalf("bad token: %q", er.Message)
			}
			anon(t, e).get("/items/019999900001").apiErr(http.StatusNotFound, "not_found")
		})

		t.Run("a window clerk cannot edit the catalog or accounts", func(t *testing.T) {
			w := demo(t, e, "county.window")
			w.post("/items", body(t, testItem("019999900002", "窗口新设"), map[string]any{"reason": "窗口人员尝试新设"})).
				apiErr(http.StatusForbidden, "forbidden")
			anon(t, e).get("/items/019999900002").apiErr(http.StatusNotFound, "not_found")
			w.get("/users").apiErr(http.StatusForbidden, "forbidden")
			w.upload("/catalog/import", "file", "catalog.json", []byte(`[]`), map[string]string{"reason": "窗口导入"}).
				apiErr(http.StatusForbidden, "forbidden")
		})

		t.Run("a town admin cannot create users in a county department", func(t *testing.T) {
			town := demo(t, e, "chengguan.admin")
			in := map[string]any{"username": "scope.test", "password": "Scope@2026", "name": "范围测试",
				"roles": []string{"reviewer"}, "org_code": "610923D01"}
			if er := town.post("/users", in).apiErr(http.StatusForbidden, "forbidden"); !strings.Contains(er.Message, "管辖范围") {
				t.Fatalf("message %q", er.Message)
			}
			admin := demo(t, e, "admin")
			if n := admin.total("/users?q=scope.test"); n != 0 {
				t.Fatalf("refused user exists: %d", n)
			}
			// Inside the town it works, and the town admin sees only the town.
			in["org_code"] = "610923100C"
			if res := town.post("/users", in); res.Status != http.StatusCreated {
				t.Fatalf("town admin creating a town user: %d %s", res.Status, res.Body)
			}
			var l struct {
				Items []struct {
					Username string
					OrgCode  string `json:"org_code"`
				}
				Total int
			}
			town.get("/users?limit=500").decode(&l)
			if l.Total == 0 || l.Total != len(l.Items) {
				t.Fatalf("town list: %+v", l)
			}
			for _, u := range l.Items {
				if !strings.HasPrefix(u.OrgCode, "610923100") {
					t.Fatalf("town admin sees %s of %s", u.Username, u.OrgCode)
				}
			}
			// An account outside the subtree is as if it did not exist
			// (the matrix: no administrator learns other units' usernames).
			town.put("/users/county.window", map[string]any{"name": "李晓燕", "roles": []string{"window"}, "org_code": "610923100C"}).
				apiErr(http.StatusNotFound, "not_found")
			// Applicants: only those of cases in the town (users_test.go).
			if res := town.get("/users?kind=applicant"); res.Status != http.StatusOK || strings.Contains(string(res.Body), "13991561234") {
				t.Fatalf("town admin's applicants: %d %s", res.Status, res.Body)
			}
		})

		t.Run("a town catalog admin cannot edit a county department's item", func(t *testing.T) {
			before := anon(t, e).item(code)
			town := demo(t, e, "chengguan.catalog")
			it := testItem(code, "测试经营许可")
			it.Hours = "周一至周日全天"
			er := town.put("/items/"+code, body(t, it, map[string]any{"version": before.Version, "reason": "镇里改县里的事项"})).
				apiErr(http.StatusForbidden, "forbidden")
			if !strings.Contains(er.Message, "管辖范围") {
				t.Fatalf("message %q", er.Message)
			}
			town.post("/items/"+code+"/cancel", map[string]any{"version": before.Version, "reason": "镇里取消县里的事项"}).
				apiErr(http.StatusForbidden, "forbidden")
			after := anon(t, e).item(code)
			if after.Version != before.Version || after.Hours != before.Hours || after.Status != "active" {
				t.Fatalf("item changed: version %d → %d, hours %q → %q, %s", before.Version, after.Version, before.Hours, after.Hours, after.Status)
			}
		})

		t.Run("users are managed by administrators", func(t *testing.T) {
			admin := demo(t, e, "county.admin")
			in := map[string]any{"username": "new.reviewer", "password": "Review@2026", "name": "新审核员",
				"roles": []string{"reviewer"}, "org_code": "610923D01", "post": "审批股"}
			res := admin.post("/users", in)
			if res.Status != http.StatusCreated || !strings.Contains(string(res.Body), `"部门审核人员"`) {
				t.Fatalf("create: %d %s", res.Status, res.Body)
			}
			admin.post("/users", in).apiErr(http.StatusConflict, "conflict")
			in["roles"] = []string{"superuser"}
			in["username"] = "new.reviewer2"
			if er := admin.post("/users", in).apiErr(http.StatusUnprocessableEntity, "invalid"); !er.hasDetail("roles", "superuser") {
				t.Fatalf("unknown role: %+v", er)
			}
			up := map[string]any{"name": "新审核员", "roles": []string{"reviewer", "window"}, "org_code": "610923C", "window_code": "610923CW01"}
			res = admin.put("/users/new.reviewer", up)
			if res.Status != http.StatusOK || !strings.Contains(string(res.Body), `"window_code":"610923CW01"`) {
				t.Fatalf("update: %d %s", res.Status, res.Body)
			}
			up["username"] = "renamed"
			admin.put("/users/new.reviewer", up).apiErr(http.StatusUnprocessableEntity, "invalid")
			admin.put("/users/nobody.here", map[string]any{"name": "某某", "roles": []string{"window"}, "org_code": "610923C"}).
				apiErr(http.StatusNotFound, "not_found")
			var l struct {
				Items []struct{ Username string }
				Total int
			}
			admin.get("/users?role=reviewer&org=610923D01").decode(&l)
			found := false
			for _, u := range l.Items {
				found = found || u.Username == "county.reviewer"
			}
			if !found || l.Total != len(l.Items) {
				t.Fatalf("reviewers of 610923D01: %+v", l)
			}
			admin.get("/users?limit=0").apiErr(http.StatusBadRequest, "bad_request")
			admin.get("/users?offset=-1").apiErr(http.StatusBadRequest, "bad_request")
			admin.get("/users?limit=501").apiErr(http.StatusBadRequest, "bad_request")
		})

		t.Run("organisations", func(t *testing.T) {
			c := anon(t, e)
			var flat struct {
				Items []struct {
					Code       string
					ParentCode string `json:"parent_code"`
					Kind, Name string
				}
				Total int
			}
			c.get("/orgs?limit=500").decode(&flat)
			if flat.Total < 150 || len(flat.Items) != flat.Total || flat.Items[0].Code != "610900" {
				t.Fatalf("flat list: %d of %d, first %+v", len(flat.Items), flat.Total, flat.Items[0])
			}
			// Display order: every node comes after its parent, and a
			// parent's subtree is contiguous.
			pos := map[string]int{}
			for i, o := range flat.Items {
				if o.ParentCode != "" {
					if _, ok := pos[o.ParentCode]; !ok {
						t.Fatalf("%s listed before its parent %s", o.Code, o.ParentCode)
					}
				}
				pos[o.Code] = i
			}
			if pos["610923D01"] > pos["610923100"] || pos["610923100C"] > pos["610923101"] {
				t.Fatal("departments or a town's centre not in display order")
			}
			if n := c.total("/orgs"); n != flat.Total {
				t.Fatalf("default page total %d", n)
			}
			var page struct{ Items []struct{ Code string } }
			c.get("/orgs?limit=2&offset=1").decode(&page)
			if len(page.Items) != 2 || page.Items[0].Code != flat.Items[1].Code {
				t.Fatalf("page: %+v", page)
			}

			var tree struct {
				Items []struct {
					Code     string
					Children []struct{ Code string }
				}
				Total int
			}
			c.get("/orgs?tree=1").decode(&tree)
			if tree.Total != 1 || tree.Items[0].Code != "610900" || len(tree.Items[0].Children) == 0 {
				t.Fatalf("tree: %+v", tree)
			}
			c.get("/orgs?under=610923100&kind=centre&limit=500").decode(&flat)
			hasCentre := false
			for _, o := range flat.Items {
				if o.Kind != "centre" || !strings.HasPrefix(o.Code, "610923100") {
					t.Fatalf("under/kind filter let %+v through", o)
				}
				hasCentre = hasCentre || o.Code == "610923100C"
			}
			if !hasCentre || flat.Total != len(flat.Items) {
				t.Fatalf("centres under 城关镇: %+v", flat)
			}
			c.get("/orgs?kind=planet").apiErr(http.StatusBadRequest, "bad_request")
			c.get("/orgs?under=000000").apiErr(http.StatusNotFound, "not_found")

			var d01 struct{ Name, FullName string }
			c.get("/orgs/610923D01").decode(&d01)
			if d01.Name != "市场监管局" {
				t.Fatalf("610923D01: %+v", d01)
			}
			c.get("/orgs/000000").apiErr(http.StatusNotFound, "not_found")

			admin := demo(t, e, "county.admin")
			res := admin.post("/orgs", map[string]any{"code": "610923D99", "parent_code": "610923", "kind": "dept", "name": "测试局", "sort": 99})
			if res.Status != http.StatusCreated {
				t.Fatalf("create org: %d %s", res.Status, res.Body)
			}
			admin.post("/orgs", map[string]any{"code": "610923D99", "parent_code": "610923", "kind": "dept", "name": "测试局"}).
				apiErr(http.StatusConflict, "conflict")
			// PUT without parent_code and kind keeps them.
			res = admin.put("/orgs/610923D99", map[string]any{"name": "测试管理局", "full_name": "宁陕县测试管理局", "sort": 99})
			if res.Status != http.StatusOK || !strings.Contains(string(res.Body), `"parent_code":"610923"`) || !strings.Contains(string(res.Body), "测试管理局") {
				t.Fatalf("update org: %d %s", res.Status, res.Body)
			}
			demo(t, e, "chengguan.admin").put("/orgs/610923D99", map[string]any{"name": "镇里改名"}).apiErr(http.StatusForbidden, "forbidden")
			demo(t, e, "county.window").post("/orgs", map[string]any{"code": "X1", "parent_code": "610923", "kind": "dept", "name": "窗口建的"}).
				apiErr(http.StatusForbidden, "forbidden")
		})
	})
}
