package casework

// The state machine of a case, and the one answer to "what may this person
// do to this case now": Check decides one action, Allowed lists them all.
// Act refuses exactly what Check refuses, with the same error; the pages and
// the API offer exactly what Allowed lists. Nothing outside this file
// decides whether an action may be taken.

import (
	"fmt"
	"slices"

	"zwfw"
	"zwfw/internal/catalog"
	"zwfw/internal/scope"
)

// Actions.
const (
	ActAccept            = "accept"
	ActInstant           = "instant" // 当场办结: accept, approve and complete a 即办件 at once
	ActNotifySupplement  = "notify-supplement"
	ActAllowSecondNotice = "allow-second-notice"
	ActReject            = "reject"
	ActSupplement        = "supplement"
	ActForward           = "forward"
	ActReview            = "review"
	ActTaskApprove       = "task-approve"
	ActTaskDeny          = "task-deny"
	ActSuspend           = "suspend"
	ActResume            = "resume"
	ActRequestExtension  = "request-extension"
	ActApproveExtension  = "approve-extension"
	ActApprove           = "approve"
	ActDeny              = "deny"
	ActConfirmPayment    = "confirm-payment"
	ActComplete          = "complete"
	ActDeliver           = "deliver"
	ActArchive           = "archive"
	ActEvaluate          = "evaluate"
	ActWithdraw          = "withdraw"
)

// actionOrder is the order actions are listed in: the life of a case.
var actionOrder = []string{ActAccept, ActInstant, ActNotifySupplement, ActAllowSecondNotice, ActReject, ActSupplement,
	ActForward, ActReview, ActTaskApprove, ActTaskDeny, ActSuspend, ActResume, ActRequestExtension, ActApproveExtension,
	ActApprove, ActDeny, ActConfirmPayment, ActComplete, ActDeliver, ActArchive, ActEvaluate, ActWithdraw}

// Who may act, beside the roles.
const (
	owner           = "owner"            // the applicant who filed the case
	windowImmediate = "window@immediate" // window staff, on a 即办件 (attachment 2 (5)3: 由窗口人员直接办理)
)

// guard is a further condition of an action: nil when it holds, else the
// refusal (403 when the person may not, 409 when the case does not allow
// it now).
type guard func(a *zwfw.Actor, c *Case) error

// rule is one row of the state machine: from which statuses an action may
// be taken, the status it leads to ("" when the action decides it, or keeps
// the status), who may take it, who may never take it whatever else they
// hold (and why), what else it requires, and the name of the step it records. A
// composite action (chain) is its steps taken in one transaction.
type rule struct {
	from     []string
	to       string
	roles    []string
	never    []string
	neverErr error // the refusal of a role in never
	when     []guard
	step     string
	chain    []string
}

var (
	running  = []string{Accepted, InProgress}
	clocking = []string{Accepted, InProgress, Suspended}
	closed   = []string{Completed, Delivered, Archived}
)

