package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/calendar"
	"zwfw/internal/casework/rollup"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/org"
)

// ActionInput carries what an action needs; each action reads its own
// fields and ignores the rest.
type ActionInput struct {
	Version     int             `json:"version,omitempty"`      // the case version the actor saw; a mismatch is a conflict
	Opinion     string          `json:"opinion,omitempty"`      // opinion, reason
	Basis       string          `json:"basis,omitempty"`        // legal basis (reject, deny)
	Items       []string        `json:"items,omitempty"`        // notify-supplement: everything to fix, told once
	Materials   []MaterialInput `json:"materials,omitempty"`    // supplement
	Kind        string          `json:"kind,omitempty"`         // suspend: the special procedure
	Days        int             `json:"days,omitempty"`         // request-extension
	ExtensionID int64           `json:"extension_id,omitempty"` // approve-extension (default: the pending one)
	Dept        string          `json:"dept,omitempty"`         // task-approve, task-deny: the department (default: the actor's)
	Reference   string          `json:"reference,omitempty"`    // confirm-payment: bank or payment-platform reference
	Quantity    int             `json:"quantity,omitempty"`     // approve: units the fee is counted in
	Result      *Result         `json:"result,omitempty"`       // complete: certificate number, validity
	Delivery    *Delivery       `json:"delivery,omitempty"`     // deliver: onsite or post, tracking number
	Level       int             `json:"level,omitempty"`        // evaluate: 1 非常满意 … 5 非常不满意
	LevelName   string          `json:"level_name,omitempty"`   // evaluate: or the level's name
	Comment     string          `json:"comment,omitempty"`      // evaluate
	Channel     string          `json:"channel,omitempty"`      // evaluate: pc, mobile, qr, pad …
	FeeItems    []string        `json:"fee_items,omitempty"`    // approve: which of the item's fees apply, when it has several
}

// act is one action in progress, inside its transaction.
type act struct {
	s      *Service
	ctx    context.Context
	tx     *db.Tx
	actor  *zwfw.Actor
	c      *Case
	it     *catalog.Item
	in     ActionInput
	now    time.Time
	today  time.Time
	action string
	rule   rule

	lastSeq  int // the highest step number so far
	extra    int // parts of the case this action adds (hasSuspensions …)
	centreO  *org.Org
	next     string // the status the case moves to
	advance  bool   // the action completes the open step
	opinion  string // recorded on the step
	set      map[string]any
	open     *openInfo // the step that opens next (nil: none)
	tellSubj string
	tellBody string
	detail   map[string]any // for the audit entry
	level    int            // evaluate: the level given
}

type openInfo struct {
	name, person, phone string
	limit               int
}

// Act takes action on the case with serial. The case's state decides
// whether the action is allowed (409 otherwise); the actor's role and scope
// whether they may take it (403, or 404 outside their scope). Everything the
// action changes is written in one transaction; when two people act at once,
// one wins and the other gets a conflict.
func (s *Service) Act(ctx context.Context, actor *zwfw.Actor, serial, action string, in ActionInput) (*Case, error) {
	r, ok := machine[action]
	if !ok {
		return nil, zwfw.Errorf(zwfw.EBADREQUEST, "不支持的操作“%s”（可用：%s）", action, strings.Join(Actions(), "、"))
	}
	if actor == nil {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		// Inside the write transaction read only what the action needs: the
		// case row, the joint sub-tasks, the payment and the step count.
		c, err := scanCase(tx.QueryRow(ctx, caseCols+" WHERE c.serial = ?", serial))
		if err != nil {
			return notFound(serial)
		}
		if err := loadTasks(ctx, tx, c); err != nil {
			return err
		}
		if c.extras&hasPayment != 0 {
			if err := loadPayment(ctx, tx, c); err != nil {
				return err
			}
		}
		if !canSee(actor, c) {
			return notFound(serial)
		}
		if err := permitted(actor, c, action, r); err != nil {
			return err
		}
		if !slices.Contains(r.from, c.Status) {
			return zwfw.Errorf(zwfw.ECONFLICT, "办件 %s 当前状态为“%s”，不能%s", serial, StatusName(c.Status), r.step)
		}
		if in.Version != 0 && in.Version != c.Version {
			return zwfw.Errorf(zwfw.ECONFLICT, "办件 %s 已被他人处理（当前为第 %d 版，您看到的是第 %d 版），请刷新后重试", serial, c.Version, in.Version)
		}
		it, err := s.itemVersion(ctx, c.ItemCode, c.ItemVersion)
		if err != nil {
			return err
		}
		now := s.now()
		a := &act{s: s, ctx: ctx, tx: tx, actor: actor, c: c, it: it, in: in, now: now, today: calendar.Date(now),
			action: action, rule: r, next: r.to, set: map[string]any{}, detail: map[string]any{}}
		if a.next == "" {
			a.next = c.Status
		}
		if err := handlers[action](a); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(seq), 0) FROM case_steps WHERE case_id = ?", c.ID).Scan(&a.lastSeq); err != nil {
			return err
		}
		id = c.ID
		return a.commit()
	})
	if err != nil {
		return nil, err
	}
	return s.loadFresh(ctx, "c.id = ?", id)
}

var errForbidden = zwfw.Errorf(zwfw.EFORBIDDEN, "您的角色不能进行此操作")

func permitted(a *zwfw.Actor, c *Case, action string, r rule) error {
	if a.Kind == zwfw.KindSystem {
		return nil
	}
	if action == ActConfirmPayment && a.Has(zwfw.RoleWindow) {
		// 收缴分离 (attachment 2 (5)4): window staff never take money, even
		// when they also hold the cashier role.
		return zwfw.Errorf(zwfw.EFORBIDDEN, "窗口人员不得确认收款（收缴分离）：请到银行收费窗口缴费")
	}
	for _, role := range r.roles {
		if role == owner && c.ApplicantID != 0 && c.ApplicantID == a.UserID {
			return nil
		}
		if role != owner && a.Has(role) && a.IsStaff() {
			return nil
		}
	}
	// 即办件 are decided at the window (attachment 2 (5)3: 由窗口人员直接办理).
	if (action == ActApprove || action == ActDeny) && c.Kind == catalog.KindImmediate && a.Has(zwfw.RoleWindow) {
		return nil
	}
	return errForbidden
}

