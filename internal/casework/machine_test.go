package casework_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"zwfw"
	"zwfw/internal/casework"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/seed"
)

// apply files a case online as an applicant, every required material sent
// by post.
func (e *env) apply(who, item, centre string) *casework.Case {
	e.t.Helper()
	it, err := catalog.NewService(e.d, nil, nil, e.clock).Get(e.ctx, item)
	if err != nil {
		e.t.Fatal(err)
	}
	var mats []casework.MaterialInput
	for _, m := range it.Materials {
		if m.Required == "required" {
			mats = append(mats, casework.MaterialInput{Name: m.Name, HandedIn: "post"})
		}
	}
	c, err := e.cases.Apply(e.ctx, e.actor(who), casework.ApplyInput{ItemCode: item, OrgCode: centre,
		Form: casework.Form{Description: "网上申请"}, Materials: mats})
	if err != nil {
		e.t.Fatalf("apply %s at %s as %s: %v", item, centre, who, err)
	}
	return c
}

// then takes actions on a case in order: who, action, who, action …
func (e *env) then(c *casework.Case, steps ...string) *casework.Case {
	e.t.Helper()
	for i := 0; i < len(steps); i += 2 {
		c = e.do(steps[i], c.Serial, steps[i+1], validInput(c, steps[i+1], steps[i]))
	}
	return c
}

// validInput is an input every action accepts on c, so that whatever Act
// refuses it refuses for the actor or the state, not for what was typed.
func validInput(c *casework.Case, action, who string) casework.ActionInput {
	in := casework.ActionInput{}
	switch action {
	case casework.ActNotifySupplement:
		in.Items = []string{"申请书未签字"}
	case casework.ActAllowSecondNotice:
		in.Opinion = "申请人补正后发现营业场所证明与申请书不一致，需再次告知"
	case casework.ActReject, casework.ActDeny:
		in.Opinion, in.Basis = "不符合法定条件", "《中华人民共和国行政许可法》第三十八条"
	case casework.ActSupplement:
		in.Materials = []casework.MaterialInput{{Name: c.Materials[0].Name, HandedIn: "window"}}
	case casework.ActReview, casework.ActTaskApprove, casework.ActTaskDeny, casework.ActApprove:
		in.Opinion = "材料齐全，符合条件"
	case casework.ActSuspend:
		in.Kind, in.Opinion = "site_survey", "需现场核查经营场所"
	case casework.ActRequestExtension:
		in.Days, in.Opinion = 5, "需等待检测机构出具报告"
	case casework.ActConfirmPayment:
		in.Reference = "ICBC20260928001"
	case casework.ActDeliver:
		in.Delivery = &casework.Delivery{Method: "onsite"}
	case casework.ActEvaluate:
		in.Level = 1 // on the first of the actor's channels not yet used (staff: the pad, then a phone call-back)
	}
	return in
}