// machine is the state machine of a case.
var machine = map[string]rule{
	ActAccept: {from: []string{Submitted}, to: Accepted, roles: []string{zwfw.RoleWindow}, step: "受理"},
	ActInstant: {from: []string{Submitted, Accepted}, roles: []string{zwfw.RoleWindow}, when: []guard{immediateOnly},
		step: "当场办结", chain: []string{ActAccept, ActApprove, ActComplete}},
	ActNotifySupplement: {from: []string{Submitted}, to: SupplementRequired, roles: []string{zwfw.RoleWindow},
		when: []guard{toldOnce}, step: "一次性告知"},
	ActAllowSecondNotice: {from: []string{Submitted}, roles: []string{zwfw.RoleSupervisor}, when: []guard{secondNoticeWanted},
		step: "准许再次一次性告知"},
	ActReject:     {from: []string{Submitted, SupplementRequired}, to: Rejected, roles: []string{zwfw.RoleWindow}, step: "不予受理"},
	ActSupplement: {from: []string{SupplementRequired}, to: Submitted, roles: []string{owner, zwfw.RoleWindow}, step: "补正材料"},
	ActForward: {from: []string{Accepted}, to: InProgress, roles: []string{zwfw.RoleWindow}, when: []guard{forwardable},
		step: "上报"},
	ActReview: {from: running, to: InProgress, roles: []string{zwfw.RoleReviewer}, when: []guard{notImmediate, decider},
		step: "审查"},
	ActTaskApprove: {from: running, to: InProgress, roles: []string{zwfw.RoleReviewer}, when: []guard{jointOnly, coDepartment},
		step: "联办部门同意"},
	ActTaskDeny: {from: running, to: InProgress, roles: []string{zwfw.RoleReviewer}, when: []guard{jointOnly, coDepartment},
		step: "联办部门不同意"},
	ActSuspend: {from: running, to: Suspended, roles: []string{zwfw.RoleReviewer}, when: []guard{handling}, step: "特别程序开始"},
	ActResume:  {from: []string{Suspended}, roles: []string{zwfw.RoleReviewer}, when: []guard{handling}, step: "特别程序结束"},
	ActRequestExtension: {from: clocking, roles: []string{zwfw.RoleReviewer}, when: []guard{handling, hasDeadline, noPendingExtension},
		step: "申请延期"},
	ActApproveExtension: {from: clocking, roles: []string{zwfw.RoleSupervisor}, when: []guard{hasDeadline, pendingExtension},
		step: "批准延期"},
	ActApprove: {from: running, roles: []string{zwfw.RoleReviewer, windowImmediate}, when: []guard{decider, allSpoken, dutiesSplit},
		step: "决定（批准）"},
	ActDeny: {from: running, to: Denied, roles: []string{zwfw.RoleReviewer, windowImmediate}, when: []guard{decider, allSpoken, dutiesSplit},
		step: "决定（不予批准）"},
	// 收缴分离 (attachment 2 (5)4): window staff never take money, even when
	// they also hold the cashier role.
	ActConfirmPayment: {from: []string{AwaitingPayment}, to: Approved, roles: []string{zwfw.RoleCashier}, never: []string{zwfw.RoleWindow},
		neverErr: zwfw.Errorf(zwfw.EFORBIDDEN, "窗口人员不得确认收款（收缴分离）：请到银行收费窗口缴费"), step: "确认缴费"},
	ActComplete: {from: []string{Approved, Denied}, to: Completed, roles: []string{zwfw.RoleWindow, zwfw.RoleReviewer}, when: []guard{feePaid},
		step: "办结"},
	ActDeliver:  {from: []string{Completed}, to: Delivered, roles: []string{zwfw.RoleWindow}, step: "送达"},
	ActArchive:  {from: []string{Completed, Delivered}, to: Archived, roles: []string{zwfw.RoleWindow}, step: "归档"},
	ActEvaluate: {from: closed, roles: []string{owner, zwfw.RoleWindow}, when: []guard{evaluationsLeft}, step: "评价"},
	ActWithdraw: {from: []string{Submitted, SupplementRequired, Accepted, InProgress, Suspended}, to: Withdrawn, roles: []string{owner},
		step: "撤回申请"},
}

// Actions lists every action name, in the order of a case's life: the
// actions the API and the pages accept.
func Actions() []string { return slices.Clone(actionOrder) }

// IsAction reports whether name is an action.
func IsAction(name string) bool {
	_, ok := machine[name]
	return ok
}

// ActionName is the Chinese name of an action.
func ActionName(a string) string {
	if r, ok := machine[a]; ok {
		return r.step
	}
	return a
}

// Action is an action an actor may take on a case now.
type Action struct {
	Action string `json:"action"` // accept, notify-supplement …
	Name   string `json:"name"`   // 受理, 一次性告知 …
}

// Allowed lists the actions actor may take on c now, in the order of a
// case's life: exactly those Act would not refuse for scope, role or state.
func Allowed(actor *zwfw.Actor, c *Case) []Action {
	out := []Action{}
	if actor == nil || !canSee(actor, c) {
		return out
	}
	for _, x := range ordered {
		// The status rules most actions out: skip building their refusals.
		if !slices.Contains(x.rule.from, c.Status) || !mayAct(actor, c, x.rule) {
			continue
		}
		if checkRule(actor, c, x.rule) == nil {
			out = append(out, Action{Action: x.name, Name: x.rule.step})
		}
	}
	return out
}

