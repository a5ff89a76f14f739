package casework

// Composite window actions, each one operation in one transaction, so that
// a failure at any step leaves the case as it was: 当场办结 of a 即办件
// (accept, approve, complete: the machine's ActInstant) and 提交并受理 (file
// a walk-in application and accept it at once: ApplyInput.Accept).

import (
	"context"
	"errors"
	"slices"

	"zwfw"
	"zwfw/internal/db"
)

// takeChain takes the steps of a composite action on c in tx, from the
// first its status allows, checking each on the case as the step before
// left it. It stops where the case's status allows no further step: a
// decision with a fee waits for the payment at the bank window.
func (s *Service) takeChain(ctx context.Context, tx *db.Tx, actor *zwfw.Actor, c *Case, action string, chain []string, in ActionInput) error {
	started := false
	for _, step := range chain {
		if !slices.Contains(machine[step].from, c.Status) {
			if started {
				return nil
			}
			continue
		}
		if started {
			if err := check(actor, c, step); err != nil {
				return inStep(action, step, err)
			}
		}
		started = true
		if err := s.take(ctx, tx, actor, c, step, stepInput(step, in)); err != nil {
			return inStep(action, step, err)
		}
		next, err := s.load(ctx, tx, "c.id = ?", c.ID)
		if err != nil {
			return err
		}
		c = next
	}
	return nil
}

// stepInput is the part of a composite action's input that one step reads:
// the opinion and fees go to the decision, the result to completion.
func stepInput(step string, in ActionInput) ActionInput {
	switch step {
	case ActApprove:
		return ActionInput{Opinion: in.Opinion, FeeItems: in.FeeItems, Quantity: in.Quantity}
	case ActComplete:
		return ActionInput{Result: in.Result}
	}
	return ActionInput{}
}

// inStep says which step of a composite action refused, and that nothing
// was done, keeping the refusal's code and field details.
func inStep(action, step string, err error) error {
	return prefixed(err, machine[action].step+"未能完成，办件未作任何改动：在“"+machine[step].step+"”一步，")
}

// prefixed puts words before a refusal's message, keeping its code and
// field details; internal errors stay as they are.
func prefixed(err error, prefix string) error {
	var e *zwfw.Error
	if !errors.As(err, &e) || e.Code == zwfw.EINTERNAL {
		return err
	}
	cp := *e
	cp.Message = prefix + e.Message
	return &cp
}
