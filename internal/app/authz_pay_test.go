package app_test

import (
	"net/url"

	"zwfw/internal/casework"
)

// Paying online (issue 12 item 5): only the applicant who filed the case
// starts paying its fee and uses the demo gateway's simulator page; staff
// are refused (the applicant's pages), other applicants find no such case.
// The callback itself (POST /api/v1/payments/callback) is in the API rows:
// its signature, not a session, is what lets it in.
func payRows() []row {
	due := func(x *fixtures, sc scope) string { return x.caseIn(sc, casework.AwaitingPayment) }
	return []row{
		{route: "POST /my/cases/{serial}/pay", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/my/cases/"+due(x, sc)+"/pay", nil)
		}, want: applicantPage(scoped(anyone, owner))},
		{route: "GET /pay/demo/{serial}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/pay/demo/" + due(x, sc))
		}, want: applicantPage(scoped(anyone, owner))},
		{route: "POST /pay/demo/{serial}", variant: "cancel", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/pay/demo/"+due(x, sc), url.Values{"do": {"cancel"}})
		}, want: applicantPage(scoped(anyone, owner))},
		{route: "POST /pay/demo/{serial}", variant: "pay", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/pay/demo/"+due(x, sc), url.Values{"do": {"pay"}})
		}, want: applicantPage(scoped(anyone, owner))},
		// An organisation's 机关代字, 复议机关 and gateway: its administrators
		// and those above.
		{route: "GET /admin/orgs/{code}/notices", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/admin/orgs/" + x.centre[sc] + "/notices")
		}, want: staffPage(refusedOut(scoped(admin, reachesCentre)))},
		{route: "POST /admin/orgs/{code}/notices", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/admin/orgs/"+x.centre[sc]+"/notices", url.Values{"abbrev": {abbrevOf[sc]}})
		}, want: staffPage(refusedOut(scoped(admin, reachesCentre)))},
		{route: "GET /api/v1/orgs/{code}/notice-settings", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/orgs/" + x.centre[sc] + "/notice-settings")
		}, want: refusedOut(scoped(admin, reachesCentre))},
		{route: "PUT /api/v1/orgs/{code}/notice-settings", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("PUT", "/orgs/"+x.centre[sc]+"/notice-settings", map[string]string{"abbrev": abbrevOf[sc]})
		}, want: refusedOut(scoped(admin, reachesCentre))},
		// The public lookup posts the query code, which stays out of
		// addresses (issue 12 item 6): anyone with the code sees the case.
		{route: "POST /progress", on: allScopes, call: func(x *fixtures, sc scope) request {
			s := x.cases[sc][casework.Submitted]
			return post("/progress", url.Values{"serial": {s}, "code": {x.queryCode(s)}})
		}, want: everyone(ok)},
	}
}

// abbrevOf gives each scope's centre its own 机关代字: one 代字 names one
// issuing organisation (org.PutNoticeSettings refuses a second holder).
var abbrevOf = map[scope]string{inCounty: "宁政服", inTown: "城关服", inTown2: "四亩服", inCounty2: "石政服"}
