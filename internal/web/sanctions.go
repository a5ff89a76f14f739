package web

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/attendance"
	"zwfw/internal/org"
	"zwfw/internal/supervision"
)

// Accountability's pages (责任追究, 附件2 二（六）5): the list, the proposal
// form, and one sanction with the forms of the actions the viewer may take
// (approve, reject; respond once; withdraw). There is no edit and no
// delete. Also here: making a report public, the annual weights' form and
// the public 政务公开 pages of the reports (/gongkai/reports).

func init() {
	pages = append(pages, "sanctions", "sanction_new", "sanction", "gongkai_reports", "gongkai_report")
}

type sanctionsPage struct {
	base
	List       []*supervision.Sanction
	Total      int
	State      string
	States     []string
	MayPropose bool
	StateName  func(string) string
}

func (s *server) sanctionsPage(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	st := r.URL.Query().Get("state")
	if supervision.SanctionStateName(st) == "" {
		st = ""
	}
	list, total, err := s.d.Sanctions.List(r.Context(), a, supervision.SanctionQuery{State: st, Limit: 200})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "sanctions", sanctionsPage{base: s.supBase(w, r, "责任追究", "sanctions"), List: list, Total: total, State: st,
		States: supervision.SanctionStates, MayPropose: supervision.MayProposeSanctions(a) == nil, StateName: supervision.SanctionStateName})
	return nil
}

type sanctionNewPage struct {
	base
	Forms   []supervision.SanctionForm
	Causes  []string
	Windows []*org.Org
	Staff   []attendance.StaffChoice // the people the record may name, shown by name
	In      supervision.SanctionInput
	Errors  []zwfw.ErrorDetail
	Message string
}

// CauseName is the Chinese name of a cause kind.
func (sanctionNewPage) CauseName(k string) string { return supervision.SanctionCauseName(k) }

// FieldError is the message of a field's problem ("" when none).
func (p sanctionNewPage) FieldError(field string) string {
	for _, d := range p.Errors {
		if d.Field == field {
			return d.Message
		}
	}
	return ""
}

func (s *server) renderSanctionNew(w http.ResponseWriter, r *http.Request, st int, in supervision.SanctionInput, err error) error {
	a := actor(r)
	if err := supervision.MayProposeSanctions(a); err != nil {
		return err
	}
	all, lerr := s.d.Orgs.List(r.Context(), a.OrgPath)
	if lerr != nil {
		return lerr
	}
	p := sanctionNewPage{base: s.supBase(w, r, "提出责任追究", "sanctions"), Forms: supervision.SanctionForms, Causes: supervision.SanctionCauses, In: in}
	for _, o := range all {
		if o.Kind == org.KindWindow && o.Active {
			p.Windows = append(p.Windows, o)
		}
	}
	staff, serr := s.d.Errors.StaffChoices(r.Context(), a)
	if serr != nil {
		return serr
	}
	p.Staff = staff
	if err != nil {
		p.Message = zwfw.ErrorMessage(err)
		var e *zwfw.Error
		if asError(err, &e) {
			p.Errors = e.Details
		}
	}
	s.render(w, r, st, "sanction_new", p)
	return nil
}

func (s *server) sanctionNew(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	in := supervision.SanctionInput{Staff: q.Get("staff"), Window: q.Get("window"), CauseKind: q.Get("cause_kind"), CauseRef: q.Get("cause_ref")}
	return s.renderSanctionNew(w, r, http.StatusOK, in, nil)
}

// sanctionPropose proposes; bad input shows the form again, filled in.
func (s *server) sanctionPropose(w http.ResponseWriter, r *http.Request) error {
	in := supervision.SanctionInput{Form: r.PostFormValue("form"), Staff: strings.TrimSpace(r.PostFormValue("staff")), Window: r.PostFormValue("window"),
		CauseKind: r.PostFormValue("cause_kind"), CauseRef: strings.TrimSpace(r.PostFormValue("cause_ref")), CauseText: r.PostFormValue("cause_text"),
		Decision: r.PostFormValue("decision")}
	x, err := s.d.Sanctions.Propose(r.Context(), actor(r), in)
	if zwfw.ErrorCode(err) == zwfw.EINVALID {
		return s.renderSanctionNew(w, r, http.StatusUnprocessableEntity, in, err)
	}
	if err != nil {
		return err
	}
	s.redirect(w, r, "/supervision/sanctions/"+strconv.FormatInt(x.ID, 10), "ok", "已提出责任追究，待提出人以外的电子监察人员审批。")
	return nil
}

type sanctionPage struct {
	base
	X       *supervision.Sanction
	Actions []string
	Message string
	Today   string
}

// ActionName is the Chinese name of an action (for the buttons).
func (sanctionPage) ActionName(a string) string { return supervision.SanctionActionName(a) }

func (s *server) sanction(r *http.Request) (*supervision.Sanction, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "责任追究记录不存在")
	}
	return s.d.Sanctions.Get(r.Context(), actor(r), id)
}

