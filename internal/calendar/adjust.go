package calendar

import (
	"context"
	"fmt"
	"sort"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/org"
)

// HasCalendar reports whether an organisation of kind keeps a working
// calendar of its own: the city and the counties do; a town, a village or
// a department works on its county's.
func HasCalendar(kind string) bool { return org.HoldsSettings(kind) }

// Adjust records a local adjustment of a.Org's calendar — the actor's own
// organisation's when a.Org is empty — or, with an empty kind, removes the
// adjustment of that date. Only a county or the city keeps a calendar, and
// only that organisation's own administrators change it: a town's
// administrator, another county's, or the city's cannot move Ningshan's
// deadlines (the city's make the city's adjustments, which apply to all).
// It returns the adjustment as recorded, with its organisation.
func (c *Calendar) Adjust(ctx context.Context, actor *zwfw.Actor, a Adjustment) (Adjustment, error) {
	err := c.adjust(ctx, actor, &a)
	return a, err
}

func (c *Calendar) adjust(ctx context.Context, actor *zwfw.Actor, a *Adjustment) error {
	if !actor.Has(zwfw.RoleAdmin) && actor.Kind != zwfw.KindSystem {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有系统管理员可以调整工作日历")
	}
	if _, err := ParseDate(a.Date); err != nil {
		return err
	}
	if a.Kind != "" && a.Kind != Holiday && a.Kind != Workday {
		return zwfw.Errorf(zwfw.EINVALID, "调整类型应为 holiday（放假）或 workday（上班）")
	}
	if a.Kind != "" && (len([]rune(a.Note)) < 2 || len([]rune(a.Note)) > 100) {
		return zwfw.Errorf(zwfw.EINVALID, "请写明调整原因（2–100 字）")
	}
	if a.Org == "" {
		a.Org = actor.OrgCode
	}
	if a.Org == "" {
		msg := "请指明调整哪个机构的工作日历（org）"
		return &zwfw.Error{Code: zwfw.EINVALID, Message: msg, Details: []zwfw.ErrorDetail{{Field: "org", Message: msg}}}
	}
	now := c.now()
	return c.db.InTx(ctx, func(tx *db.Tx) error {
		o, err := org.Lookup(ctx, tx, a.Org)
		if err != nil {
			if org.ErrNotFound(err) {
				msg := fmt.Sprintf("机构 %s 不存在", a.Org)
				return &zwfw.Error{Code: zwfw.EINVALID, Message: msg, Details: []zwfw.ErrorDetail{{Field: "org", Message: msg}}}
			}
			return err
		}
		if err := org.MaySetSettings(actor, o, "工作日历"); err != nil {
			return err
		}
		a.Org, a.OrgName = o.Code, o.DisplayName()
		if _, err := tx.Exec(ctx, "DELETE FROM calendar_adjustments WHERE org_id = ? AND day = ?", o.ID, a.Date); err != nil {
			return err
		}
		if a.Kind != "" {
			if _, err := tx.Exec(ctx, "INSERT INTO calendar_adjustments (org_id, day, kind, note, actor_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
				o.ID, a.Date, a.Kind, a.Note, nullID(actor.UserID), db.Millis(now)); err != nil {
				return err
			}
		}
		if err := audit.RecordFor(ctx, tx, o.ID, now, actor, "calendar.adjust", "day:"+a.Date, *a); err != nil {
			return err
		}
		return tx.Changed(ctx, Topic, o.Code)
	})
}

// Adjustments lists the local adjustments in force at path in a year: the
// organisations' on the path, a nearer one's replacing a farther one's of
// the same date; each names its organisation.
func (c *Calendar) Adjustments(ctx context.Context, path string, year int) ([]Adjustment, error) {
	owners, err := c.owners(ctx, path, false, fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-12-31", year))
	if err != nil {
		return nil, err
	}
	r := merge(owners, path)
	out := make([]Adjustment, 0, len(r))
	for _, a := range r {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
