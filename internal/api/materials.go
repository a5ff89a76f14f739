package api

// 材料库 and 免提交 (issue 13 items 5, 6): the applicant's library, what
// can provide an item's materials for them, and the submissions saved.

import (
	"net/http"
	"strings"

	"zwfw"
	"zwfw/internal/catalog"
	"zwfw/internal/materials"
	"zwfw/internal/supervision"
)

func handleMyMaterials(m *materials.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		l, err := m.Library(r.Context(), actor(r))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": l})
		return nil
	}
}

func handleReusableMaterials(cat *catalog.Service, m *materials.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		it, err := cat.Get(r.Context(), r.PathValue("code"))
		if err != nil {
			if catalog.ErrNotFound(err) {
				return zwfw.Errorf(zwfw.ENOTFOUND, "事项 %s 不存在", r.PathValue("code"))
			}
			return err
		}
		offers, err := m.Offers(r.Context(), actor(r), it)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]any{"item_code": it.Code, "items": offers})
		return nil
	}
}

func handleSubmissionsSaved(s *supervision.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		v, err := s.Saved(r.Context(), actor(r), supervision.Filter{Org: strings.TrimSpace(q.Get("org")),
			From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to"))})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, v)
		return nil
	}
}
