package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/casework"
	"zwfw/internal/org"
	"zwfw/internal/review"
)

// 好差评 and 差评整改 (issue 11; internal/review): the rating page a QR
// code or an SMS link opens, the window's rating card, staff entering a
// phone call-back, the work orders, and the public summary of what was
// put right.

func init() {
	pages = append(pages, "rv_rate", "rv_callback", "rv_list", "rv_detail", "rv_public", "rv_card")
}

// webChannel is the channel of a rating given on these pages: mobile on a
// phone's browser, pc otherwise.
func webChannel(r *http.Request) string {
	if ua := r.UserAgent(); strings.Contains(ua, "Mobi") || strings.Contains(ua, "Android") || strings.Contains(ua, "iPhone") {
		return casework.ChannelMobile
	}
	return casework.ChannelPC
}

// indicatorCodes maps the ticks of 我的办件's rating form to the online
// indicators (GB/T 39735) they belong to.
func indicatorCodes(ticks []string) []string {
	m := map[string]string{"办事指南不清楚、不准确": "guide", "材料要求多、重复提交": "convenience", "办理时间长、超时办理": "efficiency",
		"需要多次跑腿": "convenience", "网上办事系统不好用": "operability"}
	var out []string
	for _, t := range ticks {
		if c, ok := m[t]; ok {
			out = append(out, c)
		}
	}
	return out
}

// ---- the rating page (phone-sized, no sign-in: the signed link) ----

type ratePage struct {
	base
	Token      string
	T          *review.Target
	Levels     []option
	Indicators []casework.Indicator
	Done       bool
	Closed     string
	Error      string
	Errors     fieldErrors
	Level      int
	Comment    string
	Ticked     map[string]bool
	Anonymous  bool
}

func (s *server) ratePage(w http.ResponseWriter, r *http.Request) error {
	return s.renderRate(w, r, nil, http.StatusOK)
}

func (s *server) renderRate(w http.ResponseWriter, r *http.Request, fail error, st int) error {
	tok := r.PathValue("token")
	t, err := s.d.Reviews.Target(r.Context(), tok)
	if err != nil {
		return err
	}
	p := &ratePage{base: s.base(w, r, "好差评"), Token: tok, T: t, Indicators: t.Indicators, Errors: fieldErrors{},
		Done: r.URL.Query().Get("done") == "1" && fail == nil, Ticked: map[string]bool{}}
	p.Nav = "rate"
	for i := 1; i < len(casework.Levels); i++ {
		p.Levels = append(p.Levels, option{strconv.Itoa(i), casework.Levels[i]})
	}
	if !p.Done {
		p.Closed = t.Done
	}
	if fail != nil {
		p.Errors, p.Error = fromError(fail)
		p.Level, _ = strconv.Atoi(r.PostFormValue("level"))
		p.Comment = r.PostFormValue("comment")
		p.Anonymous = r.PostFormValue("anonymous") == "1"
		for _, c := range r.PostForm["indicators"] {
			p.Ticked[c] = true
		}
	}
	s.render(w, r, st, "rv_rate", p)
	return nil
}

func rateInput(r *http.Request) review.RateInput {
	level, _ := strconv.Atoi(r.PostFormValue("level"))
	return review.RateInput{Level: level, Comment: r.PostFormValue("comment"), Indicators: r.PostForm["indicators"],
		Anonymous: r.PostFormValue("anonymous") == "1"}
}

func (s *server) ratePost(w http.ResponseWriter, r *http.Request) error {
	tok := r.PathValue("token")
	if _, err := s.d.Reviews.RateByToken(r.Context(), tok, rateInput(r)); err != nil {
		switch code := zwfw.ErrorCode(err); code {
		case zwfw.EINVALID, zwfw.ECONFLICT, zwfw.EFORBIDDEN:
			return s.renderRate(w, r, err, status(code))
		}
		return err
	}
	http.Redirect(w, r, "/rate/"+url.PathEscape(tok)+"?done=1", http.StatusSeeOther)
	return nil
}

