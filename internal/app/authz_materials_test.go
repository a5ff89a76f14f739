package app_test

import (
	"strconv"
	"strings"
)

// 材料库 and 免提交's rows (issue 13 items 5, 6). A library belongs to its
// owner, the applicant: 我的材料 and its API answer every applicant with
// their own (an empty one too) and refuse staff (403); taking an entry out
// is the owner's, another applicant finds no such entry (404). What can
// provide an item's materials is asked by an applicant for themselves. The
// submissions-saved statistic is the dashboard's: supervisors and
// administrators, within their subtree.
func materialsRows() []row {
	applicants := func(c cell) bool { return c.a.applicant() }
	return []row{
		{route: "GET /my/materials", call: fixed(webGet("/my/materials")), want: applicantPage(signedIn(ok))},
		{route: "POST /my/materials/{id}/remove", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/my/materials/"+x.libraryEntry(sc)+"/remove", nil)
		}, want: applicantPage(scoped(anyone, owner))},
		{route: "GET /api/v1/me/materials", call: fixed(apiGet("/me/materials")), want: unscoped(applicants)},
		{route: "GET /api/v1/items/{code}/reusable-materials", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/items/" + x.item[sc] + "/reusable-materials")
		}, want: unscoped(applicants)},
		{route: "GET /api/v1/supervision/submissions-saved", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/supervision/submissions-saved?org=" + x.region[sc])
		}, want: refusedOut(scoped(or(supervisor, admin), reachesRegion))},
	}
}

// libraryEntry is an entry still in the scope's applicant's library: a
// material of one of the scope's cases that were accepted (the fixtures
// file them before the matrix runs; filing more mid-run would meet the
// matrix's changes to notice settings).
func (x *fixtures) libraryEntry(sc scope) string {
	return x.take("library:"+string(sc), func() string {
		var serials []any
		for _, s := range x.cases[sc] {
			serials = append(serials, s)
		}
		var id int64
		err := x.e.App.DB.QueryRow(x.ctx, "SELECT COALESCE(MIN(id), 0) FROM material_library WHERE removed_at = 0 AND case_serial IN (?"+
			strings.Repeat(", ?", len(serials)-1)+")", serials...).Scan(&id)
		if err != nil || id == 0 {
			x.t.Fatalf("no library entry left among the cases of %s: %v", sc, err)
		}
		return strconv.FormatInt(id, 10)
	})
}
