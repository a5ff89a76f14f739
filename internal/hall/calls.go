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
		d.Current, err = current(ctx, q, w.ID)
		return err
	})
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
// promises its slot ahead of those who came without one.
const queueRank = "(CASE WHEN t.priority THEN 0 WHEN t.channel = '" + ChannelAppointment + "' THEN 1 ELSE 2 END)"

// queueOrder is THE calling order of waiting tickets (the ORDER BY of
// next): the rank above, then the window's order of categories
// (categoryOrder, an SQL expression; "" when one category is ranked), then
// the number, i.e. the time the ticket was taken or the booking checked
// in. position (tickets.go) counts who is ahead with the same rank and
// number. Any new rule of the calling order belongs here.
func queueOrder(categoryOrder string) string {
	if categoryOrder == "" {
		return queueRank + ", t.seq"
	}
	return queueRank + ", " + categoryOrder + ", t.seq"
}

// next calls the window's next ticket in queueOrder: the priority channel
// (绿色通道) first, then booked tickets, then walk-ins; within each the
// categories in the window's order, each by number.
func (s *Service) next(ctx context.Context, tx *db.Tx, actor *zwfw.Actor, w, centre *org.Org) (*Ticket, error) {
	cats, err := windowCategories(ctx, tx, w.ID, centre.ID)
	if err != nil {
		return nil, err
	}
	if len(cats) == 0 {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "%s还没有设置业务类别", centre.Name)
	}
	day, _ := s.today()
	var in, order strings.Builder
	args := []any{centre.ID, day, Waiting}
	var orderArgs []any
	order.WriteString("CASE t.category_id")
	for i, c := range cats {
		if i > 0 {
			in.WriteString(", ")
		}
		in.WriteString("?")
		args = append(args, c.ID)
		fmt.Fprintf(&order, " WHEN ? THEN %d", i)
		orderArgs = append(orderArgs, c.ID)
	}
	order.WriteString(" END")
	args = append(args, orderArgs...)
	t, err := scanTicket(tx.QueryRow(ctx, ticketCols+" WHERE t.centre_id = ? AND t.day = ? AND t.status = ? AND t.category_id IN ("+in.String()+
		") ORDER BY "+queueOrder(order.String())+" LIMIT 1", args...))
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
