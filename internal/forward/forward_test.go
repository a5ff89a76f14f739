package forward_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
	"zwfw/internal/exchange"
	"zwfw/internal/forward"
)

// pair is a county and its city, two instances with their own databases,
// registered to each other with the keys each one publishes.
type pair struct {
	county, city *apptest.Env
}

func newPair(t *testing.T, dialect string) *pair {
	t.Helper()
	p := &pair{county: apptest.Start(t, dialect), city: apptest.Start(t, dialect, apptest.CityOptions())}
	apptest.Register(t, p.county, p.city)
	apptest.Register(t, p.city, p.county)
	return p
}

func outbox(t *testing.T, from *apptest.Env, to string) []exchange.Event {
	return apptest.Pending(t, from, to, "")
}

func deliver(t *testing.T, from, to *apptest.Env, evs []exchange.Event) *exchange.Receipt {
	return apptest.Deliver(t, from, to, evs)
}

// resultOf is the receipt's result for the event id.
func resultOf(t *testing.T, r *exchange.Receipt, id string) exchange.Result {
	t.Helper()
	for _, x := range r.Results {
		if x.ID == id {
			return x
		}
	}
	t.Fatalf("no result for %s in %+v", id, r.Results)
	return exchange.Result{}
}

// only keeps the events of one kind.
func only(evs []exchange.Event, kind string) []exchange.Event {
	var out []exchange.Event
	for _, ev := range evs {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

// forwarded files a 取水许可 online at the county (materials uploaded),
// accepts it and forwards it to the city platform.
func (p *pair) forwarded(t *testing.T) *casework.Case {
	t.Helper()
	ctx := context.Background()
	serial := p.county.Case(t, "enterprise.qinling", "010700100000", "610923C", casework.Accepted)
	c, err := p.county.App.Cases.Act(ctx, p.county.Actor(t, "county.window"), serial, casework.ActForward,
		casework.ActionInput{Opinion: "取水量超过县级审批权限，报安康市审批"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Forward.Waiting() || c.Forward.PeerCode != "610900" || c.Forward.PeerName != "安康市（市平台）" {
		t.Fatalf("forwarded: %+v", c.Forward)
	}
	return c
}

func received(t *testing.T, city *apptest.Env, origin string) *casework.Case {
	t.Helper()
	ctx := context.Background()
	var serial string
	if err := city.App.DB.QueryRow(ctx, `SELECT c.serial FROM case_forwards f JOIN cases c ON c.id = f.case_id
		WHERE f.direction = 'in' AND f.remote_serial = ?`, origin).Scan(&serial); err != nil {
		t.Fatalf("the city has no case for %s: %v", origin, err)
	}
	c, err := city.App.Cases.Get(ctx, zwfw.System, serial)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestForwardedCaseAcrossPlatforms: a county's 上报件 travels to the city
// instance with its applicant and materials (bytes checked by digest);
// the city's staff accept, review and decide it on their own instance;
// the decision comes back and is applied once to the same case at the
// county, whose window completes it with the city's result; the applicant
// sees the city's decision.
func TestForwardedCaseAcrossPlatforms(t *testing.T) {
	for _, dialect := range apptest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			p := newPair(t, dialect)
			c := p.forwarded(t)
			// The case's events so far (申报, 受理 …) and the case itself,
			// in their order.
			all := outbox(t, p.county, "610900")
			evs := only(all, forward.KindForward)
			if len(evs) != 1 || evs[0].Case != c.Serial {
				t.Fatalf("case.forward events: %+v", evs)
			}
			if r := resultOf(t, deliver(t, p.county, p.city, all), evs[0].ID); r.Status != exchange.StatusAccepted {
				t.Fatalf("the city refused the forwarded case: %+v", r)
			}
			rc := received(t, p.city, c.Serial)
			if rc.Channel != casework.ChannelForwarded || rc.OrgCode != "610900C" || rc.Applicant.Name != c.Applicant.Name ||
				len(rc.Materials) != len(c.Materials) {
				t.Fatalf("received at the city: %+v", rc)
			}
			for i, m := range rc.Materials {
				if m.SHA256 != c.Materials[i].SHA256 || m.FileID == 0 {
					t.Fatalf("material %d at the city: %+v, sent %+v", i, m, c.Materials[i])
				}
				f, err := p.city.App.Files.Bytes(m.SHA256, 1<<20)
				if err != nil || len(f) != int(c.Materials[i].Size) {
					t.Fatalf("material %s's bytes at the city: %d, %v", m.Name, len(f), err)
				}
			}
			// The city's staff handle it as any case.
			mustStaff(t, p.city, "city.window", "赵敏", zwfw.RoleWindow, "610900C", "610900CW01", "县区上报件受理窗口")
			mustStaff(t, p.city, "city.shuili", "钱水生", zwfw.RoleReviewer, rc.DeptCode, "", "分管副局长")
			mustStaff(t, p.city, "city.shuili2", "孙河", zwfw.RoleReviewer, rc.DeptCode, "", "水资源股股长")
			act(t, p.city, "city.window", rc.Serial, casework.ActAccept, casework.ActionInput{})
			act(t, p.city, "city.shuili2", rc.Serial, casework.ActReview, casework.ActionInput{Opinion: "水资源论证报告结论可信"})
			done := act(t, p.city, "city.shuili", rc.Serial, casework.ActApprove, casework.ActionInput{Opinion: "同意取水，年取水量 12 万立方米"})
			if done.Status != casework.Completed || done.Result == nil || done.Forward.State != "decided" {
				t.Fatalf("the city's case after the decision: %s %+v", done.Status, done.Forward)
			}
			all = outbox(t, p.city, "610923")
			back := only(all, forward.KindDecision)
			if len(back) != 1 || back[0].Case != c.Serial {
				t.Fatalf("case.decision events: %+v", back)
			}
			// Delivered twice (a lost receipt): applied once.
			if r := resultOf(t, deliver(t, p.city, p.county, all), back[0].ID); r.Status != exchange.StatusAccepted {
				t.Fatalf("the county refused the decision: %+v", r)
			}
			if r := resultOf(t, deliver(t, p.city, p.county, all), back[0].ID); r.Status != exchange.StatusDuplicate {
				t.Fatalf("delivered again: %+v", r)
			}
			got, err := p.county.App.Cases.Get(ctx, p.county.Actor(t, "county.window"), c.Serial)
			if err != nil {
				t.Fatal(err)
			}
			steps := 0
			for _, st := range got.Steps {
				if st.Action == casework.ActApprove {
					steps++
					if !strings.Contains(st.ActorName, "（市平台）") || !strings.Contains(st.ActorName, "钱水生") {
						t.Fatalf("the decision's step is not the city's: %+v", st)
					}
				}
			}
			if steps != 1 || got.Status != casework.Approved || got.Forward.Waiting() {
				t.Fatalf("at the county: %d decisions, %s, %+v", steps, got.Status, got.Forward)
			}
			fin, err := p.county.App.Cases.Act(ctx, p.county.Actor(t, "county.window"), c.Serial, casework.ActComplete, casework.ActionInput{Version: got.Version})
			if err != nil {
				t.Fatal(err)
			}
			if fin.Status != casework.Completed || fin.Result.Number != done.Result.Number {
				t.Fatalf("completed at the county: %s %+v, the city issued %+v", fin.Status, fin.Result, done.Result)
			}
			mine, err := p.county.App.Cases.Get(ctx, p.county.Actor(t, "enterprise.qinling"), c.Serial)
			if err != nil {
				t.Fatal(err)
			}
			if mine.Forward == nil || mine.Forward.Decision == nil || !mine.Forward.Decision.Approved || mine.Forward.Decision.Opinion != "同意取水，年取水量 12 万立方米" {
				t.Fatalf("the applicant's case: %+v", mine.Forward)
			}
		})
	}
}

// TestTamperedMaterialRefused: a forwarded case whose material's bytes no
// longer match the digest it travels with is refused by the city with
// nothing kept, and stays pending at the county.
func TestTamperedMaterialRefused(t *testing.T) {
	for _, dialect := range apptest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			p := newPair(t, dialect)
			c := p.forwarded(t)
			evs := outbox(t, p.county, "610900")
			i := slices.IndexFunc(evs, func(ev exchange.Event) bool { return ev.Kind == forward.KindForward })
			if i < 0 {
				t.Fatalf("no case.forward in %+v", evs)
			}
			var rc casework.RemoteCase
			if err := json.Unmarshal(evs[i].Body, &rc); err != nil {
				t.Fatal(err)
			}
			if len(rc.Materials) == 0 || len(rc.Materials[0].Data) == 0 {
				t.Fatalf("no bytes travel: %+v", rc.Materials)
			}
			rc.Materials[0].Data = append(rc.Materials[0].Data[:len(rc.Materials[0].Data)-1], 'X')
			evs[i].Body, _ = json.Marshal(rc)
			r := resultOf(t, deliver(t, p.county, p.city, evs), evs[i].ID)
			if r.Status != exchange.StatusFailed || !strings.Contains(r.Error, "摘要不符") {
				t.Fatalf("tampered material: %+v", r)
			}
			var n int
			if err := p.city.App.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM cases WHERE channel = ?", casework.ChannelForwarded).Scan(&n); err != nil || n != 0 {
				t.Fatalf("the city kept %d cases (%v)", n, err)
			}
			if left := outbox(t, p.county, "610900"); len(only(left, forward.KindForward)) != 1 {
				t.Fatalf("the county's event is no longer pending: %+v", left)
			}
			_ = c
		})
	}
}

