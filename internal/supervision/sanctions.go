package supervision

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/attendance"
	"zwfw/internal/audit"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/notify"
)

// Accountability (责任追究, 附件2 二（六）5): "窗口及其工作人员违反首问负责制度、
// 一次性告知制度、限时办结制度、考勤及请销假制度……应当追究窗口负责人、岗位责任人的
// 职责。责任追究的方式应包括：批评教育、诫勉谈话、责令写出书面检查、取消评先资格、
// 通报批评、黄牌警告、调整窗口人员等。"
//
// It lives beside the error register (errors.go) because its causes are the
// register's confirmed errors and the supervision's overdue cases, and its
// results count in the same bulletin and assessments (reports_monthly.go,
// reports_annual.go); a package of its own would have to import these back.
//
// A sanction is proposed (by a supervisor or the centre's hall manager),
// then approved or rejected by a supervisor who did not propose it; once
// approved, the person (or a window's staff) is told and may answer once in
// writing (申辩/说明). Nothing is ever edited or deleted: the proposal is one
// row, and each later step — the decision, the response, a withdrawal (撤销,
// by a supervisor, with a reason) — is one row of its own slot, at most one
// per slot (sanction_acts, UNIQUE (sanction_id, slot)).

// SanctionForm is one form of accountability the plan names.
type SanctionForm struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// SanctionForms are the seven forms of 附件2 二（六）5, in its order.
var SanctionForms = []SanctionForm{
	{"criticism", "批评教育"},
	{"admonition", "诫勉谈话"},
	{"written_review", "责令写出书面检查"},
	{"no_award", "取消评先资格"},
	{"circular", "通报批评"},
	{"yellow_card", "黄牌警告"},
	{"reassign", "调整窗口人员"},
}

// SanctionFormName is the Chinese name of a form ("" when unknown).
func SanctionFormName(code string) string {
	for _, f := range SanctionForms {
		if f.Code == code {
			return f.Name
		}
	}
	return ""
}

// Causes of a sanction.
const (
	CauseError      = "error"      // a confirmed 差错 (errors.go); ref: its number
	CauseOverdue    = "overdue"    // an overdue case (限时办结制度); ref: its serial
	CauseComplaint  = "complaint"  // a complaint (投诉); ref: its number, free text until the complaint register lands
	CauseAttendance = "attendance" // an attendance day (考勤及请销假制度); ref: the date, of the person sanctioned
)

// SanctionCauses lists the causes in display order.
var SanctionCauses = []string{CauseError, CauseOverdue, CauseComplaint, CauseAttendance}

var causeNames = map[string]string{CauseError: "确认差错", CauseOverdue: "超期办件", CauseComplaint: "投诉", CauseAttendance: "考勤记录"}

// SanctionCauseName is the Chinese name of a cause kind.
func SanctionCauseName(k string) string { return causeNames[k] }

// States of a sanction, derived from its acts.
const (
	SanProposed  = "proposed"  // 待审批
	SanApproved  = "approved"  // 已生效
	SanRejected  = "rejected"  // 未批准
	SanWithdrawn = "withdrawn" // 已撤销
)

var sanStateNames = map[string]string{SanProposed: "待审批", SanApproved: "已生效", SanRejected: "未批准", SanWithdrawn: "已撤销"}

// SanctionStateName is the Chinese name of a state.
func SanctionStateName(s string) string { return sanStateNames[s] }

// SanctionStates lists the states in display order.
var SanctionStates = []string{SanProposed, SanApproved, SanRejected, SanWithdrawn}

// Actions on a sanction after its proposal.
const (
	SanActApprove  = "approve"
	SanActReject   = "reject"
	SanActRespond  = "respond"
	SanActWithdraw = "withdraw"
)

// SanctionActions lists the actions in display order.
var SanctionActions = []string{SanActApprove, SanActReject, SanActRespond, SanActWithdraw}

