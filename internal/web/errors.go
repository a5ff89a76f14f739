package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/attendance"
	"zwfw/internal/files"
	"zwfw/internal/org"
	"zwfw/internal/supervision"
)

// The error register's pages (差错登记, §5(4)): the list, the registration
// form with evidence, and one error with the forms of the actions the
// viewer may take (respond, appeal; confirm, revoke).

type supErrorsPage struct {
	base
	Errors      []*supervision.ErrorRecord
	Total       int
	State       string
	States      []string
	MayRegister bool
	StateName   func(string) string
}

func (s *server) errorsPage(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	st := r.URL.Query().Get("state")
	if supervision.ErrorStateName(st) == "" {
		st = ""
	}
	list, total, err := s.d.Errors.List(r.Context(), a, supervision.ErrorQuery{State: st, Limit: 200})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "sup_errors", supErrorsPage{base: s.supBase(w, r, "差错登记", "errors"), Errors: list, Total: total, State: st,
		States:      []string{supervision.ErrRegistered, supervision.ErrResponded, supervision.ErrAppealed, supervision.ErrConfirmed, supervision.ErrRevoked},
		MayRegister: supervision.MayRegisterErrors(a) == nil, StateName: supervision.ErrorStateName})
	return nil
}

type supErrorNewPage struct {
	base
	Kinds   []supervision.ErrorKind
	Windows []*org.Org
	Staff   []attendance.StaffChoice // the people the record may name, shown by name
	In      supervision.ErrorInput
	Errors  []zwfw.ErrorDetail
	Message string
	Today   string
}

func (s *server) renderErrorNew(w http.ResponseWriter, r *http.Request, st int, in supervision.ErrorInput, err error) error {
	a := actor(r)
	if err := supervision.MayRegisterErrors(a); err != nil {
		return err
	}
	all, lerr := s.d.Orgs.List(r.Context(), a.OrgPath)
	if lerr != nil {
		return lerr
	}
	p := supErrorNewPage{base: s.supBase(w, r, "登记差错", "errors"), Kinds: supervision.ErrorKinds, In: in, Today: s.now().Format("2006-01-02")}
	for _, o := range all {
		if o.Kind == org.KindWindow && o.Active {
			p.Windows = append(p.Windows, o)
		}
	}
	staff, serr := s.d.Errors.StaffChoices(r.Context(), a)
	if serr != nil {
		return serr
	}
	p.Staff = staff
	if err != nil {
		p.Message = zwfw.ErrorMessage(err)
		var e *zwfw.Error
		if ok := asError(err, &e); ok {
			p.Errors = e.Details
		}
	}
	s.render(w, r, st, "sup_error_new", p)
	return nil
}

func (s *server) errorNew(w http.ResponseWriter, r *http.Request) error {
	in := supervision.ErrorInput{Case: r.URL.Query().Get("case"), Window: r.URL.Query().Get("window")}
	return s.renderErrorNew(w, r, http.StatusOK, in, nil)
}

// errorRegister stores the evidence files, then registers the error; when
// the registration is refused the stored files stay unreferenced (like a
// failed application's uploads) and the form comes back filled in.
func (s *server) errorRegister(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	in := supervision.ErrorInput{Kind: r.PostFormValue("kind"), Window: r.PostFormValue("window"), Staff: strings.TrimSpace(r.PostFormValue("staff")),
		Case: strings.TrimSpace(r.PostFormValue("case")), Description: r.PostFormValue("description"), OccurredOn: strings.TrimSpace(r.PostFormValue("occurred_on"))}
	if err := supervision.MayRegisterErrors(a); err != nil {
		return err
	}
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["evidence"] {
			if fh.Size == 0 && fh.Filename == "" {
				continue
			}
			f, err := fh.Open()
			if err != nil {
				return err
			}
			stored, err := s.d.Files.Put(r.Context(), a, fh.Filename, f, s.maxUpload(), files.PurposeEvidence)
			f.Close()
			if zwfw.ErrorCode(err) == zwfw.EINVALID || zwfw.ErrorCode(err) == zwfw.ETOOLARGE {
				return s.renderErrorNew(w, r, http.StatusUnprocessableEntity, in, err)
			}
			if err != nil {
				return err
			}
			in.Evidence = append(in.Evidence, stored.ID)
		}
	}
	e, err := s.d.Errors.Register(r.Context(), a, in)
	if zwfw.ErrorCode(err) == zwfw.EINVALID {
		return s.renderErrorNew(w, r, http.StatusUnprocessableEntity, in, err)
	}
	if err != nil {
		return err
	}
	s.redirect(w, r, "/supervision/errors/"+strconv.FormatInt(e.ID, 10), "ok", "已登记差错，并通知了所涉人员。")
	return nil
}

