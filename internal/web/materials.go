package web

// 我的材料 (材料库, issue 13 item 6): the applicant's accepted materials
// with their trust levels; taking one out of the library.

import (
	"net/http"
	"strconv"

	"zwfw/internal/materials"
)

func init() { pages = append(pages, "my_materials") }

type myMaterialsPage struct {
	base
	Entries []materials.Entry
}

func (s *server) myMaterials(w http.ResponseWriter, r *http.Request) error {
	l, err := s.d.Materials.Library(r.Context(), actor(r))
	if err != nil {
		return err
	}
	p := myMaterialsPage{base: s.base(w, r, "我的材料"), Entries: l}
	p.Nav = "my"
	s.render(w, r, http.StatusOK, "my_materials", &p)
	return nil
}

func (s *server) myMaterialRemove(w http.ResponseWriter, r *http.Request) error {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := s.d.Materials.Remove(r.Context(), actor(r), id); err != nil {
		return err
	}
	s.redirect(w, r, "/my/materials", "ok", "已移出材料库。以后申请时，这份材料不再自动提供。")
	return nil
}

// trustClass is the badge colour of a trust level.
func trustClass(t string) string {
	switch t {
	case materials.TrustIssued:
		return "b-green"
	case materials.TrustChecked:
		return "b-blue"
	}
	return "b-grey"
}
