package web

import (
	"net/http"
	"strings"

	"zwfw"
	"zwfw/internal/casework"
	"zwfw/internal/httpauth"
)

type progressPage struct {
	base
	caseHelpers
	Serial   string
	P        *casework.Progress
	NotFound string
	Missing  string // the form was sent without a serial or code
	QR       string // the page's own QR image, for opening it on a phone
}

// The public progress lookup (办件查询): the serial number and the query
// code printed on every notice. The code never travels in a URL — URLs stay
// in browser histories, proxies and logs, and a QR code is read by anyone
// who sees the paper: the form posts it, and every address and QR code the
// pages print carries the serial only, leading to the form with the serial
// filled in (issue 12 item 6).

// progressForm is the form, the serial filled in from ?serial= (what the
// QR codes open). An old address that still carries ?code= is answered
// with the case, as before.
func (s *server) progressForm(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	serial, code := strings.TrimSpace(q.Get("serial")), strings.TrimSpace(q.Get("code"))
	if serial != "" && code != "" {
		return s.progressShow(w, r, serial, code)
	}
	p := progressPage{base: s.base(w, r, "办件查询"), Serial: serial}
	p.Nav = "progress"
	s.render(w, r, http.StatusOK, "progress", p)
	return nil
}

// progressPost answers the form.
func (s *server) progressPost(w http.ResponseWriter, r *http.Request) error {
	serial, code := strings.TrimSpace(r.PostFormValue("serial")), strings.TrimSpace(r.PostFormValue("code"))
	if serial == "" || code == "" {
		p := progressPage{base: s.base(w, r, "办件查询"), Serial: serial}
		p.Nav = "progress"
		p.Missing = "请填写办件编号和查询码。查询码印在受理通知书等文书上，也可以填写申请人身份证号码（或统一社会信用代码）的后六位。"
		s.render(w, r, http.StatusUnprocessableEntity, "progress", p)
		return nil
	}
	return s.progressShow(w, r, serial, code)
}

// progressCase is a case's address: the form with its serial filled in (an
// old printed QR code that still carries ?code= shows the case).
func (s *server) progressCase(w http.ResponseWriter, r *http.Request) error {
	serial, code := r.PathValue("serial"), strings.TrimSpace(r.URL.Query().Get("code"))
	if code != "" {
		return s.progressShow(w, r, serial, code)
	}
	p := progressPage{base: s.base(w, r, "办件查询"), Serial: serial}
	p.Nav = "progress"
	s.render(w, r, http.StatusOK, "progress", p)
	return nil
}

// progressShow shows a case's public progress. A wrong or missing code and
// an unknown serial get the same answer, so serials cannot be probed.
func (s *server) progressShow(w http.ResponseWriter, r *http.Request, serial, code string) error {
	p := progressPage{base: s.base(w, r, "办件查询"), Serial: serial}
	p.Nav = "progress"
	w.Header().Set("Cache-Control", "private, no-store")
	pr, err := s.d.Cases.PublicProgress(r.Context(), serial, code, httpauth.ClientIP(r))
	if err != nil {
		if zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			return err
		}
		p.NotFound = zwfw.ErrorMessage(err)
		s.render(w, r, http.StatusNotFound, "progress", p)
		return nil
	}
	p.P = pr
	p.Title = pr.ItemName + " · 办件查询"
	p.QR = "/progress/" + pathEscape(serial) + "/qr.png"
	s.render(w, r, http.StatusOK, "progress", p)
	return nil
}

// progressQR is the QR code of a case's address: the form with its serial
// filled in. It carries no code, so it tells nothing the serial does not.
func (s *server) progressQR(w http.ResponseWriter, r *http.Request) error {
	return writeQR(w, s.progressURL(r, r.PathValue("serial")))
}
