package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/files"
	"zwfw/internal/notify"
	"zwfw/internal/org"
	"zwfw/internal/review"
)

// caseHelpers are the formatting helpers of the case pages, as methods the
// templates call on their page ({{$.StatusClass .Status}}).
type caseHelpers struct{}

// StatusClass is the badge colour of a status; the status name is always
// printed beside it, so colour never carries the meaning alone.
func (caseHelpers) StatusClass(st string) string {
	switch st {
	case casework.SupplementRequired, casework.Suspended, casework.AwaitingPayment:
		return "b-amber"
	case casework.Rejected, casework.Denied:
		return "b-red"
	case casework.Completed, casework.Delivered, casework.Archived:
		return "b-green"
	case casework.Withdrawn:
		return "b-grey"
	}
	return "b-blue"
}

// StatusName is the Chinese name of a status.
func (caseHelpers) StatusName(st string) string { return casework.StatusName(st) }

// PublicStatus is a status as the applicant and the public are told it
// (an archived case is 已办结).
func (caseHelpers) PublicStatus(st string) string { return casework.PublicStatusName(st) }

// StepOutcome is what came of a step (受理 ✓, 审查通过, 决定：准予).
func (caseHelpers) StepOutcome(st casework.Step) string { return casework.StepOutcome(st) }

// HowName says how a material was handed in.
func (caseHelpers) HowName(h string) string {
	switch h {
	case "upload":
		return "网上上传"
	case "window":
		return "窗口递交"
	case "post":
		return "邮寄"
	case casework.ByLicence:
		return "电子证照提供（免提交）"
	case casework.ByLibrary:
		return "材料库提供（免提交）"
	}
	return "—"
}

// Took is a step's duration for people: 2 小时 5 分钟.
func (caseHelpers) Took(sec int64) string {
	d := time.Duration(sec) * time.Second
	switch {
	case sec <= 0:
		return ""
	case d < time.Minute:
		return "不到 1 分钟"
	case d < time.Hour:
		return fmt.Sprintf("%d 分钟", int(d.Minutes()))
	case d < 24*time.Hour:
		h := int(d.Hours())
		if m := int(d.Minutes()) - 60*h; m > 0 {
			return fmt.Sprintf("%d 小时 %d 分钟", h, m)
		}
		return fmt.Sprintf("%d 小时", h)
	}
	days := int(d.Hours()) / 24
	if h := int(d.Hours()) - 24*days; h > 0 {
		return fmt.Sprintf("%d 天 %d 小时", days, h)
	}
	return fmt.Sprintf("%d 天", days)
}

// StepTitle names a closed step by the action taken: an action that
// closes the open step (撤回 while waiting for 受理) keeps the step's name
// in the record, and the page shows both.
func (caseHelpers) StepTitle(st casework.Step) string {
	if st.Action != "" {
		if n := casework.ActionName(st.Action); n != st.Action {
			return n
		}
	}
	return st.Name
}

