// Package supervision is electronic supervision (电子监察): deadline
// warnings, dashboard figures, the published reports of the "日检查、周考勤、
// 月通报、季考核" system (attachment 2 (9)2) and error registration (差错登记,
// §5(4)).
package supervision

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
)

// Kinds of report (attachment 2 (9)2: 日检查、周考勤、月通报、季考核).
const (
	Daily     = "daily"     // 日检查
	Weekly    = "weekly"    // 周考勤
	Monthly   = "monthly"   // 月通报
	Quarterly = "quarterly" // 季考核
)

// ReportKinds lists the kinds in order.
var ReportKinds = []string{Daily, Weekly, Monthly, Quarterly}

var reportKindNames = map[string]string{Daily: "日检查", Weekly: "周考勤", Monthly: "月通报", Quarterly: "季考核"}

// ReportKindName is the Chinese name of a kind ("" when unknown).
func ReportKindName(k string) string { return reportKindNames[k] }

// listCap bounds each case list printed in a report; the count is always
// the full one.
const listCap = 200

// warnWorkdays: a running case is warned when at most this many working days
// remain (预警提醒, attachment 2 (9)2).
const warnWorkdays = 2

// Report is a published report (通报): immutable once generated.
type Report struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"`
	KindName    string     `json:"kind_name"`
	Period      string     `json:"period"`
	PeriodName  string     `json:"period_name"`
	From        string     `json:"from"`
	To          string     `json:"to"`
	OrgCode     string     `json:"org_code"`
	OrgName     string     `json:"org_name"`
	Centre      string     `json:"centre"`
	Revision    int        `json:"revision"`
	Number      string     `json:"number"`
	Title       string     `json:"title"`
	GeneratedBy string     `json:"generated_by"`
	GeneratedAt time.Time  `json:"generated_at"`
	Daily       *DailyFigs `json:"daily,omitempty"`
	Weekly      *WeeklyFig `json:"weekly,omitempty"`
	Monthly     *MonthFigs `json:"monthly,omitempty"`
	Quarterly   *QuartFigs `json:"quarterly,omitempty"`

	HTML    template.HTML `json:"-"` // the rendered bulletin, as published
	OrgPath string        `json:"-"`
}

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

// DailyFigs is the daily check (日检查).
type DailyFigs struct {
	Overdue     CaseList `json:"overdue"`     // running cases past their deadline
	Warned      CaseList `json:"warned"`      // running cases with ≤ 2 working days left
	Waiting     CaseList `json:"waiting"`     // submitted, waiting for acceptance
	Unevaluated CaseList `json:"unevaluated"` // completed in the last 30 days, not evaluated
}