// commit writes the case, closes or records the step, opens the next one,
// and writes the audit entry and the applicant's notification.
func (a *act) commit() error {
	c := a.c
	cols := []string{"status = ?", "version = version + 1", "updated_at = ?", "extras = extras | ?"}
	args := []any{a.next, db.Millis(a.now), a.extra}
	keys := make([]string, 0, len(a.set))
	for k := range a.set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		cols = append(cols, k+" = ?")
		args = append(args, a.set[k])
	}
	args = append(args, c.ID, c.Version)
	res, err := a.tx.Exec(a.ctx, "UPDATE cases SET "+strings.Join(cols, ", ")+" WHERE id = ? AND version = ?", args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return zwfw.Errorf(zwfw.ECONFLICT, "办件 %s 已被他人处理，请刷新后重试", c.Serial)
	}
	seq := a.lastSeq + 1
	if a.advance {
		res, err := a.tx.Exec(a.ctx, `UPDATE case_steps SET state = 'done', action = ?, from_status = ?, to_status = ?, actor_id = ?,
			actor_name = ?, org_id = ?, window_id = ?, opinion = ?, ended_at = ? WHERE case_id = ? AND state = 'open'`,
			a.action, c.Status, a.next, nullID(a.actor.UserID), actorName(a.actor), nullID(a.actor.OrgID), nullID(a.actor.WindowID),
			a.opinion, db.Millis(a.now), c.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if err := openStep(a.ctx, a.tx, c.ID, seq, a.rule.step, a.action, c.Status, a.next, a.actor, a.now, a.opinion); err != nil {
				return err
			}
			seq++
		}
		if a.open != nil {
			if err := openNext(a.ctx, a.tx, c.ID, seq, a.open.name, a.open.person, a.open.phone, a.open.limit, a.now); err != nil {
				return err
			}
		}
	} else if err := openStep(a.ctx, a.tx, c.ID, seq, a.rule.step, a.action, c.Status, a.next, a.actor, a.now, a.opinion); err != nil {
		// The open step stays open; the action is recorded beside it.
		return err
	}
	a.detail["from"], a.detail["to"] = c.Status, a.next
	if a.opinion != "" {
		a.detail["opinion"] = a.opinion
	}
	if err := audit.Record(a.ctx, a.tx, a.now, a.actor, "case."+a.action, "case:"+c.Serial, a.detail); err != nil {
		return err
	}
	if a.tellSubj != "" {
		if err := a.s.tell(a.ctx, a.tx, c, c.Applicant, a.tellSubj, a.tellBody, a.now); err != nil {
			return err
		}
	}
	// Last: the rollup's rows are shared by every case of the same day,
	// centre, department and status; on PostgreSQL their locks are held
	// from here to the commit, so the less comes after, the better.
	return a.track()
}

