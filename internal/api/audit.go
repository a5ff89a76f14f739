package api

import (
	"net/http"
	"strings"

	"zwfw/internal/audit"
	"zwfw/internal/casework"
)

// handleAudit lists audit entries, newest first: ?case=SERIAL for the
// staff who may see that case, otherwise (optionally ?object=) for an
// administrator, within the administrator's subtree.
func handleAudit(auditLog *audit.Service, cases *casework.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := pageOf(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		var entries []audit.Entry
		if serial := strings.TrimSpace(q.Get("case")); serial != "" {
			entries, err = cases.Trail(r.Context(), actor(r), serial, p.Limit, p.Offset)
		} else {
			entries, err = auditLog.Browse(r.Context(), actor(r), strings.TrimSpace(q.Get("object")), p.Limit, p.Offset)
		}
		if err != nil {
			return err
		}
		if entries == nil {
			entries = []audit.Entry{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": entries, "limit": p.Limit, "offset": p.Offset})
		return nil
	}
}

// handleRevealIdent returns a case applicant's full identity number to
// staff who give a reason; the access is recorded in the audit log.
func handleRevealIdent(cases *casework.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Reason string `json:"reason"`
		}
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		ident, err := cases.RevealIdent(r.Context(), actor(r), r.PathValue("serial"), in.Reason)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]string{"ident": ident})
		return nil
	}
}
