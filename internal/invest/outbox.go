package invest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"
	"unicode/utf8"

	"zwfw/internal/db"
	"zwfw/internal/jobs"
)

// LogPlatform is the default Platform: it sends nothing, and writes to the
// log what would have been sent to the province's investment platform
// (no personal data: the events carry none).
type LogPlatform struct{ Log *slog.Logger }

// Push logs the event.
func (p LogPlatform) Push(ctx context.Context, ev Event) error {
	if p.Log != nil {
		p.Log.Info("investment platform (not connected): would push", "kind", ev.Kind, "project_code", ev.ProjectCode,
			"serial", ev.Serial, "item_code", ev.ItemCode, "dept", ev.DeptCode, "step", ev.Step, "result", ev.Result, "id", ev.ID)
	}
	return nil
}

// Service keeps the investment platform's outbox and delivers it.
type Service struct {
	db       *db.DB
	platform Platform
	now      func() time.Time
	log      *slog.Logger
	code     string // this platform's 区划代码 (ZWFW_PLATFORM_CODE), the events' sender
}

// New returns the outbox on d, delivering to p (LogPlatform when nil).
func New(d *db.DB, p Platform, now func() time.Time, log *slog.Logger) *Service {
	if p == nil {
		p = LogPlatform{Log: log}
	}
	return &Service{db: d, platform: p, now: now, log: log}
}

// SetCode names this platform (ZWFW_PLATFORM_CODE) in the events.
func (s *Service) SetCode(code string) { s.code = code }

// SetPlatform replaces the platform events are pushed to.
func (s *Service) SetPlatform(p Platform) { s.platform = p }

// Record writes an event to the outbox in the caller's transaction (the
// case's own write); an event without a project code is not the
// platform's and is dropped.
func (s *Service) Record(ctx context.Context, tx *db.Tx, ev Event) error {
	if ev.ProjectCode == "" {
		return nil
	}
	ev.ID = 0
	body, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	now := db.Millis(s.now())
	_, err = tx.Exec(ctx, `INSERT INTO invest_outbox (project_code, case_serial, kind, body, created_at, next_at) VALUES (?, ?, ?, ?, ?, ?)`,
		ev.ProjectCode, ev.Serial, ev.Kind, string(body), now, now)
	return err
}

// backoff is how long an event waits after its n-th failed push: 30 s,
// doubling, at most an hour.
func backoff(n int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// Deliver pushes the events that are due, oldest first, at most limit of
// them. A case's events go in their order: one waiting for its retry holds
// the later ones of its case back. A failed push is tried again after a
// backoff and ends this round (the platform is likely down).
func (s *Service) Deliver(ctx context.Context, limit int) (sent int, err error) {
	rows, err := s.db.Query(ctx, `SELECT id, case_serial, body, attempts, next_at FROM invest_outbox WHERE sent_at = 0 ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return 0, err
	}
	type item struct {
		id       int64
		serial   string
		body     string
		attempts int
		next     int64
	}
	var pending []item
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.id, &it.serial, &it.body, &it.attempts, &it.next); err != nil {
			rows.Close()
			return 0, err
		}
		pending = append(pending, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	now := db.Millis(s.now())
	held := map[string]bool{}
	for _, it := range pending {
		if held[it.serial] || it.next > now {
			held[it.serial] = true
			continue
		}
		var ev Event
		if err := json.Unmarshal([]byte(it.body), &ev); err != nil {
			return sent, fmt.Errorf("invest: outbox %d: %w", it.id, err)
		}
		ev.ID = it.id
		if perr := s.platform.Push(ctx, ev); perr != nil {
			msg := perr.Error()
			for len(msg) > 500 {
				_, n := utf8.DecodeLastRuneInString(msg)
				msg = msg[:len(msg)-n]
			}
			next := s.now().Add(backoff(it.attempts + 1))
			if _, err := s.db.Exec(ctx, `UPDATE invest_outbox SET attempts = attempts + 1, last_error = ?, next_at = ? WHERE id = ?`,
				msg, db.Millis(next), it.id); err != nil {
				return sent, err
			}
			if s.log != nil {
				s.log.Warn("investment platform push failed", "id", it.id, "attempts", it.attempts+1, "err", perr)
			}
			return sent, nil
		}
		if _, err := s.db.Exec(ctx, `UPDATE invest_outbox SET sent_at = ?, attempts = attempts + 1, last_error = '' WHERE id = ?`,
			db.Millis(s.now()), it.id); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

// Pending is how many events wait and the oldest one's creation time
// (zero when none).
func (s *Service) Pending(ctx context.Context) (n int, oldest time.Time, err error) {
	var ms int64
	if err = s.db.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MIN(created_at), 0) FROM invest_outbox WHERE sent_at = 0`).Scan(&n, &ms); err != nil {
		return 0, oldest, err
	}
	if ms > 0 {
		oldest = db.Time(ms)
	}
	return n, oldest, nil
}

// Events are a project's events in the outbox, in order (for operators and
// tests).
func (s *Service) Events(ctx context.Context, projectCode string) ([]Event, error) {
	rows, err := s.db.Query(ctx, `SELECT id, body FROM invest_outbox WHERE project_code = ? ORDER BY id`, projectCode)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var id int64
		var body string
		if err := rows.Scan(&id, &body); err != nil {
			return nil, err
		}
		var ev Event
		if err := json.Unmarshal([]byte(body), &ev); err != nil {
			return nil, err
		}
		ev.ID = id
		out = append(out, ev)
	}
	return out, rows.Err()
}

// DeliverArgs is the delivery job.
type DeliverArgs struct{}

// Kind names the job in the queue.
func (DeliverArgs) Kind() string { return "invest_deliver" }

type deliverWorker struct {
	jobs.WorkerDefaults[DeliverArgs]
	s *Service
}

func (w *deliverWorker) Work(ctx context.Context, _ *jobs.Job[DeliverArgs]) error {
	n, err := w.s.Deliver(ctx, 500)
	if n > 0 && w.s.log != nil {
		w.s.log.Info("investment platform events delivered", "count", n)
	}
	return err
}

// Schedule registers delivery with the queue, every interval.
func (s *Service) Schedule(q *jobs.Queue, every time.Duration) {
	jobs.Register(q, &deliverWorker{s: s})
	q.Every(every, func() jobs.Args { return DeliverArgs{} }, true)
}
