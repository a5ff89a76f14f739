package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/complaint"
	"zwfw/internal/httpauth"
	"zwfw/internal/org"
	"zwfw/internal/throttle"
)

// The pages of the complaint register (投诉建议, 附件2（九）3): the public
// form, a centre's 意见箱 tablet page, the lookup by number and query code
// with the rating, and the staff's list with its figures, the form for a
// call or letter, and one complaint with the actions the domain allows.

func init() {
	pages = append(pages, "complaint_form", "complaint_done", "complaint_lookup", "complaint_box",
		"work_complaints", "work_complaint", "work_complaint_new")
}

// complaintForm is the data of the three forms (public, 意见箱, staff).
type complaintForm struct {
	base
	In         complaint.Input
	Places     []complaint.Place
	Centre     *complaint.Place // the 意见箱's centre
	Kinds      []string
	Categories []complaint.Category
	Channels   []string
	Errors     fieldErrors
	Error      string
}

func (complaintForm) KindName(k string) string    { return complaint.KindName(k) }
func (complaintForm) ChannelName(c string) string { return complaint.ChannelName(c) }
func (complaintForm) Limit(k string) int          { return complaint.DefaultDays[k] }
func (f complaintForm) Err(field string) []string { return f.Errors[field] }
func (f complaintForm) Invalid(field string) bool { return f.Errors.Has(field) }

func newComplaintForm(b base, in complaint.Input, err error) complaintForm {
	f := complaintForm{base: b, In: in, Kinds: complaint.Kinds, Categories: complaint.Categories, Channels: complaint.StaffChannels, Errors: fieldErrors{}}
	if err != nil {
		f.Errors, f.Error = fromError(err)
		if f.Error == "" {
			f.Error = "请按提示修改后重新提交。"
		}
	}
	return f
}

func complaintInput(r *http.Request) complaint.Input {
	return complaint.Input{Kind: r.PostFormValue("kind"), Category: r.PostFormValue("category"), Channel: r.PostFormValue("channel"),
		Org: r.PostFormValue("org"), Case: r.PostFormValue("case"), Subject: r.PostFormValue("subject"), Body: r.PostFormValue("body"),
		Anonymous: r.PostFormValue("anonymous") == "1", Name: r.PostFormValue("name"), Phone: r.PostFormValue("phone")}
}

// refusedInput reports whether err is the input's fault (shown on the
// form) rather than the server's.
func refusedInput(err error) (int, bool) {
	if _, many := throttle.RetryAfter(err); many {
		return http.StatusTooManyRequests, true
	}
	switch zwfw.ErrorCode(err) {
	case zwfw.EINVALID, zwfw.EFORBIDDEN:
		return zwfw.HTTPStatus(zwfw.ErrorCode(err)), true
	}
	return 0, false
}

// complaintNew is the public form (网上投诉): anonymous or named.
func (s *server) complaintNew(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	in := complaint.Input{Kind: complaint.KindComplaint, Org: q.Get("org"), Case: q.Get("case")}
	return s.renderComplaintNew(w, r, http.StatusOK, in, nil)
}

func (s *server) renderComplaintNew(w http.ResponseWriter, r *http.Request, st int, in complaint.Input, err error) error {
	f := newComplaintForm(s.base(w, r, "咨询投诉"), in, err)
	f.Nav = "complaints"
	var lerr error
	if f.Places, lerr = s.d.Complaints.Centres(r.Context()); lerr != nil {
		return lerr
	}
	s.render(w, r, st, "complaint_form", f)
	return nil
}

type complaintDone struct {
	base
	R *complaint.Receipt
}

func (s *server) complaintPost(w http.ResponseWriter, r *http.Request) error {
	in := complaintInput(r)
	rc, err := s.d.Complaints.Submit(r.Context(), actor(r), complaint.ChannelOnline, in, httpauth.ClientIP(r))
	if err != nil {
		if st, ok := refusedInput(err); ok {
			return s.renderComplaintNew(w, r, st, in, err)
		}
		return err
	}
	p := complaintDone{base: s.base(w, r, "已受理"), R: rc}
	p.Nav = "complaints"
	s.render(w, r, http.StatusOK, "complaint_done", p)
	return nil
}

