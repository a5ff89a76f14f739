package casework_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	_ "zwfw/internal/account/cheaphash" // the demo accounts hash at the smallest cost

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/files"
	"zwfw/internal/org"
	"zwfw/internal/seed"
)

// env is a seeded county with a settable clock.
type env struct {
	t     testing.TB
	d     *db.DB
	cases *casework.Service
	users *account.Service
	now   time.Time
	ctx   context.Context
}

func (e *env) clock() time.Time { return e.now }

// at sets the clock to a day (09:30 China time).
func (e *env) at(day string) {
	t, err := calendar.ParseDate(day)
	if err != nil {
		e.t.Fatal(err)
	}
	e.now = t.Add(9*time.Hour + 30*time.Minute)
}

func setup(t testing.TB, d *db.DB) *env {
	t.Helper()
	e := &env{t: t, d: d, ctx: context.Background()}
	e.at("2026-09-28")
	fs, err := files.NewStore(filepath.Join(t.TempDir(), "files"), d, e.clock)
	if err != nil {
		t.Fatal(err)
	}
	orgs := org.NewService(d, e.clock)
	cat := catalog.NewService(d, orgs, fs, e.clock)
	e.users = account.NewService(d, orgs, e.clock, account.Policy{})
	dp := seed.Deps{DB: d, Orgs: orgs, Catalog: cat, Users: e.users, Files: fs, Now: e.clock, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := seed.Base(e.ctx, dp); err != nil {
		t.Fatal(err)
	}
	if err := seed.Demo(e.ctx, dp); err != nil {
		t.Fatal(err)
	}
	e.cases = casework.NewService(d, cat, calendar.New(d, e.clock), e.clock)
	return e
}

func (e *env) actor(username string) *zwfw.Actor {
	e.t.Helper()
	u, err := e.users.ByUsername(e.ctx, username)
	if err != nil {
		e.t.Fatal(err)
	}
	return u.Actor()
}

// walkIn files a case at a window on a walk-in applicant's behalf, every
// required material handed in at the window.
func (e *env) walkIn(clerk, item, centre string) *casework.Case {
	e.t.Helper()
	it, err := catalog.NewService(e.d, nil, nil, e.clock).Get(e.ctx, item)
	if err != nil {
		e.t.Fatal(err)
	}
	var mats []casework.MaterialInput
	for _, m := range it.Materials {
		if m.Required == "required" {
			mats = append(mats, casework.MaterialInput{Name: m.Name, HandedIn: "window"})
		}
	}
	c, err := e.cases.Apply(e.ctx, e.actor(clerk), casework.ApplyInput{ItemCode: item, OrgCode: centre,
		Applicant: &casework.ApplicantInput{Name: "陈家明", IDNumber: "610923198503120025", Phone: "13991568899"},
		Form:      casework.Form{Description: "申请办理"}, Materials: mats})
	if err != nil {
		e.t.Fatalf("apply %s at %s: %v", item, centre, err)
	}
	return c
}

// staff adds a staff account: a second person in a department.
func (e *env) staff(username, name, role, org, post string) {
	e.t.Helper()
	active := true
	if _, err := e.users.CreateStaff(e.ctx, zwfw.System, account.UserInput{Username: username, Password: "Demo@2026x", Name: name,
		Phone: "13800000000", Roles: []string{role}, OrgCode: org, Post: post, Active: &active}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) do(who, serial, action string, in casework.ActionInput) *casework.Case {
	e.t.Helper()
	c, err := e.cases.Act(e.ctx, e.actor(who), serial, action, in)
	if err != nil {
		e.t.Fatalf("%s %s by %s: %v", action, serial, who, err)
	}
	return c
}

func (e *env) refuse(who, serial, action string, in casework.ActionInput, code string) {
	e.t.Helper()
	_, err := e.cases.Act(e.ctx, e.actor(who), serial, action, in)
	if zwfw.ErrorCode(err) != code {
		e.t.Fatalf("%s %s by %s: got %v, want %s", action, serial, who, err, code)
	}
}

func notice(c *casework.Case, kind string) *casework.Notice {
	for i := range c.Notices {
		if c.Notices[i].Kind == kind {
			return &c.Notices[i]
		}
	}
	return nil
}

func openStep(c *casework.Case) *casework.Step {
	for i := range c.Steps {
		if c.Steps[i].State == "open" {
			return &c.Steps[i]
		}
	}
	return nil
}

// TestPromisedCase walks a 承诺件 from a window application to the archive,
// across National Day.
func TestPromisedCase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		c := e.walkIn("county.window", "010100100000", "610923C")
		if !strings.HasPrefix(c.Serial, "610923-20260928-") || c.Status != casework.Submitted || c.Channel != casework.ChannelWindow {
			t.Fatalf("new case: %s %s %s", c.Serial, c.Status, c.Channel)
		}
		if o := openStep(c); o == nil || o.Name != "受理" || o.Phone == "" || o.Person == "" {
			t.Fatalf("open step after apply: %+v", o)
		}
		e.now = e.now.Add(20 * time.Minute)
		c = e.do("county.window", c.Serial, casework.ActAccept, casework.ActionInput{})
		// Promised 5 working days from Monday 9/28: 9/29, 9/30, (National Day 10/1–10/7), 10/8, 10/9, Saturday 10/10 (make-up day).
		if c.Status != casework.Accepted || c.Deadline != "2026-10-10" {
			t.Fatalf("accepted: %s deadline %s", c.Status, c.Deadline)
		}
		n := notice(c, casework.NoticeAcceptance)
		if n == nil || n.Number == "" || n.Content.Serial != c.Serial || n.Content.Centre != "宁陕县政务服务中心" {
			t.Fatalf("acceptance notice: %+v", n)
		}
		acc := c.Steps[1]
		if acc.Name != "受理" || acc.ActorName != "李晓燕" || acc.Window != "综合受理窗口一" || acc.DurationS != 20*60 {
			t.Fatalf("acceptance step: %+v", acc)
		}
		if o := openStep(c); o == nil || !strings.Contains(o.Person, "周建国") && o.Phone == "" {
			t.Fatalf("open step after acceptance names nobody: %+v", o)
		}
		e.at("2026-09-29")
		// The item names 食品经营许可股审查员 for 审查 and 审批股股长 for 决定:
		// the examiner reviews, and may not also decide (审批分离).
		e.staff("county.examiner", "张卫东", zwfw.RoleReviewer, "610923D01", "食品经营许可股审查员")
		c = e.do("county.examiner", c.Serial, casework.ActReview, casework.ActionInput{Opinion: "材料齐全，现场核查符合条件"})
		e.refuse("county.examiner", c.Serial, casework.ActApprove, casework.ActionInput{Opinion: "准予许可"}, zwfw.EFORBIDDEN)
		c = e.do("county.reviewer", c.Serial, casework.ActApprove, casework.ActionInput{Opinion: "准予许可"})
		if c.Status != casework.Approved || c.Decision != "approved" {
			t.Fatalf("approved: %s", c.Status)
		}
		c = e.do("county.window", c.Serial, casework.ActComplete, casework.ActionInput{Result: &casework.Result{Number: "JY16109230000123", ValidTo: "2031-09-28"}})
		if c.Status != casework.Completed || c.Result == nil || c.Result.Name != "食品经营许可证" || c.Result.Number != "JY16109230000123" {
			t.Fatalf("completed: %s %+v", c.Status, c.Result)
		}
		c = e.do("county.window", c.Serial, casework.ActDeliver, casework.ActionInput{Delivery: &casework.Delivery{Method: "post", Tracking: "SF1234567890"}})
		c = e.do("county.window", c.Serial, casework.ActEvaluate, casework.ActionInput{Level: 1, Channel: "pad"})
		c = e.do("county.window", c.Serial, casework.ActArchive, casework.ActionInput{})
		if c.Status != casework.Archived || len(c.Evaluations) != 1 || c.Evaluations[0].LevelName != "非常满意" {
			t.Fatalf("archived: %s %+v", c.Status, c.Evaluations)
		}
		// Archived is read-only.
		e.refuse("county.window", c.Serial, casework.ActDeliver, casework.ActionInput{Delivery: &casework.Delivery{Method: "onsite"}}, zwfw.ECONFLICT)
		for _, st := range c.Steps {
			if st.State != "done" || st.ActorName == "" {
				t.Errorf("step %d %s: state %s actor %q", st.Seq, st.Name, st.State, st.ActorName)
			}
		}
		// The public timeline shows a status only beside steps that moved
		// the case (评价 after 送达 does not; 办结 does).
		p, err := e.cases.PublicProgress(e.ctx, c.Serial, c.QueryCode, testAddr)
		if err != nil {
			t.Fatal(err)
		}
		shown := map[string]string{}
		for _, st := range p.Steps {
			shown[st.Name] = st.Status
		}
		if shown["评价"] != "" || shown["办结（出具结果）"] == "" && shown["办结"] == "" {
			t.Fatalf("public steps: %+v", p.Steps)
		}
	})
}

