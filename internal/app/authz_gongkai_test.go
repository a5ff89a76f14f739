package app_test

import (
	"net/url"
	"strconv"
	"sync"

	"zwfw"
	"zwfw/internal/disclosure"
)

// 政务公开's rows (issue 12 item 2). The published documents, their
// attachments, the search, the feed and the site marks are public. The
// staff's pages and API are for those who manage documents (事项管理员,
// 电子监察, 系统管理员); a document belongs to the scope's region, and
// staff whose subtree does not hold it get 404. Editors (事项管理员,
// 系统管理员) draft, revise and submit; reviewers (电子监察, 系统管理员)
// publish, return and withdraw — the matrix's documents are saved by the
// system, so the author's own hand never stops a reviewer here (that rule
// is in internal/disclosure's tests).

var (
	gkManagers  = roles(zwfw.RoleCatalogAdmin, zwfw.RoleSupervisor, zwfw.RoleAdmin)
	gkEditors   = roles(zwfw.RoleCatalogAdmin, zwfw.RoleAdmin)
	gkReviewers = roles(zwfw.RoleSupervisor, zwfw.RoleAdmin)
)

// gkCreate: editors draft in their subtree; an editor naming an
// organisation out of reach has the field refused (422).
func gkCreate(c cell) outcome {
	switch {
	case c.a.anon():
		return login
	case !gkEditors(c):
		return forbidden
	case !reachesRegion(c):
		return other
	}
	return ok
}

// gkSiteOfCounty: the deployment's county (610923) sets its footer marks
// by its own administrators only.
func gkSiteOfCounty(c cell) outcome {
	switch {
	case c.a.anon():
		return login
	case c.a.is(zwfw.RoleAdmin) && c.a.org == "610923":
		return ok
	}
	return forbidden
}

var gkState = struct {
	sync.Mutex
	stable map[*fixtures]map[string]string
}{stable: map[*fixtures]map[string]string{}}

// newDisclosure drafts a notice at the scope's region (with a PDF when
// attach) and takes it to state by the system's hand; it returns its id.
func (x *fixtures) newDisclosure(sc scope, state string, attach bool) string {
	c := disclosure.Content{Title: "矩阵测试通知", Body: "授权矩阵测试的通知公告正文。", Fields: map[string]string{"issuer": "矩阵测试单位"}}
	if attach {
		f, err := x.e.App.Files.PutBytes(x.ctx, zwfw.System, "矩阵.pdf", []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), "disclosure")
		if err != nil {
			x.t.Fatal(err)
		}
		c.Attachments = []disclosure.Attachment{{SHA256: f.SHA256, Name: f.Name, ContentType: f.ContentType, Size: f.Size}}
	}
	d, err := x.e.App.Disclosure.Create(x.ctx, zwfw.System, disclosure.KindNotice, x.region[sc], c)
	if err != nil {
		x.t.Fatalf("disclosure of %s: %v", sc, err)
	}
	steps := map[string][]string{disclosure.Review: {disclosure.ActSubmit}, disclosure.Published: {disclosure.ActSubmit, disclosure.ActPublish}}
	for _, a := range steps[state] {
		if _, err := x.e.App.Disclosure.Act(x.ctx, zwfw.System, d.ID, a, ""); err != nil {
			x.t.Fatalf("disclosure %d %s: %v", d.ID, a, err)
		}
	}
	return strconv.FormatInt(d.ID, 10)
}

// disclosureStable is the scope's document in state that only reads (and
// revisions, which keep a draft a draft) use.
func (x *fixtures) disclosureStable(sc scope, state string) string {
	gkState.Lock()
	defer gkState.Unlock()
	if gkState.stable[x] == nil {
		gkState.stable[x] = map[string]string{}
	}
	k := string(sc) + ":" + state
	v, ok := gkState.stable[x][k]
	if !ok {
		v = x.newDisclosure(sc, state, state == disclosure.Published)
		gkState.stable[x][k] = v
	}
	return v
}

// disclosureIn is a fresh document of the scope in state, used up by a
// call that succeeds.
func (x *fixtures) disclosureIn(sc scope, state string) string {
	return x.take("disclosure:"+string(sc)+":"+state, func() string { return x.newDisclosure(sc, state, false) })
}

// disclosureFile is the attachment of the scope's published document.
func (x *fixtures) disclosureFile(sc scope) (string, string) {
	id := x.disclosureStable(sc, disclosure.Published)
	n, _ := strconv.ParseInt(id, 10, 64)
	d, err := x.e.App.Disclosure.Public(x.ctx, n)
	if err != nil || len(d.Attachments) == 0 {
		x.t.Fatalf("published disclosure %s: %v", id, err)
	}
	return id, d.Attachments[0].SHA256
}

