// Package invest is the adapter to the province's investment project
// platform (投资项目在线审批监管平台; issue 14 item 6; 实施方案附件2（五）3:
// "涉及投资项目审批的联办件，应依托全省投资项目在线审批监管平台，实现非涉密
// 投资项目'在线申报、统一受理、并联办理、依责监管、全程监察'").
//
// A case of an item that concerns investment projects (catalog.Item.
// Investment) carries the project's 全国投资项目统一代码 (casework.
// ParseProjectCode). Each of
// its events the platform expects is written to invest_outbox in the
// case's own transaction (Record) and pushed later by a job (Deliver), so
// a slow or absent platform never holds a case's transaction:
//
//	受理      (KindAccepted)   the case was accepted: 项目代码, 事项编码 (基本编码
//	                           and 实施编码), 事项名称, 办件编号, 受理部门 (code and
//	                           name), 受理时间, 承诺办结日期
//	办理环节  (KindStep)       each step after acceptance (审查, 决定, 会签,
//	                           特别程序 …): the same, 环节名称, 办理结果 (the
//	                           status after the step), 环节时间
//	办结      (KindCompleted)  completion: the same, 办结时间, 办理结果
//	                           (准予/不予), 是否超期
//
// The platform's own interface is not public: Platform is the seam a
// county plugs its client into. The default, LogPlatform, does not send
// anything anywhere — it writes to the log what would have been sent, and
// the outbox keeps each event marked as delivered to the log. It is not a
// live link to the province, and the README says so.
package invest

import (
	"context"
)

// Kinds of event the investment platform expects.
const (
	KindAccepted  = "accepted"  // 受理
	KindStep      = "step"      // 办理环节
	KindCompleted = "completed" // 办结
)

// KindName is the Chinese name of an event kind.
func KindName(k string) string {
	switch k {
	case KindAccepted:
		return "受理"
	case KindStep:
		return "办理环节"
	case KindCompleted:
		return "办结"
	}
	return k
}

// Event is one event pushed to the investment platform.
type Event struct {
	ID          int64  `json:"id"`           // the outbox's id: the platform's idempotency key with Platform
	Platform    string `json:"platform"`     // the sending platform's 区划代码
	Kind        string `json:"kind"`         // accepted, step, completed
	ProjectCode string `json:"project_code"` // 全国投资项目统一代码
	Serial      string `json:"serial"`       // 办件编号
	ItemCode    string `json:"item_code"`    // 事项基本编码
	ImplCode    string `json:"impl_code"`    // 事项实施编码
	ItemName    string `json:"item_name"`    // 事项名称
	DeptCode    string `json:"dept_code"`    // 办理部门代码
	DeptName    string `json:"dept_name"`    // 办理部门
	Step        string `json:"step"`         // 环节名称
	Result      string `json:"result"`       // 办理结果: the case's status after the event, in Chinese
	Deadline    string `json:"deadline"`     // 承诺办结日期 YYYY-MM-DD
	Overdue     bool   `json:"overdue"`      // 是否超期 (办结)
	At          int64  `json:"at"`           // when it happened, unix millis
}

// Platform is the province's investment project platform.
type Platform interface {
	// Push delivers one event; an error leaves it in the outbox to be
	// tried again later.
	Push(ctx context.Context, ev Event) error
}
