package hall

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/org"
)

// Window actions (叫号).
const (
	ActNext    = "next"   // 叫号: the next ticket the window serves
	ActRecall  = "recall" // 重呼: call the current ticket again
	ActStart   = "start"  // 开始办理: the applicant is at the window
	ActMiss    = "miss"   // 过号: not there after MaxRecalls recalls
	ActFinish  = "finish" // 办结: the service ends
	maxRetries = 5
)

// ActionName is the Chinese name of a window action.
func ActionName(a string) string {
	switch a {
	case ActNext:
		return "叫号"
	case ActRecall:
		return "重呼"
	case ActStart:
		return "开始办理"
	case ActMiss:
		return "过号"
	case ActFinish:
		return "办结"
	}
	return a
}

// Desk is what a window's calling panel shows: the window, the ticket it
// is serving, and who waits for the categories it serves.
type Desk struct {
	Window     *org.Org
	Centre     *org.Org
	Current    *Ticket // nil when the window is free
	Categories []*CategoryCount
	Waiting    int
	// Last is the window's last service ended today (办结), for the
	// evaluation pad; Missed are today's missed tickets of the centre that
	// may still be re-queued (重新排队), newest first.
	Last   *Ticket
	Missed []*Ticket
	// Windows and All are where the current ticket may be transferred:
	// the centre's other calling windows and its active categories.
	Windows []*WindowSetup
	All     []*Category
}

// CategoryCount is how many wait for a category today.
type CategoryCount struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Prefix   string `json:"prefix"`
	Waiting  int    `json:"waiting"`
	Priority int    `json:"priority"` // of which 绿色通道
}

