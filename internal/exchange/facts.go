package exchange

import (
	"context"
	"time"

	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/db"
)

// Case event kinds a county pushes to its city for every case (supervision,
// 统一反馈), body CaseFacts.
const (
	KindFiled     = "case.filed"     // 申报
	KindAccepted  = "case.accepted"  // 受理
	KindStep      = "case.step"      // each other step: 审查, 决定, 会签 …
	KindSuspended = "case.suspended" // 特别程序 begins
	KindResumed   = "case.resumed"   // 特别程序 ends
	KindRejected  = "case.rejected"  // 不予受理
	KindCompleted = "case.completed" // 办结
	KindDelivered = "case.delivered" // 送达
	KindRated     = "case.rated"     // 评价
)

// CaseFacts is what the city's supervision needs of a case at one event:
// no applicant's name, ID number or phone.
type CaseFacts struct {
	Serial       string `json:"serial"`
	ItemCode     string `json:"item_code"`
	ImplCode     string `json:"impl_code"`
	ItemName     string `json:"item_name"`
	Kind         string `json:"kind"` // 即办件/承诺件/联办件/上报件 codes as in casework
	Channel      string `json:"channel"`
	OrgCode      string `json:"org_code"` // the centre
	OrgName      string `json:"org_name"`
	DeptCode     string `json:"dept_code"` // the department
	DeptName     string `json:"dept_name"`
	Action       string `json:"action"` // the casework action ("file" for 申报)
	Step         string `json:"step"`
	FromStatus   string `json:"from_status"`
	Status       string `json:"status"`
	Deadline     string `json:"deadline"`     // YYYY-MM-DD
	CompletedOn  string `json:"completed_on"` // YYYY-MM-DD
	PromisedDays int    `json:"promised_days"`
	HandledDays  int    `json:"handled_days"`
	Overdue      bool   `json:"overdue"`      // completed after its deadline / past it now
	Rating       int    `json:"rating"`       // 1..5 on case.rated (好差评 level), else 0
	ProjectCode  string `json:"project_code"` // 投资项目代码 when the case has one
	FiledAt      int64  `json:"filed_at"`     // unix millis
}

// KindOf is the event kind of a casework action.
func KindOf(action string) string {
	switch action {
	case casework.ActFile:
		return KindFiled
	case casework.ActAccept:
		return KindAccepted
	case casework.ActSuspend:
		return KindSuspended
	case casework.ActResume:
		return KindResumed
	case casework.ActReject:
		return KindRejected
	case casework.ActComplete:
		return KindCompleted
	case casework.ActDeliver:
		return KindDelivered
	case casework.ActEvaluate:
		return KindRated
	}
	return KindStep
}

// Facts are the CaseFacts of a casework event.
func Facts(ev *casework.Event) CaseFacts {
	c := ev.Case
	f := CaseFacts{Serial: c.Serial, ItemCode: c.ItemCode, ItemName: c.ItemName, Kind: c.Kind, Channel: c.Channel,
		OrgCode: c.OrgCode, OrgName: c.OrgName, DeptCode: c.DeptCode, DeptName: c.DeptName,
		Action: ev.Action, Step: ev.Step, FromStatus: ev.FromStatus, Status: ev.Status,
		Deadline: ev.Deadline, CompletedOn: ev.CompletedOn, PromisedDays: c.PromisedDays, HandledDays: ev.HandledDays,
		ProjectCode: c.ProjectCode}
	if ev.Item != nil {
		f.ImplCode = ev.Item.ImplCode
	}
	if !c.SubmittedAt.IsZero() {
		f.FiledAt = c.SubmittedAt.UnixMilli()
	}
	if ev.Action == casework.ActEvaluate {
		f.Rating = ev.Level
	}
	switch {
	case f.Deadline == "":
	case f.CompletedOn != "":
		f.Overdue = f.CompletedOn > f.Deadline
	case casework.Open(ev.Status):
		f.Overdue = calendar.Date(ev.At).Format(calendar.DateLayout) > f.Deadline
	}
	return f
}

// CaseEvent publishes a case event for the city (casework.EventHook), in
// the case's transaction: nothing when no city is registered (a city
// platform has none: its own cases stay at home).
func (s *Service) CaseEvent(ctx context.Context, tx *db.Tx, ev *casework.Event) error {
	city, err := s.City(ctx)
	if err != nil || city == nil {
		return err
	}
	return s.publishAt(ctx, tx, city.Code, ev.Case.Serial, KindOf(ev.Action), Facts(ev), ev.At)
}

var _ casework.EventHook = (*Service)(nil)

// publishAt is Publish with the time the event happened.
func (s *Service) publishAt(ctx context.Context, tx *db.Tx, to, caseSerial, kind string, body any, at time.Time) error {
	return s.publish(ctx, tx, to, caseSerial, kind, body, at.UnixMilli())
}
