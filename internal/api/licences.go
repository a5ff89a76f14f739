package api

// 电子证照 (issue 13 items 2, 3, 5, 7; §2(3) 开展网上验证核对): verification
// for anyone, the organisation's licences and their actions for staff, the
// holder's wallet. Every decision is internal/licence's.

import (
	"net/http"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/httpauth"
	"zwfw/internal/licence"
)

// handleVerifyLicence checks a licence by identifier (网上验证核对).
func handleVerifyLicence(s *licence.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := s.VerifyIdentifier(r.Context(), httpauth.ClientIP(r), r.PathValue("identifier"), licence.ByIdentifier)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, c)
		return nil
	}
}

// handleVerifyLicenceFile checks an uploaded file: the licence's PDF or
// its JSON, sent as the multipart field "file" or as the request body.
func handleVerifyLicenceFile(s *licence.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var b []byte
		var err error
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			_, b, err = formFile(r, "file", licence.MaxFile)
		} else {
			b, err = readAllLimited(r.Body, licence.MaxFile)
		}
		if err != nil {
			return err
		}
		c, err := s.VerifyFile(r.Context(), httpauth.ClientIP(r), b)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, c)
		return nil
	}
}

// handleListLicences is the licences the actor's organisation subtree
// issued (?status=, ?type=, ?q=, ?limit=).
func handleListLicences(s *licence.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		f := licence.Filter{Status: q.Get("status"), Type: q.Get("type"), Q: q.Get("q")}
		if v := q.Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 500 {
				return &zwfw.Error{Code: zwfw.EINVALID, Message: "limit 应为 1–500", Details: []zwfw.ErrorDetail{{Field: "limit", Message: "应为 1–500"}}}
			}
			f.Limit = n
		}
		list, err := s.List(r.Context(), actor(r), f)
		if err != nil {
			return err
		}
		if list == nil {
			list = []*licence.Licence{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"licences": list})
		return nil
	}
}

// handleMyLicences is the signed-in holder's wallet (我的证照).
func handleMyLicences(s *licence.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		list, err := s.Wallet(r.Context(), actor(r))
		if err != nil {
			return err
		}
		if list == nil {
			list = []*licence.Licence{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"licences": list})
		return nil
	}
}

// handleGetLicence is one licence for its holder or staff in scope, with
// its history and the actions the caller may take.
func handleGetLicence(s *licence.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		l, err := s.Get(r.Context(), actor(r), r.PathValue("identifier"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, l)
		return nil
	}
}

// handleLicenceJSON is the machine-readable file: the signed canonical
// form and its signature.
func handleLicenceJSON(s *licence.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		l, err := s.Get(r.Context(), actor(r), r.PathValue("identifier"))
		if err != nil {
			return err
		}
		b := s.JSON(l)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+l.Identifier+`.json"`)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b)
		return nil
	}
}

// handleLicencePDF is the sealed A4 PDF, the same bytes every time.
func handleLicencePDF(s *licence.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		l, b, err := s.PDF(r.Context(), actor(r), r.PathValue("identifier"))
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `attachment; filename="`+l.Identifier+`.pdf"`)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b)
		return nil
	}
}

// handleLicenceAction revokes, suspends, resumes or changes a licence
// (body: reason; for a change also number, valid_to, fields).
func handleLicenceAction(s *licence.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in licence.ActInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		l, err := s.Act(r.Context(), actor(r), r.PathValue("identifier"), r.PathValue("action"), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, l)
		return nil
	}
}