// WeeklyFig is the weekly attendance summary (周考勤).
type WeeklyFig struct {
	AttendanceNote string `json:"attendance_note"`
	Received       int    `json:"received"`
	Completed      int    `json:"completed"`
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

// MonthFigs is the monthly bulletin (月通报).
type MonthFigs struct {
	Total       Unit         `json:"total"`
	Departments []*Unit      `json:"departments"`
	Towns       []*Unit      `json:"towns"`
	Overdue     CaseList     `json:"overdue"`
	Errors      []ErrorBrief `json:"errors"`
}

// ErrorBrief is a confirmed error as the bulletin lists it.
type ErrorBrief struct {
	OccurredOn  string `json:"occurred_on"`
	KindName    string `json:"kind_name"`
	Window      string `json:"window,omitempty"`
	Staff       string `json:"staff,omitempty"`
	Dept        string `json:"dept,omitempty"`
	CaseSerial  string `json:"case_serial,omitempty"`
	Description string `json:"description"`
}

// QuartFigs is the quarterly assessment (季考核).
type QuartFigs struct {
	Weights     Weights `json:"weights"`
	Departments []*Unit `json:"departments"`
	Windows     []*Unit `json:"windows"`
	Staff       []*Unit `json:"staff"`
}

// Score is the breakdown of an assessment score.
type Score struct {
	OnTime       float64 `json:"on_time"`
	Satisfaction float64 `json:"satisfaction"`
	Errors       float64 `json:"errors"`     // deducted (≤ 0)
	Complaints   float64 `json:"complaints"` // deducted (≤ 0)
	Total        float64 `json:"total"`
}

// Weights are the assessment formula administrators configure: points for a
// 100 % on-time rate and a 100 % satisfaction rate (together 100), and the
// points deducted per confirmed error and per complaint.
type Weights struct {
	OnTime       int `json:"on_time"`
	Satisfaction int `json:"satisfaction"`
	Error        int `json:"error"`
	Complaint    int `json:"complaint"`
}

// DefaultWeights apply until an administrator sets others.
var DefaultWeights = Weights{OnTime: 60, Satisfaction: 40, Error: 5, Complaint: 2}

// ReportRequest names a report to generate.
type ReportRequest struct {
	Kind   string `json:"kind"`
	Period string `json:"period"`
	Org    string `json:"org,omitempty"` // org code; the county when empty
}

// Reports generates, keeps and reads the published reports.
type Reports struct {
	db     *db.DB
	cal    *calendar.Calendar
	now    func() time.Time
	county string // the default organisation (the deploying county's code)
	tpl    *template.Template
}

//go:embed reports.tmpl
var reportTemplate string

// NewReports returns the reports service; county is the code of the
// organisation reports cover by default.
func NewReports(d *db.DB, cal *calendar.Calendar, county string, now func() time.Time) *Reports {
	t := template.Must(template.New("report").Funcs(template.FuncMap{
		"rate": fmtRate,
		"pts":  func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
		"add1": func(i int) int { return i + 1 },
		"units": func(label string, us []*Unit) map[string]any {
			return map[string]any{"Label": label, "Units": us}
		},
	}).Parse(reportTemplate))
	return &Reports{db: d, cal: cal, now: now, county: county, tpl: t}
}

func fmtRate(r *float64) string {
	if r == nil {
		return "—"
	}
	return strconv.FormatFloat(*r, 'f', 1, 64) + "%"
}

// period is a parsed period: its first and last day.
type period struct {
	from, to time.Time
	name     string
}

// parsePeriod reads a period of a kind: 2026-11-27 (daily), 2026-W48
// (weekly, ISO week), 2026-11 (monthly), 2026-Q4 (quarterly).
func parsePeriod(kind, s string) (period, error) {
	bad := func(format string) (period, error) {
		return period{}, &zwfw.Error{Code: zwfw.EINVALID, Message: fmt.Sprintf("%s的期间“%s”格式不正确，应为 %s", ReportKindName(kind), s, format),
			Details: []zwfw.ErrorDetail{{Field: "period", Message: "应为 " + format}}}
	}
	switch kind {
	case Daily:
		d, err := time.ParseInLocation(calendar.DateLayout, s, db.Zone)
		if err != nil {
			return bad("YYYY-MM-DD")
		}
		return period{d, d, d.Format("2006年1月2日")}, nil
	case Weekly:
		var y, w int
		if n, err := fmt.Sscanf(s, "%4d-W%2d", &y, &w); n != 2 || err != nil || w < 1 || w > 53 || len(s) != 8 {
			return bad("YYYY-Www（ISO 周）")
		}
		jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, db.Zone)
		mon := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+(w-1)*7)
		if yy, ww := mon.ISOWeek(); yy != y || ww != w {
			return bad("YYYY-Www（ISO 周）")
		}
		sun := mon.AddDate(0, 0, 6)
		return period{mon, sun, fmt.Sprintf("%d年第%d周（%s—%s）", y, w, mon.Format("1月2日"), sun.Format("1月2日"))}, nil
	case Monthly:
		d, err := time.ParseInLocation("2006-01", s, db.Zone)
		if err != nil {
			return bad("YYYY-MM")
		}
		return period{d, d.AddDate(0, 1, -1), d.Format("2006年1月")}, nil
	case Quarterly:
		var y, q int
		if n, err := fmt.Sscanf(s, "%4d-Q%1d", &y, &q); n != 2 || err != nil || q < 1 || q > 4 || len(s) != 7 {
			return bad("YYYY-Qn")
		}
		d := time.Date(y, time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, db.Zone)
		return period{d, d.AddDate(0, 3, -1), fmt.Sprintf("%d年第%s季度", y, []string{"", "一", "二", "三", "四"}[q])}, nil
	}
	return period{}, &zwfw.Error{Code: zwfw.EINVALID, Message: fmt.Sprintf("报表类型“%s”无效，应为 daily（日检查）、weekly（周考勤）、monthly（月通报）或 quarterly（季考核）", kind),
		Details: []zwfw.ErrorDetail{{Field: "kind", Message: "应为 daily、weekly、monthly 或 quarterly"}}}
}

// mayGenerate: supervisors and administrators, within their subtree; the
// system for scheduled reports.
func mayGenerate(a *zwfw.Actor) bool {
	return a != nil && (a.Kind == zwfw.KindSystem || a.HasAny(zwfw.RoleSupervisor, zwfw.RoleAdmin))
}

// mayReadReport: the generators in scope, and every staff member of the
// organisation a report covers (a published bulletin is addressed to them).
func mayReadReport(a *zwfw.Actor, orgPath string) bool {
	if a == nil || !a.IsStaff() {
		return false
	}
	return a.InScope(orgPath) || (a.OrgPath != "" && strings.HasPrefix(a.OrgPath, orgPath))
}

type scopeOrg struct {
	id               int64
	code, name, path string
	centre           string
}

func (r *Reports) scope(ctx context.Context, code string) (*scopeOrg, error) {
	var o scopeOrg
	err := r.db.QueryRow(ctx, `SELECT id, code, CASE WHEN full_name = '' THEN name ELSE full_name END, path FROM orgs WHERE code = ?`, code).
		Scan(&o.id, &o.code, &o.name, &o.path)
	if err != nil {
		return nil, &zwfw.Error{Code: zwfw.EINVALID, Message: fmt.Sprintf("机构“%s”不存在", code), Details: []zwfw.ErrorDetail{{Field: "org", Message: "机构不存在"}}}
	}
	err = r.db.QueryRow(ctx, `SELECT CASE WHEN full_name = '' THEN name ELSE full_name END FROM orgs WHERE parent_id = ? AND kind = 'centre' ORDER BY sort, id LIMIT 1`, o.id).Scan(&o.centre)
	if err != nil {
		o.centre = o.name
	}
	return &o, nil
}

// GenerateReport computes a report of kind for period over org (the county
// when empty), renders it and publishes it as a new revision: an earlier
// report of the same kind, period and organisation is kept as it was.
func (r *Reports) GenerateReport(ctx context.Context, actor *zwfw.Actor, kind, periodText, orgCode string) (*Report, error) {
	return r.generate(ctx, actor, kind, periodText, orgCode, false)
}