// TestOnlineApplicationWithSupplement: an applicant applies online, gets one
// supplement notice listing everything, supplements without starting over.
func TestOnlineApplicationWithSupplement(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		wang := e.actor("resident.wang")
		in := casework.ApplyInput{ItemCode: "200300200000", OrgCode: "610923100C", Form: casework.Form{Description: "本人失业后申领就业创业证"}}
		// Missing required materials are named.
		if _, err := e.cases.Apply(e.ctx, wang, in); zwfw.ErrorCode(err) != zwfw.EINVALID || !strings.Contains(zwfw.ErrorMessage(err), "缺少必要材料") {
			t.Fatalf("apply without materials: %v", err)
		}
		in.Materials = []casework.MaterialInput{{Name: "就业创业证申领登记表", HandedIn: "post"}, {Name: "居民身份证", HandedIn: "window"}}
		c, err := e.cases.Apply(e.ctx, wang, in)
		if err != nil {
			t.Fatal(err)
		}
		if c.Channel != casework.ChannelOnline || c.Applicant.Name != "王秀兰" {
			t.Fatalf("online case: %+v", c)
		}
		c = e.do("chengguan.window", c.Serial, casework.ActNotifySupplement, casework.ActionInput{Items: []string{"登记表未签字", "身份证复印件不清晰"}})
		n := notice(c, casework.NoticeOneTime)
		if c.Status != casework.SupplementRequired || n == nil || len(n.Content.Items) != 2 {
			t.Fatalf("one-time notice: %s %+v", c.Status, n)
		}
		e.refuse("chengguan.window", c.Serial, casework.ActNotifySupplement, casework.ActionInput{Items: []string{"again"}}, zwfw.ECONFLICT)
		c = e.do("resident.wang", c.Serial, casework.ActSupplement, casework.ActionInput{Materials: []casework.MaterialInput{{Name: "就业创业证申领登记表", HandedIn: "window"}}})
		if c.Status != casework.Submitted || len(c.Materials) != 2 {
			t.Fatalf("after supplement: %s, %d materials", c.Status, len(c.Materials))
		}
		c = e.do("chengguan.window", c.Serial, casework.ActAccept, casework.ActionInput{})
		if c.Deadline != "2026-09-28" {
			t.Fatalf("即办件 deadline %s, want the same day", c.Deadline)
		}
		// 即办件: the window decides and completes the same day.
		c = e.do("chengguan.window", c.Serial, casework.ActApprove, casework.ActionInput{})
		c = e.do("chengguan.window", c.Serial, casework.ActComplete, casework.ActionInput{})
		c = e.do("resident.wang", c.Serial, casework.ActEvaluate, casework.ActionInput{LevelName: "满意"})
		if c.Status != casework.Completed || len(c.Evaluations) != 1 {
			t.Fatalf("immediate case: %s", c.Status)
		}
		var msgs int
		d.QueryRow(e.ctx, "SELECT COUNT(*) FROM notifications WHERE case_serial = ? AND channel = 'inapp'", c.Serial).Scan(&msgs)
		if msgs < 4 {
			t.Fatalf("applicant got %d in-app messages, want one per step", msgs)
		}
	})
}

