package app_test

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/app/apptest"
	"zwfw/internal/inquiry"
)

// The first-inquiry register's rows (首问登记, issue 11 item 4) and the
// experiences' (办事体验, item 7). A record belongs to the window that
// answered first: window and department staff and centre managers
// (recorders) and supervisors and catalog administrators (readers) whose
// subtree holds it read it, others get 404, accounts the register is not
// for 403. A referral is acknowledged by the receiving department only;
// a FAQ is made by the catalog administrators who may edit the item. Online
// questions and their answers (with the code) are public; experiences are
// shared by applicants and moderated by the item's department's reviewers
// and the supervisors over it.

var (
	inqRecorders = roles(zwfw.RoleWindow, zwfw.RoleReviewer, zwfw.RoleHallManager)
	inqReaders   = roles(zwfw.RoleWindow, zwfw.RoleReviewer, zwfw.RoleHallManager, zwfw.RoleSupervisor, zwfw.RoleCatalogAdmin)
	moderators   = roles(zwfw.RoleReviewer, zwfw.RoleSupervisor)
)

// inqStable keeps the matrix's stable objects per instance (never used up).
var inqStable = map[*fixtures]map[string]string{}

func (x *fixtures) inqKeep(key string, make func() string) string {
	m := inqStable[x]
	if m == nil {
		m = map[string]string{}
		inqStable[x] = m
	}
	if v, ok := m[key]; ok {
		return v
	}
	v := make()
	m[key] = v
	return v
}

// inqClerk is a window clerk of the scope's centre at its window, who
// records the scope's inquiries (an account no other row changes).
func (x *fixtures) inqClerk(sc scope) *zwfw.Actor {
	name := x.inqKeep("clerk:"+string(sc), func() string {
		name := "matrix.inq." + string(sc)
		if _, err := x.e.App.Users.CreateStaff(x.ctx, zwfw.System, account.UserInput{Username: name, Password: apptest.DemoPassword,
			Name: "首问" + string(sc), Phone: "0915-6826789", Roles: []string{zwfw.RoleWindow}, OrgCode: x.centre[sc], WindowCode: x.window[sc], Post: "测试"}); err != nil {
			x.t.Fatal(err)
		}
		return name
	})
	return x.e.Actor(x.t, name)
}

func (x *fixtures) inqRecord(sc scope, in inquiry.Input) string {
	q, err := x.e.App.Inquiries.Create(x.ctx, x.inqClerk(sc), in)
	if err != nil {
		x.t.Fatalf("inquiry of %s: %v", sc, err)
	}
	return strconv.FormatInt(q.ID, 10)
}

// inqAnswered is the scope's answered record (stable).
func (x *fixtures) inqAnswered(sc scope) string {
	return x.inqKeep("answered:"+string(sc), func() string {
		return x.inqRecord(sc, inquiry.Input{Channel: inquiry.Visit, Question: "矩阵咨询" + string(sc), Item: x.item[sc], Answer: "矩阵答复"})
	})
}

// inqReferral is a fresh record of the scope referred to the scope's
// department.
func (x *fixtures) inqReferral(sc scope) string {
	return x.take("inq-referral:"+string(sc), func() string {
		return x.inqRecord(sc, inquiry.Input{Channel: inquiry.Phone, Question: "矩阵转办" + string(sc), ReferTo: x.dept(sc), Guidance: "请到部门办理"})
	})
}

// inqItem is a new item of the scope's department.
func (x *fixtures) inqItem(sc scope) string {
	code := x.newItemCode(sc)
	if _, err := x.e.App.Catalog.Create(x.ctx, zwfw.System, apptest.TestItem(code, "矩阵首问事项"+code, x.dept(sc), false), "授权矩阵测试事项"); err != nil {
		x.t.Fatal(err)
	}
	return code
}

// inqForFAQ is a fresh answered record about a new item of the scope.
func (x *fixtures) inqForFAQ(sc scope) string {
	return x.take("inq-faq:"+string(sc), func() string {
		return x.inqRecord(sc, inquiry.Input{Channel: inquiry.Visit, Question: "矩阵常见问题" + string(sc), Item: x.inqItem(sc), Answer: "矩阵答复"})
	})
}

