package hall

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/org"
)

// Ticket states.
const (
	Waiting = "waiting" // 等候中
	Called  = "called"  // 已叫号, not yet at the window
	Serving = "serving" // 办理中
	Done    = "done"    // 已办结
	Missed  = "missed"  // 过号
)

// StatusName is the Chinese name of a ticket state.
func StatusName(st string) string {
	switch st {
	case Waiting:
		return "等候中"
	case Called:
		return "请到窗口"
	case Serving:
		return "办理中"
	case Done:
		return "已办结"
	case Missed:
		return "已过号"
	}
	return st
}

// Channels a ticket is taken through.
const (
	ChannelKiosk = "kiosk" // 取号机
	ChannelPhone = "phone" // 手机扫码
	// ChannelAppointment: issued when a booking is checked in (预约签到,
	// appointments.go); called ahead of walk-ins (queueOrder).
	ChannelAppointment = "appointment"
)

// Ticket is one number taken (取号). It carries no personal data: the
// kiosk asks for none, and the phone page that follows it is public.
type Ticket struct {
	ID           int64     `json:"-"`
	Number       string    `json:"number"`
	Token        string    `json:"token"` // the unguessable key of the phone page
	CentreID     int64     `json:"-"`
	CentreCode   string    `json:"centre_code"`
	CentreName   string    `json:"centre_name"`
	CategoryID   int64     `json:"category_id"`
	CategoryName string    `json:"category_name"`
	Day          string    `json:"day"`
	Priority     bool      `json:"priority"`
	Channel      string    `json:"channel"`
	Status       string    `json:"status"`
	WindowCode   string    `json:"window_code,omitempty"`
	WindowName   string    `json:"window_name,omitempty"`
	Recalls      int       `json:"recalls"`
	TakenAt      time.Time `json:"taken_at"`
	CalledAt     time.Time `json:"called_at,omitzero"`
	StartedAt    time.Time `json:"started_at,omitzero"`
	EndedAt      time.Time `json:"ended_at,omitzero"`
	// Ahead is how many are called before this ticket (waiting ones only);
	// WaitMinutes the estimate from the category's average service time
	// and the windows that serve it.
	Ahead       int `json:"ahead"`
	WaitMinutes int `json:"wait_minutes"`
	// WaitSeconds is how long the applicant waited, from taking the ticket
	// to its first call; ServeSeconds how long the service took, from its
	// start (开始办理, or the call when 办结 came without it) to its end.
	// Both are 0 until known. They are read from the columns taken_at,
	// called_at, started_at and ended_at (the statistics read the same).
	WaitSeconds  int64 `json:"wait_seconds"`
	ServeSeconds int64 `json:"serve_seconds"`
	// Requeued: the ticket was re-queued once after 过号 (重新排队); a
	// second 过号 ends it. TargetWindow: transferred to that window
	// (转窗口), which alone calls it.
	Requeued     bool   `json:"requeued"`
	TargetWindow string `json:"target_window,omitempty"`
	// Cases are the serials of the cases filed at the window during the
	// service (staff views only; the public ticket page never has them).
	Cases []string `json:"cases,omitempty"`
	// Rating is the applicant's rating of the service (staff views only).
	Rating *Rating `json:"rating,omitempty"`

	seq           int
	minutes       int
	maxRecalls    int
	requeuePlaces int
	windowID      int64
	queueAt       int64
}

// StatusName is the ticket's state in words.
func (t *Ticket) StatusName() string { return StatusName(t.Status) }

// WindowNo is the number of the window the ticket was called to.
func (t *Ticket) WindowNo() int { return WindowNumber(t.WindowCode) }

// TakeInput is a ticket request.
type TakeInput struct {
	CategoryID int64  `json:"category_id"`
	Priority   bool   `json:"priority"` // 绿色通道
	Channel    string `json:"channel"`  // kiosk or phone
}

