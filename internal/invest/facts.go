package invest

import (
	"context"
	"encoding/json"

	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/exchange"
)

// FromFacts is the investment platform's event for a case event (the
// facts the county tells its city, exchange.CaseFacts): 受理 on
// case.accepted; 办结 on case.completed and on case.rejected (不予受理 ends
// the case); 办理环节 on every other step after filing (case.step,
// case.suspended, case.resumed). ok is false for events the platform does
// not take (申报, 送达, 评价, forwarded cases) and for cases without a
// project code.
func FromFacts(platform, kind string, at int64, f *exchange.CaseFacts) (Event, bool) {
	if f == nil || f.ProjectCode == "" {
		return Event{}, false
	}
	out := Event{Platform: platform, ProjectCode: f.ProjectCode, Serial: f.Serial, ItemCode: f.ItemCode, ImplCode: f.ImplCode,
		ItemName: f.ItemName, DeptCode: f.DeptCode, DeptName: f.DeptName, Step: f.Step, Deadline: f.Deadline, At: at,
		Result: casework.StatusName(f.Status)}
	if out.Result == "" {
		out.Result = f.Status
	}
	switch kind {
	case exchange.KindAccepted:
		out.Kind = KindAccepted
		if out.Step == "" {
			out.Step = "受理"
		}
	case exchange.KindStep, exchange.KindSuspended, exchange.KindResumed:
		out.Kind = KindStep
	case exchange.KindCompleted, exchange.KindRejected:
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

// FromCase is FromFacts of an exchange event.
func FromCase(platform string, ev *exchange.Event) (Event, bool) {
	var f exchange.CaseFacts
	if ev == nil || json.Unmarshal(ev.Body, &f) != nil {
		return Event{}, false
	}
	if f.Serial == "" {
		f.Serial = ev.Case
	}
	return FromFacts(platform, ev.Kind, ev.At, &f)
}

// CaseEvent records the platform's event of a case event in the case's
// transaction (casework.EventHook, beside the exchange's: the same facts
// the city is told, exchange.Facts); delivery is Deliver's, later.
func (s *Service) CaseEvent(ctx context.Context, tx *db.Tx, ev *casework.Event) error {
	if ev.Case == nil || ev.Case.ProjectCode == "" {
		return nil
	}
	f := exchange.Facts(ev)
	out, ok := FromFacts(s.code, exchange.KindOf(ev.Action), ev.At.UnixMilli(), &f)
	if !ok {
		return nil
	}
	return s.Record(ctx, tx, out)
}

var _ casework.EventHook = (*Service)(nil)
