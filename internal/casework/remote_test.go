package casework_test

import (
	"context"
	"strings"
	"testing"

	"zwfw"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
)

// loop is a Forwarder that keeps what it is given: the test carries the
// forwarded case and the decision between the two ends itself, both ends
// in one database (internal/forward's tests cross real platforms).
type loop struct {
	upper *casework.Peer
	sent  []casework.RemoteCase
	back  []casework.RemoteDecision
	to    []string
}

func (l *loop) Upper(context.Context) (*casework.Peer, error) { return l.upper, nil }

func (l *loop) Lower(context.Context, string) (*casework.Peer, error) { return nil, nil }

func (l *loop) Send(_ context.Context, _ *db.Tx, p *casework.Peer, rc *casework.RemoteCase) error {
	l.sent = append(l.sent, *rc)
	l.to = append(l.to, p.Code)
	return nil
}

func (l *loop) Return(_ context.Context, _ *db.Tx, f *casework.Forward, d *casework.RemoteDecision) error {
	l.back = append(l.back, *d)
	l.to = append(l.to, f.PeerCode)
	return nil
}

// TestForwardAcrossPlatforms: a county's 上报件 goes to the upper platform
// instead of the city centre in its own database and waits; nobody at the
// county decides it; the city's case (received, 下级上报) is accepted,
// reviewed and decided by the city's staff, completes there and gives the
// decision back; the decision is applied to the county's case once, as a
// step of the city's centre and person, only from the platform it was sent
// to; the county's window completes it with the city's result.
func TestForwardAcrossPlatforms(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		l := &loop{upper: &casework.Peer{Code: "610900", Name: "安康市", Role: "city"}}
		e.cases.SetForwarder(l)
		e.staff("city.window", "赵敏", zwfw.RoleWindow, "610900C", "市上报件受理窗口")
		e.staff("shuili.reviewer", "孙河", zwfw.RoleReviewer, "610923D07", "水资源股股长")
		e.staff("shuili.leader", "钱水生", zwfw.RoleReviewer, "610923D07", "分管副局长")

		// County: filed, accepted, forwarded.
		c := e.walkIn("county.window", "010700100000", "610923C")
		e.do("county.window", c.Serial, casework.ActAccept, casework.ActionInput{})
		c = e.do("county.window", c.Serial, casework.ActForward, casework.ActionInput{Opinion: "取水量超过县级审批权限，报安康市审批"})
		if c.Status != casework.InProgress || c.Forward == nil || !c.Forward.Waiting() || c.Forward.PeerName != "安康市（市平台）" {
			t.Fatalf("forwarded: status %s, forward %+v", c.Status, c.Forward)
		}
		if c.HandlerCode != "" {
			t.Fatalf("forwarded to the platform, yet handled by %s in this database", c.HandlerCode)
		}
		if len(l.sent) != 1 || l.to[0] != "610900" {
			t.Fatalf("sent %d cases to %v", len(l.sent), l.to)
		}
		rc := l.sent[0]
		if rc.Serial != c.Serial || rc.ItemCode != "010700100000" || rc.Applicant.Ident != "610923198503120025" || len(rc.Materials) == 0 {
			t.Fatalf("the forwarded case: %+v", rc)
		}
		// Nobody here decides it, not even the department in whose scope it is.
		for _, who := range []string{"shuili.reviewer", "county.window"} {
			for _, act := range []string{casework.ActApprove, casework.ActDeny} {
				if err := casework.Check(e.actor(who), c, act); err == nil {
					t.Fatalf("%s may %s a case the city decides", who, act)
				}
			}
		}
		e.refuse("shuili.reviewer", c.Serial, casework.ActApprove, casework.ActionInput{}, zwfw.EFORBIDDEN)

		// City: received once, however often the event comes.
		county := &casework.Peer{Code: "610923", Name: "宁陕县", Role: "county"}
		var rcv *casework.Case
		for i := 0; i < 2; i++ {
			if err := d.InTx(e.ctx, func(tx *db.Tx) error {
				got, err := e.cases.Receive(e.ctx, tx, county, "610900C", &rc, nil)
				if got != nil {
					rcv = got
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		var n int
		if err := d.QueryRow(e.ctx, "SELECT COUNT(*) FROM case_forwards WHERE direction = 'in'").Scan(&n); err != nil || n != 1 {
			t.Fatalf("received %d times (%v)", n, err)
		}
		if rcv.Channel != casework.ChannelForwarded || rcv.Forward == nil || rcv.Forward.RemoteSerial != c.Serial || rcv.Status != casework.Submitted ||
			rcv.Applicant.Name != "陈家明" || rcv.Applicant.Ident != "610923198503120025" {
			t.Fatalf("received: %+v forward %+v", rcv, rcv.Forward)
		}
		if !strings.Contains(rcv.Steps[0].ActorName, "宁陕县") || !strings.Contains(rcv.Steps[0].Opinion, c.Serial) {
			t.Fatalf("the first step does not name the origin: %+v", rcv.Steps[0])
		}
		e.do("city.window", rcv.Serial, casework.ActAccept, casework.ActionInput{})
		e.do("shuili.reviewer", rcv.Serial, casework.ActReview, casework.ActionInput{Opinion: "水资源论证报告结论可信"})
		done := e.do("shuili.leader", rcv.Serial, casework.ActApprove, casework.ActionInput{Opinion: "准予取水"})
		if done.Status != casework.Completed || done.Result == nil || done.Result.Number == "" || done.Forward.State != "decided" {
			t.Fatalf("the city's case after its decision: %s %+v %+v", done.Status, done.Result, done.Forward)
		}
		if len(l.back) != 1 || l.to[1] != "610923" {
			t.Fatalf("decisions given back: %d to %v", len(l.back), l.to)
		}
		dec := l.back[0]
		if dec.Case != c.Serial || dec.Serial != rcv.Serial || !dec.Approved || dec.Decider != "钱水生" || dec.Result == nil || dec.Result.Number != done.Result.Number {
			t.Fatalf("the decision: %+v", dec)
		}
		// The applicant heard from the county only.
		if err := d.QueryRow(e.ctx, "SELECT COUNT(*) FROM notifications WHERE case_serial = ?", rcv.Serial).Scan(&n); err != nil || n != 0 {
			t.Fatalf("the city told the applicant %d times (%v)", n, err)
		}

		// County: only the platform it was sent to decides it.
		other := &casework.Peer{Code: "610902", Name: "汉滨区", Role: "county"}
		err := d.InTx(e.ctx, func(tx *db.Tx) error { return e.cases.ApplyDecision(e.ctx, tx, other, &dec) })
		if zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("a decision from another platform: %v", err)
		}
		for i := 0; i < 2; i++ {
			if err := d.InTx(e.ctx, func(tx *db.Tx) error { return e.cases.ApplyDecision(e.ctx, tx, l.upper, &dec) }); err != nil {
				t.Fatal(err)
			}
		}
		got, err := e.cases.Get(e.ctx, e.actor("county.window"), c.Serial)
		if err != nil {
			t.Fatal(err)
		}
		decided := 0
		for _, st := range got.Steps {
			if st.Action == casework.ActApprove {
				decided++
				if st.ActorName != "安康市政务服务中心（市平台） 钱水生" || st.Opinion != "准予取水" {
					t.Fatalf("the decision's step: %+v", st)
				}
			}
		}
		if decided != 1 || got.Status != casework.Approved || got.Forward.Waiting() || got.Forward.RemoteSerial != rcv.Serial {
			t.Fatalf("applied %d times; status %s, forward %+v", decided, got.Status, got.Forward)
		}
		fin := e.do("county.window", c.Serial, casework.ActComplete, casework.ActionInput{})
		if fin.Status != casework.Completed || fin.Result.Number != done.Result.Number || fin.Result.Issuer != dec.Dept {
			t.Fatalf("completed at the county: %s %+v", fin.Status, fin.Result)
		}
	})
}
