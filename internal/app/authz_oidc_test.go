package app_test

import (
	"fmt"
	"net/url"

	"zwfw"
)

// Unified identity (统一身份认证) and the second factor's rows (issue 14
// item 1). The matrix's instance has no provider configured: starting or
// finishing a sign-in through it is 404 for everyone (the flow itself is
// tested against a real provider in internal/account and internal/app).
// The second step's pages answer a browser without a sign-in under way by
// sending it to sign in. A staff member enrols for themselves
// (account.MayEnrolTOTP: applicants 403). Links of staff accounts and the
// reset of a second factor are the administrators' who manage the account
// (account.MayLinkStaff, Managed: out of reach 404); an organisation's
// requirement is its administrators' and security administrators'
// (org.MaySetSecurity), the organisation named in the path of a public tree.

const matrixIssuer = "https://tyrz.example.gov.cn/oidc"

// oidcLink is a fresh link of the scope's staff account, made by the
// system, for a row that removes it.
func (x *fixtures) oidcLink(sc scope) string {
	l, err := x.e.App.Users.LinkStaff(x.ctx, zwfw.System, x.user[sc], matrixIssuer, x.newCode("matrix-sub-"))
	if err != nil {
		x.t.Fatalf("link of %s: %v", x.user[sc], err)
	}
	return fmt.Sprint(l.ID)
}

func oidcRows() []row {
	manage := scoped(admin, reachesCentre)
	security := refusedOut(scoped(or(admin, securityAdmin), reachesCentre))
	return []row{
		{route: "GET /login/oidc", call: fixed(webGet("/login/oidc")), want: everyone(notFound)},
		{route: "GET /login/oidc/callback", call: func(x *fixtures, sc scope) request {
			r := webGet("/login/oidc/callback?state=x&code=y")
			r.isolated = true
			return r
		}, want: everyone(notFound)},
		{route: "GET /login/totp", call: fixed(webGet("/login/totp")), want: everyone(login)},
		{route: "POST /login/totp", call: fixed(post("/login/totp", url.Values{"totp": {"123456"}})), want: everyone(login)},
		{route: "GET /login/totp/enrol", call: fixed(webGet("/login/totp/enrol")), want: everyone(login)},
		{route: "POST /login/totp/enrol", call: fixed(post("/login/totp/enrol", url.Values{"totp": {"123456"}})), want: everyone(login)},
		{route: "GET /account/totp", call: fixed(webGet("/account/totp")), want: staffPage(signedIn(ok))},
		// An empty code: no guess counted against the matrix's accounts.
		{route: "POST /account/totp", call: fixed(post("/account/totp", url.Values{"totp": {""}})), want: staffPage(signedIn(pass))},

		{route: "GET /admin/users/{username}/oidc", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/admin/users/" + x.user[sc] + "/oidc")
		}, want: staffPage(manage)},
		{route: "POST /admin/users/{username}/oidc", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/admin/users/"+x.user[sc]+"/oidc", url.Values{"issuer": {matrixIssuer}, "subject": {x.newCode("matrix-web-")}})
		}, want: staffPage(manage)},
		{route: "POST /admin/users/{username}/oidc/{id}/delete", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/admin/users/"+x.user[sc]+"/oidc/"+x.oidcLink(sc)+"/delete", url.Values{})
		}, want: staffPage(manage)},
		{route: "POST /admin/users/{username}/totp/reset", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/admin/users/"+x.user[sc]+"/totp/reset", url.Values{})
		}, want: staffPage(manage)},
		{route: "GET /admin/orgs/{code}/security", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/admin/orgs/" + x.centre[sc] + "/security")
		}, want: staffPage(security)},
		{route: "POST /admin/orgs/{code}/security", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/admin/orgs/"+x.centre[sc]+"/security", url.Values{})
		}, want: staffPage(security)},

		{route: "POST /api/v1/auth/oidc/backchannel-logout", call: fixed(apiSend("POST", "/auth/oidc/backchannel-logout", nil)), want: everyone(notFound)},
		{route: "GET /api/v1/users/{username}/oidc-links", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/users/" + x.user[sc] + "/oidc-links")
		}, want: manage},
		{route: "POST /api/v1/users/{username}/oidc-links", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/users/"+x.user[sc]+"/oidc-links", map[string]string{"issuer": matrixIssuer, "subject": x.newCode("matrix-api-")})
		}, want: manage},
		{route: "DELETE /api/v1/users/{username}/oidc-links/{id}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("DELETE", "/users/"+x.user[sc]+"/oidc-links/"+x.oidcLink(sc), nil)
		}, want: manage},
		{route: "DELETE /api/v1/users/{username}/totp", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("DELETE", "/users/"+x.user[sc]+"/totp", nil)
		}, want: manage},
		{route: "GET /api/v1/orgs/{code}/security-settings", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/orgs/" + x.centre[sc] + "/security-settings")
		}, want: refusedOut(scoped(or(admin, securityAdmin), reachesCentre))},
		{route: "PUT /api/v1/orgs/{code}/security-settings", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("PUT", "/orgs/"+x.centre[sc]+"/security-settings", map[string]any{"totp_roles": []string{}})
		}, want: refusedOut(scoped(or(admin, securityAdmin), reachesCentre))},
	}
}
