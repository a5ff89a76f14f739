package attendance

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
	"zwfw/internal/jobs"
	orgscope "zwfw/internal/scope"
)

// Window states on the hall view.
const (
	WindowA          = "a"          // the A post is at the window
	WindowCovered    = "covered"    // the B post has taken it over (顶岗)
	WindowB          = "b"          // the B post is in, the A post is not
	WindowBusy       = "busy"       // no post punched in, but tickets are being called there (someone is at it)
	WindowUnattended = "unattended" // neither is present in opening hours: a warning stands
	WindowClosed     = "closed"     // outside opening hours or not a working day
	WindowNoPosts    = "no_posts"   // no A or B post set
)

var windowStateNames = map[string]string{WindowA: "A岗在岗", WindowCovered: "B岗顶岗", WindowB: "B岗在岗（A岗未到）", WindowBusy: "叫号中（未打卡）",
	WindowUnattended: "无人值守", WindowClosed: "非办公时间", WindowNoPosts: "未设AB岗"}

// WindowStateName is the Chinese name of a window state.
func WindowStateName(s string) string { return windowStateNames[s] }

// busyWithin is how recent a call at a window must be for the window to
// count as attended without a punch.
const busyWithin = 15 * time.Minute

// SetActivity tells the watch how to see that a window is being worked —
// tickets called or served there (the service hall's hall.Busy) — so that
// a window whose staff call tickets without having punched is not reported
// empty (it is shown as "叫号中（未打卡）" instead).
func (s *Service) SetActivity(busy func(ctx context.Context, windowID int64, since time.Time) (bool, error)) {
	s.activity = busy
}

// WindowState is one window as the hall view shows it.
type WindowState struct {
	WindowPosts
	State     string    `json:"state"`
	StateName string    `json:"state_name"`
	Since     time.Time `json:"unattended_since,omitzero"` // when the standing warning was raised
	id        int64
	centreID  int64
	path      string
	aID, bID  int64
}

// present reports whether a person is in: punched today and not away on a
// leave that has started and not ended.
func present(ctx context.Context, q db.Querier, userID int64, day string, now time.Time) (bool, error) {
	if userID == 0 {
		return false, nil
	}
	var n int
	if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM attendance_punches WHERE user_id = ? AND day = ?", userID, day).Scan(&n); err != nil || n == 0 {
		return false, err
	}
	var away int
	err := q.QueryRow(ctx, "SELECT COUNT(*) FROM attendance_leaves WHERE user_id = ? AND state = ? AND from_at <= ? AND to_at > ?",
		userID, LeaveStarted, db.Millis(now), db.Millis(now)).Scan(&away)
	return away == 0, err
}

