// Package review is the public's voice after a rating (好差评, GB/T
// 39735-2020; 国办发〔2019〕51号): the signed rating links (QR code, SMS),
// the ratings of staff members, and the bad-review rectification work
// order (差评整改) every 差评 opens — validity review, an owner, the
// call-back, the rectification within its working days, the explanation
// to the evaluator and the follow-up rating — with its warnings and the
// public summary of what was put right. Whether a rating may be given and
// what counts as a 差评 is casework's (rating.go); the work order's
// machine is here.
package review

import (
	"slices"

	"zwfw"
	orgscope "zwfw/internal/scope"
)

// Work order statuses.
const (
	StReview   = "review"   // 待审核: is the 差评 valid?
	StCallback = "callback" // 待回访
	StRectify  = "rectify"  // 整改中
	StFollowUp = "followup" // 待追评: result sent, the evaluator may rate again
	StClosed   = "closed"   // 已办结
	StCleared  = "cleared"  // 已核销: invalid or malicious, recorded, not counted
)

// StatusNames are the statuses in Chinese.
var StatusNames = map[string]string{StReview: "待审核", StCallback: "待回访", StRectify: "整改中", StFollowUp: "待追评",
	StClosed: "已办结", StCleared: "已核销（无效差评）"}

// Actions on a work order.
const (
	ActValidate  = "validate"  // 确认有效
	ActClear     = "clear"     // 核销无效差评
	ActAssign    = "assign"    // 指定责任单位
	ActCallback  = "callback"  // 回访
	ActExtend    = "extend"    // 延期
	ActReply     = "reply"     // 反馈整改结果
	ActSpotCheck = "spotcheck" // 抽查回访
	ActClose     = "close"     // 结案（不追评）
)

// Who may act: the supervisors (电子监察) whose subtree holds the work
// order, or the staff of its owner (the window or department responsible).
const (
	bySupervisor = "supervisor"
	byOwner      = "owner"
)

// rule is one row of the machine.
type rule struct {
	name string
	from []string
	to   string // "" keeps the status
	by   []string
	when func(w *WorkOrder) error
}

var machine = map[string]rule{
	ActValidate: {name: "确认有效", from: []string{StReview}, to: StCallback, by: []string{bySupervisor}},
	ActClear:    {name: "核销无效差评", from: []string{StReview}, to: StCleared, by: []string{bySupervisor}},
	ActAssign:   {name: "指定责任单位", from: []string{StReview, StCallback, StRectify}, by: []string{bySupervisor}},
	ActCallback: {name: "回访", from: []string{StCallback}, to: StRectify, by: []string{byOwner, bySupervisor}},
	ActExtend:   {name: "延期", from: []string{StRectify}, by: []string{byOwner, bySupervisor}, when: notExtended},
	ActReply:    {name: "反馈整改结果", from: []string{StRectify}, to: StFollowUp, by: []string{byOwner, bySupervisor}},
	ActSpotCheck: {name: "抽查回访", from: []string{StRectify, StFollowUp, StClosed}, by: []string{bySupervisor},
		when: calledBack},
	ActClose: {name: "结案（未追评）", from: []string{StFollowUp}, to: StClosed, by: []string{bySupervisor}},
}

// actionOrder lists the actions in a work order's life.
var actionOrder = []string{ActValidate, ActClear, ActAssign, ActCallback, ActExtend, ActReply, ActSpotCheck, ActClose}

// ActionName is an action's Chinese name.
func ActionName(a string) string {
	if r, ok := machine[a]; ok {
		return r.name
	}
	switch a {
	case "open":
		return "差评生成工单"
	case "followup":
		return "追评"
	}
	return a
}

var (
	errExtended  = zwfw.Errorf(zwfw.ECONFLICT, "工单已延期一次，不能再延期")
	errNotCalled = zwfw.Errorf(zwfw.ECONFLICT, "尚未回访，不能抽查")
)

func notExtended(w *WorkOrder) error {
	if w.Extended {
		return errExtended
	}
	return nil
}

func calledBack(w *WorkOrder) error {
	if !slices.ContainsFunc(w.Events, func(e Event) bool { return e.Action == ActCallback }) {
		return errNotCalled
	}
	return nil
}

// canSee: staff whose subtree holds the work order's centre or its owner.
func canSee(a *zwfw.Actor, w *WorkOrder) bool {
	if a == nil {
		return false
	}
	return orgscope.Of(a).ContainsAny(w.OrgPath, w.OwnerPath)
}

func mayAct(a *zwfw.Actor, w *WorkOrder, r *rule) bool {
	if a.Kind == zwfw.KindSystem {
		return true
	}
	if !a.IsStaff() {
		return false
	}
	for _, by := range r.by {
		switch by {
		case bySupervisor:
			if a.Has(zwfw.RoleSupervisor) && orgscope.Of(a).Contains(w.OrgPath) {
				return true
			}
		case byOwner:
			if (a.Has(zwfw.RoleWindow) || a.Has(zwfw.RoleReviewer)) &&
				(a.WindowID == w.OwnerID || orgscope.Of(a).Contains(w.OwnerPath)) {
				return true
			}
		}
	}
	return false
}

// Check says whether a may take action on w now: nil, or the refusal (404
// out of reach, 403 not theirs, 409 not in this status).
func Check(a *zwfw.Actor, w *WorkOrder, action string) error {
	r, ok := machine[action]
	if !ok {
		return zwfw.Errorf(zwfw.EBADREQUEST, "不支持的操作“%s”", action)
	}
	if a == nil {
		return zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if !canSee(a, w) {
		return zwfw.Errorf(zwfw.ENOTFOUND, "工单 %s 不存在", w.Number)
	}
	if !mayAct(a, w, &r) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "您不能对本工单%s", r.name)
	}
	if !slices.Contains(r.from, w.Status) {
		return zwfw.Errorf(zwfw.ECONFLICT, "工单 %s 当前为“%s”，不能%s", w.Number, StatusNames[w.Status], r.name)
	}
	if r.when != nil {
		return r.when(w)
	}
	return nil
}

// Action is an action the reader may take now.
type Action struct {
	Action string `json:"action"`
	Name   string `json:"name"`
}

// Allowed lists what a may do to w now: exactly what Act would not refuse.
func Allowed(a *zwfw.Actor, w *WorkOrder) []Action {
	out := []Action{}
	for _, name := range actionOrder {
		if Check(a, w, name) == nil {
			out = append(out, Action{Action: name, Name: machine[name].name})
		}
	}
	return out
}
