package app_test

import (
	"fmt"
	"net/url"
	"sync"

	"zwfw"
	"zwfw/internal/complaint"
)

// The complaint register's rows (投诉建议, issue 11 item 3). Submitting,
// the lookup by number and code, the rating and the 意见箱 are public (a
// staff member registers calls and letters instead, and is refused the
// public form); the list, the figures and the limits are for staff who
// serve, supervise or administer; one complaint is read by the managers
// (supervisors, hall managers) and administrators whose subtree holds the
// centre it was filed at and by the staff of the unit it is assigned to —
// anyone else gets 404. The managers assign and reopen; the unit answers.

var (
	complaintListers = roles(zwfw.RoleWindow, zwfw.RoleReviewer, zwfw.RoleSupervisor, zwfw.RoleHallManager, zwfw.RoleAdmin)
	complaintFilers  = roles(zwfw.RoleWindow, zwfw.RoleReviewer, zwfw.RoleSupervisor, zwfw.RoleHallManager)
	complaintManager = and(roles(zwfw.RoleSupervisor, zwfw.RoleHallManager), reachesCentre)
	complaintUnit    = and(roles(zwfw.RoleWindow, zwfw.RoleReviewer, zwfw.RoleHallManager), reachesWindow)
	// The scope's complaint is filed at its centre and assigned to its window.
	readsComplaint = or(complaintManager, complaintUnit, and(admin, reachesCentre))
	// A complaint still to be assigned has no unit yet.
	readsUnassigned = or(complaintManager, and(admin, reachesCentre))
)

// complaintRead: visitors sign in; readers get it; anyone else 404.
func complaintRead(reads who) rule {
	return func(c cell) outcome {
		switch {
		case c.a.anon():
			return login
		case !reads(c):
			return notFound
		}
		return ok
	}
}

// complaintAct: as complaintRead, and a reader who may not take the
// action is refused with 403.
func complaintAct(may, reads who) rule {
	return func(c cell) outcome {
		switch {
		case c.a.anon():
			return login
		case !reads(c):
			return notFound
		case !may(c):
			return forbidden
		}
		return ok
	}
}

// publicNotStaff: the public form serves visitors and applicants; staff
// register calls and letters on their own form.
func publicNotStaff(c cell) outcome {
	if c.a.staff() {
		return forbidden
	}
	return ok
}

// complaintFile: who may register and reaches the centre files it; who may
// but does not reach it has the field refused (422).
func complaintFile(c cell) outcome {
	switch {
	case c.a.anon():
		return login
	case !complaintFilers(c):
		return forbidden
	case !reachesCentre(c):
		return other
	}
	return ok
}

// complaintLimits: a county's own administrators set its limits; a town
// holds no settings.
func complaintLimits(c cell) outcome {
	switch {
	case c.a.anon():
		return login
	case adminOfRegion(c) && (c.sc == inCounty || c.sc == inCounty2):
		return ok
	}
	return forbidden
}

// complaintState keeps, per matrix instance, the stable complaint of each
// scope (assigned to its window; the reads use it).
var complaintState = struct {
	sync.Mutex
	stable map[*fixtures]map[scope][2]string
}{stable: map[*fixtures]map[scope][2]string{}}

// newComplaint files a complaint at the scope's centre and takes it, by
// the scope's people, to state: received, assigned, or rated (answered and
// rated 不满意). It returns the number and the query code.
func (x *fixtures) newComplaint(sc scope, state string) [2]string {
	ctx := x.ctx
	x.seq++
	rc, err := x.e.App.Complaints.Submit(ctx, nil, complaint.ChannelOnline, complaint.Input{Kind: complaint.KindComplaint, Category: "attitude",
		Org: x.centre[sc], Subject: "矩阵测试投诉", Body: "授权矩阵测试的投诉内容。", Anonymous: true}, fmt.Sprintf("203.0.%d.%d", x.seq/250, x.seq%250+1))
	if err != nil {
		x.t.Fatalf("complaint of %s: %v", sc, err)
	}
	if state != complaint.Received {
		if _, err := x.e.App.Complaints.Act(ctx, x.e.Actor(x.t, x.supervise[sc]), rc.Number, complaint.ActAssign, complaint.ActInput{Unit: x.window[sc]}); err != nil {
			x.t.Fatalf("assign %s: %v", rc.Number, err)
		}
	}
	if state == complaint.Rated {
		if _, err := x.e.App.Complaints.Act(ctx, x.e.Actor(x.t, x.user[sc]), rc.Number, complaint.ActAnswer, complaint.ActInput{Text: "矩阵测试的答复内容。"}); err != nil {
			x.t.Fatalf("answer %s: %v", rc.Number, err)
		}
		if _, err := x.e.App.Complaints.Rate(ctx, rc.Number, rc.QueryCode, complaint.Dissatisfied, "", "203.0.113.251"); err != nil {
			x.t.Fatalf("rate %s: %v", rc.Number, err)
		}
	}
	return [2]string{rc.Number, rc.QueryCode}
}

