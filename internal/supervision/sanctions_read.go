package supervision

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"zwfw"
	"zwfw/internal/db"
	orgscope "zwfw/internal/scope"
)

func scanSanction(row interface{ Scan(...any) error }) (*Sanction, error) {
	var x Sanction
	var at int64
	err := row.Scan(&x.ID, &x.Form, &x.CauseKind, &x.CauseRef, &x.CauseText, &x.Decision, &at, &x.OrgPath,
		&x.StaffID, &x.WindowID, &x.DeptID, &x.ProposedByID, &x.StaffName, &x.StaffUser, &x.WindowCode, &x.WindowName, &x.DeptName, &x.ProposedBy)
	if err != nil {
		return nil, err
	}
	x.FormName, x.CauseKindName, x.ProposedAt, x.Acts = SanctionFormName(x.Form), SanctionCauseName(x.CauseKind), db.Time(at), []SanctionAct{}
	return &x, nil
}

// withActs reads the acts of the sanctions and derives their states.
func withActs(ctx context.Context, q db.Querier, list []*Sanction) error {
	if len(list) == 0 {
		return nil
	}
	byID := map[int64]*Sanction{}
	var marks []string
	var args []any
	for _, x := range list {
		byID[x.ID] = x
		marks, args = append(marks, "?"), append(args, x.ID)
	}
	rows, err := q.Query(ctx, `SELECT sanction_id, action, body, decided_on, actor_name, at FROM sanction_acts WHERE sanction_id IN (`+
		strings.Join(marks, ", ")+`) ORDER BY id`, args...)
	if err != nil {
		return fmt.Errorf("supervision: sanction acts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, at int64
		var a SanctionAct
		if err := rows.Scan(&id, &a.Action, &a.Text, &a.DecidedOn, &a.ActorName, &at); err != nil {
			return err
		}
		a.ActionName, a.At = SanctionActionName(a.Action), db.Time(at)
		x := byID[id]
		x.Acts = append(x.Acts, a)
		switch a.Action {
		case SanActApprove, SanActReject:
			x.DecidedBy, x.DecidedOn, x.DecisionNote = a.ActorName, a.DecidedOn, a.Text
		case SanActRespond:
			x.Response, x.RespondedAt = a.Text, a.At
		case SanActWithdraw:
			x.WithdrawnBy, x.WithdrawnAt, x.WithdrawNote = a.ActorName, a.At, a.Text
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, x := range list {
		x.State = SanProposed
		for _, a := range x.Acts {
			switch a.Action {
			case SanActApprove:
				x.State = SanApproved
			case SanActReject:
				x.State = SanRejected
			}
		}
		if x.WithdrawnBy != "" {
			x.State = SanWithdrawn
		}
		x.StateName = SanctionStateName(x.State)
	}
	return nil
}

// Get returns one sanction with its acts, when the actor may read it; any
// other is 404.
func (s *Sanctions) Get(ctx context.Context, actor *zwfw.Actor, id int64) (*Sanction, error) {
	if actor == nil {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	var x *Sanction
	err := s.db.ReadTx(ctx, func(q db.Querier) error {
		var err error
		x, err = scanSanction(q.QueryRow(ctx, sanctionCols+" WHERE s.id = ?", id))
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !mayReadSanction(actor, x)) {
			return zwfw.Errorf(zwfw.ENOTFOUND, "责任追究记录 %d 不存在", id)
		}
		if err != nil {
			return err
		}
		return withActs(ctx, q, []*Sanction{x})
	})
	if err != nil {
		return nil, err
	}
	return x, nil
}

// stateCond is the SQL condition of a derived state.
func stateCond(st string) string {
	decision := "(SELECT a.action FROM sanction_acts a WHERE a.sanction_id = s.id AND a.slot = 'decision')"
	withdrawn := "EXISTS (SELECT 1 FROM sanction_acts a WHERE a.sanction_id = s.id AND a.slot = 'withdrawal')"
	switch st {
	case SanProposed:
		return decision + " IS NULL"
	case SanApproved:
		return decision + " = 'approve' AND NOT " + withdrawn
	case SanRejected:
		return decision + " = 'reject'"
	case SanWithdrawn:
		return withdrawn
	}
	return "1 = 0"
}

// List returns the sanctions the actor may read, newest first, and their
// total: supervisors, hall managers and administrators their subtree; other
// staff their own and their window's.
func (s *Sanctions) List(ctx context.Context, actor *zwfw.Actor, f SanctionQuery) ([]*Sanction, int, error) {
	if actor == nil {
		return nil, 0, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if actor.Kind != zwfw.KindStaff {
		return nil, 0, zwfw.Errorf(zwfw.EFORBIDDEN, "责任追究记录仅供工作人员查看")
	}
	var w *orgscope.Where
	if actor.HasAny(zwfw.RoleSupervisor, zwfw.RoleHallManager, zwfw.RoleAdmin) {
		in, args := orgscope.Of(actor).Cond("s.org_path")
		w = orgscope.Unscoped().And("("+in+" OR s.staff_id = ? OR (s.staff_id IS NULL AND s.window_id = ?))", append(args, actor.UserID, actor.WindowID)...)
	} else {
		// The person's own records: by owner, not by organisation.
		w = orgscope.Unscoped().And("(s.staff_id = ? OR (s.staff_id IS NULL AND s.window_id = ?))", actor.UserID, actor.WindowID)
	}
	if f.State != "" {
		if SanctionStateName(f.State) == "" {
			return nil, 0, zwfw.Errorf(zwfw.EINVALID, "责任追究状态“%s”无效，应为 proposed、approved、rejected 或 withdrawn", f.State)
		}
		w.And(stateCond(f.State))
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	where, args := w.SQL()
	var total int
	var out []*Sanction
	err := s.db.ReadTx(ctx, func(q db.Querier) error {
		if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM sanctions s"+where, args...).Scan(&total); err != nil {
			return fmt.Errorf("supervision: count sanctions: %w", err)
		}
		rows, err := q.Query(ctx, sanctionCols+where+" ORDER BY s.id DESC LIMIT ? OFFSET ?", append(args, f.Limit, f.Offset)...)
		if err != nil {
			return fmt.Errorf("supervision: list sanctions: %w", err)
		}
		out = []*Sanction{}
		for rows.Next() {
			x, err := scanSanction(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		return withActs(ctx, q, out)
	})
	return out, total, err
}
