package web

import (
	"net/http"
	"net/url"

	"zwfw/internal/org"
)

// An organisation's SMS gateway (org/sms.go): the administrator whose
// reach covers it sets it here and sends one test message (发送测试短信).

type orgSMSPage struct {
	base
	Org       *org.Org
	Set       org.SMSSettings
	Own       bool
	Inherited *org.Org
	Phone     string
	Errors    fieldErrors
	Error     string
}

func (s *server) orgSMSPage(w http.ResponseWriter, r *http.Request, p *orgSMSPage, st int) error {
	p.base = s.base(w, r, "短信网关设置："+p.Org.DisplayName())
	if p.Errors == nil {
		p.Errors = fieldErrors{}
	}
	s.render(w, r, st, "admin_org_sms", *p)
	return nil
}

func (s *server) loadOrgSMS(r *http.Request) (*orgSMSPage, error) {
	o, set, own, from, err := s.d.Orgs.SMSSettings(r.Context(), actor(r), r.PathValue("code"))
	if err != nil {
		return nil, err
	}
	return &orgSMSPage{Org: o, Set: set, Own: own, Inherited: from}, nil
}

func (s *server) adminOrgSMS(w http.ResponseWriter, r *http.Request) error {
	p, err := s.loadOrgSMS(r)
	if err != nil {
		return err
	}
	return s.orgSMSPage(w, r, p, http.StatusOK)
}

func (s *server) adminOrgSMSPost(w http.ResponseWriter, r *http.Request) error {
	p, err := s.loadOrgSMS(r)
	if err != nil {
		return err
	}
	in := org.SMSSettings{Kind: r.PostFormValue("kind"), URL: r.PostFormValue("url"), AppID: r.PostFormValue("app_id"),
		SignName: r.PostFormValue("sign_name"), CodeTemplate: r.PostFormValue("code_template"),
		NoticeTemplate: r.PostFormValue("notice_template"), SecretEnv: r.PostFormValue("secret_env")}
	if _, err := s.d.Orgs.SetSMSSettings(r.Context(), actor(r), p.Org.Code, in); err != nil {
		st := formStatus(err)
		fe, msg, err := formError(err)
		if err != nil {
			return err
		}
		p.Set, p.Errors, p.Error = in, fe, msg
		return s.orgSMSPage(w, r, p, st)
	}
	s.redirect(w, r, "/admin/orgs/"+url.PathEscape(p.Org.Code)+"/sms", "ok", "已保存“"+p.Org.DisplayName()+"”的短信网关设置。")
	return nil
}

func (s *server) adminOrgSMSTest(w http.ResponseWriter, r *http.Request) error {
	p, err := s.loadOrgSMS(r)
	if err != nil {
		return err
	}
	p.Phone = r.PostFormValue("phone")
	if err := s.d.Orgs.SendTestSMS(r.Context(), actor(r), s.d.SMS, p.Org.Code, p.Phone); err != nil {
		st := formStatus(err)
		fe, msg, err := formError(err)
		if err != nil {
			return err
		}
		p.Errors, p.Error = fe, msg
		return s.orgSMSPage(w, r, p, st)
	}
	s.redirect(w, r, "/admin/orgs/"+url.PathEscape(p.Org.Code)+"/sms", "ok", "测试短信已交给短信网关发送，请查看手机（未设置网关时写入服务器日志）。")
	return nil
}

func init() { pages = append(pages, "admin_org_sms") }