// TestJointCase: one lead window accepts; the co-department gives its
// opinion; the lead department decides once for everyone.
func TestJointCase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		c := e.walkIn("county.window", "050200400000", "610923C")
		c = e.do("county.window", c.Serial, casework.ActAccept, casework.ActionInput{})
		if len(c.Tasks) != 2 || !c.Tasks[0].Lead || c.Tasks[1].DeptCode != "610923D14" || c.Tasks[1].Deadline >= c.Deadline {
			t.Fatalf("tasks: %+v (case deadline %s)", c.Tasks, c.Deadline)
		}
		e.refuse("minzheng.reviewer", c.Serial, casework.ActApprove, casework.ActionInput{}, zwfw.ECONFLICT)
		// The co-department sees the case in its inbox and gives its opinion.
		if _, err := e.cases.Get(e.ctx, e.actor("canlian.reviewer"), c.Serial); err != nil {
			t.Fatalf("co-department cannot see the case: %v", err)
		}
		e.refuse("canlian.reviewer", c.Serial, casework.ActApprove, casework.ActionInput{}, zwfw.EFORBIDDEN)
		c = e.do("canlian.reviewer", c.Serial, casework.ActTaskApprove, casework.ActionInput{Opinion: "残疾等级为二级，符合条件"})
		e.refuse("canlian.reviewer", c.Serial, casework.ActTaskApprove, casework.ActionInput{Opinion: "again"}, zwfw.ECONFLICT)
		c = e.do("minzheng.reviewer", c.Serial, casework.ActApprove, casework.ActionInput{Opinion: "同意发放两项补贴"})
		if c.Status != casework.Approved || c.Tasks[0].State != "approved" || c.Tasks[1].Opinion == "" {
			t.Fatalf("joint decision: %s %+v", c.Status, c.Tasks)
		}
		var n int
		d.QueryRow(e.ctx, "SELECT COUNT(*) FROM cases WHERE serial = ?", c.Serial).Scan(&n)
		if n != 1 {
			t.Fatalf("a joint case is %d cases", n)
		}
	})
}