type supErrorPage struct {
	base
	E       *supervision.ErrorRecord
	Actions []string
	Message string
	// MayPropose offers a sanction (责任追究) for a confirmed error.
	MayPropose bool
}

// ActionName is the Chinese name of an action (for the buttons).
func (supErrorPage) ActionName(a string) string { return supervision.ErrorActionName(a) }

// Final reports whether the error is decided.
func (p supErrorPage) Final() bool {
	return p.E.State == supervision.ErrConfirmed || p.E.State == supervision.ErrRevoked
}

func (s *server) errorRecord(r *http.Request) (*supervision.ErrorRecord, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "差错记录不存在")
	}
	return s.d.Errors.Get(r.Context(), actor(r), id)
}

func (s *server) errorPage(w http.ResponseWriter, r *http.Request) error {
	e, err := s.errorRecord(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "sup_error", supErrorPage{base: s.supBase(w, r, "差错记录 "+strconv.FormatInt(e.ID, 10), "errors"), E: e, Actions: s.d.Errors.Allowed(actor(r), e),
		MayPropose: e.State == supervision.ErrConfirmed && supervision.MayProposeSanctions(actor(r)) == nil})
	return nil
}

// errorAct takes an action; a refusal for bad input shows the page again
// with the message.
func (s *server) errorAct(w http.ResponseWriter, r *http.Request) error {
	e, err := s.errorRecord(r)
	if err != nil {
		return err
	}
	action := r.PathValue("action")
	if !slices.Contains(supervision.ErrorActions, action) {
		return zwfw.Errorf(zwfw.ENOTFOUND, "操作不存在")
	}
	done, err := s.d.Errors.Act(r.Context(), actor(r), e.ID, action, r.PostFormValue("text"))
	if zwfw.ErrorCode(err) == zwfw.EINVALID {
		s.render(w, r, http.StatusUnprocessableEntity, "sup_error", supErrorPage{base: s.supBase(w, r, "差错记录", "errors"), E: e,
			Actions: s.d.Errors.Allowed(actor(r), e), Message: zwfw.ErrorMessage(err)})
		return nil
	}
	if err != nil {
		return err
	}
	s.redirect(w, r, "/supervision/errors/"+strconv.FormatInt(e.ID, 10), "ok", fmt.Sprintf("已%s；差错当前状态：%s。", supervision.ErrorActionName(action), done.StateName))
	return nil
}

// errorFile downloads an evidence file to whoever may read the error.
func (s *server) errorFile(w http.ResponseWriter, r *http.Request) error {
	e, err := s.errorRecord(r)
	if err != nil {
		return err
	}
	fid, _ := strconv.ParseInt(r.PathValue("file"), 10, 64)
	ev, err := s.d.Errors.Evidence(r.Context(), actor(r), e.ID, fid)
	if err != nil {
		return err
	}
	f, err := s.d.Files.Open(ev.SHA256)
	if err != nil {
		return err
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", ev.ContentType)
	h.Set("Content-Disposition", files.Disposition(ev.Name, ev.ContentType, fmt.Sprintf("evidence-%d-%d", e.ID, fid)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	http.ServeContent(w, r, "", time.Time{}, f)
	return nil
}
