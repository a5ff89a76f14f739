package app_test

import (
	"net/url"

	"zwfw/internal/account"
)

// Registration a county can trust (issue 12 item 7): the SMS codes, sign-in
// by phone + code and the privacy notice. Sending a code and signing in by
// code are open to everyone; a burst from one address meets the limits
// (429), and a made-up code is refused (401). Agreeing to the notice is the
// signed-in account's own.
func registerRows() []row {
	return []row{
		{route: "POST /register/code", call: func(x *fixtures, sc scope) request {
			r := post("/register/code", url.Values{"type": {"person"}, "phone": {x.newApplicant()["phone"]}})
			r.isolated = true
			return r
		}, want: everyone(pass)},
		{route: "POST /login/code", call: func(x *fixtures, sc scope) request {
			r := post("/login/code", url.Values{"phone": {"13700000001"}})
			r.isolated = true
			return r
		}, want: everyone(pass)},
		{route: "POST /login/sms", call: func(x *fixtures, sc scope) request {
			r := post("/login/sms", url.Values{"phone": {"13700000001"}, "sms_code": {"000000"}})
			r.isolated = true
			return r
		}, want: everyone(notOK)},
		{route: "GET /privacy", call: fixed(webGet("/privacy")), want: everyone(ok)},
		{route: "POST /privacy", call: fixed(post("/privacy", url.Values{"privacy": {account.PrivacyVersion}, "next": {"/"}})), want: signedIn(ok)},

		{route: "POST /api/v1/auth/sms-code", call: fixed(apiSend("POST", "/auth/sms-code",
			map[string]string{"phone": "13700000002", "purpose": "login"})), want: everyone(pass)},
		{route: "POST /api/v1/auth/login/sms", call: fixed(apiSend("POST", "/auth/login/sms",
			map[string]string{"phone": "13700000002", "code": "000000"})), want: everyone(notOK)},
		{route: "GET /api/v1/auth/privacy", call: fixed(apiGet("/auth/privacy")), want: everyone(ok)},
		{route: "POST /api/v1/auth/privacy", call: fixed(apiSend("POST", "/auth/privacy",
			map[string]string{"version": account.PrivacyVersion})), want: signedIn(ok)},
	}
}
