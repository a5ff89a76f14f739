package app_test

import (
	"net/url"
	"sync"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
	"zwfw/internal/catalog"
)

// 电子证照 (issue 13): anyone verifies; the holder and the staff whose
// subtree holds the issuing department read and download a licence; the
// issuing department's reviewers and the administrators in scope revoke,
// suspend, resume and change it (licence.May); the wallet is the holder's.
// Licences are issued by departments (a county's), so the rows use the two
// counties' scopes.
var licenceScopes = []scope{inCounty, inCounty2}

func licenceRows() []row {
	stable := func(x *fixtures, sc scope) string { return x.licenceIn(sc) }
	reader := scoped(anyone, or(owner, reachesDept))
	decider := scoped(roles(zwfw.RoleReviewer, zwfw.RoleAdmin), reachesDept)
	isApplicant := func(c cell) bool { return c.a.applicant() }
	return []row{
		{route: "GET /verify", call: fixed(webGet("/verify")), want: everyone(ok)},
		{route: "POST /verify", on: licenceScopes, call: func(x *fixtures, sc scope) request {
			return post("/verify", url.Values{"identifier": {stable(x, sc)}})
		}, want: everyone(ok)},
		// No file: refused on its input (422), whoever sends it.
		{route: "POST /verify/file", call: fixed(post("/verify/file", nil)), want: everyone(other)},
		{route: "GET /verify/{identifier}", on: licenceScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/verify/" + stable(x, sc))
		}, want: everyone(ok)},
		{route: "GET /my/licences", on: licenceScopes, call: func(x *fixtures, sc scope) request {
			return listing(webGet("/my/licences"), stable(x, sc))
		}, want: applicantPage(listed(anyone, owner))},
		{route: "GET /licences/{identifier}/pdf", on: licenceScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/licences/" + stable(x, sc) + "/pdf")
		}, want: reader},
		{route: "GET /licences/{identifier}/json", on: licenceScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/licences/" + stable(x, sc) + "/json")
		}, want: reader},
		{route: "GET /work/licences", on: licenceScopes, call: func(x *fixtures, sc scope) request {
			return listing(webGet("/work/licences"), stable(x, sc))
		}, want: staffPage(listed(anyStaff, reachesDept))},
		{route: "GET /work/licences/{identifier}", on: licenceScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/work/licences/" + stable(x, sc))
		}, want: staffPage(scoped(anyStaff, reachesDept))},
		{route: "POST /work/licences/{identifier}/{action}", variant: "suspend", on: licenceScopes, call: func(x *fixtures, sc scope) request {
			return post("/work/licences/"+x.freshLicence(sc)+"/suspend", url.Values{"reason": {"授权矩阵测试暂停"}})
		}, want: staffPage(decider)},

		{route: "GET /api/v1/licences/{identifier}/verification", on: licenceScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/licences/" + stable(x, sc) + "/verification")
		}, want: everyone(ok)},
		// A body that is not a licence file is answered as a failed check.
		{route: "POST /api/v1/licences/verify", call: fixed(apiSend("POST", "/licences/verify", map[string]any{"format": "x"})), want: everyone(ok)},
		{route: "GET /api/v1/licences", on: licenceScopes, call: func(x *fixtures, sc scope) request {
			return listing(apiGet("/licences"), stable(x, sc))
		}, want: listed(anyStaff, reachesDept)},
		{route: "GET /api/v1/licences/{identifier}", on: licenceScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/licences/" + stable(x, sc))
		}, want: reader},
		{route: "GET /api/v1/licences/{identifier}/json", on: licenceScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/licences/" + stable(x, sc) + "/json")
		}, want: reader},
		{route: "GET /api/v1/licences/{identifier}/pdf", on: licenceScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/licences/" + stable(x, sc) + "/pdf")
		}, want: reader},
		{route: "POST /api/v1/licences/{identifier}/actions/{action}", variant: "suspend", on: licenceScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/licences/"+x.freshLicence(sc)+"/actions/suspend", map[string]any{"reason": "授权矩阵测试暂停"})
		}, want: decider},
		{route: "GET /api/v1/me/licences", on: licenceScopes, call: func(x *fixtures, sc scope) request {
			return listing(apiGet("/me/licences"), stable(x, sc))
		}, want: listed(isApplicant, owner)},
	}
}

// licenceItems are the items of the scopes' departments that issue a
// licence (made once per fixtures).
var licenceItems sync.Map // *fixtures → map[scope]string

// licenceItem is the scope's department's item with a licence type; the
// other county's department gets a credit code to issue under.
func (x *fixtures) licenceItem(sc scope) string {
	m, _ := licenceItems.LoadOrStore(x, map[scope]string{})
	items := m.(map[scope]string)
	if code, ok := items[sc]; ok {
		return code
	}
	if sc == inCounty2 {
		org8 := "MB001740" // 石泉县市场监管局's credit code: made up, valid check characters
		code := "11610922" + org8 + string(ident.OrgCodeCheck(org8))
		code += string(ident.CreditCheckChar(code))
		if _, err := x.e.App.DB.Exec(x.ctx, "UPDATE orgs SET credit_code = ? WHERE code = ?", code, x.dept(sc)); err != nil {
			x.t.Fatal(err)
		}
	}
	code := x.newItemCode(sc)
	it := apptest.TestItem(code, "矩阵电子证照事项"+code, x.dept(sc), false)
	it.Licence = &catalog.LicenceType{Name: "矩阵许可证", Code: "11100000MB0143028R009", Level: "county", Layout: "permit",
		Fields: []catalog.LicenceField{{Label: "持证者", Source: "holder"}, {Label: "许可证编号", Source: "number"}}}
	if _, err := x.e.App.Catalog.Create(x.ctx, zwfw.System, it, "授权矩阵测试事项"); err != nil {
		x.t.Fatal(err)
	}
	items[sc] = code
	return code
}

// issueLicence completes a case of the scope's applicant for the licence
// item and returns the licence it issued.
func (x *fixtures) issueLicence(sc scope) string {
	serial := x.e.Case(x.t, x.applicant[sc], x.licenceItem(sc), x.centre[sc], casework.Completed)
	c, err := x.e.App.Cases.Get(x.ctx, zwfw.System, serial)
	if err != nil || c.Result == nil || c.Result.Licence == "" {
		x.t.Fatalf("%s: completed case %s issued no licence: %v", sc, serial, err)
	}
	return c.Result.Licence
}

// stableLicences are the licences only read, per fixtures and scope.
var stableLicences sync.Map // *fixtures → map[scope]string

// licenceIn is a valid licence of the scope, only read.
func (x *fixtures) licenceIn(sc scope) string {
	m, _ := stableLicences.LoadOrStore(x, map[scope]string{})
	ls := m.(map[scope]string)
	if v, ok := ls[sc]; ok {
		return v
	}
	ls[sc] = x.issueLicence(sc)
	return ls[sc]
}

// prepareLicences issues the licences the rows only read, while the
// fixtures are made (newFixtures), before rows run side by side.
func (x *fixtures) prepareLicences() {
	for _, sc := range licenceScopes {
		x.licenceIn(sc)
	}
}

// freshLicence is a valid licence for an action that changes it.
func (x *fixtures) freshLicence(sc scope) string {
	return x.take("licence:"+string(sc), func() string { return x.issueLicence(sc) })
}
