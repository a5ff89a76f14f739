package supervision

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"zwfw/internal/db"
	orgscope "zwfw/internal/scope"
)

// SanctionBrief is an approved sanction as a report lists it.
type SanctionBrief struct {
	DecidedOn string `json:"decided_on"`
	FormName  string `json:"form_name"`
	Staff     string `json:"staff,omitempty"`
	StaffUser string `json:"staff_username,omitempty"`
	Window    string `json:"window,omitempty"`
	Unit      string `json:"unit"` // the department, else the window
	CauseName string `json:"cause_name"`
	CauseRef  string `json:"cause_ref"`
	CauseText string `json:"cause_text,omitempty"`
	deptID    int64
	windowID  int64
	staffID   int64
	path      string
}

// UnitCount is a count per unit.
type UnitCount struct {
	Unit  string `json:"unit"`
	Count int    `json:"count"`
}

// approvedSanctions are the sanctions under path approved with a decision
// date in [from, to] and not withdrawn by now: those that count in the
// bulletin and the assessments.
func approvedSanctions(ctx context.Context, q db.Querier, path string, from, to string) ([]SanctionBrief, error) {
	where, args := orgscope.Subtree(path).Where("s.org_path").And(
		"s.id IN (SELECT a.sanction_id FROM sanction_acts a WHERE a.slot = 'decision' AND a.action = 'approve' AND a.decided_on >= ? AND a.decided_on <= ?)", from, to).
		And("NOT EXISTS (SELECT 1 FROM sanction_acts x WHERE x.sanction_id = s.id AND x.slot = 'withdrawal')").SQL()
	rows, err := q.Query(ctx, `SELECT (SELECT a.decided_on FROM sanction_acts a WHERE a.sanction_id = s.id AND a.slot = 'decision'), s.form, s.cause_kind, s.cause_ref, s.cause_text,
		COALESCE(u.name, ''), COALESCE(u.username, ''), COALESCE(w.name, ''), COALESCE(CASE WHEN d.full_name = '' THEN d.name ELSE d.full_name END, ''),
		COALESCE(s.dept_id, 0), COALESCE(s.window_id, 0), COALESCE(s.staff_id, 0), s.org_path, s.id
		FROM sanctions s LEFT JOIN users u ON u.id = s.staff_id LEFT JOIN orgs w ON w.id = s.window_id LEFT JOIN orgs d ON d.id = s.dept_id`+where, args...)
	if err != nil {
		return nil, fmt.Errorf("supervision: approved sanctions: %w", err)
	}
	defer rows.Close()
	type row struct {
		b  SanctionBrief
		id int64
	}
	var all []row
	for rows.Next() {
		var x row
		var form, kind, dept string
		if err := rows.Scan(&x.b.DecidedOn, &form, &kind, &x.b.CauseRef, &x.b.CauseText, &x.b.Staff, &x.b.StaffUser, &x.b.Window, &dept,
			&x.b.deptID, &x.b.windowID, &x.b.staffID, &x.b.path, &x.id); err != nil {
			return nil, err
		}
		x.b.FormName, x.b.CauseName, x.b.Unit = SanctionFormName(form), SanctionCauseName(kind), dept
		if x.b.Unit == "" {
			x.b.Unit = x.b.Window
		}
		all = append(all, x)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(all, func(a, b row) int {
		if c := strings.Compare(a.b.DecidedOn, b.b.DecidedOn); c != 0 {
			return c
		}
		return int(a.id - b.id)
	})
	out := make([]SanctionBrief, len(all))
	for i, x := range all {
		out[i] = x.b
	}
	return out, nil
}

// countByUnit counts sanctions per unit, in the order units first appear.
func countByUnit(list []SanctionBrief) []UnitCount {
	out := []UnitCount{}
	idx := map[string]int{}
	for _, b := range list {
		i, ok := idx[b.Unit]
		if !ok {
			i = len(out)
			idx[b.Unit] = i
			out = append(out, UnitCount{Unit: b.Unit})
		}
		out[i].Count++
	}
	slices.SortStableFunc(out, func(a, b UnitCount) int { return b.Count - a.Count })
	return out
}
