package supervision_test

import (
	"strconv"
	"strings"
	"testing"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/files"
	"zwfw/internal/supervision"
)

// TestErrorLifecycle: only a supervisor registers and decides, within the
// subtree; the person responds or appeals; every step is audited and
// notified; a confirmed error counts in the monthly bulletin and lowers the
// assessment score by the configured weight, an appealed and revoked one
// does not count.
func TestErrorLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d, "2026-09-01")
		m := e.month()
		e.at("2026-09-25")
		sup := e.actor("county.supervisor")
		clerk := e.actor("county.window")
		ev, err := e.files.PutBytes(e.ctx, sup, "现场记录.txt", []byte("9月16日现场核查记录：超期6个工作日"), files.PurposeEvidence)
		if err != nil {
			t.Fatal(err)
		}
		in := supervision.ErrorInput{Kind: "timeout", Staff: "county.window", Case: m.late, Description: "食品经营许可超期办结", OccurredOn: "2026-09-16", Evidence: []int64{ev.ID}}

		// Who may register.
		for _, who := range []string{"county.window", "county.reviewer", "county.admin"} {
			if _, err := e.errs.Register(e.ctx, e.actor(who), in); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
				t.Fatalf("%s registering: %v", who, err)
			}
		}
		if _, err := e.errs.Register(e.ctx, e.actor("chengguan.supervisor"), in); zwfw.ErrorCode(err) != zwfw.EINVALID ||
			!strings.Contains(zwfw.ErrorMessage(err), "不在您的监察范围内") {
			t.Fatalf("town supervisor registering against a county clerk: %v", err)
		}
		for _, bad := range []supervision.ErrorInput{
			{Kind: "late", Staff: "county.window", Description: "x"},
			{Kind: "timeout", Description: "x"},
			{Kind: "timeout", Staff: "county.window"},
			{Kind: "timeout", Window: "610923C", Description: "x"}, // a centre, not a window
			{Kind: "timeout", Staff: "county.window", Description: "x", OccurredOn: "2026-12-01"},
		} {
			if _, err := e.errs.Register(e.ctx, sup, bad); zwfw.ErrorCode(err) != zwfw.EINVALID {
				t.Fatalf("bad input %+v: %v", bad, err)
			}
		}
		if n := count(t, d, "SELECT COUNT(*) FROM sup_errors"); n != 0 {
			t.Fatalf("refused registrations left %d rows", n)
		}

		// Before any error: the quarterly scores.
		e.at("2026-10-09")
		weights, err := e.reports.SetWeights(e.ctx, e.actor("county.admin"), supervision.Weights{OnTime: 70, Satisfaction: 30, Error: 7, Complaint: 3})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.reports.SetWeights(e.ctx, sup, weights); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("supervisor setting weights: %v", err)
		}
		if _, err := e.reports.SetWeights(e.ctx, e.actor("county.admin"), supervision.Weights{OnTime: 70, Satisfaction: 40}); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("weights not adding up to 100: %v", err)
		}
		before, err := e.reports.GenerateReport(e.ctx, sup, supervision.Quarterly, "2026-Q3", "")
		if err != nil {
			t.Fatal(err)
		}
		e.at("2026-09-25")

		// Confirmed: registered, responded, confirmed.
		er, err := e.errs.Register(e.ctx, sup, in)
		if err != nil {
			t.Fatal(err)
		}
		if er.State != supervision.ErrRegistered || er.WindowCode != "610923CW01" || er.StaffUser != "county.window" || len(er.Evidence) != 1 || er.CaseSerial != m.late {
			t.Fatalf("registered: %+v", er)
		}
		if _, err := e.errs.Get(e.ctx, e.actor("chengguan.window"), er.ID); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			t.Fatalf("another window reading: %v", err)
		}
		if _, err := e.errs.Get(e.ctx, e.actor("chengguan.supervisor"), er.ID); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			t.Fatalf("town supervisor reading a county error: %v", err)
		}
		if _, err := e.errs.Act(e.ctx, clerk, er.ID, supervision.ErrActConfirm, "我确认"); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("the person confirming: %v", err)
		}
		if _, err := e.errs.Act(e.ctx, sup, er.ID, supervision.ErrActRespond, "答复"); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("supervisor responding: %v", err)
		}
		if _, err := e.errs.Act(e.ctx, clerk, er.ID, supervision.ErrActRespond, " "); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("empty response: %v", err)
		}
		if _, err := e.errs.Act(e.ctx, clerk, er.ID, supervision.ErrActRespond, "因审查人员出差未及时审批，已整改"); err != nil {
			t.Fatal(err)
		}
		er, err = e.errs.Act(e.ctx, sup, er.ID, supervision.ErrActConfirm, "")
		if err != nil || er.State != supervision.ErrConfirmed || er.DecidedBy != "孙立华" || len(er.Events) != 3 {
			t.Fatalf("confirmed: %+v %v", er, err)
		}
		if _, err := e.errs.Act(e.ctx, clerk, er.ID, supervision.ErrActAppeal, "晚了的申诉"); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("appeal after confirmation: %v", err)
		}
		if _, err := e.errs.Act(e.ctx, sup, er.ID, supervision.ErrActRevoke, "改主意"); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("revoking a confirmed error: %v", err)
		}
		if _, err := e.errs.Evidence(e.ctx, clerk, er.ID, er.Evidence[0].ID); err != nil {
			t.Fatalf("the person reading the evidence: %v", err)
		}

		// Appealed and revoked: the window's staff appeal (an error against
		// the window alone reaches them).
		er2, err := e.errs.Register(e.ctx, sup, supervision.ErrorInput{Kind: "attitude", Window: "610923CW01", Description: "群众反映态度生硬", OccurredOn: "2026-09-20"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.errs.Act(e.ctx, sup, er2.ID, supervision.ErrActRevoke, ""); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("revoking without a reason: %v", err)
		}
		if _, err := e.errs.Act(e.ctx, clerk, er2.ID, supervision.ErrActAppeal, "当日监控录像显示接待规范"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.errs.Act(e.ctx, sup, er2.ID, supervision.ErrActConfirm, ""); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("confirming an appealed error without answering the appeal: %v", err)
		}
		er2, err = e.errs.Act(e.ctx, sup, er2.ID, supervision.ErrActRevoke, "经查看录像，申诉属实")
		if err != nil || er2.State != supervision.ErrRevoked {
			t.Fatalf("revoked: %+v %v", er2, err)
		}
		// A town supervisor's own error in 城关镇, left registered: not counted either.
		if _, err := e.errs.Register(e.ctx, e.actor("chengguan.supervisor"), supervision.ErrorInput{Kind: "one_time_notice", Staff: "chengguan.window", Description: "未一次性告知", OccurredOn: "2026-09-22"}); err != nil {
			t.Fatal(err)
		}

		// Audit and notifications, one per step.
		if n := count(t, d, "SELECT COUNT(*) FROM audit_log WHERE object IN (?, ?)", "error:"+itoa(er.ID), "error:"+itoa(er2.ID)); n != 6 {
			t.Fatalf("%d audit entries for 6 steps", n)
		}
		clerkMsgs := count(t, d, "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND subject LIKE '差错%'", clerk.UserID)
		supMsgs := count(t, d, "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND subject LIKE '差错%'", sup.UserID)
		if clerkMsgs != 4 || supMsgs != 2 {
			t.Fatalf("notifications: clerk %d (want 2 registrations + 2 decisions), supervisor %d (want response + appeal)", clerkMsgs, supMsgs)
		}
		// Lists: the clerk sees both; the town's clerk sees only the own.
		if l, n, err := e.errs.List(e.ctx, clerk, supervision.ErrorQuery{}); err != nil || n != 2 || len(l) != 2 {
			t.Fatalf("clerk's list: %d %v", n, err)
		}
		if _, n, _ := e.errs.List(e.ctx, e.actor("chengguan.window"), supervision.ErrorQuery{}); n != 1 {
			t.Fatalf("town clerk's list: %d", n)
		}
		if _, n, _ := e.errs.List(e.ctx, sup, supervision.ErrorQuery{State: supervision.ErrConfirmed}); n != 1 {
			t.Fatalf("confirmed in the county: %d", n)
		}

		// The bulletin counts the confirmed error only.
		e.at("2026-10-09")
		rep, err := e.reports.GenerateReport(e.ctx, sup, supervision.Monthly, "2026-09", "")
		if err != nil {
			t.Fatal(err)
		}
		if rep.Monthly.Total.Errors != 1 || len(rep.Monthly.Errors) != 1 || rep.Monthly.Errors[0].KindName != "超时办结" || rep.Monthly.Errors[0].Staff != "李晓燕" {
			t.Fatalf("bulletin errors: %d %+v", rep.Monthly.Total.Errors, rep.Monthly.Errors)
		}
		if cg := unit(rep.Monthly.Towns, "610923100"); cg == nil || cg.Errors != 0 {
			t.Fatalf("城关镇's registered (unconfirmed) error counted: %+v", cg)
		}
		// The assessment: the clerk and the window lose exactly the error weight.
		after, err := e.reports.GenerateReport(e.ctx, sup, supervision.Quarterly, "2026-Q3", "")
		if err != nil {
			t.Fatal(err)
		}
		if after.Quarterly.Weights != weights {
			t.Fatalf("weights used %+v", after.Quarterly.Weights)
		}
		for _, c := range []struct {
			b, a []*supervision.Unit
			code string
		}{{before.Quarterly.Staff, after.Quarterly.Staff, "county.window"}, {before.Quarterly.Windows, after.Quarterly.Windows, "610923CW01"}} {
			b, a := unit(c.b, c.code), unit(c.a, c.code)
			if b == nil || a == nil || a.Errors != 1 || a.Score.Errors != -7 || a.Score.Total != b.Score.Total-7 {
				t.Fatalf("%s: before %+v after %+v", c.code, b.Score, a.Score)
			}
		}
		// The breakdown: 3 completed, 2 on time → 70 × 2/3 = 46.7; 2
		// evaluations, 1 satisfied → 15; 1 complaint → −3; 1 error → −7.
		a := unit(after.Quarterly.Staff, "county.window")
		if a.Score.OnTime != 46.7 || a.Score.Satisfaction != 15 || a.Score.Complaints != -3 || a.Score.Total != 51.7 {
			t.Fatalf("breakdown %+v", a.Score)
		}
		if !strings.Contains(string(after.HTML), "51.7") || !strings.Contains(string(after.HTML), "× 7 分/起") {
			t.Fatal("the assessment page does not show the breakdown and the formula")
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
