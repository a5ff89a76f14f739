package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/app/apptest"
	"zwfw/internal/org"
)

// orgRulesDay is the instance's today: Friday 2027-03-12, before a
// week whose Monday one county closes.
var orgRulesDay = time.Date(2027, 3, 12, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))

// seedShiquan adds a second county beside the seeded 宁陕县 — 石泉县, with a
// service centre and an administrator — and a supervisor of 四亩地镇
// (宁陕), the town a village is moved under below.
func seedShiquan(t *testing.T, e *apptest.Env) {
	t.Helper()
	ctx := context.Background()
	for _, in := range []org.Input{
		{Code: "610922", ParentCode: "610900", Kind: org.KindCounty, Name: "石泉县"},
		{Code: "610922C", ParentCode: "610922", Kind: org.KindCentre, Name: "石泉县政务服务中心"},
	} {
		if _, err := e.App.Orgs.Create(ctx, zwfw.System, in); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []account.UserInput{
		{Username: "shiquan.admin", Name: "石泉管理员", Roles: []string{zwfw.RoleAdmin}, OrgCode: "610922"},
		{Username: "simudi.supervisor", Name: "四亩地监察员", Roles: []string{zwfw.RoleSupervisor}, OrgCode: "610923101"},
	} {
		u.Password, u.Phone = apptest.DemoPassword, "0915-6826789"
		if _, err := e.App.Users.CreateStaff(ctx, zwfw.System, u); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOrganisationRules: calendar adjustments and an organisation's
// identity belong to the organisation and those above it (issue 8 item 3);
// moving a village re-scopes its cases at once (item 4).
func TestOrganisationRules(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		seedShiquan(t, e)
		t.Run("calendar adjustments belong to a county", func(t *testing.T) { testCalendarOwners(t, e) })
		t.Run("an administrator's own organisation", func(t *testing.T) { testOwnOrganisation(t, e) })
		t.Run("moving a village moves its cases", func(t *testing.T) { testMoveVillage(t, e, e) })
	}, apptest.Options{Now: func() time.Time { return orgRulesDay }})
}

func testCalendarOwners(t *testing.T, e *apptest.Env) {
	pub := anon(t, e)
	workdays := func(query string) string {
		t.Helper()
		res := pub.get("/calendar/workdays?" + query)
		if res.Status != http.StatusOK {
			t.Fatalf("workdays %s: %d %s", query, res.Status, res.Body)
		}
		var out map[string]string
		res.decode(&out)
		return out["date"]
	}
	// A case of 宁陕's county centre, accepted today: its deadline.
	deadline := func() string {
		t.Helper()
		ce := &caseEnv{e: e, tokens: map[string]string{}}
		k := ce.walkIn(t, "county.window", "010100100000", "610923C")
		k = ce.as(t, "county.window").mustAct(k.Serial, "accept", nil)
		return k.Deadline
	}
	before := deadline()
	closure := map[string]string{"kind": "holiday", "note": "防汛应急，暂停对外办公"}

	// Neither a town's administrator nor another county's changes 宁陕's
	// working calendar.
	town := demo(t, e, "chengguan.admin")
	town.put("/calendar/adjustments/2027-03-15", closure).apiErr(http.StatusForbidden, "forbidden")
	town.put("/calendar/adjustments/2027-03-15", map[string]string{"kind": "holiday", "note": "防汛应急", "org": "610923"}).
		apiErr(http.StatusForbidden, "forbidden")
	shiquan := demo(t, e, "shiquan.admin")
	shiquan.put("/calendar/adjustments/2027-03-15", map[string]string{"kind": "holiday", "note": "防汛应急", "org": "610923"}).
		apiErr(http.StatusForbidden, "forbidden")
	shiquan.do("DELETE", "/calendar/adjustments/2027-03-15?org=610923", "", nil, nil).apiErr(http.StatusForbidden, "forbidden")
	// Nor does the city's: its own adjustments are the city's, for all.
	demo(t, e, "admin").put("/calendar/adjustments/2027-03-15", map[string]string{"kind": "holiday", "note": "防汛应急", "org": "610923"}).
		apiErr(http.StatusForbidden, "forbidden")

	// 石泉 closes Monday and Tuesday: its own deadlines move, 宁陕's do not.
	for _, day := range []string{"2027-03-15", "2027-03-16"} {
		res := shiquan.put("/calendar/adjustments/"+day, closure)
		if res.Status != http.StatusOK {
			t.Fatalf("石泉 closes %s: %d %s", day, res.Status, res.Body)
		}
		conforms(t, "Adjustment", res.Body)
		var a struct {
			Org     string
			OrgName string `json:"org_name"`
		}
		res.decode(&a)
		if a.Org != "610922" || a.OrgName != "石泉县" {
			t.Fatalf("the adjustment is 石泉's: %+v", a)
		}
	}
	if got := workdays("from=2027-03-12&add=1&org=610922C"); got != "2027-03-17" {
		t.Errorf("石泉: Friday + 1 working day = %s, want 2027-03-17", got)
	}
	for _, q := range []string{"org=610923", "org=610923C", "org=610923100201C", ""} {
		if got := workdays("from=2027-03-12&add=1&" + q); got != "2027-03-15" {
			t.Errorf("%s: Friday + 1 working day = %s, moved by 石泉's closure", q, got)
		}
	}
	if got := deadline(); got != before {
		t.Fatalf("宁陕's deadline moved from %s to %s by another county's closure", before, got)
	}
	if n := pub.total("/calendar/adjustments?year=2027&org=610923"); n != 0 {
		t.Errorf("宁陕 lists %d adjustments of another county", n)
	}
	if n := pub.total("/calendar/adjustments?year=2027&org=610922"); n != 2 {
		t.Errorf("石泉 lists %d adjustments, want 2", n)
	}
	pub.get("/calendar/workdays?from=2027-03-12&add=1&org=nowhere").apiErr(http.StatusUnprocessableEntity, "invalid")

	// 宁陕's own administrator closes Monday: now its deadlines move.
	if res := demo(t, e, "county.admin").put("/calendar/adjustments/2027-03-15", closure); res.Status != http.StatusOK {
		t.Fatalf("宁陕 closes: %d %s", res.Status, res.Body)
	}
	// One working day later than before (the closure lies inside the limit).
	after := deadline()
	if want := workdays("from=" + before + "&add=1&org=610923C"); after != want {
		t.Errorf("宁陕's deadline after its own closure: %s, want %s (was %s)", after, want, before)
	}
	if got := workdays("from=2027-03-12&add=1&org=610923100C"); got != "2027-03-16" {
		t.Errorf("the county's adjustment holds in its towns: %s", got)
	}
}

func testOwnOrganisation(t *testing.T, e *apptest.Env) {
	town := demo(t, e, "chengguan.admin")
	off := false
	for _, in := range []map[string]any{
		{"code": "610923199", "name": "城关镇"},
		{"name": "城关镇", "active": &off},
		{"name": "城关镇", "parent_code": "610900"},
	} {
		if er := town.put("/orgs/610923100", in).apiErr(http.StatusForbidden, "forbidden"); !strings.Contains(er.Message, "上级管理员") {
			t.Errorf("%v: %+v", in, er)
		}
	}
	// The town's contact details stay its own to keep.
	res := town.put("/orgs/610923100", map[string]any{"name": "城关镇", "full_name": "宁陕县城关镇人民政府", "phone": "0915-6821234"})
	if res.Status != http.StatusOK || !strings.Contains(string(res.Body), "0915-6821234") {
		t.Fatalf("town updates its phone: %d %s", res.Status, res.Body)
	}
	// The county above may deactivate it, and reactivate it.
	county := demo(t, e, "county.admin")
	for _, on := range []bool{false, true} {
		if res := county.put("/orgs/610923100", map[string]any{"name": "城关镇", "active": &on}); res.Status != http.StatusOK {
			t.Fatalf("county sets the town active=%v: %d %s", on, res.Status, res.Body)
		}
	}
}

// testMoveVillage moves 寨沟村 from 城关镇 to 四亩地镇 on instance a and
// checks, on instance b (the same one, or a second process), that its case
// leaves the old town's lists and lookups and enters the new town's.
func testMoveVillage(t *testing.T, a, b *apptest.Env) {
	var mats []map[string]any
	for _, m := range anon(t, a).item("200300100000").Materials {
		if m.Required == "required" {
			mats = append(mats, map[string]any{"name": m.Name, "handed_in": "window"})
		}
	}
	k, _ := demo(t, a, "resident.wang").apply(map[string]any{"item_code": "200300100000", "org_code": "610923100201C",
		"form": map[string]any{"description": "参保登记"}, "materials": mats})
	old, now := on(b, demo(t, a, "chengguan.supervisor")), on(b, demo(t, a, "simudi.supervisor"))
	sees := func(c *client) (get bool, listed bool) {
		get = c.get("/cases/"+k.Serial).Status == http.StatusOK
		listed = c.total("/cases?q="+k.Serial) == 1
		return
	}
	// The old town sees the case (and its process caches it), the new one
	// does not.
	for range 2 {
		if g, l := sees(old); !g || !l {
			t.Fatalf("城关镇 before the move: get %v, listed %v", g, l)
		}
	}
	if g, l := sees(now); g || l {
		t.Fatalf("四亩地镇 before the move: get %v, listed %v", g, l)
	}
	// The dashboards' count of today's cases, computed (and kept) now.
	today := func(c *client) int {
		var ov struct {
			Totals struct {
				Today int `json:"cases_today"`
			}
		}
		c.get("/supervision/overview").decode(&ov)
		return ov.Totals.Today
	}
	oldToday, newToday := today(old), today(now)

	res := demo(t, a, "county.admin").put("/orgs/610923100201", map[string]any{"name": "寨沟村", "parent_code": "610923101"})
	if res.Status != http.StatusOK {
		t.Fatalf("move: %d %s", res.Status, res.Body)
	}
	if !soon(func() bool { g, l := sees(old); return !g && !l }) {
		g, l := sees(old)
		t.Errorf("城关镇 after the move: get %v, listed %v — still sees a village it lost", g, l)
	}
	if !soon(func() bool { g, l := sees(now); return g && l }) {
		g, l := sees(now)
		t.Errorf("四亩地镇 after the move: get %v, listed %v — cannot see its new village's case", g, l)
	}
	// A case filed there from now on belongs to the new town at once.
	k2, _ := demo(t, a, "resident.wang").apply(map[string]any{"item_code": "200300100000", "org_code": "610923100201C",
		"form": map[string]any{"description": "参保登记"}, "materials": mats})
	if now.get("/cases/"+k2.Serial).Status != http.StatusOK || old.get("/cases/"+k2.Serial).Status != http.StatusNotFound {
		t.Error("a case filed after the move belongs to the old town")
	}
	if !soon(func() bool { return today(old) == oldToday-1 && today(now) == newToday+2 }) {
		t.Errorf("dashboards after the move: 城关镇 %d cases today (was %d), 四亩地镇 %d (was %d)", today(old), oldToday, today(now), newToday)
	}
	county := on(b, demo(t, a, "county.supervisor"))
	if county.get("/cases/"+k.Serial).Status != http.StatusOK {
		t.Error("the county lost sight of the moved village's case")
	}
	// Renaming the station shows in its cases at once, cached or not.
	res = demo(t, a, "county.admin").put("/orgs/610923100201C", map[string]any{"name": "寨沟村党群服务中心"})
	if res.Status != http.StatusOK {
		t.Fatalf("rename: %d %s", res.Status, res.Body)
	}
	if !soon(func() bool {
		return strings.Contains(string(county.get("/cases/"+k.Serial).Body), "寨沟村党群服务中心")
	}) {
		t.Error("a cached case still shows its station's old name")
	}
}

// Two server processes on one PostgreSQL schema: a move on one re-scopes
// the lookups the other has cached.
func TestMoveReachesOtherProcesses(t *testing.T) {
	a := apptest.Start(t, "postgres", apptest.Options{Now: func() time.Time { return orgRulesDay }})
	b := apptest.Twin(t, a)
	seedShiquan(t, a)
	testMoveVillage(t, a, b)
}