// The 意见箱 (附件2（九）3): a page for the hall's tablet, no sign-in; after
// a submission it is a blank form again, with the number and the code in
// the message above it.
func (s *server) complaintBox(w http.ResponseWriter, r *http.Request) error {
	return s.renderComplaintBox(w, r, http.StatusOK, complaint.Input{Kind: complaint.KindSuggestion, Anonymous: true}, nil)
}

func (s *server) renderComplaintBox(w http.ResponseWriter, r *http.Request, st int, in complaint.Input, err error) error {
	c, cerr := s.d.Complaints.Centre(r.Context(), r.PathValue("centre"))
	if cerr != nil {
		return cerr
	}
	f := newComplaintForm(s.base(w, r, c.Name+" · 意见箱"), in, err)
	f.Centre = c
	s.render(w, r, st, "complaint_box", f)
	return nil
}

func (s *server) complaintBoxPost(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("centre")
	if _, err := s.d.Complaints.Centre(r.Context(), code); err != nil {
		return err
	}
	in := complaintInput(r)
	in.Org = code
	rc, err := s.d.Complaints.Submit(r.Context(), nil, complaint.ChannelBox, in, httpauth.ClientIP(r))
	if err != nil {
		if st, ok := refusedInput(err); ok {
			return s.renderComplaintBox(w, r, st, in, err)
		}
		return err
	}
	msg := fmt.Sprintf("谢谢！您的%s已收到。编号 %s，查询码 %s（请记下，可在网上办事大厅“咨询投诉”中查询答复）。", rc.Kind, rc.Number, rc.QueryCode)
	s.redirect(w, r, "/hall/"+url.PathEscape(code)+"/yijianxiang", "ok", msg)
	return nil
}

type complaintLookupPage struct {
	base
	Number, Code string
	P            *complaint.Public
	Error        string
	Ratings      []string
}

func (complaintLookupPage) RatingName(r string) string { return complaint.RatingName(r) }

func (s *server) complaintLookup(w http.ResponseWriter, r *http.Request) error {
	p := complaintLookupPage{base: s.base(w, r, "投诉建议查询"), Number: r.URL.Query().Get("number"), Ratings: complaint.Ratings}
	p.Nav = "complaints"
	s.render(w, r, http.StatusOK, "complaint_lookup", p)
	return nil
}

// complaintLookupPost reads a complaint by number and code (a POST: the
// code stays out of addresses and logs); with a rating, it rates first.
func (s *server) complaintLookupPost(w http.ResponseWriter, r *http.Request) error {
	p := complaintLookupPage{base: s.base(w, r, "投诉建议查询"), Number: strings.TrimSpace(r.PostFormValue("number")),
		Code: strings.TrimSpace(r.PostFormValue("code")), Ratings: complaint.Ratings}
	p.Nav = "complaints"
	var err error
	rating := r.PostFormValue("rating")
	if r.PostFormValue("rate") == "1" {
		p.P, err = s.d.Complaints.Rate(r.Context(), p.Number, p.Code, rating, r.PostFormValue("comment"), httpauth.ClientIP(r))
		if err == nil {
			p.Flash = &flash{Kind: "ok", Message: "谢谢您的评价：" + complaint.RatingName(rating) + "。"}
		} else if code := zwfw.ErrorCode(err); code == zwfw.ECONFLICT || code == zwfw.EINVALID {
			p.Error = zwfw.ErrorMessage(err)
			p.P, err = s.d.Complaints.Lookup(r.Context(), p.Number, p.Code, httpauth.ClientIP(r))
		}
	} else {
		p.P, err = s.d.Complaints.Lookup(r.Context(), p.Number, p.Code, httpauth.ClientIP(r))
	}
	st := http.StatusOK
	if err != nil {
		_, many := throttle.RetryAfter(err)
		if c := zwfw.ErrorCode(err); c != zwfw.ENOTFOUND && c != zwfw.EINVALID && !many {
			return err
		}
		p.P, p.Error, p.Code = nil, zwfw.ErrorMessage(err), ""
		st = zwfw.HTTPStatus(zwfw.ErrorCode(err))
		if many {
			st = http.StatusTooManyRequests
		}
	}
	s.render(w, r, st, "complaint_lookup", p)
	return nil
}