// sanctionRule is one row of the sanction's machine: the states an action
// may be taken in, the slot it fills (one act per slot), who takes it.
type sanctionRule struct {
	from     []string
	slot     string
	decider  bool // a supervisor in scope (not the proposer, for the decision); else the person sanctioned
	name     string
	textName string // what its text is called; required unless optional
	optional bool
}

var sanctionMachine = map[string]sanctionRule{
	SanActApprove:  {[]string{SanProposed}, "decision", true, "批准", "审批意见", true},
	SanActReject:   {[]string{SanProposed}, "decision", true, "不予批准", "不予批准的理由", false},
	SanActRespond:  {[]string{SanApproved}, "response", false, "申辩/说明", "申辩或说明", false},
	SanActWithdraw: {[]string{SanApproved}, "withdrawal", true, "撤销", "撤销理由", false},
}

// SanctionActionName is the Chinese name of an action ("提出" for the
// proposal).
func SanctionActionName(a string) string {
	if r, ok := sanctionMachine[a]; ok {
		return r.name
	}
	if a == "propose" {
		return "提出"
	}
	return a
}

// Sanction is one recorded sanction (责任追究).
type Sanction struct {
	ID            int64         `json:"id"`
	Form          string        `json:"form"`
	FormName      string        `json:"form_name"`
	State         string        `json:"state"`
	StateName     string        `json:"state_name"`
	StaffName     string        `json:"staff_name,omitempty"`
	StaffUser     string        `json:"staff_username,omitempty"`
	WindowCode    string        `json:"window_code,omitempty"`
	WindowName    string        `json:"window_name,omitempty"`
	DeptName      string        `json:"dept_name,omitempty"`
	CauseKind     string        `json:"cause_kind"`
	CauseKindName string        `json:"cause_kind_name"`
	CauseRef      string        `json:"cause_ref"`
	CauseText     string        `json:"cause_text,omitempty"`
	Decision      string        `json:"decision"`
	ProposedBy    string        `json:"proposed_by"`
	ProposedAt    time.Time     `json:"proposed_at"`
	DecidedBy     string        `json:"decided_by,omitempty"`
	DecidedOn     string        `json:"decided_on,omitempty"` // the decision date (approval)
	DecisionNote  string        `json:"decision_note,omitempty"`
	Response      string        `json:"response,omitempty"`
	RespondedAt   time.Time     `json:"responded_at,omitzero"`
	WithdrawnBy   string        `json:"withdrawn_by,omitempty"`
	WithdrawnAt   time.Time     `json:"withdrawn_at,omitzero"`
	WithdrawNote  string        `json:"withdraw_reason,omitempty"`
	Acts          []SanctionAct `json:"acts"`

	StaffID, WindowID, DeptID, ProposedByID int64  `json:"-"`
	OrgPath                                 string `json:"-"`
}

// SanctionAct is one step of a sanction after its proposal.
type SanctionAct struct {
	Action     string    `json:"action"`
	ActionName string    `json:"action_name"`
	Text       string    `json:"text,omitempty"`
	DecidedOn  string    `json:"decided_on,omitempty"`
	ActorName  string    `json:"actor_name"`
	At         time.Time `json:"at"`
}

// SanctionInput proposes a sanction. Staff is a staff member's username,
// Window a window's code; at least one. CauseRef is the error's number, the
// case's serial, the complaint's number or the attendance date
// (YYYY-MM-DD), by CauseKind.
type SanctionInput struct {
	Form      string `json:"form"`
	Staff     string `json:"staff,omitempty"`
	Window    string `json:"window,omitempty"`
	CauseKind string `json:"cause_kind"`
	CauseRef  string `json:"cause_ref"`
	CauseText string `json:"cause_text,omitempty"`
	Decision  string `json:"decision"`
}

// SanctionActInput is an action's text, and the decision date of an
// approval (today when empty).
type SanctionActInput struct {
	Text      string `json:"text"`
	DecidedOn string `json:"decided_on,omitempty"`
}

