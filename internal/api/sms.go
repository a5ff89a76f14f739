package api

import (
	"net/http"

	"zwfw/internal/org"
)

// An organisation's SMS gateway (org/sms.go): read and set by an
// administrator whose reach covers it. The answer says whose setting is in
// force when the organisation has none of its own.

type smsSettingsOut struct {
	org.SMSSettings
	Own           bool   `json:"own"`                      // the organisation set its own
	InheritedFrom string `json:"inherited_from,omitempty"` // else whose it uses ('' with own false: the log)
}

func handleGetSMSSettings(orgs *org.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		_, set, own, from, err := orgs.SMSSettings(r.Context(), actor(r), r.PathValue("code"))
		if err != nil {
			return err
		}
		out := smsSettingsOut{SMSSettings: set, Own: own}
		if from != nil {
			out.InheritedFrom = from.Code
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

func handlePutSMSSettings(orgs *org.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in org.SMSSettings
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		set, err := orgs.SetSMSSettings(r.Context(), actor(r), r.PathValue("code"), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, smsSettingsOut{SMSSettings: set, Own: true})
		return nil
	}
}
