package exchange

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"sort"

	"zwfw"
	"zwfw/internal/db"
)

// Batch is what a sender POSTs to /api/exchange/v1/events: events for the
// receiver, each signed, and a signature over all of them (Canonical).
type Batch struct {
	From      string        `json:"from"`
	KeyID     string        `json:"key_id"`
	Events    []SignedEvent `json:"events"`
	Signature string        `json:"signature"` // base64 of the SM2 signature (ASN.1 DER) over Canonical(events)
}

// SignedEvent is an event with the sender's signature of it alone (over
// EventBytes), kept by the receiver beside the event.
type SignedEvent struct {
	Event
	Sig string `json:"sig"` // base64 of the SM2 signature over EventBytes(event)
}

// EventBytes are the bytes an event's signature covers: its JSON as
// encoding/json writes the Event (field order fixed, body compacted).
func EventBytes(ev *Event) ([]byte, error) {
	return json.Marshal(ev)
}

// Canonical are the bytes a batch's signature covers: "[" the events'
// EventBytes joined by "," "]".
func Canonical(evs []SignedEvent) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range evs {
		if i > 0 {
			b.WriteByte(',')
		}
		eb, err := EventBytes(&evs[i].Event)
		if err != nil {
			return nil, err
		}
		b.Write(eb)
	}
	b.WriteByte(']')
	return b.Bytes(), nil
}

// Statuses of an event in a Receipt.
const (
	StatusAccepted  = "accepted"  // recorded now, appliers ran
	StatusDuplicate = "duplicate" // recorded before: nothing done
	StatusGap       = "gap"       // an earlier event of its case is missing: Expected names it
	StatusFailed    = "failed"    // an applier refused it: not recorded, send again later
)

// Result is what became of one event of a batch.
type Result struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Expected int    `json:"expected,omitempty"` // gap: the seq the receiver waits for
	Error    string `json:"error,omitempty"`
}

// Receipt answers a batch, one result per event in the batch's order.
type Receipt struct {
	Results []Result `json:"results"`
}

// Gaps reports whether a result of the receipt is a gap.
func (r *Receipt) Gaps() bool {
	for _, x := range r.Results {
		if x.Status == StatusGap {
			return true
		}
	}
	return false
}

// MaxBatch bounds the events of one batch a receiver takes.
const MaxBatch = 5000

