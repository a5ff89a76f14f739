package supervision

import (
	"context"
	"fmt"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/org"
	orgscope "zwfw/internal/scope"
)

// MayViewWarnings says who may read the warning list: supervisors,
// windows, reviewers and administrators (and the system).
func MayViewWarnings(a *zwfw.Actor) bool {
	return a != nil && (a.Kind == zwfw.KindSystem ||
		(a.IsStaff() && a.HasAny(zwfw.RoleSupervisor, zwfw.RoleWindow, zwfw.RoleReviewer, zwfw.RoleAdmin)))
}

// Warning is one active warning as lists show it.
type Warning struct {
	Serial     string    `json:"serial"`
	ItemName   string    `json:"item_name"`
	Status     string    `json:"status"`
	StatusName string    `json:"status_name"`
	CaseKind   string    `json:"case_kind"`
	OrgName    string    `json:"org_name"`
	DeptName   string    `json:"dept_name"`
	Scope      string    `json:"scope"`
	ScopeName  string    `json:"scope_name"`
	Name       string    `json:"name,omitempty"` // the step's name, or the sub-task's department
	Level      string    `json:"level"`
	LevelName  string    `json:"level_name"`
	Deadline   string    `json:"deadline"`
	Remaining  int       `json:"remaining_workdays"` // negative: working days overdue
	Since      time.Time `json:"since"`
}

// WarningFilter narrows a warning list. Empty fields do not filter.
type WarningFilter struct {
	Level  string // yellow or red
	Org    string // org code: cases filed in its subtree (a town, a centre)
	Dept   string // org code of a department: its cases and its sub-tasks
	Scope  string // case, step or task
	Limit  int    // default 100, at most 500
	Offset int
}

// List returns the active warnings in the actor's subtree, red first, the
// most overdue first, and their total. Supervisors, windows, reviewers and
// administrators may look.
func (w *Warnings) List(ctx context.Context, actor *zwfw.Actor, f WarningFilter) ([]Warning, int, error) {
	if actor == nil {
		return nil, 0, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if !MayViewWarnings(actor) {
		return nil, 0, zwfw.Errorf(zwfw.EFORBIDDEN, "只有电子监察、窗口、审核人员和管理员可以查看预警")
	}
	where, args := orgscope.Of(actor).Where("c.org_path", "c.dept_path", "w.dept_path").And("w.cleared_at = 0").Conds()
	if f.Level != "" {
		if LevelName(f.Level) == "" {
			return nil, 0, zwfw.Errorf(zwfw.EINVALID, "预警级别“%s”无效，应为 yellow 或 red", f.Level)
		}
		where = append(where, "w.level = ?")
		args = append(args, f.Level)
	}
	if f.Scope != "" {
		if ScopeName(f.Scope) == "" {
			return nil, 0, zwfw.Errorf(zwfw.EINVALID, "预警类别“%s”无效，应为 case、step 或 task", f.Scope)
		}
		where = append(where, "w.scope = ?")
		args = append(args, f.Scope)
	}
	if f.Org != "" {
		o, err := org.Lookup(ctx, w.db.Reader(), f.Org)
		if err != nil {
			return nil, 0, zwfw.Errorf(zwfw.EINVALID, "机构 %s 不存在", f.Org)
		}
		cond, sargs := orgscope.Subtree(o.Path).Cond("c.org_path")
		where, args = append(where, cond), append(args, sargs...)
	}
	if f.Dept != "" {
		o, err := org.Lookup(ctx, w.db.Reader(), f.Dept)
		if err != nil {
			return nil, 0, zwfw.Errorf(zwfw.EINVALID, "部门 %s 不存在", f.Dept)
		}
		cond, sargs := orgscope.Subtree(o.Path).Cond("c.dept_path", "w.dept_path")
		where, args = append(where, cond), append(args, sargs...)
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	f.Limit = min(f.Limit, 500)
	from := " FROM case_warnings w JOIN cases c ON c.id = w.case_id JOIN orgs o ON o.id = c.org_id JOIN orgs d ON d.id = c.dept_id WHERE " +
		strings.Join(where, " AND ")
	var total int
	if err := w.db.QueryRow(ctx, "SELECT COUNT(*)"+from, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("supervision: count warnings: %w", err)
	}
	rows, err := w.db.Query(ctx, `SELECT c.serial, c.item_name, c.status, c.kind,
		CASE WHEN o.full_name = '' THEN o.name ELSE o.full_name END, CASE WHEN d.full_name = '' THEN d.name ELSE d.full_name END,
		w.scope, w.name, w.level, w.deadline, w.remaining, w.since`+from+
		` ORDER BY CASE WHEN w.level = 'red' THEN 0 ELSE 1 END, w.remaining, w.deadline, c.serial, w.scope, w.ref_id LIMIT ? OFFSET ?`,
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("supervision: list warnings: %w", err)
	}
	defer rows.Close()
	out := []Warning{}
	for rows.Next() {
		var x Warning
		var since int64
		if err := rows.Scan(&x.Serial, &x.ItemName, &x.Status, &x.CaseKind, &x.OrgName, &x.DeptName,
			&x.Scope, &x.Name, &x.Level, &x.Deadline, &x.Remaining, &since); err != nil {
			return nil, 0, err
		}
		x.Since = db.Time(since)
		x.StatusName, x.ScopeName, x.LevelName = casework.StatusName(x.Status), ScopeName(x.Scope), LevelName(x.Level)
		out = append(out, x)
	}
	return out, total, rows.Err()
}
