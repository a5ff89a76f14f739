package exchange

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
)

// Delivery. Each serving process runs one sender (Run). It claims a peer's
// due events in a short transaction that first updates the peer's row — on
// PostgreSQL that row lock makes the claims of several processes on one
// database take turns, on SQLite there is one writer anyway — and leases
// them (lease_until), so no two processes send one event at once. A case's
// event is claimed only when no earlier event of the same case is still
// waiting (in backoff or leased elsewhere): seq n+1 never leaves before n
// is accepted. The batch is signed (SignBatch) and POSTed; the receipt
// marks each event delivered, or puts it back with a backoff.
//
// Failures: an unreachable peer or a 5xx backs the peer off in this
// process (exponential, with jitter, capped at MaxBackoff); a permanent
// refusal (400, 401, 403, 413) makes the batch's events dead letters at
// once, and an event refused MaxAttempts times by the peer's appliers
// too. Resend puts dead letters back.

const (
	// MaxBackoff caps the wait between two attempts.
	MaxBackoff = 5 * time.Minute
	// MaxAttempts is how many times an event may be refused by the peer
	// (status failed, or a gap that does not close) before it becomes a
	// dead letter.
	MaxAttempts = 25
	// lease is how long a claimed batch is the claimer's: longer than a
	// request may take (requestTimeout), so a live sender never loses it.
	lease          = 2 * time.Minute
	requestTimeout = 60 * time.Second
	// pollEvery is how often the sender looks at the outbox when no commit
	// woke it (another process published, its notification was lost).
	pollEvery = 2 * time.Second
	// gather is how long the sender lets a commit's wake-up wait before it
	// claims, so that the events of the commits meanwhile go in the same
	// batch: each claim and each settlement is a write transaction, and on
	// SQLite's single writer one pair per case action took the writes of
	// a four-client load from 789 to 296 a second (BENCHMARKS.md).
	gather = 200 * time.Millisecond
)

// backoff is the wait before attempt n+1 after n failures: 1 s, 2 s, 4 s …
// capped at MaxBackoff, with full jitter in its upper half.
func backoff(base time.Duration, n int) time.Duration {
	if n < 1 {
		n = 1
	}
	d := base
	for i := 1; i < n && d < MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, MaxBackoff)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// sender is a process's delivery state: each peer's backoff.
type sender struct {
	mu       sync.Mutex
	failures map[string]int       // peer → failed requests in a row
	retryAt  map[string]time.Time // peer → not before
}

// outRow is one claimed outbox row.
type outRow struct {
	id int64
	ev Event
}

// claim leases up to limit due events of peer, in publishing order, none
// of them after a waiting event of its own case.
func (s *Service) claim(ctx context.Context, peer string, limit int) ([]outRow, error) {
	now := s.now().UnixMilli()
	var out []outRow
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		out = out[:0]
		// The peer's row lock: claims of one peer take turns.
		res, err := tx.Exec(ctx, "UPDATE exchange_peers SET last_sent_at = last_sent_at WHERE code = ? AND enabled", peer)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		rows, err := tx.Query(ctx, `SELECT id, event_id, case_serial, seq, kind, at, body, next_at, lease_until FROM exchange_outbox
			WHERE peer = ? AND state = 'pending' ORDER BY id LIMIT ?`, peer, limit*4)
		if err != nil {
			return err
		}
		blocked := map[string]bool{}
		for rows.Next() {
			var r outRow
			var body string
			var nextAt, leased int64
			if err := rows.Scan(&r.id, &r.ev.ID, &r.ev.Case, &r.ev.Seq, &r.ev.Kind, &r.ev.At, &body, &nextAt, &leased); err != nil {
				rows.Close()
				return err
			}
			if blocked[r.ev.Case] || nextAt > now || leased > now {
				blocked[r.ev.Case] = true
				continue
			}
			if len(out) < limit {
				r.ev.From, r.ev.To, r.ev.Body = s.opt.Code, peer, json.RawMessage(body)
				out = append(out, r)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) == 0 {
			return nil
		}
		// A case with a dead letter waits for its resending: what follows
		// it would only be refused as a gap.
		if out, err = s.behindDead(ctx, tx, peer, out); err != nil || len(out) == 0 {
			return err
		}
		ids := make([]any, 0, len(out)+1)
		ids = append(ids, now+lease.Milliseconds())
		for _, r := range out {
			ids = append(ids, r.id)
		}
		_, err = tx.Exec(ctx, "UPDATE exchange_outbox SET lease_until = ? WHERE id IN ("+placeholders(len(out))+")", ids...)
		return err
	})
	return out, err
}