// TestUpwardCase: a town window forwards; the county decides; the result
// comes back to the same case, and the applicant submits nothing again.
func TestUpwardCase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		c := e.walkIn("chengguan.window", "050200100000", "610923100C")
		if !strings.HasPrefix(c.Serial, "610923100-") {
			t.Fatalf("town serial %s", c.Serial)
		}
		// The town's window accepts it, so the open step names the town
		// centre, not the county post in the item's steps.
		if o := openStep(c); o == nil || o.Name != "受理" || !strings.Contains(o.Person, "城关镇") {
			t.Fatalf("open step of a town case: %+v", o)
		}
		c = e.do("chengguan.window", c.Serial, casework.ActAccept, casework.ActionInput{})
		e.refuse("minzheng.reviewer", c.Serial, casework.ActApprove, casework.ActionInput{}, zwfw.ECONFLICT)
		c = e.do("chengguan.window", c.Serial, casework.ActForward, casework.ActionInput{})
		if c.HandlerCode != "610923D02" || c.Status != casework.InProgress {
			t.Fatalf("forwarded to %s (%s)", c.HandlerCode, c.Status)
		}
		// The town's own reviewer cannot decide an upward case.
		e.refuse("chengguan.reviewer", c.Serial, casework.ActApprove, casework.ActionInput{}, zwfw.EFORBIDDEN)
		c = e.do("minzheng.reviewer", c.Serial, casework.ActApprove, casework.ActionInput{Opinion: "经入户调查和家庭经济状况核对，符合低保条件"})
		c = e.do("chengguan.window", c.Serial, casework.ActComplete, casework.ActionInput{})
		if c.Status != casework.Completed || len(c.Materials) == 0 {
			t.Fatalf("completed upward case: %s", c.Status)
		}
	})
}

