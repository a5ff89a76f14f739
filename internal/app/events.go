package app

import (
	"context"

	"zwfw/internal/casework"
	"zwfw/internal/db"
)

// caseEvents tells every hook of a case event, in order, in the case's
// transaction: the exchange (the city platform) and the investment
// platform's outbox (issue 14 items 2, 6). The first error rolls the
// case's write back.
type caseEvents []casework.EventHook

func (hs caseEvents) CaseEvent(ctx context.Context, tx *db.Tx, ev *casework.Event) error {
	for _, h := range hs {
		if err := h.CaseEvent(ctx, tx, ev); err != nil {
			return err
		}
	}
	return nil
}