// track moves the case in the supervision rollup, in the action's
// transaction.
func (a *act) track() error {
	c := a.c
	before := rollup.Case{Day: c.Day, OrgID: c.OrgID, DeptID: c.DeptID, WindowID: c.WindowID, Kind: c.Kind, Channel: c.Channel,
		Status: c.Status, Deadline: c.Deadline, CompletedOn: c.CompletedOn, HandledDays: c.HandledDays, PromisedDays: c.PromisedDays}
	if c.extras&hasEvaluations != 0 {
		e, s, err := rollup.Evaluations(a.ctx, a.tx, c.ID)
		if err != nil {
			return err
		}
		if a.action == ActEvaluate { // the new one is already written
			e, s = e-1, s-boolInt(rollup.Satisfied(a.level))
		}
		before.Evals, before.Satisfied = e, s
	}
	after := before
	after.Status = a.next
	if v, ok := a.set["deadline"].(string); ok {
		after.Deadline = v
	}
	if v, ok := a.set["window_id"].(int64); ok {
		after.WindowID = v
	}
	if v, ok := a.set["completed_on"].(string); ok {
		after.CompletedOn, after.HandledDays = v, a.set["handled_days"].(int)
	}
	if a.action == ActEvaluate {
		after.Evals++
		after.Satisfied += boolInt(rollup.Satisfied(a.level))
	}
	return rollup.Move(a.ctx, a.tx, &before, &after)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

var handlers = map[string]func(*act) error{
	ActAccept:           (*act).accept,
	ActNotifySupplement: (*act).notifySupplement,
	ActReject:           (*act).reject,
	ActSupplement:       (*act).supplement,
	ActForward:          (*act).forward,
	ActReview:           (*act).review,
	ActTaskApprove:      func(a *act) error { return a.task(true) },
	ActTaskDeny:         func(a *act) error { return a.task(false) },
	ActSuspend:          (*act).suspend,
	ActResume:           (*act).resume,
	ActRequestExtension: (*act).requestExtension,
	ActApproveExtension: (*act).approveExtension,
	ActApprove:          (*act).approve,
	ActDeny:             (*act).deny,
	ActConfirmPayment:   (*act).confirmPayment,
	ActComplete:         (*act).complete,
	ActDeliver:          (*act).deliver,
	ActArchive:          (*act).archive,
	ActEvaluate:         (*act).evaluate,
	ActWithdraw:         (*act).withdraw,
}

func (a *act) need(field, value string, min int, what string) (string, error) {
	value = strings.TrimSpace(value)
	if n := utf8.RuneCountInString(value); n < min || n > 2000 {
		return "", invalid(field, "请填写%s（%d–2000 字）", what, min)
	}
	return value, nil
}

func (a *act) centre() *org.Org {
	if a.centreO == nil {
		o, err := a.s.orgs.ByCode(a.ctx, a.c.OrgCode)
		if err != nil {
			o = &org.Org{Name: a.c.OrgName}
		}
		a.centreO = o
	}
	return a.centreO
}

// local reports whether the case's centre is a town's or a village's, below
// the county whose posts the item's steps name.
func (a *act) local() bool {
	o := a.centre()
	if o.ParentID == 0 {
		return false
	}
	r, err := a.s.orgs.ByID(a.ctx, o.ParentID)
	return err == nil && levelOf(r.Kind) != catalog.LevelCounty
}

// stepOpen opens item step i, or a generic step when the item has no more.
func (a *act) stepOpen(i int, fallback string) {
	if i == 0 && a.local() {
		a.windowOpen(fallback)
		if len(a.it.Steps) > 0 {
			a.open.name, a.open.limit = a.it.Steps[0].Name, a.it.Steps[0].LimitDays
		}
		return
	}
	if i < len(a.it.Steps) {
		st := a.it.Steps[i]
		a.open = &openInfo{name: st.Name, person: st.Post + " " + st.Person, phone: st.Phone, limit: st.LimitDays}
		return
	}
	o := a.centre()
	a.open = &openInfo{name: fallback, person: o.DisplayName(), phone: o.Phone}
}

// windowOpen opens a step the centre's windows answer for.
func (a *act) windowOpen(name string) {
	o := a.centre()
	a.open = &openInfo{name: name, person: o.DisplayName() + "窗口", phone: o.Phone}
}

func (a *act) accept() error {
	a.advance = true
	days := a.c.PromisedDays
	deadline, err := a.s.cal.AddWorkdays(a.ctx, a.today, days)
	if err != nil {
		return err
	}
	dl := deadline.Format(calendar.DateLayout)
	a.set["deadline"], a.set["accepted_at"], a.set["cur_step"] = dl, db.Millis(a.now), 1
	if a.actor.WindowID != 0 {
		a.set["window_id"] = a.actor.WindowID
	}
	a.c.Deadline = dl
	a.opinion = strings.TrimSpace(a.in.Opinion)
	switch a.c.Kind {
	case catalog.KindImmediate:
		a.windowOpen("当场办结")
	case catalog.KindUpward:
		a.windowOpen("上报上级机关")
	case catalog.KindJoint:
		if err := a.fanOut(deadline); err != nil {
			return err
		}
		a.open = &openInfo{name: "联合审查", person: a.c.DeptName + "（主办）及联办部门", phone: a.it.ConsultPhone, limit: days}
	default:
		a.stepOpen(1, "审查")
	}
	when := "当场或当日办结"
	if days > 0 {
		when = fmt.Sprintf("%d 个工作日内（%s 前）办结", days, cnDate(deadline))
	}
	body := []string{
		fmt.Sprintf("%s：", a.c.Applicant.Name),
		fmt.Sprintf("您于 %s 提交的“%s”申请，申请材料齐全、符合法定形式，本机关决定予以受理。", cnDate(a.c.SubmittedAt), a.c.ItemName),
		fmt.Sprintf("本事项为%s，承诺在受理之日起 %s。办理进度可凭办件编号 %s 在网上办事大厅查询，或扫描下方二维码查询。", catalog.KindName(a.c.Kind), when, a.c.Serial),
	}
	if err := a.notice(NoticeAcceptance, NoticeContent{Body: body, Deadline: dl}); err != nil {
		return err
	}
	a.tellSubj = "申请已受理"
	a.tellBody = fmt.Sprintf("您的“%s”（办件编号 %s）已受理，承诺%s。", a.c.ItemName, a.c.Serial, when)
	a.detail["deadline"] = dl
	return nil
}

// fanOut creates the 联办 sub-tasks: the lead department's and one per
// co-department, each with its own deadline (the co-departments a working
// day earlier, so the lead can give one unified result in time).
func (a *act) fanOut(deadline time.Time) error {
	coDays := max(1, a.c.PromisedDays-1)
	coDeadline, err := a.s.cal.AddWorkdays(a.ctx, a.today, coDays)
	if err != nil {
		return err
	}
	depts := append([]string{a.it.Dept}, a.it.CoDepts...)
	for i, code := range depts {
		d, err := org.Lookup(a.ctx, a.tx, code)
		if err != nil {
			return fmt.Errorf("casework: joint department %s: %w", code, err)
		}
		dl := coDeadline
		if i == 0 {
			dl = deadline
		}
		if _, err := a.tx.Exec(a.ctx, `INSERT INTO case_tasks (case_id, dept_id, dept_path, lead, state, deadline, created_at)
			VALUES (?, ?, ?, ?, 'pending', ?, ?)`, a.c.ID, d.ID, d.Path, i == 0, dl.Format(calendar.DateLayout), db.Millis(a.now)); err != nil {
			return err
		}
	}
	return nil
}

func (a *act) notifySupplement() error {
	a.advance = true
	var items []string
	for _, s := range a.in.Items {
		if s = strings.TrimSpace(s); s != "" {
			items = append(items, s)
		}
	}
	if len(items) == 0 {
		return invalid("items", "一次性告知须列出需要补正的全部内容")
	}
	for _, s := range items {
		if utf8.RuneCountInString(s) > 500 {
			return invalid("items", "每项补正内容不超过 500 字")
		}
	}
	a.opinion = strings.Join(items, "；")
	a.open = &openInfo{name: "补正材料", person: "申请人 " + a.c.Applicant.Name, phone: a.centre().Phone}
	body := []string{
		fmt.Sprintf("%s：", a.c.Applicant.Name),
		fmt.Sprintf("您于 %s 提交的“%s”申请，经审查，申请材料不齐全或者不符合法定形式。根据《中华人民共和国行政许可法》第三十二条，现一次性告知您需要补正的全部内容如下：", cnDate(a.c.SubmittedAt), a.c.ItemName),
	}
	if err := a.notice(NoticeOneTime, NoticeContent{Body: body, Items: items,
		Footer: "请按上述要求补正后，在网上办事大厅“我的办件”中补正提交，或携带材料到窗口办理，无须重新申请。"}); err != nil {
		return err
	}
	a.tellSubj = "请补正材料"
	a.tellBody = fmt.Sprintf("您的“%s”（%s）需要补正：%s。请登录网上办事大厅补正，无须重新申请。", a.c.ItemName, a.c.Serial, a.opinion)
	return nil
}

func (a *act) reject() error {
	a.advance = true
	reason, err := a.need("opinion", a.in.Opinion, 4, "不予受理的理由")
	if err != nil {
		return err
	}
	basis, err := a.need("basis", a.in.Basis, 4, "不予受理的法律依据")
	if err != nil {
		return err
	}
	a.opinion = reason
	a.set["closed_at"] = db.Millis(a.now)
	body := []string{
		fmt.Sprintf("%s：", a.c.Applicant.Name),
		fmt.Sprintf("您于 %s 提交的“%s”申请，经审查，本机关决定不予受理。", cnDate(a.c.SubmittedAt), a.c.ItemName),
	}
	if err := a.notice(NoticeRejection, NoticeContent{Body: body, Reason: reason, Basis: basis,
		Footer: "如不服本决定，可以自收到本通知书之日起六十日内依法申请行政复议，或者在六个月内依法提起行政诉讼。"}); err != nil {
		return err
	}
	a.tellSubj = "申请不予受理"
	a.tellBody = fmt.Sprintf("您的“%s”（%s）不予受理，理由：%s。", a.c.ItemName, a.c.Serial, reason)
	return nil
}

func (a *act) supplement() error {
	a.advance = true
	if len(a.in.Materials) == 0 {
		return invalid("materials", "请上传或递交需要补正的材料")
	}
	uploader := a.actor
	mats, err := a.s.materials(a.ctx, a.tx, uploader, a.it, a.in.Materials, false)
	if err != nil {
		return err
	}
	for _, m := range mats {
		if _, err := a.tx.Exec(a.ctx, "DELETE FROM case_materials WHERE case_id = ? AND name = ?", a.c.ID, m.Name); err != nil {
			return err
		}
		var fileID any
		if m.FileID != 0 {
			fileID = m.FileID
		}
		seq := slices.IndexFunc(a.it.Materials, func(x catalog.Material) bool { return x.Name == m.Name }) + 1
		if _, err := a.tx.Exec(a.ctx, `INSERT INTO case_materials (case_id, seq, name, file_id, sha256, file_name, size, content_type, handed_in, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.c.ID, seq, m.Name, fileID, m.SHA256, m.FileName, m.Size, m.ContentType, m.HandedIn, db.Millis(a.now)); err != nil {
			return err
		}
	}
	names := make([]string, len(mats))
	for i, m := range mats {
		names[i] = m.Name
	}
	a.opinion = "补正：" + strings.Join(names, "、")
	person, phone := responsible(a.it, 0, a.centre(), a.local())
	a.open = &openInfo{name: "受理", person: person, phone: phone}
	a.detail["materials"] = names
	return nil
}

// forward sends an 上报件 up: from a town or village to the county
// department that decides, from the county to the city centre. The
// applicant submits nothing again (attachment 2 (5)3).
func (a *act) forward() error {
	if a.c.Kind != catalog.KindUpward {
		return zwfw.Errorf(zwfw.ECONFLICT, "只有上报件需要上报")
	}
	a.advance = true
	target, err := a.upper()
	if err != nil {
		return err
	}
	a.set["handler_org_id"] = target.ID
	a.opinion = strings.TrimSpace(a.in.Opinion)
	if a.opinion == "" {
		a.opinion = "材料已审核，报送" + target.DisplayName() + "审批"
	}
	a.open = &openInfo{name: "上级审批", person: target.DisplayName(), phone: target.Phone}
	a.tellSubj = "申请已上报"
	a.tellBody = fmt.Sprintf("您的“%s”（%s）已报送%s审批，您无须重复提交材料。", a.c.ItemName, a.c.Serial, target.DisplayName())
	a.detail["handler"] = target.Code
	return nil
}

// upper finds who decides an upward case: the item's county department when
// the case was filed below the county, else the city's service centre.
func (a *act) upper() (*org.Org, error) {
	var regionKind string
	if err := a.tx.QueryRow(a.ctx, "SELECT p.kind FROM orgs o JOIN orgs p ON p.id = o.parent_id WHERE o.id = ?", a.c.OrgID).Scan(&regionKind); err != nil {
		return nil, err
	}
	if regionKind == org.KindTown || regionKind == org.KindVillage {
		return org.Lookup(a.ctx, a.tx, a.c.DeptCode)
	}
	var code string
	err := a.tx.QueryRow(a.ctx, `SELECT o.code FROM orgs o JOIN orgs p ON p.id = o.parent_id
		WHERE o.kind = 'centre' AND p.kind = 'city' ORDER BY o.sort, o.code LIMIT 1`).Scan(&code)
	if err != nil {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "没有找到上级（市级）政务服务中心，无法上报")
	}
	return org.Lookup(a.ctx, a.tx, code)
}

func (a *act) review() error {
	a.advance = true
	op, err := a.need("opinion", a.in.Opinion, 2, "审查意见")
	if err != nil {
		return err
	}
	a.opinion = op
	cur := a.curStep() + 1
	a.set["cur_step"] = cur
	a.stepOpen(cur, "决定")
	return nil
}

func (a *act) curStep() int {
	var n int
	_ = a.tx.QueryRow(a.ctx, "SELECT cur_step FROM cases WHERE id = ?", a.c.ID).Scan(&n)
	return n
}

// task records one department's opinion on a 联办件. Every department sees
// the others' results on the case.
func (a *act) task(approve bool) error {
	if a.c.Kind != catalog.KindJoint {
		return zwfw.Errorf(zwfw.ECONFLICT, "只有联办件有联办部门意见")
	}
	op, err := a.need("opinion", a.in.Opinion, 2, "部门意见")
	if err != nil {
		return err
	}
	var t *Task
	for i := range a.c.Tasks {
		tk := &a.c.Tasks[i]
		if tk.Lead {
			continue
		}
		if (a.in.Dept != "" && tk.DeptCode == a.in.Dept) || (a.in.Dept == "" && a.actor.InScope(tk.DeptPath)) {
			t = tk
			break
		}
	}
	switch {
	case t == nil:
		return zwfw.Errorf(zwfw.EFORBIDDEN, "您所在部门不是本件的联办部门")
	case !a.actor.InScope(t.DeptPath) && a.actor.Kind != zwfw.KindSystem:
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只能填写本部门的联办意见")
	case t.State != "pending":
		return zwfw.Errorf(zwfw.ECONFLICT, "%s已经提出意见", t.DeptName)
	}
	state := "denied"
	if approve {
		state = "approved"
	}
	res, err := a.tx.Exec(a.ctx, `UPDATE case_tasks SET state = ?, opinion = ?, actor_id = ?, actor_name = ?, decided_at = ?
		WHERE case_id = ? AND dept_id = (SELECT id FROM orgs WHERE code = ?) AND state = 'pending'`,
		state, op, nullID(a.actor.UserID), actorName(a.actor), db.Millis(a.now), a.c.ID, t.DeptCode)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return zwfw.Errorf(zwfw.ECONFLICT, "%s的意见已被他人提交", t.DeptName)
	}
	a.opinion = t.DeptName + "：" + op
	a.detail["dept"] = t.DeptCode
	return nil
}

func (a *act) suspend() error {
	kind := a.in.Kind
	name, ok := SuspensionKinds[kind]
	if !ok {
		return invalid("kind", "特别程序类型“%s”无效（site_survey 现场踏勘、inspection 检验检测检疫、collective 集体讨论、expert 专家论证、hearing 听证、supplement 等待补正、other 其他）", kind)
	}
	reason, err := a.need("opinion", a.in.Opinion, 4, "启动特别程序的原因")
	if err != nil {
		return err
	}
	if _, err := a.tx.Exec(a.ctx, `INSERT INTO case_suspensions (case_id, kind, reason, started_on, resume_to, actor_id, started_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, a.c.ID, kind, reason, a.today.Format(calendar.DateLayout), a.c.Status, nullID(a.actor.UserID), db.Millis(a.now)); err != nil {
		return err
	}
	a.opinion = name + "：" + reason
	a.extra |= hasSuspensions
	// 行政许可法 §45: the time is not counted, and the applicant is told.
	body := []string{
		fmt.Sprintf("%s：", a.c.Applicant.Name),
		fmt.Sprintf("您申请的“%s”（办件编号 %s）需要进行%s，原因：%s。根据《中华人民共和国行政许可法》第四十五条，所需时间不计算在办理期限内，特此告知。", a.c.ItemName, a.c.Serial, name, reason),
	}
	if err := a.notice(NoticeSuspension, NoticeContent{Body: body}); err != nil {
		return err
	}
	a.tellSubj = "办理期限暂停计算"
	a.tellBody = fmt.Sprintf("您的“%s”（%s）进入%s，期间不计入办理时限。", a.c.ItemName, a.c.Serial, name)
	a.detail["kind"] = kind
	return nil
}

// resume ends the special procedure: the deadline moves by the working days
// the clock stood still.
func (a *act) resume() error {
	var id int64
	var started, resumeTo string
	if err := a.tx.QueryRow(a.ctx, "SELECT id, started_on, resume_to FROM case_suspensions WHERE case_id = ? AND ended_on = '' ORDER BY id DESC LIMIT 1", a.c.ID).
		Scan(&id, &started, &resumeTo); err != nil {
		return zwfw.Errorf(zwfw.ECONFLICT, "办件没有进行中的特别程序")
	}
	from, _ := calendar.ParseDate(started)
	days, err := a.s.cal.WorkdaysBetween(a.ctx, from, a.today)
	if err != nil {
		return err
	}
	if _, err := a.tx.Exec(a.ctx, "UPDATE case_suspensions SET ended_on = ?, days = ?, ended_at = ? WHERE id = ?",
		a.today.Format(calendar.DateLayout), days, db.Millis(a.now), id); err != nil {
		return err
	}
	if a.c.Deadline != "" && days > 0 {
		dl, _ := calendar.ParseDate(a.c.Deadline)
		nd, err := a.s.cal.AddWorkdays(a.ctx, dl, days)
		if err != nil {
			return err
		}
		a.set["deadline"] = nd.Format(calendar.DateLayout)
		a.detail["deadline"] = a.set["deadline"]
	}
	a.next = resumeTo
	a.opinion = strings.TrimSpace(a.in.Opinion)
	if a.opinion == "" {
		a.opinion = fmt.Sprintf("特别程序结束，暂停 %d 个工作日", days)
	}
	a.detail["days"] = days
	return nil
}

func (a *act) requestExtension() error {
	if a.in.Days < 1 || a.in.Days > 30 {
		return invalid("days", "延期天数应为 1–30 个工作日")
	}
	reason, err := a.need("opinion", a.in.Opinion, 4, "延期理由")
	if err != nil {
		return err
	}
	var n int
	if err := a.tx.QueryRow(a.ctx, "SELECT COUNT(*) FROM case_extensions WHERE case_id = ? AND state = 'pending'", a.c.ID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return zwfw.Errorf(zwfw.ECONFLICT, "已有待审批的延期申请")
	}
	if _, err := a.tx.Exec(a.ctx, `INSERT INTO case_extensions (case_id, days, reason, state, requested_by, requested_at)
		VALUES (?, ?, ?, 'pending', ?, ?)`, a.c.ID, a.in.Days, reason, nullID(a.actor.UserID), db.Millis(a.now)); err != nil {
		return err
	}
	a.opinion = fmt.Sprintf("申请延期 %d 个工作日：%s", a.in.Days, reason)
	a.extra |= hasExtensions
	a.detail["days"] = a.in.Days
	return nil
}

// approveExtension extends the deadline; only a supervisor may (限时办结制度:
// 报政务中心相关管理人员审核), and the applicant is told why.
func (a *act) approveExtension() error {
	q := "SELECT id, days, reason FROM case_extensions WHERE case_id = ? AND state = 'pending'"
	args := []any{a.c.ID}
	if a.in.ExtensionID != 0 {
		q += " AND id = ?"
		args = append(args, a.in.ExtensionID)
	}
	var id int64
	var days int
	var reason string
	if err := a.tx.QueryRow(a.ctx, q+" ORDER BY id LIMIT 1", args...).Scan(&id, &days, &reason); err != nil {
		return zwfw.Errorf(zwfw.ECONFLICT, "没有待审批的延期申请")
	}
	if _, err := a.tx.Exec(a.ctx, "UPDATE case_extensions SET state = 'approved', decided_by = ?, decided_at = ?, opinion = ? WHERE id = ? AND state = 'pending'",
		nullID(a.actor.UserID), db.Millis(a.now), strings.TrimSpace(a.in.Opinion), id); err != nil {
		return err
	}
	dl, err := calendar.ParseDate(a.c.Deadline)
	if err != nil {
		return zwfw.Errorf(zwfw.ECONFLICT, "办件尚无办结期限，不能延期")
	}
	nd, err := a.s.cal.AddWorkdays(a.ctx, dl, days)
	if err != nil {
		return err
	}
	ndS := nd.Format(calendar.DateLayout)
	a.set["deadline"], a.set["extended_days"] = ndS, a.c.ExtendedDays+days
	a.opinion = fmt.Sprintf("同意延期 %d 个工作日，办结期限延至 %s", days, ndS)
	body := []string{
		fmt.Sprintf("%s：", a.c.Applicant.Name),
		fmt.Sprintf("您申请的“%s”（办件编号 %s），因%s，经批准延长办理期限 %d 个工作日，办结期限延至 %s。", a.c.ItemName, a.c.Serial, reason, days, cnDate(nd)),
	}
	if err := a.notice(NoticeExtension, NoticeContent{Body: body, Reason: reason, Deadline: ndS}); err != nil {
		return err
	}
	a.tellSubj = "办理期限延长"
	a.tellBody = fmt.Sprintf("您的“%s”（%s）因%s延期 %d 个工作日，办结期限延至 %s。", a.c.ItemName, a.c.Serial, reason, days, ndS)
	a.detail["days"], a.detail["deadline"] = days, ndS
	return nil
}

// decidable checks a decision may be taken now: an upward case only after
// it was forwarded, by the upper level; a joint case only when every
// co-department has given its opinion.
func (a *act) decidable() error {
	switch a.c.Kind {
	case catalog.KindUpward:
		if a.c.HandlerPath == "" {
			return zwfw.Errorf(zwfw.ECONFLICT, "上报件须先上报上级机关，由上级作出决定")
		}
		if !a.actor.InScope(a.c.HandlerPath) {
			return zwfw.Errorf(zwfw.EFORBIDDEN, "上报件由%s作出决定", a.c.HandlerName)
		}
	case catalog.KindJoint:
		if !a.actor.InScope(a.c.DeptPath) && !a.actor.InScope(a.c.OrgPath) {
			return zwfw.Errorf(zwfw.EFORBIDDEN, "联办件由主办部门%s作出统一决定", a.c.DeptName)
		}
		for _, t := range a.c.Tasks {
			if !t.Lead && t.State == "pending" {
				return zwfw.Errorf(zwfw.ECONFLICT, "联办部门%s尚未提出意见，暂不能作出统一决定", t.DeptName)
			}
		}
	}
	return nil
}

func (a *act) decide(approved bool) error {
	if a.c.Kind == catalog.KindJoint {
		state := "denied"
		if approved {
			state = "approved"
		}
		if _, err := a.tx.Exec(a.ctx, `UPDATE case_tasks SET state = ?, opinion = ?, actor_id = ?, actor_name = ?, decided_at = ?
			WHERE case_id = ? AND lead = TRUE`, state, a.opinion, nullID(a.actor.UserID), actorName(a.actor), db.Millis(a.now), a.c.ID); err != nil {
			return err
		}
	}
	return nil
}

func (a *act) approve() error {
	if err := a.decidable(); err != nil {
		return err
	}
	a.advance = true
	a.opinion = strings.TrimSpace(a.in.Opinion)
	if a.opinion == "" {
		a.opinion = "符合条件，准予批准"
	}
	a.set["decision"], a.set["decided_at"] = "approved", db.Millis(a.now)
	if err := a.decide(true); err != nil {
		return err
	}
	// Fees are calculated after approval from the item's fee standard
	// (attachment 2 (5)4), and paid at the bank window.
	lines, total, err := fees(a.it, a.in.FeeItems, max(a.in.Quantity, a.c.Form.Quantity, 1))
	if err != nil {
		return err
	}
	if total > 0 {
		a.next = AwaitingPayment
		a.set["fee_cents"] = total
		a.extra |= hasPayment
		no, err := a.number("payment", "缴")
		if err != nil {
			return err
		}
		items, _ := json.Marshal(lines)
		if _, err := a.tx.Exec(a.ctx, "INSERT INTO payments (case_id, notice_no, amount, items, state, created_at) VALUES (?, ?, ?, ?, 'unpaid', ?)",
			a.c.ID, no, total, string(items), db.Millis(a.now)); err != nil {
			return err
		}
		body := []string{
			fmt.Sprintf("%s：", a.c.Applicant.Name),
			fmt.Sprintf("您申请的“%s”（办件编号 %s）已获批准。请凭本通知书到%s银行收费窗口或通过网上支付缴纳以下费用，缴费后领取结果。窗口工作人员不收取现金。", a.c.ItemName, a.c.Serial, a.centre().DisplayName()),
		}
		if err := a.notice(NoticePayment, NoticeContent{Body: body, Fees: lines, Amount: total, PaymentNo: no}); err != nil {
			return err
		}
		a.open = &openInfo{name: "缴费", person: a.centre().DisplayName() + "银行收费窗口", phone: a.centre().Phone}
		a.tellSubj = "请缴纳费用"
		a.tellBody = fmt.Sprintf("您的“%s”（%s）已批准，应缴费用 %s，请到银行收费窗口或网上缴纳。", a.c.ItemName, a.c.Serial, Yuan(total))
		a.detail["fee_cents"] = total
		return nil
	}
	a.next = Approved
	a.windowOpen("办结（出具结果）")
	a.tellSubj = "申请已批准"
	a.tellBody = fmt.Sprintf("您的“%s”（%s）已批准，正在出具办理结果。", a.c.ItemName, a.c.Serial)
	return nil
}

func (a *act) deny() error {
	if err := a.decidable(); err != nil {
		return err
	}
	a.advance = true
	reason, err := a.need("opinion", a.in.Opinion, 4, "不予批准的理由")
	if err != nil {
		return err
	}
	basis, err := a.need("basis", a.in.Basis, 4, "不予批准的法律依据")
	if err != nil {
		return err
	}
	a.opinion = reason + "（依据：" + basis + "）"
	a.set["decision"], a.set["decided_at"] = "denied", db.Millis(a.now)
	if err := a.decide(false); err != nil {
		return err
	}
	a.windowOpen("办结（送达不予批准决定书）")
	a.tellSubj = "申请不予批准"
	a.tellBody = fmt.Sprintf("您的“%s”（%s）不予批准，理由：%s。", a.c.ItemName, a.c.Serial, reason)
	a.detail["basis"] = basis
	return nil
}

func (a *act) confirmPayment() error {
	a.advance = true
	ref := strings.TrimSpace(a.in.Reference)
	if utf8.RuneCountInString(ref) < 4 || utf8.RuneCountInString(ref) > 64 {
		return invalid("reference", "请填写银行缴款凭证号或支付流水号（4–64 位）")
	}
	receipt, err := a.number("receipt", "票")
	if err != nil {
		return err
	}
	channel := "bank_window"
	if a.actor.Kind == zwfw.KindSystem {
		channel = "online"
	}
	res, err := a.tx.Exec(a.ctx, `UPDATE payments SET state = 'paid', channel = ?, reference = ?, receipt_no = ?, cashier_id = ?, paid_at = ?
		WHERE case_id = ? AND state = 'unpaid'`, channel, ref, receipt, nullID(a.actor.UserID), db.Millis(a.now), a.c.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return zwfw.Errorf(zwfw.ECONFLICT, "没有待缴的费用")
	}
	a.set["paid"] = true
	a.opinion = fmt.Sprintf("收讫 %s，凭证号 %s，票据号 %s", Yuan(a.c.FeeCents), ref, receipt)
	body := []string{fmt.Sprintf("今收到 %s 缴纳“%s”（办件编号 %s）费用 %s。", a.c.Applicant.Name, a.c.ItemName, a.c.Serial, Yuan(a.c.FeeCents))}
	var lines []FeeLine
	if a.c.Payment != nil {
		lines = a.c.Payment.Items
	}
	if err := a.notice(NoticeReceipt, NoticeContent{Body: body, Fees: lines, Amount: a.c.FeeCents, PaymentNo: receipt, Reference: ref}); err != nil {
		return err
	}
	a.windowOpen("办结（出具结果）")
	a.tellSubj = "缴费成功"
	a.tellBody = fmt.Sprintf("您的“%s”（%s）费用 %s 已缴纳，票据号 %s。", a.c.ItemName, a.c.Serial, Yuan(a.c.FeeCents), receipt)
	a.detail["receipt"], a.detail["channel"] = receipt, channel
	return nil
}

func (a *act) complete() error {
	a.advance = true
	approved := a.c.Decision == "approved"
	if approved && a.c.FeeCents > 0 && !a.c.Paid {
		return zwfw.Errorf(zwfw.ECONFLICT, "费用尚未缴纳，不能办结")
	}
	r := Result{Approved: approved, Issuer: a.c.DeptName}
	if a.in.Result != nil {
		r.Number, r.ValidTo = strings.TrimSpace(a.in.Result.Number), strings.TrimSpace(a.in.Result.ValidTo)
		if r.ValidTo != "" {
			if _, err := calendar.ParseDate(r.ValidTo); err != nil {
				return invalid("result.valid_to", "有效期应为 YYYY-MM-DD")
			}
		}
	}
	if approved {
		r.Name = a.it.ResultName
	} else {
		r.Name = "不予批准决定书"
	}
	if r.Number == "" {
		no, err := a.number("result", "证")
		if err != nil {
			return err
		}
		r.Number = no
	}
	res, _ := json.Marshal(r)
	a.set["result"], a.set["completed_at"] = string(res), db.Millis(a.now)
	// For supervision: the completion date against the deadline, and the
	// working days the case took from acceptance.
	handled, err := a.s.cal.WorkdaysBetween(a.ctx, a.c.AcceptedAt, a.today)
	if err != nil {
		return err
	}
	a.set["completed_on"], a.set["handled_days"] = a.today.Format(calendar.DateLayout), max(handled, 0)
	a.opinion = fmt.Sprintf("出具%s（%s）", r.Name, r.Number)
	word := "已办结"
	if !approved {
		word = "已办结（不予批准）"
	}
	body := []string{
		fmt.Sprintf("%s：", a.c.Applicant.Name),
		fmt.Sprintf("您申请的“%s”（办件编号 %s）%s，出具%s，编号 %s。", a.c.ItemName, a.c.Serial, word, r.Name, r.Number),
	}
	if a.c.Form.Delivery == "post" {
		body = append(body, "结果将按您选择的方式邮寄送达，请保持电话畅通。")
	} else {
		body = append(body, fmt.Sprintf("请携带本人有效身份证件到%s领取。", a.centre().DisplayName()))
	}
	if err := a.notice(NoticeResult, NoticeContent{Body: body}); err != nil {
		return err
	}
	a.windowOpen("送达")
	a.tellSubj = "办件已办结"
	a.tellBody = fmt.Sprintf("您的“%s”（%s）%s，结果：%s（%s）。欢迎对本次服务进行评价。", a.c.ItemName, a.c.Serial, word, r.Name, r.Number)
	return nil
}

func (a *act) deliver() error {
	a.advance = true
	d := a.in.Delivery
	if d == nil {
		return invalid("delivery", "请选择送达方式（onsite 窗口领取或 post 邮寄）")
	}
	d.Tracking, d.Address = strings.TrimSpace(d.Tracking), strings.TrimSpace(d.Address)
	switch d.Method {
	case "onsite":
		a.opinion = "申请人窗口领取"
	case "post":
		if len(d.Tracking) < 6 || len(d.Tracking) > 40 {
			return invalid("delivery.tracking", "邮寄送达须填写快递单号")
		}
		a.opinion = "邮寄送达，快递单号 " + d.Tracking
	default:
		return invalid("delivery.method", "送达方式应为 onsite（窗口领取）或 post（邮寄）")
	}
	d.At = a.now
	b, _ := json.Marshal(d)
	a.set["delivery"] = string(b)
	a.windowOpen("归档")
	a.tellSubj = "结果已送达"
	a.tellBody = fmt.Sprintf("您的“%s”（%s）办理结果已送达：%s。", a.c.ItemName, a.c.Serial, a.opinion)
	return nil
}

// archive makes the case read-only (attachment 2 (5)5: 整理归档); from here
// only evaluation is recorded.
func (a *act) archive() error {
	a.advance = true
	a.set["closed_at"] = db.Millis(a.now)
	a.opinion = "材料、通知书、环节记录和结果已整理归档"
	return nil
}

// evaluate records a rating (好差评): one by the applicant online or on the
// hall's evaluation pad, and one change of mind at most (一次一评, a second
// evaluation is allowed once).
func (a *act) evaluate() error {
	level := a.in.Level
	if level == 0 && a.in.LevelName != "" {
		level = LevelCode(a.in.LevelName)
	}
	if level < 1 || level > 5 {
		return invalid("level", "请选择评价等级：1 非常满意、2 满意、3 基本满意、4 不满意、5 非常不满意")
	}
	comment := strings.TrimSpace(a.in.Comment)
	if level >= 4 && utf8.RuneCountInString(comment) < 2 {
		return invalid("comment", "差评请写明不满意的原因，以便整改")
	}
	if utf8.RuneCountInString(comment) > 500 {
		return invalid("comment", "评价内容不超过 500 字")
	}
	channel := a.in.Channel
	isOwner := a.c.ApplicantID != 0 && a.c.ApplicantID == a.actor.UserID
	switch {
	case isOwner && channel == "":
		channel = "pc"
	case isOwner && (channel == "pc" || channel == "mobile" || channel == "qr"):
	case !isOwner && (channel == "" || channel == "pad"):
		channel = "pad" // the window hands the applicant the evaluation pad
	default:
		return invalid("channel", "评价渠道无效")
	}
	var n int
	if err := a.tx.QueryRow(a.ctx, "SELECT COUNT(*) FROM evaluations WHERE case_id = ?", a.c.ID).Scan(&n); err != nil {
		return err
	}
	if n >= 2 {
		return zwfw.Errorf(zwfw.ECONFLICT, "本件已评价两次，不能再评价")
	}
	var staff any
	_ = a.tx.QueryRow(a.ctx, "SELECT actor_id FROM case_steps WHERE case_id = ? AND action = 'accept' LIMIT 1", a.c.ID).Scan(&staff)
	var evaluator any
	if isOwner {
		evaluator = a.actor.UserID
	}
	if _, err := a.tx.Exec(a.ctx, `INSERT INTO evaluations (case_id, level, comment, channel, evaluator, window_id, staff_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.c.ID, level, comment, channel, evaluator, nullID(a.c.WindowID), staff, db.Millis(a.now)); err != nil {
		return err
	}
	a.extra |= hasEvaluations
	a.level = level
	a.opinion = Levels[level]
	if comment != "" {
		a.opinion += "：" + comment
	}
	a.detail["level"] = level
	return nil
}

func (a *act) withdraw() error {
	a.advance = true
	a.opinion = strings.TrimSpace(a.in.Opinion)
	if a.opinion == "" {
		a.opinion = "申请人撤回申请"
	}
	if utf8.RuneCountInString(a.opinion) > 500 {
		return invalid("opinion", "撤回原因不超过 500 字")
	}
	a.set["closed_at"] = db.Millis(a.now)
	// A running special procedure ends with the case.
	if _, err := a.tx.Exec(a.ctx, "UPDATE case_suspensions SET ended_on = ?, ended_at = ? WHERE case_id = ? AND ended_on = ''",
		a.today.Format(calendar.DateLayout), db.Millis(a.now), a.c.ID); err != nil {
		return err
	}
	a.tellSubj = "申请已撤回"
	a.tellBody = fmt.Sprintf("您的“%s”（%s）已撤回。", a.c.ItemName, a.c.Serial)
	return nil
}

// cnDate writes a date the way notices do: 2026年11月26日.
func cnDate(t time.Time) string {
	t = t.In(db.Zone)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

// Yuan formats fen as yuan: 80.00 元.
func Yuan(cents int64) string {
	return fmt.Sprintf("%d.%02d 元", cents/100, cents%100)
}

// fees computes the fee lines of an item for a quantity. An item with
// several fees lists alternatives (住宅 or 非住宅): the decision names the
// ones that apply.
func fees(it *catalog.Item, pick []string, qty int) ([]FeeLine, int64, error) {
	use := it.Fees
	if len(it.Fees) > 1 {
		if len(pick) == 0 {
			names := make([]string, len(it.Fees))
			for i, f := range it.Fees {
				names[i] = f.Name
			}
			return nil, 0, invalid("fee_items", "本事项有多个收费项目，请选择适用的项目：%s", strings.Join(names, "、"))
		}
		use = nil
		for _, p := range pick {
			i := slices.IndexFunc(it.Fees, func(f catalog.Fee) bool { return f.Name == p })
			if i < 0 {
				return nil, 0, invalid("fee_items", "收费项目“%s”不是本事项的收费项目", p)
			}
			use = append(use, it.Fees[i])
		}
	}
	var lines []FeeLine
	var total int64
	for _, f := range use {
		amt := f.AmountCents * int64(qty)
		lines = append(lines, FeeLine{Name: f.Name, Standard: f.Standard, Basis: f.Basis, Quantity: qty, Unit: f.Unit, Amount: amt})
		total += amt
	}
	return lines, total, nil
}