// fixtures files the cases the table test stands on: every status, each
// kind, online and at a window, with the situations the rules look at (a
// notice given once, a supervisor's permission, a pending extension, a
// case reviewed by the person who would decide it, a co-department that
// has or has not spoken, an upward case before and after forwarding, a
// case rated twice).
func (e *env) fixtures() map[string]*casework.Case {
	const (
		food, idCard, job, joint, upward = "010100100000", "071500100000", "200300200000", "050200400000", "050200100000"
		county, town                     = "610923C", "610923100C"
		win, twin, rev, sup, cash        = "county.window", "chengguan.window", "county.reviewer", "county.supervisor", "county.cashier"
	)
	f := map[string]*casework.Case{}
	walk := func() *casework.Case { return e.walkIn(win, food, county) }
	f["promised submitted"] = walk()
	f["promised told once"] = e.then(walk(), win, casework.ActNotifySupplement)
	f["promised supplemented"] = e.then(walk(), win, casework.ActNotifySupplement, win, casework.ActSupplement)
	f["promised second notice allowed"] = e.then(walk(), win, casework.ActNotifySupplement, win, casework.ActSupplement, sup, casework.ActAllowSecondNotice)
	f["promised rejected"] = e.then(walk(), win, casework.ActReject)
	f["promised accepted"] = e.then(walk(), win, casework.ActAccept)
	f["promised reviewed"] = e.then(walk(), win, casework.ActAccept, rev, casework.ActReview)
	f["promised extension pending"] = e.then(walk(), win, casework.ActAccept, rev, casework.ActRequestExtension)
	f["promised suspended"] = e.then(walk(), win, casework.ActAccept, rev, casework.ActRequestExtension, rev, casework.ActSuspend)
	f["promised approved"] = e.then(walk(), win, casework.ActAccept, rev, casework.ActApprove)
	f["promised denied"] = e.then(walk(), win, casework.ActAccept, rev, casework.ActDeny)
	completed := func() *casework.Case {
		return e.then(walk(), win, casework.ActAccept, rev, casework.ActApprove, win, casework.ActComplete)
	}
	f["promised completed"] = completed()
	f["promised delivered"] = e.then(completed(), win, casework.ActDeliver)
	f["promised archived, rated twice"] = e.then(completed(), win, casework.ActArchive, win, casework.ActEvaluate, win, casework.ActEvaluate)
	fee := func() *casework.Case {
		return e.then(e.walkIn(win, idCard, county), win, casework.ActAccept, "gongan.reviewer", casework.ActApprove)
	}
	f["fee awaiting payment"] = fee()
	f["fee paid"] = e.then(fee(), cash, casework.ActConfirmPayment)
	online := func() *casework.Case { return e.apply("enterprise.qinling", food, county) }
	f["online submitted"] = online()
	f["online told once"] = e.then(online(), win, casework.ActNotifySupplement)
	f["online completed"] = e.then(online(), win, casework.ActAccept, rev, casework.ActApprove, win, casework.ActComplete)
	f["online withdrawn"] = e.then(online(), "enterprise.qinling", casework.ActWithdraw)
	imm := func() *casework.Case { return e.apply("resident.wang", job, town) }
	f["immediate submitted"] = imm()
	f["immediate accepted"] = e.then(imm(), twin, casework.ActAccept)
	f["immediate completed, rated"] = e.then(imm(), twin, casework.ActAccept, twin, casework.ActApprove, twin, casework.ActComplete,
		"resident.wang", casework.ActEvaluate)
	f["joint waiting for the co-department"] = e.then(e.walkIn(win, joint, county), win, casework.ActAccept)
	f["joint co-department spoke"] = e.then(e.walkIn(win, joint, county), win, casework.ActAccept, "canlian.reviewer", casework.ActTaskApprove)
	f["upward accepted"] = e.then(e.walkIn(twin, upward, town), twin, casework.ActAccept)
	f["upward forwarded"] = e.then(e.walkIn(twin, upward, town), twin, casework.ActAccept, twin, casework.ActForward)
	f["upward suspended"] = e.then(e.walkIn(twin, upward, town), twin, casework.ActAccept, twin, casework.ActForward,
		"minzheng.reviewer", casework.ActSuspend)
	return f
}

// errDry rolls back every action of the table test after its writes.
var errDry = errors.New("dry run: rolled back")

