package api

import (
	"net/http"

	"zwfw/internal/org"
)

// An organisation's document and payment settings (文书与缴费设置, issue 12
// item 8): its 机关代字, the 复议机关 and court its refusals name, and its
// online payment gateway. The organisation's administrators (and those
// above) read and set them; org.MaySetNoticeSettings decides.

type noticeSettingsJSON struct {
	Org      string             `json:"org"`
	OrgName  string             `json:"org_name"`
	Settings org.NoticeSettings `json:"settings"`
	Gateways map[string]string  `json:"gateways"`
}

func noticeSettingsOut(o *org.Org, n org.NoticeSettings) noticeSettingsJSON {
	gw := map[string]string{}
	for _, g := range []string{org.GatewayDefault, org.GatewayOff, org.GatewayDemo, org.GatewayBank} {
		gw[g] = org.GatewayName(g)
	}
	return noticeSettingsJSON{Org: o.Code, OrgName: o.DisplayName(), Settings: n, Gateways: gw}
}

func handleGetNoticeSettings(orgs *org.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		o, n, err := orgs.NoticeSettings(r.Context(), actor(r), r.PathValue("code"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, noticeSettingsOut(o, n))
		return nil
	}
}

// handleSetNoticeSettings replaces all of them (a field left out is unset).
func handleSetNoticeSettings(orgs *org.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in org.NoticeSettings
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		code := r.PathValue("code")
		n, err := orgs.SetNoticeSettings(r.Context(), actor(r), code, in)
		if err != nil {
			return err
		}
		o, err := orgs.ByCode(r.Context(), code)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, noticeSettingsOut(o, n))
		return nil
	}
}
