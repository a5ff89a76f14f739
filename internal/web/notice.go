package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/casework"
	"zwfw/internal/files"
)

type noticePage struct {
	base
	caseHelpers
	Case      *casework.Case
	N         *casework.Notice
	C         casework.NoticeContent
	QR        string // the QR image of the public progress page
	PDF       string // the sealed PDF of the notice (电子文书带电子签章)
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
	p.PDF = noticePDFURL(c.Serial, n.ID)
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

// noticePDFURL is the address of a notice's sealed PDF.
func noticePDFURL(serial string, id int64) string {
	return noticeURL(serial, id) + "/pdf"
}

// noticePDF downloads a notice's sealed PDF (电子文书，带电子签章) under the
// notice's own access rule (casework.NoticePDF): the same bytes on every
// download, so that every copy verifies.
func (s *server) noticePDF(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return zwfw.Errorf(zwfw.ENOTFOUND, "通知书不存在")
	}
	nf, err := s.d.Cases.NoticePDF(r.Context(), actor(r), r.PathValue("serial"), id, s.siteBase(r))
	if err != nil {
		return err
	}
	servePDF(w, r, nf.Name, "notice-"+nf.Case.Serial+"-"+strconv.FormatInt(id, 10), nf.SHA256, nf.Bytes)
	return nil
}

// servePDF sends a stored PDF as a download, never rendered in the site's
// origin; its digest is the ETag (the bytes never change).
func servePDF(w http.ResponseWriter, r *http.Request, name, fallback, sha string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", files.Disposition(name, "application/pdf", fallback))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("ETag", `"`+sha+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}