// TestAllowedAgreesWithAct: for every demo account (README's login table:
// the city's admin, the county's and 城关镇's staff of every role, the
// departments' reviewers, both applicants) and the system, every
// case situation and every action, Act does exactly what Allowed says —
// an action Allowed lists is carried out to its last write (then rolled
// back), one it leaves out is refused with Check's refusal (404 out of
// scope, 403 role or department, 409 state).
func TestAllowedAgreesWithAct(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		f := e.fixtures()
		names := make([]string, 0, len(f))
		for n := range f {
			names = append(names, n)
		}
		slices.Sort(names)
		// The first administrator (the city's, README's admin) as well.
		e.staff("admin", "系统管理员", zwfw.RoleAdmin, seed.RootCode, "系统管理员")
		who := []string{"admin"}
		for _, a := range seed.DemoAccounts {
			who = append(who, a.Username)
		}
		for _, a := range seed.DemoApplicants {
			who = append(who, a.Username)
		}
		actors := map[string]*zwfw.Actor{"system": zwfw.System}
		for _, u := range who {
			actors[u] = e.actor(u)
		}
		who = append(who, "system")

		e.cases.FailAfter(func(string) error { return errDry })
		defer e.cases.FailAfter(nil)
		combos, allowed := 0, 0
		statuses := map[string]bool{}
		for _, name := range names {
			c := f[name]
			statuses[c.Status] = true
			for _, u := range who {
				a := actors[u]
				var offered []string
				if got, err := e.cases.Get(e.ctx, a, c.Serial); err == nil {
					for _, x := range got.Actions {
						offered = append(offered, x.Action)
					}
				} else if zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
					t.Fatalf("%s reads %s: %v", u, name, err)
				}
				for _, action := range casework.Actions() {
					combos++
					_, err := e.cases.Act(e.ctx, a, c.Serial, action, validInput(c, action, u))
					if slices.Contains(offered, action) {
						allowed++
						t.Logf("ALLOW %s / %s / %s", name, u, action)
						if !errors.Is(err, errDry) {
							t.Errorf("%s / %s / %s: Allowed lists it, Act refuses: %v", name, u, action, err)
						}
						continue
					}
					switch code := zwfw.ErrorCode(err); {
					case errors.Is(err, errDry):
						t.Errorf("%s / %s / %s: Allowed leaves it out, Act takes it", name, u, action)
					case code != zwfw.ENOTFOUND && code != zwfw.EFORBIDDEN && code != zwfw.ECONFLICT:
						t.Errorf("%s / %s / %s: refused with %v, want 404, 403 or 409", name, u, action, err)
					default:
						if want := casework.Check(a, c, action); zwfw.ErrorCode(want) != code {
							t.Errorf("%s / %s / %s: Act refuses with %v, Check with %v", name, u, action, err, want)
						}
					}
				}
			}
		}
		// Every status is covered, and the table is not vacuous.
		for _, st := range casework.Statuses {
			if !statuses[st] {
				t.Errorf("no fixture in status %s", st)
			}
		}
		if allowed < 150 || combos-allowed < 5000 {
			t.Errorf("%d combinations, %d allowed: the fixtures are too thin", combos, allowed)
		}
		t.Logf("%d cases × %d actors × %d actions = %d combinations, %d allowed", len(names), len(who), len(casework.Actions()), combos, allowed)
	})
}

// snapshot counts what a case operation writes: cases, their parts, the
// audit log, the outbox and the rollup. (Serial and notice numbers are
// left out: on PostgreSQL they are taken like a sequence's, and a rolled
// back transaction leaves a gap.)
func (e *env) snapshot() string {
	e.t.Helper()
	var b strings.Builder
	for _, table := range []string{"cases", "case_steps", "case_materials", "case_notices", "case_tasks", "payments",
		"evaluations", "notifications", "audit_log", "rollup_pending"} {
		var n int
		if err := e.d.QueryRow(e.ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
			e.t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s=%d ", table, n)
	}
	rows, err := e.d.Query(e.ctx, "SELECT status, SUM(n) FROM case_stats WHERE grain = 'd' GROUP BY status ORDER BY status")
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			e.t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s:%d ", st, n)
	}
	var v int
	_ = e.d.QueryRow(e.ctx, "SELECT COALESCE(SUM(version), 0) FROM cases").Scan(&v)
	fmt.Fprintf(&b, "versions=%d", v)
	return b.String()
}

