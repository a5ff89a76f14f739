package complaint

import (
	"context"
	"fmt"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/org"
	orgscope "zwfw/internal/scope"
)

// Limit is the working days a kind allows at an organisation, and where
// the figure comes from.
type Limit struct {
	Kind     string `json:"kind"`
	KindName string `json:"kind_name"`
	Days     int    `json:"days"` // 0: no deadline
	SetAt    string `json:"set_at"`
}

// daysAt is the limit of kind at path: the nearest county's or city's
// setting above path, else DefaultDays.
func (s *Service) daysAt(ctx context.Context, q db.Querier, path, kind string) (int, error) {
	above, args := orgscope.Above("o.path", path)
	var days int
	err := q.QueryRow(ctx, `SELECT l.days FROM complaint_limits l JOIN orgs o ON o.id = l.org_id
		WHERE l.kind = ? AND `+above+` ORDER BY LENGTH(o.path) DESC LIMIT 1`, append([]any{kind}, args...)...).Scan(&days)
	if isNoRows(err) {
		return DefaultDays[kind], nil
	}
	if err != nil {
		return 0, fmt.Errorf("complaint: limit of %s at %s: %w", kind, path, err)
	}
	return days, nil
}

// Limits lists the limit of each kind at the organisation code.
func (s *Service) Limits(ctx context.Context, code string) ([]Limit, error) {
	var path, name string
	if err := s.db.Reader().QueryRow(ctx, "SELECT path, CASE WHEN full_name = '' THEN name ELSE full_name END FROM orgs WHERE code = ?", code).Scan(&path, &name); err != nil {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "机构“%s”不存在", code)
	}
	var out []Limit
	for _, k := range Kinds {
		d, err := s.daysAt(ctx, s.db.Reader(), path, k)
		if err != nil {
			return nil, err
		}
		out = append(out, Limit{Kind: k, KindName: KindName(k), Days: d, SetAt: name})
	}
	return out, nil
}

// SetLimits sets the working days of each kind given at a county (or the
// city): a setting of the organisation, made by its own administrators.
func (s *Service) SetLimits(ctx context.Context, actor *zwfw.Actor, code string, days map[string]int) ([]Limit, error) {
	var o org.Org
	if err := s.db.Reader().QueryRow(ctx, "SELECT id, path, kind, name, full_name FROM orgs WHERE code = ?", code).Scan(&o.ID, &o.Path, &o.Kind, &o.Name, &o.FullName); err != nil {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "机构“%s”不存在", code)
	}
	if err := org.MaySetSettings(actor, &o, "投诉建议办理时限"); err != nil {
		return nil, err
	}
	var v zwfw.Invalid
	if len(days) == 0 {
		v.Add("days", "请填写至少一类的办理时限")
	}
	for k, d := range days {
		switch {
		case KindName(k) == "":
			v.Add(k, "类别“%s”无效", k)
		case d < 0 || d > 60:
			v.Add(k, "%s的办理时限应为 0–60 个工作日（0 为不设时限）", KindName(k))
		case k == KindComplaint && d == 0:
			v.Add(k, "投诉必须设办理时限（1–60 个工作日）")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		for _, k := range Kinds {
			d, ok := days[k]
			if !ok {
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO complaint_limits (org_id, kind, days, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (org_id, kind) DO UPDATE SET days = excluded.days, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
				o.ID, k, d, optID(actor.UserID), db.Millis(now)); err != nil {
				return err
			}
		}
		return audit.RecordFor(ctx, tx, o.ID, now, actor, "complaint.limits", "org:"+code, days)
	})
	if err != nil {
		return nil, fmt.Errorf("complaint: set limits: %w", err)
	}
	return s.Limits(ctx, code)
}