// Desk returns the calling panel of a window, for staff who may serve
// there.
func (s *Service) Desk(ctx context.Context, actor *zwfw.Actor, windowCode string) (*Desk, error) {
	w, centre, err := s.Window(ctx, windowCode)
	if err != nil {
		return nil, err
	}
	if err := MayServe(actor, w); err != nil {
		return nil, err
	}
	d := &Desk{Window: w, Centre: centre}
	day, _ := s.today()
	err = s.db.ReadTx(ctx, func(q db.Querier) error {
		cats, err := windowCategories(ctx, q, w.ID, centre.ID)
		if err != nil {
			return err
		}
		counts, err := waitingCounts(ctx, q, centre.ID, day)
		if err != nil {
			return err
		}
		for _, c := range cats {
			cc := counts[c.ID]
			if cc == nil {
				cc = &CategoryCount{ID: c.ID}
			}
			cc.Name, cc.Prefix = c.Name, c.Prefix
			d.Categories = append(d.Categories, cc)
			d.Waiting += cc.Waiting
		}
		if d.Current, err = current(ctx, q, w.ID); err != nil {
			return err
		}
		if err := served(ctx, q, d.Current); err != nil {
			return err
		}
		if d.Last, err = lastServed(ctx, q, w.ID, day); err != nil {
			return err
		}
		if err := served(ctx, q, d.Last); err != nil {
			return err
		}
		if d.Missed, err = requeueable(ctx, q, centre.ID, day); err != nil {
			return err
		}
		d.All, err = categories(ctx, q, centre.ID, false)
		return err
	})
	if err == nil {
		var all []*WindowSetup
		all, err = s.Windows(ctx, centre.Code)
		for _, o := range all {
			if o.Code != w.Code {
				d.Windows = append(d.Windows, o)
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("hall: desk %s: %w", windowCode, err)
	}
	return d, nil
}

// waitingCounts counts today's waiting tickets of a centre per category.
func waitingCounts(ctx context.Context, q db.Querier, centreID int64, day string) (map[int64]*CategoryCount, error) {
	rows, err := q.Query(ctx, `SELECT category_id, COUNT(*), SUM(CASE WHEN priority THEN 1 ELSE 0 END) FROM hall_tickets
		WHERE centre_id = ? AND day = ? AND status = ? GROUP BY category_id`, centreID, day, Waiting)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]*CategoryCount{}
	for rows.Next() {
		var c CategoryCount
		if err := rows.Scan(&c.ID, &c.Waiting, &c.Priority); err != nil {
			return nil, err
		}
		out[c.ID] = &c
	}
	return out, rows.Err()
}

// current is the ticket a window has called and not yet finished.
func current(ctx context.Context, q db.Querier, windowID int64) (*Ticket, error) {
	t, err := scanTicket(q.QueryRow(ctx, ticketCols+" WHERE t.window_id = ? AND t.status IN (?, ?) ORDER BY t.called_at DESC LIMIT 1",
		windowID, Called, Serving))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return t, err
}

// lastServed is the ticket the window ended last today (办结), or nil.
func lastServed(ctx context.Context, q db.Querier, windowID int64, day string) (*Ticket, error) {
	t, err := scanTicket(q.QueryRow(ctx, ticketCols+" WHERE t.window_id = ? AND t.day = ? AND t.status = ? ORDER BY t.ended_at DESC LIMIT 1",
		windowID, day, Done))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return t, err
}

// requeueable are today's missed tickets of a centre that may go back
// into the queue once (MayRequeue), the latest missed first.
func requeueable(ctx context.Context, q db.Querier, centreID int64, day string) ([]*Ticket, error) {
	rows, err := q.Query(ctx, ticketCols+" WHERE t.centre_id = ? AND t.day = ? AND t.status = ? AND NOT t.requeued ORDER BY t.ended_at DESC LIMIT 20",
		centreID, day, Missed)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Ticket
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Act performs a window action and returns the ticket it concerns. Each
// action is one transaction with its audit entry; a call or recall is
// written to hall_calls and announced to the centre's screens when it
// commits.
func (s *Service) Act(ctx context.Context, actor *zwfw.Actor, windowCode, action string) (*Ticket, error) {
	w, centre, err := s.Window(ctx, windowCode)
	if err != nil {
		return nil, err
	}
	if err := MayServe(actor, w); err != nil {
		return nil, err
	}
	if ActionName(action) == action {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "没有“%s”这个叫号操作", action)
	}
	var token string
	for range maxRetries {
		err = s.db.InTx(ctx, func(tx *db.Tx) error {
			t, err := s.act(ctx, tx, actor, w, centre, action)
			if err != nil {
				return err
			}
			token = t.Token
			if err := audit.RecordFor(ctx, tx, centre.ID, s.now(), actor, "hall."+action, "ticket:"+t.Day+":"+t.Number,
				map[string]any{"window": w.Code, "centre": centre.Code, "recalls": t.Recalls}); err != nil {
				return err
			}
			return tx.Changed(ctx, Topic, centre.Code)
		})
		if !errors.Is(err, errTaken) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	return s.Ticket(ctx, token)
}

// errTaken: another window called the ticket first; call the next one.
var errTaken = errors.New("hall: ticket called by another window")

var errNoCurrent = zwfw.Errorf(zwfw.ECONFLICT, "本窗口当前没有叫到的号，请先叫号")

func (s *Service) act(ctx context.Context, tx *db.Tx, actor *zwfw.Actor, w, centre *org.Org, action string) (*Ticket, error) {
	now := db.Millis(s.now())
	cur, err := current(ctx, tx, w.ID)
	if err != nil {
		return nil, err
	}
	if action == ActNext {
		if cur != nil {
			return nil, zwfw.Errorf(zwfw.ECONFLICT, "本窗口正在办理 %s 号，请先办结或过号", cur.Number)
		}
		return s.next(ctx, tx, actor, w, centre)
	}
	if cur == nil {
		return nil, errNoCurrent
	}
	switch action {
	case ActRecall:
		if cur.Status != Called {
			return nil, zwfw.Errorf(zwfw.ECONFLICT, "%s 号已在办理中，不需要重呼", cur.Number)
		}
		if cur.Recalls >= cur.maxRecalls {
			return nil, zwfw.Errorf(zwfw.ECONFLICT, "%s 号已重呼 %d 次，请标记过号", cur.Number, cur.Recalls)
		}
		cur.Recalls++
		if _, err := tx.Exec(ctx, "UPDATE hall_tickets SET recalls = ? WHERE id = ?", cur.Recalls, cur.ID); err != nil {
			return nil, err
		}
		return cur, announce(ctx, tx, cur, w, now)
	case ActStart:
		if cur.Status != Called {
			return nil, zwfw.Errorf(zwfw.ECONFLICT, "%s 号已在办理中", cur.Number)
		}
		_, err = tx.Exec(ctx, "UPDATE hall_tickets SET status = ?, started_at = ? WHERE id = ?", Serving, now, cur.ID)
	case ActMiss:
		// 过号 only after the ticket was called again MaxRecalls times
		// without anyone coming: a missed ticket loses its place.
		if cur.Status != Called {
			return nil, zwfw.Errorf(zwfw.ECONFLICT, "%s 号已在办理中，不能过号", cur.Number)
		}
		if cur.Recalls < cur.maxRecalls {
			return nil, zwfw.Errorf(zwfw.ECONFLICT, "重呼 %d 次仍无人应答才能过号（%s 号已重呼 %d 次）", cur.maxRecalls, cur.Number, cur.Recalls)
		}
		_, err = tx.Exec(ctx, "UPDATE hall_tickets SET status = ?, ended_at = ? WHERE id = ?", Missed, now, cur.ID)
	case ActFinish:
		_, err = tx.Exec(ctx, "UPDATE hall_tickets SET status = ?, started_at = COALESCE(started_at, called_at), ended_at = ? WHERE id = ?", Done, now, cur.ID)
	}
	return cur, err
}

// queueRank is the class of a waiting ticket in the calling order,
// lowest first: 0 the priority channel (绿色通道), 1 a booked ticket
// (预约签到, issue 10 item 2: "queued ahead of walk-ins"), 2 a walk-in.
// The priority channel stays first because it serves those who cannot
// wait at all (the elderly, the disabled, the pregnant); a booking only
// promises its slot ahead of those who came without one. position
// (tickets.go) counts who is ahead of a ticket by it.
const queueRank = "(CASE WHEN t.priority THEN 0 WHEN t.channel = '" + ChannelAppointment + "' THEN 1 ELSE 2 END)"

// next calls the window's next ticket, in the order of queueOrder.
func (s *Service) next(ctx context.Context, tx *db.Tx, actor *zwfw.Actor, w, centre *org.Org) (*Ticket, error) {
	cats, err := windowCategories(ctx, tx, w.ID, centre.ID)
	if err != nil {
		return nil, err
	}
	if len(cats) == 0 {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "%s还没有设置业务类别", centre.Name)
	}
	day, _ := s.today()
	where, whereArgs := queueScope(w.ID, cats)
	order, orderArgs := queueOrder(w.ID, cats)
	args := append([]any{centre.ID, day, Waiting}, whereArgs...)
	args = append(args, orderArgs...)
	t, err := scanTicket(tx.QueryRow(ctx, ticketCols+" WHERE t.centre_id = ? AND t.day = ? AND t.status = ? AND "+where+
		" ORDER BY "+order+" LIMIT 1", args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "没有等候的号")
	}
	if err != nil {
		return nil, err
	}
	now := db.Millis(s.now())
	res, err := tx.Exec(ctx, "UPDATE hall_tickets SET status = ?, window_id = ?, staff_id = ?, called_at = ? WHERE id = ? AND status = ?",
		Called, w.ID, nullUser(actor), now, t.ID, Waiting)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return nil, errTaken
	}
	t.Status, t.WindowCode, t.WindowName, t.windowID = Called, w.Code, w.Name, w.ID
	return t, announce(ctx, tx, t, w, now)
}