// The staff's pages.

type workComplaintsPage struct {
	base
	List      []*complaint.Complaint
	Total     int
	Q         complaint.Query
	Units     []complaint.Place
	States    []string
	Kinds     []string
	Stats     *complaint.Stats
	From, To  string
	Limits    []complaint.Limit
	LimitsOrg string // the organisation whose limits the reader may set ("": none)
	MayFile   bool
}

func (workComplaintsPage) StateName(s string) string { return complaint.StateName(s) }

// statTable is one table of the figures.
type statTable struct {
	Title string
	Lines []complaint.Line
	All   complaint.Counts
}

// StatTables are the figures by unit, by category and by outcome.
func (p workComplaintsPage) StatTables() []statTable {
	if p.Stats == nil {
		return nil
	}
	return []statTable{{"按承办单位", p.Stats.ByUnit, p.Stats.All}, {"按所涉方面", p.Stats.ByCategory, p.Stats.All}, {"按评价结果", p.Stats.ByOutcome, p.Stats.All}}
}
func (workComplaintsPage) KindName(k string) string { return complaint.KindName(k) }

func (s *server) complaintsBase(w http.ResponseWriter, r *http.Request, title string) base {
	b := s.workBase(w, r, title)
	b.Nav = "complaints"
	b.SupCSS = true
	return b
}

// period reads from and to (YYYY-MM-DD) of the figures; the current month
// when absent.
func (s *server) complaintPeriod(r *http.Request) (time.Time, time.Time, error) {
	q := r.URL.Query()
	if q.Get("from") == "" && q.Get("to") == "" {
		return time.Time{}, time.Time{}, nil
	}
	from, err1 := calendar.ParseDate(q.Get("from"))
	to, err2 := calendar.ParseDate(q.Get("to"))
	if err1 != nil || err2 != nil {
		return time.Time{}, time.Time{}, zwfw.Errorf(zwfw.EINVALID, "统计期间应为 YYYY-MM-DD 格式的开始和结束日期")
	}
	return from, to, nil
}

func (s *server) workComplaints(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	if err := complaint.MayList(a); err != nil {
		return err
	}
	q := r.URL.Query()
	f := complaint.Query{State: q.Get("state"), Kind: q.Get("kind"), Unit: q.Get("unit"), Overdue: q.Get("overdue") == "1"}
	if complaint.StateName(f.State) == "" {
		f.State = ""
	}
	if complaint.KindName(f.Kind) == "" {
		f.Kind = ""
	}
	p := workComplaintsPage{base: s.complaintsBase(w, r, "投诉建议"), Q: f, States: complaint.States, Kinds: complaint.Kinds, MayFile: complaint.MayRegister(a) == nil}
	var err error
	if p.List, p.Total, err = s.d.Complaints.List(r.Context(), a, f); err != nil {
		if zwfw.ErrorCode(err) != zwfw.EINVALID {
			return err
		}
		s.redirect(w, r, "/work/complaints", "warn", zwfw.ErrorMessage(err))
		return nil
	}
	if p.Units, err = s.d.Complaints.Units(r.Context(), a); err != nil {
		return err
	}
	from, to, perr := s.complaintPeriod(r)
	if perr != nil {
		s.redirect(w, r, "/work/complaints", "warn", zwfw.ErrorMessage(perr))
		return nil
	}
	if p.Stats, err = s.d.Complaints.Statistics(r.Context(), a, from, to); err != nil {
		if zwfw.ErrorCode(err) != zwfw.EINVALID {
			return err
		}
		s.redirect(w, r, "/work/complaints", "warn", zwfw.ErrorMessage(err))
		return nil
	}
	p.From, p.To = p.Stats.From, p.Stats.To
	if o, err := s.d.Orgs.ByCode(r.Context(), a.OrgCode); err == nil {
		if org.MaySetSettings(a, o, "投诉建议办理时限") == nil {
			p.LimitsOrg = o.Code
		}
		if p.Limits, err = s.d.Complaints.Limits(r.Context(), o.Code); err != nil {
			return err
		}
	}
	s.render(w, r, http.StatusOK, "work_complaints", p)
	return nil
}