func gongkaiRows() []row {
	input := func(x *fixtures, sc scope) map[string]any {
		return map[string]any{"kind": "notice", "org": x.region[sc], "title": "矩阵测试通知", "body": "授权矩阵测试的通知公告正文。",
			"fields": map[string]string{"issuer": "矩阵测试单位"}}
	}
	form := func(x *fixtures, sc scope) url.Values {
		return url.Values{"kind": {"notice"}, "org": {x.region[sc]}, "title": {"矩阵测试通知"}, "body": {"授权矩阵测试的通知公告正文。"}, "f_issuer": {"矩阵测试单位"}}
	}
	type variant struct {
		action, state, reason string
		may                   who
	}
	variants := []variant{
		{disclosure.ActSubmit, disclosure.Draft, "", gkEditors},
		{disclosure.ActPublish, disclosure.Review, "", gkReviewers},
		{disclosure.ActReturn, disclosure.Review, "矩阵测试退回", gkReviewers},
		{disclosure.ActWithdraw, disclosure.Published, "矩阵测试撤回", gkReviewers},
	}
	rows := []row{
		// API, public.
		{route: "GET /api/v1/disclosure/kinds", call: fixed(apiGet("/disclosure/kinds")), want: everyone(ok)},
		{route: "GET /api/v1/disclosure/documents", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(apiGet("/disclosure/documents?limit=100&kind=notice"), `"id":`+x.disclosureStable(sc, disclosure.Published)+`,`)
		}, want: everyone(ok)},
		{route: "GET /api/v1/disclosure/documents/{id}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/disclosure/documents/" + x.disclosureStable(sc, disclosure.Published))
		}, want: everyone(ok)},
		{route: "GET /api/v1/disclosure/site/{org}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/disclosure/site/" + x.region[sc])
		}, want: everyone(ok)},
		// API, staff.
		{route: "GET /api/v1/disclosure/managed", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(apiGet("/disclosure/managed?state=draft"), `"id":`+x.disclosureStable(sc, disclosure.Draft)+`,`)
		}, want: listed(gkManagers, reachesRegion)},
		{route: "POST /api/v1/disclosure/managed", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/disclosure/managed", input(x, sc))
		}, want: gkCreate},
		{route: "GET /api/v1/disclosure/managed/{id}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/disclosure/managed/" + x.disclosureStable(sc, disclosure.Draft))
		}, want: scoped(gkManagers, reachesRegion)},
		{route: "PUT /api/v1/disclosure/managed/{id}", on: allScopes, call: func(x *fixtures, sc scope) request {
			b := input(x, sc)
			delete(b, "kind")
			delete(b, "org")
			return apiSend("PUT", "/disclosure/managed/"+x.disclosureStable(sc, disclosure.Draft), b)
		}, want: scoped(gkEditors, reachesRegion)},
		{route: "PUT /api/v1/disclosure/site/{org}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("PUT", "/disclosure/site/"+x.region[sc], map[string]string{})
		}, want: complaintLimits},

		// Public pages.
		{route: "GET /gongkai", call: fixed(webGet("/gongkai")), want: everyone(ok)},
		{route: "GET /gongkai/docs", call: fixed(webGet("/gongkai/docs?q=" + url.QueryEscape("矩阵测试"))), want: everyone(ok)},
		{route: "GET /gongkai/docs/{id}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/gongkai/docs/" + x.disclosureStable(sc, disclosure.Published))
		}, want: everyone(ok)},
		{route: "GET /gongkai/docs/{id}/files/{sha}", on: allScopes, call: func(x *fixtures, sc scope) request {
			id, sha := x.disclosureFile(sc)
			return webGet("/gongkai/docs/" + id + "/files/" + sha)
		}, want: everyone(ok)},
		{route: "GET /gongkai/feed.xml", call: fixed(webGet("/gongkai/feed.xml")), want: everyone(ok)},

		// Staff pages.
		{route: "GET /admin/gongkai", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(webGet("/admin/gongkai"), `href="/admin/gongkai/`+x.disclosureStable(sc, disclosure.Draft)+`"`)
		}, want: staffPage(listed(gkManagers, reachesRegion))},
		{route: "GET /admin/gongkai/new", call: fixed(webGet("/admin/gongkai/new?kind=notice")), want: staffPage(unscoped(gkEditors))},
		{route: "POST /admin/gongkai", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/admin/gongkai", form(x, sc))
		}, want: staffPage(gkCreate)},
		{route: "GET /admin/gongkai/{id}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/admin/gongkai/" + x.disclosureStable(sc, disclosure.Draft))
		}, want: staffPage(scoped(gkManagers, reachesRegion))},
		{route: "POST /admin/gongkai/{id}", on: allScopes, call: func(x *fixtures, sc scope) request {
			v := form(x, sc)
			v.Del("kind")
			v.Del("org")
			return post("/admin/gongkai/"+x.disclosureStable(sc, disclosure.Draft), v)
		}, want: staffPage(scoped(gkEditors, reachesRegion))},
		{route: "GET /admin/gongkai/{id}/files/{sha}", on: allScopes, call: func(x *fixtures, sc scope) request {
			id, sha := x.disclosureFile(sc)
			return webGet("/admin/gongkai/" + id + "/files/" + sha)
		}, want: staffPage(scoped(gkManagers, reachesRegion))},
		{route: "GET /admin/gongkai/site", call: fixed(webGet("/admin/gongkai/site")), want: staffPage(unscoped(anyStaff))},
		{route: "POST /admin/gongkai/site", call: fixed(post("/admin/gongkai/site", url.Values{"id_code": {""}})), want: staffPage(gkSiteOfCounty)},
	}
	for _, v := range variants {
		rows = append(rows,
			row{route: "POST /api/v1/disclosure/managed/{id}/actions/{action}", variant: v.action, on: allScopes, call: func(x *fixtures, sc scope) request {
				return apiSend("POST", "/disclosure/managed/"+x.disclosureIn(sc, v.state)+"/actions/"+v.action, map[string]string{"reason": v.reason})
			}, want: scoped(v.may, reachesRegion)},
			row{route: "POST /admin/gongkai/{id}/actions/{action}", variant: v.action, on: allScopes, call: func(x *fixtures, sc scope) request {
				return post("/admin/gongkai/"+x.disclosureIn(sc, v.state)+"/actions/"+v.action, url.Values{"reason": {v.reason}})
			}, want: staffPage(scoped(v.may, reachesRegion))},
		)
	}
	return rows
}