// queueScope is the condition on a waiting ticket (t) that window windowID
// may call: one transferred to it (转窗口), or one of the categories it
// serves that is not transferred to another window.
func queueScope(windowID int64, cats []*Category) (string, []any) {
	var b strings.Builder
	args := []any{windowID}
	b.WriteString("(t.target_window_id = ? OR (t.target_window_id IS NULL AND t.category_id IN (")
	for i, c := range cats {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("?")
		args = append(args, c.ID)
	}
	b.WriteString(")))")
	return b.String(), args
}

// queueOrder is THE order in which a window calls the waiting tickets (t)
// it may call (queueScope) — the one place it is written:
//
//  1. the priority channel (绿色通道) first;
//  2. then the tickets transferred to this window (转窗口), which come back
//     at the head of its queue;
//  3. then booked tickets (预约签到) ahead of walk-ins (queueRank);
//  4. then the categories in the window's order (cats);
//  5. within a category by queue_at — the time taken or checked in, or the
//     place given by a re-queue after 过号 or a transfer to the category —
//     and the id for tickets of the same moment.
func queueOrder(windowID int64, cats []*Category) (string, []any) {
	var b strings.Builder
	args := []any{windowID}
	b.WriteString("t.priority DESC, CASE WHEN t.target_window_id = ? THEN 0 ELSE 1 END, " + queueRank + ", CASE t.category_id")
	for i, c := range cats {
		fmt.Fprintf(&b, " WHEN ? THEN %d", i)
		args = append(args, c.ID)
	}
	fmt.Fprintf(&b, " ELSE %d END, t.queue_at, t.id", len(cats))
	return b.String(), args
}

