package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"zwfw"
	"zwfw/internal/catalog"
	"zwfw/internal/org"
)

// itemJSON is an item exactly as catalog.Item marshals, plus the Chinese
// names of its type, kind and department for display. The names are
// read-only: requests may carry them back and they are ignored.
type itemJSON struct {
	*catalog.Item
	TypeName string `json:"type_name"`
	KindName string `json:"kind_name"`
	DeptName string `json:"dept_name"`
}

// deptNames looks department names up once per request.
type deptNames struct {
	ctx   context.Context
	orgs  *org.Service
	names map[string]string
}

func newDeptNames(ctx context.Context, orgs *org.Service) *deptNames {
	return &deptNames{ctx: ctx, orgs: orgs, names: map[string]string{}}
}

func (d *deptNames) name(code string) string {
	if n, ok := d.names[code]; ok {
		return n
	}
	n := ""
	if o, err := d.orgs.ByCode(d.ctx, code); err == nil {
		n = o.DisplayName()
	}
	d.names[code] = n
	return n
}

func (d *deptNames) view(it *catalog.Item) itemJSON {
	return itemJSON{Item: it, TypeName: it.TypeName(), KindName: it.KindName(), DeptName: d.name(it.Dept)}
}

// itemRequest is the body of POST and PUT /items: the item, the version
// being edited (PUT) and the reason for the change.
type itemRequest struct {
	catalog.Item
	// Version shadows Item.Version: on PUT it is the version the editor
	// started from, and must be given.
	Version *int   `json:"version"`
	Reason  string `json:"reason"`
	// Read-only names of a GET response, accepted so that a fetched item
	// can be edited and sent back as it is.
	TypeName string `json:"type_name"`
	KindName string `json:"kind_name"`
	DeptName string `json:"dept_name"`
}

// versionRequired is the error for an edit that does not say which version
// it started from.
func versionRequired() error {
	return &zwfw.Error{Code: zwfw.EINVALID, Message: "请提供所编辑的版本号 version（防止覆盖他人在此期间的修改）",
		Details: []zwfw.ErrorDetail{{Field: "version", Message: "版本号不能为空"}}}
}

// handleListItems searches the public catalog.
func handleListItems(cat *catalog.Service, orgs *org.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		pg, err := pageOf(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		items, total, err := cat.Search(r.Context(), catalog.Query{
			Q: q.Get("q"), Dept: q.Get("dept"), Level: q.Get("level"), Type: q.Get("type"), Kind: q.Get("kind"),
			Audience: q.Get("audience"), Theme: q.Get("theme"), Status: q.Get("status"), Limit: pg.Limit, Offset: pg.Offset})
		if err != nil {
			return err
		}
		names := newDeptNames(r.Context(), orgs)
		out := itemList{Items: make([]itemJSON, len(items)), Total: total}
		for i, it := range items {
			out.Items[i] = names.view(it)
		}
		if total == 0 && q.Get("q") != "" {
			if out.Suggestions, err = cat.Suggest(r.Context(), q.Get("q")); err != nil {
				return err
			}
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

// itemList is a page of the catalog and, when words found nothing, the
// suggestions (您是不是要找).
type itemList struct {
	Items       []itemJSON           `json:"items"`
	Total       int                  `json:"total"`
	Suggestions []catalog.Suggestion `json:"suggestions,omitempty"`
}

// handleGetItem returns the current version of an item, or with ?version=N
// a stored earlier one.
func handleGetItem(cat *catalog.Service, orgs *org.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		code := r.PathValue("code")
		var it *catalog.Item
		var err error
		if s := r.URL.Query().Get("version"); s != "" {
			n, perr := strconv.Atoi(s)
			if perr != nil || n < 1 {
				return &zwfw.Error{Code: zwfw.EBADREQUEST, Message: fmt.Sprintf("version 应为正整数，而不是“%s”", s),
					Details: []zwfw.ErrorDetail{{Field: "version", Message: "应为正整数"}}}
			}
			it, err = cat.GetVersion(r.Context(), code, n)
		} else {
			it, err = cat.Get(r.Context(), code)
		}
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newDeptNames(r.Context(), orgs).view(it))
		return nil
	}
}

// handleCreateItem adds a new item (新设) as version 1.
func handleCreateItem(cat *catalog.Service, orgs *org.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in itemRequest
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		it, err := cat.Create(r.Context(), actor(r), &in.Item, in.Reason)
		if err != nil {
			return err
		}
		w.Header().Set("Location", Prefix+"/items/"+it.Code)
		writeJSON(w, http.StatusCreated, newDeptNames(r.Context(), orgs).view(it))
		return nil
	}
}

// handleUpdateItem records a new version (变更) of an item.
func handleUpdateItem(cat *catalog.Service, orgs *org.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in itemRequest
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		if in.Version == nil {
			return versionRequired()
		}
		it, err := cat.Update(r.Context(), actor(r), r.PathValue("code"), &in.Item, in.Reason, *in.Version)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newDeptNames(r.Context(), orgs).view(it))
		return nil
	}
}

type cancelRequest struct {
	Reason  string `json:"reason"`
	Version *int   `json:"version"`
}

// handleCancelItem cancels (取消) an item.
func handleCancelItem(cat *catalog.Service, orgs *org.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in cancelRequest
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		if in.Version == nil {
			return versionRequired()
		}
		it, err := cat.Cancel(r.Context(), actor(r), r.PathValue("code"), in.Reason, *in.Version)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newDeptNames(r.Context(), orgs).view(it))
		return nil
	}
}

// versionJSON is one entry of an item's public change log, with the
// Chinese names of the change and of the changed elements.
type versionJSON struct {
	catalog.Version
	ChangeName    string   `json:"change_name"`
	ChangedLabels []string `json:"changed_labels"`
}

// handleItemVersions returns an item's change log, newest first.
func handleItemVersions(cat *catalog.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		pg, err := pageOf(r)
		if err != nil {
			return err
		}
		vs, err := cat.Versions(r.Context(), r.PathValue("code"))
		if err != nil {
			return err
		}
		out := make([]versionJSON, len(vs))
		for i := range vs {
			v := vs[i]
			if v.Changed == nil {
				v.Changed = []string{}
			}
			out[i] = versionJSON{Version: v, ChangeName: v.ChangeName(), ChangedLabels: v.ChangedLabels()}
		}
		writeJSON(w, http.StatusOK, newList(slice(out, pg), len(out)))
		return nil
	}
}
