package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/files"
	"zwfw/internal/org"
	"zwfw/internal/supervision"
)

// The supervision pages: published reports (日检查、周考勤、月通报、季考核,
// attachment 2 (9)2) with their printable sheet and Excel export, the
// assessment weights (this file), and the error register (errors.go). The
// supervision package decides who may do what.

func init() {
	pages = append(pages, "sup_reports", "sup_report", "sup_weights", "sup_errors", "sup_error", "sup_error_new")
}

// supBase is the base of a supervision page: the administration's
// navigation, with the entry current.
func (s *server) supBase(w http.ResponseWriter, r *http.Request, title, nav string) base {
	b := s.base(w, r, title)
	b.admin = true
	b.Nav = nav
	return b
}

// regionChoice is an organisation a report may cover.
type regionChoice struct {
	Code, Name string
	Depth      int
}

// regions lists the regions (county, towns) in the actor's subtree, for the
// generation form.
func (s *server) regions(r *http.Request) []regionChoice {
	a := actor(r)
	all, err := s.d.Orgs.List(r.Context(), a.OrgPath)
	if err != nil {
		return nil
	}
	var out []regionChoice
	for _, o := range all {
		if org.IsRegion(o.Kind) && o.Kind != org.KindVillage {
			out = append(out, regionChoice{Code: o.Code, Name: o.DisplayName(), Depth: o.Depth})
		}
	}
	return out
}

type supReportsPage struct {
	base
	Reports     []*supervision.Report
	Total       int
	Kind        string
	Kinds       []string
	MayGenerate bool
	Regions     []regionChoice
	Defaults    map[string]string // kind → the current period, to prefill the form
	Form        supervision.ReportRequest
	Error       string
	// Periods are the choices of 统计期间 by kind; Other keeps a period
	// given that is not among them (a refused one, shown again).
	Periods []supervision.PeriodGroup
	Other   string
}

// KindName is the Chinese name of a report kind.
func (supReportsPage) KindName(k string) string { return supervision.ReportKindName(k) }

func (s *server) reportsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderReports(w, r, http.StatusOK, supervision.ReportRequest{}, "")
}

func (s *server) renderReports(w http.ResponseWriter, r *http.Request, st int, form supervision.ReportRequest, msg string) error {
	a := actor(r)
	kind := r.URL.Query().Get("kind")
	if supervision.ReportKindName(kind) == "" {
		kind = ""
	}
	list, total, err := s.d.Reports.List(r.Context(), a, supervision.ReportQuery{Kind: kind, Limit: 100})
	if err != nil {
		return err
	}
	p := supReportsPage{base: s.supBase(w, r, "监察报表", "reports"), Reports: list, Total: total, Kind: kind, Kinds: supervision.ReportKinds,
		MayGenerate: supervision.MayGenerateReports(a), Defaults: supervision.DefaultPeriods(s.now()), Form: form, Error: msg}
	if p.MayGenerate {
		p.Regions = s.regions(r)
	}
	if p.Form.Kind == "" {
		p.Form.Kind = supervision.Monthly
	}
	if p.Form.Period == "" {
		p.Form.Period = p.Defaults[p.Form.Kind]
	}
	if p.MayGenerate {
		p.Periods = supervision.PeriodChoices(s.now())
		p.Other = p.Form.Period
		for _, g := range p.Periods {
			for _, c := range g.Periods {
				if c.Value == p.Form.Period {
					p.Other = ""
				}
			}
		}
	}
	s.render(w, r, st, "sup_reports", p)
	return nil
}

// reportGenerate generates a report on demand and shows it.
func (s *server) reportGenerate(w http.ResponseWriter, r *http.Request) error {
	in := supervision.ReportRequest{Kind: r.PostFormValue("kind"), Period: strings.TrimSpace(r.PostFormValue("period")), Org: r.PostFormValue("org")}
	rep, err := s.d.Reports.GenerateReport(r.Context(), actor(r), in.Kind, in.Period, in.Org)
	if zwfw.ErrorCode(err) == zwfw.EINVALID {
		return s.renderReports(w, r, http.StatusUnprocessableEntity, in, zwfw.ErrorMessage(err))
	}
	if err != nil {
		return err
	}
	msg := "已生成并发布 " + rep.Number
	if rep.Revision > 1 {
		msg += fmt.Sprintf("（第 %d 版，之前的版本保留）", rep.Revision)
	}
	s.redirect(w, r, "/supervision/reports/"+strconv.FormatInt(rep.ID, 10), "ok", msg)
	return nil
}

