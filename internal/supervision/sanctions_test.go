package supervision_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/supervision"
)

// fakeVoice stands in for the 差评整改 and complaint registers.
type fakeVoice map[string]supervision.VoiceCounts

func (f fakeVoice) Voice(context.Context, string, time.Time, time.Time) (map[string]supervision.VoiceCounts, error) {
	return f, nil
}

// year2026 drives the fixture of the annual assessment through casework:
// four cases accepted by county.window at 综合受理窗口一 (610923CW01) of the
// county centre (item 010100100000, promised in 5 working days):
//
//	Q1  A filed 3/2, done 3/3 (on time), rated 1 (非常满意)
//	    B filed 3/2, done 3/3 (on time), rated 2 (满意)
//	Q2  C filed 4/1, done 4/20 (deadline 4/9: late), rated 3 (基本满意)
//	Q3  D filed 7/1, done 7/2 (on time), rated 4 (不满意: 差评)
//
// The demo county is seeded on 2025-12-01, so no demo case falls in 2026.
func (e *env) year2026() (a, c string) {
	e.t.Helper()
	one := func(filed, done string, level int) string {
		e.at(filed)
		k := e.walkIn("county.window", "010100100000", "610923C")
		e.do("county.window", k.Serial, casework.ActAccept, casework.ActionInput{})
		e.at(done)
		e.do("county.reviewer", k.Serial, casework.ActApprove, casework.ActionInput{Opinion: "准予许可"})
		e.do("county.window", k.Serial, casework.ActComplete, casework.ActionInput{Result: &casework.Result{Number: "JY" + filed + done}})
		e.do("county.window", k.Serial, casework.ActEvaluate, casework.ActionInput{Level: level, Channel: "pad", Comment: "等候时间太长"})
		return k.Serial
	}
	a = one("2026-03-02", "2026-03-03", 1)
	one("2026-03-02", "2026-03-03", 2)
	c = one("2026-04-01", "2026-04-20", 3)
	one("2026-07-01", "2026-07-02", 4)
	return a, c
}