// Day prints a YYYY-MM-DD date as 2026年11月26日.
func (caseHelpers) Day(s string) string {
	t, err := calendar.ParseDate(s)
	if err != nil {
		return s
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

// Yuan prints fen as yuan with the unit.
func (caseHelpers) Yuan(cents int64) string { return yuan(cents) + " 元" }

// DeliveryName names a way of collecting the result.
func (caseHelpers) DeliveryName(m string) string {
	switch m {
	case "post":
		return "邮寄送达"
	case "onsite":
		return "窗口领取"
	}
	return "窗口领取"
}

// ChannelName names where an evaluation was given.
func (caseHelpers) ChannelName(c string) string {
	switch c {
	case "pc":
		return "网上办事大厅"
	case "mobile":
		return "手机"
	case "qr":
		return "扫码"
	case "pad":
		return "窗口评价器"
	}
	return c
}

// Stars draws a rating level (1 非常满意 … 5 非常不满意) as five stars.
func (caseHelpers) Stars(level int) string {
	n := max(0, min(5, 6-level))
	return strings.Repeat("★", n) + strings.Repeat("☆", 5-n)
}

// Deref reads an optional count.
func (caseHelpers) Deref(n *int) int {
	if n == nil {
		return 0
	}
	return *n
}

// LeftText says how many working days are left before the deadline.
func (caseHelpers) LeftText(n int) string {
	switch {
	case n < 0:
		return fmt.Sprintf("已超期 %d 个工作日", -n)
	case n == 0:
		return "今日到期"
	}
	return fmt.Sprintf("剩余 %d 个工作日", n)
}

type statusOpt struct{ Code, Name string }

type myCasesPage struct {
	base
	caseHelpers
	Cases    []casework.Summary
	Total    int
	Status   string
	Statuses []statusOpt
	Drafts   []casework.Draft
	Unread   int
	Page     int
	LastPage int
}

const myPageSize = 20

// PageURL is the list page n with the same filter.
func (p *myCasesPage) PageURL(n int) string {
	v := url.Values{}
	if p.Status != "" {
		v.Set("status", p.Status)
	}
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	if len(v) == 0 {
		return "/my"
	}
	return "/my?" + v.Encode()
}

// myCases is 我的办件: the applicant's cases with a status filter, and
// their drafts.
func (s *server) myCases(w http.ResponseWriter, r *http.Request) error {
	ctx, a := r.Context(), actor(r)
	p := myCasesPage{base: s.base(w, r, "我的办件"), Status: r.URL.Query().Get("status")}
	p.Nav = "my"
	if casework.StatusName(p.Status) == "" {
		p.Status = ""
	}
	for _, st := range casework.Statuses {
		p.Statuses = append(p.Statuses, statusOpt{Code: st, Name: casework.StatusName(st)})
	}
	p.Page, _ = strconv.Atoi(r.URL.Query().Get("page"))
	p.Page = max(p.Page, 1)
	q := casework.Query{Limit: myPageSize, Offset: (p.Page - 1) * myPageSize}
	if p.Status != "" {
		q.Status = []string{p.Status}
	}
	var err error
	if p.Cases, p.Total, err = s.d.Cases.List(ctx, a, q); err != nil {
		return err
	}
	p.LastPage = max(1, (p.Total+myPageSize-1)/myPageSize)
	if p.Drafts, err = s.d.Cases.Drafts(ctx, a); err != nil {
		return err
	}
	if _, _, p.Unread, err = s.d.Inbox.List(ctx, a, 1, 0); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "mycases", &p)
	return nil
}

func (s *server) myDraftDelete(w http.ResponseWriter, r *http.Request) error {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := s.d.Cases.DeleteDraft(r.Context(), actor(r), id); err != nil {
		return err
	}
	s.redirect(w, r, "/my#drafts", "ok", "草稿已删除。")
	return nil
}

// evalForm is the 好差评 form as typed.
type evalForm struct {
	Level      int
	Comment    string
	Indicators []string
}

// Has reports whether an indicator is ticked.
func (e evalForm) Has(ind string) bool {
	for _, x := range e.Indicators {
		if x == ind {
			return true
		}
	}
	return false
}

// badIndicators are what a 差评 can point at (GB/T 39735 评价指标, as the
// provincial halls word them).
var badIndicators = []string{
	"办事指南不清楚、不准确", "材料要求多、重复提交", "办理时间长、超时办理", "需要多次跑腿",
	"服务态度不好", "网上办事系统不好用", "收费不合理", "办理结果不满意",
}

type myCasePage struct {
	base
	caseHelpers
	Case       *casework.Case
	Ident      string
	Centre     *org.Org
	Open       *casework.Step
	Done       []casework.Step
	Remaining  *int
	OneTime    *casework.Notice
	Mats       []matRow        // the supplement form
	Can        map[string]bool // what casework allows the applicant now (supplement, withdraw, evaluate)
	Eval       evalForm
	Levels     []string
	Indicators []string
	Errors     fieldErrors
	Error      string
	ErrorAt    string // which form the error belongs to: supplement, evaluate
	FollowUp   bool   // the rating offered is the follow-up after a rectification (追评)
	MaxUpload  string
	Allowed    string
	PayOnline  string // the gateway the applicant may pay through now ("" none; casework.OnlinePayment)
}

// Overdue reports whether the case ran past its deadline.
func (p *myCasePage) Overdue() bool { return p.Case.Due != nil && p.Case.Due.Overdue }

// loadMyCase builds the case page for the signed-in applicant; another
// applicant's case is "not found".
func (s *server) loadMyCase(w http.ResponseWriter, r *http.Request) (*myCasePage, error) {
	ctx := r.Context()
	c, err := s.d.Cases.Get(ctx, actor(r), r.PathValue("serial"))
	if err != nil {
		return nil, err
	}
	p := &myCasePage{base: s.base(w, r, c.ItemName+" · "+c.Serial), Case: c, Ident: maskIdent(c.Applicant.Ident),
		Levels: casework.Levels[1:], Indicators: badIndicators, Errors: fieldErrors{},
		MaxUpload: files.HumanSize(s.maxUpload()), Allowed: files.AllowedText}
	p.Nav = "my"
	if o, err := s.d.Orgs.ByCode(ctx, c.OrgCode); err == nil {
		p.Centre = o
	}
	for i := range c.Steps {
		switch {
		case c.Steps[i].Internal(): // 归档 is the centre's own step (casework/outcome.go)
		case c.Steps[i].State == "open":
			p.Open = &c.Steps[i]
		default:
			p.Done = append(p.Done, c.Steps[i])
		}
	}
	if c.Due != nil { // casework counts the working days left
		n := c.Due.Remaining
		p.Remaining = &n
	}
	for i := range c.Notices {
		if c.Notices[i].Kind == casework.NoticeOneTime {
			p.OneTime = &c.Notices[i]
		}
	}
	p.PayOnline = s.d.Cases.OnlinePayment(ctx, actor(r), c)
	p.Can = map[string]bool{}
	for _, x := range c.Actions {
		p.Can[x.Action] = true
	}
	// 好差评: one rating per channel; the follow-up after a rectification
	// (review.Service.Offer answers).
	if s.d.Reviews != nil && (p.Can[casework.ActEvaluate] || c.Status == casework.Completed || c.Status == casework.Delivered || c.Status == casework.Archived) {
		p.FollowUp, err = s.d.Reviews.Offer(ctx, actor(r), c, webChannel(r))
		p.Can[casework.ActEvaluate] = err == nil
	}
	if p.Can[casework.ActSupplement] {
		it, err := s.d.Catalog.ResolveVersion(ctx, c.ItemCode, c.ItemVersion, c.DeptPath)
		if err != nil {
			return nil, err
		}
		for i, m := range it.Materials {
			row := matRow{Index: i, M: m}
			if p.OneTime != nil {
				for _, item := range p.OneTime.Content.Items {
					if strings.Contains(item, m.Name) {
						row.Flagged, row.How = true, "upload"
					}
				}
			}
			p.Mats = append(p.Mats, row)
		}
	}
	return p, nil
}

func (s *server) myCase(w http.ResponseWriter, r *http.Request) error {
	p, err := s.loadMyCase(w, r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "mycase", p)
	return nil
}

// myCaseAgain shows the case page again with a form's problem.
func (s *server) myCaseAgain(w http.ResponseWriter, r *http.Request, p *myCasePage, err error) error {
	code := zwfw.ErrorCode(err)
	switch code {
	case zwfw.EINVALID, zwfw.ECONFLICT:
	default:
		return err
	}
	if p.Error == "" {
		fe, msg := fromError(err)
		for f, m := range fe {
			p.Errors[f] = append(p.Errors[f], m...)
		}
		p.Error = msg
		if p.Error == "" {
			p.Error = zwfw.ErrorMessage(err)
		}
	}
	s.render(w, r, status(code), "mycase", p)
	return nil
}

// myCaseFile downloads a material of a case to whoever may see the case;
// the bytes are an attachment of the type sniffed at upload and never run
// in the site's origin.
func (s *server) myCaseFile(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return zwfw.Errorf(zwfw.ENOTFOUND, "该办件没有这个材料文件")
	}
	m, err := s.d.Cases.File(r.Context(), actor(r), r.PathValue("serial"), id)
	if err != nil {
		return err
	}
	f, err := s.d.Files.Open(m.SHA256)
	if err != nil {
		return err
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", m.ContentType)
	h.Set("Content-Disposition", files.Disposition(m.FileName, m.ContentType, ""))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	http.ServeContent(w, r, "", time.Time{}, f)
	return nil
}

// mySupplement sends the materials a one-time notice asked for (补正):
// the case goes back to the window, without applying again.
func (s *server) mySupplement(w http.ResponseWriter, r *http.Request) error {
	p, err := s.loadMyCase(w, r)
	if err != nil {
		return err
	}
	p.ErrorAt = "supplement"
	if !p.Can[casework.ActSupplement] {
		return s.myCaseAgain(w, r, p, casework.Check(actor(r), p.Case, casework.ActSupplement))
	}
	if !s.readMaterials(r, p.Mats) {
		p.Error = "有文件未能上传，请按提示重新选择文件"
		s.render(w, r, http.StatusUnprocessableEntity, "mycase", p)
		return nil
	}
	in, idx := materialInputs(p.Mats, false)
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	_, err = s.d.Cases.Act(r.Context(), actor(r), p.Case.Serial, casework.ActSupplement,
		casework.ActionInput{Version: version, Materials: in})
	if err != nil {
		fe, msg := materialErrors(err, p.Mats, idx)
		for f, m := range fe {
			p.Errors[f] = append(p.Errors[f], m...)
		}
		p.Error = msg
		if p.Error == "" {
			p.Error = "补正材料未能提交，请按提示修改"
			if m := p.Errors["materials"]; len(m) > 0 {
				p.Error = strings.Join(m, "；")
			}
		}
		return s.myCaseAgain(w, r, p, err)
	}
	s.redirect(w, r, "/my/cases/"+url.PathEscape(p.Case.Serial), "ok", "补正材料已提交，窗口将重新审核。审核结果会通过站内消息和短信告诉您。")
	return nil
}

type withdrawPage struct {
	base
	caseHelpers
	Case   *casework.Case
	Reason string
	Error  string
	Closed bool // casework does not allow the withdrawal now (Error says why)
}

func (s *server) myWithdrawPage(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	c, err := s.d.Cases.Get(r.Context(), a, r.PathValue("serial"))
	if err != nil {
		return err
	}
	p := withdrawPage{base: s.base(w, r, "撤回申请"), Case: c}
	p.Nav = "my"
	if err := casework.Check(a, c, casework.ActWithdraw); err != nil {
		p.Closed, p.Error = true, zwfw.ErrorMessage(err)
	}
	s.render(w, r, http.StatusOK, "mycase_withdraw", p)
	return nil
}

// myWithdraw withdraws the application (撤回) after the confirmation page.
func (s *server) myWithdraw(w http.ResponseWriter, r *http.Request) error {
	ctx, a := r.Context(), actor(r)
	serial := r.PathValue("serial")
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	_, err := s.d.Cases.Act(ctx, a, serial, casework.ActWithdraw, casework.ActionInput{Version: version, Opinion: reason})
	if err != nil {
		code := zwfw.ErrorCode(err)
		if code != zwfw.EINVALID && code != zwfw.ECONFLICT {
			return err
		}
		c, gerr := s.d.Cases.Get(ctx, a, serial)
		if gerr != nil {
			return gerr
		}
		p := withdrawPage{base: s.base(w, r, "撤回申请"), Case: c, Reason: reason, Error: zwfw.ErrorMessage(err)}
		p.Nav = "my"
		s.render(w, r, status(code), "mycase_withdraw", p)
		return nil
	}
	s.redirect(w, r, "/my/cases/"+url.PathEscape(serial), "ok", "申请已撤回。如需办理，可以重新提交申请。")
	return nil
}

// myEvaluate records the applicant's rating (好差评). The indicators of a
// bad rating travel in the comment: the service keeps one comment.
func (s *server) myEvaluate(w http.ResponseWriter, r *http.Request) error {
	p, err := s.loadMyCase(w, r)
	if err != nil {
		return err
	}
	p.ErrorAt = "evaluate"
	v := r.PostForm
	p.Eval.Level, _ = strconv.Atoi(v.Get("level"))
	p.Eval.Comment = strings.TrimSpace(v.Get("comment"))
	for _, ind := range v["indicator"] {
		for _, known := range badIndicators {
			if ind == known {
				p.Eval.Indicators = append(p.Eval.Indicators, ind)
			}
		}
	}
	comment := p.Eval.Comment
	if p.Eval.Level >= 4 && comment != "" && len(p.Eval.Indicators) > 0 {
		comment = "【" + strings.Join(p.Eval.Indicators, "；") + "】" + comment
	}
	_, err = s.d.Reviews.RateCase(r.Context(), actor(r), p.Case.Serial, webChannel(r),
		review.RateInput{Level: p.Eval.Level, Comment: comment, Indicators: indicatorCodes(p.Eval.Indicators)})
	if err != nil {
		return s.myCaseAgain(w, r, p, err)
	}
	s.redirect(w, r, "/my/cases/"+url.PathEscape(p.Case.Serial)+"#evaluation", "ok", "感谢您的评价！您的意见将帮助我们改进服务。")
	return nil
}

type messagesPage struct {
	base
	Messages []notify.Message
	Total    int
	Unread   int
	Page     int
	LastPage int
}

const messagesPageSize = 20

// myMessages lists the applicant's in-app messages (站内消息), newest first.
func (s *server) myMessages(w http.ResponseWriter, r *http.Request) error {
	p := messagesPage{base: s.base(w, r, "我的消息")}
	p.Nav = "my"
	p.Page, _ = strconv.Atoi(r.URL.Query().Get("page"))
	p.Page = max(p.Page, 1)
	var err error
	p.Messages, p.Total, p.Unread, err = s.d.Inbox.List(r.Context(), actor(r), messagesPageSize, (p.Page-1)*messagesPageSize)
	if err != nil {
		return err
	}
	p.LastPage = max(1, (p.Total+messagesPageSize-1)/messagesPageSize)
	s.render(w, r, http.StatusOK, "mycase_messages", p)
	return nil
}

func (s *server) myMessagesRead(w http.ResponseWriter, r *http.Request) error {
	if err := s.d.Inbox.MarkRead(r.Context(), actor(r)); err != nil {
		return err
	}
	s.redirect(w, r, "/my/messages", "ok", "全部消息已标为已读。")
	return nil
}