// errGenerated stops a scheduled generation that finds its report made.
var errGenerated = errors.New("supervision: report already generated")

func (r *Reports) generate(ctx context.Context, actor *zwfw.Actor, kind, periodText, orgCode string, firstOnly bool) (*Report, error) {
	if actor == nil {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if !mayGenerate(actor) {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "只有电子监察人员和系统管理员可以生成报表")
	}
	p, err := parsePeriod(kind, strings.TrimSpace(periodText))
	if err != nil {
		return nil, err
	}
	now := r.now().In(db.Zone)
	if p.from.After(calendar.Date(now)) {
		return nil, &zwfw.Error{Code: zwfw.EINVALID, Message: fmt.Sprintf("期间“%s”尚未开始，不能生成报表", p.name),
			Details: []zwfw.ErrorDetail{{Field: "period", Message: "期间尚未开始"}}}
	}
	if orgCode = strings.TrimSpace(orgCode); orgCode == "" {
		orgCode = r.county
	}
	o, err := r.scope(ctx, orgCode)
	if err != nil {
		return nil, err
	}
	if !actor.InScope(o.path) {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "机构“%s”不在您的管辖范围内", o.name)
	}
	rep := &Report{Kind: kind, KindName: ReportKindName(kind), Period: periodText, PeriodName: p.name,
		From: p.from.Format(calendar.DateLayout), To: p.to.Format(calendar.DateLayout),
		OrgCode: o.code, OrgName: o.name, Centre: o.centre, GeneratedAt: now, OrgPath: o.path}
	rep.Title = fmt.Sprintf("%s%s%s", o.name, p.name, map[string]string{Daily: "日检查情况", Weekly: "周考勤情况", Monthly: "政务服务工作通报", Quarterly: "考核结果"}[kind])
	rep.GeneratedBy = actor.Name
	if actor.Kind == zwfw.KindSystem {
		rep.GeneratedBy = "system"
	}
	switch kind {
	case Daily:
		rep.Daily, err = r.daily(ctx, o, p.from)
	case Weekly:
		rep.Weekly, err = r.weekly(ctx, o, p)
	case Monthly:
		rep.Monthly, err = r.monthly(ctx, o, p, now)
	case Quarterly:
		rep.Quarterly, err = r.quarterly(ctx, o, p)
	}
	if err != nil {
		return nil, err
	}
	err = r.db.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(revision), 0) + 1 FROM reports WHERE kind = ? AND period = ? AND org_id = ?",
			kind, rep.Period, o.id).Scan(&rep.Revision); err != nil {
			return err
		}
		if firstOnly && rep.Revision > 1 {
			return errGenerated
		}
		n, err := tx.Next(ctx, fmt.Sprintf("report:%s:%d", kind, now.Year()))
		if err != nil {
			return err
		}
		rep.Number = fmt.Sprintf("%s〔%d〕%d号", rep.KindName, now.Year(), n)
		var buf bytes.Buffer
		if err := r.tpl.Execute(&buf, rep); err != nil {
			return fmt.Errorf("supervision: render report: %w", err)
		}
		rep.HTML = template.HTML(buf.String())
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
			kind, rep.Period, o.id, o.path, rep.Revision, rep.Number, rep.Title, string(content), buf.String(),
			by, rep.GeneratedBy, db.Millis(now))
		if err != nil {
			if errors.Is(db.MapError(err), db.ErrUnique) {
				return zwfw.Errorf(zwfw.ECONFLICT, "同一期间的报表正在生成，请稍后刷新")
			}
			return fmt.Errorf("supervision: store report: %w", err)
		}
		return audit.RecordFor(ctx, tx, o.id, now, actor, "report.generate", fmt.Sprintf("report:%d", rep.ID),
			map[string]any{"kind": kind, "period": rep.Period, "org": o.code, "revision": rep.Revision, "number": rep.Number})
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
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
	where, args := "", []any{}
	if actor.Kind != zwfw.KindSystem {
		// In the actor's subtree, or covering the actor's organisation (an
		// ancestor: its path is a prefix of the actor's).
		var anc []string
		for _, id := range pathPrefixes(actor.OrgPath) {
			anc = append(anc, "?")
			args = append(args, id)
		}
		where = ` WHERE (r.org_path LIKE ? ESCAPE '\'`
		args = append([]any{db.Like(actor.OrgPath) + "%"}, args...)
		if len(anc) > 0 {
			where += " OR r.org_path IN (" + strings.Join(anc, ", ") + ")"
		}
		where += ")"
	}
	if q.Kind != "" {
		if ReportKindName(q.Kind) == "" {
			return nil, 0, &zwfw.Error{Code: zwfw.EINVALID, Message: fmt.Sprintf("报表类型“%s”无效，应为 daily、weekly、monthly 或 quarterly", q.Kind),
				Details: []zwfw.ErrorDetail{{Field: "kind", Message: "应为 daily、weekly、monthly 或 quarterly"}}}
		}
		if where == "" {
			where = " WHERE r.kind = ?"
		} else {
			where += " AND r.kind = ?"
		}
		args = append(args, q.Kind)
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 50
	}
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
		rep.KindName, rep.GeneratedAt = ReportKindName(rep.Kind), db.Time(at)
		if p, err := parsePeriod(rep.Kind, rep.Period); err == nil {
			rep.PeriodName = p.name
		}
		out = append(out, &rep)
	}
	return out, total, rows.Err()
}