// rateQR is the QR image of a rating link (the result notice, the
// window's card).
func (s *server) rateQR(w http.ResponseWriter, r *http.Request) error {
	tok := r.PathValue("token")
	if _, err := s.d.Reviews.Verify(tok); err != nil {
		return err
	}
	return writeQR(w, s.publicURL(r, "/rate/"+tok))
}

// ---- the window's rating card (a printable QR naming the staff on duty) ----

type cardPage struct {
	base
	Name, Window string
	QR, Link     string
}

func (s *server) ratingCard(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	if a.WindowID == 0 {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "评价二维码是窗口人员的：您的账户没有所在窗口")
	}
	tok := s.d.Reviews.Sign("s", strconv.FormatInt(a.UserID, 10), casework.ChannelQR)
	p := &cardPage{base: s.workBase(w, r, "窗口评价二维码"), Name: a.Name, QR: "/rate/" + tok + "/qr.png", Link: s.publicURL(r, "/rate/"+tok)}
	if o, err := s.d.Orgs.ByID(r.Context(), a.WindowID); err == nil {
		p.Window = o.Name
	}
	s.render(w, r, http.StatusOK, "rv_card", p)
	return nil
}

// ---- staff: the phone call-back entry (回访录入) ----

type callbackPage struct {
	base
	Serial     string
	Levels     []option
	Indicators []casework.Indicator
	Error      string
	Errors     fieldErrors
	Level      int
	Comment    string
	Ticked     map[string]bool
	Anonymous  bool
}

func (s *server) callbackPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderCallback(w, r, nil, http.StatusOK)
}

func (s *server) renderCallback(w http.ResponseWriter, r *http.Request, fail error, st int) error {
	p := &callbackPage{base: s.workBase(w, r, "电话回访评价录入"), Serial: strings.TrimSpace(r.URL.Query().Get("serial")),
		Indicators: casework.OnsiteIndicators, Errors: fieldErrors{}, Ticked: map[string]bool{}}
	for i := 1; i < len(casework.Levels); i++ {
		p.Levels = append(p.Levels, option{strconv.Itoa(i), casework.Levels[i]})
	}
	if fail != nil {
		p.Errors, p.Error = fromError(fail)
		p.Serial = r.PostFormValue("serial")
		p.Level, _ = strconv.Atoi(r.PostFormValue("level"))
		p.Comment = r.PostFormValue("comment")
		p.Anonymous = r.PostFormValue("anonymous") == "1"
		for _, c := range r.PostForm["indicators"] {
			p.Ticked[c] = true
		}
	}
	s.render(w, r, st, "rv_callback", p)
	return nil
}

func (s *server) callbackPost(w http.ResponseWriter, r *http.Request) error {
	serial := strings.TrimSpace(r.PostFormValue("serial"))
	if serial == "" {
		return s.renderCallback(w, r, &zwfw.Error{Code: zwfw.EINVALID, Message: "请填写办件编号",
			Details: []zwfw.ErrorDetail{{Field: "serial", Message: "请填写办件编号"}}}, http.StatusUnprocessableEntity)
	}
	if _, err := s.d.Reviews.EnterCallback(r.Context(), actor(r), serial, rateInput(r)); err != nil {
		switch code := zwfw.ErrorCode(err); code {
		case zwfw.EINVALID, zwfw.ECONFLICT, zwfw.EFORBIDDEN, zwfw.ENOTFOUND:
			return s.renderCallback(w, r, err, status(code))
		}
		return err
	}
	s.redirect(w, r, "/work/callback-rating", "ok", "已录入办件 "+serial+" 的电话回访评价")
	return nil
}

// ---- staff: the work orders ----

type rvListPage struct {
	base
	Status   string
	Statuses []option
	Rows     []*review.WorkOrder
}

