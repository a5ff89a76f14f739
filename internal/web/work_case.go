package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/catalog"
	"zwfw/internal/complaint"
	"zwfw/internal/files"
)

// casePage is one case as staff see it, with the action forms for exactly
// the actions casework allows them now (casework.Allowed, in c.Actions).
type casePage struct {
	base
	C         *casework.Case
	Item      *catalog.Item // the version the case was filed under
	DL        deadlineView
	Limit     int // working days: promised plus approved extensions
	Open      *casework.Step
	Last      *casework.Step // the latest step taken
	Steps     []stepView
	Materials []materialView
	Notices   []noticeView
	NewNotice *noticeView     // just issued: print it now
	Can       map[string]bool // the actions casework allows the reader now
	MyTask    *casework.Task  // the 联办 sub-task of the reader's department
	PendingX  *casework.Extension
	SuspKinds []option
	Today     string
	FormLines []catalog.FormLine // the online 申请表 as filled in (ID numbers masked)
	MayPrint  bool               // the item has an online form and the reader may print it (casework.MayPrintForm)

	// A form sent back: which one, what was typed, what is wrong.
	Form   string
	In     url.Values
	Errors fieldErrors
	Error  string
	Stale  bool // the case changed since the page was shown

	// Tickets are the hall tickets ("A001") whose service filed the case
	// at the window (取号).
	Tickets []string

	Revealed  bool // the applicant's full identity number is shown (and was audited)
	MayReveal bool // the reader's role may ask for it (casework.MayRevealIdent)

	actor *zwfw.Actor

	// Complaints about the case (投诉建议) the register links to it.
	Complaints []*complaint.Complaint
}

// V is what was typed into field of form action, when that form was sent
// back; otherwise def.
func (p *casePage) V(action, field, def string) string {
	if p.Form == action && p.In != nil {
		return p.In.Get(field)
	}
	return def
}

// Ticked reports whether value was ticked in field of form action.
func (p *casePage) Ticked(action, field, value string) bool {
	return p.Form == action && p.In != nil && slices.Contains(p.In[field], value)
}

// Err is the problems with field of form action.
func (p *casePage) Err(action, field string) []string {
	if p.Form != action {
		return nil
	}
	return p.Errors.Get(field)
}

// Unfold reports whether the form of action starts open: it was sent back.
func (p *casePage) Unfold(action string) bool { return p.Form == action }

// FormError is the message of form action, when it was sent back.
func (p *casePage) FormError(action string) string {
	if p.Form == action && !p.Stale {
		return p.Error
	}
	return ""
}

// Any reports whether any action form is offered.
func (p *casePage) Any() bool { return len(p.Can) > 0 }

// Held says why an action the reader's role could take in the case's
// status is refused all the same (casework.Held): it waits for a
// co-department's opinion or a supervisor's permission, or belongs to
// someone else.
func (p *casePage) Held(action string) string {
	if err := casework.Held(p.actor, p.C, action); err != nil {
		return zwfw.ErrorMessage(err)
	}
	return ""
}

// Fees reports whether the decision must name the fee items that apply.
func (p *casePage) Fees() bool { return p.Item != nil && len(p.Item.Fees) > 1 }

type stepView struct {
	casework.Step
	Duration string
	ToName   string // the status the step led to, when it changed it
}

type materialView struct {
	Name     string
	Required string // required, optional, deferrable
	Form     string
	Copies   int
	Got      *casework.Material
	How      string // 网上上传, 窗口收取, 邮寄, 在线填报, 未提交
	Online   bool   // filled in with the online form (申请表), no file
}

type noticeView struct {
	casework.Notice
	URL string
	PDF string // the sealed PDF (电子文书带电子签章)
}

// workCase shows a case.
func (s *server) workCase(w http.ResponseWriter, r *http.Request) error {
	return s.renderCase(w, r, r.PathValue("serial"), nil, http.StatusOK)
}

// sentBack is a form returned for correction or after a conflict.
type sentBack struct {
	Action string
	In     url.Values
	Err    error
	Ident  string // the full identity number, just revealed with a reason
}