// pathPrefixes lists the proper ancestors' paths of a materialised path:
// "/1/2/3/" → "/1/", "/1/2/".
func pathPrefixes(p string) []string {
	var out []string
	for i := 1; i < len(p)-1; i++ {
		if p[i] == '/' {
			out = append(out, p[:i+1])
		}
	}
	return out
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

// ---- figures ----

// openStatuses are the statuses of a case running against its deadline
// (casework.Open).
const openStatuses = "'accepted', 'in_progress', 'suspended', 'approved', 'awaiting_payment'"

// caseScope limits cases to an organisation's subtree: filed there, or
// handled by one of its departments.
const caseScope = `(c.org_path LIKE ? ESCAPE '\' OR c.dept_path LIKE ? ESCAPE '\')`

var statusNames = map[string]string{
	"submitted": "待受理", "supplement_required": "待补正", "accepted": "已受理", "rejected": "不予受理",
	"in_progress": "办理中", "suspended": "特别程序中", "approved": "已批准", "denied": "不予批准",
	"awaiting_payment": "待缴费", "completed": "已办结", "delivered": "已送达", "archived": "已归档", "withdrawn": "已撤回",
}

const caseLineCols = `SELECT c.serial, c.item_name, CASE WHEN d.full_name = '' THEN d.name ELSE d.full_name END,
	CASE WHEN o.full_name = '' THEN o.name ELSE o.full_name END, c.status, c.deadline, c.completed_at
	FROM cases c JOIN orgs d ON d.id = c.dept_id JOIN orgs o ON o.id = c.org_id`

// caseList runs a case query (caseLineCols + cond) and counts it; note
// describes each line.
func (r *Reports) caseList(ctx context.Context, cond, order string, args []any, note func(l *CaseLine, completed int64) string) (CaseList, error) {
	out := CaseList{Cases: []CaseLine{}}
	if err := r.db.QueryRow(ctx, "SELECT COUNT(*) FROM cases c WHERE "+cond, args...).Scan(&out.Count); err != nil {
		return out, fmt.Errorf("supervision: count cases: %w", err)
	}
	rows, err := r.db.Query(ctx, caseLineCols+" WHERE "+cond+" ORDER BY "+order+" LIMIT ?", append(args, listCap)...)
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
		l.StatusName = statusNames[l.Status]
		if note != nil {
			l.Note = note(&l, completed)
		}
		out.Cases = append(out.Cases, l)
	}
	return out, rows.Err()
}

// daily is the daily check as of day: overdue and warned running cases,
// cases waiting for acceptance, completed cases not yet evaluated.
func (r *Reports) daily(ctx context.Context, o *scopeOrg, day time.Time) (*DailyFigs, error) {
	today := day.Format(calendar.DateLayout)
	// The report's organisation's calendar: adjustments are a county's or
	// the city's, so a county's cases all count on it.
	limit, err := r.cal.AddWorkdays(ctx, o.path, day, warnWorkdays)
	if err != nil {
		return nil, err
	}
	span, err := r.cal.Span(ctx, day.AddDate(0, 0, -400), limit)
	if err != nil {
		return nil, err
	}
	sc := db.Like(o.path) + "%"
	remaining := func(l *CaseLine, _ int64) string {
		d, err := calendar.ParseDate(l.Deadline)
		if err != nil {
			return ""
		}
		if n := span.Between(o.path, day, d); n < 0 {
			return fmt.Sprintf("超期 %d 个工作日", -n)
		} else if n == 0 {
			return "今日到期"
		} else {
			return fmt.Sprintf("剩余 %d 个工作日", n)
		}
	}
	f := &DailyFigs{}
	if f.Overdue, err = r.caseList(ctx, "c.status IN ("+openStatuses+") AND c.deadline <> '' AND c.deadline < ? AND "+caseScope,
		"c.deadline, c.id", []any{today, sc, sc}, remaining); err != nil {
		return nil, err
	}
	if f.Warned, err = r.caseList(ctx, "c.status IN ("+openStatuses+") AND c.status <> 'suspended' AND c.deadline >= ? AND c.deadline <= ? AND "+caseScope,
		"c.deadline, c.id", []any{today, limit.Format(calendar.DateLayout), sc, sc}, remaining); err != nil {
		return nil, err
	}
	if f.Waiting, err = r.caseList(ctx, "c.status = 'submitted' AND "+caseScope, "c.submitted_at, c.id", []any{sc, sc},
		func(_ *CaseLine, _ int64) string { return "" }); err != nil {
		return nil, err
	}
	since := db.Millis(day.AddDate(0, 0, -30))
	if f.Unevaluated, err = r.caseList(ctx, `c.completed_at >= ? AND c.completed_at < ? AND c.status IN ('completed', 'delivered', 'archived')
		AND NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.case_id = c.id) AND `+caseScope,
		"c.completed_at, c.id", []any{since, db.Millis(day.AddDate(0, 0, 1)), sc, sc},
		func(_ *CaseLine, at int64) string { return "办结于 " + db.Time(at).Format("2006-01-02") }); err != nil {
		return nil, err
	}
	return f, nil
}