// Receive records a batch from a peer: an unknown or disabled sender is
// EFORBIDDEN, a signature that does not verify (the batch's or any
// event's) EUNAUTHORIZED, a malformed event EBADREQUEST — each refusing
// the whole batch with nothing recorded. Otherwise each event is recorded
// once by its ID, in Seq order per (from, case), its appliers run in the
// same transaction; a gap or an applier's error holds back that case's
// later events of the batch, and the receipt says so per event.
func (s *Service) Receive(ctx context.Context, b *Batch) (*Receipt, error) {
	p, err := s.Peer(ctx, b.From)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "平台 %q 未在本平台登记为对接平台，或已停用", b.From)
	}
	if b.KeyID != p.KeyID {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "签名密钥 %q 不是平台 %s 登记的密钥 %s（对方更换了密钥时须重新登记）", b.KeyID, p.Code, p.KeyID)
	}
	if len(b.Events) == 0 {
		return &Receipt{Results: []Result{}}, nil
	}
	if len(b.Events) > MaxBatch {
		return nil, zwfw.Errorf(zwfw.EBADREQUEST, "一批最多 %d 个事件", MaxBatch)
	}
	canon, err := Canonical(b.Events)
	if err != nil {
		return nil, zwfw.Errorf(zwfw.EBADREQUEST, "事件无法编码：%v", err)
	}
	sig, err := base64.StdEncoding.DecodeString(b.Signature)
	if err != nil || !p.verify(canon, sig) {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "批次签名验证失败：内容与签名不符，或不是平台 %s 登记的密钥所签", p.Code)
	}
	sigs := make([]string, len(b.Events))
	for i := range b.Events {
		ev := &b.Events[i]
		if err := s.checkEvent(p, ev); err != nil {
			return nil, err
		}
		eb, _ := EventBytes(&ev.Event)
		es, err := base64.StdEncoding.DecodeString(ev.Sig)
		if err != nil || !p.verify(eb, es) {
			return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "事件 %s 的签名验证失败", ev.ID)
		}
		sigs[i] = ev.Sig
	}
	// Seq order within each case, whatever the batch's order: each case's
	// slots of the batch take its events sorted.
	slots := map[string][]int{}
	for i := range b.Events {
		slots[b.Events[i].Case] = append(slots[b.Events[i].Case], i)
	}
	order := make([]int, len(b.Events))
	for _, idx := range slots {
		sorted := slices.Clone(idx)
		sort.SliceStable(sorted, func(x, y int) bool { return b.Events[sorted[x]].Seq < b.Events[sorted[y]].Seq })
		for k, slot := range idx {
			order[slot] = sorted[k]
		}
	}

	s.amu.RLock()
	appliers := append([]Applier(nil), s.appliers...)
	s.amu.RUnlock()
	results := make([]Result, len(b.Events))
	now := s.now().UnixMilli()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		next := map[string]int{}    // case → the seq expected next
		held := map[string]string{} // case → why its later events wait
		for _, i := range order {
			ev := &b.Events[i].Event
			r := Result{ID: ev.ID}
			want, ok := next[ev.Case]
			if !ok {
				var last int
				if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(seq), 0) FROM exchange_inbox WHERE peer = ? AND case_serial = ?", p.Code, ev.Case).Scan(&last); err != nil {
					return err
				}
				want = last + 1
			}
			switch {
			case ev.Seq < want:
				r.Status = StatusDuplicate
			case held[ev.Case] != "" || ev.Seq > want:
				r.Status, r.Expected = StatusGap, want
			default:
				err := tx.Savepoint(ctx, func() error {
					res, err := tx.Exec(ctx, `INSERT INTO exchange_inbox (event_id, peer, case_serial, seq, kind, at, body, key_id, signature, received_at)
						VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
						ev.ID, p.Code, ev.Case, ev.Seq, ev.Kind, ev.At, string(ev.Body), b.KeyID, sigs[i], now)
					if err != nil {
						return err
					}
					if n, _ := res.RowsAffected(); n == 0 {
						return errDuplicate // another process recorded it meanwhile
					}
					for _, a := range appliers {
						if err := a(ctx, tx, p, ev); err != nil {
							return err
						}
					}
					return nil
				})
				switch {
				case errors.Is(err, errDuplicate):
					r.Status = StatusDuplicate
				case err != nil && zwfw.ErrorCode(err) == zwfw.EINTERNAL:
					return err
				case err != nil:
					r.Status, r.Error = StatusFailed, zwfw.ErrorMessage(err)
					held[ev.Case] = r.Error
					s.log.Warn("exchange: an applier refused an event", "from", p.Code, "event", ev.ID, "kind", ev.Kind, "err", err)
				default:
					r.Status = StatusAccepted
					want = ev.Seq + 1
				}
			}
			next[ev.Case] = want
			results[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, r := range results {
		if r.Status == StatusAccepted {
			s.stat.received.Add(1)
		}
	}
	return &Receipt{Results: results}, nil
}

var errDuplicate = errors.New("exchange: event recorded already")

// checkEvent refuses an event that does not belong in a batch from p to
// this platform.
func (s *Service) checkEvent(p *Peer, ev *SignedEvent) error {
	switch {
	case ev.From != p.Code:
		return zwfw.Errorf(zwfw.EBADREQUEST, "事件 %s 的发送平台 %q 与批次的 %q 不符", ev.ID, ev.From, p.Code)
	case ev.To != s.opt.Code:
		return zwfw.Errorf(zwfw.EBADREQUEST, "事件 %s 的接收平台 %q 不是本平台 %s", ev.ID, ev.To, s.opt.Code)
	case ev.Case == "" || ev.Kind == "" || ev.Seq < 1:
		return zwfw.Errorf(zwfw.EBADREQUEST, "事件 %q 缺少办件编号、类型或序号", ev.ID)
	case ev.ID != EventID(ev.From, ev.Case, ev.Seq):
		return zwfw.Errorf(zwfw.EBADREQUEST, "事件编号 %q 应为 %s", ev.ID, EventID(ev.From, ev.Case, ev.Seq))
	case len(ev.Body) == 0 || !json.Valid(ev.Body):
		return zwfw.Errorf(zwfw.EBADREQUEST, "事件 %s 的内容不是 JSON", ev.ID)
	}
	return nil
}

// Received is one event in the inbox.
type Received struct {
	Event
	ReceivedAt int64 `json:"received_at"`
}

// Inbox lists the events received from peer about a case, in Seq order
// (the city's drill-down, tests).
func (s *Service) Inbox(ctx context.Context, q db.Querier, peer, caseSerial string) ([]Received, error) {
	if q == nil {
		q = s.db.Reader()
	}
	rows, err := q.Query(ctx, `SELECT event_id, peer, case_serial, seq, kind, at, body, received_at FROM exchange_inbox
		WHERE peer = ? AND case_serial = ? ORDER BY seq`, peer, caseSerial)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Received
	for rows.Next() {
		var r Received
		var body string
		if err := rows.Scan(&r.ID, &r.From, &r.Case, &r.Seq, &r.Kind, &r.At, &body, &r.ReceivedAt); err != nil {
			return nil, err
		}
		r.To = s.opt.Code
		r.Body = json.RawMessage(body)
		out = append(out, r)
	}
	return out, rows.Err()
}