// renderCase shows the case with serial; with back, the form sent back is
// open with its values and problems.
func (s *server) renderCase(w http.ResponseWriter, r *http.Request, serial string, back *sentBack, status int) error {
	ctx := r.Context()
	a := actor(r)
	c, err := s.d.Cases.Get(ctx, a, serial)
	if err != nil {
		return err
	}
	c.Mask()
	revealed := back != nil && back.Ident != ""
	if revealed {
		c.Applicant.Ident = back.Ident
	}
	p := &casePage{base: s.workBase(w, r, c.ItemName+" "+c.Serial), C: c, Errors: fieldErrors{}, Revealed: revealed, MayReveal: casework.MayRevealIdent(a), actor: a}
	p.Nav = "work"
	if p.Tickets, err = s.d.Hall.CaseTickets(ctx, c.ID); err != nil {
		return err
	}
	p.Item, err = s.d.Catalog.ResolveVersion(ctx, c.ItemCode, c.ItemVersion, c.DeptPath)
	if err != nil {
		return err
	}
	today := calendar.Date(s.now())
	p.Today = today.Format(calendar.DateLayout)
	p.Limit = c.PromisedDays + c.ExtendedDays
	p.DL = deadlineOf(c.Due, c.Deadline)
	for i := range c.Steps {
		st := c.Steps[i]
		if st.State == "open" {
			p.Open = &c.Steps[i]
		}
		sv := stepView{Step: st, Duration: duration(st.DurationS, st.State == "done")}
		if st.ToStatus != st.FromStatus {
			sv.ToName = casework.StatusName(st.ToStatus)
		}
		if st.State == "done" {
			p.Last = &c.Steps[i]
		}
		p.Steps = append(p.Steps, sv)
	}
	p.Materials = materialList(p.Item, c)
	if len(c.Form.Data) > 0 {
		p.FormLines = s.d.Cases.FormLines(ctx, c, true)
	}
	p.MayPrint = c.FormDef() != nil && casework.MayPrintForm(a) == nil
	for _, n := range c.Notices {
		nv := noticeView{Notice: n, URL: noticeURL(c.Serial, n.ID), PDF: noticePDFURL(c.Serial, n.ID)}
		p.Notices = append(p.Notices, nv)
		if id, _ := strconv.ParseInt(r.URL.Query().Get("notice"), 10, 64); id == n.ID && back == nil {
			p.NewNotice = &nv
		}
	}
	p.PendingX = c.PendingExtension()
	for _, k := range suspensionOrder() {
		p.SuspKinds = append(p.SuspKinds, option{k, casework.SuspensionKinds[k]})
	}
	p.Can = map[string]bool{}
	for _, x := range c.Actions {
		p.Can[x.Action] = true
	}
	p.MyTask = casework.TaskFor(a, c)
	if p.Complaints, err = s.d.Complaints.ForCase(ctx, a, c.Serial); err != nil {
		return err
	}
	if back != nil && back.Err != nil {
		p.Form, p.In = back.Action, back.In
		p.Errors, p.Error = fromError(back.Err)
		switch {
		case back.Action == casework.ActInstant:
			// A composite operation's refusal says at which step it
			// stopped and that nothing was done.
			p.Error = zwfw.ErrorMessage(back.Err)
		case p.Error == "":
			p.Error = "请按提示修改后重新提交。"
		}
		if zwfw.ErrorCode(back.Err) == zwfw.ECONFLICT {
			if v, _ := strconv.Atoi(back.In.Get("version")); v != c.Version {
				p.Stale = true
			}
		}
	}
	s.render(w, r, status, "work_case", p)
	return nil
}

func noticeURL(serial string, id int64) string {
	return "/notices/" + url.PathEscape(serial) + "/" + strconv.FormatInt(id, 10)
}

// materialList is the item's checklist with what the case holds of each,
// then anything the case holds that the item no longer lists.
func materialList(it *catalog.Item, c *casework.Case) []materialView {
	got := c.Materials
	var out []materialView
	seen := map[string]bool{}
	for _, m := range it.Materials {
		v := materialView{Name: m.Name, Required: m.Required, Form: catalog.FormName(m.Form), Copies: m.Copies, How: "未提交"}
		for i := range got {
			if got[i].Name == m.Name {
				v.Got, v.How = &got[i], handedIn(got[i].HandedIn)
			}
		}
		if v.Got == nil && c.FilledOnline(it, m.Name) {
			v.Online, v.How = true, "在线填报"
		}
		seen[m.Name] = true
		out = append(out, v)
	}
	for i := range got {
		if !seen[got[i].Name] {
			out = append(out, materialView{Name: got[i].Name, Got: &got[i], How: handedIn(got[i].HandedIn)})
		}
	}
	return out
}