func nullUser(a *zwfw.Actor) any {
	if a == nil || a.UserID == 0 {
		return nil
	}
	return a.UserID
}

// announce writes a call for the screens.
func announce(ctx context.Context, tx *db.Tx, t *Ticket, w *org.Org, at int64) error {
	_, err := tx.Exec(ctx, "INSERT INTO hall_calls (centre_id, ticket_id, window_id, at) VALUES (?, ?, ?, ?)", t.CentreID, t.ID, w.ID, at)
	return err
}

// Actions are the window actions the panel offers now, in its order: 叫号
// when the window is free; for a ticket called, 开始办理, then 重呼 until
// the recalls are used up and 过号 after, and 办结; for one in service,
// 办结.
func (d *Desk) Actions() []string {
	t := d.Current
	switch {
	case t == nil:
		return []string{ActNext}
	case t.Status == Called:
		out := []string{ActStart}
		if t.Recalls < t.maxRecalls {
			out = append(out, ActRecall)
		} else {
			out = append(out, ActMiss)
		}
		return append(out, ActFinish)
	case t.Status == Serving:
		return []string{ActFinish}
	}
	return nil
}

// Busy reports whether someone is working the window with id now: it is
// serving or has called a ticket today, or called one since since. The
// hall's attendance view counts such a window as attended even when its
// staff have not punched (attendance.SetActivity).
func (s *Service) Busy(ctx context.Context, windowID int64, since time.Time) (bool, error) {
	day, _ := s.today()
	var n int
	err := s.db.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM hall_tickets WHERE window_id = ? AND day = ? AND status IN (?, ?))
		+ (SELECT COUNT(*) FROM hall_calls WHERE window_id = ? AND at >= ?)`, windowID, day, Called, Serving, windowID, db.Millis(since)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("hall: window activity: %w", err)
	}
	return n > 0, nil
}

// ticketOf is today's ticket with number at a centre (staff name tickets
// by their number; the token belongs to the applicant's phone).
func ticketOf(ctx context.Context, q db.Querier, centreID int64, day, number string) (*Ticket, error) {
	t, err := scanTicket(q.QueryRow(ctx, ticketCols+" WHERE t.centre_id = ? AND t.day = ? AND t.number = ?",
		centreID, day, strings.ToUpper(strings.TrimSpace(number))))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "今天没有 %s 号", number)
	}
	return t, err
}

// MayRequeue says whether a missed ticket may go back into the queue
// (重新排队): once only — a ticket missed again after its re-queue has
// had its chance.
func (t *Ticket) MayRequeue() error {
	if t.Status != Missed {
		return zwfw.Errorf(zwfw.ECONFLICT, "%s 号不是过号的号，不能重新排队", t.Number)
	}
	if t.Requeued {
		return zwfw.Errorf(zwfw.ECONFLICT, "%s 号已重新排队过一次，再次过号后不能再排队，请重新取号", t.Number)
	}
	return nil
}

// Requeue puts today's missed ticket number back into the queue, once
// (重新排队 after 过号), at the request of staff of a window of its centre:
// behind the category's RequeuePlaces waiting tickets (or last, when
// fewer wait). Its queue_at becomes just after that ticket's; the
// priority channel keeps its own place in front.
func (s *Service) Requeue(ctx context.Context, actor *zwfw.Actor, windowCode, number string) (*Ticket, error) {
	w, centre, err := s.Window(ctx, windowCode)
	if err != nil {
		return nil, err
	}
	if err := MayServe(actor, w); err != nil {
		return nil, err
	}
	day, _ := s.today()
	var token string
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		t, err := ticketOf(ctx, tx, centre.ID, day, number)
		if err != nil {
			return err
		}
		if err := t.MayRequeue(); err != nil {
			return err
		}
		at, err := requeueAt(ctx, tx, t, db.Millis(s.now()))
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE hall_tickets SET status = ?, requeued = ?, queue_at = ?, window_id = NULL, staff_id = NULL,
			recalls = 0, ended_at = NULL WHERE id = ? AND status = ? AND NOT requeued`, Waiting, true, at, t.ID, Missed)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return zwfw.Errorf(zwfw.ECONFLICT, "%s 号刚被重新排队，请刷新", t.Number)
		}
		token = t.Token
		if err := audit.RecordFor(ctx, tx, centre.ID, s.now(), actor, "hall.requeue", "ticket:"+t.Day+":"+t.Number,
			map[string]any{"window": w.Code, "centre": centre.Code, "places": t.requeuePlaces}); err != nil {
			return err
		}
		return tx.Changed(ctx, Topic, centre.Code)
	})
	if err != nil {
		return nil, err
	}
	return s.Ticket(ctx, token)
}

