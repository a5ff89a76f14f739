package api_test

import (
	"context"
	"net/http"
	"testing"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/app/apptest"
	"zwfw/internal/org"
	"zwfw/internal/seed"
	"zwfw/internal/supervision"
)

// weightsCounty seeds a second county beside 宁陕县 under the city (石泉县,
// with a department and its administrator) and returns the administrator's
// username and password.
func weightsCounty(t *testing.T, e *apptest.Env) (string, string) {
	t.Helper()
	ctx := context.Background()
	for _, in := range []org.Input{
		{Code: "610922", ParentCode: seed.RootCode, Kind: org.KindCounty, Name: "石泉县", FullName: "石泉县人民政府", Sort: 2},
		{Code: "610922D01", ParentCode: "610922", Kind: org.KindDept, Name: "市场监管局", FullName: "石泉县市场监督管理局", Sort: 1},
	} {
		if _, err := e.App.Orgs.Create(ctx, zwfw.System, in); err != nil {
			t.Fatalf("org %s: %v", in.Code, err)
		}
	}
	active := true
	if _, err := e.App.Users.CreateStaff(ctx, zwfw.System, account.UserInput{Username: "shiquan.admin", Password: "Shiquan@2026x",
		Name: "石泉管理员", Phone: "13800000001", Roles: []string{zwfw.RoleAdmin}, OrgCode: "610922", Active: &active}); err != nil {
		t.Fatal(err)
	}
	return "shiquan.admin", "Shiquan@2026x"
}

// Weights belong to an organisation: only its own administrators set them
// (a town's administrator, another county's and the city's cannot set the
// county's); a county's apply to the county, the city's to the counties
// that set none; setting one county's leaves the other county's
// assessment as it was.
func TestWeightsBelongToAnOrganisation(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		user, pw := weightsCounty(t, e)
		other := login(t, e, user, pw)
		county := demo(t, e, "county.admin")
		mine := map[string]int{"on_time": 50, "satisfaction": 50, "error": 4, "complaint": 1}
		type view struct {
			supervision.Weights
			Org   string `json:"org"`
			SetBy string `json:"set_by"`
		}
		get := func(c *client, path string) view {
			t.Helper()
			r := c.get(path)
			if r.Status != http.StatusOK {
				t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
			}
			conforms(t, "OrgWeights", r.Body)
			var v view
			r.decode(&v)
			return v
		}

		// Refused: the town's administrator, for the town or the county;
		// the other county's administrator and the city's, for 宁陕县.
		town := demo(t, e, "chengguan.admin")
		town.put("/assessment/weights", mine).apiErr(http.StatusForbidden, "forbidden")
		town.put("/assessment/weights?org=610923", mine).apiErr(http.StatusForbidden, "forbidden")
		other.put("/assessment/weights?org=610923", mine).apiErr(http.StatusForbidden, "forbidden")
		login(t, e, "admin", apptest.AdminPassword).put("/assessment/weights?org=610923", mine).apiErr(http.StatusForbidden, "forbidden")
		demo(t, e, "county.supervisor").put("/assessment/weights", mine).apiErr(http.StatusForbidden, "forbidden")
		if v := get(county, "/assessment/weights"); v.Weights != supervision.DefaultWeights || v.SetBy != "" || v.Org != "610923" {
			t.Fatalf("after refused changes: %+v", v)
		}

		// The county's own administrator sets them: 宁陕县 and its towns
		// use them, 石泉县 keeps the defaults.
		r := county.put("/assessment/weights", mine)
		if r.Status != http.StatusOK {
			t.Fatalf("county admin: %d %s", r.Status, r.Body)
		}
		conforms(t, "OrgWeights", r.Body)
		want := supervision.Weights{OnTime: 50, Satisfaction: 50, Error: 4, Complaint: 1}
		if v := get(demo(t, e, "chengguan.supervisor"), "/assessment/weights"); v.Weights != want || v.SetBy != "610923" {
			t.Fatalf("the town's weights: %+v", v)
		}
		if v := get(other, "/assessment/weights"); v.Weights != supervision.DefaultWeights || v.SetBy != "" {
			t.Fatalf("the other county's weights: %+v", v)
		}
		demo(t, e, "county.supervisor").get("/assessment/weights?org=610922").apiErr(http.StatusForbidden, "forbidden")
		quarter := func(code string) supervision.Weights {
			t.Helper()
			rep, err := e.App.Reports.GenerateReport(ctx, zwfw.System, supervision.Quarterly, "2026-Q3", code)
			if err != nil {
				t.Fatal(err)
			}
			return rep.Quarterly.Weights
		}
		if got := quarter("610923"); got != want {
			t.Fatalf("宁陕县's assessment by %+v", got)
		}
		if got := quarter("610922"); got != supervision.DefaultWeights {
			t.Fatalf("石泉县's assessment by %+v, want the defaults", got)
		}

		// The city's apply where a county has set none.
		city := supervision.Weights{OnTime: 70, Satisfaction: 30, Error: 6, Complaint: 3}
		if r := login(t, e, "admin", apptest.AdminPassword).put("/assessment/weights", city); r.Status != http.StatusOK {
			t.Fatalf("city admin: %d %s", r.Status, r.Body)
		}
		if got := quarter("610922"); got != city {
			t.Fatalf("石泉县 after the city's: %+v", got)
		}
		if got := quarter("610923"); got != want {
			t.Fatalf("宁陕县 after the city's: %+v", got)
		}
		// And the other county's administrator sets its own.
		theirs := map[string]int{"on_time": 65, "satisfaction": 35, "error": 5, "complaint": 2}
		if r := other.put("/assessment/weights", theirs); r.Status != http.StatusOK {
			t.Fatalf("石泉县's admin: %d %s", r.Status, r.Body)
		}
		if v := get(other, "/assessment/weights"); v.OnTime != 65 || v.SetBy != "610922" {
			t.Fatalf("石泉县's own: %+v", v)
		}
		if got := quarter("610923"); got != want {
			t.Fatalf("宁陕县 after 石泉县's: %+v", got)
		}
	})
}