// SanctionQuery filters the list.
type SanctionQuery struct {
	State  string
	Limit  int
	Offset int
}

// Sanctions keeps the accountability register.
type Sanctions struct {
	db  *db.DB
	now func() time.Time
	att *attendance.Service
}

// NewSanctions returns the register over d.
func NewSanctions(d *db.DB, now func() time.Time) *Sanctions { return &Sanctions{db: d, now: now} }

// SetAttendance gives the register the attendance days an attendance cause
// is checked against; without it such causes are refused.
func (s *Sanctions) SetAttendance(a *attendance.Service) { s.att = a }

// MayProposeSanctions says whether a may propose sanctions: electronic
// supervisors (电子监察) and the service centres' hall managers, who assess
// the window staff ("窗口人员由中心负责绩效考核", 附件2（九）1) — each within
// their subtree.
func MayProposeSanctions(a *zwfw.Actor) error {
	if a == nil || a.Kind != zwfw.KindStaff || !a.HasAny(zwfw.RoleSupervisor, zwfw.RoleHallManager) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有电子监察人员和大厅管理员可以提出责任追究")
	}
	return nil
}

// SanctionAllowed says whether the actor may take action on s now: the
// decision and the withdrawal belong to a supervisor (电子监察) in scope —
// never the proposer for the decision, so no sanction is approved by the
// one who asked for it — and the written response to the person sanctioned
// (or a staff member of the window sanctioned), once.
func SanctionAllowed(actor *zwfw.Actor, s *Sanction, action string) error {
	r, ok := sanctionMachine[action]
	if !ok {
		return zwfw.Errorf(zwfw.ENOTFOUND, "责任追究操作“%s”不存在", action)
	}
	if r.decider {
		if actor == nil || actor.Kind != zwfw.KindStaff || !actor.Has(zwfw.RoleSupervisor) || !actor.InScope(s.OrgPath) {
			return zwfw.Errorf(zwfw.EFORBIDDEN, "只有本级电子监察人员可以%s责任追究", r.name)
		}
		if r.slot == "decision" && actor.UserID == s.ProposedByID {
			return zwfw.Errorf(zwfw.EFORBIDDEN, "责任追究须由提出人以外的电子监察人员审批")
		}
	} else if !sanctionSubject(actor, s) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有被追究的工作人员（或窗口的工作人员）可以%s", r.name)
	}
	if action == SanActRespond && s.Response != "" {
		return zwfw.Errorf(zwfw.ECONFLICT, "已提交过申辩/说明，每项责任追究只能申辩一次")
	}
	if !slices.Contains(r.from, s.State) {
		return zwfw.Errorf(zwfw.ECONFLICT, "责任追究当前状态为“%s”，不能%s", s.StateName, r.name)
	}
	return nil
}

// Allowed lists the actions the actor may take on s now (for the pages).
func (s *Sanctions) Allowed(actor *zwfw.Actor, x *Sanction) []string {
	var out []string
	for _, a := range SanctionActions {
		if SanctionAllowed(actor, x, a) == nil {
			out = append(out, a)
		}
	}
	return out
}

func sanctionSubject(a *zwfw.Actor, s *Sanction) bool {
	if a == nil || a.Kind != zwfw.KindStaff {
		return false
	}
	return (s.StaffID != 0 && s.StaffID == a.UserID) || (s.StaffID == 0 && s.WindowID != 0 && s.WindowID == a.WindowID)
}

// mayReadSanction: supervisors, hall managers and administrators in scope,
// and the person sanctioned (or the window's staff).
func mayReadSanction(a *zwfw.Actor, s *Sanction) bool {
	if a == nil {
		return false
	}
	if a.HasAny(zwfw.RoleSupervisor, zwfw.RoleHallManager, zwfw.RoleAdmin) && a.InScope(s.OrgPath) {
		return true
	}
	return sanctionSubject(a, s)
}

