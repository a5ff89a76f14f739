package app_test

import (
	"fmt"
	"net/url"
	"strconv"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/app/apptest"
	"zwfw/internal/supervision"
)

// Accountability (责任追究), the annual weights, making reports public and
// the public 政务公开 pages of the reports (issue 11 items 5 and 6).
//
// A sanction of the matrix is against the scope's window (so its subjects
// are whoever works there), proposed by a hall manager of the scope's
// centre made for the purpose and approved by the scope's supervisor.
// Supervisors, hall managers and administrators whose subtree holds the
// window read it, and its subjects; supervisors other than the proposer
// decide and withdraw it; its subjects answer it once.

var sanctionProposers = roles(zwfw.RoleSupervisor, zwfw.RoleHallManager)

// mayReadSanction is supervision.mayReadSanction for a window sanction.
func mayReadSanction(c cell) bool {
	return (c.a.is(zwfw.RoleSupervisor, zwfw.RoleHallManager, zwfw.RoleAdmin) && reachesWindow(c)) || subjectOfError(c)
}

// publishRule: the report is read first (404 for those who may not), then
// only a supervisor whose subtree holds it may make it public (403).
func publishRule(allowed outcome) rule {
	return func(c cell) outcome {
		switch {
		case c.a.anon():
			return login
		case !readsReport(c):
			return notFound
		case !supervisor(c) || !reachesRegion(c):
			return forbidden
		}
		return allowed
	}
}

// sanctionProposer is a hall manager of the scope's centre (made once).
func (x *fixtures) sanctionProposer(sc scope) *zwfw.Actor {
	name := "matrix.hall." + string(sc)
	if _, err := x.e.App.Users.ByUsername(x.ctx, name); err != nil {
		if _, err := x.e.App.Users.CreateStaff(x.ctx, zwfw.System, account.UserInput{Username: name, Password: apptest.DemoPassword,
			Name: "矩阵大厅" + string(sc), Phone: "0915-6826789", Roles: []string{zwfw.RoleHallManager}, OrgCode: x.centre[sc], Post: "测试"}); err != nil {
			x.t.Fatal(err)
		}
	}
	return x.e.Actor(x.t, name)
}

// newSanction proposes a sanction against the scope's window and, when
// approve, has the scope's supervisor approve it.
func (x *fixtures) newSanction(sc scope, approve bool) string {
	s, err := x.e.App.Sanctions.Propose(x.ctx, x.sanctionProposer(sc), supervision.SanctionInput{Form: "criticism", Window: x.window[sc],
		CauseKind: supervision.CauseComplaint, CauseRef: "TS-MATRIX", CauseText: "授权矩阵测试投诉", Decision: "授权矩阵测试批评教育"})
	if err != nil {
		x.t.Fatalf("%s: propose sanction: %v", sc, err)
	}
	if approve {
		if _, err := x.e.App.Sanctions.Act(x.ctx, x.e.Actor(x.t, x.supervise[sc]), s.ID, supervision.SanActApprove, supervision.SanctionActInput{}); err != nil {
			x.t.Fatalf("%s: approve sanction: %v", sc, err)
		}
	}
	return strconv.FormatInt(s.ID, 10)
}

// sanctionRead is an approved sanction of the scope that no row changes.
func (x *fixtures) sanctionRead(sc scope) string {
	key := "sanction-read:" + string(sc)
	if v, ok := x.fresh[key]; ok {
		return v
	}
	v := x.newSanction(sc, true)
	x.fresh[key] = v
	return v
}

// sanctionIn is a fresh sanction of the scope, proposed or approved.
func (x *fixtures) sanctionIn(sc scope, approved bool) string {
	return x.take(fmt.Sprintf("sanction:%s:%v", sc, approved), func() string { return x.newSanction(sc, approved) })
}

// monthlyIn is a fresh monthly bulletin of the scope's region, not public.
func (x *fixtures) monthlyIn(sc scope) string {
	return x.take("monthly:"+string(sc), func() string {
		rep, err := x.e.App.Reports.GenerateReport(x.ctx, zwfw.System, supervision.Monthly, "2026-08", x.region[sc])
		if err != nil {
			x.t.Fatalf("%s: monthly: %v", sc, err)
		}
		return strconv.FormatInt(rep.ID, 10)
	})
}

// publicReport is a monthly bulletin of the scope's region made public by
// its supervisor (made once).
func (x *fixtures) publicReport(sc scope) string {
	key := "public-report:" + string(sc)
	if v, ok := x.fresh[key]; ok {
		return v
	}
	rep, err := x.e.App.Reports.GenerateReport(x.ctx, zwfw.System, supervision.Monthly, "2026-08", x.region[sc])
	if err != nil {
		x.t.Fatal(err)
	}
	if _, err := x.e.App.Reports.SetPublic(x.ctx, x.e.Actor(x.t, x.supervise[sc]), rep.ID, true, ""); err != nil {
		x.t.Fatalf("%s: publish: %v", sc, err)
	}
	v := strconv.FormatInt(rep.ID, 10)
	x.fresh[key] = v
	return v
}

