package app_test

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
)

// pageRows are the expected table of the pages: the same rules as the API
// behind the page wrappers (visitors are sent to sign in, applicants kept
// out of staff pages and staff out of applicants' pages, with 403).
func pageRows() []row {
	var rows []row
	add := func(r ...row) { rows = append(rows, r...) }
	caseOf := func(status string) func(*fixtures, scope) string {
		return func(x *fixtures, sc scope) string { return x.cases[sc][status] }
	}
	submitted := caseOf(casework.Submitted)
	accepted := caseOf(casework.Accepted)

	// ---- the hall: public ----
	add(
		row{route: "GET /static/{hash}/{name}", call: func(x *fixtures, sc scope) request { return webGet(x.asset) }, want: everyone(ok)},
		row{route: "GET /{$}", call: fixed(webGet("/")), want: everyone(ok)},
		row{route: "GET /items", call: fixed(webGet("/items?q=食品")), want: everyone(ok)},
		row{route: "GET /items/{code}", on: []scope{inCounty, inCounty2}, call: func(x *fixtures, sc scope) request {
			return webGet("/items/" + x.item[sc])
		}, want: everyone(ok)},
		row{route: "GET /items/{code}/files/{sha}", call: func(x *fixtures, sc scope) request {
			return webGet("/items/010100100000/files/" + x.itemSHA)
		}, want: everyone(ok)},
		row{route: "GET /towns/{code}", on: []scope{inTown, inTown2}, call: func(x *fixtures, sc scope) request {
			return webGet("/towns/" + x.region[sc])
		}, want: everyone(ok)},
		row{route: "POST /care", call: fixed(post("/care", url.Values{"on": {"1"}, "next": {"/"}})), want: everyone(ok)},
	)

	// ---- accounts ----
	add(
		row{route: "GET /login", call: fixed(webGet("/login")), want: everyone(ok)},
		// Signing in and registering happen in a browser of their own (they
		// set the session cookie); a burst may meet the rate limit.
		row{route: "POST /login", call: func(x *fixtures, sc scope) request {
			r := post("/login", url.Values{"username": {"matrix.login"}, "password": {apptest.DemoPassword}})
			r.isolated = true
			return r
		}, want: everyone(pass)},
		row{route: "GET /register", call: fixed(webGet("/register")), want: everyone(ok)},
		row{route: "POST /register", call: func(x *fixtures, sc scope) request {
			in := x.newApplicant()
			r := post("/register", url.Values{"username": {in["username"]}, "password": {in["password"]}, "password2": {in["password"]},
				"name": {in["name"]}, "phone": {in["phone"]}, "id_number": {in["id_number"]}, "kind": {"person"},
				"sms_code": {in["sms_code"]}, "privacy": {in["privacy_version"]}})
			r.isolated = true
			return r
			// Registered and signed in: on to 我的办件 (issue 12 item 7).
		}, want: everyone(ok)},
		row{route: "POST /logout", call: func(x *fixtures, sc scope) request {
			r := post("/logout", nil)
			r.freshSession = true
			return r
		}, want: everyone(ok)},
		row{route: "GET /account", call: fixed(webGet("/account")), want: signedIn(ok)},
		row{route: "POST /account/password", call: fixed(post("/account/password", url.Values{"old_password": {"Wrong@2026x"},
			"new_password": {"Matrix@2026new"}, "new_password2": {"Matrix@2026new"}})), want: signedIn(other)},
		// The idle warning's 继续: every signed-in account keeps its own
		// session alive.
		row{route: "POST /account/keepalive", call: fixed(post("/account/keepalive", url.Values{})), want: signedIn(ok)},
	)

	// ---- administration ----
	canAdmin := admin
	add(
		row{route: "GET /admin", call: fixed(webGet("/admin")), want: staffPage(unscoped(anyStaff))},
		row{route: "GET /admin/orgs", call: fixed(webGet("/admin/orgs")), want: staffPage(unscoped(canAdmin))},
		row{route: "GET /admin/orgs/new", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/admin/orgs/new?parent=" + x.centre[sc] + "&kind=window")
		}, want: staffPage(refusedOut(scoped(canAdmin, reachesCentre)))},
		row{route: "POST /admin/orgs", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/admin/orgs", url.Values{"code": {x.newCode(x.centre[sc] + "W7")}, "parent_code": {x.centre[sc]}, "kind": {"window"},
				"name": {"矩阵新窗口"}, "window_type": {"comprehensive"}, "active": {"1"}})
		}, want: staffPage(refusedOut(scoped(canAdmin, reachesCentre)))},
		row{route: "GET /admin/orgs/{code}/edit", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/admin/orgs/" + x.window[sc] + "/edit")
		}, want: staffPage(refusedOut(scoped(canAdmin, reachesWindow)))},
		row{route: "POST /admin/orgs/{code}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/admin/orgs/"+x.window[sc], x.orgForm(x.window[sc]))
		}, want: staffPage(refusedOut(scoped(canAdmin, reachesWindow)))},
		row{route: "POST /admin/orgs/{code}/active", variant: "window", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/admin/orgs/"+x.windowOrg(sc)+"/active", url.Values{"active": {"0"}})
		}, want: staffPage(refusedOut(scoped(canAdmin, reachesCentre)))},
		row{route: "POST /admin/orgs/{code}/active", variant: "region", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/admin/orgs/"+x.region[sc]+"/active", url.Values{"active": {"0"}})
		}, want: staffPage(refusedOut(scoped(canAdmin, aboveRegion))),
			after: func(x *fixtures, sc scope) { x.reactivate(x.region[sc]) }},

		row{route: "GET /admin/users", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(webGet("/admin/users?q="+x.user[sc]), "/admin/users/"+x.user[sc]+"/edit")
		}, want: staffPage(listed(canAdmin, reachesCentre))},
		row{route: "GET /admin/users", variant: "applicants", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(webGet("/admin/users?kind=applicant&q="+x.applicant[sc]), `data-label="用户名">`+x.applicant[sc]+"<")
		}, want: staffPage(listed(canAdmin, knowsApplicant))},
		row{route: "GET /admin/users/new", call: fixed(webGet("/admin/users/new")), want: staffPage(unscoped(canAdmin))},
		row{route: "POST /admin/users", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/admin/users", url.Values{"username": {x.newCode("matrix.page")}, "password": {"Matrix@2026pw"}, "name": {"矩阵新人"},
				"roles": {"window"}, "org_code": {x.centre[sc]}, "window_code": {x.window[sc]}, "phone": {"0915-6826789"}, "active": {"1"}})
		}, want: staffPage(refusedOut(scoped(canAdmin, reachesCentre)))},
		row{route: "GET /admin/users/{username}/edit", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/admin/users/" + x.user[sc] + "/edit")
		}, want: staffPage(scoped(canAdmin, reachesCentre))},
		row{route: "POST /admin/users/{username}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/admin/users/"+x.user[sc], x.userForm(sc))
		}, want: staffPage(scoped(canAdmin, reachesCentre))},
		row{route: "POST /admin/users/{username}/password", on: allScopes, call: func(x *fixtures, sc scope) request {
			// A new password each time: a reset to one of the last five is
			// refused (password history).
			return post("/admin/users/"+x.user[sc]+"/password", url.Values{"password": {x.newCode("Matrix@2026reset")}})
		}, want: staffPage(scoped(canAdmin, reachesCentre))},
		row{route: "POST /admin/users/{username}/unlock", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/admin/users/"+x.user[sc]+"/unlock", nil)
		}, want: staffPage(scoped(or(canAdmin, securityAdmin), reachesCentre))},
	)
	itemScopes := []scope{inCounty, inCounty2}
	add(
		row{route: "GET /admin/items", call: fixed(webGet("/admin/items")), want: staffPage(unscoped(catalogers))},
		row{route: "GET /admin/items/new", call: fixed(webGet("/admin/items/new")), want: staffPage(unscoped(catalogers))},
		// An incomplete item: refused on its input once the department is
		// in the editor's subtree.
		row{route: "POST /admin/items", on: itemScopes, call: func(x *fixtures, sc scope) request {
			return post("/admin/items", url.Values{"code": {x.newItemCode(sc)}, "name": {"矩阵页面事项"}, "dept": {x.dept(sc)}, "reason": {"矩阵测试"}})
		}, want: staffPage(passing(refusedOut(scoped(catalogers, reachesDept))))},
		row{route: "GET /admin/items/{code}/edit", on: itemScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/admin/items/" + x.item[sc] + "/edit")
		}, want: staffPage(refusedOut(scoped(catalogers, reachesDept)))},
		row{route: "POST /admin/items/{code}", on: itemScopes, call: func(x *fixtures, sc scope) request {
			code := x.itemOf(sc)
			return post("/admin/items/"+code, url.Values{"name": {"矩阵页面事项"}, "dept": {x.dept(sc)}, "reason": {"矩阵测试"},
				"base": {strconv.Itoa(x.itemVersion(code))}})
		}, want: staffPage(passing(refusedOut(scoped(catalogers, reachesDept))))},
		row{route: "GET /admin/items/{code}/cancel", on: itemScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/admin/items/" + x.item[sc] + "/cancel")
		}, want: staffPage(refusedOut(scoped(catalogers, reachesDept)))},
		row{route: "POST /admin/items/{code}/cancel", on: itemScopes, call: func(x *fixtures, sc scope) request {
			code := x.itemOf(sc)
			return post("/admin/items/"+code+"/cancel", url.Values{"reason": {"授权矩阵测试取消"}, "base": {strconv.Itoa(x.itemVersion(code))}})
		}, want: staffPage(refusedOut(scoped(catalogers, reachesDept)))},
		row{route: "GET /admin/catalog/import", call: fixed(webGet("/admin/catalog/import")), want: staffPage(unscoped(catalogers))},
		// Without a file: refused on its input.
		row{route: "POST /admin/catalog/import", call: fixed(post("/admin/catalog/import", url.Values{"reason": {"矩阵测试"}})),
			want: staffPage(passing(unscoped(catalogers)))},
		// The catalog is public; its export is offered to staff.
		row{route: "GET /admin/catalog/export", call: fixed(webGet("/admin/catalog/export")), want: staffPage(unscoped(anyStaff))},
		// The security log and its export: the audit administrators alone
		// (三员分立), the events of their subtree. The call is made right
		// after a reveal about the scope's case is logged.
		row{route: "GET /admin/security", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(webGet("/admin/security?kind=reveal"), x.auditMark(sc))
		}, want: staffPage(listed(auditor, seesCase)), serial: true},
		// The security overview: the security administrators alone, the
		// accounts of their subtree (an account of the scope whose
		// password expired long ago).
		row{route: "GET /admin/security/accounts", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(webGet("/admin/security/accounts"), ">"+x.expiredUser(sc)+"<")
		}, want: staffPage(listed(securityAdmin, reachesCentre))},
		row{route: "GET /admin/security/export", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(webGet("/admin/security/export?kind=reveal"), x.auditMark(sc))
		}, want: staffPage(listed(auditor, seesCase)), serial: true},
	)

	// ---- the applicant's pages ----
	add(
		row{route: "GET /apply/{code}", on: []scope{inCounty, inCounty2}, call: func(x *fixtures, sc scope) request {
			return webGet("/apply/" + x.item[sc])
		}, want: applicantPage(signedIn(ok))},
		// Without the materials: refused on its input (or kept as a draft).
		row{route: "POST /apply/{code}", on: []scope{inCounty, inCounty2}, call: func(x *fixtures, sc scope) request {
			return post("/apply/"+x.item[sc], url.Values{"org_code": {x.centre[sc]}, "description": {"矩阵测试申请"}, "agree": {"1"}})
		}, want: applicantPage(signedIn(pass))},
		row{route: "GET /apply/submitted/{serial}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/apply/submitted/" + submitted(x, sc))
		}, want: applicantPage(scoped(anyone, owner))},
		row{route: "GET /my", call: fixed(webGet("/my")), want: applicantPage(signedIn(ok))},
		row{route: "POST /my/drafts/{id}/delete", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/my/drafts/"+x.draftOf(sc)+"/delete", nil)
		}, want: applicantPage(scoped(anyone, owner))},
		row{route: "GET /my/cases/{serial}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/my/cases/" + submitted(x, sc))
		}, want: applicantPage(scoped(anyone, owner))},
		// Staff open a material from the workbench through the same link.
		row{route: "GET /my/cases/{serial}/files/{id}", on: caseScopes, call: func(x *fixtures, sc scope) request {
			return webGet(fmt.Sprintf("/my/cases/%s/files/%d", submitted(x, sc), x.file[sc]))
		}, want: scoped(anyone, seesCase)},
		row{route: "POST /my/cases/{serial}/supplement", on: allScopes, call: func(x *fixtures, sc scope) request {
			s := x.caseIn(sc, casework.SupplementRequired)
			return post("/my/cases/"+s+"/supplement", url.Values{"version": {strconv.Itoa(x.version(s))}})
		}, want: applicantPage(passing(scoped(anyone, owner)))},
		row{route: "GET /my/cases/{serial}/withdraw", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/my/cases/" + accepted(x, sc) + "/withdraw")
		}, want: applicantPage(scoped(anyone, owner))},
		row{route: "POST /my/cases/{serial}/withdraw", on: allScopes, call: func(x *fixtures, sc scope) request {
			s := x.caseIn(sc, casework.Accepted)
			return post("/my/cases/"+s+"/withdraw", url.Values{"version": {strconv.Itoa(x.version(s))}, "reason": {"不再办理"}})
		}, want: applicantPage(scoped(anyone, owner))},
		row{route: "POST /my/cases/{serial}/evaluate", on: allScopes, call: func(x *fixtures, sc scope) request {
			s := x.caseIn(sc, casework.Completed)
			return post("/my/cases/"+s+"/evaluate", url.Values{"level": {"1"}, "comment": {"满意"}})
		}, want: applicantPage(scoped(anyone, owner))},
		row{route: "GET /my/messages", call: fixed(webGet("/my/messages")), want: applicantPage(signedIn(ok))},
		row{route: "POST /my/messages/read", call: fixed(post("/my/messages/read", nil)), want: applicantPage(signedIn(ok))},
		row{route: "GET /progress", call: fixed(webGet("/progress")), want: everyone(ok)},
		row{route: "GET /progress/{serial}", on: allScopes, call: func(x *fixtures, sc scope) request {
			s := submitted(x, sc)
			return webGet("/progress/" + s + "?code=" + x.queryCode(s))
		}, want: everyone(ok)},
		row{route: "GET /progress/{serial}/qr.png", on: allScopes, call: func(x *fixtures, sc scope) request {
			s := submitted(x, sc)
			return webGet("/progress/" + s + "/qr.png?code=" + x.queryCode(s))
		}, want: everyone(ok)},
		row{route: "GET /notices/{serial}/{id}", on: caseScopes, call: func(x *fixtures, sc scope) request {
			return webGet(fmt.Sprintf("/notices/%s/%d", accepted(x, sc), x.notice[sc]))
		}, want: scoped(anyone, seesCase)},
		row{route: "GET /notices/{serial}/{id}/qr.png", on: caseScopes, call: func(x *fixtures, sc scope) request {
			return webGet(fmt.Sprintf("/notices/%s/%d/qr.png", accepted(x, sc), x.notice[sc]))
		}, want: scoped(anyone, seesCase)},
	)

	// ---- the workbench ----
	add(
		row{route: "GET /work", call: fixed(webGet("/work")), want: staffPage(unscoped(anyStaff))},
		row{route: "GET /work", variant: "all cases", on: caseScopes, call: func(x *fixtures, sc scope) request {
			s := submitted(x, sc)
			return listing(webGet("/work?view=all&q="+s), "/work/cases/"+s)
		}, want: staffPage(listed(anyStaff, seesCase))},
		row{route: "GET /work/new", call: fixed(webGet("/work/new")), want: staffPage(unscoped(window))},
		// A walk-in application, at the clerk's own centre only.
		row{route: "POST /work/new", on: allScopes, call: func(x *fixtures, sc scope) request {
			id := "61092319800101001"
			return post("/work/new", url.Values{"item": {x.item[sc]}, "org": {x.centre[sc]}, "name": {"代办测试"}, "id_type": {"id"},
				"ident": {id + string(ident.IDCheckDigit(id))}, "phone": {"13991561111"}, "m0": {"window"}, "description": {"矩阵测试"}})
		}, want: staffPage(refusedOut(scoped(window, reachesCentre)))},
		row{route: "GET /work/cases/{serial}", on: caseScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/work/cases/" + submitted(x, sc))
		}, want: staffPage(scoped(anyStaff, seesCase))},
		row{route: "GET /work/cases/{serial}/files/{id}", on: caseScopes, call: func(x *fixtures, sc scope) request {
			return webGet(fmt.Sprintf("/work/cases/%s/files/%d", submitted(x, sc), x.file[sc]))
		}, want: staffPage(scoped(anyStaff, seesCase))},
		row{route: "POST /work/cases/{serial}/ident", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/work/cases/"+submitted(x, sc)+"/ident", url.Values{"reason": {"核验身份证原件"}})
		}, want: staffPage(scoped(revealers, seesCase))},
		// 当场办结 is for 即办件: the matrix's promised item is refused on
		// its kind, past authorization.
		row{route: "POST /work/cases/{serial}/instant", on: allScopes, call: func(x *fixtures, sc scope) request {
			s := x.caseIn(sc, casework.Submitted)
			return post("/work/cases/"+s+"/instant", url.Values{"version": {strconv.Itoa(x.version(s))}})
		}, want: staffPage(instantRule)},
		row{route: "GET /work/cases/{serial}/evaluate", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/work/cases/" + x.cases[sc][casework.Completed] + "/evaluate")
		}, want: staffPage(scoped(window, seesCase))},
		row{route: "POST /work/cases/{serial}/evaluate", on: allScopes, call: func(x *fixtures, sc scope) request {
			s := x.caseIn(sc, casework.Completed)
			return post("/work/cases/"+s+"/evaluate", url.Values{"level": {"1"}, "version": {strconv.Itoa(x.version(s))}})
		}, want: staffPage(scoped(window, seesCase))},
	)
	for _, name := range pageActions {
		var ca caseAction
		for _, c := range caseActions {
			if c.action == name {
				ca = c
			}
		}
		add(row{route: "POST /work/cases/{serial}/actions/{action}", variant: ca.action, on: allScopes,
			call: func(x *fixtures, sc scope) request {
				s := x.caseIn(sc, ca.from)
				f := url.Values{"version": {strconv.Itoa(x.version(s))}}
				for k, v := range ca.form {
					f[k] = v
				}
				return post("/work/cases/"+s+"/actions/"+ca.action, f)
			}, want: staffPage(scoped(ca.may, seesCase)), pending: ca.pending})
	}

	// ---- supervision ----
	add(
		row{route: "GET /supervision", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/supervision?org=" + x.region[sc])
		}, want: staffPage(refusedOut(scoped(or(supervisor, admin), reachesRegion)))},
		row{route: "GET /supervision/screen", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/supervision/screen?org=" + x.region[sc])
		}, want: staffPage(refusedOut(scoped(or(supervisor, admin), reachesRegion)))},
		// The drill-down list, narrowed to the scope's case.
		row{route: "GET /supervision/cases", on: caseScopes, call: func(x *fixtures, sc scope) request {
			s := submitted(x, sc)
			return listing(webGet("/supervision/cases?q="+s), "/work/cases/"+s)
		}, want: staffPage(listed(or(supervisor, admin), seesCase))},
		row{route: "GET /supervision/warnings", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(webGet("/supervision/warnings?org="+x.region[sc]), "/work/cases/"+x.overdue[sc])
		}, want: staffPage(listed(or(supervisor, window, reviewer, admin), seesCase))},
		row{route: "GET /supervision/reports", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(webGet("/supervision/reports?kind=daily"), x.reportNumber(sc))
		}, want: staffPage(listed(anyStaff, readsReport))},
		row{route: "POST /supervision/reports", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/supervision/reports", url.Values{"kind": {"daily"}, "period": {"2026-09-28"}, "org": {x.region[sc]}})
		}, want: staffPage(refusedOut(scoped(or(supervisor, admin), reachesRegion)))},
		row{route: "GET /supervision/reports/{id}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet(fmt.Sprintf("/supervision/reports/%d", x.report[sc]))
		}, want: staffPage(scoped(anyStaff, readsReport))},
		row{route: "GET /supervision/reports/{id}/xlsx", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet(fmt.Sprintf("/supervision/reports/%d/xlsx", x.report[sc]))
		}, want: staffPage(scoped(anyStaff, readsReport))},
		row{route: "GET /supervision/weights", call: fixed(webGet("/supervision/weights")), want: staffPage(unscoped(anyStaff))},
		row{route: "POST /supervision/weights", call: fixed(post("/supervision/weights", url.Values{"on_time": {"60"}, "satisfaction": {"40"},
			"error": {"10"}, "complaint": {"10"}})), want: staffPage(unscoped(countyAdmin))},
		// The attendance page: every staff member's own punches, leave and
		// corrections; the centre's managers decide, supervisors read.
		row{route: "GET /attendance", call: fixed(webGet("/attendance")), want: staffPage(unscoped(anyStaff))},
		row{route: "POST /attendance/punch", call: fixed(post("/attendance/punch", nil)), want: staffPage(unscoped(anyStaff))},
		row{route: "POST /attendance/leaves", call: fixed(post("/attendance/leaves", url.Values{"kind": {"personal"},
			"from": {"2026-10-14T09:00"}, "to": {"2026-10-14T10:00"}, "reason": {"授权矩阵测试"}})), want: staffPage(signedIn(pass))},
		row{route: "POST /attendance/leaves/{id}/actions/{action}", variant: "reject", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post(fmt.Sprintf("/attendance/leaves/%d/actions/reject", x.leave[sc]), nil)
		}, want: staffPage(passing(scoped(hallManagers, readsAttendance)))},
		row{route: "POST /attendance/corrections", call: fixed(post("/attendance/corrections", url.Values{"at": {"2026-10-14T08:45"},
			"reason": {"授权矩阵测试"}})), want: staffPage(signedIn(pass))},
		row{route: "POST /attendance/corrections/{id}/actions/{action}", variant: "reject", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post(fmt.Sprintf("/attendance/corrections/%d/actions/reject", x.punchFix[sc]), nil)
		}, want: staffPage(passing(scoped(hallManagers, readsAttendance)))},
		row{route: "POST /attendance/posts/{window}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/attendance/posts/"+x.window[sc], url.Values{"a": {"nobody.here"}})
		}, want: staffPage(passing(scoped(hallManagers, reachesCentre)))},
		row{route: "POST /attendance/posts/{window}/cover", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/attendance/posts/"+x.window[sc]+"/cover", nil)
		}, want: staffPage(signedIn(forbidden))},
		// Handing back a cover one does not hold: told so on the page.
		row{route: "POST /attendance/posts/{window}/handback", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/attendance/posts/"+x.window[sc]+"/handback", nil)
		}, want: staffPage(signedIn(other))},
		row{route: "GET /attendance/export", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/attendance/export?org=" + x.centre[sc] + "&from=2026-10-12&to=2026-10-16")
		}, want: staffPage(refusedOut(scoped(attendanceReaders, reachesCentre)))},
		// Registering a device needs a name: refused on its input once the
		// manager of the centre is recognised.
		row{route: "POST /attendance/devices", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/attendance/devices", url.Values{"centre": {x.centre[sc]}, "name": {""}})
		}, want: staffPage(passing(refusedOut(scoped(hallManagers, reachesCentre))))},
		row{route: "POST /attendance/devices/{id}/revoke", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post(fmt.Sprintf("/attendance/devices/%d/revoke", x.device[sc]), nil)
		}, want: staffPage(passing(scoped(hallManagers, reachesCentre)))},
		row{route: "POST /attendance/profiles/{username}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/attendance/profiles/"+x.user[sc], url.Values{"staff_no": {strings.Repeat("9", 30)}})
		}, want: staffPage(passing(scoped(hallManagers, reachesCentre)))},
		// The staff boards and their photos are public (公示牌).
		row{route: "GET /boards/{centre}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/boards/" + x.centre[sc])
		}, want: everyone(ok)},
		row{route: "GET /boards/photos/{sha}", call: func(x *fixtures, sc scope) request {
			return webGet("/boards/photos/" + x.photo)
		}, want: everyone(ok)},
		row{route: "GET /supervision/errors", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(webGet("/supervision/errors"), fmt.Sprintf("/supervision/errors/%d\"", x.errorRec[sc]))
		}, want: staffPage(listed(anyStaff, mayReadError))},
		row{route: "GET /supervision/errors/new", call: fixed(webGet("/supervision/errors/new")), want: staffPage(unscoped(supervisor))},
		row{route: "POST /supervision/errors", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/supervision/errors", url.Values{"kind": {"attitude"}, "window": {x.window[sc]}, "description": {"授权矩阵测试登记"}})
		}, want: staffPage(refusedOut(scoped(supervisor, reachesWindow)))},
		row{route: "GET /supervision/errors/{id}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet(fmt.Sprintf("/supervision/errors/%d", x.errorRec[sc]))
		}, want: staffPage(scoped(anyStaff, mayReadError))},
		row{route: "POST /supervision/errors/{id}/actions/{action}", variant: "respond", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post(fmt.Sprintf("/supervision/errors/%d/actions/respond", x.errorRec[sc]), url.Values{"text": {"已整改"}})
		}, want: staffPage(scoped(subjectOfError, mayReadError))},
		row{route: "POST /supervision/errors/{id}/actions/{action}", variant: "confirm", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post(fmt.Sprintf("/supervision/errors/%s/actions/confirm", x.errorIn(sc)), url.Values{"text": {"情况属实"}})
		}, want: staffPage(scoped(supervisor, mayReadError))},
		row{route: "GET /supervision/errors/{id}/files/{file}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet(fmt.Sprintf("/supervision/errors/%d/files/%d", x.errorRec[sc], x.evidence[sc]))
		}, want: staffPage(scoped(anyStaff, mayReadError))},
	)
	return rows
}

// instantRule: 当场办结 settles a 即办件 at the window; the matrix's item
// is promised, so a window that may see the case is refused on the kind
// (409); other staff who see the case are refused too, on the kind or the
// role (the kind is checked first today).
func instantRule(c cell) outcome {
	switch {
	case c.a.anon():
		return login
	case !seesCase(c):
		return notFound
	case c.a.is(zwfw.RoleWindow):
		return pass
	}
	return notOK
}
