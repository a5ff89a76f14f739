package supervision

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	orgscope "zwfw/internal/scope" // overview.go has a type scope
)

// Publication: a generated report is rendered to its printable sheet and
// stored, with its figures, as a new revision — never changed afterwards —
// in the transaction that numbers it and writes its audit entry. Reading
// lists and returns them as published.

//go:embed reports*.tmpl
var reportFiles embed.FS

// reportTemplates parses the sheet (reports.tmpl) and each kind's body
// (reports_<kind>.tmpl, defining <kind>) once; a kind without its template
// fails the start.
func reportTemplates() *template.Template {
	t := template.Must(template.New("report").Funcs(template.FuncMap{
		"rate": fmtRate,
		"pts":  func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
		"add1": func(i int) int { return i + 1 },
		"units": func(label string, us []*Unit) map[string]any {
			return map[string]any{"Label": label, "Units": us}
		},
		"attendanceOf": func(f *AttendanceFig, note string) map[string]any {
			return map[string]any{"Fig": f, "Note": note}
		},
		"annualUnits": func(label string, us []*AnnualUnit, voiceNote string) map[string]any {
			return map[string]any{"Label": label, "Units": us, "Voice": voiceNote == ""}
		},
		"deref":    func(f *float64) float64 { return *f },
		"derefInt": func(i *int) int { return *i },
	}).ParseFS(reportFiles, "reports*.tmpl"))
	for _, k := range reportKinds {
		if t.Lookup(k.code) == nil {
			panic("supervision: no template " + k.code + " for the report kind " + k.name)
		}
	}
	return t
}

func fmtRate(r *float64) string {
	if r == nil {
		return "—"
	}
	return strconv.FormatFloat(*r, 'f', 1, 64) + "%"
}

// render is a report's printable sheet: the kind's body in the common
// heading and signature.
func (r *Reports) render(rep *Report) (string, error) {
	var body, sheet bytes.Buffer
	if err := r.tpl.ExecuteTemplate(&body, rep.Kind, rep); err != nil {
		return "", fmt.Errorf("supervision: render report: %w", err)
	}
	if err := r.tpl.ExecuteTemplate(&sheet, "sheet", struct {
		*Report
		Body template.HTML
	}{rep, template.HTML(body.String())}); err != nil {
		return "", fmt.Errorf("supervision: render report: %w", err)
	}
	return sheet.String(), nil
}

