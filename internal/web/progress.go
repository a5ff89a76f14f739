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
	Code     string
	P        *casework.Progress
	NotFound string
	Missing  string // the form was sent without a serial or code
	QR       string // the page's own QR image, for opening it on a phone
}

// progressForm is 办件查询: the serial number and the query code printed
// on every notice. Sent with both, it moves to the case's own address.
func (s *server) progressForm(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	serial, code := strings.TrimSpace(q.Get("serial")), strings.TrimSpace(q.Get("code"))
	p := progressPage{base: s.base(w, r, "办件查询"), Serial: serial, Code: code}
	p.Nav = "progress"
	st := http.StatusOK
	if q.Has("serial") || q.Has("code") {
		if serial != "" && code != "" {
			http.Redirect(w, r, progressPath(serial, code), http.StatusSeeOther)
			return nil
		}
		p.Missing = "请填写办件编号和查询码。查询码印在受理通知书等文书上，也可以填写申请人身份证号码（或统一社会信用代码）的后六位。"
		st = http.StatusUnprocessableEntity
	}
	s.render(w, r, st, "progress", p)
	return nil
}

// progressCase shows a case's public progress. A wrong or missing code and
// an unknown serial get the same answer, so serials cannot be probed.
func (s *server) progressCase(w http.ResponseWriter, r *http.Request) error {
	serial, code := r.PathValue("serial"), strings.TrimSpace(r.URL.Query().Get("code"))
	p := progressPage{base: s.base(w, r, "办件查询"), Serial: serial}
	p.Nav = "progress"
	pr, err := s.d.Cases.PublicProgress(r.Context(), serial, code, httpauth.ClientIP(r))
	if err != nil {
		if zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			return err
		}
		p.NotFound = zwfw.ErrorMessage(err)
		w.Header().Set("Cache-Control", "no-store")
		s.render(w, r, http.StatusNotFound, "progress", p)
		return nil
	}
	p.P, p.Code = pr, code
	p.Title = pr.ItemName + " · 办件查询"
	p.QR = "/progress/" + pathEscape(serial) + "/qr.png?code=" + queryEscape(code)
	w.Header().Set("Cache-Control", "private, no-store")
	s.render(w, r, http.StatusOK, "progress", p)
	return nil
}

// progressQR is the QR code of a public progress page, given only with the
// right code.
func (s *server) progressQR(w http.ResponseWriter, r *http.Request) error {
	serial, code := r.PathValue("serial"), strings.TrimSpace(r.URL.Query().Get("code"))
	if _, err := s.d.Cases.PublicProgress(r.Context(), serial, code, httpauth.ClientIP(r)); err != nil {
		return err
	}
	return writeQR(w, s.progressURL(r, serial, code))
}