func handedIn(h string) string {
	switch h {
	case "upload":
		return "已上传"
	case "window":
		return "窗口收取"
	case "post":
		return "邮寄"
	case casework.ByLicence, casework.ByLibrary:
		// 免提交: checked online at submission (UX.md: 已核验).
		return "已在线核验"
	}
	return "已提交"
}

// duration writes how long a step took.
func duration(sec int64, done bool) string {
	if !done {
		return ""
	}
	switch {
	case sec < 60:
		return "即时"
	case sec < 3600:
		return fmt.Sprintf("%d 分钟", sec/60)
	case sec < 86400:
		return fmt.Sprintf("%d 小时 %d 分", sec/3600, sec%3600/60)
	}
	return fmt.Sprintf("%d 天 %d 小时", sec/86400, sec%86400/3600)
}

func suspensionOrder() []string {
	order := []string{"site_survey", "inspection", "collective", "expert", "hearing", "supplement", "other"}
	var out []string
	for _, k := range order {
		if _, ok := casework.SuspensionKinds[k]; ok {
			out = append(out, k)
		}
	}
	var rest []string
	for k := range casework.SuspensionKinds {
		if !slices.Contains(order, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// formOf is the form an action is posted from (two actions share one).
func formOf(action string) string {
	switch action {
	case casework.ActTaskDeny:
		return casework.ActTaskApprove
	case casework.ActDeny:
		return casework.ActApprove
	}
	return action
}

// workAct takes one action on a case. Success goes back to the case with
// a message (and the print button of a notice just issued); a form with
// problems comes back open with what was typed; a case changed meanwhile
// shows its current state and changes nothing.
func (s *server) workAct(w http.ResponseWriter, r *http.Request) error {
	serial, action := r.PathValue("serial"), r.PathValue("action")
	if !casework.IsAction(action) {
		return zwfw.Errorf(zwfw.ENOTFOUND, "没有这个办件操作。")
	}
	return s.takeAction(w, r, serial, action)
}

// takeAction reads the form of an action, asks casework to take it and
// says what happened.
func (s *server) takeAction(w http.ResponseWriter, r *http.Request, serial, action string) error {
	ctx := r.Context()
	in, err := s.readAction(ctx, r, serial, action)
	if err != nil {
		return err
	}
	c, err := s.d.Cases.Act(ctx, actor(r), serial, action, in)
	if err != nil {
		return s.actFailed(w, r, serial, formOf(action), err)
	}
	if action == casework.ActInstant {
		return s.instantDone(w, r, c)
	}
	s.actDone(w, r, c, doneMessage(action, c))
	return nil
}

// workIdent shows the applicant's full identity number once, to staff who
// say why; casework records the access in the audit log. The number is in
// this one response only (no-store), never in a URL or a later page.
func (s *server) workIdent(w http.ResponseWriter, r *http.Request) error {
	serial := r.PathValue("serial")
	ident, err := s.d.Cases.RevealIdent(r.Context(), actor(r), serial, r.PostFormValue("reason"))
	if err != nil {
		return s.actFailed(w, r, serial, "ident", err)
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.renderCase(w, r, serial, &sentBack{Action: "ident", In: r.PostForm, Ident: ident}, http.StatusOK)
}

// actFailed answers a refused action: problems with the input (422) and
// conflicts (409) come back on the case page; a role or scope refusal is
// the error page (403, 404).
func (s *server) actFailed(w http.ResponseWriter, r *http.Request, serial, form string, err error) error {
	switch code := zwfw.ErrorCode(err); code {
	case zwfw.EINVALID, zwfw.ECONFLICT:
		return s.renderCase(w, r, serial, &sentBack{Action: form, In: r.PostForm, Err: err}, status(code))
	}
	return err
}

// actDone goes back to the case with a message; a notice just issued gets
// its print button.
func (s *server) actDone(w http.ResponseWriter, r *http.Request, c *casework.Case, msg string) {
	to := "/work/cases/" + url.PathEscape(c.Serial)
	if n := latestNotice(c); n != nil {
		to += "?notice=" + strconv.FormatInt(n.ID, 10)
		msg += "已出具" + n.KindName + "（" + n.Number + "），请打印交申请人。"
	}
	s.redirect(w, r, to, "ok", msg)
}

// latestNotice is the notice the case's last change issued, if any.
func latestNotice(c *casework.Case) *casework.Notice {
	if len(c.Notices) == 0 {
		return nil
	}
	n := &c.Notices[len(c.Notices)-1]
	if n.IssuedAt.Equal(c.UpdatedAt) {
		return n
	}
	return nil
}

func doneMessage(action string, c *casework.Case) string {
	switch action {
	case casework.ActAccept:
		msg := "已受理。"
		if c.Deadline != "" {
			msg = "已受理，办结期限 " + c.Deadline + "。"
		}
		return msg
	case casework.ActApprove:
		if c.Status == casework.AwaitingPayment {
			return "已批准，应缴费用 " + yuan(c.FeeCents) + " 元，请申请人到银行收费窗口缴费。"
		}
		return "已批准。"
	case casework.ActForward:
		if c.Forward != nil {
			return "已上报" + c.Forward.PeerName + "。"
		}
		return "已上报" + c.HandlerName + "。"
	case casework.ActComplete:
		if c.Result != nil {
			return "已办结，出具" + c.Result.Name + "（" + c.Result.Number + "）。"
		}
	}
	return "已完成“" + casework.ActionName(action) + "”。"
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// readAction reads the action form into the service's input. The version
// the page showed is required: without it a stale page could act.
func (s *server) readAction(ctx context.Context, r *http.Request, serial, action string) (casework.ActionInput, error) {
	v := r.PostForm
	in := casework.ActionInput{Opinion: v.Get("opinion"), Basis: v.Get("basis")}
	var err error
	if in.Version, err = strconv.Atoi(v.Get("version")); err != nil || in.Version < 1 {
		return in, zwfw.Errorf(zwfw.EBADREQUEST, "页面缺少办件版本，请刷新办件页面后重新操作。")
	}
	switch action {
	case casework.ActNotifySupplement, casework.ActSupplement:
		c, err := s.d.Cases.Get(ctx, actor(r), serial)
		if err != nil {
			return in, err
		}
		it, err := s.d.Catalog.ResolveVersion(ctx, c.ItemCode, c.ItemVersion, c.DeptPath)
		if err != nil {
			return in, err
		}
		for i, m := range it.Materials {
			if !slices.Contains(v["mat"], strconv.Itoa(i)) {
				continue
			}
			if action == casework.ActSupplement {
				in.Materials = append(in.Materials, casework.MaterialInput{Name: m.Name, HandedIn: "window"})
				continue
			}
			note := strings.TrimSpace(v.Get("note" + strconv.Itoa(i)))
			if note == "" {
				note = "缺少或不符合要求，请补正"
			}
			in.Items = append(in.Items, "《"+m.Name+"》："+note)
		}
		for _, line := range strings.Split(v.Get("lines"), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				in.Items = append(in.Items, line)
			}
		}
	case casework.ActSuspend:
		in.Kind = v.Get("kind")
	case casework.ActRequestExtension:
		in.Days, _ = strconv.Atoi(strings.TrimSpace(v.Get("days")))
	case casework.ActApproveExtension:
		in.ExtensionID, _ = strconv.ParseInt(v.Get("extension_id"), 10, 64)
	case casework.ActApprove:
		in.FeeItems = v["fee_items"]
		in.Quantity, _ = strconv.Atoi(strings.TrimSpace(v.Get("quantity")))
	case casework.ActInstant:
		in.Result = &casework.Result{Number: v.Get("number"), ValidTo: strings.TrimSpace(v.Get("valid_to"))}
	case casework.ActConfirmPayment:
		in.Reference = v.Get("reference")
	case casework.ActComplete:
		in.Result = &casework.Result{Number: v.Get("number"), ValidTo: strings.TrimSpace(v.Get("valid_to"))}
	case casework.ActDeliver:
		in.Delivery = &casework.Delivery{Method: v.Get("method"), Tracking: v.Get("tracking"), Address: v.Get("address")}
	}
	return in, nil
}

// workInstant settles a 即办件 at the window in one go (当场办结): casework
// accepts, approves and completes it in one transaction, or does nothing
// and says at which step it stopped.
func (s *server) workInstant(w http.ResponseWriter, r *http.Request) error {
	return s.takeAction(w, r, r.PathValue("serial"), casework.ActInstant)
}

// instantDone says how far 当场办结 went: completed, or approved with a fee
// the applicant pays at the bank window first.
func (s *server) instantDone(w http.ResponseWriter, r *http.Request, c *casework.Case) error {
	switch c.Status {
	case casework.Completed:
		msg := "已当场办结"
		if c.Result != nil {
			msg += "，出具" + c.Result.Name + "（" + c.Result.Number + "）"
		}
		s.actDone(w, r, c, msg+"。请申请人在评价器上评价。")
	case casework.AwaitingPayment:
		s.redirect(w, r, "/work/cases/"+url.PathEscape(c.Serial), "warn",
			"已受理并批准，应缴费用 "+yuan(c.FeeCents)+" 元：请申请人到银行收费窗口缴费，缴费后再办结。")
	default:
		s.redirect(w, r, "/work/cases/"+url.PathEscape(c.Serial), "warn", "办件当前为“"+c.StatusName+"”。")
	}
	return nil
}

// workFile downloads a material of a case, to those who may see the case.
// The bytes go out as an attachment of the type sniffed at upload, never
// rendered in the site's origin.
func (s *server) workFile(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return zwfw.Errorf(zwfw.ENOTFOUND, "没有这个材料文件。")
	}
	serial := r.PathValue("serial")
	m, err := s.d.Cases.File(r.Context(), actor(r), serial, id)
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
	h.Set("Content-Disposition", files.Disposition(m.FileName, m.ContentType, serial+"-"+strconv.FormatInt(id, 10)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("Cache-Control", "private, no-store")
	http.ServeContent(w, r, "", time.Time{}, f)
	return nil
}

// The evaluation pad (评价器): the window hands the applicant a page of
// five big buttons; a rating of 不满意 or worse asks for the reason.
type evaluatePage struct {
	base
	C       *casework.Case
	Levels  []option
	Done    bool
	Closed  string // why the case cannot be rated now
	Error   string
	Comment string
	Errors  fieldErrors
	// The on-site indicators (GB/T 39735) the pad offers, and those ticked.
	Indicators []casework.Indicator
	Ticked     map[string]bool
}

func (s *server) workEvaluate(w http.ResponseWriter, r *http.Request) error {
	return s.renderEvaluate(w, r, nil, http.StatusOK)
}

func (s *server) renderEvaluate(w http.ResponseWriter, r *http.Request, fail error, st int) error {
	a := actor(r)
	if err := casework.MayHandOverPad(a); err != nil {
		return err
	}
	c, err := s.d.Cases.Get(r.Context(), a, r.PathValue("serial"))
	if err != nil {
		return err
	}
	c.Mask()
	p := &evaluatePage{base: s.workBase(w, r, "服务评价"), C: c, Done: r.URL.Query().Get("done") == "1" && fail == nil, Errors: fieldErrors{},
		Indicators: casework.OnsiteIndicators, Ticked: map[string]bool{}}
	for i := 1; i < len(casework.Levels); i++ {
		p.Levels = append(p.Levels, option{strconv.Itoa(i), casework.Levels[i]})
	}
	if err := casework.Check(a, c, casework.ActEvaluate); err != nil && !p.Done {
		p.Closed = zwfw.ErrorMessage(err)
	}
	if fail != nil {
		p.Errors, p.Error = fromError(fail)
		p.Comment = r.PostFormValue("comment")
		for _, c := range r.PostForm["indicators"] {
			p.Ticked[c] = true
		}
	}
	s.render(w, r, st, "work_evaluate", p)
	return nil
}

func (s *server) workEvaluatePost(w http.ResponseWriter, r *http.Request) error {
	serial := r.PathValue("serial")
	level, _ := strconv.Atoi(r.PostFormValue("level"))
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	_, err := s.d.Cases.Act(r.Context(), actor(r), serial, casework.ActEvaluate, casework.ActionInput{
		Version: version, Level: level, Comment: r.PostFormValue("comment"), Channel: "pad",
		Indicators: r.PostForm["indicators"]})
	if err != nil {
		switch code := zwfw.ErrorCode(err); code {
		case zwfw.EINVALID, zwfw.ECONFLICT:
			return s.renderEvaluate(w, r, err, status(code))
		}
		return err
	}
	http.Redirect(w, r, "/work/cases/"+url.PathEscape(serial)+"/evaluate?done=1", http.StatusSeeOther)
	return nil
}
