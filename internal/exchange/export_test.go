package exchange

import (
	"context"
	"encoding/json"
)

// Pending returns the pending events for peer, in publishing order (tests).
func (s *Service) Pending(ctx context.Context, peer string) ([]Event, error) {
	rows, err := s.db.Reader().Query(ctx, `SELECT event_id, case_serial, seq, kind, at, body FROM exchange_outbox
		WHERE peer = ? AND state = 'pending' ORDER BY id`, peer)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		ev := Event{From: s.opt.Code, To: peer}
		var body string
		if err := rows.Scan(&ev.ID, &ev.Case, &ev.Seq, &ev.Kind, &ev.At, &body); err != nil {
			return nil, err
		}
		ev.Body = json.RawMessage(body)
		out = append(out, ev)
	}
	return out, rows.Err()
}
