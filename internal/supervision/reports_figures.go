package supervision

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	orgscope "zwfw/internal/scope" // overview.go has a type scope
)

// What the kinds of report count: lists of cases, and per-unit figures of
// a period.

// listCap bounds each case list printed in a report; the count is always
// the full one.
const listCap = 200

// CaseLine is a case as a report lists it (no personal data).
type CaseLine struct {
	Serial     string `json:"serial"`
	ItemName   string `json:"item_name"`
	DeptName   string `json:"dept_name"`
	OrgName    string `json:"org_name"`
	Status     string `json:"status"`
	StatusName string `json:"status_name"`
	Deadline   string `json:"deadline,omitempty"`
	Note       string `json:"note,omitempty"` // 超期 3 个工作日, 剩余 1 个工作日, 办结于 …
}

// CaseList is a counted list of cases, at most listCap of them shown.
type CaseList struct {
	Count int        `json:"count"`
	Cases []CaseLine `json:"cases"`
}

// Unit holds the figures of one department, town, window or staff member
// over a period.
type Unit struct {
	Code         string   `json:"code"`
	Name         string   `json:"name"`
	Received     int      `json:"received"`
	Completed    int      `json:"completed"`
	OnTime       int      `json:"on_time"`
	OnTimeRate   *float64 `json:"on_time_rate"` // percent; null without completed cases
	Evaluated    int      `json:"evaluated"`
	Satisfied    int      `json:"satisfied"`
	Satisfaction *float64 `json:"satisfaction_rate"` // percent; null without evaluations
	Complaints   int      `json:"complaints"`        // 差评: 不满意 and 非常不满意
	Errors       int      `json:"errors"`            // confirmed errors
	Rank         int      `json:"rank,omitempty"`
	Score        *Score   `json:"score,omitempty"`
	id           int64
	path         string
}

// cases is the start of a condition on the cases (c) an organisation's
// report covers: filed in its subtree, or handled by one of its
// departments.
func (o *scopeOrg) cases() *orgscope.Where {
	return orgscope.Subtree(o.path).Where("c.org_path", "c.dept_path")
}

const caseLineCols = `SELECT c.serial, c.item_name, CASE WHEN d.full_name = '' THEN d.name ELSE d.full_name END,
	CASE WHEN o.full_name = '' THEN o.name ELSE o.full_name END, c.status, c.deadline, c.completed_at
	FROM cases c JOIN orgs d ON d.id = c.dept_id JOIN orgs o ON o.id = c.org_id`