func mustStaff(t *testing.T, e *apptest.Env, username, name, role, org, window, post string) {
	t.Helper()
	// The seeded one when the instance has it (a city's demo accounts:
	// seed.CityDemoAccounts).
	if u, err := e.App.Users.ByUsername(context.Background(), username); err == nil {
		if u.OrgCode != org {
			t.Fatalf("%s is at %s, not %s", username, u.OrgCode, org)
		}
		return
	}
	active := true
	if _, err := e.App.Users.CreateStaff(context.Background(), zwfw.System, account.UserInput{Username: username, Password: "Demo@2026x",
		Name: name, Phone: "13800000000", Roles: []string{role}, OrgCode: org, WindowCode: window, Post: post, Active: &active}); err != nil {
		t.Fatal(err)
	}
}

func act(t *testing.T, e *apptest.Env, who, serial, action string, in casework.ActionInput) *casework.Case {
	t.Helper()
	c, err := e.App.Cases.Act(context.Background(), e.Actor(t, who), serial, action, in)
	if err != nil {
		t.Fatalf("%s %s by %s: %v", action, serial, who, err)
	}
	return c
}

// TestCaseDownToCounty: a case filed online at the city's centre for an
// item 宁陕县 implements goes down the same way — marked when filed, sent by
// the city's window after accepting it (no city staff may decide it), opened
// at the county's centre and decided there, the decision back up to the
// city's case, which its window then completes.
func TestCaseDownToCounty(t *testing.T) {
	for _, dialect := range apptest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			p := newPair(t, dialect)
			mustStaff(t, p.city, "city.window", "赵敏", zwfw.RoleWindow, "610900C", "610900CW01", "县区上报件受理窗口")
			// 林木采伐许可证核发, 宁陕县林业局's item, filed at the city hall.
			serial := p.city.Case(t, "enterprise.qinling", "010600100000", "610900C", casework.Accepted)
			c, err := p.city.App.Cases.Get(ctx, p.city.Actor(t, "city.window"), serial)
			if err != nil {
				t.Fatal(err)
			}
			if c.Forward == nil || c.Forward.PeerCode != "610923" || c.Forward.State != "pending" {
				t.Fatalf("not marked for the county: %+v", c.Forward)
			}
			if err := casework.Check(p.city.Actor(t, "city.window"), c, casework.ActForward); err != nil {
				t.Fatalf("the city's window may not send it down: %v", err)
			}
			if err := casework.Check(zwfw.System, c, casework.ActApprove); err == nil {
				t.Fatal("a case for the county's item is decided at the city")
			}
			c = act(t, p.city, "city.window", serial, casework.ActForward, casework.ActionInput{})
			if !c.Forward.Waiting() || c.Forward.State != "sent" || c.Forward.PeerName != "宁陕县（县平台）" {
				t.Fatalf("sent down: %+v", c.Forward)
			}
			all := outbox(t, p.city, "610923")
			if r := resultOf(t, deliver(t, p.city, p.county, all), only(all, forward.KindForward)[0].ID); r.Status != exchange.StatusAccepted {
				t.Fatalf("the county refused it: %+v", r)
			}
			rc := received(t, p.county, serial)
			if rc.OrgCode != "610923C" || rc.DeptCode != "610923D06" || rc.Channel != casework.ChannelForwarded || len(rc.Materials) != len(c.Materials) {
				t.Fatalf("received at the county: %+v", rc)
			}
			act(t, p.county, "county.window", rc.Serial, casework.ActAccept, casework.ActionInput{})
			done := act(t, p.county, "linye.reviewer", rc.Serial, casework.ActApprove, casework.ActionInput{Opinion: "采伐地点、面积与伐区调查设计一致，准予采伐"})
			if done.Status != casework.Completed || done.Forward.State != "decided" {
				t.Fatalf("the county's case after its decision: %s %+v", done.Status, done.Forward)
			}
			all = outbox(t, p.county, "610900")
			if r := resultOf(t, deliver(t, p.county, p.city, all), only(all, forward.KindDecision)[0].ID); r.Status != exchange.StatusAccepted {
				t.Fatalf("the city refused the decision: %+v", r)
			}
			got := act(t, p.city, "city.window", serial, casework.ActComplete, casework.ActionInput{})
			if got.Status != casework.Completed || got.Result.Number != done.Result.Number || got.Forward.Decision == nil ||
				!strings.Contains(got.Steps[len(got.Steps)-3].ActorName, "（县平台）") {
				t.Fatalf("completed at the city: %s %+v %+v", got.Status, got.Result, got.Steps)
			}
		})
	}
}
