package app_test

import (
	"net/url"
	"strings"
	"sync"

	"zwfw/internal/casework"
	"zwfw/internal/review"
)

// 好差评 and 差评整改 (issue 11; internal/review): rating links are public
// (the signed token is the key); the applicant rates their own case; the
// window staff enter a phone call-back on a case they may evaluate; work
// orders are read by staff whose subtree holds the case's centre or
// department and acted on by the machine's row (validity review: the
// supervisors above the centre); the public summary is public.

// rvStable keeps one work order per scope for the read rows.
var rvStable sync.Map // *fixtures → *sync.Map (scope → number)

// rvOrder opens a work order in the scope: a completed case of the
// scope's applicant rated 非常不满意 through its QR link.
func rvOrder(x *fixtures, sc scope) string {
	serial := x.e.Case(x.t, x.applicant[sc], x.item[sc], x.centre[sc], casework.Completed)
	tok := strings.TrimPrefix(x.e.App.Reviews.RatePath("c", serial, casework.ChannelQR), "/rate/")
	if _, err := x.e.App.Reviews.RateByToken(x.ctx, tok, review.RateInput{Level: 5, Comment: "矩阵差评：等候太久"}); err != nil {
		x.t.Fatal(err)
	}
	var n string
	if err := x.e.App.DB.QueryRow(x.ctx, "SELECT r.number FROM rectifications r JOIN cases c ON c.id = r.case_id WHERE c.serial = ?", serial).Scan(&n); err != nil {
		x.t.Fatal(err)
	}
	return n
}

func rvStableOrder(x *fixtures, sc scope) string {
	m, _ := rvStable.LoadOrStore(x, &sync.Map{})
	if v, ok := m.(*sync.Map).Load(sc); ok {
		return v.(string)
	}
	n := rvOrder(x, sc)
	m.(*sync.Map).Store(sc, n)
	return n
}

// rvToken is the QR rating link of a case.
func rvToken(x *fixtures, serial string) string {
	return strings.TrimPrefix(x.e.App.Reviews.RatePath("c", serial, casework.ChannelQR), "/rate/")
}

// seesOrder: staff whose subtree holds the work order's centre or its
// owner (the case's department).
var seesOrder = or(reachesCentre, reachesDept)

// orderAct is the rule of a work order action: those who cannot see it get
// 404, those who see it and may not act 403.
func orderAct(may who) rule {
	return func(c cell) outcome {
		switch {
		case c.a.anon():
			return login
		case !seesOrder(c):
			return notFound
		case !may(c):
			return forbidden
		}
		return ok
	}
}

// callbackEntry: the window staff who may evaluate the case (the pad's
// rule) enter a phone call-back; applicants never.
func callbackEntry(c cell) outcome {
	switch {
	case c.a.anon():
		return login
	case c.a.applicant():
		return forbidden
	case !seesCase(c):
		return notFound
	case !and(window, reachesCentre)(c):
		return forbidden
	}
	return ok
}

func reviewRows() []row {
	fresh := func(x *fixtures, sc scope) string {
		return x.take("rv-order:"+string(sc), func() string { return rvOrder(x, sc) })
	}
	freshToken := func(x *fixtures) string {
		return x.take("rv-token", func() string {
			return rvToken(x, x.e.Case(x.t, x.applicant[inCounty], x.item[inCounty], x.centre[inCounty], casework.Completed))
		})
	}
	completed := func(x *fixtures, sc scope) string { return x.caseIn(sc, casework.Completed) }
	validate := and(supervisor, reachesCentre)
	return []row{
		// The API.
		{route: "GET /api/v1/ratings/{token}", call: func(x *fixtures, sc scope) request {
			return apiGet("/ratings/" + rvToken(x, x.cases[inCounty][casework.Completed]))
		}, want: everyone(ok)},
		{route: "POST /api/v1/ratings/{token}", call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/ratings/"+freshToken(x), map[string]any{"level": 1})
		}, want: everyone(ok)},
		{route: "POST /api/v1/cases/{serial}/rating", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/cases/"+completed(x, sc)+"/rating", map[string]any{"level": 2})
		}, want: scoped(owner, seesCase)},
		{route: "POST /api/v1/cases/{serial}/callback-rating", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/cases/"+completed(x, sc)+"/callback-rating", map[string]any{"level": 2})
		}, want: callbackEntry},
		{route: "GET /api/v1/rectifications", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(apiGet("/rectifications?status=review"), rvStableOrder(x, sc))
		}, want: listed(anyStaff, seesOrder)},
		{route: "GET /api/v1/rectifications/{number}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/rectifications/" + rvStableOrder(x, sc))
		}, want: scoped(anyStaff, seesOrder)},
		{route: "POST /api/v1/rectifications/{number}/actions/{action}", variant: "validate", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/rectifications/"+fresh(x, sc)+"/actions/validate", map[string]any{"note": "属实"})
		}, want: orderAct(validate)},
		{route: "GET /api/v1/rectification-summary", call: fixed(apiGet("/rectification-summary")), want: everyone(ok)},
		{route: "GET /api/v1/rectification-settings/{code}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/rectification-settings/" + x.centre[sc])
		}, want: func(c cell) outcome {
			switch {
			case c.a.anon():
				return login
			case !reachesCentre(c):
				return notFound
			}
			return ok
		}},
		{route: "PUT /api/v1/rectification-settings/{code}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("PUT", "/rectification-settings/"+x.centre[sc], review.Settings{CallbackDays: 1, RectifyDays: 15, ExtensionDays: 15})
		}, want: scoped(or(supervisor, admin), reachesCentre)},

		// The pages.
		{route: "GET /rate/{token}", call: func(x *fixtures, sc scope) request {
			return webGet("/rate/" + rvToken(x, x.cases[inCounty][casework.Completed]))
		}, want: everyone(ok)},
		{route: "GET /rate/{token}/qr.png", call: func(x *fixtures, sc scope) request {
			return webGet("/rate/" + rvToken(x, x.cases[inCounty][casework.Completed]) + "/qr.png")
		}, want: everyone(ok)},
		{route: "POST /rate/{token}", call: func(x *fixtures, sc scope) request {
			return post("/rate/"+freshToken(x), url.Values{"level": {"1"}})
		}, want: everyone(ok)},
		{route: "GET /work/rating-card", call: fixed(webGet("/work/rating-card")),
			want: staffPage(unscoped(func(c cell) bool { return c.x.worksAt(c.a.name()) != "" }))},
		{route: "GET /work/callback-rating", call: fixed(webGet("/work/callback-rating")), want: staffPage(unscoped(anyStaff))},
		{route: "POST /work/callback-rating", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/work/callback-rating", url.Values{"serial": {completed(x, sc)}, "level": {"2"}})
		}, want: staffPage(callbackEntry)},
		{route: "GET /work/rectifications", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(webGet("/work/rectifications?status=review"), rvStableOrder(x, sc))
		}, want: staffPage(listed(anyStaff, seesOrder))},
		{route: "GET /work/rectifications/{number}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/work/rectifications/" + rvStableOrder(x, sc))
		}, want: staffPage(scoped(anyStaff, seesOrder))},
		{route: "POST /work/rectifications/{number}/{action}", variant: "validate", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/work/rectifications/"+fresh(x, sc)+"/validate", url.Values{"note": {"属实"}})
		}, want: staffPage(orderAct(validate))},
		{route: "GET /rectification-results", call: fixed(webGet("/rectification-results")), want: everyone(ok)},
	}
}