// states computes the state of the windows with where (its args after the
// day), now.
func (s *Service) states(ctx context.Context, now time.Time, where string, args ...any) ([]*WindowState, error) {
	day := calendar.Date(now).Format(calendar.DateLayout)
	q := s.db.Reader()
	rows, err := q.Query(ctx, `SELECT w.id, w.code, w.name, w.path, c.id, c.path, COALESCE(pa.user_id, 0), COALESCE(ua.username, ''), COALESCE(ua.name, ''),
		COALESCE(pb.user_id, 0), COALESCE(ub.username, ''), COALESCE(ub.name, ''),
		COALESCE((SELECT u.name FROM attendance_covers k JOIN users u ON u.id = k.user_id WHERE k.window_id = w.id AND k.day = ? AND k.ended_at = 0 ORDER BY k.id DESC LIMIT 1), ''),
		COALESCE((SELECT MAX(raised_at) FROM window_alerts x WHERE x.window_id = w.id AND x.cleared_at = 0), 0)
		FROM orgs w JOIN orgs c ON c.id = w.parent_id
		LEFT JOIN window_posts pa ON pa.window_id = w.id AND pa.post = 'A' LEFT JOIN users ua ON ua.id = pa.user_id
		LEFT JOIN window_posts pb ON pb.window_id = w.id AND pb.post = 'B' LEFT JOIN users ub ON ub.id = pb.user_id
		WHERE w.kind = 'window' AND w.active = ? AND `+where+` ORDER BY w.path`, append([]any{day, true}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("attendance: windows: %w", err)
	}
	var out []*WindowState
	for rows.Next() {
		var w WindowState
		var centrePath string
		var since int64
		if err := rows.Scan(&w.id, &w.Window, &w.WindowName, &w.path, &w.centreID, &centrePath, &w.aID, &w.A, &w.AName, &w.bID, &w.B, &w.BName, &w.Covering, &since); err != nil {
			rows.Close()
			return nil, err
		}
		w.Since = db.Time(since)
		out = append(out, &w)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	open := map[int64]bool{}
	for _, w := range out {
		if _, ok := open[w.centreID]; !ok {
			sc, err := s.ScheduleOf(ctx, q, w.centreID)
			if err != nil {
				return nil, err
			}
			work, err := s.cal.IsWorkday(ctx, w.path, now)
			if err != nil {
				return nil, err
			}
			_, opens, closes := sc.on(now)
			open[w.centreID] = work && !now.Before(opens) && now.Before(closes)
		}
		switch {
		case w.aID == 0 && w.bID == 0:
			w.State = WindowNoPosts
		case !open[w.centreID]:
			w.State = WindowClosed
		case w.Covering != "":
			w.State = WindowCovered
		default:
			a, err := present(ctx, q, w.aID, day, now)
			if err != nil {
				return nil, err
			}
			b := false
			if !a {
				if b, err = present(ctx, q, w.bID, day, now); err != nil {
					return nil, err
				}
			}
			busy := false
			if !a && !b && s.activity != nil {
				if busy, err = s.activity(ctx, w.id, now.Add(-busyWithin)); err != nil {
					return nil, err
				}
			}
			switch {
			case a:
				w.State = WindowA
			case b:
				w.State = WindowB
			case busy:
				w.State = WindowBusy
			default:
				w.State = WindowUnattended
			}
		}
		w.StateName = WindowStateName(w.State)
	}
	return out, nil
}

// WindowStates is the live hall view of the windows in the actor's reach
// (for who may read the centre's attendance).
func (s *Service) WindowStates(ctx context.Context, actor *zwfw.Actor) ([]*WindowState, error) {
	if err := mayReadAny(actor); err != nil {
		return nil, err
	}
	cond, args := orgscope.Of(actor).Cond("w.path")
	return s.states(ctx, s.now(), cond, args...)
}

// Watch raises a warning for every window with posts that stands
// unattended in its centre's opening hours — told at once to the centre's
// managers through the outbox — and clears those where someone is back.
// The job runs it every minute (ScheduleWatch).
func (s *Service) Watch(ctx context.Context) (raised, cleared int, err error) {
	now := s.now()
	list, err := s.states(ctx, now, "1 = 1")
	if err != nil {
		return 0, 0, err
	}
	day := calendar.Date(now).Format(calendar.DateLayout)
	for _, w := range list {
		standing := !w.Since.IsZero()
		switch {
		case w.State == WindowUnattended && !standing:
			err = s.db.InTx(ctx, func(tx *db.Tx) error {
				// Another process may have raised it a moment ago.
				var n int
				if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM window_alerts WHERE window_id = ? AND cleared_at = 0", w.id).Scan(&n); err != nil || n > 0 {
					return err
				}
				if _, err := tx.Exec(ctx, "INSERT INTO window_alerts (window_id, day, raised_at) VALUES (?, ?, ?)", w.id, day, db.Millis(now)); err != nil {
					return err
				}
				raised++
				var centrePath string
				if err := tx.QueryRow(ctx, "SELECT path FROM orgs WHERE id = ?", w.centreID).Scan(&centrePath); err != nil {
					return err
				}
				return s.tellManagers(ctx, tx, now, centrePath, "窗口无人值守",
					fmt.Sprintf("%s %s起无人值守：A岗%s、B岗%s均未在岗，请安排顶岗（附件2（四）2）。", w.WindowName, now.In(zwfw.Zone).Format("15:04"),
						cmp.Or(w.AName, "未设"), cmp.Or(w.BName, "未设")))
			})
		case w.State != WindowUnattended && standing:
			err = s.db.InTx(ctx, func(tx *db.Tx) error {
				res, err := tx.Exec(ctx, "UPDATE window_alerts SET cleared_at = ? WHERE window_id = ? AND cleared_at = 0", db.Millis(now), w.id)
				if n, _ := res.RowsAffected(); err == nil && n > 0 {
					cleared++
				}
				return err
			})
		}
		if err != nil {
			return raised, cleared, fmt.Errorf("attendance: watch %s: %w", w.Window, err)
		}
	}
	return raised, cleared, nil
}

// WatchArgs is the job of the minute's watch.
type WatchArgs struct{}

// Kind names the job in the queue.
func (WatchArgs) Kind() string { return "window_watch" }

type watchWorker struct {
	jobs.WorkerDefaults[WatchArgs]
	s   *Service
	log *slog.Logger
}

func (w *watchWorker) Work(ctx context.Context, _ *jobs.Job[WatchArgs]) error {
	r, c, err := w.s.Watch(ctx)
	if err != nil {
		return err
	}
	if r+c > 0 {
		w.log.Info("unattended windows", "raised", r, "cleared", c)
	}
	return nil
}

// ScheduleWatch runs Watch every interval (a minute: the manager hears of
// an empty window within one).
func (s *Service) ScheduleWatch(q *jobs.Queue, every time.Duration, log *slog.Logger) {
	jobs.Register(q, &watchWorker{s: s, log: log})
	q.Every(every, func() jobs.Args { return WatchArgs{} }, true)
}