// publish numbers, renders and stores a computed report as the next
// revision of its kind, period and organisation (firstOnly: only when
// there is none yet, for scheduled runs), with its audit entry.
func (r *Reports) publish(ctx context.Context, actor *zwfw.Actor, rep *Report, o *scopeOrg, k *reportKind, firstOnly bool) error {
	now := rep.GeneratedAt
	return r.db.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(revision), 0) + 1 FROM reports WHERE kind = ? AND period = ? AND org_id = ?",
			rep.Kind, rep.Period, o.id).Scan(&rep.Revision); err != nil {
			return err
		}
		if firstOnly && rep.Revision > 1 {
			return errGenerated
		}
		n, err := tx.Next(ctx, fmt.Sprintf("report:%s:%d", rep.Kind, now.Year()))
		if err != nil {
			return err
		}
		rep.Number = fmt.Sprintf("%s〔%d〕%d号", k.name, now.Year(), n)
		html, err := r.render(rep)
		if err != nil {
			return err
		}
		rep.HTML = template.HTML(html)
		content, err := json.Marshal(rep)
		if err != nil {
			return err
		}
		var by any
		if actor.UserID != 0 {
			by = actor.UserID
		}
		rep.ID, err = db.InsertID(ctx, tx, `INSERT INTO reports (kind, period, org_id, org_path, revision, number, title, content, html,
			generated_by, generator, generated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			rep.Kind, rep.Period, o.id, o.path, rep.Revision, rep.Number, rep.Title, string(content), html,
			by, rep.GeneratedBy, db.Millis(now))
		if err != nil {
			if errors.Is(db.MapError(err), db.ErrUnique) {
				return zwfw.Errorf(zwfw.ECONFLICT, "同一期间的报表正在生成，请稍后刷新")
			}
			return fmt.Errorf("supervision: store report: %w", err)
		}
		return audit.RecordFor(ctx, tx, o.id, now, actor, "report.generate", fmt.Sprintf("report:%d", rep.ID),
			map[string]any{"kind": rep.Kind, "period": rep.Period, "org": o.code, "revision": rep.Revision, "number": rep.Number})
	})
}

// mayReadReport: the generators in scope, and every staff member of the
// organisation a report covers (a published bulletin is addressed to them).
func mayReadReport(a *zwfw.Actor, orgPath string) bool {
	if a == nil || !a.IsStaff() {
		return false
	}
	return a.InScope(orgPath) || (a.OrgPath != "" && strings.HasPrefix(a.OrgPath, orgPath))
}

// ReportQuery filters the list of reports.
type ReportQuery struct {
	Kind   string
	Limit  int
	Offset int
}

// List returns the reports the actor may read, newest first, without their
// content, and their total.
func (r *Reports) List(ctx context.Context, actor *zwfw.Actor, q ReportQuery) ([]*Report, int, error) {
	if actor == nil {
		return nil, 0, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if !actor.IsStaff() {
		return nil, 0, zwfw.Errorf(zwfw.EFORBIDDEN, "报表仅供工作人员查看")
	}
	// The reports of the actor's subtree, and those of the organisations
	// above that cover it (their paths are prefixes of the actor's): the
	// subtree's condition, widened.
	sc := orgscope.Of(actor)
	cond, args := sc.Cond("r.org_path")
	if anc := pathPrefixes(actor.OrgPath); !sc.IsAll() && len(anc) > 0 {
		cond = "(" + cond + " OR r.org_path IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(anc)), ", ") + "))"
		for _, p := range anc {
			args = append(args, p)
		}
	}
	w := orgscope.Unscoped().And(cond, args...)
	if q.Kind != "" {
		if _, err := kindOf(q.Kind); err != nil {
			return nil, 0, err
		}
		w.And("r.kind = ?", q.Kind)
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 50
	}
	where, args := w.SQL()
	var total int
	if err := r.db.QueryRow(ctx, "SELECT COUNT(*) FROM reports r"+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("supervision: count reports: %w", err)
	}
	rows, err := r.db.Query(ctx, `SELECT r.id, r.kind, r.period, o.code, CASE WHEN o.full_name = '' THEN o.name ELSE o.full_name END,
		r.revision, r.number, r.title, r.generator, r.generated_at, r.org_path FROM reports r JOIN orgs o ON o.id = r.org_id`+where+
		" ORDER BY r.id DESC LIMIT ? OFFSET ?", append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("supervision: list reports: %w", err)
	}
	defer rows.Close()
	out := []*Report{}
	for rows.Next() {
		var rep Report
		var at int64
		if err := rows.Scan(&rep.ID, &rep.Kind, &rep.Period, &rep.OrgCode, &rep.OrgName, &rep.Revision, &rep.Number, &rep.Title,
			&rep.GeneratedBy, &at, &rep.OrgPath); err != nil {
			return nil, 0, err
		}
		rep.KindName, rep.GeneratedAt, rep.PeriodName = ReportKindName(rep.Kind), db.Time(at), periodName(rep.Kind, rep.Period)
		out = append(out, &rep)
	}
	return out, total, rows.Err()
}

// Get returns a report, as published, when the actor may read it; any other
// is 404.
func (r *Reports) Get(ctx context.Context, actor *zwfw.Actor, id int64) (*Report, error) {
	if actor == nil {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	var content, html, path string
	err := r.db.QueryRow(ctx, "SELECT content, html, org_path FROM reports WHERE id = ?", id).Scan(&content, &html, &path)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !mayReadReport(actor, path)) {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "报表 %d 不存在", id)
	}
	if err != nil {
		return nil, err
	}
	var rep Report
	if err := json.Unmarshal([]byte(content), &rep); err != nil {
		return nil, fmt.Errorf("supervision: read report %d: %w", id, err)
	}
	// The content was encoded before the row had its id.
	rep.ID, rep.HTML, rep.OrgPath = id, template.HTML(html), path
	return &rep, nil
}

// Revisions lists every published version of a report's kind, period and
// organisation, oldest first, without their content: a regeneration never
// replaces what was published.
func (r *Reports) Revisions(ctx context.Context, actor *zwfw.Actor, rep *Report) ([]*Report, error) {
	if !mayReadReport(actor, rep.OrgPath) {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "报表 %d 不存在", rep.ID)
	}
	rows, err := r.db.Query(ctx, `SELECT r.id, r.revision, r.number, r.generator, r.generated_at FROM reports r JOIN orgs o ON o.id = r.org_id
		WHERE r.kind = ? AND r.period = ? AND o.code = ? ORDER BY r.revision`, rep.Kind, rep.Period, rep.OrgCode)
	if err != nil {
		return nil, fmt.Errorf("supervision: revisions: %w", err)
	}
	defer rows.Close()
	var out []*Report
	for rows.Next() {
		v := &Report{Kind: rep.Kind, KindName: rep.KindName, Period: rep.Period, PeriodName: rep.PeriodName, OrgCode: rep.OrgCode}
		var at int64
		if err := rows.Scan(&v.ID, &v.Revision, &v.Number, &v.GeneratedBy, &at); err != nil {
			return nil, err
		}
		v.GeneratedAt = db.Time(at)
		out = append(out, v)
	}
	return out, rows.Err()
}
