package casework

// Every case event leaves for the city platform in the case's own
// transaction (issue 14 item 2; 实施方案 §1(2) "与'市云平台'进行对接", attachment
// 1 tasks 1–2 统一申报、统一受理、统一反馈): filing, acceptance, each step,
// 特别程序, completion, delivery, rating. The exchange is internal/exchange's;
// casework only says what happened, through EventHook (exchange imports
// casework, not the other way round), like LicenceIssuer.

import (
	"context"
	"time"

	"zwfw/internal/catalog"
	"zwfw/internal/db"
)

// ActFile names the filing (申报) in an Event: it is no action of the
// machine.
const ActFile = "file"

// Event is one thing that happened to a case, told to the EventHook inside
// the transaction that makes it true.
type Event struct {
	Case       *Case         // the case as it was before (on filing: as filed)
	Item       *catalog.Item // the item version the case was filed under
	Action     string        // the machine's action, or ActFile
	Step       string        // the name of the step recorded (受理, 审查, 决定 …)
	FromStatus string        // "" on filing
	Status     string        // the status after the action
	// What the action changes that the case above does not show yet.
	Deadline    string // YYYY-MM-DD ("" when none yet)
	CompletedOn string // YYYY-MM-DD when completed
	HandledDays int    // working days from acceptance to completion
	Level       int    // evaluate: the 好差评 level given (1..5)
	At          time.Time
}

// EventHook hears every case event in its transaction; its error rolls the
// case's write back.
type EventHook interface {
	CaseEvent(ctx context.Context, tx *db.Tx, ev *Event) error
}

// SetEventHook sets the hook (app wiring; nil: nothing told).
func (s *Service) SetEventHook(h EventHook) { s.events = h }

// publish tells the hook of the action committed by a.
func (a *act) publish() error {
	if a.s.events == nil {
		return nil
	}
	ev := &Event{Case: a.c, Item: a.it, Action: a.action, Step: a.rule.step, FromStatus: a.c.Status, Status: a.next,
		Deadline: a.c.Deadline, CompletedOn: a.c.CompletedOn, HandledDays: a.c.HandledDays, Level: a.level, At: a.now}
	if v, ok := a.set["deadline"].(string); ok {
		ev.Deadline = v
	}
	if v, ok := a.set["completed_on"].(string); ok {
		ev.CompletedOn = v
		ev.HandledDays, _ = a.set["handled_days"].(int)
	}
	return a.s.events.CaseEvent(a.ctx, a.tx, ev)
}