// complaintIn is a fresh complaint of the scope in state, for an action
// that changes it: used up by a call that succeeds.
func (x *fixtures) complaintIn(sc scope, state string) string {
	return x.take("complaint:"+string(sc)+":"+state, func() string { return x.newComplaint(sc, state)[0] })
}

// complaintStable is the scope's assigned complaint that only reads use.
func (x *fixtures) complaintStable(sc scope) [2]string {
	complaintState.Lock()
	defer complaintState.Unlock()
	if complaintState.stable[x] == nil {
		complaintState.stable[x] = map[scope][2]string{}
	}
	v, ok := complaintState.stable[x][sc]
	if !ok {
		v = x.newComplaint(sc, complaint.Assigned)
		complaintState.stable[x][sc] = v
	}
	return v
}

func (x *fixtures) complaintNumber(sc scope) string { return x.complaintStable(sc)[0] }

func complaintRows() []row {
	input := func(x *fixtures, sc scope) map[string]any {
		return map[string]any{"kind": "suggestion", "category": "environment", "org": x.centre[sc], "subject": "矩阵测试建议",
			"body": "授权矩阵测试的建议内容。", "anonymous": true}
	}
	form := func(x *fixtures, sc scope, extra ...string) url.Values {
		v := url.Values{"kind": {"suggestion"}, "category": {"environment"}, "org": {x.centre[sc]}, "subject": {"矩阵测试建议"},
			"body": {"授权矩阵测试的建议内容。"}, "anonymous": {"1"}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	act := func(action string, state string, body map[string]string) func(x *fixtures, sc scope) request {
		return func(x *fixtures, sc scope) request {
			n := x.complaintIn(sc, state)
			b := map[string]string{}
			for k, v := range body {
				b[k] = v
			}
			if action == complaint.ActAssign {
				b["unit"] = x.window[sc]
			}
			return apiSend("POST", "/complaints/"+n+"/actions/"+action, b)
		}
	}
	page := func(action string, state string, text string) func(x *fixtures, sc scope) request {
		return func(x *fixtures, sc scope) request {
			n := x.complaintIn(sc, state)
			v := url.Values{"text": {text}}
			if action == complaint.ActAssign {
				v.Set("unit", x.window[sc])
			}
			return post("/work/complaints/"+n+"/actions/"+action, v)
		}
	}
	return []row{
		// API.
		{route: "POST /api/v1/complaints", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/complaints", input(x, sc))
		}, want: publicNotStaff},
		{route: "POST /api/v1/complaints/lookup", on: allScopes, call: func(x *fixtures, sc scope) request {
			st := x.complaintStable(sc)
			return apiSend("POST", "/complaints/lookup", map[string]string{"number": st[0], "code": st[1]})
		}, want: everyone(ok)},
		// Whoever holds the number and the code may rate; not yet answered,
		// the rating is refused on the state (409). (A wrong code is 404,
		// in internal/complaint's tests: failures count against the
		// address, and every matrix call comes from one.)
		{route: "POST /api/v1/complaints/rating", on: allScopes, call: func(x *fixtures, sc scope) request {
			st := x.complaintStable(sc)
			return apiSend("POST", "/complaints/rating", map[string]string{"number": st[0], "code": st[1], "rating": "satisfied"})
		}, want: everyone(other)},
		{route: "GET /api/v1/complaints", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(apiGet("/complaints?limit=500"), `"number":"`+x.complaintNumber(sc)+`"`)
		}, want: listed(complaintListers, readsComplaint)},
		{route: "POST /api/v1/complaints/registrations", on: allScopes, call: func(x *fixtures, sc scope) request {
			b := input(x, sc)
			b["channel"] = "phone"
			return apiSend("POST", "/complaints/registrations", b)
		}, want: staffOnlyAPI(complaintFile)},
		{route: "GET /api/v1/complaints/statistics", call: fixed(apiGet("/complaints/statistics")), want: staffOnlyAPI(unscoped(complaintListers))},
		{route: "GET /api/v1/complaints/limits/{org}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/complaints/limits/" + x.region[sc])
		}, want: staffOnlyAPI(unscoped(complaintListers))},
		{route: "PUT /api/v1/complaints/limits/{org}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("PUT", "/complaints/limits/"+x.region[sc], map[string]int{"complaint": 5})
		}, want: complaintLimits},
		{route: "GET /api/v1/complaints/{number}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/complaints/" + x.complaintNumber(sc))
		}, want: complaintRead(readsComplaint)},
		{route: "POST /api/v1/complaints/{number}/actions/{action}", variant: "assign", on: allScopes,
			call: act(complaint.ActAssign, complaint.Received, nil), want: complaintAct(complaintManager, readsUnassigned)},
		{route: "POST /api/v1/complaints/{number}/actions/{action}", variant: "answer", on: allScopes,
			call: act(complaint.ActAnswer, complaint.Assigned, map[string]string{"text": "矩阵测试的答复内容。"}), want: complaintAct(complaintUnit, readsComplaint)},
		{route: "POST /api/v1/complaints/{number}/actions/{action}", variant: "reopen", on: allScopes,
			call: act(complaint.ActReopen, complaint.Rated, map[string]string{"text": "反映人不满意"}), want: complaintAct(complaintManager, readsComplaint)},

		// Pages.
		{route: "GET /complaints/new", call: fixed(webGet("/complaints/new")), want: everyone(ok)},
		{route: "POST /complaints", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/complaints", form(x, sc))
		}, want: publicNotStaff},
		{route: "GET /complaints/lookup", call: fixed(webGet("/complaints/lookup")), want: everyone(ok)},
		{route: "POST /complaints/lookup", on: allScopes, call: func(x *fixtures, sc scope) request {
			st := x.complaintStable(sc)
			return post("/complaints/lookup", url.Values{"number": {st[0]}, "code": {st[1]}})
		}, want: everyone(ok)},
		{route: "GET /hall/{centre}/yijianxiang", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/hall/" + x.centre[sc] + "/yijianxiang")
		}, want: everyone(ok)},
		{route: "POST /hall/{centre}/yijianxiang", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/hall/"+x.centre[sc]+"/yijianxiang", form(x, sc))
		}, want: everyone(ok)},
		{route: "GET /work/complaints", call: fixed(webGet("/work/complaints")), want: staffPage(unscoped(complaintListers))},
		{route: "GET /work/complaints/export", call: fixed(webGet("/work/complaints/export")), want: staffPage(unscoped(complaintListers))},
		{route: "POST /work/complaints/limits", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/work/complaints/limits", url.Values{"org": {x.region[sc]}, "complaint": {"5"}})
		}, want: staffPage(complaintLimits)},
		{route: "GET /work/complaints/new", call: fixed(webGet("/work/complaints/new")), want: staffPage(unscoped(complaintFilers))},
		{route: "POST /work/complaints", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/work/complaints", form(x, sc, "channel", "letter"))
		}, want: staffPage(complaintFile)},
		{route: "GET /work/complaints/{number}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/work/complaints/" + x.complaintNumber(sc))
		}, want: staffPage(complaintRead(readsComplaint))},
		{route: "POST /work/complaints/{number}/actions/{action}", variant: "assign", on: allScopes,
			call: page(complaint.ActAssign, complaint.Received, ""), want: staffPage(complaintAct(complaintManager, readsUnassigned))},
		{route: "POST /work/complaints/{number}/actions/{action}", variant: "answer", on: allScopes,
			call: page(complaint.ActAnswer, complaint.Assigned, "矩阵测试的答复内容。"), want: staffPage(complaintAct(complaintUnit, readsComplaint))},
		{route: "POST /work/complaints/{number}/actions/{action}", variant: "reopen", on: allScopes,
			call: page(complaint.ActReopen, complaint.Rated, "反映人不满意"), want: staffPage(complaintAct(complaintManager, readsComplaint))},
		// The full phone for a call-back: the unit and the managers; the
		// matrix's complaints are anonymous, so those who may are told there
		// is none (409) — the number itself is in internal/complaint's tests.
		{route: "POST /api/v1/complaints/{number}/phone", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/complaints/"+x.complaintNumber(sc)+"/phone", map[string]string{"reason": "电话回访"})
		}, want: passing(complaintAct(or(complaintManager, complaintUnit), readsComplaint))},
		{route: "POST /work/complaints/{number}/phone", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/work/complaints/"+x.complaintNumber(sc)+"/phone", url.Values{"reason": {"电话回访"}})
		}, want: staffPage(passing(complaintAct(or(complaintManager, complaintUnit), readsComplaint)))},
	}
}
