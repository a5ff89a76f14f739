package web

// The apply page's background posts (forms.js): the draft saved a few
// seconds after each change (已自动保存 hh:mm), and each material uploaded
// as soon as it is chosen, with a progress bar, so that it can be replaced
// before the application is submitted. Both answer JSON; the rules are the
// services' (casework.SaveDraft, files.Store.Put).

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/files"
)

// answerJSON writes v, or err as the API does.
func (s *server) answerJSON(w http.ResponseWriter, status int, v any, err error) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		// The API's error shape: {"error":{code, message, details}}, each
		// detail naming its field.
		code := zwfw.ErrorCode(err)
		if code == zwfw.EINTERNAL {
			s.d.Log.Error("web: background post", "err", err)
		}
		details := []zwfw.ErrorDetail{}
		var e *zwfw.Error
		if errors.As(err, &e) && e.Details != nil {
			details = e.Details
		}
		status = zwfw.HTTPStatus(code)
		v = map[string]any{"error": map[string]any{"code": code, "message": zwfw.ErrorMessage(err), "details": details}}
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// applyAutosave saves the application as a draft (files already uploaded
// are kept by their ids) and answers its id and the time.
func (s *server) applyAutosave(w http.ResponseWriter, r *http.Request) error {
	it, err := s.d.Catalog.Get(r.Context(), r.PathValue("code"))
	if err != nil {
		s.answerJSON(w, 0, nil, notFoundItem(err))
		return nil
	}
	p, err := s.newApplyPage(w, r, it)
	if err != nil {
		s.answerJSON(w, 0, nil, err)
		return nil
	}
	v := r.PostForm
	id, _ := strconv.ParseInt(v.Get("draft"), 10, 64)
	form := casework.Form{Description: v.Get("description"), Address: v.Get("address"), Delivery: v.Get("delivery"),
		Data: readOnline(it.Form, v)}
	if n, err := strconv.Atoi(strings.TrimSpace(v.Get("quantity"))); err == nil && n > 0 {
		form.Quantity = n
	}
	s.readMaterials(r, p.Mats)
	in := casework.ApplyInput{ItemCode: it.Key(), OrgCode: strings.TrimSpace(v.Get("org_code")), Form: form}
	in.Materials, _ = materialInputs(p.Mats, false)
	d, err := s.d.Cases.SaveDraft(r.Context(), actor(r), id, in)
	if err != nil {
		s.answerJSON(w, 0, nil, err)
		return nil
	}
	s.answerJSON(w, http.StatusOK, map[string]any{"draft_id": d.ID, "saved_at": d.UpdatedAt.In(db.Zone).Format("15:04")}, nil)
	return nil
}

// applyUpload stores one material file as the applicant's own upload and
// answers its id, for the form to name on submission.
func (s *server) applyUpload(w http.ResponseWriter, r *http.Request) error {
	fh := uploaded(r, "file")
	if fh == nil {
		s.answerJSON(w, 0, nil, zwfw.Errorf(zwfw.EINVALID, "请选择要上传的文件"))
		return nil
	}
	f, err := s.putCaseFile(r, fh)
	if err != nil {
		s.answerJSON(w, 0, nil, err)
		return nil
	}
	s.answerJSON(w, http.StatusCreated, map[string]any{"file_id": f.ID, "name": f.Name, "size": f.Size, "size_text": files.HumanSize(f.Size)}, nil)
	return nil
}
