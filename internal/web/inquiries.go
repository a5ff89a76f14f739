package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/catalog"
	"zwfw/internal/files"
	"zwfw/internal/httpauth"
	"zwfw/internal/inquiry"
	"zwfw/internal/org"
)

// The first-inquiry register (首问登记, 附件2（六）1): the staff's list with
// the referrals waiting for their acknowledgement and the statistics, the
// new record's form, one record with its actions; the public question form
// and answer lookup; the moderation of experiences (办事体验).

func init() {
	pages = append(pages, "inquiries", "inquiry_new", "inquiry", "question", "experiences")
}

// CanInquire shows 首问登记 in the staff menu.
func (b base) CanInquire() bool { return inquiry.MayRead(b.Actor) == nil }

// CanModerate shows 办事体验审核 in the staff menu.
func (b base) CanModerate() bool { return inquiry.MayModerateAny(b.Actor) == nil }

func (s *server) inquiryBase(w http.ResponseWriter, r *http.Request, title, nav string) base {
	b := s.base(w, r, title)
	b.admin = true
	b.Nav = nav
	b.SupCSS = true
	return b
}

type inquiriesPage struct {
	base
	List     []*inquiry.Inquiry
	Total    int
	Waiting  []*inquiry.Inquiry
	Stats    *inquiry.Stats
	F        inquiry.Query
	MayNew   bool
	Channels []string
	Export   string
}

func (inquiriesPage) ChannelName(c string) string { return inquiry.ChannelName(c) }
func (inquiriesPage) Duration(sec int64) string   { return inquiry.Duration(sec) }

func inquiryQuery(r *http.Request) inquiry.Query {
	q := r.URL.Query()
	return inquiry.Query{Channel: q.Get("channel"), Status: q.Get("status"), Item: strings.TrimSpace(q.Get("item")),
		From: q.Get("from"), To: q.Get("to")}
}

func (s *server) inquiriesPage(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	f := inquiryQuery(r)
	list, total, err := s.d.Inquiries.List(r.Context(), a, f)
	if zwfw.ErrorCode(err) == zwfw.EINVALID {
		s.redirect(w, r, "/inquiries", "warn", zwfw.ErrorMessage(err))
		return nil
	}
	if err != nil {
		return err
	}
	waiting, _, err := s.d.Inquiries.List(r.Context(), a, inquiry.Query{Status: "ack"})
	if err != nil {
		return err
	}
	st, err := s.d.Inquiries.Stats(r.Context(), a, inquiry.Query{Channel: f.Channel, From: f.From, To: f.To})
	if err != nil {
		return err
	}
	v := url.Values{}
	for k, x := range map[string]string{"channel": f.Channel, "from": f.From, "to": f.To} {
		if x != "" {
			v.Set(k, x)
		}
	}
	s.render(w, r, http.StatusOK, "inquiries", inquiriesPage{base: s.inquiryBase(w, r, "首问登记", "inquiries"), List: list, Total: total,
		Waiting: waiting, Stats: st, F: f, MayNew: inquiry.MayRecord(a) == nil, Channels: inquiry.Channels, Export: "/inquiries/export?" + v.Encode()})
	return nil
}

// inquiriesExport downloads the statistics as Excel.
func (s *server) inquiriesExport(w http.ResponseWriter, r *http.Request) error {
	f := inquiryQuery(r)
	st, err := s.d.Inquiries.Stats(r.Context(), actor(r), inquiry.Query{Channel: f.Channel, From: f.From, To: f.To})
	if err != nil {
		return err
	}
	b, err := st.XLSX("首问登记统计")
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", files.Attachment("inquiries.xlsx", "首问登记统计_"+s.now().Format("20060102")+".xlsx"))
	_, _ = w.Write(b)
	return nil
}

type inquiryNewPage struct {
	base
	In       inquiry.Input
	Item     *catalog.Item
	Started  string
	Targets  []*org.Org
	Message  string
	Errors   []zwfw.ErrorDetail
	Channels []string
}

func (inquiryNewPage) ChannelName(c string) string { return inquiry.ChannelName(c) }

// targets are the windows and departments a referral may go to: the
// active ones of the county the actor works in.
func (s *server) targets(r *http.Request) []*org.Org {
	a := actor(r)
	path := a.OrgPath
	if ids := org.PathIDs(path); len(ids) >= 2 {
		if o, err := s.d.Orgs.ByID(r.Context(), ids[1]); err == nil {
			path = o.Path // the county (the city is the top)
		}
	}
	all, err := s.d.Orgs.List(r.Context(), path)
	if err != nil {
		return nil
	}
	var out []*org.Org
	for _, o := range all {
		if o.Active && (o.Kind == org.KindWindow || o.Kind == org.KindDept) {
			out = append(out, o)
		}
	}
	return out
}

