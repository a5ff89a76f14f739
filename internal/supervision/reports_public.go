package supervision

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	orgscope "zwfw/internal/scope"
)

// Publication on the 政务公开 pages: "定期通报并公开工作进展情况" (实施方案
// 五（四）). A supervisor marks a published monthly bulletin or annual
// assessment public, or takes it off again; each change is a new row of
// report_publicity (with its audit entry), the newest in force. The public
// sees a redacted rendering: every person's name replaced by their 工号
// (staff number) or masked, free-text descriptions left out, and anything
// shaped like a phone or an identity number masked.

// publicKinds are the kinds that may be made public.
var publicKinds = []string{Monthly, Annual}

// Publicity is one change of a report's public state.
type Publicity struct {
	Public    bool      `json:"public"`
	Reason    string    `json:"reason,omitempty"`
	ActorName string    `json:"actor_name"`
	At        time.Time `json:"at"`
}

// MayPublishReport says whether the actor may make rep public or take it
// off: a supervisor (电子监察) whose subtree holds the report's organisation,
// for a monthly bulletin or an annual assessment.
func MayPublishReport(actor *zwfw.Actor, rep *Report) error {
	if actor == nil || actor.Kind != zwfw.KindStaff || !actor.Has(zwfw.RoleSupervisor) || !actor.InScope(rep.OrgPath) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有本级电子监察人员可以公开报表")
	}
	if rep.Kind != Monthly && rep.Kind != Annual {
		return zwfw.Errorf(zwfw.ECONFLICT, "只有月通报和年度考评可以在政务公开栏目公开")
	}
	return nil
}

