package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/casework"
)

type noticePage struct {
	base
	caseHelpers
	Case      *casework.Case
	N         *casework.Notice
	C         casework.NoticeContent
	QR        string // the QR image of the public progress page
	Progress  string // the address the QR opens, printed under it
	Complaint string
	Back      string
	// RateQR: the result notice carries the QR code of its rating page
	// (好差评, GB/T 39735 二维码评价).
	RateQR string
}

// notice reads the notice of the request for whoever may see its case
// (the applicant, staff in scope); anyone else gets 404.
func (s *server) notice(r *http.Request) (*casework.Case, *casework.Notice, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, nil, zwfw.Errorf(zwfw.ENOTFOUND, "通知书不存在")
	}
	return s.d.Cases.Notice(r.Context(), actor(r), r.PathValue("serial"), id)
}

// noticeCode is the query code a notice prints (the case's, for notices
// issued before notices carried it).
func noticeCode(c *casework.Case, n *casework.Notice) string {
	if n.Content.QueryCode != "" {
		return n.Content.QueryCode
	}
	return c.QueryCode
}

// noticePage renders a notice on A4 for printing: the centre, the number,
// the applicant, the serial, the body, and the QR code of the progress page.
func (s *server) noticePage(w http.ResponseWriter, r *http.Request) error {
	c, n, err := s.notice(r)
	if err != nil {
		return err
	}
	p := noticePage{base: s.base(w, r, n.KindName+" "+n.Number), Case: c, N: n, C: n.Content}
	if p.C.Title == "" {
		p.C.Title = n.KindName
	}
	p.Complaint = p.C.Complaint
	if p.Complaint == "" {
		p.Complaint = s.d.Config.Site.ComplaintTel
	}
	code := noticeCode(c, n)
	p.C.QueryCode = code
	p.QR = "/notices/" + pathEscape(c.Serial) + "/" + strconv.FormatInt(n.ID, 10) + "/qr.png"
	p.Progress = s.progressURL(r, c.Serial)
	p.Back = "/my/cases/" + pathEscape(c.Serial)
	if n.Kind == casework.NoticeResult && s.d.Reviews != nil {
		p.RateQR = s.d.Reviews.RatePath("c", c.Serial, casework.ChannelQR) + "/qr.png"
	}
	if p.Staff() {
		p.Back = ""
		if u, err := url.Parse(r.Referer()); err == nil && u.Host == r.Host && strings.HasPrefix(u.Path, "/work") {
			p.Back = safeNext(u.RequestURI(), "")
		}
	} else {
		p.Nav = "my"
	}
	s.render(w, r, http.StatusOK, "notice", p)
	return nil
}

// noticeQR is the QR image printed on a notice, under the notice's own
// access rule.
func (s *server) noticeQR(w http.ResponseWriter, r *http.Request) error {
	c, _, err := s.notice(r)
	if err != nil {
		return err
	}
	return writeQR(w, s.progressURL(r, c.Serial))
}

func pathEscape(s string) string  { return url.PathEscape(s) }
func queryEscape(s string) string { return url.QueryEscape(s) }