// Check says whether actor may take action on c now: nil, or the refusal
// Act gives — 400 for an unknown action, 401 without an actor, 404 when the
// case is outside their reach, 403 when their role or department may not,
// 409 when the case's state does not allow it.
func Check(actor *zwfw.Actor, c *Case, action string) error {
	if _, ok := machine[action]; !ok {
		return unknownAction(action)
	}
	if actor == nil {
		return zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if !canSee(actor, c) {
		return notFound(c.Serial)
	}
	return check(actor, c, action)
}

func unknownAction(action string) error {
	return zwfw.Errorf(zwfw.EBADREQUEST, "不支持的操作“%s”（可用：%s）", action, joinNames(actionOrder))
}

func joinNames(names []string) string {
	s := ""
	for i, n := range names {
		if i > 0 {
			s += "、"
		}
		s += n
	}
	return s
}

// Held explains why an action the actor's role may take in the case's
// status is refused all the same: it waits for something (a
// co-department's opinion, a supervisor's permission, a payment) or
// belongs to someone else (the lead department, the body an 上报件 went
// to, another post than the reviewer's). It is the refusal, or nil when
// the action is allowed or refused for the role or the status.
func Held(actor *zwfw.Actor, c *Case, action string) error {
	r, ok := machine[action]
	if !ok || actor == nil || !canSee(actor, c) || !mayAct(actor, c, &r) || !slices.Contains(r.from, c.Status) {
		return nil
	}
	return check(actor, c, action)
}

// ordered are the machine's rows in actionOrder.
var ordered = func() []struct {
	name string
	rule *rule
} {
	out := make([]struct {
		name string
		rule *rule
	}, len(actionOrder))
	for i, name := range actionOrder {
		r := machine[name]
		out[i].name, out[i].rule = name, &r
	}
	return out
}()

// check is Check for an actor who may see the case.
func check(a *zwfw.Actor, c *Case, action string) error {
	r := machine[action]
	return checkRule(a, c, &r)
}

func checkRule(a *zwfw.Actor, c *Case, r *rule) error {
	for _, role := range r.never {
		if a.Has(role) {
			return r.neverErr
		}
	}
	if !mayAct(a, c, r) {
		return errForbidden
	}
	if !slices.Contains(r.from, c.Status) {
		return zwfw.Errorf(zwfw.ECONFLICT, "办件 %s 当前状态为“%s”，不能%s", c.Serial, StatusName(c.Status), r.step)
	}
	for _, g := range r.when {
		if err := g(a, c); err != nil {
			return err
		}
	}
	if r.chain != nil {
		return checkChain(a, c, r.chain)
	}
	return nil
}

var errForbidden = zwfw.Errorf(zwfw.EFORBIDDEN, "您的角色不能进行此操作")

// mayAct reports whether a holds one of the rule's roles for c: a staff
// role, the applicant who filed it, or the window on a 即办件. The system
// may take any action.
func mayAct(a *zwfw.Actor, c *Case, r *rule) bool {
	if a.Kind == zwfw.KindSystem {
		return true
	}
	for _, role := range r.roles {
		switch role {
		case owner:
			if c.ApplicantID != 0 && c.ApplicantID == a.UserID {
				return true
			}
		case windowImmediate:
			if c.Kind == catalog.KindImmediate && a.IsStaff() && a.Has(zwfw.RoleWindow) {
				return true
			}
		default:
			if a.IsStaff() && a.Has(role) {
				return true
			}
		}
	}
	return false
}

// checkChain checks a composite action step by step on the case as each
// step would leave it, as far as that can be known before taking them (a
// step whose next status depends on what it computes, such as a decision
// with a fee, ends the look-ahead).
func checkChain(a *zwfw.Actor, c *Case, chain []string) error {
	sim := *c
	started := false
	for _, step := range chain {
		r := machine[step]
		if !slices.Contains(r.from, sim.Status) {
			if started {
				return nil
			}
			continue
		}
		started = true
		if err := check(a, &sim, step); err != nil {
			return err
		}
		if r.to == "" {
			return nil
		}
		sim.Status = r.to
	}
	return nil
}

// The guards.

// Refusals that say the same every time (the guards below return them
// without building a new error each time Allowed asks).
var (
	errNotUpward          = zwfw.Errorf(zwfw.ECONFLICT, "只有上报件需要上报")
	errNotJoint           = zwfw.Errorf(zwfw.ECONFLICT, "只有联办件有联办部门意见")
	errNotImmediate       = zwfw.Errorf(zwfw.ECONFLICT, "只有即办件可以当场办结")
	errImmediateNoReview  = zwfw.Errorf(zwfw.ECONFLICT, "即办件由窗口直接办理，没有审查环节")
	errNotForwarded       = zwfw.Errorf(zwfw.ECONFLICT, "上报件须先上报上级机关，由上级作出决定")
	errNotCoDepartment    = zwfw.Errorf(zwfw.EFORBIDDEN, "您所在部门不是本件的联办部门")
	errNoDeadline         = zwfw.Errorf(zwfw.ECONFLICT, "办件尚无办结期限，不能延期")
	errExtensionPending   = zwfw.Errorf(zwfw.ECONFLICT, "已有待审批的延期申请")
	errNoExtensionPending = zwfw.Errorf(zwfw.ECONFLICT, "没有待审批的延期申请")
	errUnpaid             = zwfw.Errorf(zwfw.ECONFLICT, "费用尚未缴纳，不能办结")
	errToldOnce           = zwfw.Errorf(zwfw.ECONFLICT, "本件已出具一次性告知书，需要补正的内容应一次告知完毕，不得再次告知；确需再次告知的，须经电子监察人员准许并说明理由")
	errNotToldYet         = zwfw.Errorf(zwfw.ECONFLICT, "本件尚未出具一次性告知书，窗口可直接告知，无须准许")
	errAllowedUnused      = zwfw.Errorf(zwfw.ECONFLICT, "已准许再次告知，窗口尚未告知")
)

// forwardable: an 上报件 goes up; a case filed here for an item a county
// platform implements goes down to it (remote.go: marked when filed).
func forwardable(_ *zwfw.Actor, c *Case) error {
	if c.Kind != catalog.KindUpward && !c.downward() {
		return errNotUpward
	}
	return nil
}

func jointOnly(_ *zwfw.Actor, c *Case) error {
	if c.Kind != catalog.KindJoint {
		return errNotJoint
	}
	return nil
}

func immediateOnly(_ *zwfw.Actor, c *Case) error {
	if c.Kind != catalog.KindImmediate {
		return errNotImmediate
	}
	return nil
}

// notImmediate: a 即办件 is settled at the window and has no review step.
func notImmediate(_ *zwfw.Actor, c *Case) error {
	if c.Kind == catalog.KindImmediate {
		return errImmediateNoReview
	}
	return nil
}

// handlerPaths are the organisations that handle a running case: the body
// an 上报件 was forwarded to; otherwise the item's department (the lead one
// of a 联办件) and the organisations above the centre it was filed at.
func handlerPaths(c *Case) []string {
	if c.Kind == catalog.KindUpward && c.HandlerPath != "" {
		return []string{c.HandlerPath}
	}
	return []string{c.DeptPath, c.OrgPath}
}

// handlerName names who handles a running case, for refusals.
func handlerName(c *Case) string {
	if c.Kind == catalog.KindUpward && c.HandlerName != "" {
		return c.HandlerName
	}
	return c.DeptName
}

// decider: an upward case is decided by the body it was forwarded to, once
// it was; a joint one by its lead department (§2(3) 四件管理); a 即办件 also
// at the window.
func decider(a *zwfw.Actor, c *Case) error {
	// Sent to another platform: decided there, applied here by the
	// exchange (remote.go), never by anyone here.
	if c.Forward != nil && c.Forward.Direction == ForwardOut {
		if a.Kind != zwfw.KindSystem || c.Forward.Waiting() {
			return errRemote(c)
		}
		return nil
	}
	if c.Kind == catalog.KindUpward && c.HandlerPath == "" {
		return errNotForwarded
	}
	in := scope.Of(a)
	if c.Kind == catalog.KindImmediate && a.Has(zwfw.RoleWindow) && in.Contains(c.OrgPath) {
		return nil
	}
	if in.ContainsAny(handlerPaths(c)...) {
		return nil
	}
	switch c.Kind {
	case catalog.KindUpward:
		return zwfw.Errorf(zwfw.EFORBIDDEN, "上报件由%s作出决定", c.HandlerName)
	case catalog.KindJoint:
		return zwfw.Errorf(zwfw.EFORBIDDEN, "联办件由主办部门%s作出统一决定", c.DeptName)
	}
	return zwfw.Errorf(zwfw.EFORBIDDEN, "本件由%s作出决定", c.DeptName)
}

// allSpoken: the lead department of a joint case decides once every
// co-department has given its opinion.
func allSpoken(_ *zwfw.Actor, c *Case) error {
	if c.Kind != catalog.KindJoint {
		return nil
	}
	for _, t := range c.Tasks {
		if !t.Lead && t.State == "pending" {
			return zwfw.Errorf(zwfw.ECONFLICT, "联办部门%s尚未提出意见，暂不能作出统一决定", t.DeptName)
		}
	}
	return nil
}

// handling: only the department handling the case starts a special
// procedure or asks for more time (限时办结制度); not the window, not a
// co-department.
func handling(a *zwfw.Actor, c *Case) error {
	if c.Forward.Waiting() {
		return errRemote(c)
	}
	if scope.Of(a).ContainsAny(handlerPaths(c)...) {
		return nil
	}
	return zwfw.Errorf(zwfw.EFORBIDDEN, "特别程序和延期由承办本件的%s办理", handlerName(c))
}

// TaskFor is the 联办 sub-task the actor's department answers for on c: its
// pending one if any, else one it already answered; nil when the actor's
// department is not a co-department of the case.
func TaskFor(a *zwfw.Actor, c *Case) *Task {
	in := scope.Of(a)
	var done *Task
	for i := range c.Tasks {
		t := &c.Tasks[i]
		if t.Lead || !in.Contains(t.DeptPath) {
			continue
		}
		if t.State == "pending" {
			return t
		}
		if done == nil {
			done = t
		}
	}
	return done
}

// coDepartment: task opinions only by a co-department that has not given
// its own yet.
func coDepartment(a *zwfw.Actor, c *Case) error {
	t := TaskFor(a, c)
	switch {
	case t == nil:
		return errNotCoDepartment
	case t.State != "pending":
		return zwfw.Errorf(zwfw.ECONFLICT, "%s已经提出意见", t.DeptName)
	}
	return nil
}

func hasDeadline(_ *zwfw.Actor, c *Case) error {
	if c.Deadline == "" {
		return errNoDeadline
	}
	return nil
}

// PendingExtension is the extension request waiting for a supervisor, if any.
func (c *Case) PendingExtension() *Extension {
	for i := range c.Extensions {
		if c.Extensions[i].State == "pending" {
			return &c.Extensions[i]
		}
	}
	return nil
}

func noPendingExtension(_ *zwfw.Actor, c *Case) error {
	if c.PendingExtension() != nil {
		return errExtensionPending
	}
	return nil
}

func pendingExtension(_ *zwfw.Actor, c *Case) error {
	if c.PendingExtension() == nil {
		return errNoExtensionPending
	}
	return nil
}

// feePaid: a fee is paid before the result is issued.
func feePaid(_ *zwfw.Actor, c *Case) error {
	if c.Decision == "approved" && c.FeeCents > 0 && !c.Paid {
		return errUnpaid
	}
	return nil
}

// evaluationsLeft: a channel of the actor's not yet used (one evaluation
// per case per channel, rating.go). The follow-up after a rectification is
// offered by internal/review, not listed here.
func evaluationsLeft(a *zwfw.Actor, c *Case) error {
	_, err := RatingChannel(a, c, "", false)
	return err
}

// oneTimeNotices counts the 一次性告知书 issued on c and the further ones a
// supervisor allowed.
func oneTimeNotices(c *Case) (issued, allowed int) {
	for _, n := range c.Notices {
		if n.Kind == NoticeOneTime {
			issued++
		}
	}
	for _, st := range c.Steps {
		if st.Action == ActAllowSecondNotice {
			allowed++
		}
	}
	return issued, allowed
}

// toldOnce: everything to fix is told once (§2(3), attachment 2 (5) 一次性
// 告知); another notice on the same application only after a supervisor
// allowed it, with a reason.
func toldOnce(_ *zwfw.Actor, c *Case) error {
	issued, allowed := oneTimeNotices(c)
	if issued > allowed {
		return errToldOnce
	}
	return nil
}

// secondNoticeWanted: a supervisor's permission is for a case already told
// once, and is given once per further notice.
func secondNoticeWanted(_ *zwfw.Actor, c *Case) error {
	issued, allowed := oneTimeNotices(c)
	switch {
	case issued == 0:
		return errNotToldYet
	case issued <= allowed:
		return errAllowedUnused
	}
	return nil
}

// dutiesSplit: where the item's steps name different posts for 审查 and 决定,
// the person who reviewed the case does not decide it (审批分离). The n-th
// review closes the item's step n; the decision is taken at the step after
// the last review.
func dutiesSplit(a *zwfw.Actor, c *Case) error {
	if a.UserID == 0 || c.item == nil {
		return nil
	}
	steps := c.item.Steps
	var mine []int
	n := 0
	for _, st := range c.Steps {
		if st.Action != ActReview {
			continue
		}
		n++
		if st.ActorID == a.UserID {
			mine = append(mine, n)
		}
	}
	if len(mine) == 0 || n+1 >= len(steps) {
		return nil
	}
	decide := steps[n+1]
	for _, i := range mine {
		if i < len(steps) && steps[i].Post != "" && decide.Post != "" && steps[i].Post != decide.Post {
			return zwfw.Errorf(zwfw.EFORBIDDEN, "%s", fmt.Sprintf("本事项的审查（%s）与决定（%s）由不同岗位办理：您已审查本件，不能再作出决定", steps[i].Post, decide.Post))
		}
	}
	return nil
}