// TestDeadlines: a suspension stops the clock, an extension needs a
// supervisor and the applicant is told why.
func TestDeadlines(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		c := e.walkIn("county.window", "010100100000", "610923C")
		c = e.do("county.window", c.Serial, casework.ActAccept, casework.ActionInput{})
		if c.Deadline != "2026-10-10" {
			t.Fatalf("deadline %s", c.Deadline)
		}
		e.at("2026-09-29")
		c = e.do("county.reviewer", c.Serial, casework.ActSuspend, casework.ActionInput{Kind: "site_survey", Opinion: "需现场核查经营场所布局"})
		if c.Status != casework.Suspended {
			t.Fatal(c.Status)
		}
		e.refuse("county.reviewer", c.Serial, casework.ActApprove, casework.ActionInput{}, zwfw.ECONFLICT)
		e.at("2026-10-09")
		c = e.do("county.reviewer", c.Serial, casework.ActResume, casework.ActionInput{})
		// Stood still 9/30, 10/8, 10/9: three working days; 10/10 + 3 = 10/14.
		if c.Status != casework.Accepted || c.Deadline != "2026-10-14" || c.Suspensions[0].Days != 3 {
			t.Fatalf("after resume: %s %s %+v", c.Status, c.Deadline, c.Suspensions)
		}
		c = e.do("county.reviewer", c.Serial, casework.ActRequestExtension, casework.ActionInput{Days: 5, Opinion: "需等待检测机构出具水质检测报告"})
		if c.Deadline != "2026-10-14" {
			t.Fatal("a request alone moved the deadline")
		}
		e.refuse("county.window", c.Serial, casework.ActApproveExtension, casework.ActionInput{}, zwfw.EFORBIDDEN)
		e.refuse("county.reviewer", c.Serial, casework.ActApproveExtension, casework.ActionInput{}, zwfw.EFORBIDDEN)
		c = e.do("county.supervisor", c.Serial, casework.ActApproveExtension, casework.ActionInput{Opinion: "同意"})
		if c.Deadline != "2026-10-21" || c.ExtendedDays != 5 {
			t.Fatalf("after extension: %s (+%d)", c.Deadline, c.ExtendedDays)
		}
		n := notice(c, casework.NoticeExtension)
		if n == nil || !strings.Contains(strings.Join(n.Content.Body, ""), "水质检测报告") {
			t.Fatalf("extension notice does not tell the reason: %+v", n)
		}
		var told int
		d.QueryRow(e.ctx, "SELECT COUNT(*) FROM notifications WHERE case_serial = ? AND subject = '办理期限延长' AND body LIKE '%水质检测报告%'", c.Serial).Scan(&told)
		if told == 0 {
			t.Fatal("applicant not notified of the extension's reason")
		}
	})
}

// TestFeesAndSeparation: a fee is computed after approval, only a cashier
// confirms payment (收缴分离), and completion waits for it.
func TestFeesAndSeparation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		c := e.walkIn("county.window", "071500100000", "610923C")
		c = e.do("county.window", c.Serial, casework.ActAccept, casework.ActionInput{})
		c = e.do("gongan.reviewer", c.Serial, casework.ActApprove, casework.ActionInput{})
		if c.Status != casework.AwaitingPayment || c.FeeCents != 2000 || c.Payment == nil || c.Payment.State != "unpaid" {
			t.Fatalf("after approval: %s fee %d %+v", c.Status, c.FeeCents, c.Payment)
		}
		if notice(c, casework.NoticePayment) == nil {
			t.Fatal("no payment notice")
		}
		e.refuse("county.window", c.Serial, casework.ActComplete, casework.ActionInput{}, zwfw.ECONFLICT)
		e.refuse("county.window", c.Serial, casework.ActConfirmPayment, casework.ActionInput{Reference: "BANK0001"}, zwfw.EFORBIDDEN)
		// Even a window clerk who also holds the cashier role may not.
		w, _ := e.users.ByUsername(e.ctx, "county.window")
		both := w.Actor()
		both.Roles = append(both.Roles, zwfw.RoleCashier)
		if _, err := e.cases.Act(e.ctx, both, c.Serial, casework.ActConfirmPayment, casework.ActionInput{Reference: "BANK0001"}); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("window+cashier confirming: %v", err)
		}
		c = e.do("county.cashier", c.Serial, casework.ActConfirmPayment, casework.ActionInput{Reference: "ICBC20261009001"})
		if !c.Paid || c.Payment.ReceiptNo == "" || notice(c, casework.NoticeReceipt) == nil {
			t.Fatalf("after payment: %+v", c.Payment)
		}
		c = e.do("county.window", c.Serial, casework.ActComplete, casework.ActionInput{})
		if c.Status != casework.Completed {
			t.Fatal(c.Status)
		}
	})
}

