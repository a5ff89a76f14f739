package app_test

import (
	"net/url"

	"zwfw/internal/casework"
)

// The online application form (issue 12 items 3 and 4): the apply page's
// background posts (the draft saved automatically, a material uploaded
// with progress) are the applicant's own; the printed 申请书 carries full
// ID numbers, so only those who may reveal them print it, for cases they
// see (the matrix item has no online form: refused on its state, 409).
func formRows() []row {
	submitted := func(x *fixtures, sc scope) string { return x.cases[sc][casework.Submitted] }
	return []row{
		{route: "POST /apply/{code}/autosave", on: []scope{inCounty, inCounty2}, call: func(x *fixtures, sc scope) request {
			return post("/apply/"+x.item[sc]+"/autosave", url.Values{"org_code": {x.centre[sc]}, "description": {"矩阵测试自动保存"}})
		}, want: applicantPage(signedIn(pass))},
		// No file: refused on its input (422), past authorization.
		{route: "POST /apply/{code}/upload", on: []scope{inCounty, inCounty2}, call: func(x *fixtures, sc scope) request {
			return post("/apply/"+x.item[sc]+"/upload", nil)
		}, want: applicantPage(signedIn(pass))},
		{route: "GET /work/cases/{serial}/form", on: caseScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/work/cases/" + submitted(x, sc) + "/form")
		}, want: staffPage(passing(scoped(revealers, seesCase)))},
	}
}