// TestSanctionsAndAnnualAssessment walks a sanction from proposal to
// approval, response and (another one) withdrawal, refuses what the rules
// forbid without changing anything, finds the sanction in the monthly
// bulletin of its month, and checks the annual assessment against scores
// computed by hand.
func TestSanctionsAndAnnualAssessment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d, "2025-12-01")
		caseA, caseC := e.year2026()
		sup, hall, clerk := e.actor("county.supervisor"), e.actor("county.hall"), e.actor("county.window")
		admin := e.actor("county.admin")

		// A confirmed error in Q2 against the clerk.
		e.at("2026-05-12")
		er, err := e.errs.Register(e.ctx, sup, supervision.ErrorInput{Kind: "timeout", Staff: "county.window", Case: caseC, Description: "超期办结", OccurredOn: "2026-05-12"})
		if err != nil {
			t.Fatal(err)
		}
		unconfirmed := supervision.SanctionInput{Form: "yellow_card", Staff: "county.window", CauseKind: supervision.CauseError,
			CauseRef: itoa(er.ID), Decision: "给予黄牌警告一次"}
		if _, err := e.sanctions.Propose(e.ctx, hall, unconfirmed); zwfw.ErrorCode(err) != zwfw.EINVALID || !strings.Contains(zwfw.ErrorMessage(err), "只有经确认的差错") {
			t.Fatalf("a sanction for an unconfirmed error: %v", err)
		}
		if _, err := e.errs.Act(e.ctx, sup, er.ID, supervision.ErrActConfirm, ""); err != nil {
			t.Fatal(err)
		}

		// Who may propose, and bad input: refused, nothing stored.
		e.at("2026-05-20")
		good := unconfirmed
		for _, who := range []string{"county.window", "county.reviewer", "county.admin"} {
			if _, err := e.sanctions.Propose(e.ctx, e.actor(who), good); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
				t.Fatalf("%s proposing: %v", who, err)
			}
		}
		for _, c := range []struct {
			in   supervision.SanctionInput
			want string
		}{
			{supervision.SanctionInput{Form: "fine", Staff: "county.window", CauseKind: "error", CauseRef: itoa(er.ID), Decision: "x"}, "追究方式“fine”无效"},
			{supervision.SanctionInput{Form: "circular", CauseKind: "error", CauseRef: itoa(er.ID), Decision: "x"}, "请指明被追究的工作人员或窗口"},
			{supervision.SanctionInput{Form: "circular", Staff: "county.window", CauseKind: "error", CauseRef: itoa(er.ID)}, "请填写追究决定"},
			{supervision.SanctionInput{Form: "circular", Staff: "county.window", CauseKind: "rumour", CauseRef: "1", Decision: "x"}, "追究事由“rumour”无效"},
			{supervision.SanctionInput{Form: "circular", Staff: "county.windowb", CauseKind: "error", CauseRef: itoa(er.ID), Decision: "x"}, "与被追究对象不一致"},
			{supervision.SanctionInput{Form: "circular", Staff: "county.window", CauseKind: "overdue", CauseRef: caseA, Decision: "x"}, "没有超期"},
			{supervision.SanctionInput{Form: "circular", Staff: "county.window", CauseKind: "complaint", CauseRef: "TS-1", Decision: "x"}, "投诉事由须说明"},
			{supervision.SanctionInput{Form: "circular", Staff: "county.window", CauseKind: "attendance", CauseRef: "2026-05-18", Decision: "x"}, "没有该工作人员的考勤记录"},
			{supervision.SanctionInput{Form: "circular", Staff: "chengguan.window", CauseKind: "complaint", CauseRef: "TS-1", CauseText: "x", Decision: "x"}, "不在您的管辖范围内"},
		} {
			_, err := e.sanctions.Propose(e.ctx, hall, c.in)
			if zwfw.ErrorCode(err) != zwfw.EINVALID || !strings.Contains(zwfw.ErrorMessage(err), c.want) {
				t.Fatalf("%+v: %v, want %q", c.in, err, c.want)
			}
		}
		if n := count(t, d, "SELECT COUNT(*) FROM sanctions"); n != 0 {
			t.Fatalf("refused proposals left %d sanctions", n)
		}

		// Proposed by the hall manager, approved by the supervisor.
		s1, err := e.sanctions.Propose(e.ctx, hall, good)
		if err != nil || s1.State != supervision.SanProposed || s1.FormName != "黄牌警告" || s1.WindowCode != "610923CW01" {
			t.Fatalf("proposed: %+v %v", s1, err)
		}
		// The supervisor who may decide it is told it waits; the town's is not.
		waiting := func(user string) int {
			var n int
			if err := e.d.QueryRow(e.ctx, `SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id
				WHERE u.username = ? AND n.subject = '责任追究待审批' AND n.channel = 'inapp'`, user).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if waiting("county.supervisor") != 1 || waiting("chengguan.supervisor") != 0 {
			t.Fatalf("told of the proposal: county %d, town %d", waiting("county.supervisor"), waiting("chengguan.supervisor"))
		}
		if _, err := e.sanctions.Get(e.ctx, e.actor("county.windowb"), s1.ID); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			t.Fatalf("a colleague reading a personal sanction: %v", err)
		}
		if _, err := e.sanctions.Act(e.ctx, clerk, s1.ID, supervision.SanActRespond, supervision.SanctionActInput{Text: "先申辩"}); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("responding before approval: %v", err)
		}
		if _, err := e.sanctions.Act(e.ctx, hall, s1.ID, supervision.SanActApprove, supervision.SanctionActInput{}); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("the hall manager approving: %v", err)
		}
		if _, err := e.sanctions.Act(e.ctx, sup, s1.ID, supervision.SanActApprove, supervision.SanctionActInput{DecidedOn: "2026-05-32"}); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("a bad decision date: %v", err)
		}
		e.at("2026-05-21")
		s1, err = e.sanctions.Act(e.ctx, sup, s1.ID, supervision.SanActApprove, supervision.SanctionActInput{Text: "同意"})
		if err != nil || s1.State != supervision.SanApproved || s1.DecidedOn != "2026-05-21" || s1.DecidedBy != "孙立华" {
			t.Fatalf("approved: %+v %v", s1, err)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND subject = '责任追究决定通知'", clerk.UserID); n != 1 {
			t.Fatalf("%d decision notices to the clerk", n)
		}
		if _, err := e.sanctions.Act(e.ctx, sup, s1.ID, supervision.SanActReject, supervision.SanctionActInput{Text: "反悔"}); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("deciding twice: %v", err)
		}
		// The one written response.
		if _, err := e.sanctions.Act(e.ctx, clerk, s1.ID, supervision.SanActRespond, supervision.SanctionActInput{Text: " "}); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("an empty response: %v", err)
		}
		s1, err = e.sanctions.Act(e.ctx, clerk, s1.ID, supervision.SanActRespond, supervision.SanctionActInput{Text: "审查人员出差导致超期，本人已整改。"})
		if err != nil || s1.Response == "" || len(s1.Acts) != 2 {
			t.Fatalf("responded: %+v %v", s1, err)
		}
		if _, err := e.sanctions.Act(e.ctx, clerk, s1.ID, supervision.SanActRespond, supervision.SanctionActInput{Text: "再说一次"}); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("a second response: %v", err)
		}

		// The proposer may not approve: the supervisor proposes one.
		s2, err := e.sanctions.Propose(e.ctx, sup, supervision.SanctionInput{Form: "criticism", Staff: "county.window", CauseKind: supervision.CauseOverdue, CauseRef: caseC, Decision: "批评教育"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.sanctions.Act(e.ctx, sup, s2.ID, supervision.SanActApprove, supervision.SanctionActInput{}); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN ||
			!strings.Contains(zwfw.ErrorMessage(err), "提出人以外") {
			t.Fatalf("the proposer approving: %v", err)
		}
		// A third, approved on 6/1, then withdrawn: a new act, the record kept.
		e.at("2026-06-01")
		s3, err := e.sanctions.Propose(e.ctx, hall, supervision.SanctionInput{Form: "circular", Window: "610923CW01", CauseKind: supervision.CauseComplaint,
			CauseRef: "TS-2026-0007", CauseText: "群众投诉窗口午间无人", Decision: "通报批评"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.sanctions.Act(e.ctx, sup, s3.ID, supervision.SanActApprove, supervision.SanctionActInput{}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.sanctions.Act(e.ctx, sup, s3.ID, supervision.SanActWithdraw, supervision.SanctionActInput{}); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("a withdrawal without a reason: %v", err)
		}
		s3, err = e.sanctions.Act(e.ctx, sup, s3.ID, supervision.SanActWithdraw, supervision.SanctionActInput{Text: "经核实午间有B岗顶岗"})
		if err != nil || s3.State != supervision.SanWithdrawn || s3.Decision != "通报批评" || len(s3.Acts) != 2 {
			t.Fatalf("withdrawn: %+v %v", s3, err)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'sanction.%'"); n != 7 {
			t.Fatalf("%d audit entries of sanctions, want 3 proposals, 2 approvals, 1 response, 1 withdrawal", n)
		}
		if list, total, err := e.sanctions.List(e.ctx, clerk, supervision.SanctionQuery{}); err != nil || total != 3 { // two personal ones and the window's
			t.Fatalf("the clerk's own list: %d %v %v", total, list, err)
		}
		if _, total, _ := e.sanctions.List(e.ctx, sup, supervision.SanctionQuery{State: supervision.SanWithdrawn}); total != 1 {
			t.Fatalf("withdrawn in the list: %d", total)
		}

		// The bulletin of May lists the yellow card; June's has the withdrawn
		// one no more.
		e.at("2026-07-03")
		may, err := e.reports.GenerateReport(e.ctx, sup, supervision.Monthly, "2026-05", "")
		if err != nil {
			t.Fatal(err)
		}
		if got := may.Monthly.Sanctions; len(got) != 1 || got[0].FormName != "黄牌警告" || got[0].Staff != "李晓燕" || got[0].DecidedOn != "2026-05-21" ||
			!strings.Contains(string(may.HTML), "六、责任追究（1 起）") {
			t.Fatalf("May's bulletin sanctions: %+v", got)
		}
		june, err := e.reports.GenerateReport(e.ctx, sup, supervision.Monthly, "2026-06", "")
		if err != nil || len(june.Monthly.Sanctions) != 0 {
			t.Fatalf("June's bulletin: %+v %v", june.Monthly.Sanctions, err)
		}

		// Weights: quarterly 50/50, −10 per error, −5 per 差评; annual 30 季考核
		// + 30 按时 + 20 满意 + 10 整改 + 10 回访, −4 per error, −6 per
		// sanction, −3 per complaint.
		if _, err := e.reports.SetWeights(e.ctx, admin, supervision.Weights{OnTime: 50, Satisfaction: 50, Error: 10, Complaint: 5}); err != nil {
			t.Fatal(err)
		}
		aw := supervision.AnnualWeights{Quarters: 30, OnTime: 30, Satisfaction: 20, Rectification: 10, Callback: 10, Error: 4, Sanction: 6, Complaint: 3, Absent: 2, Late: 1}
		if _, err := e.reports.SetOrgAnnualWeights(e.ctx, sup, "", aw); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("a supervisor setting annual weights: %v", err)
		}
		bad := aw
		bad.Callback = 20
		if _, err := e.reports.SetOrgAnnualWeights(e.ctx, admin, "", bad); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("annual weights adding up to 110: %v", err)
		}
		if _, err := e.reports.SetOrgAnnualWeights(e.ctx, admin, "", aw); err != nil {
			t.Fatal(err)
		}
		if q, _ := e.reports.Weights(e.ctx, admin, ""); q.Weights != (supervision.Weights{OnTime: 50, Satisfaction: 50, Error: 10, Complaint: 5}) {
			t.Fatalf("the annual weights disturbed the quarterly ones: %+v", q.Weights)
		}

		// The annual assessment, by hand, for county.window (and its window,
		// which had the same cases, error and sanction):
		//   Q1: 2 done on time, 2 rated satisfied      → 50 + 50           = 100
		//   Q2: 1 done late, rated 基本满意, 1 error     →  0 + 50 − 10      =  40
		//   Q3: 1 on time, rated 不满意 (差评)           → 50 +  0 − 5       =  45
		//   Q4: nothing: not assessed
		//   mean (100 + 40 + 45) / 3 = 61.67 → 61.7
		//   year: on time 3/4 = 75.0 %, satisfied 3/4 = 75.0 %, 1 error, 1 sanction
		// Without the public's voice (no source): 整改 and 回访 carry no weight,
		// the other 80 points are scaled to 100 (× 1.25):
		//   季考核 30 × 61.7 % = 18.51 → 23.1375 → 23.1
		//   按时   30 × 75 %   = 22.5  → 28.125  → 28.1
		//   满意   20 × 75 %   = 15    → 18.75   → 18.8
		//   (18.51 + 22.5 + 15) × 1.25 = 70.0125; − 4 − 6 = 60.0125 → 60.0
		e.at("2027-01-05")
		rep, err := e.reports.GenerateReport(e.ctx, sup, supervision.Annual, "2026", "")
		if err != nil {
			t.Fatal(err)
		}
		check := func(rep *supervision.Report, want supervision.AnnualScore, complaints bool) {
			t.Helper()
			a := rep.Annual
			for _, us := range [][]*supervision.AnnualUnit{a.Staff, a.Windows} {
				x := annualUnit(us, "county.window", "610923CW01")
				if x == nil {
					t.Fatalf("no unit in %+v", us)
				}
				if x.Quarters[0] == nil || *x.Quarters[0] != 100 || *x.Quarters[1] != 40 || *x.Quarters[2] != 45 || x.Quarters[3] != nil ||
					*x.QuarterMean != 61.7 || *x.OnTimeRate != 75 || *x.Satisfaction != 75 || x.Errors != 1 || x.Sanctions != 1 {
					t.Fatalf("%s figures: %+v", x.Code, x)
				}
				if *x.Score != want {
					t.Fatalf("%s score %+v, want %+v", x.Code, *x.Score, want)
				}
				if complaints != (x.Complaints != nil) {
					t.Fatalf("%s complaints %v", x.Code, x.Complaints)
				}
			}
		}
		check(rep, supervision.AnnualScore{Quarters: 23.1, OnTime: 28.1, Satisfaction: 18.8, Errors: -4, Sanctions: -6, Total: 60}, false)
		if rep.Annual.VoiceNote == "" || !strings.Contains(string(rep.HTML), "暂无数据") || len(rep.Annual.Sanctions) != 1 || rep.Annual.Weights != aw {
			t.Fatalf("annual without voice: %q %d", rep.Annual.VoiceNote, len(rep.Annual.Sanctions))
		}
		// With the public's voice: 1 差评 rectified of 1 (100 %), 3 call-backs
		// of 4 (75 %), 1 complaint; the weights sum to 100, no scaling:
		//   18.51 + 22.5 + 15 + 10 × 100 % + 10 × 75 % = 73.51
		//   − 4 (error) − 6 (sanction) − 3 (complaint) = 60.51 → 60.5
		vc := supervision.VoiceCounts{BadReviews: 1, Rectified: 1, CallbackDue: 4, CalledBack: 3, Complaints: 1}
		e.reports.SetVoice(fakeVoice{"county.window": vc, "610923CW01": vc})
		rep2, err := e.reports.GenerateReport(e.ctx, sup, supervision.Annual, "2026", "")
		if err != nil || rep2.Revision != 2 {
			t.Fatalf("regenerated: %v", err)
		}
		check(rep2, supervision.AnnualScore{Quarters: 18.5, OnTime: 22.5, Satisfaction: 15, Rectification: 10, Callback: 7.5,
			Errors: -4, Sanctions: -6, Complaints: -3, Total: 60.5}, true)
		if _, err := rep2.XLSX(); err != nil {
			t.Fatal(err)
		}
		// The first revision is kept as published.
		if old, err := e.reports.Get(e.ctx, sup, rep.ID); err != nil || annualUnit(old.Annual.Staff, "county.window", "").Score.Total != 60 {
			t.Fatalf("first revision: %v", err)
		}
		// The sanctions and their acts were only ever added to.
		if n := count(t, d, "SELECT COUNT(*) FROM sanctions"); n != 3 {
			t.Fatalf("%d sanctions", n)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM sanction_acts"); n != 4 {
			t.Fatalf("%d sanction acts", n)
		}

		// A rejection needs its reason and tells the proposer.
		s4, err := e.sanctions.Propose(e.ctx, hall, supervision.SanctionInput{Form: "reassign", Staff: "county.window", CauseKind: supervision.CauseOverdue,
			CauseRef: caseC, Decision: "调整窗口人员"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.sanctions.Act(e.ctx, sup, s4.ID, supervision.SanActReject, supervision.SanctionActInput{}); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("a rejection without a reason: %v", err)
		}
		s4, err = e.sanctions.Act(e.ctx, sup, s4.ID, supervision.SanActReject, supervision.SanctionActInput{Text: "一次超期不宜调整人员"})
		if err != nil || s4.State != supervision.SanRejected {
			t.Fatalf("rejected: %+v %v", s4, err)
		}
		if _, err := e.sanctions.Act(e.ctx, clerk, s4.ID, supervision.SanActRespond, supervision.SanctionActInput{Text: "说明"}); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("responding to a rejected sanction: %v", err)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND subject = '责任追究未获批准'", hall.UserID); n != 1 {
			t.Fatalf("%d rejection notices to the proposer", n)
		}
	})
}

func annualUnit(us []*supervision.AnnualUnit, codes ...string) *supervision.AnnualUnit {
	for _, x := range us {
		for _, c := range codes {
			if c != "" && x.Code == c {
				return x
			}
		}
	}
	return nil
}