// requeueAt is the queue_at of a re-queued ticket: just after the
// RequeuePlaces-th ticket waiting in its category with the same channel
// (priority or not), or after the last one when fewer wait. Tickets taken
// in the same millisecond share a queue_at, so the ones behind that
// ticket move on by two to leave the place between free.
func requeueAt(ctx context.Context, tx *db.Tx, t *Ticket, now int64) (int64, error) {
	places := max(t.requeuePlaces, 1)
	var at, id int64
	err := tx.QueryRow(ctx, `SELECT queue_at, id FROM hall_tickets WHERE centre_id = ? AND day = ? AND category_id = ? AND status = ?
		AND priority = ? ORDER BY queue_at, id LIMIT 1 OFFSET ?`, t.CentreID, t.Day, t.CategoryID, Waiting, t.Priority, places-1).Scan(&at, &id)
	if err == nil {
		_, err = tx.Exec(ctx, `UPDATE hall_tickets SET queue_at = queue_at + 2 WHERE centre_id = ? AND day = ? AND category_id = ? AND status = ?
			AND priority = ? AND (queue_at > ? OR (queue_at = ? AND id > ?))`, t.CentreID, t.Day, t.CategoryID, Waiting, t.Priority, at, at, id)
		return at + 1, err
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(queue_at), 0) FROM hall_tickets WHERE centre_id = ? AND day = ? AND category_id = ?
		AND status = ? AND priority = ?`, t.CentreID, t.Day, t.CategoryID, Waiting, t.Priority).Scan(&at); err != nil {
		return 0, err
	}
	return max(at+1, now), nil
}

// TransferInput is where a ticket is transferred to: another window of
// the centre (转窗口), another category (转类别), or both.
type TransferInput struct {
	Window     string `json:"window,omitempty"`      // the window's code
	CategoryID int64  `json:"category_id,omitempty"` // the category's id
}

// Transfer hands the ticket a window is calling or serving to another
// window of the same centre, or to another active category of it: the
// ticket waits again at the head of that window's (only it calls it) or
// category's queue. The transfer is recorded (hall_transfers) and
// audited; a transfer to another centre, to an inactive category or to
// the same window is refused and nothing changes.
func (s *Service) Transfer(ctx context.Context, actor *zwfw.Actor, windowCode string, in TransferInput) (*Ticket, error) {
	w, centre, err := s.Window(ctx, windowCode)
	if err != nil {
		return nil, err
	}
	if err := MayServe(actor, w); err != nil {
		return nil, err
	}
	in.Window = strings.TrimSpace(in.Window)
	if in.Window == "" && in.CategoryID == 0 {
		return nil, zwfw.Errorf(zwfw.EINVALID, "请选择转到的窗口或业务类别")
	}
	var to *org.Org
	if in.Window != "" {
		tw, tc, err := s.Window(ctx, in.Window)
		if err != nil {
			return nil, zwfw.Errorf(zwfw.EINVALID, "窗口 %s 不存在或已停用", in.Window)
		}
		if tc.ID != centre.ID {
			return nil, zwfw.Errorf(zwfw.EINVALID, "%s不是%s的窗口，号票只能在本中心内转窗口", tw.Name, centre.Name)
		}
		if tw.ID == w.ID {
			return nil, zwfw.Errorf(zwfw.EINVALID, "不能转到本窗口")
		}
		if tw.WindowType == "payment" {
			return nil, zwfw.Errorf(zwfw.EINVALID, "%s是收费窗口，不叫号", tw.Name)
		}
		to = tw
	}
	var token string
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		cur, err := current(ctx, tx, w.ID)
		if err != nil {
			return err
		}
		if cur == nil {
			return errNoCurrent
		}
		catID := cur.CategoryID
		if in.CategoryID != 0 {
			c, err := category(ctx, tx, in.CategoryID)
			if err != nil || c.CentreID != centre.ID {
				return zwfw.Errorf(zwfw.EINVALID, "业务类别不属于%s", centre.Name)
			}
			if !c.Active {
				return zwfw.Errorf(zwfw.EINVALID, "业务类别“%s”已停用，不能转入", c.Name)
			}
			if c.ID == cur.CategoryID && to == nil {
				return zwfw.Errorf(zwfw.EINVALID, "%s 号已是“%s”的号", cur.Number, c.Name)
			}
			catID = c.ID
		}
		// The head of the queue: before every ticket waiting in the
		// category; a window's transferred tickets come first anyway
		// (queueOrder).
		var head int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MIN(queue_at), 0) FROM hall_tickets WHERE centre_id = ? AND day = ? AND category_id = ?
			AND status = ?`, centre.ID, cur.Day, catID, Waiting).Scan(&head); err != nil {
			return err
		}
		at := cur.queueAt
		if head != 0 && head <= at {
			at = head - 1
		}
		var target any
		if to != nil {
			target = to.ID
		}
		if _, err := tx.Exec(ctx, `UPDATE hall_tickets SET status = ?, category_id = ?, target_window_id = ?, queue_at = ?, window_id = NULL,
			staff_id = NULL, recalls = 0, started_at = NULL WHERE id = ?`, Waiting, catID, target, at, cur.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO hall_transfers (ticket_id, from_window_id, to_window_id, from_category_id, to_category_id, staff_id, at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, cur.ID, w.ID, target, cur.CategoryID, catID, nullUser(actor), db.Millis(s.now())); err != nil {
			return err
		}
		token = cur.Token
		detail := map[string]any{"window": w.Code, "centre": centre.Code, "category": catID}
		if to != nil {
			detail["to_window"] = to.Code
		}
		if err := audit.RecordFor(ctx, tx, centre.ID, s.now(), actor, "hall.transfer", "ticket:"+cur.Day+":"+cur.Number, detail); err != nil {
			return err
		}
		return tx.Changed(ctx, Topic, centre.Code)
	})
	if err != nil {
		return nil, err
	}
	return s.Ticket(ctx, token)
}
