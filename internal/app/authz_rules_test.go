package app_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
)

// The expected table: who may call each route, on an object of each scope.
//
// Rules read as the checks a request meets, in order: a visitor is sent to
// sign in (401, or the sign-in page); an account the route is not for is
// refused (403); an account that may act on such objects gets the object
// when it lies in its reach and 404 when not — it must not learn that the
// object exists. Reach is the account's organisation subtree
// (authz_test.go, actor.reaches), measured on the organisation paths the
// database gives the fixtures: a county's staff reach its towns, a town's
// staff only the town, nobody another county except the city.
//
// The predicates below name the roles and reaches of the issue; each row
// combines them. Where today's code differs and another change of issue 8
// fixes it, the cells carry pending("item N"); holes this matrix found
// that the issue does not list carry pending("new: …").

// who is a predicate over a cell.
type who func(c cell) bool

func roles(rs ...string) who { return func(c cell) bool { return c.a.is(rs...) } }

func anyStaff(c cell) bool { return c.a.staff() }

// owner: the applicant who filed the scope's cases.
func owner(c cell) bool { return c.a.applicant() && c.a.owns == c.sc }

func and(ps ...who) who {
	return func(c cell) bool {
		for _, p := range ps {
			if !p(c) {
				return false
			}
		}
		return true
	}
}

func or(ps ...who) who {
	return func(c cell) bool {
		for _, p := range ps {
			if p(c) {
				return true
			}
		}
		return false
	}
}

func not(p who) who { return func(c cell) bool { return !p(c) } }

var (
	admin      = roles(zwfw.RoleAdmin)
	supervisor = roles(zwfw.RoleSupervisor)
	window     = roles(zwfw.RoleWindow)
	reviewer   = roles(zwfw.RoleReviewer)
	cashier    = roles(zwfw.RoleCashier)
	catalogers = roles(zwfw.RoleCatalogAdmin, zwfw.RoleAdmin)
	// The other two of the three administrators (三员分立).
	securityAdmin = roles(zwfw.RoleSecurityAdmin)
	auditor       = roles(zwfw.RoleAuditAdmin)
)

// Reaches, by what an object of the scope belongs to.
func reachesRegion(c cell) bool { return c.a.reaches(c.x.path(c.x.region[c.sc])) }
func reachesCentre(c cell) bool { return c.a.reaches(c.x.path(c.x.centre[c.sc])) }
func reachesWindow(c cell) bool { return c.a.reaches(c.x.path(c.x.window[c.sc])) }
func reachesDept(c cell) bool   { return c.a.reaches(c.x.path(c.x.dept(c.sc))) }

// seesCase: the staff whose subtree holds the case's centre or department,
// and the applicant who filed it.
func seesCase(c cell) bool { return owner(c) || reachesCentre(c) || reachesDept(c) }

// aboveRegion: the account belongs to an organisation above the scope's
// region node (the city for a county; the county for a town).
func aboveRegion(c cell) bool {
	return reachesRegion(c) && c.a.path != c.x.path(c.x.region[c.sc])
}

// subjectOfError: the staff member the scope's registered error is about
// (it names the scope's window: whoever works there).
func subjectOfError(c cell) bool {
	return c.a.staff() && c.x.worksAt(c.a.name()) == c.x.window[c.sc]
}

// readsReport: the report of the scope's region is read by staff in its
// subtree and by staff below it (a county's bulletin is published to its
// towns).
func readsReport(c cell) bool {
	if !c.a.staff() {
		return false
	}
	p := c.x.path(c.x.region[c.sc])
	return strings.HasPrefix(p, c.a.path) || strings.HasPrefix(c.a.path, p)
}

// Rules.

func everyone(o outcome) rule { return func(cell) outcome { return o } }

// signedIn: visitors sign in; every account is served.
func signedIn(o outcome) rule {
	return func(c cell) outcome {
		if c.a.anon() {
			return login
		}
		return o
	}
}

// scoped is the rule of an object that belongs to an organisation: may
// says who may act on such objects at all, reach whether this one is within
// the actor's reach.
func scoped(may, reach who) rule {
	return func(c cell) outcome {
		switch {
		case c.a.anon():
			return login
		case !may(c) && !reach(c):
			return refused
		case !may(c):
			return forbidden
		case !reach(c):
			return notFound
		}
		return ok
	}
}

// unscoped: may says who may; there is no object to reach.
func unscoped(may who) rule {
	return func(c cell) outcome {
		switch {
		case c.a.anon():
			return login
		case !may(c):
			return forbidden
		}
		return ok
	}
}

// listed: a list filtered to the scope's object shows it to those who may
// read the list and reach the object; to others who may read the list it is
// hidden (left out, or the filter refused).
func listed(may, reach who) rule {
	return func(c cell) outcome {
		switch {
		case c.a.anon():
			return login
		case !may(c):
			return forbidden
		case !reach(c):
			return hidden
		}
		return ok
	}
}

// passing turns the ok of a rule into pass: the call may fail on its input
// or the object's state once authorization is passed (409, 422).
func passing(r rule) rule {
	return func(c cell) outcome {
		if o := r(c); o != ok {
			return o
		}
		return pass
	}
}

