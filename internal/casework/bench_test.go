package casework_test

import (
	"testing"

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
