package api

import (
	"net/http"
	"strconv"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/org"
)

// Unified identity (统一身份认证) and the second factor (issue 14 item 1):
// the provider's back-channel logout, administrators' links of staff
// accounts, the reset of a lost second factor, and an organisation's
// requirement by role. The rules are account's and org's.

// handleBackChannelLogout ends the sessions a provider's logout token
// names (OpenID Connect Back-Channel Logout 1.0 §2.5: a form post of
// logout_token; 200 with no-store, 400 for a token that fails).
func handleBackChannelLogout(users *account.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := r.ParseForm(); err != nil {
			return zwfw.Errorf(zwfw.EBADREQUEST, "请以表单提交 logout_token")
		}
		w.Header().Set("Cache-Control", "no-store")
		if _, err := users.BackChannelLogout(r.Context(), r.PostForm.Get("logout_token")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusOK)
		return nil
	}
}

type oidcLinksOut struct {
	Username string         `json:"username"`
	Links    []account.Link `json:"links"`
}

func handleListOIDCLinks(users *account.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, links, err := users.Links(r.Context(), actor(r), r.PathValue("username"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, oidcLinksOut{Username: u.Username, Links: links})
		return nil
	}
}

type oidcLinkIn struct {
	Issuer  string `json:"issuer"`
	Subject string `json:"subject"`
}

func handleCreateOIDCLink(users *account.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in oidcLinkIn
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		l, err := users.LinkStaff(r.Context(), actor(r), r.PathValue("username"), in.Issuer, in.Subject)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, l)
		return nil
	}
}

func handleDeleteOIDCLink(users *account.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			return zwfw.Errorf(zwfw.ENOTFOUND, "该绑定不存在")
		}
		if err := users.Unlink(r.Context(), actor(r), r.PathValue("username"), id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func handleResetTOTP(users *account.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := users.ResetTOTP(r.Context(), actor(r), r.PathValue("username")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

type securitySettingsOut struct {
	org.SecuritySettings
	Own           bool   `json:"own"`
	InheritedFrom string `json:"inherited_from,omitempty"`
}

func handleGetSecuritySettings(orgs *org.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		_, set, own, from, err := orgs.SecuritySettings(r.Context(), actor(r), r.PathValue("code"))
		if err != nil {
			return err
		}
		out := securitySettingsOut{SecuritySettings: set, Own: own}
		if from != nil {
			out.InheritedFrom = from.Code
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

func handlePutSecuritySettings(orgs *org.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in org.SecuritySettings
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		set, err := orgs.SetSecuritySettings(r.Context(), actor(r), r.PathValue("code"), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, securitySettingsOut{SecuritySettings: set, Own: true})
		return nil
	}
}