func (s *server) sanctionPage(w http.ResponseWriter, r *http.Request) error {
	x, err := s.sanction(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "sanction", sanctionPage{base: s.supBase(w, r, "责任追究 第 "+strconv.FormatInt(x.ID, 10)+" 号", "sanctions"), X: x,
		Actions: s.d.Sanctions.Allowed(actor(r), x), Today: s.now().Format("2006-01-02")})
	return nil
}

// sanctionAct takes an action; bad input shows the page again with the
// message, nothing changed.
func (s *server) sanctionAct(w http.ResponseWriter, r *http.Request) error {
	x, err := s.sanction(r)
	if err != nil {
		return err
	}
	action := r.PathValue("action")
	if !slices.Contains(supervision.SanctionActions, action) {
		return zwfw.Errorf(zwfw.ENOTFOUND, "操作不存在")
	}
	done, err := s.d.Sanctions.Act(r.Context(), actor(r), x.ID, action, supervision.SanctionActInput{Text: r.PostFormValue("text"), DecidedOn: strings.TrimSpace(r.PostFormValue("decided_on"))})
	if zwfw.ErrorCode(err) == zwfw.EINVALID {
		s.render(w, r, http.StatusUnprocessableEntity, "sanction", sanctionPage{base: s.supBase(w, r, "责任追究 第 "+strconv.FormatInt(x.ID, 10)+" 号", "sanctions"), X: x,
			Actions: s.d.Sanctions.Allowed(actor(r), x), Message: zwfw.ErrorMessage(err), Today: s.now().Format("2006-01-02")})
		return nil
	}
	if err != nil {
		return err
	}
	s.redirect(w, r, "/supervision/sanctions/"+strconv.FormatInt(x.ID, 10), "ok", fmt.Sprintf("已%s；当前状态：%s。", supervision.SanctionActionName(action), done.StateName))
	return nil
}

// reportPublicity makes a report public (public=1) or takes it off
// (public=0, with a reason) and returns to the report.
func (s *server) reportPublicity(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.report(r)
	if err != nil {
		return err
	}
	back := "/supervision/reports/" + strconv.FormatInt(rep.ID, 10)
	_, err = s.d.Reports.SetPublic(r.Context(), actor(r), rep.ID, r.PostFormValue("public") == "1", r.PostFormValue("reason"))
	if c := zwfw.ErrorCode(err); c == zwfw.EINVALID || c == zwfw.ECONFLICT {
		s.redirect(w, r, back, "warn", zwfw.ErrorMessage(err))
		return nil
	}
	if err != nil {
		return err
	}
	msg := "已在政务公开栏目公开（公开版不含个人信息）：/gongkai/reports/" + strconv.FormatInt(rep.ID, 10)
	if r.PostFormValue("public") != "1" {
		msg = "已取消公开；变更已记录。"
	}
	s.redirect(w, r, back, "ok", msg)
	return nil
}

// annualWeightsSave sets the annual weights of the actor's organisation.
func (s *server) annualWeightsSave(w http.ResponseWriter, r *http.Request) error {
	num := func(name string) int {
		n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name)))
		if err != nil {
			return -1
		}
		return n
	}
	in := supervision.AnnualWeights{Quarters: num("quarters"), OnTime: num("on_time"), Satisfaction: num("satisfaction"), Rectification: num("rectification"),
		Callback: num("callback"), Error: num("error"), Sanction: num("sanction"), Complaint: num("complaint"), Absent: num("absent"), Late: num("late")}
	_, err := s.d.Reports.SetOrgAnnualWeights(r.Context(), actor(r), "", in)
	if zwfw.ErrorCode(err) == zwfw.EINVALID {
		s.redirect(w, r, "/supervision/weights", "warn", zwfw.ErrorMessage(err)+"；年度考评权重未保存。")
		return nil
	}
	if err != nil {
		return err
	}
	s.redirect(w, r, "/supervision/weights", "ok", "已保存年度考评权重；此后生成的年度考评按新权重计分，已发布的报表不变。")
	return nil
}

// The public pages of the reports (政务公开): the list and one report,
// redacted. Issue 12 builds the 政务公开 section around them.
type gongkaiReportsPage struct {
	base
	Reports []*supervision.Report
}

func (s *server) gongkaiReports(w http.ResponseWriter, r *http.Request) error {
	list, err := s.d.Reports.PublicReports(r.Context(), r.URL.Query().Get("org"))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "gongkai_reports", gongkaiReportsPage{base: s.base(w, r, "政务公开 · 工作通报与考评"), Reports: list})
	return nil
}

type gongkaiReportPage struct {
	base
	R     *supervision.Report
	Sheet template.HTML
}

func (s *server) gongkaiReport(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return zwfw.Errorf(zwfw.ENOTFOUND, "报表不存在")
	}
	rep, err := s.d.Reports.PublicReport(r.Context(), id)
	if err != nil {
		return err
	}
	b := s.base(w, r, rep.Title+" "+rep.Number)
	b.SupCSS = true // the printable sheet's styles
	s.render(w, r, http.StatusOK, "gongkai_report", gongkaiReportPage{base: b, R: rep, Sheet: rep.HTML})
	return nil
}