func sanInvalid(field, format string, args ...any) error {
	var v zwfw.Invalid
	v.Add(field, format, args...)
	return v.Err()
}

// Propose records a new sanction with its audit entry.
func (s *Sanctions) Propose(ctx context.Context, actor *zwfw.Actor, in SanctionInput) (*Sanction, error) {
	if err := MayProposeSanctions(actor); err != nil {
		return nil, err
	}
	now := s.now()
	today := calendar.Date(now)
	var v zwfw.Invalid
	in.Form, in.CauseKind = strings.TrimSpace(in.Form), strings.TrimSpace(in.CauseKind)
	in.Staff, in.Window, in.CauseRef = strings.TrimSpace(in.Staff), strings.TrimSpace(in.Window), strings.TrimSpace(in.CauseRef)
	in.CauseText, in.Decision = strings.TrimSpace(in.CauseText), strings.TrimSpace(in.Decision)
	if SanctionFormName(in.Form) == "" {
		var names []string
		for _, f := range SanctionForms {
			names = append(names, f.Code+"（"+f.Name+"）")
		}
		v.Add("form", "追究方式“%s”无效，应为：%s", in.Form, strings.Join(names, "、"))
	}
	if in.Staff == "" && in.Window == "" {
		v.Add("staff", "请指明被追究的工作人员或窗口")
	}
	if SanctionCauseName(in.CauseKind) == "" {
		v.Add("cause_kind", "追究事由“%s”无效，应为 error（确认差错）、overdue（超期办件）、complaint（投诉）或 attendance（考勤记录）", in.CauseKind)
	}
	if in.CauseRef == "" {
		v.Add("cause_ref", "请填写事由的编号：差错编号、办件编号、投诉编号或考勤日期")
	} else if utf8.RuneCountInString(in.CauseRef) > 64 {
		v.Add("cause_ref", "事由编号不能超过 64 字")
	}
	if in.CauseKind == CauseComplaint && in.CauseText == "" {
		v.Add("cause_text", "投诉事由须说明投诉的内容")
	}
	if utf8.RuneCountInString(in.CauseText) > 2000 {
		v.Add("cause_text", "事由说明不能超过 2000 字")
	}
	if in.Decision == "" {
		v.Add("decision", "请填写追究决定的内容")
	} else if utf8.RuneCountInString(in.Decision) > 2000 {
		v.Add("decision", "追究决定不能超过 2000 字")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	q := s.db.Reader()
	var windowID, staffID, deptID, errorID, caseID int64
	var orgPath, windowPath string
	if in.Window != "" {
		var kind, path string
		var dept int64
		err := q.QueryRow(ctx, "SELECT id, kind, path, COALESCE(dept_id, 0) FROM orgs WHERE code = ?", in.Window).Scan(&windowID, &kind, &path, &dept)
		switch {
		case err != nil || kind != "window":
			v.Add("window", "窗口“%s”不存在", in.Window)
		case !actor.InScope(path):
			v.Add("window", "窗口“%s”不在您的管辖范围内", in.Window)
		default:
			orgPath, windowPath, deptID = path, path, dept
		}
	}
	if in.Staff != "" {
		var kind, path, okind, wpath string
		var win, org, odept int64
		err := q.QueryRow(ctx, `SELECT u.id, u.kind, COALESCE(u.window_id, 0), o.id, o.path, o.kind, COALESCE(w.dept_id, 0), COALESCE(w.path, '')
			FROM users u JOIN orgs o ON o.id = u.org_id LEFT JOIN orgs w ON w.id = u.window_id WHERE u.username = ?`, in.Staff).
			Scan(&staffID, &kind, &win, &org, &path, &okind, &odept, &wpath)
		switch {
		case err != nil || kind != zwfw.KindStaff:
			v.Add("staff", "工作人员“%s”不存在", in.Staff)
		case !actor.InScope(path):
			v.Add("staff", "工作人员“%s”不在您的管辖范围内", in.Staff)
		default:
			if windowID == 0 && win != 0 {
				windowID, orgPath, windowPath = win, wpath, wpath
			}
			if orgPath == "" {
				orgPath = path
			}
			if deptID == 0 {
				if okind == "dept" {
					deptID = org
				} else {
					deptID = odept
				}
			}
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	// The cause, checked against its record.
	switch in.CauseKind {
	case CauseError:
		id, err := strconv.ParseInt(in.CauseRef, 10, 64)
		var state, path string
		var est, ewin int64
		if err == nil {
			err = q.QueryRow(ctx, "SELECT state, org_path, COALESCE(staff_id, 0), COALESCE(window_id, 0) FROM sup_errors WHERE id = ?", id).
				Scan(&state, &path, &est, &ewin)
		}
		switch {
		case err != nil || !actor.InScope(path):
			v.Add("cause_ref", "差错记录“%s”不存在或不在您的管辖范围内", in.CauseRef)
		case state != ErrConfirmed:
			v.Add("cause_ref", "差错记录 %d 的状态为“%s”，只有经确认的差错可以作为追究事由", id, ErrorStateName(state))
		case !(staffID != 0 && est == staffID) && !(staffID == 0 && windowID != 0 && ewin == windowID) && !(staffID != 0 && est == 0 && ewin == windowID):
			v.Add("cause_ref", "差错记录 %d 所涉的人员或窗口与被追究对象不一致", id)
		default:
			errorID = id
		}
	case CauseOverdue:
		var cpath, dpath, deadline, status string
		var completed int64
		err := q.QueryRow(ctx, "SELECT id, org_path, dept_path, deadline, status, completed_at FROM cases WHERE serial = ?", in.CauseRef).
			Scan(&caseID, &cpath, &dpath, &deadline, &status, &completed)
		switch {
		case err != nil || (!actor.InScope(cpath) && !actor.InScope(dpath)):
			v.Add("cause_ref", "办件“%s”不存在或不在您的管辖范围内", in.CauseRef)
		case !caseOverdue(deadline, status, completed, today):
			v.Add("cause_ref", "办件“%s”没有超期（办结期限 %s），不能作为超期事由", in.CauseRef, orDash(deadline))
		}
	case CauseAttendance:
		if err := s.checkAttendance(ctx, &v, in, staffID, windowPath, today); err != nil {
			return nil, err
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = db.InsertID(ctx, tx, `INSERT INTO sanctions (form, staff_id, window_id, org_path, dept_id, cause_kind, cause_ref, cause_text,
			error_id, case_id, decision, proposed_by, proposed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			in.Form, optID(staffID), optID(windowID), orgPath, optID(deptID), in.CauseKind, in.CauseRef, in.CauseText,
			optID(errorID), optID(caseID), in.Decision, actor.UserID, db.Millis(now))
		if err != nil {
			return fmt.Errorf("supervision: propose sanction: %w", err)
		}
		if err := audit.Record(ctx, tx, now, actor, "sanction.propose", fmt.Sprintf("sanction:%d", id),
			map[string]any{"form": in.Form, "staff": in.Staff, "window": in.Window, "cause_kind": in.CauseKind, "cause_ref": in.CauseRef}); err != nil {
			return err
		}
		// Those who may decide it — the supervisors whose subtree holds it,
		// never the proposer — are told it waits for them.
		approvers, err := SupervisorsAbove(ctx, tx, orgPath)
		if err != nil {
			return err
		}
		var notes []notify.Note
		for _, uid := range approvers {
			if uid != actor.UserID {
				notes = append(notes, notify.Note{UserID: uid, Subject: "责任追究待审批",
					Body: fmt.Sprintf("%s提出了一项责任追究（%s），请审批：/supervision/sanctions/%d", actor.Name, SanctionFormName(in.Form), id)})
			}
		}
		return notify.EnqueueAll(ctx, tx, now, notes)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

// caseOverdue: completed after its deadline, or still open past it (限时办结
// 制度, 附件2（六）3), by the case's own deadline facts.
func caseOverdue(deadline, status string, completed int64, today time.Time) bool {
	if deadline == "" {
		return false
	}
	if completed != 0 {
		return db.Time(completed).Format(calendar.DateLayout) > deadline
	}
	open := strings.Contains(casework.OpenIn, "'"+status+"'")
	return open && today.Format(calendar.DateLayout) > deadline
}

func orDash(s string) string {
	if s == "" {
		return "无"
	}
	return s
}

// checkAttendance: an attendance cause names a day of the person sanctioned
// that attendance judged late, early, absent or missing a punch (考勤及请销假
// 制度, 附件2（六）4).
func (s *Sanctions) checkAttendance(ctx context.Context, v *zwfw.Invalid, in SanctionInput, staffID int64, windowPath string, today time.Time) error {
	day, err := calendar.ParseDate(in.CauseRef)
	switch {
	case staffID == 0:
		v.Add("staff", "考勤事由须指明被追究的工作人员")
		return nil
	case err != nil:
		v.Add("cause_ref", "考勤日期“%s”格式不正确，应为 YYYY-MM-DD", in.CauseRef)
		return nil
	case !day.Before(today):
		v.Add("cause_ref", "考勤日期应早于今天")
		return nil
	case s.att == nil || windowPath == "":
		v.Add("cause_ref", "没有该工作人员的考勤记录（只有窗口工作人员打卡考勤）")
		return nil
	}
	sum, err := s.att.Summarize(ctx, windowPath, day, day)
	if err != nil {
		return err
	}
	if sum.Punches == 0 {
		// Nobody at the window punched that day: attendance was not being
		// recorded, and a day without a record is no absence.
		v.Add("cause_ref", "%s 该窗口没有打卡记录，不能作为考勤事由", in.CauseRef)
		return nil
	}
	for _, p := range sum.People {
		if p.Staff != in.Staff {
			continue
		}
		for _, d := range p.Days {
			for _, st := range d.Statuses {
				if st == attendance.DayLate || st == attendance.DayEarly || st == attendance.DayAbsent || st == attendance.DayMissing {
					return nil
				}
			}
			v.Add("cause_ref", "%s 该工作人员的考勤为“%s”，没有迟到、早退、旷工或缺卡", in.CauseRef, d.Names)
			return nil
		}
	}
	v.Add("cause_ref", "%s 没有该工作人员的考勤记录", in.CauseRef)
	return nil
}

// sanctionCols reads a sanction with its state derived from its acts.
const sanctionCols = `SELECT s.id, s.form, s.cause_kind, s.cause_ref, s.cause_text, s.decision, s.proposed_at, s.org_path,
	COALESCE(s.staff_id, 0), COALESCE(s.window_id, 0), COALESCE(s.dept_id, 0), s.proposed_by,
	COALESCE(u.name, ''), COALESCE(u.username, ''), COALESCE(w.code, ''), COALESCE(w.name, ''),
	COALESCE(CASE WHEN d.full_name = '' THEN d.name ELSE d.full_name END, ''), p.name
	FROM sanctions s JOIN users p ON p.id = s.proposed_by LEFT JOIN users u ON u.id = s.staff_id
	LEFT JOIN orgs w ON w.id = s.window_id LEFT JOIN orgs d ON d.id = s.dept_id`

// Act approves or rejects (a supervisor other than the proposer), responds
// (the person sanctioned, once) or withdraws (a supervisor, with a reason) a
// sanction: one new act, its audit entry and its notifications in one
// transaction. The act's slot is unique, so a second decision, response or
// withdrawal — even a concurrent one — is refused.
func (s *Sanctions) Act(ctx context.Context, actor *zwfw.Actor, id int64, action string, in SanctionActInput) (*Sanction, error) {
	x, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if err := SanctionAllowed(actor, x, action); err != nil {
		return nil, err
	}
	r := sanctionMachine[action]
	now := s.now()
	text := strings.TrimSpace(in.Text)
	switch {
	case text == "" && !r.optional:
		return nil, sanInvalid("text", "请填写%s", r.textName)
	case utf8.RuneCountInString(text) > 2000:
		return nil, sanInvalid("text", "%s不能超过 2000 字", r.textName)
	}
	decidedOn := ""
	if action == SanActApprove {
		decidedOn = strings.TrimSpace(in.DecidedOn)
		if decidedOn == "" {
			decidedOn = calendar.Date(now).Format(calendar.DateLayout)
		} else if d, err := calendar.ParseDate(decidedOn); err != nil {
			return nil, sanInvalid("decided_on", "决定日期“%s”格式不正确，应为 YYYY-MM-DD", decidedOn)
		} else if d.After(now) {
			return nil, sanInvalid("decided_on", "决定日期不能晚于今天")
		} else if d.Before(calendar.Date(x.ProposedAt)) {
			return nil, sanInvalid("decided_on", "决定日期不能早于提出日期 %s", x.ProposedAt.In(db.Zone).Format(calendar.DateLayout))
		}
	}
	name := actor.Name
	if name == "" {
		name = actor.Username
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO sanction_acts (sanction_id, slot, action, body, decided_on, actor_id, actor_name, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, r.slot, action, text, decidedOn, actor.UserID, name, db.Millis(now)); err != nil {
			if errors.Is(db.MapError(err), db.ErrUnique) {
				return zwfw.Errorf(zwfw.ECONFLICT, "责任追究记录已被他人处理，请刷新后重试")
			}
			return fmt.Errorf("supervision: %s sanction %d: %w", action, id, err)
		}
		if err := audit.Record(ctx, tx, now, actor, "sanction."+action, fmt.Sprintf("sanction:%d", id),
			map[string]any{"from": x.State, "text": text, "decided_on": decidedOn}); err != nil {
			return err
		}
		what := x.FormName + "（" + x.CauseKindName + " " + x.CauseRef + "）"
		switch action {
		case SanActApprove:
			body := fmt.Sprintf("对您的责任追究已决定：%s。决定：%s（决定日期 %s）。您可以在责任追究记录中提交一次书面申辩或说明。", what, x.Decision, decidedOn)
			return notifySubjects(ctx, tx, now, x.StaffID, x.WindowID, "责任追究决定通知", body, "")
		case SanActWithdraw:
			return notifySubjects(ctx, tx, now, x.StaffID, x.WindowID, "责任追究撤销通知", fmt.Sprintf("对您的责任追究（%s）已撤销：%s", what, text), "")
		case SanActReject:
			return notify.Enqueue(ctx, tx, now, notify.Note{UserID: x.ProposedByID, Subject: "责任追究未获批准",
				Body: fmt.Sprintf("您提出的责任追究第 %d 号（%s）未获批准：%s", id, what, text)})
		default:
			var approver int64
			_ = tx.QueryRow(ctx, "SELECT COALESCE(actor_id, 0) FROM sanction_acts WHERE sanction_id = ? AND slot = 'decision'", id).Scan(&approver)
			for _, uid := range []int64{approver, x.ProposedByID} {
				if uid == 0 || (uid == x.ProposedByID && approver == x.ProposedByID) {
					continue
				}
				if err := notify.Enqueue(ctx, tx, now, notify.Note{UserID: uid, Subject: "责任追究申辩/说明",
					Body: fmt.Sprintf("%s对责任追究第 %d 号（%s）提交了申辩/说明：%s", name, id, what, text)}); err != nil {
					return err
				}
			}
			return nil
		}
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}