// staffPage: the pages for staff answer applicants with 403 before the
// rule applies.
func staffPage(r rule) rule {
	return func(c cell) outcome {
		if c.a.applicant() {
			return forbidden
		}
		return r(c)
	}
}

// applicantPage: the applicants' pages answer staff with 403.
func applicantPage(r rule) rule {
	return func(c cell) outcome {
		if c.a.staff() {
			return forbidden
		}
		return r(c)
	}
}

func pend(why string, when who) pending { return pending{why: why, when: when} }

// Calls.

func webGet(path string) request { return request{method: "GET", path: path} }

func apiGet(path string) request { return webGet("/api/v1" + path) }

func apiSend(method, path string, body any) request {
	if body == nil {
		body = map[string]any{}
	}
	return request{method: method, path: "/api/v1" + path, json: body}
}

func post(path string, form url.Values) request {
	if form == nil {
		form = url.Values{}
	}
	return request{method: "POST", path: path, form: form}
}

func listing(r request, marker string) request { r.marker = marker; return r }

func fixed(r request) func(*fixtures, scope) request {
	return func(*fixtures, scope) request { return r }
}

// itemBody is an item as the API takes it, with the reason and version.
func itemBody(code, dept string, version int) map[string]any {
	b, _ := json.Marshal(apptest.TestItem(code, "矩阵可变事项"+code, dept, false))
	m := map[string]any{}
	_ = json.Unmarshal(b, &m)
	for _, k := range []string{"status", "version", "updated_at"} {
		delete(m, k)
	}
	m["reason"] = "授权矩阵测试变更"
	if version > 0 {
		m["version"] = version
	}
	return m
}

// caseAction is one action on a case: the status it starts from, the API
// body, the page form, and who may take it.
type caseAction struct {
	action  string
	from    string
	body    casework.ActionInput
	form    url.Values
	may     who
	pending []pending
}

// handles: the reviewers who handle a case's review, decision and clock —
// the item's department, or the town whose centre the case was filed at
// (README: 城关镇's 部门审核人员 do the same work as the county's, within
// 城关镇). Windows do not: the clock belongs to whoever decides (item 10).
var handles = and(reviewer, or(reachesDept, reachesCentre))

// caseActions are the actions the matrix takes, each on a fresh case of
// each scope in the status it starts from.
var caseActions = []caseAction{
	{action: casework.ActAccept, from: casework.Submitted, may: and(window, reachesCentre)},
	{action: casework.ActNotifySupplement, from: casework.Submitted, body: casework.ActionInput{Items: []string{"申请书未签字"}},
		form: url.Values{"lines": {"申请书未签字"}}, may: and(window, reachesCentre)},
	{action: casework.ActReject, from: casework.Submitted, body: casework.ActionInput{Opinion: "不属于本机关职权", Basis: "行政许可法第三十二条"},
		form: url.Values{"opinion": {"不属于本机关职权"}, "basis": {"行政许可法第三十二条"}}, may: and(window, reachesCentre)},
	{action: casework.ActSupplement, from: casework.SupplementRequired,
		body: casework.ActionInput{Materials: []casework.MaterialInput{{Name: "申请书", HandedIn: "post"}}},
		form: url.Values{"mat": {"0"}}, may: or(owner, and(window, reachesCentre))},
	{action: casework.ActReview, from: casework.Accepted, body: casework.ActionInput{Opinion: "材料符合要求"},
		form: url.Values{"opinion": {"材料符合要求"}}, may: handles},
	// Only the department handling the current step starts a 特别程序 or
	// asks for an extension (issue 8 item 10; the README's 部门审核人员).
	{action: casework.ActSuspend, from: casework.Accepted, body: casework.ActionInput{Kind: "expert", Opinion: "需组织专家论证"},
		form: url.Values{"kind": {"expert"}, "opinion": {"需组织专家论证"}}, may: handles},
	{action: casework.ActResume, from: casework.Suspended, body: casework.ActionInput{Opinion: "论证结束"},
		form: url.Values{"opinion": {"论证结束"}}, may: handles},
	{action: casework.ActRequestExtension, from: casework.Accepted, body: casework.ActionInput{Days: 5, Opinion: "需征求相关部门意见"},
		form: url.Values{"days": {"5"}, "opinion": {"需征求相关部门意见"}}, may: handles},
	{action: casework.ActApproveExtension, from: "extension", body: casework.ActionInput{Opinion: "同意延期"},
		form: url.Values{"opinion": {"同意延期"}}, may: and(supervisor, or(reachesCentre, reachesDept))},
	{action: casework.ActApprove, from: casework.InProgress, body: casework.ActionInput{Opinion: "准予许可"},
		form: url.Values{"opinion": {"准予许可"}}, may: handles},
	{action: casework.ActDeny, from: casework.InProgress, body: casework.ActionInput{Opinion: "不符合条件", Basis: "行政许可法第三十八条"},
		form: url.Values{"opinion": {"不符合条件"}, "basis": {"行政许可法第三十八条"}}, may: handles},
	{action: casework.ActConfirmPayment, from: casework.AwaitingPayment, body: casework.ActionInput{Reference: "ICBC20260929"},
		form: url.Values{"reference": {"ICBC20260929"}}, may: and(cashier, reachesCentre)},
	{action: casework.ActComplete, from: casework.Approved, may: and(or(window, reviewer), or(reachesCentre, reachesDept))},
	{action: casework.ActDeliver, from: casework.Completed, body: casework.ActionInput{Delivery: &casework.Delivery{Method: "onsite"}},
		form: url.Values{"method": {"onsite"}}, may: and(window, reachesCentre)},
	{action: casework.ActArchive, from: casework.Delivered, may: and(window, reachesCentre)},
	{action: casework.ActEvaluate, from: casework.Completed, body: casework.ActionInput{Level: 1},
		may: or(owner, and(window, reachesCentre))},
	{action: casework.ActWithdraw, from: casework.Accepted, body: casework.ActionInput{Opinion: "不再办理"}, may: owner},
}