func assessRows() []row {
	propose := func(x *fixtures, sc scope) map[string]any {
		return map[string]any{"form": "circular", "window": x.window[sc], "cause_kind": "complaint", "cause_ref": "TS-M", "cause_text": "授权矩阵测试", "decision": "授权矩阵测试"}
	}
	form := func(m map[string]any) url.Values {
		v := url.Values{}
		for k, x := range m {
			v.Set(k, fmt.Sprint(x))
		}
		return v
	}
	annual := map[string]int{"quarters": 40, "on_time": 20, "satisfaction": 20, "rectification": 10, "callback": 10,
		"error": 3, "sanction": 5, "complaint": 2, "absent": 2, "late": 1}
	annualForm := url.Values{}
	for k, v := range annual {
		annualForm.Set(k, strconv.Itoa(v))
	}
	return []row{
		// API.
		{route: "POST /api/v1/sanctions", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/sanctions", propose(x, sc))
		}, want: refusedOut(scoped(sanctionProposers, reachesWindow))},
		{route: "GET /api/v1/sanctions", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(apiGet("/sanctions?limit=200"), `{"id":`+x.sanctionRead(sc)+`,`)
		}, want: staffOnlyAPI(listed(anyStaff, mayReadSanction))},
		{route: "GET /api/v1/sanctions/{id}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/sanctions/" + x.sanctionRead(sc))
		}, want: scoped(anyStaff, mayReadSanction)},
		{route: "POST /api/v1/sanctions/{id}/actions/{action}", variant: "approve", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/sanctions/"+x.sanctionIn(sc, false)+"/actions/approve", nil)
		}, want: scoped(supervisor, mayReadSanction)},
		{route: "POST /api/v1/sanctions/{id}/actions/{action}", variant: "respond", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/sanctions/"+x.sanctionIn(sc, true)+"/actions/respond", map[string]string{"text": "授权矩阵测试申辩"})
		}, want: scoped(subjectOfError, mayReadSanction)},
		{route: "POST /api/v1/sanctions/{id}/actions/{action}", variant: "withdraw", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/sanctions/"+x.sanctionIn(sc, true)+"/actions/withdraw", map[string]string{"text": "授权矩阵测试撤销"})
		}, want: scoped(supervisor, mayReadSanction)},
		{route: "GET /api/v1/assessment/annual-weights", call: fixed(apiGet("/assessment/annual-weights")), want: unscoped(anyStaff)},
		{route: "PUT /api/v1/assessment/annual-weights", call: fixed(apiSend("PUT", "/assessment/annual-weights", annual)), want: unscoped(countyAdmin)},
		{route: "POST /api/v1/reports/{id}/publicity", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/reports/"+x.monthlyIn(sc)+"/publicity", map[string]any{"public": true})
		}, want: publishRule(ok)},
		{route: "GET /api/v1/gongkai/reports", call: fixed(apiGet("/gongkai/reports")), want: everyone(ok)},

		// Pages.
		{route: "GET /supervision/sanctions", on: allScopes, call: func(x *fixtures, sc scope) request {
			return listing(webGet("/supervision/sanctions"), "/supervision/sanctions/"+x.sanctionRead(sc)+`"`)
		}, want: staffPage(listed(anyStaff, mayReadSanction))},
		{route: "GET /supervision/sanctions/new", call: fixed(webGet("/supervision/sanctions/new")), want: staffPage(unscoped(sanctionProposers))},
		{route: "POST /supervision/sanctions", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/supervision/sanctions", form(propose(x, sc)))
		}, want: staffPage(refusedOut(scoped(sanctionProposers, reachesWindow)))},
		{route: "GET /supervision/sanctions/{id}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/supervision/sanctions/" + x.sanctionRead(sc))
		}, want: staffPage(scoped(anyStaff, mayReadSanction))},
		{route: "POST /supervision/sanctions/{id}/actions/{action}", variant: "approve", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/supervision/sanctions/"+x.sanctionIn(sc, false)+"/actions/approve", nil)
		}, want: staffPage(scoped(supervisor, mayReadSanction))},
		{route: "POST /supervision/sanctions/{id}/actions/{action}", variant: "respond", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/supervision/sanctions/"+x.sanctionIn(sc, true)+"/actions/respond", url.Values{"text": {"授权矩阵测试申辩"}})
		}, want: staffPage(scoped(subjectOfError, mayReadSanction))},
		{route: "POST /supervision/sanctions/{id}/actions/{action}", variant: "withdraw", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/supervision/sanctions/"+x.sanctionIn(sc, true)+"/actions/withdraw", url.Values{"text": {"授权矩阵测试撤销"}})
		}, want: staffPage(scoped(supervisor, mayReadSanction))},
		{route: "POST /supervision/weights/annual", call: fixed(post("/supervision/weights/annual", annualForm)), want: staffPage(unscoped(countyAdmin))},
		{route: "POST /supervision/reports/{id}/publicity", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/supervision/reports/"+x.monthlyIn(sc)+"/publicity", url.Values{"public": {"1"}})
		}, want: staffPage(publishRule(ok))},
		{route: "GET /gongkai/reports", call: fixed(webGet("/gongkai/reports")), want: everyone(ok)},
		{route: "GET /gongkai/reports/{id}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/gongkai/reports/" + x.publicReport(sc))
		}, want: everyone(ok)},
	}
}
