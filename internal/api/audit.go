package api

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/casework"
	"zwfw/internal/files"
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

// securityQuery reads the security log's filters: ?kind=&from=&to=&user=.
func securityQuery(r *http.Request) audit.SecurityQuery {
	q := r.URL.Query()
	return audit.SecurityQuery{Kind: q.Get("kind"), From: q.Get("from"), To: q.Get("to"), Username: q.Get("user")}
}

// handleSecurityEvents lists the security log, newest first, for the
// audit administrators within their subtree (audit.MayRead decides).
func handleSecurityEvents(auditLog *audit.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := pageOf(r)
		if err != nil {
			return err
		}
		q := securityQuery(r)
		q.Limit, q.Offset = p.Limit, p.Offset
		evs, total, err := auditLog.SecurityEvents(r.Context(), actor(r), q)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": evs, "total": total, "limit": p.Limit, "offset": p.Offset})
		return nil
	}
}

// handleSecurityExport downloads the events the filters select as CSV;
// the export is itself a security event.
func handleSecurityExport(auditLog *audit.Service, now func() time.Time) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var buf bytes.Buffer
		if err := auditLog.ExportSecurity(r.Context(), actor(r), securityQuery(r), &buf); err != nil {
			return err
		}
		day := now().In(zwfw.Zone).Format("20060102")
		h := w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", files.Attachment("security-events-"+day+".csv", "安全日志-"+day+".csv"))
		h.Set("Content-Length", strconv.Itoa(buf.Len()))
		_, err := w.Write(buf.Bytes())
		return err
	}
}
