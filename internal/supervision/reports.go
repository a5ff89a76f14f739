// Package supervision is electronic supervision (电子监察): deadline
// warnings, dashboard figures, the published reports of the "日检查、周考勤、
// 月通报、季考核" system (attachment 2 (9)2) and error registration (差错登记,
// §5(4)).
package supervision

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/attendance"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/db"
)

// The reports (通报): a table of kinds (reports_kinds.go) says how each
// kind's period is written and when it falls due, which function computes
// it (reports_daily.go, reports_weekly.go, reports_monthly.go,
// reports_quarterly.go, over the shared counts of reports_figures.go) and
// which template renders it (reports_<kind>.tmpl inside reports.tmpl's
// sheet). This file generates a report; reports_store.go publishes, lists
// and reads them, reports_xlsx.go exports them, reports_weights.go keeps
// the assessment weights and reports_schedule.go publishes the due ones.

// Report is a published report (通报): immutable once generated.
type Report struct {
	ID          int64       `json:"id"`
	Kind        string      `json:"kind"`
	KindName    string      `json:"kind_name"`
	Period      string      `json:"period"`
	PeriodName  string      `json:"period_name"`
	From        string      `json:"from"`
	To          string      `json:"to"`
	OrgCode     string      `json:"org_code"`
	OrgName     string      `json:"org_name"`
	Centre      string      `json:"centre"`
	Revision    int         `json:"revision"`
	Number      string      `json:"number"`
	Title       string      `json:"title"`
	GeneratedBy string      `json:"generated_by"`
	GeneratedAt time.Time   `json:"generated_at"`
	Daily       *DailyFigs  `json:"daily,omitempty"`
	Weekly      *WeeklyFig  `json:"weekly,omitempty"`
	Monthly     *MonthFigs  `json:"monthly,omitempty"`
	Quarterly   *QuartFigs  `json:"quarterly,omitempty"`
	Annual      *AnnualFigs `json:"annual,omitempty"`

	HTML    template.HTML `json:"-"` // the rendered bulletin, as published
	OrgPath string        `json:"-"`
}

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
	rule   casework.WarnRule // the yellow-card rule the daily check lists by
	county string            // the default organisation (the deploying county's code)
	tpl    *template.Template
	att    *attendance.Service // 周考勤 and 季考核 (SetAttendance)
	voice  VoiceFigures        // the public's voice for 年度考评 (SetVoice)
}

// NewReports returns the reports service; county is the code of the
// organisation reports cover by default, rule the yellow-card rule
// (casework's, from ZWFW_WARN_DAYS and ZWFW_WARN_SHARE) the daily check
// lists warned cases by.
func NewReports(d *db.DB, cal *calendar.Calendar, county string, now func() time.Time, rule casework.WarnRule) *Reports {
	return &Reports{db: d, cal: cal, now: now, rule: rule, county: county, tpl: reportTemplates()}
}

// MayGenerateReports: supervisors and administrators, within their subtree;
// the system for scheduled reports.
func MayGenerateReports(a *zwfw.Actor) bool {
	return a != nil && (a.Kind == zwfw.KindSystem || a.HasAny(zwfw.RoleSupervisor, zwfw.RoleAdmin))
}

// scopeOrg is the organisation a report covers.
type scopeOrg struct {
	id               int64
	code, name, path string
	centre           string // its service centre, which publishes the report
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
	if !MayGenerateReports(actor) {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "只有电子监察人员和系统管理员可以生成报表")
	}
	k, err := kindOf(kind)
	if err != nil {
		return nil, err
	}
	p, err := k.parse(strings.TrimSpace(periodText))
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
	rep := &Report{Kind: kind, KindName: k.name, Period: periodText, PeriodName: p.name,
		From: p.from.Format(calendar.DateLayout), To: p.to.Format(calendar.DateLayout),
		OrgCode: o.code, OrgName: o.name, Centre: o.centre, GeneratedAt: now, OrgPath: o.path,
		Title: o.name + p.name + k.subject, GeneratedBy: actor.Name}
	if actor.Kind == zwfw.KindSystem {
		rep.GeneratedBy = "system"
	}
	if err := k.compute(r, ctx, rep, o, p); err != nil {
		return nil, err
	}
	if err := r.publish(ctx, actor, rep, o, k, firstOnly); err != nil {
		return nil, err
	}
	return rep, nil
}