// weekly is the attendance summary. Attendance is recorded by the hall
// operations (fingerprint clock-in, attachment 2 (六)4), which the platform
// does not hold yet: the section says so and invents nothing.
func (r *Reports) weekly(ctx context.Context, o *scopeOrg, p period) (*WeeklyFig, error) {
	f := &WeeklyFig{AttendanceNote: "暂无考勤数据：考勤（指纹打卡、请销假、AB岗顶岗）记录尚未接入本平台。"}
	fig, err := r.figures(ctx, o, p)
	if err != nil {
		return nil, err
	}
	f.Received, f.Completed = fig.total.Received, fig.total.Completed
	return f, nil
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
		for _, p := range paths {
			if strings.HasPrefix(p, t.path) {
				return t
			}
		}
	}
	return nil
}

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
	sc := db.Like(o.path) + "%"
	var towns []*Unit
	rows, err := r.db.Query(ctx, `SELECT id, code, name, path FROM orgs WHERE kind = 'town' AND path LIKE ? ESCAPE '\' ORDER BY sort, code`, sc)
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
	rows, err = r.db.Query(ctx, `SELECT c.dept_id, c.org_path, c.dept_path FROM cases c WHERE c.day >= ? AND c.day <= ? AND `+caseScope, from, to, sc, sc)
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
	rows, err = r.db.Query(ctx, `SELECT c.id, c.dept_id, c.org_path, c.dept_path, COALESCE(c.window_id, 0), c.deadline, c.completed_at,
		COALESCE((SELECT s.actor_id FROM case_steps s WHERE s.case_id = c.id AND s.action = 'accept' ORDER BY s.seq LIMIT 1), 0)
		FROM cases c WHERE c.completed_at >= ? AND c.completed_at < ? AND `+caseScope, fromMs, toMs, sc, sc)
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
	rows, err = r.db.Query(ctx, `SELECT e.level, c.dept_id, c.org_path, c.dept_path, COALESCE(c.window_id, 0),
		COALESCE((SELECT s.actor_id FROM case_steps s WHERE s.case_id = c.id AND s.action = 'accept' ORDER BY s.seq LIMIT 1), 0)
		FROM evaluations e JOIN cases c ON c.id = e.case_id WHERE e.created_at >= ? AND e.created_at < ? AND `+caseScope, fromMs, toMs, sc, sc)
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
	rows, err = r.db.Query(ctx, `SELECT COALESCE(e.dept_id, 0), e.org_path, COALESCE(e.window_id, 0), COALESCE(e.staff_id, 0),
		e.occurred_on, e.kind, COALESCE(w.name, ''), COALESCE(u.name, ''), COALESCE(CASE WHEN d.full_name = '' THEN d.name ELSE d.full_name END, ''),
		e.case_serial, e.description
		FROM sup_errors e LEFT JOIN orgs w ON w.id = e.window_id LEFT JOIN users u ON u.id = e.staff_id LEFT JOIN orgs d ON d.id = e.dept_id
		WHERE e.state = 'confirmed' AND e.occurred_on >= ? AND e.occurred_on <= ? AND e.org_path LIKE ? ESCAPE '\' ORDER BY e.occurred_on, e.id`, from, to, sc)
	if err != nil {
		return nil, fmt.Errorf("supervision: errors: %w", err)
	}
	for rows.Next() {
		var dept, win, staff int64
		var op, kind string
		var b ErrorBrief
		if err := rows.Scan(&dept, &op, &win, &staff, &b.OccurredOn, &kind, &b.Window, &b.Staff, &b.Dept, &b.CaseSerial, &b.Description); err != nil {
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

func rateKey(r *float64) float64 {
	if r == nil {
		return -1
	}
	return *r
}

// rankMonthly orders units for the bulletin's ranking: on-time rate, then
// satisfaction, then fewer confirmed errors, then volume.
func rankMonthly(us []*Unit) {
	slices.SortStableFunc(us, func(a, b *Unit) int {
		if c := cmp.Compare(rateKey(b.OnTimeRate), rateKey(a.OnTimeRate)); c != 0 {
			return c
		}
		if c := cmp.Compare(rateKey(b.Satisfaction), rateKey(a.Satisfaction)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Errors, b.Errors); c != 0 {
			return c
		}
		return cmp.Compare(b.Completed, a.Completed)
	})
	rank := 0
	for _, u := range us {
		if u.Received+u.Completed+u.Evaluated+u.Errors > 0 {
			rank++
			u.Rank = rank // a unit without any figure is not ranked
		}
	}
}

// monthly is the monthly bulletin: per department and per town, volumes,
// on-time rate, satisfaction, confirmed errors and the ranking; the overdue
// list (completed late in the month, or still running past a deadline in
// the month).
func (r *Reports) monthly(ctx context.Context, o *scopeOrg, p period, now time.Time) (*MonthFigs, error) {
	fig, err := r.figures(ctx, o, p)
	if err != nil {
		return nil, err
	}
	m := &MonthFigs{Total: fig.total, Departments: sortedUnits(fig.depts), Errors: fig.errs}
	m.Total.Code, m.Total.Name = o.code, "合计"
	for _, t := range sortedUnits(fig.towns) {
		m.Towns = append(m.Towns, t)
	}
	slices.SortStableFunc(m.Towns, func(a, b *Unit) int { return cmp.Compare(a.path, b.path) })
	rankMonthly(m.Departments)
	rankMonthly(m.Towns)
	if m.Errors == nil {
		m.Errors = []ErrorBrief{}
	}
	// Overdue: completed late in the month, or running and past a deadline
	// that fell in the month (before today).
	sc := db.Like(o.path) + "%"
	end := p.to.Format(calendar.DateLayout)
	if today := calendar.Date(now).Format(calendar.DateLayout); today <= end {
		end = calendar.Date(now).AddDate(0, 0, -1).Format(calendar.DateLayout)
	}
	cond := "((c.status IN (" + openStatuses + ") AND c.deadline <> '' AND c.deadline >= ? AND c.deadline <= ?)"
	args := []any{p.from.Format(calendar.DateLayout), end}
	if len(fig.late) > 0 {
		var marks []string
		for _, id := range fig.late {
			marks = append(marks, "?")
			args = append(args, id)
		}
		cond += " OR c.id IN (" + strings.Join(marks, ", ") + ")"
	}
	cond += ") AND " + caseScope
	args = append(args, sc, sc)
	m.Overdue, err = r.caseList(ctx, cond, "c.deadline, c.id", args, func(l *CaseLine, at int64) string {
		if at != 0 {
			return "超期办结于 " + db.Time(at).Format("2006-01-02")
		}
		return "未办结，期限 " + l.Deadline
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// quarterly scores each department, window and staff member (accepting
// clerk) by the configured weights, with the breakdown (季考核, attachment 2
// (9)1–2: results count in the annual appraisal).
func (r *Reports) quarterly(ctx context.Context, o *scopeOrg, p period) (*QuartFigs, error) {
	w, err := r.Weights(ctx)
	if err != nil {
		return nil, err
	}
	fig, err := r.figures(ctx, o, p)
	if err != nil {
		return nil, err
	}
	q := &QuartFigs{Weights: w, Departments: sortedUnits(fig.depts), Windows: sortedUnits(fig.windows), Staff: sortedUnits(fig.staff)}
	for _, us := range [][]*Unit{q.Departments, q.Windows, q.Staff} {
		for _, u := range us {
			u.Score = w.score(u)
		}
		// Units with nothing to assess (no completed case, no evaluation, no
		// error) keep their full marks but are not ranked, and come last.
		assessed := func(u *Unit) bool { return u.Completed+u.Evaluated+u.Errors > 0 }
		slices.SortStableFunc(us, func(a, b *Unit) int {
			if x, y := assessed(a), assessed(b); x != y {
				if x {
					return -1
				}
				return 1
			}
			if c := cmp.Compare(b.Score.Total, a.Score.Total); c != 0 {
				return c
			}
			return cmp.Compare(b.Completed, a.Completed)
		})
		rank := 0
		for _, u := range us {
			if assessed(u) {
				rank++
				u.Rank = rank
			}
		}
	}
	return q, nil
}

// score applies the formula: OnTime × on-time rate + Satisfaction ×
// satisfaction rate − Error × confirmed errors − Complaint × complaints. A
// component without data (no completed case, no evaluation) earns its full
// points: nothing was late, nobody was dissatisfied.
func (w Weights) score(u *Unit) *Score {
	s := &Score{OnTime: float64(w.OnTime), Satisfaction: float64(w.Satisfaction)}
	if u.OnTimeRate != nil {
		s.OnTime = round1(float64(w.OnTime) * float64(u.OnTime) / float64(u.Completed))
	}
	if u.Satisfaction != nil {
		s.Satisfaction = round1(float64(w.Satisfaction) * float64(u.Satisfied) / float64(u.Evaluated))
	}
	if u.Errors > 0 {
		s.Errors = -float64(w.Error * u.Errors)
	}
	if u.Complaints > 0 {
		s.Complaints = -float64(w.Complaint * u.Complaints)
	}
	s.Total = round1(s.OnTime + s.Satisfaction + s.Errors + s.Complaints)
	return s
}

// ---- weights ----

var weightNames = []string{"on_time", "satisfaction", "error", "complaint"}

func (w *Weights) field(name string) *int {
	switch name {
	case "on_time":
		return &w.OnTime
	case "satisfaction":
		return &w.Satisfaction
	case "error":
		return &w.Error
	case "complaint":
		return &w.Complaint
	}
	return nil
}

// Weights returns the assessment weights in force.
func (r *Reports) Weights(ctx context.Context) (Weights, error) {
	w := DefaultWeights
	rows, err := r.db.Query(ctx, "SELECT name, value FROM assessment_weights")
	if err != nil {
		return w, fmt.Errorf("supervision: weights: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var v int
		if err := rows.Scan(&name, &v); err != nil {
			return w, err
		}
		if p := w.field(name); p != nil {
			*p = v
		}
	}
	return w, rows.Err()
}

// SetWeights changes the assessment weights (administrators only), with an
// audit entry; reports already published keep the weights they used.
func (r *Reports) SetWeights(ctx context.Context, actor *zwfw.Actor, w Weights) (Weights, error) {
	if actor == nil {
		return w, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if !actor.Has(zwfw.RoleAdmin) {
		return w, zwfw.Errorf(zwfw.EFORBIDDEN, "只有系统管理员可以设置考核权重")
	}
	var v zwfw.Invalid
	for _, n := range weightNames {
		if x := *w.field(n); x < 0 || x > 100 {
			v.Add(n, "权重应为 0–100 的整数")
		}
	}
	if w.OnTime+w.Satisfaction != 100 {
		v.Add("on_time", "按时办结率与满意率两项权重之和应为 100（现为 %d）", w.OnTime+w.Satisfaction)
	}
	if err := v.Err(); err != nil {
		return w, err
	}
	old, err := r.Weights(ctx)
	if err != nil {
		return w, err
	}
	now := r.now()
	err = r.db.InTx(ctx, func(tx *db.Tx) error {
		for _, n := range weightNames {
			if _, err := tx.Exec(ctx, `INSERT INTO assessment_weights (name, value, updated_by, updated_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
				n, *w.field(n), actor.UserID, db.Millis(now)); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, actor, "assessment.weights", "assessment:weights", map[string]any{"from": old, "to": w})
	})
	return w, err
}

// ---- scheduling ----

// dueHour is when scheduled reports fall due: the working morning.
const dueHour = 8

// ScheduledReports says which reports are due at now for the county: the
// daily check each working day from 08:00; the weekly summary of the last
// week from Monday 08:00; the monthly bulletin of the last month from the
// 1st; the quarterly assessment of the last quarter from the quarter's first
// day. A due report stays due until it exists, so a missed run catches up.
// The working-day calendar (with local adjustments) is read from the
// database, hence the context.
func (r *Reports) ScheduledReports(ctx context.Context, now time.Time) ([]ReportRequest, error) {
	now = now.In(db.Zone)
	today := calendar.Date(now)
	// Before 08:00 the reports of yesterday's schedule are the due ones.
	if now.Hour() < dueHour {
		today = today.AddDate(0, 0, -1)
	}
	var out []ReportRequest
	if now.Hour() >= dueHour {
		place := "/"
		if o, err := r.scope(ctx, r.county); err == nil {
			place = o.path
		}
		work, err := r.cal.IsWorkday(ctx, place, today)
		if err != nil {
			return nil, err
		}
		if work {
			out = append(out, ReportRequest{Kind: Daily, Period: today.Format(calendar.DateLayout), Org: r.county})
		}
	}
	y, w := today.AddDate(0, 0, -((int(today.Weekday())+6)%7)-7).ISOWeek()
	out = append(out, ReportRequest{Kind: Weekly, Period: fmt.Sprintf("%d-W%02d", y, w), Org: r.county})
	lm := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, db.Zone).AddDate(0, -1, 0)
	out = append(out, ReportRequest{Kind: Monthly, Period: lm.Format("2006-01"), Org: r.county})
	qs := time.Date(today.Year(), time.Month((int(today.Month())-1)/3*3+1), 1, 0, 0, 0, 0, db.Zone).AddDate(0, -3, 0)
	out = append(out, ReportRequest{Kind: Quarterly, Period: fmt.Sprintf("%d-Q%d", qs.Year(), (int(qs.Month())-1)/3+1), Org: r.county})
	return out, nil
}

// GenerateDue generates, as the system, every scheduled report that is due
// at now and not generated yet. Running it again, or in several processes at
// once, generates nothing twice.
func (r *Reports) GenerateDue(ctx context.Context, now time.Time) ([]*Report, error) {
	due, err := r.ScheduledReports(ctx, now)
	if err != nil {
		return nil, err
	}
	var out []*Report
	for _, q := range due {
		var n int
		if err := r.db.QueryRow(ctx, `SELECT COUNT(*) FROM reports r JOIN orgs o ON o.id = r.org_id WHERE r.kind = ? AND r.period = ? AND o.code = ?`,
			q.Kind, q.Period, q.Org).Scan(&n); err != nil {
			return out, err
		}
		if n > 0 {
			continue
		}
		rep, err := r.generate(ctx, zwfw.System, q.Kind, q.Period, q.Org, true)
		if errors.Is(err, errGenerated) || zwfw.ErrorCode(err) == zwfw.ECONFLICT {
			continue // another process generated it meanwhile
		}
		if err != nil {
			return out, fmt.Errorf("supervision: scheduled %s %s: %w", q.Kind, q.Period, err)
		}
		out = append(out, rep)
	}
	return out, nil
}

// ---- Excel ----

// XLSX exports a published report as an Excel workbook: a sheet 概况 with
// the heading, then one sheet per section of the report, figures as
// numbers.
func (rep *Report) XLSX() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DCE6F2"}, Pattern: 1}})
	sheet := func(name string, header []string, rows [][]any) error {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
		for c, h := range header {
			cell, _ := excelize.CoordinatesToCellName(c+1, 1)
			if err := f.SetCellValue(name, cell, h); err != nil {
				return err
			}
		}
		for r, row := range rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
				if err := f.SetCellValue(name, cell, v); err != nil {
					return err
				}
			}
		}
		if len(header) > 0 {
			last, _ := excelize.CoordinatesToCellName(len(header), 1)
			_ = f.SetCellStyle(name, "A1", last, bold)
			lastCol, _ := excelize.ColumnNumberToName(len(header))
			_ = f.SetColWidth(name, "A", lastCol, 14)
		}
		return nil
	}
	rate := func(r *float64) any {
		if r == nil {
			return "—"
		}
		return *r
	}
	caseRows := func(l CaseList) [][]any {
		var out [][]any
		for i, c := range l.Cases {
			out = append(out, []any{i + 1, c.Serial, c.ItemName, c.DeptName, c.OrgName, c.StatusName, c.Deadline, c.Note})
		}
		return out
	}
	caseHeader := []string{"序号", "办件编号", "事项", "承办部门", "受理机构", "状态", "办结期限", "说明"}
	unitHeader := []string{"排名", "代码", "名称", "收件", "办结", "按时办结", "按时办结率(%)", "评价", "满意", "满意率(%)", "差评", "确认差错"}
	unitRows := func(us []*Unit) [][]any {
		var out [][]any
		for _, u := range us {
			out = append(out, []any{u.Rank, u.Code, u.Name, u.Received, u.Completed, u.OnTime, rate(u.OnTimeRate), u.Evaluated, u.Satisfied, rate(u.Satisfaction), u.Complaints, u.Errors})
		}
		return out
	}
	scoreHeader := []string{"排名", "代码", "名称", "办结", "按时办结率(%)", "按时办结得分", "评价", "满意率(%)", "满意得分", "确认差错", "差错扣分", "差评", "差评扣分", "总分"}
	scoreRows := func(us []*Unit) [][]any {
		var out [][]any
		for _, u := range us {
			out = append(out, []any{u.Rank, u.Code, u.Name, u.Completed, rate(u.OnTimeRate), u.Score.OnTime, u.Evaluated, rate(u.Satisfaction),
				u.Score.Satisfaction, u.Errors, u.Score.Errors, u.Complaints, u.Score.Complaints, u.Score.Total})
		}
		return out
	}
	gen := rep.GeneratedBy
	if gen == "system" {
		gen = "系统定时生成"
	}
	summary := [][]any{{"标题", rep.Title}, {"编号", rep.Number}, {"版次", rep.Revision}, {"统计范围", rep.OrgName},
		{"统计期间", rep.PeriodName}, {"起止日期", rep.From + " 至 " + rep.To}, {"发布单位", rep.Centre},
		{"生成", gen + " " + rep.GeneratedAt.In(db.Zone).Format("2006-01-02 15:04")}}
	var err error
	steps := []func() error{func() error { return sheet("概况", []string{"项目", "内容"}, summary) }}
	switch {
	case rep.Daily != nil:
		d := rep.Daily
		steps = append(steps,
			func() error {
				return sheet("汇总", []string{"项目", "件数"}, [][]any{{"超期办件", d.Overdue.Count}, {"预警办件", d.Warned.Count},
					{"待受理办件", d.Waiting.Count}, {"办结未评价办件", d.Unevaluated.Count}})
			},
			func() error { return sheet("超期办件", caseHeader, caseRows(d.Overdue)) },
			func() error { return sheet("预警办件", caseHeader, caseRows(d.Warned)) },
			func() error { return sheet("待受理", caseHeader, caseRows(d.Waiting)) },
			func() error { return sheet("办结未评价", caseHeader, caseRows(d.Unevaluated)) })
	case rep.Weekly != nil:
		w := rep.Weekly
		steps = append(steps,
			func() error { return sheet("考勤", []string{"考勤情况"}, [][]any{{w.AttendanceNote}}) },
			func() error {
				return sheet("本周办件", []string{"项目", "件数"}, [][]any{{"收件", w.Received}, {"办结", w.Completed}})
			})
	case rep.Monthly != nil:
		m := rep.Monthly
		steps = append(steps,
			func() error {
				t := m.Total
				return sheet("总体情况", []string{"项目", "数值"}, [][]any{{"收件", t.Received}, {"办结", t.Completed}, {"按时办结", t.OnTime},
					{"按时办结率(%)", rate(t.OnTimeRate)}, {"评价", t.Evaluated}, {"满意", t.Satisfied}, {"满意率(%)", rate(t.Satisfaction)},
					{"差评", t.Complaints}, {"确认差错", t.Errors}, {"逾期办件", m.Overdue.Count}})
			},
			func() error { return sheet("部门", unitHeader, unitRows(m.Departments)) },
			func() error { return sheet("镇", unitHeader, unitRows(m.Towns)) },
			func() error { return sheet("逾期办件", caseHeader, caseRows(m.Overdue)) },
			func() error {
				var rows [][]any
				for _, e := range m.Errors {
					rows = append(rows, []any{e.OccurredOn, e.KindName, e.Dept, e.Window, e.Staff, e.CaseSerial, e.Description})
				}
				return sheet("差错", []string{"日期", "差错类型", "部门", "窗口", "工作人员", "办件编号", "情况"}, rows)
			})
	case rep.Quarterly != nil:
		q := rep.Quarterly
		steps = append(steps,
			func() error {
				return sheet("考核权重", []string{"项目", "权重"}, [][]any{{"按时办结率（满分）", q.Weights.OnTime}, {"满意率（满分）", q.Weights.Satisfaction},
					{"每起确认差错扣分", q.Weights.Error}, {"每条差评扣分", q.Weights.Complaint}})
			},
			func() error { return sheet("部门得分", scoreHeader, scoreRows(q.Departments)) },
			func() error { return sheet("窗口得分", scoreHeader, scoreRows(q.Windows)) },
			func() error { return sheet("个人得分", scoreHeader, scoreRows(q.Staff)) })
	}
	for _, s := range steps {
		if err = s(); err != nil {
			return nil, fmt.Errorf("supervision: xlsx: %w", err)
		}
	}
	f.DeleteSheet("Sheet1")
	if idx, err := f.GetSheetIndex("概况"); err == nil {
		f.SetActiveSheet(idx)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// FileName is the download name of a report's export: 月通报〔2026〕3号.xlsx.
func (rep *Report) FileName(ext string) string {
	return rep.Number + "." + ext
}