// The actions the workbench posts (the same rule as the API's).
var pageActions = []string{casework.ActAccept, casework.ActReview, casework.ActSuspend, casework.ActRequestExtension,
	casework.ActApproveExtension, casework.ActConfirmPayment, casework.ActDeliver}

func matrixRows() []row {
	var rows []row
	add := func(r ...row) { rows = append(rows, r...) }

	// ---- API: accounts ----
	add(
		row{route: "POST /api/v1/auth/login", call: fixed(apiSend("POST", "/auth/login",
			map[string]string{"username": "matrix.login", "password": apptest.DemoPassword})),
			// Anyone may sign in; a burst from one address may meet the
			// rate limit (429).
			want: everyone(pass)},
		row{route: "POST /api/v1/auth/logout", call: func(x *fixtures, sc scope) request {
			r := apiSend("POST", "/auth/logout", nil)
			r.freshSession = true
			return r
		}, want: signedIn(ok)},
		row{route: "GET /api/v1/auth/me", call: fixed(apiGet("/auth/me")), want: signedIn(ok)},
		// A wrong old password: the change is refused on its input (422),
		// past authorization; nobody's password changes.
		row{route: "POST /api/v1/auth/password", call: fixed(apiSend("POST", "/auth/password",
			map[string]string{"old_password": "Wrong@2026x", "new_password": "Matrix@2026new"})), want: signedIn(other)},
		// Anyone may register (a burst from one address may meet a limit).
		row{route: "POST /api/v1/auth/register", call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/auth/register", x.newApplicant())
		}, want: everyone(pass)},
	)

	// ---- API: organisations ----
	add(
		row{route: "GET /api/v1/orgs", call: fixed(apiGet("/orgs?limit=1")), want: everyone(ok)},
		row{route: "GET /api/v1/orgs/{code}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/orgs/" + x.region[sc])
		}, want: everyone(ok)},
		// Administrators add nodes inside their subtree.
		row{route: "POST /api/v1/orgs", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/orgs", map[string]any{"code": x.newCode(x.centre[sc] + "W8"), "parent_code": x.centre[sc],
				"kind": "window", "name": "矩阵新窗口", "window_type": "comprehensive"})
		}, want: refusedOut(scoped(admin, reachesCentre))},
		// Administrators change a window of their subtree.
		row{route: "PUT /api/v1/orgs/{code}", variant: "window", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("PUT", "/orgs/"+x.window[sc], x.orgInput(x.window[sc], true))
		}, want: refusedOut(scoped(admin, reachesWindow))},
		// Moving a window of the scope under the centre of another scope:
		// both ends must lie in the administrator's subtree (item 4 moves
		// what lies below).
		row{route: "PUT /api/v1/orgs/{code}", variant: "move", on: allScopes, call: func(x *fixtures, sc scope) request {
			in := x.orgInput(x.windowOrg(sc), true)
			in.ParentCode = x.centre[moveTarget(sc)]
			return apiSend("PUT", "/orgs/"+in.Code, in)
		}, want: refusedOut(scoped(admin, reachesCentre)), moveTo: true},
		// A region node is changed (here: deactivated) only by the
		// administrators above it: a town administrator cannot deactivate
		// its own town, nor a county's its county (item 3).
		row{route: "PUT /api/v1/orgs/{code}", variant: "deactivate region", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("PUT", "/orgs/"+x.region[sc], x.orgInput(x.region[sc], false))
		}, want: refusedOut(scoped(admin, aboveRegion)),
			after: func(x *fixtures, sc scope) { x.reactivate(x.region[sc]) }},
	)

	// ---- API: accounts of staff and applicants ----
	add(
		row{route: "GET /api/v1/users", variant: "staff", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(apiGet("/users?q="+x.user[sc]), `"`+x.user[sc]+`"`)
		}, want: listed(admin, reachesCentre)},
		// Applicants are listed to the administrators of the county they
		// belong to, and to staff through the cases of theirs they see
		// (item 5).
		row{route: "GET /api/v1/users", variant: "applicants", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(apiGet("/users?kind=applicant&q="+x.applicant[sc]), `"`+x.applicant[sc]+`"`)
		}, want: listed(admin, knowsApplicant)},
		row{route: "POST /api/v1/users", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/users", map[string]any{"username": x.newCode("matrix.new"), "password": "Matrix@2026pw", "name": "矩阵新人",
				"roles": []string{"window"}, "org_code": x.centre[sc], "window_code": x.window[sc], "phone": "0915-6826789"})
		}, want: refusedOut(scoped(admin, reachesCentre))},
		row{route: "PUT /api/v1/users/{username}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("PUT", "/users/"+x.user[sc], x.userInput(sc))
		}, want: scoped(admin, reachesCentre)},
		// Moving an account of the scope to the centre of another scope
		// (see moveTarget): both ends must lie in the administrator's subtree.
		row{route: "PUT /api/v1/users/{username}", variant: "move", on: allScopes, call: func(x *fixtures, sc scope) request {
			in := x.userInput(sc)
			in.Username = x.freshUser(sc)
			to := moveTarget(sc)
			in.OrgCode, in.WindowCode = x.centre[to], x.window[to]
			return apiSend("PUT", "/users/"+in.Username, in)
		}, want: refusedOut(scoped(admin, reachesCentre)), moveTo: true},
		row{route: "POST /api/v1/users/{username}/unlock", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/users/"+x.user[sc]+"/unlock", nil)
		}, want: scoped(or(admin, securityAdmin), reachesCentre)},
	)

	// ---- API: the catalog (public to read; its administrators change it
	// for the departments of their subtree) ----
	itemScopes := []scope{inCounty, inCounty2}
	add(
		row{route: "GET /api/v1/items", call: fixed(apiGet("/items?limit=1")), want: everyone(ok)},
		row{route: "GET /api/v1/items/{code}", on: itemScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/items/" + x.item[sc])
		}, want: everyone(ok)},
		row{route: "POST /api/v1/items", on: itemScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/items", itemBody(x.newItemCode(sc), x.dept(sc), 0))
		}, want: refusedOut(scoped(catalogers, reachesDept))},
		row{route: "PUT /api/v1/items/{code}", on: itemScopes, call: func(x *fixtures, sc scope) request {
			code := x.itemOf(sc)
			b := itemBody(code, x.dept(sc), x.itemVersion(code))
			b["conditions"] = x.newCode("申请人应当具有相应的经营场所（第") + "次变更）。"
			return apiSend("PUT", "/items/"+code, b)
		}, want: refusedOut(scoped(catalogers, reachesDept))},
		row{route: "POST /api/v1/items/{code}/cancel", on: itemScopes, call: func(x *fixtures, sc scope) request {
			code := x.itemOf(sc)
			return apiSend("POST", "/items/"+code+"/cancel", map[string]any{"reason": "授权矩阵测试取消", "version": x.itemVersion(code)})
		}, want: refusedOut(scoped(catalogers, reachesDept))},
		row{route: "GET /api/v1/items/{code}/versions", on: itemScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/items/" + x.item[sc] + "/versions")
		}, want: everyone(ok)},
		row{route: "GET /api/v1/catalog/export", call: fixed(apiGet("/catalog/export")), want: everyone(ok)},
		// An empty import is refused on its input, past authorization.
		row{route: "POST /api/v1/catalog/import", call: fixed(request{method: "POST", path: "/api/v1/catalog/import",
			upload: &upload{field: "file", name: "catalog.json", body: []byte("[]"), fields: url.Values{"reason": {"授权矩阵测试导入"}}}}),
			want: passing(unscoped(catalogers))},
		// Importing an item of the scope's department: the same rule as
		// creating it.
		row{route: "POST /api/v1/catalog/import", variant: "item", on: itemScopes, call: func(x *fixtures, sc scope) request {
			it := apptest.TestItem(x.newItemCode(sc), "矩阵导入事项", x.dept(sc), false)
			b, _ := json.Marshal([]any{it})
			return request{method: "POST", path: "/api/v1/catalog/import",
				upload: &upload{field: "file", name: "catalog.json", body: b, fields: url.Values{"reason": {"授权矩阵测试导入"}}}}
		}, want: refusedOut(scoped(catalogers, reachesDept))},
		// Applicants and windows upload materials, catalog administrators
		// attachments, supervisors evidence; nobody else uploads.
		row{route: "POST /api/v1/files", call: fixed(request{method: "POST", path: "/api/v1/files",
			upload: &upload{field: "file", name: "m.pdf", body: []byte("%PDF-1.4\n% matrix\n%%EOF\n")}}),
			want: func(c cell) outcome {
				if c.a.anon() {
					return login
				}
				// Without a purpose: materials for applicants and windows,
				// attachments for catalog administrators; supervisors name
				// the purpose evidence.
				if c.a.applicant() || c.a.is(zwfw.RoleWindow, zwfw.RoleCatalogAdmin, zwfw.RoleAdmin) {
					return pass
				}
				return forbidden
			}},
	)

	// ---- API: cases ----
	add(
		// Applicants apply online at any centre; windows file walk-in
		// applications at their own centre; nobody else files. An online
		// application from a window lacks the applicant, a walk-in one from
		// an applicant has one too many: refused on the input.
		row{route: "POST /api/v1/cases", variant: "online", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/cases", x.applyBody(sc, false))
		}, want: applyRule(false)},
		row{route: "POST /api/v1/cases", variant: "walk-in", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/cases", x.applyBody(sc, true))
		}, want: applyRule(true)},
		row{route: "GET /api/v1/cases", on: caseScopes, call: func(x *fixtures, sc scope) request {
			s := x.cases[sc][casework.Submitted]
			return listing(apiGet("/cases?q="+s), s)
		}, want: listed(anyone, seesCase)},
		row{route: "GET /api/v1/cases/{serial}", on: caseScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/cases/" + x.cases[sc][casework.Submitted])
		}, want: scoped(anyone, seesCase)},
		row{route: "POST /api/v1/cases/{serial}/reveal-ident", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/cases/"+x.cases[sc][casework.Submitted]+"/reveal-ident", map[string]string{"reason": "核验身份证原件"})
		}, want: staffOnlyAPI(scoped(revealers, seesCase))},
		row{route: "GET /api/v1/cases/{serial}/notices", on: caseScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/cases/" + x.cases[sc][casework.Accepted] + "/notices")
		}, want: scoped(anyone, seesCase)},
		row{route: "GET /api/v1/cases/{serial}/notices/{id}", on: caseScopes, call: func(x *fixtures, sc scope) request {
			return apiGet(fmt.Sprintf("/cases/%s/notices/%d", x.cases[sc][casework.Accepted], x.notice[sc]))
		}, want: scoped(anyone, seesCase)},
		row{route: "GET /api/v1/cases/{serial}/files/{id}", on: caseScopes, call: func(x *fixtures, sc scope) request {
			return apiGet(fmt.Sprintf("/cases/%s/files/%d", x.cases[sc][casework.Submitted], x.file[sc]))
		}, want: scoped(anyone, seesCase)},
		// A file of another case through this case's serial: nobody.
		row{route: "GET /api/v1/cases/{serial}/files/{id}", variant: "another case's file", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet(fmt.Sprintf("/cases/%s/files/%d", x.cases[sc][casework.Submitted], x.file[moveTarget(sc)]))
		}, want: scoped(anyone, func(cell) bool { return false })},
		// Anyone with the serial and the query code follows a case.
		row{route: "GET /api/v1/public/progress/{serial}", on: allScopes, call: func(x *fixtures, sc scope) request {
			s := x.cases[sc][casework.Submitted]
			return apiGet("/public/progress/" + s + "?code=" + x.queryCode(s))
		}, want: everyone(ok)},
		// The payment platform's callback carries its signature, never a
		// session: no account can confirm a payment through it.
		row{route: "POST /api/v1/payments/callback", call: fixed(apiSend("POST", "/payments/callback",
			map[string]any{"serial": "none", "amount_cents": 1000, "reference": "ICBC1", "signature": "forged"})), want: everyone(notOK)},
	)
	for _, ca := range caseActions {
		ca := ca
		add(row{route: "POST /api/v1/cases/{serial}/actions/{action}", variant: ca.action, on: allScopes,
			call: func(x *fixtures, sc scope) request {
				return apiSend("POST", "/cases/"+x.caseIn(sc, ca.from)+"/actions/"+ca.action, ca.body)
			}, want: scoped(ca.may, seesCase), pending: ca.pending})
	}

	// ---- API: audit ----
	add(
		// The trail of one case: staff who may see the case.
		row{route: "GET /api/v1/audit", variant: "case", on: caseScopes, call: func(x *fixtures, sc scope) request {
			s := x.cases[sc][casework.Submitted]
			return listing(apiGet("/audit?case="+s), `"case:`+s+`"`)
		}, want: staffOnlyAPI(scoped(anyStaff, seesCase))},
		// The whole log, newest first: the audit administrators alone
		// (三员分立), reading the entries of their subtree (item 2); system
		// and security administrators are refused. The call is made right
		// after an entry about the scope's case is written.
		row{route: "GET /api/v1/audit", variant: "all", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(apiGet("/audit?limit=20"), x.auditMark(sc))
		}, want: listed(auditor, seesCase), serial: true},
		// The log of an object: audit administrators, in their subtree.
		row{route: "GET /api/v1/audit", variant: "object", on: allScopes, call: func(x *fixtures, sc scope) request {
			s := x.cases[sc][casework.Submitted]
			return listing(apiGet("/audit?object=case:"+s), `"case:`+s+`"`)
		}, want: listed(auditor, seesCase)},
		// The security log and its export: the audit administrators alone,
		// in their subtree; the system and security administrators get 403.
		row{route: "GET /api/v1/security-events", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(apiGet("/security-events?kind=reveal&limit=50"), x.auditMark(sc))
		}, want: listed(auditor, seesCase), serial: true},
		row{route: "GET /api/v1/security-events/export", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(apiGet("/security-events/export?kind=reveal"), x.auditMark(sc))
		}, want: listed(auditor, seesCase), serial: true},
	)

	// ---- API: calendar (public to read; a county's administrators adjust
	// their county's, the city's everyone's; item 3) ----
	add(
		row{route: "GET /api/v1/calendar/workdays", call: fixed(apiGet("/calendar/workdays?from=2026-09-29&add=5")), want: everyone(ok)},
		row{route: "GET /api/v1/calendar/days", call: fixed(apiGet("/calendar/days?year=2026&month=10")), want: everyone(ok)},
		row{route: "GET /api/v1/calendar/adjustments", call: fixed(apiGet("/calendar/adjustments?year=2027")), want: everyone(ok)},
		row{route: "PUT /api/v1/calendar/adjustments/{date}", call: fixed(apiSend("PUT", "/calendar/adjustments/2027-06-23",
			map[string]string{"kind": "holiday", "note": "授权矩阵测试"})), want: unscoped(countyAdmin)},
		// Removing a county's adjustment (?org= names the county; today's
		// code ignores it and removes the platform's).
		row{route: "DELETE /api/v1/calendar/adjustments/{date}", on: []scope{inCounty, inCounty2}, call: func(x *fixtures, sc scope) request {
			return apiSend("DELETE", "/calendar/adjustments/2027-06-23?org="+x.region[sc], nil)
		}, want: refusedOut(scoped(admin, adminOfRegion))},
	)

	// ---- API: supervision ----
	add(
		// The dashboard of a region: supervisors and administrators, in
		// their subtree.
		row{route: "GET /api/v1/supervision/overview", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/supervision/overview?org=" + x.region[sc])
		}, want: refusedOut(scoped(or(supervisor, admin), reachesRegion))},
		// The warnings of the scope's overdue case, filtered to its region.
		row{route: "GET /api/v1/supervision/warnings", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(apiGet("/supervision/warnings?limit=200&org="+x.region[sc]), `"`+x.overdue[sc]+`"`)
		}, want: listed(or(supervisor, window, reviewer, admin), seesCase)},
		row{route: "GET /api/v1/reports", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(apiGet("/reports?kind=daily&limit=200"), x.reportNumber(sc))
		}, want: listed(anyStaff, readsReport)},
		row{route: "POST /api/v1/reports", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/reports", map[string]string{"kind": "daily", "period": "2026-09-28", "org": x.region[sc]})
		}, want: refusedOut(scoped(or(supervisor, admin), reachesRegion))},
		row{route: "GET /api/v1/reports/{id}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet(fmt.Sprintf("/reports/%d", x.report[sc]))
		}, want: scoped(anyStaff, readsReport)},
		row{route: "GET /api/v1/assessment/weights", call: fixed(apiGet("/assessment/weights")), want: unscoped(anyStaff)},
		// The weights belong to an organisation; its administrators set
		// them (item 3).
		row{route: "PUT /api/v1/assessment/weights", call: fixed(apiSend("PUT", "/assessment/weights",
			map[string]int{"on_time": 60, "satisfaction": 40, "error": 10, "complaint": 10})), want: unscoped(countyAdmin)},
		row{route: "POST /api/v1/errors", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/errors", map[string]any{"kind": "attitude", "window": x.window[sc], "description": "授权矩阵测试登记"})
		}, want: refusedOut(scoped(supervisor, reachesWindow))},
		row{route: "GET /api/v1/errors", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(apiGet("/errors?limit=200"), fmt.Sprintf(`{"id":%d,`, x.errorRec[sc]))
		}, want: listed(anyStaff, mayReadError)},
		row{route: "GET /api/v1/errors/{id}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet(fmt.Sprintf("/errors/%d", x.errorRec[sc]))
		}, want: scoped(anyStaff, mayReadError)},
		// The staff an error is about answer it; supervisors decide it.
		row{route: "POST /api/v1/errors/{id}/actions/{action}", variant: "respond", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", fmt.Sprintf("/errors/%d/actions/respond", x.errorRec[sc]), map[string]string{"text": "已整改"})
		}, want: scoped(subjectOfError, mayReadError)},
		row{route: "POST /api/v1/errors/{id}/actions/{action}", variant: "confirm", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", fmt.Sprintf("/errors/%s/actions/confirm", x.errorIn(sc)), map[string]string{"text": "情况属实"})
		}, want: scoped(supervisor, mayReadError)},
		row{route: "GET /api/v1/errors/{id}/files/{file}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet(fmt.Sprintf("/errors/%d/files/%d", x.errorRec[sc], x.evidence[sc]))
		}, want: scoped(anyStaff, mayReadError)},
	)

	// ---- API: the hall's attendance (internal/attendance) ----
	add(
		// Staff punch for themselves; applicants have no attendance.
		row{route: "POST /api/v1/attendance/punches", call: fixed(apiSend("POST", "/attendance/punches", nil)), want: staffOnlyAPI(signedIn(ok))},
		// Devices sign in with their own token, never with a session.
		row{route: "POST /api/v1/attendance/device-punches", call: fixed(apiSend("POST", "/attendance/device-punches",
			map[string]any{"punches": []map[string]string{{"staff": "county.window", "at": "2026-10-12T08:45:00+08:00"}}})), want: everyone(login)},
		row{route: "GET /api/v1/attendance/summary", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/attendance/summary?org=" + x.centre[sc] + "&from=2026-10-12&to=2026-10-16")
		}, want: refusedOut(scoped(attendanceReaders, reachesCentre))},
		// Window staff request leave; staff without a window are told they
		// need none (422).
		row{route: "POST /api/v1/attendance/leaves", call: fixed(apiSend("POST", "/attendance/leaves",
			map[string]string{"kind": "personal", "from": "2026-10-13T09:00", "to": "2026-10-13T10:00", "reason": "授权矩阵测试"})), want: staffOnlyAPI(signedIn(pass))},
		row{route: "GET /api/v1/attendance/leaves", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(apiGet("/attendance/leaves"), fmt.Sprintf(`{"id":%d,`, x.leave[sc]))
		}, want: listed(anyStaff, readsAttendance)},
		row{route: "GET /api/v1/attendance/leaves/{id}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet(fmt.Sprintf("/attendance/leaves/%d", x.leave[sc]))
		}, want: scoped(anyStaff, readsAttendance)},
		// A rejection without a reason: refused on its input (422) once the
		// centre's manager is recognised; the leave stays pending.
		row{route: "POST /api/v1/attendance/leaves/{id}/actions/{action}", variant: "reject", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", fmt.Sprintf("/attendance/leaves/%d/actions/reject", x.leave[sc]), nil)
		}, want: passing(scoped(hallManagers, readsAttendance))},
		// Only the person on leave starts it.
		row{route: "POST /api/v1/attendance/leaves/{id}/actions/{action}", variant: "start", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", fmt.Sprintf("/attendance/leaves/%d/actions/start", x.leave[sc]), nil)
		}, want: scoped(nobody, readsAttendance)},
		row{route: "POST /api/v1/attendance/corrections", call: fixed(apiSend("POST", "/attendance/corrections",
			map[string]string{"at": "2026-10-13T08:45", "reason": "授权矩阵测试"})), want: staffOnlyAPI(signedIn(pass))},
		row{route: "GET /api/v1/attendance/corrections", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(apiGet("/attendance/corrections"), fmt.Sprintf(`{"id":%d,`, x.punchFix[sc]))
		}, want: listed(anyStaff, readsAttendance)},
		row{route: "POST /api/v1/attendance/corrections/{id}/actions/{action}", variant: "reject", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", fmt.Sprintf("/attendance/corrections/%d/actions/reject", x.punchFix[sc]), nil)
		}, want: passing(scoped(hallManagers, readsAttendance))},
		row{route: "GET /api/v1/attendance/posts", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(apiGet("/attendance/posts"), `"window":"`+x.window[sc]+`"`)
		}, want: listed(anyStaff, reachesWindow)},
		row{route: "GET /api/v1/attendance/windows", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(apiGet("/attendance/windows"), `"window":"`+x.window[sc]+`"`)
		}, want: listed(attendanceReaders, reachesWindow)},
		// An unknown account for the A post: refused on its input once the
		// manager is recognised; the posts stay as they are.
		row{route: "PUT /api/v1/attendance/posts/{window}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("PUT", "/attendance/posts/"+x.window[sc], map[string]string{"a": "nobody.here"})
		}, want: passing(scoped(hallManagers, reachesCentre))},
		// Only the window's B post takes it over; none of the matrix is.
		row{route: "POST /api/v1/attendance/posts/{window}/cover", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/attendance/posts/"+x.window[sc]+"/cover", nil)
		}, want: staffOnlyAPI(signedIn(forbidden))},
		// Handing back a cover one does not hold: 409 for any staff.
		row{route: "DELETE /api/v1/attendance/posts/{window}/cover", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("DELETE", "/attendance/posts/"+x.window[sc]+"/cover", nil)
		}, want: staffOnlyAPI(signedIn(other))},
		row{route: "POST /api/v1/attendance/devices", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/attendance/devices", map[string]string{"centre": x.centre[sc], "name": ""})
		}, want: passing(refusedOut(scoped(hallManagers, reachesCentre)))},
		// Board entries of a staff member of the scope: an over-long staff
		// number is refused on its input once the manager is recognised.
		row{route: "PUT /api/v1/attendance/profiles/{username}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("PUT", "/attendance/profiles/"+x.user[sc], map[string]string{"staff_no": strings.Repeat("9", 30)})
		}, want: passing(scoped(hallManagers, reachesCentre))},
		row{route: "PUT /api/v1/attendance/profiles/{username}/photo", on: allScopes, call: func(x *fixtures, sc scope) request {
			return request{method: "PUT", path: "/api/v1/attendance/profiles/" + x.user[sc] + "/photo", upload: &upload{field: "photo", name: "a.txt", body: []byte("not a photo")}}
		}, want: passing(scoped(hallManagers, reachesCentre))},
		// The boards are public.
		row{route: "GET /api/v1/boards/{centre}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/boards/" + x.centre[sc])
		}, want: everyone(ok)},
		row{route: "GET /api/v1/attendance/devices", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(apiGet("/attendance/devices"), fmt.Sprintf(`{"id":%d,`, x.device[sc]))
		}, want: listed(attendanceReaders, reachesCentre)},
		// Revoking a device: the first manager who may does it, the next
		// are told it is revoked already (409).
		row{route: "DELETE /api/v1/attendance/devices/{id}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("DELETE", fmt.Sprintf("/attendance/devices/%d", x.device[sc]), nil)
		}, want: passing(scoped(hallManagers, reachesCentre))},
		row{route: "PUT /api/v1/attendance/schedules/{centre}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("PUT", "/attendance/schedules/"+x.centre[sc], map[string]any{"opens": "25:00", "closes": "17:00", "early_minutes": 10})
		}, want: passing(scoped(hallManagers, reachesCentre))},
	)

	// ---- API: the account's own messages; the document ----
	add(
		row{route: "GET /api/v1/notifications", call: fixed(apiGet("/notifications")), want: signedIn(ok)},
		row{route: "POST /api/v1/notifications/read", call: fixed(apiSend("POST", "/notifications/read", nil)), want: signedIn(ok)},
		row{route: "GET /api/v1/openapi.json", call: fixed(apiGet("/openapi.json")), want: everyone(ok)},
	)

	rows = append(rows, hallRows()...)
	rows = append(rows, screenRows()...)
	rows = append(rows, formRows()...)
	rows = append(rows, dutyRows()...)
	rows = append(rows, complaintRows()...)
	rows = append(rows, reviewRows()...)
	rows = append(rows, appointmentRows()...)
	rows = append(rows, pageRows()...)
	rows = append(rows, inquiryRows()...)
	rows = append(rows, gongkaiRows()...)
	rows = append(rows, assessRows()...)
	rows = append(rows, payRows()...)
	rows = append(rows, smsRows()...)
	rows = append(rows, registerRows()...)
	rows = append(rows, pdfRows()...)
	rows = append(rows, esignRows()...)
	rows = append(rows, licenceRows()...)
	rows = append(rows, materialsRows()...)
	rows = append(rows, exchangeRows()...)
	rows = append(rows, oidcRows()...)
	rows = append(rows, cityRows()...)
	rows = append(rows, catalogRows()...)
	return rows
}

