package api_test

import (
	"net/http"
	"strings"
	"testing"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/app/apptest"
	"zwfw/internal/audit"
)

// testAuditTrail: a case's audit trail lists its steps for the staff who
// may see it and nobody else; the full identity number is given only with
// a reason, and the access itself lands in the trail.
func testAuditTrail(t *testing.T, ce *caseEnv) {
	clerk := ce.as(t, "county.window")
	k := ce.walkIn(t, "county.window", "010100100000", "610923C")
	clerk.mustAct(k.Serial, "accept", nil)

	type trail struct {
		Items []audit.Entry
	}
	var tr trail
	clerk.get("/audit?case=" + k.Serial).decode(&tr)
	if len(tr.Items) < 2 || tr.Items[0].Action != "case.accept" || tr.Items[len(tr.Items)-1].Action != "case.apply" {
		t.Fatalf("trail: %+v", tr.Items)
	}
	// Out of scope, an applicant, or the whole log without being admin.
	ce.as(t, "chengguan.window").get("/audit?case="+k.Serial).apiErr(http.StatusNotFound, "not_found")
	ce.as(t, "resident.wang").get("/audit?case="+k.Serial).apiErr(http.StatusForbidden, "forbidden")
	clerk.get("/audit").apiErr(http.StatusForbidden, "forbidden")
	var all trail
	if res := ce.as(t, "county.auditor").get("/audit?object=case:" + k.Serial); res.Status != http.StatusOK {
		t.Fatalf("auditor: %d %s", res.Status, res.Body)
	} else if res.decode(&all); len(all.Items) != len(tr.Items) {
		t.Fatalf("admin sees %d entries, clerk %d", len(all.Items), len(tr.Items))
	}

	// The full ID number: a reason is required; the access is recorded.
	clerk.post("/cases/"+k.Serial+"/reveal-ident", map[string]string{"reason": " "}).apiErr(http.StatusUnprocessableEntity, "invalid")
	ce.as(t, "chengguan.window").post("/cases/"+k.Serial+"/reveal-ident", map[string]string{"reason": "核验"}).apiErr(http.StatusNotFound, "not_found")
	var got struct{ Ident string }
	res := clerk.post("/cases/"+k.Serial+"/reveal-ident", map[string]string{"reason": "核验身份证原件"})
	if res.Status != http.StatusOK {
		t.Fatalf("reveal: %d %s", res.Status, res.Body)
	}
	if res.decode(&got); got.Ident != walkInID {
		t.Fatalf("revealed %q", got.Ident)
	}
	clerk.get("/audit?case=" + k.Serial).decode(&tr)
	if e := tr.Items[0]; e.Action != "case.reveal_ident" || !strings.Contains(string(e.Detail), "核验身份证原件") || e.ActorName == "" {
		t.Fatalf("the access was not recorded: %+v", e)
	}
	// The entries are chained into the tamper-evident log.
	if _, err := audit.Check(t.Context(), ce.e.App.DB, ce.e.App.Checkpoints); err != nil {
		t.Fatal(err)
	}
}

// cityAuditor is an audit administrator at the top of the tree (the city),
// made once per instance.
func cityAuditor(t *testing.T, ce *caseEnv) string {
	t.Helper()
	const name = "city.auditor"
	if _, err := ce.e.App.Users.ByUsername(t.Context(), name); err == nil {
		return name
	}
	if _, err := ce.e.App.Users.CreateStaff(t.Context(), zwfw.System, account.UserInput{Username: name, Password: apptest.DemoPassword,
		Name: "市审计员", Roles: []string{zwfw.RoleAuditAdmin}, OrgCode: "610900", Post: "审计管理员"}); err != nil {
		t.Fatal(err)
	}
	return name
}

// entries lists GET path's audit entries, failing on anything but 200.
func (c *client) entries(path string) []audit.Entry {
	c.t.Helper()
	res := c.get(path)
	if res.Status != http.StatusOK {
		c.t.Fatalf("GET %s: %d %s", path, res.Status, res.Body)
	}
	var l struct{ Items []audit.Entry }
	res.decode(&l)
	return l.Items
}

func hasAction(es []audit.Entry, action string) bool {
	for _, e := range es {
		if e.Action == action {
			return true
		}
	}
	return false
}

