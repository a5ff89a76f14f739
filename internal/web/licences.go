package web

// 电子证照 pages (issue 13; §2(3) 开展网上验证核对): the public verification
// (by identifier, by the QR code's link, by an uploaded PDF or JSON file),
// the holder's wallet (我的证照), and the organisation's licences with the
// actions licence.May allows. The pages only render internal/licence's
// answers.

import (
	"io"
	"net/http"
	"strings"

	"zwfw"
	"zwfw/internal/files"
	"zwfw/internal/httpauth"
	"zwfw/internal/licence"
)

func init() {
	pages = append(pages, "licence_verify", "my_licences", "work_licences", "work_licence")
}

type verifyPage struct {
	base
	Identifier string
	Check      *licence.Check
	Error      string
}

// OK reports whether the check passed (the page's green verdict).
func (p verifyPage) OK() bool { return p.Check != nil && p.Check.OK() }

func (s *server) renderVerify(w http.ResponseWriter, r *http.Request, st int, p verifyPage) error {
	p.Nav = "verify"
	w.Header().Set("Cache-Control", "private, no-store")
	s.render(w, r, st, "licence_verify", p)
	return nil
}

// verifyForm is the verification page; ?id= checks that identifier.
func (s *server) verifyForm(w http.ResponseWriter, r *http.Request) error {
	id := strings.TrimSpace(r.URL.Query().Get("id"))
	if id != "" {
		return s.verifyShow(w, r, id, licence.ByIdentifier)
	}
	return s.renderVerify(w, r, http.StatusOK, verifyPage{base: s.base(w, r, "电子证照验证")})
}

// verifyPost checks the identifier typed in.
func (s *server) verifyPost(w http.ResponseWriter, r *http.Request) error {
	id := strings.TrimSpace(r.PostFormValue("identifier"))
	if id == "" {
		p := verifyPage{base: s.base(w, r, "电子证照验证"), Error: "请填写电子证照标识（印在证照下方，以 1.2.156.3005.2 开头），或上传证照文件。"}
		return s.renderVerify(w, r, http.StatusUnprocessableEntity, p)
	}
	return s.verifyShow(w, r, id, licence.ByIdentifier)
}

// verifyQR is the address the QR code on a licence carries.
func (s *server) verifyQR(w http.ResponseWriter, r *http.Request) error {
	return s.verifyShow(w, r, r.PathValue("identifier"), licence.ByQR)
}

func (s *server) verifyShow(w http.ResponseWriter, r *http.Request, id, how string) error {
	p := verifyPage{base: s.base(w, r, "电子证照验证"), Identifier: id}
	c, err := s.d.Licences.VerifyIdentifier(r.Context(), httpauth.ClientIP(r), id, how)
	if err != nil {
		return s.verifyFailed(w, r, p, err)
	}
	p.Check = c
	return s.renderVerify(w, r, http.StatusOK, p)
}

// verifyFailed shows a refusal (too many checks, a bad file) on the page.
func (s *server) verifyFailed(w http.ResponseWriter, r *http.Request, p verifyPage, err error) error {
	c := zwfw.ErrorCode(err)
	if c != zwfw.EINVALID && c != zwfw.ETOOMANY && c != zwfw.ETOOLARGE && c != zwfw.EBADREQUEST {
		return err
	}
	retryAfter(w, err)
	p.Error = zwfw.ErrorMessage(err)
	return s.renderVerify(w, r, status(c), p)
}

// verifyFile checks an uploaded PDF or JSON.
func (s *server) verifyFile(w http.ResponseWriter, r *http.Request) error {
	p := verifyPage{base: s.base(w, r, "电子证照验证")}
	f, _, err := r.FormFile("file")
	if err != nil {
		return s.verifyFailed(w, r, p, zwfw.Errorf(zwfw.EINVALID, "请选择要验证的文件（电子证照 PDF 或 JSON）"))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, licence.MaxFile+1))
	if err != nil {
		return err
	}
	c, err := s.d.Licences.VerifyFile(r.Context(), httpauth.ClientIP(r), b)
	if err != nil {
		return s.verifyFailed(w, r, p, err)
	}
	p.Check = c
	p.Identifier = c.Identifier
	return s.renderVerify(w, r, http.StatusOK, p)
}

type licencesPage struct {
	base
	List   []*licence.Licence
	Q      licence.Filter
	Status []string
}

// StatusClass is the badge colour of a status.
func (licencesPage) StatusClass(st string) string { return licenceBadge(st) }

func licenceBadge(st string) string {
	switch st {
	case licence.Valid:
		return "b-green"
	case licence.Revoked:
		return "b-red"
	case licence.Suspended, licence.Expired:
		return "b-amber"
	}
	return "b-grey"
}