// revealers: the full identity number is for those who verify it — the
// window, the reviewing department, the supervisors.
var revealers = roles(zwfw.RoleWindow, zwfw.RoleReviewer, zwfw.RoleSupervisor)

// anyone who is signed in.
func anyone(c cell) bool { return !c.a.anon() }

// The hall's managers (大厅管理员) and the administrators manage a
// centre's attendance; they and the supervisors read it
// (attendance.MayManage, attendance.MayRead).
var (
	hallManagers      = roles(zwfw.RoleHallManager, zwfw.RoleAdmin)
	attendanceReaders = roles(zwfw.RoleHallManager, zwfw.RoleAdmin, zwfw.RoleSupervisor)
)

func readsAttendance(c cell) bool { return attendanceReaders(c) && reachesCentre(c) }

func nobody(cell) bool { return false }

// mayReadError: supervisors and administrators whose subtree holds the
// error's window, and the staff it is about.
func mayReadError(c cell) bool {
	return (c.a.is(zwfw.RoleSupervisor, zwfw.RoleAdmin) && reachesWindow(c)) || subjectOfError(c)
}

// moveTarget is the scope a move row moves the scope's object to: another
// town of the county, or (from there) 城关镇.
func moveTarget(sc scope) scope {
	if sc == inTown2 {
		return inTown
	}
	return inTown2
}

