package api

import (
	"net/http"

	"zwfw"
	"zwfw/internal/account"
)

// handleListUsers lists the accounts an administrator may see: staff in the
// administrator's subtree, or applicants with ?kind=applicant.
func handleListUsers(users *account.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		pg, err := pageOf(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		kind := q.Get("kind")
		if kind != "" && kind != zwfw.KindStaff && kind != "applicant" {
			return &zwfw.Error{Code: zwfw.EBADREQUEST, Message: "kind 应为 staff（工作人员）或 applicant（申请人）",
				Details: []zwfw.ErrorDetail{{Field: "kind", Message: "应为 staff 或 applicant"}}}
		}
		list, total, err := users.List(r.Context(), actor(r), account.UserQuery{
			Q: q.Get("q"), Role: q.Get("role"), OrgCode: q.Get("org"), Kind: kind, Limit: pg.Limit, Offset: pg.Offset})
		if err != nil {
			return err
		}
		out := make([]userJSON, len(list))
		for i, u := range list {
			out[i] = userView(u)
		}
		writeJSON(w, http.StatusOK, newList(out, total))
		return nil
	}
}

// handleCreateUser creates a staff account.
func handleCreateUser(users *account.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in account.UserInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		u, err := users.CreateStaff(r.Context(), actor(r), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, userView(u))
		return nil
	}
}

// handleUpdateUser changes a staff account; a non-empty password resets it.
func handleUpdateUser(users *account.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in account.UserInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		username := r.PathValue("username")
		if in.Username != "" && in.Username != username {
			return &zwfw.Error{Code: zwfw.EINVALID, Message: "用户名不能修改",
				Details: []zwfw.ErrorDetail{{Field: "username", Message: "用户名不能修改"}}}
		}
		u, err := users.UpdateStaff(r.Context(), actor(r), username, in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, userView(u))
		return nil
	}
}

// handleUnlockUser clears a lockout after failed logins.
func handleUnlockUser(users *account.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		username := r.PathValue("username")
		if err := users.Unlock(r.Context(), actor(r), username); err != nil {
			return err
		}
		u, err := users.ByUsername(r.Context(), username)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, userView(u))
		return nil
	}
}
