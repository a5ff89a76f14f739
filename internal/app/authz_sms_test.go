package app_test

import "net/url"

// An organisation's SMS gateway (org/sms.go): its administrators and those
// above read and set it and send a test message; the test message may be
// refused by its hourly limit once authorization is passed (429).
func smsRows() []row {
	gw := map[string]any{"kind": "log"}
	return []row{
		{route: "GET /admin/orgs/{code}/sms", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/admin/orgs/" + x.centre[sc] + "/sms")
		}, want: staffPage(refusedOut(scoped(admin, reachesCentre)))},
		{route: "POST /admin/orgs/{code}/sms", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/admin/orgs/"+x.centre[sc]+"/sms", url.Values{"kind": {"log"}})
		}, want: staffPage(refusedOut(scoped(admin, reachesCentre)))},
		{route: "POST /admin/orgs/{code}/sms/test", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/admin/orgs/"+x.centre[sc]+"/sms/test", url.Values{"phone": {"13900009999"}})
		}, want: staffPage(passing(refusedOut(scoped(admin, reachesCentre))))},
		{route: "GET /api/v1/orgs/{code}/sms-settings", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/orgs/" + x.centre[sc] + "/sms-settings")
		}, want: refusedOut(scoped(admin, reachesCentre))},
		{route: "PUT /api/v1/orgs/{code}/sms-settings", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("PUT", "/orgs/"+x.centre[sc]+"/sms-settings", gw)
		}, want: refusedOut(scoped(admin, reachesCentre))},
	}
}
