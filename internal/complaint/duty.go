package complaint

import (
	"context"
	"fmt"
	"slices"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
	orgscope "zwfw/internal/scope"
	"zwfw/internal/supervision"
)

// Source is the register as a source of duties for the warning scan: every
// complaint not yet answered that has a deadline warns as a case does
// (附件2（九）2 预警、红牌), and escalates level by level (逐级督办): the
// yellow card goes to the unit that must answer and the supervisors of its
// own town or department, the red card to them and to the county.
type Source struct{ s *Service }

// DutySource is the register's source for supervision.Warnings.AddSource.
func (s *Service) DutySource() *Source { return &Source{s} }

var (
	_ supervision.DutySource    = (*Source)(nil)
	_ supervision.DutyEscalator = (*Source)(nil)
)

// Kind names the source in the warning table.
func (*Source) Kind() string { return "complaint" }

// Name is its Chinese name.
func (*Source) Name() string { return "投诉" }

// Open lists the complaints that wait for an answer against a deadline:
// the unit's staff own those assigned, the filing centre's managers those
// still to be assigned.
func (src *Source) Open(ctx context.Context, q db.Querier) ([]supervision.Duty, error) {
	rows, err := q.Query(ctx, `SELECT c.id, c.number, c.kind, c.subject, c.org_path, COALESCE(c.unit_id, 0), c.unit_path, c.created_at, c.deadline
		FROM complaints c WHERE c.state IN (?, ?) AND c.deadline <> '' ORDER BY c.id`, Received, Assigned)
	if err != nil {
		return nil, err
	}
	type open struct {
		d      supervision.Duty
		unitID int64
		kind   string
	}
	var all []open
	for rows.Next() {
		var o open
		var created int64
		var deadline string
		if err := rows.Scan(&o.d.Ref, &o.d.Number, &o.kind, &o.d.Title, &o.d.OrgPath, &o.unitID, &o.d.DeptPath, &created, &deadline); err != nil {
			rows.Close()
			return nil, err
		}
		dl, err := calendar.ParseDate(deadline)
		if err != nil {
			continue
		}
		o.d.Start, o.d.Deadline = db.Time(created), dl
		o.d.Title = KindName(o.kind) + "：" + o.d.Title
		o.d.Link = "/work/complaints/" + o.d.Number
		all = append(all, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	owners := map[string][]int64{}
	out := make([]supervision.Duty, 0, len(all))
	for _, o := range all {
		key := fmt.Sprintf("%d|%s|%s", o.unitID, o.d.DeptPath, o.d.OrgPath)
		ids, ok := owners[key]
		if !ok {
			if o.unitID != 0 {
				ids, err = ownersOf(ctx, q, o.unitID, o.d.DeptPath)
			} else {
				ids, err = managersOf(ctx, q, o.d.OrgPath)
			}
			if err != nil {
				return nil, err
			}
			owners[key] = ids
		}
		o.d.Owners = ids
		out = append(out, o.d)
	}
	return out, nil
}

// Recipients: yellow — the owners, whoever assigned it, and the
// supervisors over the unit below the county (a town's 纪委, a
// department's own); red — those and the county's supervisors and the
// managers of the county's service centre.
func (src *Source) Recipients(ctx context.Context, tx *db.Tx, d supervision.Duty, level string) ([]int64, error) {
	out := slices.Clone(d.Owners)
	addAll := func(ids []int64) {
		for _, id := range ids {
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	var assigner int64
	if err := tx.QueryRow(ctx, "SELECT COALESCE(assigned_by, 0) FROM complaints WHERE id = ?", d.Ref).Scan(&assigner); err != nil {
		return nil, err
	}
	unit := d.DeptPath
	if unit == "" {
		unit = d.OrgPath
	}
	county, countyID, err := countyOf(ctx, tx, unit)
	if err != nil {
		return nil, err
	}
	// The supervisors whose organisation holds the unit, below the county.
	above, args := orgscope.Above("o.path", unit)
	rows, err := tx.Query(ctx, `SELECT u.id, o.path FROM users u JOIN orgs o ON o.id = u.org_id
		WHERE u.active = ? AND u.kind = 'staff' AND u.roles LIKE ? AND `+above+` ORDER BY u.id`,
		append([]any{true, "%," + zwfw.RoleSupervisor + ",%"}, args...)...)
	if err != nil {
		return nil, err
	}
	var local []int64
	for rows.Next() {
		var id int64
		var path string
		if err := rows.Scan(&id, &path); err != nil {
			rows.Close()
			return nil, err
		}
		if county == "" || len(path) > len(county) {
			local = append(local, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	addAll(local)
	if assigner != 0 {
		addAll([]int64{assigner})
	}
	if level != supervision.Red || county == "" {
		return out, nil
	}
	sup, err := supervision.SupervisorsAbove(ctx, tx, county)
	if err != nil {
		return nil, err
	}
	addAll(sup)
	// The county service centre's management (中心负责人).
	mgr, err := userIDs(ctx, tx, `SELECT u.id FROM users u JOIN orgs o ON o.id = u.org_id
		WHERE u.active = ? AND u.kind = 'staff' AND u.roles LIKE ? AND o.kind = 'centre' AND o.parent_id = ? ORDER BY u.id`,
		true, "%,"+zwfw.RoleHallManager+",%", countyID)
	if err != nil {
		return nil, err
	}
	addAll(mgr)
	return out, nil
}

// countyOf is the county whose subtree holds path ("" when none: a city's
// own department).
func countyOf(ctx context.Context, q db.Querier, path string) (string, int64, error) {
	above, args := orgscope.Above("path", path)
	var county string
	var id int64
	err := q.QueryRow(ctx, "SELECT path, id FROM orgs WHERE kind = 'county' AND "+above+" ORDER BY LENGTH(path) DESC LIMIT 1", args...).Scan(&county, &id)
	if isNoRows(err) {
		return "", 0, nil
	}
	return county, id, err
}
