package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/catalog"
	"zwfw/internal/org"
)

type adminItemsPage struct {
	base
	Items     []*catalog.Item
	Total     int
	Q         string
	Status    string
	Dept      string
	Page      int
	LastPage  int
	DeptNames map[string]string
	Depts     []*org.Org
	editable  map[string]bool
}

// CanEdit reports whether the actor's scope holds the item's department.
func (p *adminItemsPage) CanEdit(it *catalog.Item) bool { return p.editable[it.Dept] }

// PageURL is the link to page n with the same filters.
func (p *adminItemsPage) PageURL(n int) string {
	v := url.Values{}
	for k, val := range map[string]string{"q": p.Q, "status": p.Status, "dept": p.Dept} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	return "/admin/items?" + v.Encode()
}

const adminItemsPerPage = 50

func (s *server) adminItems(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	if err := needCatalog(a); err != nil {
		return err
	}
	q := r.URL.Query()
	p := &adminItemsPage{base: s.base(w, r, "事项管理"), Q: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Dept: q.Get("dept"),
		DeptNames: map[string]string{}, editable: map[string]bool{}}
	p.Nav = "items-admin"
	switch p.Status {
	case catalog.StatusActive, catalog.StatusCancelled, "all":
	default:
		p.Status = "all"
	}
	p.Page, _ = strconv.Atoi(q.Get("page"))
	p.Page = max(p.Page, 1)
	x, err := s.orgIndex(r.Context())
	if err != nil {
		return err
	}
	// A county's administrators list their own county's items: several
	// counties in one deployment implement the same codes (catalog.Resolve).
	within := ""
	for _, o := range x.all {
		if o.Kind == org.KindCounty && a.OrgPath != "" && strings.HasPrefix(a.OrgPath, o.Path) {
			within = o.Path
		}
	}
	items, total, err := s.d.Catalog.Search(r.Context(), catalog.Query{Q: p.Q, Dept: p.Dept, Status: p.Status, Within: within,
		Limit: adminItemsPerPage, Offset: (p.Page - 1) * adminItemsPerPage})
	if err != nil {
		return err
	}
	p.Items, p.Total = items, total
	p.LastPage = (total + adminItemsPerPage - 1) / adminItemsPerPage
	for _, o := range x.all {
		if o.Kind == org.KindDept {
			p.Depts = append(p.Depts, o)
			p.DeptNames[o.Code] = o.DisplayName()
			p.editable[o.Code] = a.InScope(o.Path)
		}
	}
	s.render(w, r, http.StatusOK, "admin_items", p)
	return nil
}

// editableItem loads the item of the request for editing: it must exist,
// be in force and lie in the actor's scope (the service checks again).
func (s *server) editableItem(r *http.Request) (*catalog.Item, error) {
	a := actor(r)
	if err := needCatalog(a); err != nil {
		return nil, err
	}
	// A 基本编码 several counties share means the actor's own (catalog.Resolve).
	it, err := s.d.Catalog.Resolve(r.Context(), r.PathValue("code"), a.OrgPath)
	if err != nil {
		return nil, notFoundItem(err)
	}
	if dept, err := s.d.Orgs.ByCode(r.Context(), it.Dept); err == nil && !a.InScope(dept.Path) {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "%s的事项不在您的管辖范围内，不能修改。", dept.DisplayName())
	}
	if it.Cancelled() {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "事项“%s”已取消，不能再变更。", it.Name)
	}
	return it, nil
}

func (s *server) adminItemNew(w http.ResponseWriter, r *http.Request) error {
	if err := needCatalog(actor(r)); err != nil {
		return err
	}
	it := &catalog.Item{Type: "01", Kind: catalog.KindPromised, Levels: []string{catalog.LevelCounty}, Visits: 1, ResultType: "证照"}
	title := "新设事项"
	// 认领 a city item the county does not implement (市级目录同步): the
	// form starts from the city-wide elements.
	if code := strings.TrimSpace(r.URL.Query().Get("adopt")); code != "" {
		var err error
		if it, err = s.d.CatalogSync.Adoption(r.Context(), actor(r), code); err != nil {
			return err
		}
		title = "认领市级事项：" + it.Name
	}
	f, err := s.newItemForm(w, r, it, title)
	if err != nil {
		return err
	}
	f.IsNew = true
	s.render(w, r, http.StatusOK, "admin_item_form", f)
	return nil
}

func (s *server) adminItemEdit(w http.ResponseWriter, r *http.Request) error {
	it, err := s.editableItem(r)
	if err != nil {
		return err
	}
	f, err := s.newItemForm(w, r, it, "变更事项："+it.Name)
	if err != nil {
		return err
	}
	f.Code, f.BaseVer = it.Key(), it.Version
	s.render(w, r, http.StatusOK, "admin_item_form", f)
	return nil
}

func (s *server) adminItemCreate(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	if err := needCatalog(a); err != nil {
		return err
	}
	in := s.readItem(r, nil)
	if len(in.errs) == 0 {
		it, err := s.d.Catalog.Create(r.Context(), a, in.item, in.reason)
		if err == nil {
			s.dropStats()
			if got, err := s.d.Catalog.Get(r.Context(), it.ImplCode); err == nil {
				it = got // knows whether another county shares the code (Key)
			}
			s.redirect(w, r, "/admin/items/"+url.PathEscape(it.Key())+"/edit", "ok", "已新设事项“"+it.Name+"”（第 1 版），办事指南已公开。")
			return nil
		}
		if err := in.serviceError(err); err != nil {
			return err
		}
	}
	return s.rerenderItem(w, r, in, "新设事项", "")
}

func (s *server) adminItemUpdate(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	cur, err := s.editableItem(r)
	if err != nil && zwfw.ErrorCode(err) != zwfw.ECONFLICT {
		return err
	}
	if cur == nil {
		// Cancelled meanwhile: the service says so with the user's input kept.
		if cur, err = s.d.Catalog.Resolve(r.Context(), r.PathValue("code"), a.OrgPath); err != nil {
			return notFoundItem(err)
		}
	}
	in := s.readItem(r, cur)
	if len(in.errs) == 0 {
		it, err := s.d.Catalog.Update(r.Context(), a, cur.ImplCode, in.item, in.reason, in.base)
		if err == nil {
			s.dropStats()
			it.Shared = cur.Shared
			s.redirect(w, r, "/admin/items/"+url.PathEscape(it.Key())+"/edit", "ok",
				fmt.Sprintf("已保存“%s”第 %d 版，变更记录已公开。", it.Name, it.Version))
			return nil
		}
		if err := in.serviceError(err); err != nil {
			return err
		}
	}
	return s.rerenderItem(w, r, in, "变更事项："+cur.Name, cur.Key())
}