func (s *server) rectificationsPage(w http.ResponseWriter, r *http.Request) error {
	st := r.URL.Query().Get("status")
	ws, err := s.d.Reviews.List(r.Context(), actor(r), review.ListQuery{Status: st})
	if err != nil {
		return err
	}
	p := &rvListPage{base: s.workBase(w, r, "差评整改"), Status: st, Rows: ws}
	p.Nav = "rectifications"
	for _, k := range []string{review.StReview, review.StCallback, review.StRectify, review.StFollowUp, review.StClosed, review.StCleared} {
		p.Statuses = append(p.Statuses, option{k, review.StatusNames[k]})
	}
	s.render(w, r, http.StatusOK, "rv_list", p)
	return nil
}

type rvDetailPage struct {
	base
	W        *review.WorkOrder
	Can      map[string]bool
	Outcomes []string
	Levels   []string
	Error    string
	ErrorAt  string
	Errors   fieldErrors
}

func (s *server) rectificationPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderRectification(w, r, nil, "", http.StatusOK)
}

func (s *server) renderRectification(w http.ResponseWriter, r *http.Request, fail error, at string, st int) error {
	wo, err := s.d.Reviews.Get(r.Context(), actor(r), r.PathValue("number"))
	if err != nil {
		return err
	}
	p := &rvDetailPage{base: s.workBase(w, r, "差评整改 "+wo.Number), W: wo, Can: map[string]bool{}, Outcomes: review.SpotOutcomes,
		Levels: casework.Levels, Errors: fieldErrors{}, ErrorAt: at}
	p.Nav = "rectifications"
	for _, a := range wo.Actions {
		p.Can[a.Action] = true
	}
	if fail != nil {
		p.Errors, p.Error = fromError(fail)
	}
	s.render(w, r, st, "rv_detail", p)
	return nil
}

func (s *server) rectificationAct(w http.ResponseWriter, r *http.Request) error {
	number, action := r.PathValue("number"), r.PathValue("action")
	v := r.PostForm
	version, _ := strconv.Atoi(v.Get("version"))
	in := review.ActInput{Version: version, Reason: v.Get("reason"), Owner: v.Get("owner"), Note: v.Get("note"),
		Unreachable: v.Get("unreachable") == "1", Outcome: v.Get("outcome"), Result: v.Get("result"),
		NoBasis: v.Get("no_basis") == "1", Explanation: v.Get("explanation"), Summary: v.Get("summary")}
	if _, err := s.d.Reviews.Act(r.Context(), actor(r), number, action, in); err != nil {
		switch code := zwfw.ErrorCode(err); code {
		case zwfw.EINVALID, zwfw.ECONFLICT, zwfw.EFORBIDDEN, zwfw.EBADREQUEST:
			return s.renderRectification(w, r, err, action, status(code))
		}
		return err
	}
	s.redirect(w, r, "/work/rectifications/"+url.PathEscape(number), "ok", "已"+review.ActionName(action))
	return nil
}

// ---- the public summary (整改结果公开) ----

type rvPublicPage struct {
	base
	S      *review.Summary
	Org    string
	Month  string
	Orgs   []option
	Months []string
}

func (s *server) rectificationResults(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	sum, err := s.d.Reviews.Public(r.Context(), q.Get("org"), q.Get("month"))
	if err != nil {
		return err
	}
	p := &rvPublicPage{base: s.base(w, r, "差评整改结果公开"), S: sum, Org: q.Get("org"), Month: sum.Month}
	p.Nav = "rate"
	now := s.now()
	for i := 0; i < 12; i++ {
		p.Months = append(p.Months, now.AddDate(0, -i, 0).Format("2006-01"))
	}
	if all, err := s.d.Orgs.List(r.Context(), "/"); err == nil {
		for _, o := range all {
			if o.Kind == org.KindCentre && o.Active {
				p.Orgs = append(p.Orgs, option{o.Code, o.Name})
			}
		}
	}
	s.render(w, r, http.StatusOK, "rv_public", p)
	return nil
}
