package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/audit"
	"zwfw/internal/files"
)

// The security log's page (安全日志, 实施方案 §2(7) 等级保护): the audit
// administrator's list of sign-in failures, lockouts, refusals, reveals,
// setting changes and exports in the subtree, filtered by kind, dates and
// user, with its CSV export. Who may read it is audit.MayRead's answer.

func init() { pages = append(pages, "admin_security") }

// securityPageSize is how many events the page shows (the export has
// them all).
const securityPageSize = 200

type securityPage struct {
	base
	Events  []audit.SecurityEvent
	Total   int
	Q       audit.SecurityQuery
	Kinds   []string
	Export  string // the export's URL with the same filters
	Message string // why the filters were refused
	Errors  []zwfw.ErrorDetail
}

func securityQuery(r *http.Request) audit.SecurityQuery {
	q := r.URL.Query()
	return audit.SecurityQuery{Kind: q.Get("kind"), From: q.Get("from"), To: q.Get("to"), Username: q.Get("user")}
}

func (s *server) securityEvents(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	if err := audit.MayRead(a); err != nil {
		return err
	}
	q := securityQuery(r)
	q.Limit = securityPageSize
	p := securityPage{base: s.base(w, r, "安全日志"), Q: q, Kinds: audit.SecurityKinds}
	p.Nav = "security"
	v := url.Values{}
	for k, val := range map[string]string{"kind": q.Kind, "from": q.From, "to": q.To, "user": q.Username} {
		if val != "" {
			v.Set(k, val)
		}
	}
	p.Export = "/admin/security/export"
	if len(v) > 0 {
		p.Export += "?" + v.Encode()
	}
	evs, total, err := s.d.Audit.SecurityEvents(r.Context(), a, q)
	st := http.StatusOK
	switch {
	case zwfw.ErrorCode(err) == zwfw.EINVALID:
		st, p.Message = http.StatusUnprocessableEntity, zwfw.ErrorMessage(err)
		var e *zwfw.Error
		if asError(err, &e) {
			p.Errors = e.Details
		}
	case err != nil:
		return err
	}
	p.Events, p.Total = evs, total
	s.render(w, r, st, "admin_security", p)
	return nil
}

// securityExport downloads the filtered log as CSV; the export itself is
// a security event.
func (s *server) securityExport(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	if err := s.d.Audit.ExportSecurity(r.Context(), actor(r), securityQuery(r), &buf); err != nil {
		return err
	}
	day := s.now().Format("20060102")
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", files.Attachment("security-events-"+day+".csv", "安全日志-"+day+".csv"))
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	_, err := w.Write(buf.Bytes())
	return err
}

// The security administrator's overview (安全概况): the subtree's locked
// accounts with a button to unlock each, and the accounts whose password
// has expired or expires soon, beside the policy in force.
type securityAccountsPage struct {
	base
	O *account.Overview
}

func init() { pages = append(pages, "admin_security_accounts") }

func (s *server) securityAccounts(w http.ResponseWriter, r *http.Request) error {
	ov, err := s.d.Users.SecurityOverview(r.Context(), actor(r))
	if err != nil {
		return err
	}
	p := securityAccountsPage{base: s.base(w, r, "安全概况"), O: ov}
	p.Nav = "security-accounts"
	s.render(w, r, http.StatusOK, "admin_security_accounts", p)
	return nil
}
