package web

import (
	"net/http"
	"net/url"
	"strings"

	"zwfw/internal/org"
)

// An organisation's document and payment settings (org/notices.go), set
// by an administrator whose reach covers it: the 机关代字 its notices are
// numbered with, the 复议机关 and the court its refusals name, and the
// online payment gateway it collects fees through.

type orgNoticesPage struct {
	base
	Org      *org.Org
	Set      org.NoticeSettings
	Gateways []string
	Errors   fieldErrors
	Error    string
}

// GatewayName is the Chinese name of a gateway choice.
func (orgNoticesPage) GatewayName(g string) string { return org.GatewayName(g) }

func (s *server) orgNoticesPage(w http.ResponseWriter, r *http.Request, p *orgNoticesPage, st int) error {
	p.base = s.base(w, r, "文书与缴费设置："+p.Org.DisplayName())
	p.Gateways = []string{org.GatewayDefault, org.GatewayOff, org.GatewayDemo, org.GatewayBank}
	if p.Errors == nil {
		p.Errors = fieldErrors{}
	}
	s.render(w, r, st, "admin_org_notices", *p)
	return nil
}

func (s *server) adminOrgNotices(w http.ResponseWriter, r *http.Request) error {
	o, set, err := s.d.Orgs.NoticeSettings(r.Context(), actor(r), r.PathValue("code"))
	if err != nil {
		return err
	}
	return s.orgNoticesPage(w, r, &orgNoticesPage{Org: o, Set: set}, http.StatusOK)
}

func (s *server) adminOrgNoticesPost(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("code")
	o, _, err := s.d.Orgs.NoticeSettings(r.Context(), actor(r), code)
	if err != nil {
		return err
	}
	in := org.NoticeSettings{Abbrev: strings.TrimSpace(r.PostFormValue("abbrev")), ReviewBody: r.PostFormValue("review_body"),
		Court: r.PostFormValue("court"), Gateway: r.PostFormValue("pay_gateway")}
	if _, err := s.d.Orgs.SetNoticeSettings(r.Context(), actor(r), code, in); err != nil {
		st := formStatus(err)
		fe, msg, err := formError(err)
		if err != nil {
			return err
		}
		return s.orgNoticesPage(w, r, &orgNoticesPage{Org: o, Set: in, Errors: fe, Error: msg}, st)
	}
	s.redirect(w, r, "/admin/orgs/"+url.PathEscape(code)+"/notices", "ok", "已保存“"+o.DisplayName()+"”的文书与缴费设置。")
	return nil
}

func init() { pages = append(pages, "admin_org_notices") }