type supReportPage struct {
	base
	R         *supervision.Report
	Sheet     template.HTML
	Revisions []*supervision.Report // every version of this period, when there are several

	// Publication on the 政务公开 pages (monthly and annual): its state,
	// its changes, and whether the viewer may change it.
	Publicity   []supervision.Publicity
	Public      bool
	Publishable bool
	MayPublish  bool
}

func (s *server) report(r *http.Request) (*supervision.Report, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "报表不存在")
	}
	return s.d.Reports.Get(r.Context(), actor(r), id)
}

// reportPage shows a published report as its printable A4 sheet.
func (s *server) reportPage(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.report(r)
	if err != nil {
		return err
	}
	revs, err := s.d.Reports.Revisions(r.Context(), actor(r), rep)
	if err != nil {
		return err
	}
	p := supReportPage{base: s.supBase(w, r, rep.Title+" "+rep.Number, "reports"), R: rep, Sheet: rep.HTML}
	if len(revs) > 1 {
		p.Revisions = revs
	}
	if rep.Kind == supervision.Monthly || rep.Kind == supervision.Annual {
		if p.Publicity, err = s.d.Reports.Publicity(r.Context(), rep.ID); err != nil {
			return err
		}
		p.Publishable, p.Public, p.MayPublish = true, supervision.IsPublic(p.Publicity), supervision.MayPublishReport(actor(r), rep) == nil
	}
	s.render(w, r, http.StatusOK, "sup_report", p)
	return nil
}

// reportXLSX downloads the Excel export of a report.
func (s *server) reportXLSX(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.report(r)
	if err != nil {
		return err
	}
	b, err := rep.XLSX()
	if err != nil {
		return err
	}
	if err := s.d.Audit.Exported(r.Context(), actor(r), fmt.Sprintf("report:%d", rep.ID), "导出报表 Excel："+rep.Number); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", files.Attachment(fmt.Sprintf("report-%d.xlsx", rep.ID), rep.FileName("xlsx")))
	h.Set("Content-Length", strconv.Itoa(len(b)))
	_, err = w.Write(b)
	return err
}

// The weights page shows the weights in force for the account's
// organisation and whose they are; the administrators of a county or the
// city set their own organisation's there.
type supWeightsPage struct {
	base
	A        supervision.OrgAnnualWeights // the annual assessment's (年度考评)
	W        supervision.OrgWeights
	MayEdit  bool
	ReadOnly string // why the form is not offered
	Error    string
}

func (s *server) weightsPage(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	wt, err := s.d.Reports.Weights(r.Context(), a, "")
	if err != nil {
		return err
	}
	p := supWeightsPage{base: s.supBase(w, r, "季考核权重", "reports"), W: wt, MayEdit: s.d.Reports.MayEditWeights(r.Context(), a, "")}
	if p.A, err = s.d.Reports.AnnualWeightsOf(r.Context(), a, ""); err != nil {
		return err
	}
	switch {
	case p.MayEdit:
	case !canAdmin(a):
		p.ReadOnly = "只有系统管理员可以修改权重。"
	default:
		p.ReadOnly = "考核权重由县、市的系统管理员为本县（市）设置，本机构不能单独设置。"
	}
	s.render(w, r, http.StatusOK, "sup_weights", p)
	return nil
}

func (s *server) weightsSave(w http.ResponseWriter, r *http.Request) error {
	num := func(name string) int {
		n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name)))
		if err != nil {
			return -1
		}
		return n
	}
	in := supervision.Weights{OnTime: num("on_time"), Satisfaction: num("satisfaction"), Error: num("error"), Complaint: num("complaint")}
	wt, err := s.d.Reports.SetOrgWeights(r.Context(), actor(r), "", in)
	if zwfw.ErrorCode(err) == zwfw.EINVALID {
		msg := zwfw.ErrorMessage(err)
		if wt, err = s.d.Reports.Weights(r.Context(), actor(r), ""); err != nil {
			return err
		}
		wt.Weights = in
		aw, err := s.d.Reports.AnnualWeightsOf(r.Context(), actor(r), "")
		if err != nil {
			return err
		}
		s.render(w, r, http.StatusUnprocessableEntity, "sup_weights", supWeightsPage{base: s.supBase(w, r, "季考核权重", "reports"), W: wt, A: aw, MayEdit: true, Error: msg})
		return nil
	}
	if err != nil {
		return err
	}
	s.redirect(w, r, "/supervision/weights", "ok", "已保存考核权重；此后生成的季考核按新权重计分，已发布的报表不变。")
	return nil
}