// TestInstantIsOneOperation: 当场办结 accepts, approves and completes a
// 即办件 in one transaction. When its last step fails — forced, or a result
// validity the clerk mistyped — nothing of it remains: no step, notice,
// audit entry, notification or rollup change, and the case is as it was.
func TestInstantIsOneOperation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		c := e.walkIn("chengguan.window", "200300200000", "610923100C")
		before := e.snapshot()
		e.cases.FailAfter(func(action string) error {
			if action == casework.ActComplete {
				return errors.New("the disk filled up")
			}
			return nil
		})
		if _, err := e.cases.Act(e.ctx, e.actor("chengguan.window"), c.Serial, casework.ActInstant, casework.ActionInput{}); err == nil {
			t.Fatal("当场办结 succeeded although its last step failed")
		}
		e.cases.FailAfter(nil)
		if after := e.snapshot(); after != before {
			t.Fatalf("a failed 当场办结 left writes behind:\nbefore %s\nafter  %s", before, after)
		}
		_, err := e.cases.Act(e.ctx, e.actor("chengguan.window"), c.Serial, casework.ActInstant,
			casework.ActionInput{Result: &casework.Result{ValidTo: "2031-13-45"}})
		if zwfw.ErrorCode(err) != zwfw.EINVALID || !strings.Contains(zwfw.ErrorMessage(err), "“办结”一步") {
			t.Fatalf("当场办结 with a bad validity: %v", err)
		}
		if after := e.snapshot(); after != before {
			t.Fatalf("a refused 当场办结 left writes behind:\nbefore %s\nafter  %s", before, after)
		}
		if k, _ := e.cases.Get(e.ctx, e.actor("chengguan.window"), c.Serial); k.Status != casework.Submitted || k.Version != c.Version {
			t.Fatalf("after the failures the case is %s v%d", k.Status, k.Version)
		}
		// Done right, it is one operation with three steps.
		k := e.do("chengguan.window", c.Serial, casework.ActInstant, casework.ActionInput{Opinion: "当场办结",
			Result: &casework.Result{Number: "JY-0001", ValidTo: "2031-09-27"}})
		var acts []string
		for _, st := range k.Steps {
			if st.Action != "" {
				acts = append(acts, st.Action)
			}
		}
		if k.Status != casework.Completed || k.Result.Number != "JY-0001" || strings.Join(acts, ",") != "accept,approve,complete" {
			t.Fatalf("当场办结: %s %s", k.Status, strings.Join(acts, ","))
		}
		// Only the window settles, only a 即办件, only before a decision.
		e.refuse("chengguan.reviewer", e.walkIn("chengguan.window", "200300200000", "610923100C").Serial, casework.ActInstant, casework.ActionInput{}, zwfw.EFORBIDDEN)
		e.refuse("county.window", e.walkIn("county.window", "010100100000", "610923C").Serial, casework.ActInstant, casework.ActionInput{}, zwfw.ECONFLICT)
		e.refuse("chengguan.window", k.Serial, casework.ActInstant, casework.ActionInput{}, zwfw.ECONFLICT)
	})
}

// TestFileAndAcceptIsOneOperation: 提交并受理 files a walk-in application
// and accepts it in one transaction; when the acceptance fails the case
// was never filed — no case, step, notice, audit entry or notification.
func TestFileAndAcceptIsOneOperation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		in := casework.ApplyInput{ItemCode: "010100100000", OrgCode: "610923C", Accept: true,
			Applicant: &casework.ApplicantInput{Name: "陈家明", IDNumber: "610923198503120025", Phone: "13991568899"},
			Form:      casework.Form{Description: "申请办理"}}
		it, err := catalog.NewService(e.d, nil, nil, e.clock).Get(e.ctx, in.ItemCode)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range it.Materials {
			if m.Required == "required" {
				in.Materials = append(in.Materials, casework.MaterialInput{Name: m.Name, HandedIn: "window"})
			}
		}
		clerk := e.actor("county.window")
		before := e.snapshot()
		e.cases.FailAfter(func(action string) error {
			if action == casework.ActAccept {
				return errors.New("the disk filled up")
			}
			return nil
		})
		if _, err := e.cases.Apply(e.ctx, clerk, in); err == nil {
			t.Fatal("提交并受理 succeeded although the acceptance failed")
		}
		e.cases.FailAfter(nil)
		if after := e.snapshot(); after != before {
			t.Fatalf("a failed 提交并受理 left writes behind:\nbefore %s\nafter  %s", before, after)
		}
		c, err := e.cases.Apply(e.ctx, clerk, in)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != casework.Accepted || notice(c, casework.NoticeAcceptance) == nil || c.Deadline == "" {
			t.Fatalf("提交并受理: %s %s", c.Serial, c.Status)
		}
		// Only a window files and accepts; an applicant cannot accept their own.
		in.Applicant = nil
		if _, err := e.cases.Apply(e.ctx, e.actor("resident.wang"), in); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("an applicant's 提交并受理: %v", err)
		}
	})
}