// adminOfApplicantCounty: the administrators of the county the scope's
// applicant belongs to (by the division code of the identity number), and
// the city's.
func adminOfApplicantCounty(c cell) bool {
	county := "610923"
	if c.sc == inCounty2 {
		county = c.x.c2.Code
	}
	return c.a.is(zwfw.RoleAdmin) && (c.a.org == "610900" || c.a.org == county)
}

// knowsApplicant: the administrators of the county the scope's applicant
// belongs to, and staff who see one of the applicant's cases — as
// casework's own list answers, which this cross-checks.
func knowsApplicant(c cell) bool {
	return adminOfApplicantCounty(c) || (c.a.staff() && c.x.seesCaseOf(c.a.name(), c.x.applicant[c.sc]))
}

// applyRule: applicants apply online anywhere; windows file for walk-in
// applicants at the centres in their subtree; the wrong kind of body is
// refused on its input.
func applyRule(walkIn bool) rule {
	return func(c cell) outcome {
		switch {
		case c.a.anon():
			return login
		case c.a.applicant() && walkIn:
			return other
		case c.a.applicant():
			return ok
		case !c.a.is(zwfw.RoleWindow):
			return forbidden
		case !walkIn:
			return other
		case !reachesCentre(c):
			return refused
		}
		return ok
	}
}

// adminOfRegion: the administrators of the scope's region node itself (a
// county's settings are its own: not even the city's administrators
// change them; org.MaySetSettings).
func adminOfRegion(c cell) bool {
	return c.a.is(zwfw.RoleAdmin) && c.a.org == c.x.region[c.sc]
}

// countyAdmin: the administrators of a county or of the city.
func countyAdmin(c cell) bool {
	return c.a.is(zwfw.RoleAdmin) && (c.a.org == "610900" || c.a.org == "610923" || c.a.org == c.x.c2.Code)
}

// staffOnlyAPI: routes for staff answer applicants with 403.
func staffOnlyAPI(r rule) rule {
	return func(c cell) outcome {
		if c.a.applicant() {
			return forbidden
		}
		return r(c)
	}
}

// refusedOut: where the organisation is named in the body or a filter
// rather than by an object in the path, out of reach is any refusal (403,
// 404, or 422 on the field): the organisation tree is public.
func refusedOut(r rule) rule {
	return func(c cell) outcome {
		if o := r(c); o != notFound && o != refused {
			return o
		}
		return notOK
	}
}
