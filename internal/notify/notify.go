// Package notify is the notification outbox. A change that someone must hear
// about (a case accepted, a supplement needed, a payment due …) writes its
// messages into the notifications table in the same transaction as the
// change itself, so nothing is announced that did not happen and nothing that
// happened goes unannounced. A dispatcher then hands each message to the
// sender of its channel. In-app messages are delivered by being stored.
package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/pii"
)

// Channels.
const (
	InApp = "inapp" // 站内消息: always
	SMS   = "sms"   // 短信
	Email = "email" // 电子邮件
)

// States of a message.
const (
	Pending   = "pending"
	Sending   = "sending"
	Sent      = "sent"
	Failed    = "failed"
	Delivered = "delivered" // in-app: stored is delivered
	Withheld  = "withheld"  // never to be sent: the demo's applicants are not real people
)

// Message is one notification to one person.
type Message struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"-"`
	Channel    string    `json:"channel"`
	Address    string    `json:"-"` // phone number or e-mail address
	Subject    string    `json:"subject"`
	Body       string    `json:"body"`
	CaseSerial string    `json:"case_serial,omitempty"`
	State      string    `json:"state"`
	Read       bool      `json:"read"`
	CreatedAt  time.Time `json:"created_at"`
}

// Note is what a change wants said, to whom.
type Note struct {
	UserID     int64  // the recipient's account, when there is one
	Phone      string // for SMS
	Email      string // for e-mail
	Subject    string
	Body       string
	CaseSerial string
}

// Enqueue writes a note into the outbox inside tx: an in-app message when
// the recipient has an account, and an SMS (and e-mail) when an address is
// known.
func Enqueue(ctx context.Context, tx *db.Tx, at time.Time, n Note) error {
	return EnqueueAll(ctx, tx, at, []Note{n})
}

// enqueueRows bounds the rows of one INSERT (8 parameters each).
const enqueueRows = 100

// EnqueueAll writes many notes as Enqueue does, in a few multi-row INSERTs:
// a warning scan that announces thousands of warnings at once would
// otherwise spend its time in round trips.
func EnqueueAll(ctx context.Context, tx *db.Tx, at time.Time, notes []Note) error {
	var rows []any
	ring := pii.Of(tx) // the recipient's phone or e-mail address is stored sealed
	add := func(channel, address, state string, n Note) {
		var uid any
		if n.UserID != 0 {
			uid = n.UserID
		}
		rows = append(rows, uid, channel, ring.Seal(pii.NotificationAddr.Label(), address), n.Subject, n.Body, n.CaseSerial, state, db.Millis(at))
	}
	for _, n := range notes {
		if n.UserID != 0 {
			add(InApp, "", Delivered, n)
		}
		if n.Phone != "" {
			add(SMS, n.Phone, Pending, n)
		}
		if n.Email != "" {
			add(Email, n.Email, Pending, n)
		}
	}
	const cols = 8
	for len(rows) > 0 {
		k := min(len(rows)/cols, enqueueRows)
		q := "INSERT INTO notifications (user_id, channel, address, subject, body, case_serial, state, created_at) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?), ", k), ", ")
		if err := tx.Later(ctx, nil, q, rows[:k*cols]...); err != nil {
			return fmt.Errorf("notify: enqueue: %w", err)
		}
		rows = rows[k*cols:]
	}
	return nil
}

// Withhold keeps the SMS and e-mail of the cases with these serials that
// are still pending from being sent, inside tx, noting why; it returns how
// many it held back. The demo's cases are filed for invented applicants
// whose phone numbers may well be someone's: with a real gateway plugged
// in they must not be texted, and without one the log need not list them.
func Withhold(ctx context.Context, tx *db.Tx, serials []string, why string) (int64, error) {
	var n int64
	for len(serials) > 0 {
		k := min(len(serials), enqueueRows)
		args := []any{Withheld, why, Pending}
		for _, s := range serials[:k] {
			args = append(args, s)
		}
		res, err := tx.Exec(ctx, "UPDATE notifications SET state = ?, error = ? WHERE state = ? AND channel <> 'inapp' AND case_serial IN ("+
			strings.TrimSuffix(strings.Repeat("?, ", k), ", ")+")", args...)
		if err != nil {
			return n, fmt.Errorf("notify: withhold: %w", err)
		}
		m, _ := res.RowsAffected()
		n += m
		serials = serials[k:]
	}
	return n, nil
}

// Inbox is a person's in-app messages (站内消息): every signed-in user reads
// and clears their own, and nobody else's.
type Inbox struct {
	db  *db.DB
	now func() time.Time
}

// NewInbox returns the in-app message service.
func NewInbox(d *db.DB, now func() time.Time) *Inbox {
	if now == nil {
		now = time.Now
	}
	return &Inbox{db: d, now: now}
}

// owner is the user whose messages the actor reads: their own.
func owner(a *zwfw.Actor) (int64, error) {
	if a == nil || a.UserID == 0 {
		return 0, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	return a.UserID, nil
}

// List returns a page of the actor's in-app messages, newest first, with
// the total and the unread count.
func (in *Inbox) List(ctx context.Context, actor *zwfw.Actor, limit, offset int) ([]Message, int, int, error) {
	userID, err := owner(actor)
	if err != nil {
		return nil, 0, 0, err
	}
	var total, unread int
	if err := in.db.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN read_at = 0 THEN 1 ELSE 0 END), 0)
		FROM notifications WHERE user_id = ? AND channel = 'inapp'`, userID).Scan(&total, &unread); err != nil {
		return nil, 0, 0, err
	}
	rows, err := in.db.Query(ctx, `SELECT id, channel, subject, body, case_serial, state, read_at, created_at FROM notifications
		WHERE user_id = ? AND channel = 'inapp' ORDER BY id DESC LIMIT ? OFFSET ?`, userID, limit, offset)
	if err != nil {
		return nil, 0, 0, err
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		var m Message
		var read, created int64
		if err := rows.Scan(&m.ID, &m.Channel, &m.Subject, &m.Body, &m.CaseSerial, &m.State, &read, &created); err != nil {
			return nil, 0, 0, err
		}
		m.Read, m.CreatedAt, m.UserID = read != 0, db.Time(created), userID
		out = append(out, m)
	}
	return out, total, unread, rows.Err()
}