// Publicity lists the changes of a report's public state, oldest first.
func (r *Reports) Publicity(ctx context.Context, id int64) ([]Publicity, error) {
	rows, err := r.db.Query(ctx, "SELECT public, reason, actor_name, at FROM report_publicity WHERE report_id = ? ORDER BY id", id)
	if err != nil {
		return nil, fmt.Errorf("supervision: publicity: %w", err)
	}
	defer rows.Close()
	out := []Publicity{}
	for rows.Next() {
		var p Publicity
		var at int64
		if err := rows.Scan(&p.Public, &p.Reason, &p.ActorName, &at); err != nil {
			return nil, err
		}
		p.At = db.Time(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// IsPublic reports whether the newest change of the report made it public.
func IsPublic(h []Publicity) bool { return len(h) > 0 && h[len(h)-1].Public }

// SetPublic makes the report public (or takes it off, with a reason): a new
// row and its audit entry in one transaction. Asking for the state it is
// already in is a conflict.
func (r *Reports) SetPublic(ctx context.Context, actor *zwfw.Actor, id int64, public bool, reason string) ([]Publicity, error) {
	rep, err := r.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if err := MayPublishReport(actor, rep); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if !public && reason == "" {
		return nil, &zwfw.Error{Code: zwfw.EINVALID, Message: "请填写取消公开的理由", Details: []zwfw.ErrorDetail{{Field: "reason", Message: "请填写取消公开的理由"}}}
	}
	if utf8.RuneCountInString(reason) > 500 {
		return nil, &zwfw.Error{Code: zwfw.EINVALID, Message: "理由不能超过 500 字", Details: []zwfw.ErrorDetail{{Field: "reason", Message: "理由不能超过 500 字"}}}
	}
	now := r.now()
	name := actor.Name
	if name == "" {
		name = actor.Username
	}
	err = r.db.InTx(ctx, func(tx *db.Tx) error {
		var cur bool
		err := tx.QueryRow(ctx, "SELECT public FROM report_publicity WHERE report_id = ? ORDER BY id DESC LIMIT 1", id).Scan(&cur)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if cur == public {
			if public {
				return zwfw.Errorf(zwfw.ECONFLICT, "%s 已经公开", rep.Number)
			}
			return zwfw.Errorf(zwfw.ECONFLICT, "%s 尚未公开", rep.Number)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO report_publicity (report_id, public, reason, actor_id, actor_name, at) VALUES (?, ?, ?, ?, ?, ?)",
			id, public, reason, actor.UserID, name, db.Millis(now)); err != nil {
			return fmt.Errorf("supervision: publicity: %w", err)
		}
		action := "report.publish"
		if !public {
			action = "report.unpublish"
		}
		return audit.Record(ctx, tx, now, actor, action, fmt.Sprintf("report:%d", id), map[string]any{"number": rep.Number, "reason": reason})
	})
	if err != nil {
		return nil, err
	}
	return r.Publicity(ctx, id)
}

// publicCond: the report's newest publicity row says public.
const publicCond = `(SELECT p.public FROM report_publicity p WHERE p.report_id = r.id ORDER BY p.id DESC LIMIT 1) = ?`

// PublicReports lists the reports made public, newest first, for anyone
// (the 政务公开 pages need no sign-in); under is an organisation code to
// keep to its subtree ("" for all).
func (r *Reports) PublicReports(ctx context.Context, under string) ([]*Report, error) {
	// Public by the supervisor's decision: not organisations' data read on
	// an actor's behalf, so unscoped unless a place is asked for.
	w := orgscope.Unscoped().And(publicCond, true)
	if under != "" {
		var path string
		if err := r.db.QueryRow(ctx, "SELECT path FROM orgs WHERE code = ?", under).Scan(&path); err != nil {
			return []*Report{}, nil
		}
		w = orgscope.Subtree(path).Where("r.org_path").And(publicCond, true)
	}
	where, args := w.SQL()
	rows, err := r.db.Query(ctx, `SELECT r.id, r.kind, r.period, o.code, CASE WHEN o.full_name = '' THEN o.name ELSE o.full_name END,
		r.revision, r.number, r.title, r.generated_at FROM reports r JOIN orgs o ON o.id = r.org_id`+where+" ORDER BY r.id DESC LIMIT 200", args...)
	if err != nil {
		return nil, fmt.Errorf("supervision: public reports: %w", err)
	}
	defer rows.Close()
	out := []*Report{}
	for rows.Next() {
		var rep Report
		var at int64
		if err := rows.Scan(&rep.ID, &rep.Kind, &rep.Period, &rep.OrgCode, &rep.OrgName, &rep.Revision, &rep.Number, &rep.Title, &at); err != nil {
			return nil, err
		}
		rep.KindName, rep.GeneratedAt, rep.PeriodName = ReportKindName(rep.Kind), db.Time(at), periodName(rep.Kind, rep.Period)
		out = append(out, &rep)
	}
	return out, rows.Err()
}

// PublicReport returns a public report redacted for the public, rendered
// anew from its published figures; a report not public is 404.
func (r *Reports) PublicReport(ctx context.Context, id int64) (*Report, error) {
	var content, path string
	var public bool
	err := r.db.QueryRow(ctx, `SELECT r.content, r.org_path, COALESCE((SELECT p.public FROM report_publicity p WHERE p.report_id = r.id ORDER BY p.id DESC LIMIT 1), ?)
		FROM reports r WHERE r.id = ?`, false, id).Scan(&content, &path, &public)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !public) {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "公开报表 %d 不存在", id)
	}
	if err != nil {
		return nil, err
	}
	var rep Report
	if err := json.Unmarshal([]byte(content), &rep); err != nil {
		return nil, fmt.Errorf("supervision: read report %d: %w", id, err)
	}
	rep.ID, rep.OrgPath = id, path
	if err := r.redact(ctx, &rep); err != nil {
		return nil, err
	}
	html, err := r.render(&rep)
	if err != nil {
		return nil, err
	}
	rep.HTML = template.HTML(scrub(html))
	return &rep, nil
}

var (
	phoneLike = regexp.MustCompile(`1[3-9][0-9]{9}`)
	idLike    = regexp.MustCompile(`[0-9]{17}[0-9Xx]`)
)

// scrub masks what looks like a mobile phone or an identity number.
func scrub(s string) string {
	s = idLike.ReplaceAllStringFunc(s, func(m string) string { return m[:6] + strings.Repeat("*", 12) })
	return phoneLike.ReplaceAllStringFunc(s, func(m string) string { return m[:3] + "****" + m[7:] })
}

// redact replaces people's names by their 工号 or a masked name and drops
// free-text descriptions.
func (r *Reports) redact(ctx context.Context, rep *Report) error {
	numbers := map[string]string{} // username → staff number
	rows, err := r.db.Query(ctx, `SELECT u.username, f.staff_no FROM staff_profiles f JOIN users u ON u.id = f.user_id WHERE f.staff_no <> ''`)
	if err != nil {
		return fmt.Errorf("supervision: staff numbers: %w", err)
	}
	for rows.Next() {
		var u, n string
		if err := rows.Scan(&u, &n); err != nil {
			rows.Close()
			return err
		}
		numbers[u] = n
	}
	rows.Close()
	person := func(username, name string) string {
		if n := numbers[username]; n != "" {
			return "工号 " + n
		}
		return ident.MaskName(name)
	}
	if rep.GeneratedBy != "system" {
		rep.GeneratedBy = ident.MaskName(rep.GeneratedBy)
	}
	sanctions := func(list []SanctionBrief) {
		for i := range list {
			b := &list[i]
			if b.Staff != "" {
				b.Staff = person(b.StaffUser, b.Staff)
			}
			b.StaffUser, b.CauseText = "", ""
		}
	}
	if m := rep.Monthly; m != nil {
		for i := range m.Errors {
			if m.Errors[i].Staff != "" {
				m.Errors[i].Staff = person(m.Errors[i].StaffUser, m.Errors[i].Staff)
			}
			m.Errors[i].StaffUser = ""
			m.Errors[i].Description = "（公开版不含情况说明）"
		}
		sanctions(m.Sanctions)
	}
	if a := rep.Annual; a != nil {
		for _, x := range a.Staff {
			x.Name, x.Code = person(x.Code, x.Name), ""
		}
		sanctions(a.Sanctions)
	}
	return nil
}