// TestRefusalsChangeNothing: illegal transitions, missing reasons and the
// wrong people are refused, and the case is exactly as before.
func TestRefusalsChangeNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		c := e.walkIn("county.window", "010100100000", "610923C")
		before := c.Version
		e.refuse("county.reviewer", c.Serial, casework.ActApprove, casework.ActionInput{}, zwfw.ECONFLICT)
		e.refuse("county.window", c.Serial, casework.ActReject, casework.ActionInput{Opinion: "材料虚假"}, zwfw.EINVALID) // no legal basis
		e.refuse("county.reviewer", c.Serial, casework.ActAccept, casework.ActionInput{}, zwfw.EFORBIDDEN)
		e.refuse("county.window", c.Serial, "teleport", casework.ActionInput{}, zwfw.EBADREQUEST)
		e.refuse("county.window", c.Serial, casework.ActAccept, casework.ActionInput{Version: before + 1}, zwfw.ECONFLICT)
		// Another town's window does not even see it.
		e.refuse("chengguan.window", c.Serial, casework.ActAccept, casework.ActionInput{}, zwfw.ENOTFOUND)
		after, err := e.cases.Get(e.ctx, e.actor("county.window"), c.Serial)
		if err != nil || after.Version != before || after.Status != casework.Submitted || len(after.Notices) != 0 || len(after.Steps) != len(c.Steps) {
			t.Fatalf("refusals changed the case: %+v %v", after, err)
		}
		// Applicants see only their own cases.
		wang := e.actor("resident.wang")
		own, err := e.cases.Apply(e.ctx, wang, casework.ApplyInput{ItemCode: "200300200000", OrgCode: "610923100C",
			Materials: []casework.MaterialInput{{Name: "就业创业证申领登记表", HandedIn: "window"}, {Name: "居民身份证", HandedIn: "window"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.cases.Get(e.ctx, e.actor("enterprise.qinling"), own.Serial); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			t.Fatalf("another applicant reads the case: %v", err)
		}
		e.refuse("enterprise.qinling", own.Serial, casework.ActWithdraw, casework.ActionInput{}, zwfw.ENOTFOUND)
		if _, err := e.cases.Get(e.ctx, e.actor("county.supervisor"), own.Serial); err != nil {
			t.Fatalf("the county sees a town's case: %v", err)
		}
		if _, err := e.cases.Get(e.ctx, e.actor("county.window"), own.Serial); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			t.Fatalf("the county centre's window sees a town's case: %v", err)
		}
		w := e.do("resident.wang", own.Serial, casework.ActWithdraw, casework.ActionInput{Opinion: "材料准备不全，先撤回"})
		if w.Status != casework.Withdrawn {
			t.Fatal(w.Status)
		}
		e.refuse("chengguan.window", own.Serial, casework.ActAccept, casework.ActionInput{}, zwfw.ECONFLICT)
		// A cancelled item takes no new applications.
		cat := catalog.NewService(d, org.NewService(d, e.clock), nil, e.clock)
		if _, err := cat.Cancel(e.ctx, zwfw.System, "200300200000", "事项调整", 1); err != nil {
			t.Fatal(err)
		}
		if _, err := e.cases.Apply(e.ctx, wang, casework.ApplyInput{ItemCode: "200300200000", OrgCode: "610923100C",
			Materials: []casework.MaterialInput{{Name: "就业创业证申领登记表", HandedIn: "window"}, {Name: "居民身份证", HandedIn: "window"}}}); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("application to a cancelled item: %v", err)
		}
		// The withdrawn case still shows the version it was filed under.
		if got, _ := e.cases.Get(e.ctx, wang, own.Serial); got.ItemVersion != 1 {
			t.Fatalf("case lost its item version: %d", got.ItemVersion)
		}
	})
}

// TestConcurrentActions: several people accept the same case at once;
// exactly one wins.
func TestConcurrentActions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		c := e.walkIn("county.window", "010100100000", "610923C")
		clerk := e.actor("county.window")
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, errs[i] = e.cases.Act(e.ctx, clerk, c.Serial, casework.ActAccept, casework.ActionInput{Version: c.Version})
			}(i)
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch zwfw.ErrorCode(err) {
			case "":
				wins++
			case zwfw.ECONFLICT:
			default:
				t.Errorf("unexpected: %v", err)
			}
		}
		got, _ := e.cases.Get(e.ctx, clerk, c.Serial)
		if wins != 1 || len(got.Notices) != 1 || got.Version != c.Version+1 {
			t.Fatalf("wins=%d notices=%d version=%d", wins, len(got.Notices), got.Version)
		}
	})
}