func (s *server) renderInquiryNew(w http.ResponseWriter, r *http.Request, st int, in inquiry.Input, started string, err error) error {
	if err := inquiry.MayRecord(actor(r)); err != nil {
		return err
	}
	p := inquiryNewPage{base: s.inquiryBase(w, r, "登记首问", "inquiries"), In: in, Started: started, Targets: s.targets(r), Channels: inquiry.Channels[:3]}
	if in.Item != "" {
		if it, gerr := s.d.Catalog.Get(r.Context(), in.Item); gerr == nil {
			p.Item = it
			if in.Guidance == "" {
				p.In.Guidance = inquiry.Guidance(it)
			}
		}
	}
	if p.Started == "" {
		p.Started = strconv.FormatInt(s.now().UnixMilli(), 10)
	}
	if err != nil {
		p.Message = zwfw.ErrorMessage(err)
		var e *zwfw.Error
		if asError(err, &e) {
			p.Errors = e.Details
		}
	}
	s.render(w, r, st, "inquiry_new", p)
	return nil
}

// inquiryNew is the form; ?item= prefills the referral's guidance from the
// item's guide.
func (s *server) inquiryNew(w http.ResponseWriter, r *http.Request) error {
	in := inquiry.Input{Channel: r.URL.Query().Get("channel"), Item: strings.TrimSpace(r.URL.Query().Get("item"))}
	if in.Channel == "" {
		in.Channel = inquiry.Visit
	}
	return s.renderInquiryNew(w, r, http.StatusOK, in, "", nil)
}

func (s *server) inquiryCreate(w http.ResponseWriter, r *http.Request) error {
	f := r.PostFormValue
	in := inquiry.Input{Channel: f("channel"), AskerName: f("asker_name"), AskerPhone: f("asker_phone"), Question: f("question"),
		Item: f("item"), Guidance: f("guidance")}
	if f("mode") == "refer" {
		in.ReferTo = f("refer_to")
	} else {
		in.Answer = f("answer")
		in.Guidance = ""
	}
	if m := strings.TrimSpace(f("minutes")); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil {
			n = -1
		}
		in.Minutes = n
	}
	if ms, err := strconv.ParseInt(f("started"), 10, 64); err == nil && ms > 0 {
		in.StartedAt = time.UnixMilli(ms)
	}
	q, err := s.d.Inquiries.Create(r.Context(), actor(r), in)
	if zwfw.ErrorCode(err) == zwfw.EINVALID {
		return s.renderInquiryNew(w, r, http.StatusUnprocessableEntity, in, f("started"), err)
	}
	if err != nil {
		return err
	}
	msg := "已登记并当场答复。"
	if q.Referral != nil {
		msg = "已登记并转办给" + q.Referral.ToName + "，等待对方签收。"
	}
	s.redirect(w, r, "/inquiries/"+strconv.FormatInt(q.ID, 10), "ok", msg)
	return nil
}

type inquiryPage struct {
	base
	Q       *inquiry.Inquiry
	Targets []*org.Org
	Guide   string
	Same    []*inquiry.Inquiry // other answered records of the item, to make one FAQ entry of together
}

// May reports whether the action is offered.
func (p inquiryPage) May(a string) bool       { return slices.Contains(p.Q.Actions, a) }
func (inquiryPage) Duration(sec int64) string { return inquiry.Duration(sec) }

func (s *server) inquiryRecord(r *http.Request) (*inquiry.Inquiry, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "首问登记不存在")
	}
	return s.d.Inquiries.Get(r.Context(), actor(r), id)
}

func (s *server) inquiryPage(w http.ResponseWriter, r *http.Request) error {
	q, err := s.inquiryRecord(r)
	if err != nil {
		return err
	}
	p := inquiryPage{base: s.inquiryBase(w, r, fmt.Sprintf("首问登记 第 %d 号", q.ID), "inquiries"), Q: q}
	if p.May(inquiry.ActRefer) {
		p.Targets = s.targets(r)
		if q.ItemCode != "" {
			if it, err := s.d.Catalog.Get(r.Context(), q.ItemCode); err == nil {
				p.Guide = inquiry.Guidance(it)
			}
		}
	}
	if p.May(inquiry.ActFAQ) {
		same, _, err := s.d.Inquiries.List(r.Context(), actor(r), inquiry.Query{Item: q.ItemCode, Status: inquiry.Answered, Limit: 50})
		if err != nil {
			return err
		}
		for _, o := range same {
			if o.ID != q.ID && o.FAQItem == "" {
				p.Same = append(p.Same, o)
			}
		}
	}
	s.render(w, r, http.StatusOK, "inquiry", p)
	return nil
}