// behindDead drops the rows of cases that have a dead letter.
func (s *Service) behindDead(ctx context.Context, tx *db.Tx, peer string, rows []outRow) ([]outRow, error) {
	var dead []string
	r, err := tx.Query(ctx, "SELECT DISTINCT case_serial FROM exchange_outbox WHERE peer = ? AND state = 'dead'", peer)
	if err != nil {
		return nil, err
	}
	for r.Next() {
		var c string
		if err := r.Scan(&c); err != nil {
			r.Close()
			return nil, err
		}
		dead = append(dead, c)
	}
	r.Close()
	if err := r.Err(); err != nil || len(dead) == 0 {
		return rows, err
	}
	kept := rows[:0]
	for _, x := range rows {
		if !slices.Contains(dead, x.ev.Case) {
			kept = append(kept, x)
		}
	}
	return kept, nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// deliverError is a failed request: permanent when the peer refused the
// batch itself (it will refuse it again).
type deliverError struct {
	status    int
	permanent bool
	msg       string
}

func (e *deliverError) Error() string { return e.msg }

// post sends the batch to the peer and returns its receipt.
func (s *Service) post(ctx context.Context, p *Peer, b *Batch) (*Receipt, error) {
	raw, err := json.Marshal(b)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL+"/api/exchange/v1/events", bytes.NewReader(raw))
	if err != nil {
		return nil, &deliverError{permanent: true, msg: "对方平台的地址有误：" + err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := s.client.Do(req)
	if err != nil {
		return nil, &deliverError{msg: "连接对方平台失败：" + err.Error()}
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return nil, &deliverError{msg: "读取对方平台的答复失败：" + err.Error()}
	}
	var out struct {
		Results []Result `json:"results"`
		Error   *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &out)
	switch {
	case res.StatusCode == http.StatusOK || (res.StatusCode == http.StatusConflict && out.Results != nil):
		if len(out.Results) != len(b.Events) {
			return nil, &deliverError{status: res.StatusCode, msg: fmt.Sprintf("对方平台的答复有 %d 个结果，发送了 %d 个事件", len(out.Results), len(b.Events))}
		}
		return &Receipt{Results: out.Results}, nil
	}
	msg := fmt.Sprintf("对方平台答复 %d", res.StatusCode)
	if out.Error != nil {
		msg += "：" + out.Error.Message
	}
	switch res.StatusCode {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		return nil, &deliverError{status: res.StatusCode, permanent: true, msg: msg}
	}
	return nil, &deliverError{status: res.StatusCode, msg: msg}
}

// DeliverOnce sends one batch to peer when one is due and the peer is not
// in backoff. It reports how many events the peer took (accepted or had
// already).
func (s *Service) DeliverOnce(ctx context.Context, p *Peer) (int, error) {
	if wait := s.backoffLeft(p.Code); wait > 0 {
		return 0, nil
	}
	rows, err := s.claim(ctx, p.Code, s.opt.Batch)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	evs := make([]Event, len(rows))
	for i, r := range rows {
		evs[i] = r.ev
	}
	b, err := s.SignBatch(ctx, evs)
	if err != nil {
		s.release(ctx, rows)
		return 0, err
	}
	rc, err := s.post(ctx, p, b)
	if err != nil {
		s.stat.failed.Add(1)
		var de *deliverError
		if !errors.As(err, &de) {
			de = &deliverError{msg: err.Error()}
		}
		s.failed(ctx, p, rows, de)
		return 0, err
	}
	s.succeeded(p.Code)
	return s.settle(ctx, p, rows, rc)
}

// settle records the peer's receipt of claimed rows.
func (s *Service) settle(ctx context.Context, p *Peer, rows []outRow, rc *Receipt) (int, error) {
	now := s.now()
	took := 0
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		took = 0
		var done []any
		for i, r := range rows {
			res := rc.Results[i]
			if res.ID != r.ev.ID {
				return fmt.Errorf("exchange: receipt names %s for %s", res.ID, r.ev.ID)
			}
			switch res.Status {
			case StatusAccepted, StatusDuplicate:
				done = append(done, r.id)
			case StatusGap:
				// The peer waits for an earlier event: if it had it
				// delivered (the peer lost it, e.g. restored from a
				// backup), send it again from there.
				if res.Expected > 0 && res.Expected < r.ev.Seq {
					if _, err := tx.Exec(ctx, `UPDATE exchange_outbox SET state = 'pending', next_at = 0, lease_until = 0
						WHERE peer = ? AND case_serial = ? AND seq >= ? AND seq < ? AND state = 'delivered'`,
						p.Code, r.ev.Case, res.Expected, r.ev.Seq); err != nil {
						return err
					}
				}
				if err := s.retryRow(ctx, tx, r.id, fmt.Sprintf("对方平台等待序号 %d 的事件", res.Expected), now); err != nil {
					return err
				}
			default:
				if err := s.retryRow(ctx, tx, r.id, "对方平台处理失败："+res.Error, now); err != nil {
					return err
				}
			}
		}
		if len(done) > 0 {
			args := append([]any{now.UnixMilli()}, done...)
			if _, err := tx.Exec(ctx, "UPDATE exchange_outbox SET state = 'delivered', delivered_at = ?, lease_until = 0 WHERE id IN ("+placeholders(len(done))+")", args...); err != nil {
				return err
			}
			took = len(done)
		}
		_, err := tx.Exec(ctx, "UPDATE exchange_peers SET last_sent_at = ? WHERE code = ?", now.UnixMilli(), p.Code)
		return err
	})
	if err == nil {
		s.stat.sent.Add(int64(took))
	}
	return took, err
}