// TestOneTimeNoticeIsOnce: everything to fix is told once (§2(3),
// attachment 2 (5)). A second 一次性告知书 on the same application is
// refused; a supervisor may allow one more, giving a reason that is kept on
// the case and in the audit log; the permission is used by one notice.
func TestOneTimeNoticeIsOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		const win, sup = "county.window", "county.supervisor"
		c := e.walkIn(win, "010100100000", "610923C")
		e.refuse(sup, c.Serial, casework.ActAllowSecondNotice, casework.ActionInput{Opinion: "无须准许"}, zwfw.ECONFLICT)
		c = e.do(win, c.Serial, casework.ActNotifySupplement, casework.ActionInput{Items: []string{"申请书未签字"}})
		c = e.do(win, c.Serial, casework.ActSupplement, casework.ActionInput{Materials: []casework.MaterialInput{{Name: c.Materials[0].Name, HandedIn: "window"}}})
		if c.Status != casework.Submitted {
			t.Fatal(c.Status)
		}
		_, err := e.cases.Act(e.ctx, e.actor(win), c.Serial, casework.ActNotifySupplement, casework.ActionInput{Items: []string{"营业执照复印件不清晰"}})
		if zwfw.ErrorCode(err) != zwfw.ECONFLICT || !strings.Contains(zwfw.ErrorMessage(err), "一次告知") {
			t.Fatalf("second one-time notice: %v", err)
		}
		if allowed(e, win, c.Serial, casework.ActNotifySupplement) || !allowed(e, sup, c.Serial, casework.ActAllowSecondNotice) {
			t.Fatal("Allowed does not follow the once-only rule")
		}
		// Only a supervisor allows it, and only with a reason.
		e.refuse(win, c.Serial, casework.ActAllowSecondNotice, casework.ActionInput{Opinion: "窗口自行准许"}, zwfw.EFORBIDDEN)
		e.refuse(sup, c.Serial, casework.ActAllowSecondNotice, casework.ActionInput{}, zwfw.EINVALID)
		const why = "补正的营业场所证明与申请书地址不一致，属新发现的问题"
		c = e.do(sup, c.Serial, casework.ActAllowSecondNotice, casework.ActionInput{Opinion: why})
		if st := c.Steps[len(c.Steps)-2]; st.Action != casework.ActAllowSecondNotice || st.Opinion != why || st.ActorName != "孙立华" {
			t.Fatalf("the permission is not on the case: %+v", st)
		}
		trail, err := e.cases.Trail(e.ctx, e.actor(sup), c.Serial, 1, 0)
		if err != nil || len(trail) != 1 || trail[0].Action != "case.allow-second-notice" || !strings.Contains(string(trail[0].Detail), why) {
			t.Fatalf("audit: %+v %v", trail, err)
		}
		e.refuse(sup, c.Serial, casework.ActAllowSecondNotice, casework.ActionInput{Opinion: why}, zwfw.ECONFLICT)
		c = e.do(win, c.Serial, casework.ActNotifySupplement, casework.ActionInput{Items: []string{"营业场所证明地址与申请书不一致"}})
		c = e.do(win, c.Serial, casework.ActSupplement, casework.ActionInput{Materials: []casework.MaterialInput{{Name: c.Materials[0].Name, HandedIn: "window"}}})
		// The permission was for one notice.
		e.refuse(win, c.Serial, casework.ActNotifySupplement, casework.ActionInput{Items: []string{"又一项"}}, zwfw.ECONFLICT)
		var notices int
		for _, n := range c.Notices {
			if n.Kind == casework.NoticeOneTime {
				notices++
			}
		}
		if notices != 2 {
			t.Fatalf("%d one-time notices", notices)
		}
	})
}