// testAuditReaders: the audit administrator alone reads the audit log
// (三员分立, §2(7)): the system administrators whose work it records and
// the security administrator are refused, the whole log and an object's.
func testAuditReaders(t *testing.T, ce *caseEnv) {
	for _, who := range []string{"admin", "county.admin", "chengguan.admin", "county.security"} {
		c := ce.as(t, who)
		res := c.get("/audit?limit=5")
		res.apiErr(http.StatusForbidden, "forbidden")
		if !strings.Contains(string(res.Body), "审计管理员") {
			t.Fatalf("%s: the refusal does not say who reads the log: %s", who, res.Body)
		}
		c.get("/audit?object=item:010100100000").apiErr(http.StatusForbidden, "forbidden")
	}
	if es := ce.as(t, "county.auditor").entries("/audit?limit=5"); len(es) == 0 {
		t.Fatal("the county's audit administrator reads nothing")
	}
}

// testAuditScope: the audit log is read within the reader's subtree like
// everything else. A town audit administrator reads neither a county case's
// entries (the reason an ID number was revealed) nor the platform's, and
// asking for a county case by object is the same 404 as asking for the
// case; an organisation moved to another town takes its entries along.
func testAuditScope(t *testing.T, ce *caseEnv) {
	clerk := ce.as(t, "county.window")
	k := ce.walkIn(t, "county.window", "010100100000", "610923C")
	if res := clerk.post("/cases/"+k.Serial+"/reveal-ident", map[string]string{"reason": "核验县级办件身份证原件"}); res.Status != http.StatusOK {
		t.Fatalf("reveal: %d %s", res.Status, res.Body)
	}
	town, county, top := ce.as(t, "chengguan.auditor"), ce.as(t, "county.auditor"), ce.as(t, cityAuditor(t, ce))
	admin := ce.as(t, "county.admin")

	for _, e := range town.entries("/audit?limit=500") {
		if strings.HasPrefix(e.Object, "item:") || e.Object == "case:"+k.Serial || strings.Contains(string(e.Detail), "核验县级办件") {
			t.Fatalf("the town administrator reads %s %s %s", e.Action, e.Object, e.Detail)
		}
	}
	town.get("/audit?object=case:"+k.Serial).apiErr(http.StatusNotFound, "not_found")
	town.get("/cases/"+k.Serial).apiErr(http.StatusNotFound, "not_found")
	town.get("/audit?object=case:NO-SUCH-CASE").apiErr(http.StatusNotFound, "not_found")
	if es := county.entries("/audit?object=case:" + k.Serial); !hasAction(es, "case.reveal_ident") || !hasAction(es, "case.apply") {
		t.Fatalf("the county administrator reads the county case's trail: %+v", es)
	}
	if es := county.entries("/audit?limit=5"); !hasAction(es, "case.reveal_ident") {
		t.Fatalf("the county administrator's log starts with the reveal: %+v", es)
	}
	// The catalog was published by the platform itself: its entries are
	// read at the top of the tree only.
	if es := county.entries("/audit?object=item:010100100000"); len(es) != 0 {
		t.Fatalf("the county administrator reads the platform's entries: %+v", es)
	}
	if es := top.entries("/audit?object=item:010100100000"); len(es) == 0 {
		t.Fatal("the platform administrator reads no catalog entries")
	}

	// A village of the town, and an account in it: the town reads both.
	village := map[string]any{"code": "610923100299", "parent_code": "610923100", "kind": "village", "name": "审计村"}
	if res := admin.post("/orgs", village); res.Status != http.StatusCreated {
		t.Fatalf("create village: %d %s", res.Status, res.Body)
	}
	user := map[string]any{"username": "audit.village", "password": "Village@2026", "name": "村干部", "roles": []string{"window"}, "org_code": "610923100299"}
	if res := admin.post("/users", user); res.Status != http.StatusCreated {
		t.Fatalf("create user: %d %s", res.Status, res.Body)
	}
	for _, obj := range []string{"org:610923100299", "user:audit.village"} {
		if len(town.entries("/audit?object="+obj)) != 1 {
			t.Fatalf("the town reads no entry about %s", obj)
		}
	}
	// Moved under another town, the village takes its entries along.
	village["parent_code"] = "610923101"
	if res := admin.put("/orgs/610923100299", village); res.Status != http.StatusOK {
		t.Fatalf("move village: %d %s", res.Status, res.Body)
	}
	for _, obj := range []string{"org:610923100299", "user:audit.village"} {
		if es := town.entries("/audit?object=" + obj); len(es) != 0 {
			t.Fatalf("the old town still reads %s: %+v", obj, es)
		}
		if es := county.entries("/audit?object=" + obj); len(es) == 0 {
			t.Fatalf("the county reads nothing about %s", obj)
		}
	}
}