// retryRow puts a row the peer refused back with a backoff, or into the
// dead letters after MaxAttempts.
func (s *Service) retryRow(ctx context.Context, tx *db.Tx, id int64, why string, now time.Time) error {
	var attempts int
	if err := tx.QueryRow(ctx, "UPDATE exchange_outbox SET attempts = attempts + 1, lease_until = 0, last_error = ? WHERE id = ? RETURNING attempts", why, id).Scan(&attempts); err != nil {
		return err
	}
	if attempts >= MaxAttempts {
		_, err := tx.Exec(ctx, "UPDATE exchange_outbox SET state = 'dead' WHERE id = ?", id)
		return err
	}
	_, err := tx.Exec(ctx, "UPDATE exchange_outbox SET next_at = ? WHERE id = ?", now.Add(backoff(s.base(), attempts)).UnixMilli(), id)
	return err
}

// failed records a failed request: the rows go back (or, on a permanent
// refusal, into the dead letters) and the peer backs off.
func (s *Service) failed(ctx context.Context, p *Peer, rows []outRow, de *deliverError) {
	now := s.now()
	n := s.backOff(p.Code)
	s.log.Warn("exchange: delivery failed", "peer", p.Code, "events", len(rows), "status", de.status, "permanent", de.permanent, "attempt", n, "err", de.msg)
	err := s.db.InTx(context.WithoutCancel(ctx), func(tx *db.Tx) error {
		ids := make([]any, 0, len(rows)+2)
		state := "pending"
		if de.permanent {
			state = "dead"
		}
		ids = append(ids, state, de.msg)
		for _, r := range rows {
			ids = append(ids, r.id)
		}
		if _, err := tx.Exec(ctx, "UPDATE exchange_outbox SET state = ?, last_error = ?, lease_until = 0 WHERE id IN ("+placeholders(len(rows))+")", ids...); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE exchange_peers SET last_error = ?, last_error_at = ? WHERE code = ?", de.msg, now.UnixMilli(), p.Code)
		return err
	})
	if err != nil {
		s.log.Error("exchange: recording a failed delivery", "peer", p.Code, "err", err)
	}
}

// release gives claimed rows back untouched (the batch was never sent).
func (s *Service) release(ctx context.Context, rows []outRow) {
	ids := make([]any, len(rows))
	for i, r := range rows {
		ids[i] = r.id
	}
	if err := s.db.InTx(context.WithoutCancel(ctx), func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE exchange_outbox SET lease_until = 0 WHERE id IN ("+placeholders(len(rows))+")", ids...)
		return err
	}); err != nil {
		s.log.Error("exchange: releasing a batch", "err", err)
	}
}

func (s *Service) base() time.Duration {
	if s.opt.RetryBase > 0 {
		return s.opt.RetryBase
	}
	return time.Second
}

