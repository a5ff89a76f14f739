package web

import (
	"fmt"
	"net/http"

	"zwfw"
	"zwfw/internal/catalogsync"
	"zwfw/internal/exchange"
)

// 市级目录同步 (issue 14 item 4): the county's catalog administrators see
// the last pull of the city's catalog — what was updated, what was refused
// (a promised limit longer than the city's) and the city's items the
// county may adopt, with the department they map onto — and pull now.
// Who may is catalog.MayPull's answer (catalogsync.May).
func init() { pages = append(pages, "admin_catalog_city") }

type cityCatalogPage struct {
	base
	Last *catalogsync.Pull
	City *exchange.Peer
}

func (s *server) adminCatalogCity(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := s.d.CatalogSync.May(ctx, actor(r)); err != nil {
		return err
	}
	p := &cityCatalogPage{base: s.base(w, r, "市级目录同步")}
	p.Nav = "items-admin"
	var err error
	if p.Last, err = s.d.CatalogSync.Last(ctx); err != nil {
		return err
	}
	if p.City, err = s.d.Exchange.City(ctx); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "admin_catalog_city", p)
	return nil
}

func (s *server) adminCatalogCityPull(w http.ResponseWriter, r *http.Request) error {
	pull, err := s.d.CatalogSync.Pull(r.Context(), actor(r))
	switch {
	case zwfw.ErrorCode(err) == zwfw.EFORBIDDEN:
		return err
	case err != nil && pull == nil:
		s.redirect(w, r, "/admin/catalog/city", "warn", "同步未完成："+zwfw.ErrorMessage(err))
		return nil
	case err != nil:
		s.redirect(w, r, "/admin/catalog/city", "warn", "同步失败（已记录）："+zwfw.ErrorMessage(err))
		return nil
	}
	res := pull.Result
	s.dropStats()
	s.redirect(w, r, "/admin/catalog/city", "ok", fmt.Sprintf("已同步市级目录（版本 %s）：更新 %d 项，无变化 %d 项，未同步 %d 项，待认领 %d 项。",
		pull.Version, len(res.Updated), res.Unchanged, len(res.Refused), len(res.Adopt)))
	return nil
}
