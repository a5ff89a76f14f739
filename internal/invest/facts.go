package invest

import (
	"encoding/json"

	"zwfw/internal/casework"
	"zwfw/internal/exchange"
)

// caseFacts are the fields of a case event's body (contract.md's
// exchange.CaseFacts, by their JSON names) the platform's events take.
type caseFacts struct {
	Serial      string `json:"serial"`
	ItemCode    string `json:"item_code"`
	ImplCode    string `json:"impl_code"`
	ItemName    string `json:"item_name"`
	DeptCode    string `json:"dept_code"`
	DeptName    string `json:"dept_name"`
	Step        string `json:"step"`
	Status      string `json:"status"`
	Deadline    string `json:"deadline"`
	Overdue     bool   `json:"overdue"`
	ProjectCode string `json:"project_code"`
}

// FromCase is the investment platform's event for a case event the county
// publishes to its city (contract.md): 受理 on case.accepted; 办结 on
// case.completed and on case.rejected (不予受理 ends the case); 办理环节 on
// every other step after filing (case.step, case.suspended,
// case.resumed). ok is false for events the platform does not take (申报,
// 送达, 评价, forwarded cases) and for cases without a project code.
func FromCase(platform string, ev *exchange.Event) (Event, bool) {
	var f caseFacts
	if ev == nil || json.Unmarshal(ev.Body, &f) != nil || f.ProjectCode == "" {
		return Event{}, false
	}
	if f.Serial == "" {
		f.Serial = ev.Case
	}
	out := Event{Platform: platform, ProjectCode: f.ProjectCode, Serial: f.Serial, ItemCode: f.ItemCode, ImplCode: f.ImplCode,
		ItemName: f.ItemName, DeptCode: f.DeptCode, DeptName: f.DeptName, Step: f.Step, Deadline: f.Deadline, At: ev.At,
		Result: casework.StatusName(f.Status)}
	if out.Result == "" {
		out.Result = f.Status
	}
	switch ev.Kind {
	case "case.accepted":
		out.Kind = KindAccepted
		if out.Step == "" {
			out.Step = "受理"
		}
	case "case.step", "case.suspended", "case.resumed":
		out.Kind = KindStep
	case "case.completed", "case.rejected":
		out.Kind = KindCompleted
		out.Overdue = f.Overdue
		if out.Step == "" {
			out.Step = "办结"
		}
	default:
		return Event{}, false
	}
	return out, true
}