// inqOnline is an online question and its code (stable).
func (x *fixtures) inqOnline() (string, string) {
	v := x.inqKeep("online", func() string {
		t, err := x.e.App.Inquiries.Ask(x.ctx, inquiry.AskInput{Question: "矩阵网上咨询"}, "203.0.113.1")
		if err != nil {
			x.t.Fatal(err)
		}
		return fmt.Sprintf("%d?code=%s", t.ID, t.QueryCode)
	})
	return v, ""
}

// inqExperience is a fresh pending experience of the scope's applicant
// about a new item of the scope's department.
func (x *fixtures) inqExperience(sc scope) string {
	return x.take("inq-exp:"+string(sc), func() string {
		e, err := x.e.App.Inquiries.Share(x.ctx, x.e.Actor(x.t, x.applicant[sc]), x.inqItem(sc), "矩阵办事体验")
		if err != nil {
			x.t.Fatal(err)
		}
		return strconv.FormatInt(e.ID, 10)
	})
}

// acknowledges: the receiving department's recorders; readers who see the
// record (its window, or the department) are refused, others do not find it.
func acknowledges(c cell) outcome {
	sees := reachesWindow(c) || reachesDept(c)
	switch {
	case c.a.anon():
		return login
	case !inqReaders(c):
		return forbidden
	case !sees:
		return notFound
	case !inqRecorders(c) || !reachesDept(c):
		return forbidden
	}
	return ok
}

// makesFAQ: catalog administrators who reach the record's window and the
// item's department.
func makesFAQ(c cell) outcome {
	switch {
	case c.a.anon():
		return login
	case !inqReaders(c):
		return forbidden
	case !reachesWindow(c):
		return notFound
	case !c.a.is(zwfw.RoleCatalogAdmin) || !reachesDept(c):
		return forbidden
	}
	return ok
}

// moderates: the reviewers and supervisors whose subtree holds the item's
// department; other staff in reach are refused, staff out of reach do not
// find it, applicants are refused.
func moderates(c cell) outcome {
	switch {
	case c.a.anon():
		return login
	case c.a.applicant():
		return forbidden
	case !reachesDept(c):
		return notFound
	case !moderators(c):
		return forbidden
	}
	return ok
}

// sharer: applicants share (a second pending account of an item is
// refused on its state); staff are refused.
func sharer(c cell) outcome {
	switch {
	case c.a.anon():
		return login
	case c.a.staff():
		return forbidden
	}
	return pass
}