var inquiryDone = map[string]string{inquiry.ActAnswer: "已答复。", inquiry.ActRefer: "已转办，等待对方签收。",
	inquiry.ActAcknowledge: "已签收转办。", inquiry.ActFAQ: "已转为事项的常见问题，并记入事项变更记录。"}

// inquiryAct takes an action; a refusal comes back as a warning on the
// record's page, with nothing changed.
func (s *server) inquiryAct(w http.ResponseWriter, r *http.Request) error {
	q, err := s.inquiryRecord(r)
	if err != nil {
		return err
	}
	ctx, a, f := r.Context(), actor(r), r.PostFormValue
	switch act := r.PathValue("action"); act {
	case inquiry.ActAnswer:
		_, err = s.d.Inquiries.Answer(ctx, a, q.ID, f("answer"))
	case inquiry.ActRefer:
		_, err = s.d.Inquiries.Refer(ctx, a, q.ID, f("refer_to"), f("guidance"))
	case inquiry.ActAcknowledge:
		_, err = s.d.Inquiries.Acknowledge(ctx, a, q.ID)
	case inquiry.ActFAQ:
		in := inquiry.FAQInput{Q: f("q"), A: f("a")}
		for _, v := range r.PostForm["also"] {
			n, perr := strconv.ParseInt(v, 10, 64)
			if perr != nil {
				s.redirect(w, r, "/inquiries/"+strconv.FormatInt(q.ID, 10), "warn", "所选登记号无效")
				return nil
			}
			in.Also = append(in.Also, n)
		}
		_, err = s.d.Inquiries.MakeFAQ(ctx, a, q.ID, in)
	default:
		return zwfw.Errorf(zwfw.ENOTFOUND, "操作不存在")
	}
	to := "/inquiries/" + strconv.FormatInt(q.ID, 10)
	switch zwfw.ErrorCode(err) {
	case "":
		s.redirect(w, r, to, "ok", inquiryDone[r.PathValue("action")])
		return nil
	case zwfw.EINVALID, zwfw.ECONFLICT:
		s.redirect(w, r, to, "warn", zwfw.ErrorMessage(err))
		return nil
	}
	return err
}

// ---- The public side: 网上咨询 and its answer ----

type questionPage struct {
	base
	Item    *catalog.Item
	In      inquiry.AskInput
	Message string
	Ticket  *inquiry.Ticket
	Answer  *inquiry.PublicAnswer
	No      string
	Lookup  string // a lookup's refusal
	Asking  bool   // only the lookup form, for a number (no ask form)
}

func (s *server) questionBase(w http.ResponseWriter, r *http.Request, title string) base {
	b := s.base(w, r, title)
	b.Nav = "items"
	return b
}

// questionForm is the general question form (?item= for an item's).
func (s *server) questionForm(w http.ResponseWriter, r *http.Request) error {
	p := questionPage{base: s.questionBase(w, r, "网上咨询"), In: inquiry.AskInput{Item: r.URL.Query().Get("item")}}
	if p.In.Item != "" {
		if it, err := s.d.Catalog.Get(r.Context(), p.In.Item); err == nil {
			p.Item = it
		}
	}
	s.render(w, r, http.StatusOK, "question", p)
	return nil
}

func (s *server) questionAsk(w http.ResponseWriter, r *http.Request) error {
	f := r.PostFormValue
	in := inquiry.AskInput{Item: f("item"), AskerName: f("asker_name"), AskerPhone: f("asker_phone"), Question: f("question")}
	t, err := s.d.Inquiries.Ask(r.Context(), in, httpauth.ClientIP(r))
	p := questionPage{base: s.questionBase(w, r, "网上咨询"), In: in}
	if in.Item != "" {
		if it, gerr := s.d.Catalog.Get(r.Context(), in.Item); gerr == nil {
			p.Item = it
		}
	}
	switch zwfw.ErrorCode(err) {
	case "":
		p.Ticket = t
		w.Header().Set("Cache-Control", "private, no-store")
		s.render(w, r, http.StatusCreated, "question", p)
		return nil
	case zwfw.EINVALID:
		p.Message = zwfw.ErrorMessage(err)
		s.render(w, r, http.StatusUnprocessableEntity, "question", p)
		return nil
	}
	return err
}