// Take issues the next number of a category of centre for today (取号).
// The number comes from the day's counter, raised in the transaction that
// inserts the ticket: the upsert locks the counter row, so two processes
// never hand out one number, and a ticket refused (daily maximum) leaves
// the counter as it was.
func (s *Service) Take(ctx context.Context, centreCode string, in TakeInput) (*Ticket, error) {
	centre, err := s.Centre(ctx, centreCode)
	if err != nil {
		return nil, err
	}
	cat, err := s.Category(ctx, in.CategoryID)
	if err != nil || cat.CentreID != centre.ID || !cat.Active {
		return nil, zwfw.Errorf(zwfw.EINVALID, "请选择%s的业务类别", centre.Name)
	}
	if in.Priority && !cat.Priority {
		return nil, zwfw.Errorf(zwfw.EINVALID, "“%s”没有绿色通道", cat.Name)
	}
	if in.Channel != ChannelPhone {
		in.Channel = ChannelKiosk
	}
	_, now := s.today()
	if hm := now.Format("15:04"); hm < cat.Opens || hm >= cat.Closes {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "“%s”的取号时间为每天 %s 至 %s，现在不能取号", cat.Name, cat.Opens, cat.Closes)
	}
	// The ticket and its place are read back in the same transaction:
	// on PostgreSQL a read transaction of its own cost two round trips
	// more per take.
	var t *Ticket
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		token, err := s.issue(ctx, tx, centre, cat, in)
		if err != nil {
			return err
		}
		t, err = ticket(ctx, tx, token)
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// issue inserts today's next ticket of cat in tx and returns its token:
// the path of every ticket, taken at the kiosk or by phone (Take) or
// issued when a booking is checked in (CheckIn). A booked ticket is not
// held to the category's daily maximum — the booking already holds its
// place — only to the three digits of the number.
func (s *Service) issue(ctx context.Context, tx *db.Tx, centre *org.Org, cat *Category, in TakeInput) (string, error) {
	day, now := s.today()
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	token := hex.EncodeToString(b[:])
	var seq int
	if err := tx.QueryRow(ctx, `INSERT INTO hall_counters (category_id, day, last) VALUES (?, ?, 1)
		ON CONFLICT (category_id, day) DO UPDATE SET last = hall_counters.last + 1 RETURNING last`, cat.ID, day).Scan(&seq); err != nil {
		return "", fmt.Errorf("hall: counter: %w", db.MapError(err))
	}
	if (in.Channel != ChannelAppointment && seq > cat.DailyMax) || seq > 999 {
		return "", zwfw.Errorf(zwfw.ECONFLICT, "今日“%s”的号已取完（每日限 %d 个），请明天再来，或在网上办事大厅办理", cat.Name, cat.DailyMax)
	}
	if in.Channel != ChannelAppointment {
		if err := quotaRefusal(ctx, tx, cat, day, now); err != nil {
			return "", err
		}
	}
	number := fmt.Sprintf("%s%03d", cat.Prefix, seq)
	if _, err := tx.Exec(ctx, `INSERT INTO hall_tickets (centre_id, category_id, day, seq, number, priority, channel, token, status, taken_at, queue_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, centre.ID, cat.ID, day, seq, number, in.Priority, in.Channel, token, Waiting, db.Millis(now), db.Millis(now)); err != nil {
		return "", fmt.Errorf("hall: ticket %s: %w", number, err)
	}
	return token, tx.Changed(ctx, Topic, centre.Code)
}

const ticketCols = `SELECT t.id, t.number, t.token, t.centre_id, o.code, COALESCE(NULLIF(o.full_name, ''), o.name), t.category_id, c.name, t.day, t.priority, t.channel,
	t.status, COALESCE(w.code, ''), COALESCE(w.name, ''), t.recalls, t.taken_at, COALESCE(t.called_at, 0), COALESCE(t.started_at, 0),
	COALESCE(t.ended_at, 0), t.seq, c.minutes, c.max_recalls, COALESCE(t.window_id, 0), t.queue_at, t.requeued, COALESCE(tw.code, ''),
	c.requeue_places
	FROM hall_tickets t JOIN orgs o ON o.id = t.centre_id JOIN hall_categories c ON c.id = t.category_id LEFT JOIN orgs w ON w.id = t.window_id
	LEFT JOIN orgs tw ON tw.id = t.target_window_id`

func scanTicket(row interface{ Scan(...any) error }) (*Ticket, error) {
	var t Ticket
	var taken, called, started, ended int64
	err := row.Scan(&t.ID, &t.Number, &t.Token, &t.CentreID, &t.CentreCode, &t.CentreName, &t.CategoryID, &t.CategoryName, &t.Day,
		&t.Priority, &t.Channel, &t.Status, &t.WindowCode, &t.WindowName, &t.Recalls, &taken, &called, &started, &ended,
		&t.seq, &t.minutes, &t.maxRecalls, &t.windowID, &t.queueAt, &t.Requeued, &t.TargetWindow, &t.requeuePlaces)
	if err != nil {
		return nil, err
	}
	t.TakenAt = db.Time(taken)
	if called > 0 {
		t.CalledAt = db.Time(called)
	}
	if started > 0 {
		t.StartedAt = db.Time(started)
	}
	if ended > 0 {
		t.EndedAt = db.Time(ended)
	}
	if called > 0 {
		t.WaitSeconds = (called - taken) / 1000
	}
	if started > 0 && ended > 0 {
		t.ServeSeconds = (ended - started) / 1000
	}
	return &t, nil
}

// Ticket returns the ticket with token and where it stands in the queue
// (the phone page and the printed ticket).
func (s *Service) Ticket(ctx context.Context, token string) (*Ticket, error) {
	if len(token) != 32 {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "号票不存在")
	}
	var t *Ticket
	err := s.db.ReadTx(ctx, func(q db.Querier) error {
		var err error
		t, err = ticket(ctx, q, token)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("hall: ticket: %w", err)
	}
	return t, nil
}

// ticket reads the ticket with token and its place in the queue in q.
func ticket(ctx context.Context, q db.Querier, token string) (*Ticket, error) {
	t, err := scanTicket(q.QueryRow(ctx, ticketCols+" WHERE t.token = ?", token))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "号票不存在")
	}
	if err != nil {
		return nil, err
	}
	return t, position(ctx, q, t)
}

// position counts who is called before a waiting ticket of its category —
// the priority channel first, then by queue_at (the order of queueOrder
// within one category) — and estimates the wait
// from the category's average service time shared among the windows that
// serve it.
func position(ctx context.Context, q db.Querier, t *Ticket) error {
	if t.Status != Waiting {
		return nil
	}
	// The same order as the windows call (queueOrder): a lower rank, or
	// the same rank and an earlier place (queue_at, then id).
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM hall_tickets t, (SELECT `+queueRank+` AS r FROM hall_tickets t WHERE t.id = ?) me
		WHERE t.centre_id = ? AND t.day = ? AND t.category_id = ? AND t.status = ?
		AND (`+queueRank+` < me.r OR (`+queueRank+` = me.r AND (t.queue_at < ? OR (t.queue_at = ? AND t.id < ?))))`,
		t.ID, t.CentreID, t.Day, t.CategoryID, Waiting, t.queueAt, t.queueAt, t.ID).Scan(&t.Ahead); err != nil {
		return err
	}
	var windows int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM orgs w WHERE w.parent_id = ? AND w.kind = 'window' AND w.active AND w.window_type <> 'payment'
		AND (NOT EXISTS (SELECT 1 FROM hall_window_categories wc WHERE wc.window_id = w.id)
		  OR EXISTS (SELECT 1 FROM hall_window_categories wc WHERE wc.window_id = w.id AND wc.category_id = ?))`, t.CentreID, t.CategoryID).Scan(&windows); err != nil {
		return err
	}
	windows = max(windows, 1)
	t.WaitMinutes = (t.Ahead*t.minutes + windows - 1) / windows
	return nil
}