// myLicences is 我的证照: every licence issued to the signed-in holder.
func (s *server) myLicences(w http.ResponseWriter, r *http.Request) error {
	list, err := s.d.Licences.Wallet(r.Context(), actor(r))
	if err != nil {
		return err
	}
	p := licencesPage{base: s.base(w, r, "我的证照"), List: list}
	p.Nav = "my"
	w.Header().Set("Cache-Control", "private, no-store")
	s.render(w, r, http.StatusOK, "my_licences", p)
	return nil
}

// licencePDF downloads a licence's sealed PDF (its holder, staff in scope).
func (s *server) licencePDF(w http.ResponseWriter, r *http.Request) error {
	l, b, err := s.d.Licences.PDF(r.Context(), actor(r), r.PathValue("identifier"))
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", files.Attachment(l.Identifier+".pdf", l.Name+"_"+l.Number+".pdf"))
	h.Set("Cache-Control", "private, no-store")
	_, _ = w.Write(b)
	return nil
}

// licenceJSON downloads a licence's signed machine-readable file.
func (s *server) licenceJSON(w http.ResponseWriter, r *http.Request) error {
	l, err := s.d.Licences.Get(r.Context(), actor(r), r.PathValue("identifier"))
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Disposition", files.Attachment(l.Identifier+".json", l.Name+"_"+l.Number+".json"))
	h.Set("Cache-Control", "private, no-store")
	_, _ = w.Write(s.d.Licences.JSON(l))
	return nil
}

// workLicences is the licences the staff member's organisation issued.
func (s *server) workLicences(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := licence.Filter{Status: q.Get("status"), Q: strings.TrimSpace(q.Get("q"))}
	list, err := s.d.Licences.List(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	p := licencesPage{base: s.base(w, r, "电子证照"), List: list, Q: f,
		Status: []string{licence.Valid, licence.Suspended, licence.Revoked, licence.Superseded, licence.Expired}}
	p.Nav = "licences"
	s.render(w, r, http.StatusOK, "work_licences", p)
	return nil
}

type licencePage struct {
	base
	L      *licence.Licence
	Form   string // the action whose form is sent back
	In     licence.ActInput
	Errors fieldErrors
	Error  string
}

// Can reports whether the reader may take action now (licence.Allowed).
func (p licencePage) Can(action string) bool {
	for _, a := range p.L.Actions {
		if a == action {
			return true
		}
	}
	return false
}

// StatusClass is the badge colour of the licence's status.
func (p licencePage) StatusClass() string { return licenceBadge(p.L.Status) }

func (s *server) workLicence(w http.ResponseWriter, r *http.Request) error {
	l, err := s.d.Licences.Get(r.Context(), actor(r), r.PathValue("identifier"))
	if err != nil {
		return err
	}
	return s.renderWorkLicence(w, r, http.StatusOK, licencePage{L: l})
}

func (s *server) renderWorkLicence(w http.ResponseWriter, r *http.Request, st int, p licencePage) error {
	p.base = s.base(w, r, p.L.Name+" "+p.L.Number)
	p.Nav = "licences"
	if p.Errors == nil {
		p.Errors = fieldErrors{}
	}
	s.render(w, r, st, "work_licence", p)
	return nil
}

// workLicenceAct revokes, suspends, resumes or changes a licence.
func (s *server) workLicenceAct(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	id, action := r.PathValue("identifier"), r.PathValue("action")
	in := licence.ActInput{Reason: r.PostFormValue("reason"), Number: r.PostFormValue("number"), ValidTo: r.PostFormValue("valid_to")}
	if action == licence.ActChange {
		in.Fields = map[string]string{}
		for k, v := range r.PostForm {
			if label, ok := strings.CutPrefix(k, "field:"); ok && len(v) > 0 {
				in.Fields[label] = v[0]
			}
		}
	}
	l, err := s.d.Licences.Act(r.Context(), a, id, action, in)
	if c := zwfw.ErrorCode(err); c == zwfw.EINVALID || c == zwfw.ECONFLICT {
		cur, gerr := s.d.Licences.Get(r.Context(), a, id)
		if gerr != nil {
			return gerr
		}
		fe, msg := fromError(err)
		return s.renderWorkLicence(w, r, status(c), licencePage{L: cur, Form: action, In: in, Errors: fe, Error: msg})
	}
	if err != nil {
		return err
	}
	msg := "已" + licence.ActionName(action) + "；当前状态：" + l.StatusText() + "。"
	if action == licence.ActChange {
		msg = "已变更：新版本 " + l.Identifier + " 已签发，原版本已标记为已变更。"
	}
	s.redirect(w, r, "/work/licences/"+pathEscape(l.Identifier), "ok", msg)
	return nil
}

// CanLicences shows 电子证照 in the staff menu (licence.MayList).
func (b base) CanLicences() bool { return licence.MayList(b.Actor) }

// StatusName is the Chinese name of a status (the filter's options).
func (licencesPage) StatusName(st string) string { return licence.StatusName(st) }