func (s *server) workComplaintsExport(w http.ResponseWriter, r *http.Request) error {
	from, to, err := s.complaintPeriod(r)
	if err != nil {
		return err
	}
	st, err := s.d.Complaints.Statistics(r.Context(), actor(r), from, to)
	if err != nil {
		return err
	}
	b, err := st.XLSX()
	if err != nil {
		return err
	}
	name := "投诉建议统计-" + st.From + "-" + st.To + ".xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	_, err = w.Write(b)
	return err
}

// workComplaintLimits sets the county's working-day limits.
func (s *server) workComplaintLimits(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	days := map[string]int{}
	for _, k := range complaint.Kinds {
		v := strings.TrimSpace(r.PostFormValue(k))
		if v == "" {
			continue
		}
		var n int
		if _, err := fmt.Sscan(v, &n); err != nil {
			s.redirect(w, r, "/work/complaints", "warn", fmt.Sprintf("%s的办理时限应为整数个工作日", complaint.KindName(k)))
			return nil
		}
		days[k] = n
	}
	_, err := s.d.Complaints.SetLimits(r.Context(), a, r.PostFormValue("org"), days)
	if zwfw.ErrorCode(err) == zwfw.EINVALID {
		s.redirect(w, r, "/work/complaints", "warn", zwfw.ErrorMessage(err))
		return nil
	}
	if err != nil {
		return err
	}
	s.redirect(w, r, "/work/complaints", "ok", "已保存办理时限；新登记的投诉建议按新时限计算。")
	return nil
}

func (s *server) workComplaintNew(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	in := complaint.Input{Kind: complaint.KindComplaint, Channel: complaint.ChannelPhone, Org: a.OrgCode, Case: r.URL.Query().Get("case")}
	return s.renderWorkComplaintNew(w, r, http.StatusOK, in, nil)
}

func (s *server) renderWorkComplaintNew(w http.ResponseWriter, r *http.Request, st int, in complaint.Input, err error) error {
	a := actor(r)
	if err := complaint.MayRegister(a); err != nil {
		return err
	}
	f := newComplaintForm(s.complaintsBase(w, r, "登记来电来信"), in, err)
	var lerr error
	if f.Places, lerr = s.d.Complaints.FilePlaces(r.Context(), a); lerr != nil {
		return lerr
	}
	s.render(w, r, st, "work_complaint_new", f)
	return nil
}

func (s *server) workComplaintPost(w http.ResponseWriter, r *http.Request) error {
	in := complaintInput(r)
	rc, err := s.d.Complaints.Register(r.Context(), actor(r), in)
	if zwfw.ErrorCode(err) == zwfw.EINVALID {
		return s.renderWorkComplaintNew(w, r, http.StatusUnprocessableEntity, in, err)
	}
	if err != nil {
		return err
	}
	s.redirect(w, r, "/work/complaints/"+rc.Number, "ok", fmt.Sprintf("已登记，编号 %s，查询码 %s：请告知反映人，凭此查询答复。", rc.Number, rc.QueryCode))
	return nil
}

type workComplaintPage struct {
	base
	C     *complaint.Complaint
	Units []complaint.Place
	Error string
	Form  string // the action whose form came back
	Text  string
	// CanReveal: the domain lets this reader see the full phone number
	// (to call back); Phone is it, once asked for with a reason.
	CanReveal bool
	Phone     string
}