// caseList lists and counts the cases matching w, in order (ties broken by
// serial); note describes each line.
func (r *Reports) caseList(ctx context.Context, w *orgscope.Where, order string, note func(l *CaseLine, completed int64) string) (CaseList, error) {
	out := CaseList{Cases: []CaseLine{}}
	where, args := w.SQL()
	if err := r.db.QueryRow(ctx, "SELECT COUNT(*) FROM cases c"+where, args...).Scan(&out.Count); err != nil {
		return out, fmt.Errorf("supervision: count cases: %w", err)
	}
	rows, err := r.db.Query(ctx, caseLineCols+where+" ORDER BY "+order+", c.serial LIMIT ?", append(args, listCap)...)
	if err != nil {
		return out, fmt.Errorf("supervision: list cases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l CaseLine
		var completed int64
		if err := rows.Scan(&l.Serial, &l.ItemName, &l.DeptName, &l.OrgName, &l.Status, &l.Deadline, &completed); err != nil {
			return out, err
		}
		l.StatusName = casework.StatusName(l.Status)
		if note != nil {
			l.Note = note(&l, completed)
		}
		out.Cases = append(out.Cases, l)
	}
	return out, rows.Err()
}

// figures are a period's per-unit counts over a scope.
type figures struct {
	total                        Unit
	depts, towns, windows, staff map[int64]*Unit
	late                         []int64 // cases completed after their deadline
	errs                         []ErrorBrief
}

func (f *figures) unit(m map[int64]*Unit, id int64) *Unit {
	if id == 0 {
		return nil
	}
	u := m[id]
	if u == nil {
		u = &Unit{id: id}
		m[id] = u
	}
	return u
}

// townOf finds the town whose subtree holds a case's organisation or
// department.
func townOf(towns []*Unit, paths ...string) *Unit {
	for _, t := range towns {
		if orgscope.Subtree(t.path).ContainsAny(paths...) {
			return t
		}
	}
	return nil
}

// acceptedBy is the staff member who accepted a case (its first 受理 step).
const acceptedBy = `COALESCE((SELECT s.actor_id FROM case_steps s WHERE s.case_id = c.id AND s.action = 'accept' ORDER BY s.seq LIMIT 1), 0)`

// figures reads the period's cases, evaluations and confirmed errors once
// each, by index ranges (day, completed_at, evaluations.created_at,
// sup_errors state and date), and counts them per department, town, window
// and accepting staff member:
//   - received: cases filed on a day of the period;
//   - completed: cases completed in the period; on time when completed on or
//     before their deadline (限时办结, attachment 2 (六)3);
//   - satisfaction: evaluations given in the period; satisfied at 非常满意,
//     满意 or 基本满意 (好评, GB/T 39735), complaints at 不满意 or 非常不满意;
//   - errors: confirmed errors that occurred in the period (§5(4)).
func (r *Reports) figures(ctx context.Context, o *scopeOrg, p period) (*figures, error) {
	f := &figures{depts: map[int64]*Unit{}, towns: map[int64]*Unit{}, windows: map[int64]*Unit{}, staff: map[int64]*Unit{}}
	var towns []*Unit
	where, args := orgscope.Subtree(o.path).Where("path").And("kind = 'town'").SQL()
	rows, err := r.db.Query(ctx, `SELECT id, code, name, path FROM orgs`+where+` ORDER BY sort, code`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		u := &Unit{}
		if err := rows.Scan(&u.id, &u.Code, &u.Name, &u.path); err != nil {
			rows.Close()
			return nil, err
		}
		towns = append(towns, u)
		f.towns[u.id] = u
	}
	rows.Close()
	from, to := p.from.Format(calendar.DateLayout), p.to.Format(calendar.DateLayout)
	fromMs, toMs := db.Millis(p.from), db.Millis(p.to.AddDate(0, 0, 1))
	add := func(fn func(u *Unit), units ...*Unit) {
		fn(&f.total)
		for _, u := range units {
			if u != nil {
				fn(u)
			}
		}
	}
	// Received.
	where, args = o.cases().And("c.day >= ?", from).And("c.day <= ?", to).SQL()
	rows, err = r.db.Query(ctx, `SELECT c.dept_id, c.org_path, c.dept_path FROM cases c`+where, args...)
	if err != nil {
		return nil, fmt.Errorf("supervision: received: %w", err)
	}
	for rows.Next() {
		var dept int64
		var op, dp string
		if err := rows.Scan(&dept, &op, &dp); err != nil {
			rows.Close()
			return nil, err
		}
		add(func(u *Unit) { u.Received++ }, f.unit(f.depts, dept), townOf(towns, op, dp))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Completed, on time, by department, town, window and accepting staff.
	where, args = o.cases().And("c.completed_at >= ?", fromMs).And("c.completed_at < ?", toMs).SQL()
	rows, err = r.db.Query(ctx, `SELECT c.id, c.dept_id, c.org_path, c.dept_path, COALESCE(c.window_id, 0), c.deadline, c.completed_at,
		`+acceptedBy+` FROM cases c`+where, args...)
	if err != nil {
		return nil, fmt.Errorf("supervision: completed: %w", err)
	}
	for rows.Next() {
		var id, dept, win, at, staff int64
		var op, dp, deadline string
		if err := rows.Scan(&id, &dept, &op, &dp, &win, &deadline, &at, &staff); err != nil {
			rows.Close()
			return nil, err
		}
		onTime := deadline == "" || db.Time(at).Format(calendar.DateLayout) <= deadline
		if !onTime {
			f.late = append(f.late, id)
		}
		add(func(u *Unit) {
			u.Completed++
			if onTime {
				u.OnTime++
			}
		}, f.unit(f.depts, dept), townOf(towns, op, dp), f.unit(f.windows, win), f.unit(f.staff, staff))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Evaluations.
	where, args = o.cases().And("e.created_at >= ?", fromMs).And("e.created_at < ?", toMs).SQL()
	rows, err = r.db.Query(ctx, `SELECT e.level, c.dept_id, c.org_path, c.dept_path, COALESCE(c.window_id, 0), `+acceptedBy+`
		FROM evaluations e JOIN cases c ON c.id = e.case_id`+where, args...)
	if err != nil {
		return nil, fmt.Errorf("supervision: evaluations: %w", err)
	}
	for rows.Next() {
		var level int
		var dept, win, staff int64
		var op, dp string
		if err := rows.Scan(&level, &dept, &op, &dp, &win, &staff); err != nil {
			rows.Close()
			return nil, err
		}
		add(func(u *Unit) {
			u.Evaluated++
			if level <= 3 {
				u.Satisfied++
			} else {
				u.Complaints++
			}
		}, f.unit(f.depts, dept), townOf(towns, op, dp), f.unit(f.windows, win), f.unit(f.staff, staff))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Confirmed errors.
	where, args = orgscope.Subtree(o.path).Where("e.org_path").And("e.state = 'confirmed'").
		And("e.occurred_on >= ?", from).And("e.occurred_on <= ?", to).SQL()
	rows, err = r.db.Query(ctx, `SELECT COALESCE(e.dept_id, 0), e.org_path, COALESCE(e.window_id, 0), COALESCE(e.staff_id, 0),
		e.occurred_on, e.kind, COALESCE(w.name, ''), COALESCE(u.name, ''), COALESCE(u.username, ''), COALESCE(CASE WHEN d.full_name = '' THEN d.name ELSE d.full_name END, ''),
		e.case_serial, e.description
		FROM sup_errors e LEFT JOIN orgs w ON w.id = e.window_id LEFT JOIN users u ON u.id = e.staff_id LEFT JOIN orgs d ON d.id = e.dept_id`+
		where+` ORDER BY e.occurred_on, e.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("supervision: errors: %w", err)
	}
	for rows.Next() {
		var dept, win, staff int64
		var op, kind string
		var b ErrorBrief
		if err := rows.Scan(&dept, &op, &win, &staff, &b.OccurredOn, &kind, &b.Window, &b.Staff, &b.StaffUser, &b.Dept, &b.CaseSerial, &b.Description); err != nil {
			rows.Close()
			return nil, err
		}
		b.KindName = ErrorKindName(kind)
		f.errs = append(f.errs, b)
		add(func(u *Unit) { u.Errors++ }, f.unit(f.depts, dept), townOf(towns, op), f.unit(f.windows, win), f.unit(f.staff, staff))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Names.
	if err := r.names(ctx, "SELECT id, code, CASE WHEN full_name = '' THEN name ELSE full_name END FROM orgs WHERE id IN ", f.depts, f.windows); err != nil {
		return nil, err
	}
	if err := r.names(ctx, "SELECT id, username, name FROM users WHERE id IN ", f.staff); err != nil {
		return nil, err
	}
	finish(&f.total)
	for _, m := range []map[int64]*Unit{f.depts, f.towns, f.windows, f.staff} {
		for _, u := range m {
			finish(u)
		}
	}
	return f, nil
}

// names fills the code and name of the units of ms from query + "(ids)".
func (r *Reports) names(ctx context.Context, query string, ms ...map[int64]*Unit) error {
	var ids []any
	var marks []string
	for _, m := range ms {
		for id := range m {
			ids, marks = append(ids, id), append(marks, "?")
		}
	}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		rows, err := r.db.Query(ctx, query+"("+strings.Join(marks[:n], ", ")+")", ids[:n]...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var code, name string
			if err := rows.Scan(&id, &code, &name); err != nil {
				rows.Close()
				return err
			}
			for _, m := range ms {
				if u := m[id]; u != nil {
					u.Code, u.Name = code, name
				}
			}
		}
		rows.Close()
		ids, marks = ids[n:], marks[n:]
	}
	return nil
}

func percent(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	v := float64(int(float64(n)*1000/float64(d)+0.5)) / 10
	return &v
}

func finish(u *Unit) {
	u.OnTimeRate, u.Satisfaction = percent(u.OnTime, u.Completed), percent(u.Satisfied, u.Evaluated)
}

func sortedUnits(m map[int64]*Unit) []*Unit {
	out := make([]*Unit, 0, len(m))
	for _, u := range m {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b *Unit) int { return cmp.Compare(a.Code, b.Code) })
	return out
}
