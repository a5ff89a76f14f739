package supervision

import (
	"context"
	"fmt"

	"zwfw"
	"zwfw/internal/attendance"
	orgscope "zwfw/internal/scope"
)

// StaffChoices are the staff a supervision record of the actor may name —
// an error (差错登记, §5(4)) or a sanction (责任追究): the active staff in the
// actor's subtree, the same reach Register and Propose check. The forms
// offer them by name, 姓名（窗口 or 单位）, instead of a user name to type
// (issue 12 item 4).
func (s *Errors) StaffChoices(ctx context.Context, actor *zwfw.Actor) ([]attendance.StaffChoice, error) {
	if actor == nil || actor.Kind != zwfw.KindStaff {
		return nil, nil
	}
	cond, args := orgscope.Of(actor).Cond("o.path")
	rows, err := s.db.Reader().Query(ctx, `SELECT u.username, u.name, COALESCE(w.name, o.name)
		FROM users u JOIN orgs o ON o.id = u.org_id LEFT JOIN orgs w ON w.id = u.window_id
		WHERE u.kind = ? AND u.active = ? AND `+cond+` ORDER BY o.path, COALESCE(w.path, ''), u.name, u.username`,
		append([]any{zwfw.KindStaff, true}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("supervision: staff choices: %w", err)
	}
	defer rows.Close()
	var out []attendance.StaffChoice
	for rows.Next() {
		var c attendance.StaffChoice
		if err := rows.Scan(&c.Username, &c.Name, &c.WindowName); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