func (workComplaintPage) ActionName(a string) string { return complaint.ActionName(a) }

// Can reports whether the domain allows action now.
func (p workComplaintPage) Can(action string) bool {
	for _, a := range p.C.Actions {
		if a == action {
			return true
		}
	}
	return false
}

func (s *server) renderWorkComplaintPhone(w http.ResponseWriter, r *http.Request, c *complaint.Complaint, phone string) error {
	return s.renderWorkComplaintWith(w, r, http.StatusOK, c, "", "", nil, phone)
}

func (s *server) renderWorkComplaint(w http.ResponseWriter, r *http.Request, st int, c *complaint.Complaint, form, text string, err error) error {
	return s.renderWorkComplaintWith(w, r, st, c, form, text, err, "")
}

func (s *server) renderWorkComplaintWith(w http.ResponseWriter, r *http.Request, st int, c *complaint.Complaint, form, text string, err error, phone string) error {
	p := workComplaintPage{Phone: phone, base: s.complaintsBase(w, r, c.KindName+" "+c.Number), C: c, Form: form, Text: text,
		CanReveal: c.ContactPhone != "" && complaint.MayRevealPhone(actor(r), c)}
	if err != nil {
		p.Error = zwfw.ErrorMessage(err)
	}
	if p.Can(complaint.ActAssign) {
		var uerr error
		if p.Units, uerr = s.d.Complaints.Units(r.Context(), actor(r)); uerr != nil {
			return uerr
		}
	}
	s.render(w, r, st, "work_complaint", p)
	return nil
}

func (s *server) workComplaint(w http.ResponseWriter, r *http.Request) error {
	c, err := s.d.Complaints.Get(r.Context(), actor(r), r.PathValue("number"))
	if err != nil {
		return err
	}
	return s.renderWorkComplaint(w, r, http.StatusOK, c, "", "", nil)
}

// workComplaintAct takes an action; a refusal shows the page again with
// the message and what was typed, nothing changed.
func (s *server) workComplaintAct(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	number, action := r.PathValue("number"), r.PathValue("action")
	in := complaint.ActInput{Unit: r.PostFormValue("unit"), Text: r.PostFormValue("text")}
	done, err := s.d.Complaints.Act(r.Context(), a, number, action, in)
	if c := zwfw.ErrorCode(err); c == zwfw.EINVALID || c == zwfw.ECONFLICT {
		cur, gerr := s.d.Complaints.Get(r.Context(), a, number)
		if gerr != nil {
			return gerr
		}
		return s.renderWorkComplaint(w, r, zwfw.HTTPStatus(c), cur, action, in.Text, err)
	}
	if err != nil {
		return err
	}
	s.redirect(w, r, "/work/complaints/"+done.Number, "ok", fmt.Sprintf("已%s；当前状态：%s。", complaint.ActionName(action), done.StateName))
	return nil
}

// workComplaintPhone shows who calls the complainant back the full number,
// on this answer only (never in a URL or a flash), the reason audited.
func (s *server) workComplaintPhone(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	number := r.PathValue("number")
	phone, err := s.d.Complaints.RevealPhone(r.Context(), a, number, r.PostFormValue("reason"))
	c, gerr := s.d.Complaints.Get(r.Context(), a, number)
	if gerr != nil {
		return gerr
	}
	if code := zwfw.ErrorCode(err); code == zwfw.EINVALID || code == zwfw.ECONFLICT {
		return s.renderWorkComplaint(w, r, zwfw.HTTPStatus(code), c, "phone", r.PostFormValue("reason"), err)
	} else if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.renderWorkComplaintPhone(w, r, c, phone)
}

// CanComplaints shows 投诉建议 in the staff menu to those the register lets
// list complaints (complaint.MayList).
func (b base) CanComplaints() bool { return complaint.MayList(b.Actor) == nil }
