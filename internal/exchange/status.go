package exchange

import (
	"context"
	"fmt"
	"time"

	"zwfw"
	"zwfw/internal/db"
)

// PeerStatus is where the exchange with one peer stands, for the
// operators (the admin page, /metrics).
type PeerStatus struct {
	Peer      *Peer
	Pending   int           // events waiting to be delivered (outbox depth)
	Dead      int           // dead letters
	Delivered int           // events the peer has taken (WithDelivered only)
	Oldest    time.Time     // when the oldest waiting event happened (zero: none waits)
	Lag       time.Duration // how long it has waited
	Alert     bool          // Lag passes ZWFW_EXCHANGE_LAG_ALERT
}

// Status reports each registered peer's outbox; withDelivered also counts
// the delivered events (a scan of the peer's history: the page, not the
// metrics).
func (s *Service) Status(ctx context.Context, withDelivered bool) ([]PeerStatus, error) {
	q := s.db.Reader()
	ps, err := s.readPeers(ctx, q)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]PeerStatus, 0, len(ps))
	for _, p := range ps {
		st := PeerStatus{Peer: p}
		if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM exchange_outbox WHERE peer = ? AND state = 'pending'", p.Code).Scan(&st.Pending); err != nil {
			return nil, err
		}
		if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM exchange_outbox WHERE peer = ? AND state = 'dead'", p.Code).Scan(&st.Dead); err != nil {
			return nil, err
		}
		if st.Pending > 0 {
			var at int64
			if err := q.QueryRow(ctx, "SELECT at FROM exchange_outbox WHERE peer = ? AND state = 'pending' ORDER BY id LIMIT 1", p.Code).Scan(&at); err != nil {
				return nil, err
			}
			st.Oldest = time.UnixMilli(at)
			st.Lag = max(now.Sub(st.Oldest), 0)
			st.Alert = st.Lag > s.opt.LagAlert
		}
		if withDelivered {
			if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM exchange_outbox WHERE peer = ? AND state = 'delivered'", p.Code).Scan(&st.Delivered); err != nil {
				return nil, err
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// LagAlert is the configured threshold.
func (s *Service) LagAlert() time.Duration { return s.opt.LagAlert }

// DeadLetter is one dead outbox event, for the page.
type DeadLetter struct {
	ID        int64
	Peer      string
	EventID   string
	Case      string
	Seq       int
	Kind      string
	At        time.Time
	Attempts  int
	LastError string
}

// DeadLetters lists the dead letters, oldest first (at most limit).
func (s *Service) DeadLetters(ctx context.Context, actor *zwfw.Actor, limit int) ([]DeadLetter, error) {
	if err := s.May(ctx, actor); err != nil {
		return nil, err
	}
	return s.deadLetters(ctx, s.db.Reader(), limit)
}

func (s *Service) deadLetters(ctx context.Context, q db.Querier, limit int) ([]DeadLetter, error) {
	rows, err := q.Query(ctx, `SELECT id, peer, event_id, case_serial, seq, kind, at, attempts, last_error FROM exchange_outbox
		WHERE state = 'dead' ORDER BY peer, id LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DeadLetter
	for rows.Next() {
		var d DeadLetter
		var at int64
		if err := rows.Scan(&d.ID, &d.Peer, &d.EventID, &d.Case, &d.Seq, &d.Kind, &at, &d.Attempts, &d.LastError); err != nil {
			return nil, err
		}
		d.At = time.UnixMilli(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

// LagText is the lag in Chinese (已等待 …).
func (p PeerStatus) LagText() string { return durationText(p.Lag) }

// LagAlertText is the alert threshold in Chinese.
func (o *Overview) LagAlertText() string { return durationText(o.LagAlert) }

// durationText writes d as 3 小时 5 分, 12 分 3 秒 or 45 秒.
func durationText(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return fmt.Sprintf("%d 小时 %d 分", h, m)
	case m > 0 && s > 0:
		return fmt.Sprintf("%d 分 %d 秒", m, s)
	case m > 0:
		return fmt.Sprintf("%d 分钟", m)
	}
	return fmt.Sprintf("%d 秒", s)
}