// MarkRead marks all the actor's in-app messages read.
func (in *Inbox) MarkRead(ctx context.Context, actor *zwfw.Actor) error {
	userID, err := owner(actor)
	if err != nil {
		return err
	}
	_, err = in.db.Exec(ctx, "UPDATE notifications SET read_at = ? WHERE user_id = ? AND channel = 'inapp' AND read_at = 0", db.Millis(in.now()), userID)
	return err
}

// Sender delivers messages of one channel (an SMS gateway, a mail server).
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// LogSender is the default sender: it writes the message to the log, so a
// county without an SMS gateway still sees what would have been sent.
type LogSender struct{ Log *slog.Logger }

// Send logs m with the address masked.
func (s LogSender) Send(ctx context.Context, m Message) error {
	addr := m.Address
	if len(addr) > 7 {
		addr = addr[:3] + strings.Repeat("*", len(addr)-7) + addr[len(addr)-4:]
	}
	s.Log.Info("notification", "channel", m.Channel, "to", addr, "subject", m.Subject, "case", m.CaseSerial)
	return nil
}

// Dispatcher delivers pending messages. Several server processes may run
// one each: a message is claimed by one dispatcher before it is sent.
type Dispatcher struct {
	DB      *db.DB
	Senders map[string]Sender
	Log     *slog.Logger
	Now     func() time.Time
	id      string
}

// MaxAttempts before a message is marked failed.
const MaxAttempts = 5

// RunOnce claims up to batch pending messages and sends them. It returns how
// many it handled.
func (d *Dispatcher) RunOnce(ctx context.Context, batch int) (int, error) {
	if d.id == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		d.id = hex.EncodeToString(b[:])
	}
	now := db.Millis(d.Now())
	// Claim: only rows still pending are taken, so two dispatchers never
	// take the same message. A claim older than five minutes (a dispatcher
	// that died mid-send) is taken over.
	res, err := d.DB.Exec(ctx, `UPDATE notifications SET state = 'sending', claimed_by = ?, claimed_at = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM notifications WHERE state = 'pending' OR (state = 'sending' AND claimed_at < ?) ORDER BY id LIMIT ?)
		AND (state = 'pending' OR (state = 'sending' AND claimed_at < ?))`, d.id, now, now-300_000, batch, now-300_000)
	if err != nil {
		return 0, fmt.Errorf("notify: claim: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, nil
	}
	rows, err := d.DB.Query(ctx, `SELECT id, COALESCE(user_id, 0), channel, address, subject, body, case_serial, attempts
		FROM notifications WHERE state = 'sending' AND claimed_by = ? AND claimed_at = ?`, d.id, now)
	if err != nil {
		return 0, err
	}
	var msgs []Message
	var attempts []int
	for rows.Next() {
		var m Message
		var a int
		if err := rows.Scan(&m.ID, &m.UserID, &m.Channel, &m.Address, &m.Subject, &m.Body, &m.CaseSerial, &a); err != nil {
			rows.Close()
			return 0, err
		}
		if m.Address, err = pii.Of(d.DB).Open(pii.NotificationAddr.Label(), m.Address); err != nil {
			rows.Close()
			return 0, err
		}
		msgs, attempts = append(msgs, m), append(attempts, a)
	}
	rows.Close()
	// Send, then record the outcome: successes in one statement, failures
	// one by one (they are rare).
	var sent []any
	for i, m := range msgs {
		s, ok := d.Senders[m.Channel]
		var sendErr error
		if !ok {
			sendErr = fmt.Errorf("no sender for channel %s", m.Channel)
		} else {
			sendErr = s.Send(ctx, m)
		}
		if sendErr == nil {
			sent = append(sent, m.ID)
			continue
		}
		state := Pending
		if attempts[i] >= MaxAttempts {
			state = Failed
		}
		d.Log.Warn("notification not sent", "id", m.ID, "channel", m.Channel, "attempt", attempts[i], "err", sendErr)
		if _, err := d.DB.Exec(ctx, "UPDATE notifications SET state = ?, error = ? WHERE id = ? AND claimed_by = ?",
			state, sendErr.Error(), m.ID, d.id); err != nil {
			return i, err
		}
	}
	if len(sent) > 0 {
		args := append([]any{db.Millis(d.Now()), d.id}, sent...)
		if _, err := d.DB.Exec(ctx, "UPDATE notifications SET state = 'sent', error = '', sent_at = ? WHERE claimed_by = ? AND id IN ("+
			strings.TrimSuffix(strings.Repeat("?, ", len(sent)), ", ")+")", args...); err != nil {
			return 0, err
		}
	}
	return len(msgs), nil
}

// Run dispatches until ctx ends, polling every interval.
func (d *Dispatcher) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for {
			n, err := d.RunOnce(ctx, 100)
			if err != nil {
				if ctx.Err() == nil {
					d.Log.Warn("notification dispatch", "err", err)
				}
				break
			}
			if n == 0 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
