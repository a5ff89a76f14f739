package api_test

import (
	"net/http"
	"strings"
	"testing"

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
	if res := ce.as(t, "admin").get("/audit?object=case:" + k.Serial); res.Status != http.StatusOK {
		t.Fatalf("admin: %d %s", res.Status, res.Body)
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