// backOff counts a failed request to peer and sets its next attempt.
func (s *Service) backOff(peer string) int {
	s.snd.mu.Lock()
	defer s.snd.mu.Unlock()
	if s.snd.failures == nil {
		s.snd.failures, s.snd.retryAt = map[string]int{}, map[string]time.Time{}
	}
	s.snd.failures[peer]++
	n := s.snd.failures[peer]
	s.snd.retryAt[peer] = time.Now().Add(backoff(s.base(), n))
	return n
}

func (s *Service) succeeded(peer string) {
	s.snd.mu.Lock()
	defer s.snd.mu.Unlock()
	delete(s.snd.failures, peer)
	delete(s.snd.retryAt, peer)
}

// backoffLeft is how long the peer is still in backoff in this process.
func (s *Service) backoffLeft(peer string) time.Duration {
	s.snd.mu.Lock()
	defer s.snd.mu.Unlock()
	return time.Until(s.snd.retryAt[peer])
}

// Run delivers until ctx ends: each peer's due events, batch after batch
// while there are some; then it waits for a commit that published (Wake),
// a peer's backoff to pass, or pollEvery.
func (s *Service) Run(ctx context.Context) {
	// A process killed while it sent left its batch leased; when it was
	// the only process on the database, nobody else is sending it.
	if s.db.SingleProcess() {
		if err := s.db.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE exchange_outbox SET lease_until = 0 WHERE state = 'pending' AND lease_until > 0")
			return err
		}); err != nil {
			s.log.Warn("exchange: clearing leases", "err", err)
		}
	}
	var checked time.Time
	for ctx.Err() == nil {
		wait := pollEvery
		if time.Since(checked) >= lagCheckEvery {
			checked = time.Now()
			s.checkLag(ctx)
		}
		ps, err := s.loadPeers(ctx)
		if err != nil {
			s.log.Warn("exchange: peers", "err", err)
		}
		busy := false
		for _, p := range ps {
			if !p.Enabled || p.Code == s.opt.Code {
				continue
			}
			if left := s.backoffLeft(p.Code); left > 0 {
				wait = min(wait, left)
				continue
			}
			n, err := s.DeliverOnce(ctx, p)
			if err != nil {
				if left := s.backoffLeft(p.Code); left > 0 {
					wait = min(wait, left)
				}
				var de *deliverError
				if !errors.As(err, &de) && ctx.Err() == nil {
					s.log.Error("exchange: delivery", "peer", p.Code, "err", err)
				}
				continue
			}
			if n > 0 {
				busy = true
			}
		}
		if busy {
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.wake:
			t.Stop()
			g := time.NewTimer(gather)
			select {
			case <-ctx.Done():
				g.Stop()
				return
			case <-g.C:
			}
		case <-t.C:
		}
	}
}

// Resend puts dead letters back in the queue: all of them (id 0), or the
// one outbox row id. It returns how many.
func (s *Service) Resend(ctx context.Context, actor *zwfw.Actor, id int64) (int, error) {
	if err := s.May(ctx, actor); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		q, args := "UPDATE exchange_outbox SET state = 'pending', attempts = 0, next_at = 0, lease_until = 0 WHERE state = 'dead'", []any{}
		if id != 0 {
			q += " AND id = ?"
			args = append(args, id)
		}
		res, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		if id != 0 && n == 0 {
			return zwfw.Errorf(zwfw.ENOTFOUND, "没有编号为 %d 的死信", id)
		}
		if err := tx.Changed(ctx, outboxTopic, ""); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), actor, "exchange.resend", fmt.Sprintf("exchange_outbox:%d", id), map[string]any{"count": n})
	})
	if err != nil {
		return 0, err
	}
	s.snd.mu.Lock()
	s.snd.failures, s.snd.retryAt = nil, nil
	s.snd.mu.Unlock()
	return int(n), nil
}

// lagCheckEvery is how often the sender compares the lag with the alert
// threshold and says so in the log.
const lagCheckEvery = 30 * time.Second

// checkLag writes a warning for each peer whose oldest waiting event is
// older than ZWFW_EXCHANGE_LAG_ALERT (the page shows a banner, /metrics
// the gauge).
func (s *Service) checkLag(ctx context.Context) {
	sts, err := s.Status(ctx, false)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("exchange: status", "err", err)
		}
		return
	}
	for _, st := range sts {
		if st.Alert {
			s.log.Warn("exchange: lag over the alert threshold", "peer", st.Peer.Code, "lag", st.Lag.Round(time.Second).String(),
				"threshold", s.opt.LagAlert.String(), "pending", st.Pending, "dead", st.Dead, "last_error", st.Peer.LastError)
		}
	}
}
