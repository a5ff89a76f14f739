package hall

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/casework"
	"zwfw/internal/db"
)

// What a service left behind: the cases filed at the window while it
// served the ticket (窗口收件), and the applicant's rating of the service on
// the window's evaluation pad (评价器, 好差评 — the levels and the rule that
// a 差评 gives its reason are casework's, shared with the case ratings).

// Rating is the applicant's rating of a service.
type Rating struct {
	Level     int    `json:"level"` // 1 非常满意 … 5 非常不满意 (casework.Levels)
	LevelName string `json:"level_name"`
	Comment   string `json:"comment,omitempty"`
	At        int64  `json:"-"`
}

// LinkCase links a case just filed by actor at a window (窗口收件) to the
// ticket that window is calling or serving, and returns the ticket's
// number ("" when the window serves none, or the actor calls no tickets).
// Casework files the case in its own transaction; the link follows right
// after it (a link lost to a crash in between only loses the cross
// reference, never the case).
func (s *Service) LinkCase(ctx context.Context, actor *zwfw.Actor, caseID int64) (string, error) {
	if MayCall(actor) != nil || actor.WindowID == 0 || caseID == 0 {
		return "", nil
	}
	var number string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		cur, err := current(ctx, tx, actor.WindowID)
		if err != nil || cur == nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO hall_ticket_cases (ticket_id, case_id, created_at) VALUES (?, ?, ?)
			ON CONFLICT (ticket_id, case_id) DO NOTHING`, cur.ID, caseID, db.Millis(s.now())); err != nil {
			return err
		}
		number = cur.Number
		return audit.RecordFor(ctx, tx, cur.CentreID, s.now(), actor, "hall.case_link", "ticket:"+cur.Day+":"+cur.Number,
			map[string]any{"case_id": caseID, "window": cur.WindowCode})
	})
	if err != nil {
		return "", fmt.Errorf("hall: link case: %w", err)
	}
	return number, nil
}

// CaseTickets are the tickets ("A001") whose service filed the case, for
// the case page (“取号 A001”).
func (s *Service) CaseTickets(ctx context.Context, caseID int64) ([]string, error) {
	rows, err := s.db.Query(ctx, `SELECT t.number FROM hall_ticket_cases k JOIN hall_tickets t ON t.id = k.ticket_id
		WHERE k.case_id = ? ORDER BY t.taken_at`, caseID)
	if err != nil {
		return nil, fmt.Errorf("hall: tickets of case: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// served fills in a ticket's linked cases and rating (staff views).
func served(ctx context.Context, q db.Querier, t *Ticket) error {
	if t == nil {
		return nil
	}
	rows, err := q.Query(ctx, `SELECT c.serial FROM hall_ticket_cases k JOIN cases c ON c.id = k.case_id WHERE k.ticket_id = ?
		ORDER BY k.created_at, c.serial`, t.ID)
	if err != nil {
		return err
	}
	t.Cases = nil
	for rows.Next() {
		var serial string
		if err := rows.Scan(&serial); err != nil {
			rows.Close()
			return err
		}
		t.Cases = append(t.Cases, serial)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var r Rating
	err = q.QueryRow(ctx, "SELECT level, comment, created_at FROM hall_ticket_evaluations WHERE ticket_id = ?", t.ID).Scan(&r.Level, &r.Comment, &r.At)
	switch {
	case err == nil:
		r.LevelName = casework.Levels[r.Level]
		t.Rating = &r
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	return nil
}

// StaffTicket is today's ticket number of the window's centre as staff
// see it: with the cases its service filed and its rating.
func (s *Service) StaffTicket(ctx context.Context, actor *zwfw.Actor, windowCode, number string) (*Ticket, error) {
	w, centre, err := s.Window(ctx, windowCode)
	if err != nil {
		return nil, err
	}
	if err := MayServe(actor, w); err != nil {
		return nil, err
	}
	day, _ := s.today()
	var t *Ticket
	err = s.db.ReadTx(ctx, func(q db.Querier) error {
		var err error
		if t, err = ticketOf(ctx, q, centre.ID, day, number); err != nil {
			return err
		}
		if err := position(ctx, q, t); err != nil {
			return err
		}
		return served(ctx, q, t)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// MayRate says whether the service of t may be rated now on the pad of
// the window with code: a service that ended at that window (办结), not
// rated yet — one rating per service, never changed. t must come from
// StaffTicket (which reads its rating).
func (t *Ticket) MayRate(windowCode string) error {
	if t.Status != Done || t.WindowCode != windowCode {
		return zwfw.Errorf(zwfw.ECONFLICT, "%s 号还没有在本窗口办结，不能评价", t.Number)
	}
	if t.Rating != nil {
		return zwfw.Errorf(zwfw.ECONFLICT, "%s 号的服务已评价（%s），每次服务只评价一次", t.Number, t.Rating.LevelName)
	}
	return nil
}

// RatingInput is a rating given on the pad.
type RatingInput struct {
	Level      int      `json:"level"` // 1 非常满意 … 5 非常不满意
	Comment    string   `json:"comment"`
	Indicators []string `json:"indicators,omitempty"` // on-site indicator codes (casework.OnsiteIndicators)
}

// Rate records the applicant's rating of the service of today's ticket
// number at the window, on the evaluation pad the window staff hand over
// (casework.MayHandOverPad): once per ticket, append-only; a 差评 needs
// its reason (casework.CheckRating).
func (s *Service) Rate(ctx context.Context, actor *zwfw.Actor, windowCode, number string, in RatingInput) (*Ticket, error) {
	w, centre, err := s.Window(ctx, windowCode)
	if err != nil {
		return nil, err
	}
	if err := casework.MayHandOverPad(actor); err != nil {
		return nil, err
	}
	if err := MayServe(actor, w); err != nil {
		return nil, err
	}
	comment, err := casework.CheckRating(in.Level, in.Comment)
	if err != nil {
		return nil, err
	}
	indicators, err := casework.CheckIndicators(casework.ChannelPad, true, in.Indicators)
	if err != nil {
		return nil, err
	}
	day, _ := s.today()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		t, err := ticketOf(ctx, tx, centre.ID, day, number)
		if err != nil {
			return err
		}
		if err := served(ctx, tx, t); err != nil {
			return err
		}
		if err := t.MayRate(w.Code); err != nil {
			return err
		}
		var staff sql.NullInt64
		if err := tx.QueryRow(ctx, "SELECT staff_id FROM hall_tickets WHERE id = ?", t.ID).Scan(&staff); err != nil {
			return err
		}
		var staffArg any
		if staff.Valid {
			staffArg = staff.Int64
		}
		id, err := db.InsertID(ctx, tx, `INSERT INTO hall_ticket_evaluations (ticket_id, level, comment, indicators, window_id, staff_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, t.ID, in.Level, comment, indicators, w.ID, staffArg, db.Millis(s.now()))
		if err != nil {
			return db.Conflict(err, t.Number+" 号的服务已评价，每次服务只评价一次")
		}
		if err := audit.RecordFor(ctx, tx, centre.ID, s.now(), actor, "hall.rate", "ticket:"+t.Day+":"+t.Number,
			map[string]any{"window": w.Code, "level": in.Level, "channel": "pad", "id": strconv.FormatInt(t.ID, 10)}); err != nil {
			return err
		}
		if s.ratings == nil {
			return nil
		}
		// A 差评 opens a rectification work order (internal/review).
		return s.ratings.Rated(ctx, tx, casework.Rated{Target: "ticket", EvalID: id, TicketID: t.ID, StaffID: staff.Int64,
			Level: in.Level, Comment: comment, Channel: casework.ChannelPad, Anonymous: true, OrgID: centre.ID, OrgPath: centre.Path,
			OwnerID: w.ID, OwnerPath: w.Path, What: w.Name + " " + t.Number + " 号服务"})
	})
	if err != nil {
		return nil, err
	}
	return s.StaffTicket(ctx, actor, windowCode, number)
}

// SetRatingHook sets who hears of a rating on the pad (app wiring): a 差评
// opens a rectification work order in the rating's transaction.
func (s *Service) SetRatingHook(h casework.RatingHook) { s.ratings = h }
