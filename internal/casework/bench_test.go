package casework_test

import (
	"encoding/json"
	"testing"

	"zwfw"

	"zwfw/internal/casework"
	"zwfw/internal/db/dbtest"
)

// BenchmarkLifecycle measures one full lifecycle through the service (no
// HTTP): apply, accept, approve, complete, evaluate on SQLite.
func BenchmarkLifecycle(b *testing.B) {
	d := dbtest.SQLite(b)
	e := setup(b, d)
	clerk, reviewer := e.actor("county.window"), e.actor("county.reviewer")
	first := e.walkIn("county.window", "010100100000", "610923C")
	in := casework.ApplyInput{ItemCode: "010100100000", OrgCode: "610923C",
		Applicant: &casework.ApplicantInput{Name: "陈家明", IDNumber: "610923198503120025", Phone: "13991568899"}}
	for _, m := range first.Materials {
		in.Materials = append(in.Materials, casework.MaterialInput{Name: m.Name, HandedIn: "window"})
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := e.cases.Apply(e.ctx, clerk, in)
		if err != nil {
			b.Fatal(err)
		}
		for _, st := range []struct {
			who    string
			action string
			in     casework.ActionInput
		}{{"w", casework.ActAccept, casework.ActionInput{}}, {"r", casework.ActApprove, casework.ActionInput{Opinion: "准予许可"}},
			{"w", casework.ActComplete, casework.ActionInput{}}, {"w", casework.ActEvaluate, casework.ActionInput{Level: 1, Channel: "pad"}}} {
			a := clerk
			if st.who == "r" {
				a = reviewer
			}
			if c, err = e.cases.Act(e.ctx, a, c.Serial, st.action, st.in); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkGetUncached measures a case lookup that misses the cache — the
// read, the decoding of the kept parts, the personal data opened, the
// actions and deadline decided — and the masked case encoded as the API
// answers it, over completed cases on SQLite.
func BenchmarkGetUncached(b *testing.B) {
	d := dbtest.SQLite(b)
	e := setup(b, d)
	clerk, reviewer := e.actor("county.window"), e.actor("county.reviewer")
	first := e.walkIn("county.window", "010100100000", "610923C")
	in := casework.ApplyInput{ItemCode: "010100100000", OrgCode: "610923C",
		Applicant: &casework.ApplicantInput{Name: "陈家明", IDNumber: "610923198503120025", Phone: "13991568899"}}
	for _, m := range first.Materials {
		in.Materials = append(in.Materials, casework.MaterialInput{Name: m.Name, HandedIn: "window"})
	}
	var serials []string
	for range 50 {
		c, err := e.cases.Apply(e.ctx, clerk, in)
		if err != nil {
			b.Fatal(err)
		}
		for _, st := range []struct {
			a      *zwfw.Actor
			action string
			in     casework.ActionInput
		}{{clerk, casework.ActAccept, casework.ActionInput{}}, {reviewer, casework.ActApprove, casework.ActionInput{Opinion: "准予许可"}},
			{clerk, casework.ActComplete, casework.ActionInput{}}, {clerk, casework.ActEvaluate, casework.ActionInput{Level: 1, Channel: "pad"}}} {
			if c, err = e.cases.Act(e.ctx, st.a, c.Serial, st.action, st.in); err != nil {
				b.Fatal(err)
			}
		}
		serials = append(serials, c.Serial)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.cases.ForgetCases()
		c, err := e.cases.Get(e.ctx, clerk, serials[i%len(serials)])
		if err != nil {
			b.Fatal(err)
		}
		c.Mask()
		if _, err := json.Marshal(c); err != nil {
			b.Fatal(err)
		}
	}
}
