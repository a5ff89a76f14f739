package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/app/apptest"
	"zwfw/internal/supervision"
	"zwfw/internal/testclock"
)

// TestSanctionsAPI: a sanction proposed through the API; bad input is 422
// in the one error shape and stores nothing; its proposer cannot approve it
// (403); it has no route to change or delete it (405), and withdrawal is a
// new act that keeps the original; the annual assessment is generated
// through the reports API like the other kinds and made public, after which
// the public list (no sign-in) has it.
func TestSanctionsAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		sup, clerk, hall := demo(t, e, "county.supervisor"), demo(t, e, "county.window"), demo(t, e, "county.hall")
		count := func() int {
			var n int
			if err := e.App.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM sanctions").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		bad := hall.post("/sanctions", map[string]any{"form": "fine", "window": "610923CW01", "cause_kind": "complaint", "cause_ref": "TS-1", "decision": "x"})
		if e := bad.apiErr(http.StatusUnprocessableEntity, "invalid"); !e.hasDetail("form", "追究方式") || !e.hasDetail("cause_text", "投诉事由须说明") {
			t.Fatalf("bad proposal: %+v", e)
		}
		if r := hall.post("/sanctions", map[string]any{"form": "circular", "window": "610923CW01", "cause_kind": "complaint", "cause_ref": "TS-1",
			"cause_text": "x", "decision": "x", "extra": 1}); r.Status != http.StatusBadRequest && r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("an unknown field: %d %s", r.Status, r.Body)
		}
		clerk.post("/sanctions", map[string]any{"form": "circular", "window": "610923CW01", "cause_kind": "complaint", "cause_ref": "TS-1",
			"cause_text": "x", "decision": "x"}).apiErr(http.StatusForbidden, "forbidden")
		if n := count(); n != 0 {
			t.Fatalf("refused proposals stored %d", n)
		}

		r := sup.post("/sanctions", map[string]any{"form": "circular", "window": "610923CW01", "cause_kind": "complaint", "cause_ref": "TS-2026-0001",
			"cause_text": "群众投诉窗口午间无人值守", "decision": "对综合受理窗口一通报批评"})
		if r.Status != http.StatusCreated {
			t.Fatalf("propose: %d %s", r.Status, r.Body)
		}
		conforms(t, "Sanction", r.Body)
		var s supervision.Sanction
		r.decode(&s)
		path := fmt.Sprintf("/sanctions/%d", s.ID)
		sup.post(path+"/actions/approve", nil).apiErr(http.StatusForbidden, "forbidden")
		for _, m := range []string{"PUT", "PATCH", "DELETE"} {
			if r := sup.send(m, path, map[string]any{"decision": "改"}); r.Status != http.StatusMethodNotAllowed {
				t.Fatalf("%s %s: %d", m, path, r.Status)
			}
		}
		// A second supervisor of the county approves.
		var approved supervision.Sanction
		x, err := e.App.Sanctions.Act(context.Background(), e.Actor(t, "admin"), s.ID, supervision.SanActApprove, supervision.SanctionActInput{})
		if err == nil || x != nil {
			t.Fatalf("the city administrator approving: %v", err)
		}
		second := secondSupervisor(t, e)
		r = second.post(path+"/actions/approve", map[string]string{"decided_on": "2099-01-01"})
		if e := r.apiErr(http.StatusUnprocessableEntity, "invalid"); !e.hasDetail("decided_on", "不能晚于今天") {
			t.Fatalf("a future decision date: %+v", e)
		}
		r = second.post(path+"/actions/approve", map[string]string{"text": "同意"})
		r.decode(&approved)
		if r.Status != http.StatusOK || approved.State != supervision.SanApproved {
			t.Fatalf("approve: %d %s", r.Status, r.Body)
		}
		// The window's staff answer once.
		if r := clerk.post(path+"/actions/respond", map[string]string{"text": "已安排B岗午间顶岗"}); r.Status != http.StatusOK {
			t.Fatalf("respond: %d %s", r.Status, r.Body)
		}
		clerk.post(path+"/actions/respond", map[string]string{"text": "再说一次"}).apiErr(http.StatusConflict, "conflict")
		// Withdrawn: a new act; the record keeps its decision.
		sup.post(path+"/actions/withdraw", nil).apiErr(http.StatusUnprocessableEntity, "invalid")
		r = sup.post(path+"/actions/withdraw", map[string]string{"text": "经核实午间有人值守"})
		var w supervision.Sanction
		r.decode(&w)
		if r.Status != http.StatusOK || w.State != supervision.SanWithdrawn || w.Decision != "对综合受理窗口一通报批评" || len(w.Acts) != 3 {
			t.Fatalf("withdrawn: %d %s", r.Status, r.Body)
		}
		if n := count(); n != 1 {
			t.Fatalf("%d sanctions after the withdrawal", n)
		}
		if tot := clerk.total("/sanctions"); tot != 1 {
			t.Fatalf("the clerk's list: %d", tot)
		}

		// An attendance cause: a day the clerk came late (09:30, on duty at
		// 09:00) is one; a day without a record is refused.
		now := e.Clock.Now()
		e.Clock.SetDay("2026-11-16")
		for _, at := range []time.Duration{0, 8 * time.Hour} {
			e.Clock.Set(testclock.Day("2026-11-16").Add(at))
			if _, err := e.App.Attendance.Punch(context.Background(), e.Actor(t, "county.window")); err != nil {
				t.Fatal(err)
			}
		}
		e.Clock.Set(now)
		att := map[string]any{"form": "criticism", "staff": "county.window", "cause_kind": "attendance", "cause_ref": "2026-11-16", "decision": "批评教育"}
		if r := hall.post("/sanctions", att); r.Status != http.StatusCreated {
			t.Fatalf("attendance cause: %d %s", r.Status, r.Body)
		}
		att["cause_ref"] = "2026-11-13"
		if e := hall.post("/sanctions", att).apiErr(http.StatusUnprocessableEntity, "invalid"); !e.hasDetail("cause_ref", "没有打卡记录") {
			t.Fatalf("a day without a record: %+v", e)
		}

		// The annual assessment through the reports API, then public.
		r = sup.post("/reports", map[string]string{"kind": "annual", "period": "2026"})
		if r.Status != http.StatusCreated && r.Status != http.StatusOK {
			t.Fatalf("annual: %d %s", r.Status, r.Body)
		}
		conforms(t, "Report", r.Body)
		var rep supervision.Report
		r.decode(&rep)
		if rep.Annual == nil || rep.KindName != "年度考评" || !strings.Contains(rep.Number, "年度考评") {
			t.Fatalf("annual report: %s", r.Body)
		}
		sup.post("/reports", map[string]string{"kind": "annual", "period": "26"}).apiErr(http.StatusUnprocessableEntity, "invalid")
		pub := fmt.Sprintf("/reports/%d/publicity", rep.ID)
		clerk.post(pub, map[string]any{"public": true}).apiErr(http.StatusForbidden, "forbidden")
		sup.post(pub, map[string]any{}).apiErr(http.StatusUnprocessableEntity, "invalid")
		if r := sup.post(pub, map[string]any{"public": true}); r.Status != http.StatusOK {
			t.Fatalf("publish: %d %s", r.Status, r.Body)
		}
		sup.post(pub, map[string]any{"public": true}).apiErr(http.StatusConflict, "conflict")
		sup.post(pub, map[string]any{"public": false}).apiErr(http.StatusUnprocessableEntity, "invalid")
		if tot := anon(t, e).total("/gongkai/reports"); tot != 1 {
			t.Fatalf("public reports: %d", tot)
		}
		if r := sup.post(pub, map[string]any{"public": false, "reason": "数据有误，待更正后重新公开"}); r.Status != http.StatusOK {
			t.Fatalf("unpublish: %d %s", r.Status, r.Body)
		}
		if tot := anon(t, e).total("/gongkai/reports"); tot != 0 {
			t.Fatalf("public reports after withdrawal: %d", tot)
		}
	})
}

// secondSupervisor is another supervisor of the county (the proposer may
// not approve his own proposal).
func secondSupervisor(t *testing.T, e *apptest.Env) *client {
	t.Helper()
	pw := "Second@2026x"
	active := true
	if _, err := e.App.Users.CreateStaff(context.Background(), zwfw.System, account.UserInput{Username: "county.supervisor2", Password: pw,
		Name: "第二监察", Phone: "13800000002", Roles: []string{zwfw.RoleSupervisor}, OrgCode: "610923", Active: &active}); err != nil {
		t.Fatal(err)
	}
	return login(t, e, "county.supervisor2", pw)
}