func allowed(e *env, who, serial, action string) bool {
	e.t.Helper()
	c, err := e.cases.Get(e.ctx, e.actor(who), serial)
	if err != nil {
		e.t.Fatal(err)
	}
	return slices.ContainsFunc(c.Actions, func(x casework.Action) bool { return x.Action == action })
}

// TestClockBelongsToTheHandlingDepartment: only the department handling the
// case starts a 特别程序 or asks for an extension — not the window, not a
// co-department, not the town once an 上报件 went to the county.
func TestClockBelongsToTheHandlingDepartment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		suspend := casework.ActionInput{Kind: "site_survey", Opinion: "需现场核查经营场所"}
		extend := casework.ActionInput{Days: 3, Opinion: "需等待检测报告"}
		p := e.do("county.window", e.walkIn("county.window", "010100100000", "610923C").Serial, casework.ActAccept, casework.ActionInput{})
		e.refuse("county.window", p.Serial, casework.ActSuspend, suspend, zwfw.EFORBIDDEN)
		e.refuse("county.window", p.Serial, casework.ActRequestExtension, extend, zwfw.EFORBIDDEN)
		e.do("county.reviewer", p.Serial, casework.ActRequestExtension, extend)
		e.refuse("county.reviewer", p.Serial, casework.ActRequestExtension, extend, zwfw.ECONFLICT) // one pending at a time
		e.do("county.reviewer", p.Serial, casework.ActSuspend, suspend)
		e.refuse("county.window", p.Serial, casework.ActResume, casework.ActionInput{}, zwfw.EFORBIDDEN)
		e.do("county.reviewer", p.Serial, casework.ActResume, casework.ActionInput{})

		j := e.do("county.window", e.walkIn("county.window", "050200400000", "610923C").Serial, casework.ActAccept, casework.ActionInput{})
		e.refuse("canlian.reviewer", j.Serial, casework.ActSuspend, suspend, zwfw.EFORBIDDEN)
		e.refuse("canlian.reviewer", j.Serial, casework.ActRequestExtension, extend, zwfw.EFORBIDDEN)
		e.do("minzheng.reviewer", j.Serial, casework.ActSuspend, suspend)

		u := e.walkIn("chengguan.window", "050200100000", "610923100C")
		u = e.do("chengguan.window", u.Serial, casework.ActAccept, casework.ActionInput{})
		e.refuse("chengguan.window", u.Serial, casework.ActSuspend, suspend, zwfw.EFORBIDDEN)
		u = e.do("chengguan.window", u.Serial, casework.ActForward, casework.ActionInput{})
		e.refuse("chengguan.reviewer", u.Serial, casework.ActRequestExtension, extend, zwfw.EFORBIDDEN)
		e.do("minzheng.reviewer", u.Serial, casework.ActRequestExtension, extend)
	})
}

// TestKeptPartsMatchTables: the parts a case's last transaction kept in
// case_parts (read in one lookup) are exactly those read from their tables,
// for a case in every status, on both databases.
func TestKeptPartsMatchTables(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		f := e.fixtures()
		kept := 0
		for name, c := range f {
			k, l, v, err := e.cases.ReadBothWays(e.ctx, c.Serial)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if v != l.Version {
				t.Errorf("%s: parts kept at version %d, the case is at %d", name, v, l.Version)
				continue
			}
			kept++
			if !reflect.DeepEqual(k, l) {
				t.Errorf("%s: kept parts differ from the tables:\nkept: %+v\nlive: %+v", name, k, l)
			}
		}
		if kept < 10 {
			t.Errorf("only %d cases had their parts kept", kept)
		}
	})
}