// TestListsAndProgress: to-do lists per role, overdue, scope, and the public
// progress page with the name masked.
func TestListsAndProgress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		a := e.walkIn("county.window", "010100100000", "610923C")
		b := e.walkIn("county.window", "010100100000", "610923C")
		e.do("county.window", b.Serial, casework.ActAccept, casework.ActionInput{})
		town := e.walkIn("chengguan.window", "050200100000", "610923100C")

		serials := func(who string, q casework.Query) []string {
			list, total, err := e.cases.List(e.ctx, e.actor(who), q)
			if err != nil {
				t.Fatal(err)
			}
			if total != len(list) {
				t.Fatalf("total %d, listed %d", total, len(list))
			}
			var out []string
			for _, c := range list {
				out = append(out, c.Serial)
			}
			return out
		}
		if got := serials("county.window", casework.Query{Todo: true}); len(got) != 1 || got[0] != a.Serial {
			t.Errorf("county window to-do = %v, want only %s", got, a.Serial)
		}
		if got := serials("county.reviewer", casework.Query{Todo: true}); len(got) != 1 || got[0] != b.Serial {
			t.Errorf("reviewer to-do = %v, want only %s", got, b.Serial)
		}
		if got := serials("chengguan.window", casework.Query{}); len(got) != 1 || got[0] != town.Serial {
			t.Errorf("town window sees %v", got)
		}
		if got := serials("county.supervisor", casework.Query{}); len(got) != 3 {
			t.Errorf("county supervisor sees %v", got)
		}
		if got := serials("resident.wang", casework.Query{}); len(got) != 0 {
			t.Errorf("applicant sees others' cases: %v", got)
		}
		// Twenty working days later the accepted case is overdue.
		e.at("2026-11-02")
		list, _, err := e.cases.List(e.ctx, e.actor("county.supervisor"), casework.Query{Overdue: true})
		if err != nil || len(list) != 1 || list[0].Serial != b.Serial || !list[0].Overdue || *list[0].Remaining >= 0 {
			t.Fatalf("overdue list: %+v %v", list, err)
		}
		p, err := e.cases.PublicProgress(e.ctx, b.Serial, b.QueryCode, testAddr)
		if err != nil || p.Applicant != "陈**" || p.Current == "" || len(p.Steps) < 2 {
			t.Fatalf("public progress: %+v %v", p, err)
		}
		// The last six characters of the applicant's ID number also open it.
		if _, err := e.cases.PublicProgress(e.ctx, b.Serial, "120025", testAddr); err != nil {
			t.Fatalf("progress by ID tail: %v", err)
		}
		// Without the right second factor the case does not exist.
		for _, code := range []string{"", "000000", "12002"} {
			if _, err := e.cases.PublicProgress(e.ctx, b.Serial, code, testAddr); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
				t.Fatalf("progress with code %q: %v", code, err)
			}
		}
		if _, err := e.cases.PublicProgress(e.ctx, "610923-20990101-00001", "123456", testAddr); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			t.Fatalf("unknown serial: %v", err)
		}
		// Guessing is limited by client address: lookup_test.go.
	})
}

// TestDrafts: an applicant saves a draft over several sittings and submits
// it; nobody else sees it.
func TestDrafts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		wang := e.actor("resident.wang")
		dr, err := e.cases.SaveDraft(e.ctx, wang, 0, casework.ApplyInput{ItemCode: "200300200000", OrgCode: "610923100C",
			Form: casework.Form{Description: "申领就业创业证"}, Materials: []casework.MaterialInput{{Name: "居民身份证", HandedIn: "window"}}})
		if err != nil || dr.ItemName != "就业创业证申领" {
			t.Fatalf("save draft: %+v %v", dr, err)
		}
		if _, err := e.cases.Draft(e.ctx, e.actor("enterprise.qinling"), dr.ID); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			t.Fatalf("another applicant reads the draft: %v", err)
		}
		if _, err := e.cases.SaveDraft(e.ctx, e.actor("county.window"), 0, casework.ApplyInput{ItemCode: "200300200000"}); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("staff drafts: %v", err)
		}
		// Submitting an incomplete draft is refused and keeps the draft.
		if _, err := e.cases.SubmitDraft(e.ctx, wang, dr.ID); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("incomplete draft submitted: %v", err)
		}
		dr.Materials = append(dr.Materials, casework.MaterialInput{Name: "就业创业证申领登记表", HandedIn: "post"})
		if _, err := e.cases.SaveDraft(e.ctx, wang, dr.ID, casework.ApplyInput{ItemCode: dr.ItemCode, OrgCode: dr.OrgCode, Form: dr.Form, Materials: dr.Materials}); err != nil {
			t.Fatal(err)
		}
		c, err := e.cases.SubmitDraft(e.ctx, wang, dr.ID)
		if err != nil || c.Status != casework.Submitted {
			t.Fatalf("submit: %v", err)
		}
		if list, _ := e.cases.Drafts(e.ctx, wang); len(list) != 0 {
			t.Fatal("draft kept after submission")
		}
	})
}