// questionLookup answers the lookup form. The form posts the number and
// the query code, so the code never stands in an address (issue 12 item 6:
// an address is kept in histories, logs and shared links); a GET with both
// in the query, from before, still answers.
func (s *server) questionLookup(w http.ResponseWriter, r *http.Request) error {
	get := r.URL.Query().Get
	if r.Method == http.MethodPost {
		get = r.PostFormValue
	}
	no, code := strings.TrimSpace(get("no")), strings.TrimSpace(get("code"))
	if no == "" || code == "" {
		p := questionPage{base: s.questionBase(w, r, "咨询答复查询"), No: no, Lookup: "请填写登记号和查询码。"}
		s.render(w, r, http.StatusUnprocessableEntity, "question", p)
		return nil
	}
	return s.showAnswer(w, r, no, code)
}

// questionAnswer is a question's own address: without a code it offers the
// lookup form with the number filled in (the ticket links here); with one
// (old links) it answers.
func (s *server) questionAnswer(w http.ResponseWriter, r *http.Request) error {
	no, code := r.PathValue("id"), r.URL.Query().Get("code")
	if code == "" {
		p := questionPage{base: s.questionBase(w, r, "咨询答复查询"), No: no, Asking: true}
		s.render(w, r, http.StatusOK, "question", p)
		return nil
	}
	return s.showAnswer(w, r, no, code)
}

// showAnswer renders the answer to question no for the holder of its code.
func (s *server) showAnswer(w http.ResponseWriter, r *http.Request, no, code string) error {
	p := questionPage{base: s.questionBase(w, r, "咨询答复查询"), No: no}
	w.Header().Set("Cache-Control", "private, no-store")
	id, err := strconv.ParseInt(no, 10, 64)
	if err != nil || id <= 0 {
		err = zwfw.Errorf(zwfw.ENOTFOUND, "没有找到这个登记号的咨询，请核对登记号和查询码")
	} else {
		p.Answer, err = s.d.Inquiries.Lookup(r.Context(), id, code, httpauth.ClientIP(r))
	}
	if zwfw.ErrorCode(err) == zwfw.ENOTFOUND {
		p.Lookup = zwfw.ErrorMessage(err)
		s.render(w, r, http.StatusNotFound, "question", p)
		return nil
	}
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "question", p)
	return nil
}

// ---- Experiences (办事体验) ----

// experienceShare takes an applicant's account from the guide page.
func (s *server) experienceShare(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("code")
	_, err := s.d.Inquiries.Share(r.Context(), actor(r), code, r.PostFormValue("body"))
	to := "/items/" + url.PathEscape(code) + "#experiences"
	switch zwfw.ErrorCode(err) {
	case "":
		s.redirect(w, r, to, "ok", "感谢分享！您的办事体验经审核后在本页公开。")
		return nil
	case zwfw.EINVALID, zwfw.ECONFLICT:
		s.redirect(w, r, to, "warn", zwfw.ErrorMessage(err))
		return nil
	}
	return err
}

type experiencesPage struct {
	base
	List   []*inquiry.Experience
	State  string
	States []string
}

func (experiencesPage) StateName(s string) string  { return inquiry.ExpStateName(s) }
func (experiencesPage) ActionName(a string) string { return inquiry.ExpActionName(a) }
func (experiencesPage) NeedsReason(a string) bool  { return a != inquiry.ExpApprove }

func (s *server) experiencesPage(w http.ResponseWriter, r *http.Request) error {
	st := r.URL.Query().Get("status")
	if st == "" && !r.URL.Query().Has("status") {
		st = inquiry.ExpPending
	}
	list, err := s.d.Inquiries.Queue(r.Context(), actor(r), st, 200)
	if zwfw.ErrorCode(err) == zwfw.EINVALID {
		s.redirect(w, r, "/experiences", "warn", zwfw.ErrorMessage(err))
		return nil
	}
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "experiences", experiencesPage{base: s.inquiryBase(w, r, "办事体验审核", "experiences"), List: list, State: st,
		States: []string{inquiry.ExpPending, inquiry.ExpApproved, inquiry.ExpRejected, inquiry.ExpWithdrawn}})
	return nil
}

func (s *server) experienceModerate(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return zwfw.Errorf(zwfw.ENOTFOUND, "办事体验不存在")
	}
	x, err := s.d.Inquiries.Moderate(r.Context(), actor(r), id, r.PathValue("action"), r.PostFormValue("reason"))
	switch zwfw.ErrorCode(err) {
	case "":
		s.redirect(w, r, "/experiences", "ok", fmt.Sprintf("办事体验第 %d 号%s。", x.ID, x.StatusName))
		return nil
	case zwfw.EINVALID, zwfw.ECONFLICT:
		s.redirect(w, r, "/experiences", "warn", zwfw.ErrorMessage(err))
		return nil
	}
	return err
}