func inquiryRows() []row {
	rec := func(x *fixtures, sc scope) string { return x.inqAnswered(sc) }
	return []row{
		// API
		{route: "GET /api/v1/inquiries", on: allScopes, call: func(x *fixtures, sc scope) request {
			x.inqAnswered(sc)
			return listing(apiGet("/inquiries?limit=500&channel=visit"), "矩阵咨询"+string(sc)+`"`)
		}, want: listed(inqReaders, reachesWindow)},
		{route: "POST /api/v1/inquiries", call: fixed(apiSend("POST", "/inquiries", map[string]any{"channel": "phone", "question": "矩阵来电", "answer": "已答复", "minutes": 2})),
			want: unscoped(inqRecorders)},
		{route: "GET /api/v1/inquiries/stats", call: fixed(apiGet("/inquiries/stats")), want: unscoped(inqReaders)},
		{route: "GET /api/v1/inquiries/{id}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/inquiries/" + rec(x, sc))
		}, want: scoped(inqReaders, reachesWindow)},
		// Answered already: past authorization, refused on its state (409).
		{route: "POST /api/v1/inquiries/{id}/answer", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/inquiries/"+rec(x, sc)+"/answer", map[string]any{"answer": "再答一次"})
		}, want: passing(scoped(inqRecorders, reachesWindow))},
		{route: "POST /api/v1/inquiries/{id}/refer", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/inquiries/"+rec(x, sc)+"/refer", map[string]any{"refer_to": x.dept(sc), "guidance": "请到部门办理"})
		}, want: passing(scoped(inqRecorders, reachesWindow))},
		{route: "POST /api/v1/inquiries/{id}/acknowledge", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/inquiries/"+x.inqReferral(sc)+"/acknowledge", nil)
		}, want: acknowledges},
		{route: "POST /api/v1/inquiries/{id}/faq", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/inquiries/"+x.inqForFAQ(sc)+"/faq", nil)
		}, want: makesFAQ},
		{route: "POST /api/v1/public/inquiries", call: fixed(apiSend("POST", "/public/inquiries", map[string]any{"question": "矩阵公开咨询"})), want: everyone(ok)},
		{route: "GET /api/v1/public/inquiries/{id}", call: func(x *fixtures, sc scope) request {
			q, _ := x.inqOnline()
			return apiGet("/public/inquiries/" + q)
		}, want: everyone(ok)},
		{route: "GET /api/v1/items/{code}/experiences", on: []scope{inCounty, inCounty2}, call: func(x *fixtures, sc scope) request {
			return apiGet("/items/" + x.item[sc] + "/experiences")
		}, want: everyone(ok)},
		{route: "POST /api/v1/items/{code}/experiences", on: []scope{inCounty, inCounty2}, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/items/"+x.item[sc]+"/experiences", map[string]any{"body": "矩阵体验"})
		}, want: sharer},
		{route: "GET /api/v1/experiences", call: fixed(apiGet("/experiences")), want: unscoped(moderators)},
		{route: "POST /api/v1/experiences/{id}/actions/{action}", variant: "approve", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/experiences/"+x.inqExperience(sc)+"/actions/approve", nil)
		}, want: moderates},

		// Pages
		{route: "GET /inquiries", call: fixed(webGet("/inquiries")), want: staffPage(unscoped(inqReaders))},
		{route: "GET /inquiries/new", call: fixed(webGet("/inquiries/new")), want: staffPage(unscoped(inqRecorders))},
		{route: "POST /inquiries", call: fixed(post("/inquiries", url.Values{"channel": {"visit"}, "question": {"矩阵来访"}, "mode": {"answer"}, "answer": {"已答复"}})),
			want: staffPage(unscoped(inqRecorders))},
		{route: "GET /inquiries/export", call: fixed(webGet("/inquiries/export")), want: staffPage(unscoped(inqReaders))},
		{route: "GET /inquiries/{id}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/inquiries/" + rec(x, sc))
		}, want: staffPage(scoped(inqReaders, reachesWindow))},
		{route: "POST /inquiries/{id}/{action}", variant: "acknowledge", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/inquiries/"+x.inqReferral(sc)+"/acknowledge", nil)
		}, want: staffPage(acknowledges)},
		{route: "GET /questions", call: fixed(webGet("/questions")), want: everyone(ok)},
		{route: "POST /questions", call: fixed(post("/questions", url.Values{"question": {"矩阵网页咨询"}})), want: everyone(ok)},
		{route: "GET /questions/lookup", call: func(x *fixtures, sc scope) request {
			q, _ := x.inqOnline()
			id, code, _ := strings.Cut(q, "?code=")
			return webGet("/questions/lookup?no=" + id + "&code=" + code)
		}, want: everyone(ok)},
		{route: "POST /questions/lookup", call: func(x *fixtures, sc scope) request {
			q, _ := x.inqOnline()
			id, code, _ := strings.Cut(q, "?code=")
			return post("/questions/lookup", url.Values{"no": {id}, "code": {code}})
		}, want: everyone(ok)},
		{route: "GET /questions/{id}", call: func(x *fixtures, sc scope) request {
			q, _ := x.inqOnline()
			return webGet("/questions/" + q)
		}, want: everyone(ok)},
		{route: "POST /items/{code}/experiences", call: func(x *fixtures, sc scope) request {
			return post("/items/"+matrixItem+"/experiences", url.Values{"body": {"矩阵网页体验"}})
		}, want: applicantPage(signedIn(pass))}, // shared, or one is waiting already (a warning)
		{route: "GET /experiences", call: fixed(webGet("/experiences")), want: staffPage(unscoped(moderators))},
		{route: "POST /experiences/{id}/{action}", variant: "approve", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/experiences/"+x.inqExperience(sc)+"/approve", nil)
		}, want: staffPage(moderates)},
	}
}
