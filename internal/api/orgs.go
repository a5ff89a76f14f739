package api

import (
	"net/http"

	"zwfw"
	"zwfw/internal/org"
)

// handleListOrgs lists the organisation tree: flat in display order
// (depth-first, siblings by sort key) with limit and offset, or nested with
// ?tree=1. ?under=CODE keeps the subtree of a node, ?kind= one kind of node.
func handleListOrgs(orgs *org.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		pg, err := pageOf(r)
		if err != nil {
			return err
		}
		tree, err := boolParam(r, "tree")
		if err != nil {
			return err
		}
		kind := q.Get("kind")
		if kind != "" && org.KindName(kind) == kind {
			return &zwfw.Error{Code: zwfw.EBADREQUEST, Message: "kind 应为 city、county、town、village、dept、centre 或 window",
				Details: []zwfw.ErrorDetail{{Field: "kind", Message: "机构类型无效"}}}
		}
		path := "/"
		if under := q.Get("under"); under != "" {
			o, err := orgs.ByCode(r.Context(), under)
			if err != nil {
				return err
			}
			path = o.Path
		}
		forest, err := orgs.Tree(r.Context(), path)
		if err != nil {
			return err
		}
		all := org.Flatten(forest)
		if kind != "" {
			var keep []*org.Org
			for _, o := range all {
				if o.Kind == kind {
					keep = append(keep, o)
				}
			}
			all = keep
		}
		if tree {
			// Nodes whose parent was filtered out become roots.
			roots := org.BuildTree(all)
			writeJSON(w, http.StatusOK, newList(roots, len(roots)))
			return nil
		}
		for _, o := range all {
			o.Children = nil
		}
		writeJSON(w, http.StatusOK, newList(slice(all, pg), len(all)))
		return nil
	}
}

// handleGetOrg returns one node.
func handleGetOrg(orgs *org.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		o, err := orgs.ByCode(r.Context(), r.PathValue("code"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, o)
		return nil
	}
}

// handleCreateOrg adds a node (administrators, inside their subtree).
func handleCreateOrg(orgs *org.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in org.Input
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		o, err := orgs.Create(r.Context(), actor(r), in)
		if err != nil {
			return err
		}
		w.Header().Set("Location", Prefix+"/orgs/"+o.Code)
		writeJSON(w, http.StatusCreated, o)
		return nil
	}
}

// handleUpdateOrg changes a node. The body is the whole node; code,
// parent_code and kind may be left out to keep them (a node cannot become a
// root by omission).
func handleUpdateOrg(orgs *org.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in org.Input
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		code := r.PathValue("code")
		cur, err := orgs.ByCode(r.Context(), code)
		if err != nil {
			return err
		}
		if in.Code == "" {
			in.Code = cur.Code
		}
		if in.ParentCode == "" {
			in.ParentCode = cur.ParentCode
		}
		if in.Kind == "" {
			in.Kind = cur.Kind
		}
		o, err := orgs.Update(r.Context(), actor(r), code, in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, o)
		return nil
	}
}

// boolParam reads a query flag: absent, 0/false or 1/true.
func boolParam(r *http.Request, name string) (bool, error) {
	switch r.URL.Query().Get(name) {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, &zwfw.Error{Code: zwfw.EBADREQUEST, Message: name + " 应为 1 或 0",
		Details: []zwfw.ErrorDetail{{Field: name, Message: "应为 1 或 0"}}}
}
