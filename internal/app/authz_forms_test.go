package app_test

import (
	"net/url"
	"strconv"

	"zwfw/internal/casework"
)

// The online application form (issue 12 items 3 and 4): the apply page's
// background posts (the draft saved automatically, a material uploaded
// with progress) are the applicant's own; the printed 申请书 carries full
// ID numbers, so only those who may reveal them print it, for cases they
// see (the matrix item has no online form: refused on its state, 409).
func formRows() []row {
	submitted := func(x *fixtures, sc scope) string { return x.cases[sc][casework.Submitted] }
	itemScopes := []scope{inCounty, inCounty2}
	return []row{
		{route: "POST /apply/{code}/autosave", on: []scope{inCounty, inCounty2}, call: func(x *fixtures, sc scope) request {
			return post("/apply/"+x.item[sc]+"/autosave", url.Values{"org_code": {x.centre[sc]}, "description": {"矩阵测试自动保存"}})
		}, want: applicantPage(signedIn(pass))},
		// No file: refused on its input (422), past authorization.
		{route: "POST /apply/{code}/upload", on: []scope{inCounty, inCounty2}, call: func(x *fixtures, sc scope) request {
			return post("/apply/"+x.item[sc]+"/upload", nil)
		}, want: applicantPage(signedIn(pass))},
		// The form builder: as the item's own edit page.
		{route: "GET /admin/items/{code}/form", on: itemScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/admin/items/" + x.item[sc] + "/form")
		}, want: staffPage(refusedOut(scoped(catalogers, reachesDept)))},
		{route: "POST /admin/items/{code}/form", on: itemScopes, call: func(x *fixtures, sc scope) request {
			code := x.itemOf(sc)
			return post("/admin/items/"+code+"/form", url.Values{"title": {"矩阵测试申请表"}, "op": {"preview"},
				"fl.0.key": {"name"}, "fl.0.label": {"姓名"}, "fl.0.type": {"text"}, "base": {strconv.Itoa(x.itemVersion(code))}})
		}, want: staffPage(passing(refusedOut(scoped(catalogers, reachesDept))))},
		{route: "GET /work/cases/{serial}/form", on: caseScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/work/cases/" + submitted(x, sc) + "/form")
		}, want: staffPage(passing(scoped(revealers, seesCase)))},
	}
}
