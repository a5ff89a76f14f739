package supervision_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/benchdata"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/casework/rollup"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/org"
	"zwfw/internal/supervision"
)

// drive files and handles cases of several centres, kinds and channels
// over three weeks, and stands on 2026-10-21.
func drive(e *env) {
	const food, job, joint = "010100100000", "200300200000", "050200400000"
	// A: county, on time, very satisfied.
	e.at("2026-09-28")
	a := e.apply("county.window", food, "610923C")
	e.do("county.window", a, casework.ActAccept, casework.ActionInput{})
	b := e.apply("county.window", food, "610923C")
	e.do("county.window", b, casework.ActAccept, casework.ActionInput{})
	rej := e.apply("county.window", food, "610923C")
	e.do("county.window", rej, casework.ActReject, casework.ActionInput{Opinion: "不属于本机关职权范围", Basis: "《行政许可法》第三十二条"})
	// C: online at the town, immediate, satisfied; W: online, withdrawn.
	c := e.apply("resident.wang", job, "610923100C")
	e.do("chengguan.window", c, casework.ActAccept, casework.ActionInput{})
	e.do("chengguan.window", c, casework.ActApprove, casework.ActionInput{})
	e.do("chengguan.window", c, casework.ActComplete, casework.ActionInput{})
	e.do("resident.wang", c, casework.ActEvaluate, casework.ActionInput{LevelName: "满意"})
	w := e.apply("resident.wang", job, "610923100C")
	e.do("resident.wang", w, casework.ActWithdraw, casework.ActionInput{})
	tw := e.apply("chengguan.window", job, "610923100C")
	e.do("chengguan.window", tw, casework.ActAccept, casework.ActionInput{})
	e.do("chengguan.window", tw, casework.ActApprove, casework.ActionInput{})
	e.do("chengguan.window", tw, casework.ActComplete, casework.ActionInput{})
	e.do("chengguan.window", tw, casework.ActEvaluate, casework.ActionInput{Level: 5, Comment: "等候时间太长"})
	e.do("chengguan.window", tw, casework.ActEvaluate, casework.ActionInput{Level: 3})

	e.at("2026-09-29")
	e.do("county.reviewer", a, casework.ActApprove, casework.ActionInput{Opinion: "准予许可"})
	e.do("county.window", a, casework.ActComplete, casework.ActionInput{})
	e.do("county.window", a, casework.ActDeliver, casework.ActionInput{Delivery: &casework.Delivery{Method: "onsite"}})
	e.do("county.window", a, casework.ActEvaluate, casework.ActionInput{Level: 1, Channel: "pad"})
	e.do("county.window", a, casework.ActArchive, casework.ActionInput{})
	j := e.apply("county.window", joint, "610923C")
	e.do("county.window", j, casework.ActAccept, casework.ActionInput{})
	e.do("canlian.reviewer", j, casework.ActTaskApprove, casework.ActionInput{Opinion: "符合条件"})
	e.do("minzheng.reviewer", j, casework.ActApprove, casework.ActionInput{Opinion: "同意"})
	e.do("county.window", j, casework.ActComplete, casework.ActionInput{})

	// B: completed after its deadline (10/10), dissatisfied.
	e.at("2026-10-12")
	e.do("county.reviewer", b, casework.ActApprove, casework.ActionInput{Opinion: "准予许可"})
	e.do("county.window", b, casework.ActComplete, casework.ActionInput{})
	e.do("county.window", b, casework.ActEvaluate, casework.ActionInput{Level: 4, Comment: "超期办结", Channel: "pad"})
	// F: accepted 10/12, deadline 10/19: overdue on 10/21.
	f := e.apply("county.window", food, "610923C")
	e.do("county.window", f, casework.ActAccept, casework.ActionInput{})
	// G: accepted 10/16, deadline 10/23: two working days left on 10/21 (yellow).
	e.at("2026-10-16")
	g := e.apply("county.window", food, "610923C")
	e.do("county.window", g, casework.ActAccept, casework.ActionInput{})
	e.at("2026-10-21")
	e.apply("county.window", food, "610923C")
	e.apply("chengguan.window", job, "610923100C")
}

// want is the dashboard computed independently from the cases and
// evaluations tables.
type want struct {
	cases, done, onTime, evals, satisfied, handled, promised int64
	overdue, warned                                          int
	today, month, year                                       int64
	by                                                       map[string]map[string][3]int64 // breakdown → code → cases, done, on time
}

func independent(e *env, scopePath, from, to string) want {
	e.t.Helper()
	w := want{by: map[string]map[string][3]int64{}}
	for _, b := range []string{"status", "dept", "town", "kind", "channel", "window", "trend"} {
		w.by[b] = map[string][3]int64{}
	}
	towns := map[string]string{} // path → code
	rows, err := e.d.Query(e.ctx, "SELECT path, code FROM orgs WHERE kind = 'town'")
	if err != nil {
		e.t.Fatal(err)
	}
	for rows.Next() {
		var p, c string
		rows.Scan(&p, &c)
		towns[p] = c
	}
	rows.Close()
	evals := map[int64][]int{}
	rows, err = e.d.Query(e.ctx, "SELECT case_id, level FROM evaluations")
	if err != nil {
		e.t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var l int
		rows.Scan(&id, &l)
		evals[id] = append(evals[id], l)
	}
	rows.Close()
	today := calendar.Date(e.now)
	todayS := today.Format(calendar.DateLayout)
	rows, err = e.d.Query(e.ctx, `SELECT c.id, c.status, c.kind, c.channel, COALESCE(w.code, ''), c.day, c.org_path, o.code, c.dept_path, d.code,
		c.deadline, c.accepted_at, c.completed_at, c.promised_days, c.extended_days
		FROM cases c JOIN orgs o ON o.id = c.org_id JOIN orgs d ON d.id = c.dept_id LEFT JOIN orgs w ON w.id = c.window_id`)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, acc, comp int64
		var status, kind, channel, window, day, orgPath, orgCode, deptPath, deptCode, deadline string
		var promised, extended int
		if err := rows.Scan(&id, &status, &kind, &channel, &window, &day, &orgPath, &orgCode, &deptPath, &deptCode, &deadline, &acc, &comp, &promised, &extended); err != nil {
			e.t.Fatal(err)
		}
		if !strings.HasPrefix(orgPath, scopePath) && !strings.HasPrefix(deptPath, scopePath) {
			continue
		}
		open := map[string]bool{"accepted": true, "in_progress": true, "suspended": true, "approved": true, "awaiting_payment": true}[status]
		if open && deadline != "" {
			if deadline < todayS {
				w.overdue++
			} else if status != "suspended" { // a stopped clock is paused, not yellow (casework Level)
				dl, _ := calendar.ParseDate(deadline)
				left, err := e.cal.WorkdaysBetween(e.ctx, orgPath, today, dl)
				if err != nil {
					e.t.Fatal(err)
				}
				rule := e.cases.WarnRule()
				if left <= max(rule.Days, int(float64(promised+extended)*(1-rule.Share)+1e-9)) {
					w.warned++
				}
			}
		}
		if day == todayS {
			w.today++
		}
		if day[:7] == todayS[:7] {
			w.month++
		}
		if day[:4] == todayS[:4] {
			w.year++
		}
		if day < from || day > to {
			continue
		}
		town := orgCode
		for p, c := range towns {
			if strings.HasPrefix(orgPath, p) {
				town = c
			}
		}
		var done, onTime int64
		if comp > 0 {
			done = 1
			on := db.Time(comp).Format(calendar.DateLayout)
			if deadline == "" || on <= deadline {
				onTime = 1
			}
			h, err := e.cal.WorkdaysBetween(e.ctx, orgPath, db.Time(acc), db.Time(comp))
			if err != nil {
				e.t.Fatal(err)
			}
			w.handled += int64(h)
			w.promised += int64(promised)
		}
		w.cases++
		w.done += done
		w.onTime += onTime
		for _, l := range evals[id] {
			w.evals++
			if l <= 3 {
				w.satisfied++
			}
		}
		trend := day[:7]
		if f, _ := calendar.ParseDate(from); f.AddDate(0, 0, 62).After(mustDate(e.t, to)) {
			trend = day // up to two months: day by day
		}
		for b, k := range map[string]string{"status": status, "dept": deptCode, "town": town, "kind": kind, "channel": channel, "window": window, "trend": trend} {
			v := w.by[b][k]
			w.by[b][k] = [3]int64{v[0] + 1, v[1] + done, v[2] + onTime}
		}
	}
	return w
}

func figures(fs []supervision.Figure) map[string][3]int64 {
	m := map[string][3]int64{}
	for _, f := range fs {
		if f.Cases > 0 {
			m[f.Code] = [3]int64{f.Cases, f.Done, f.OnTime}
		}
	}
	return m
}

func rate(part, whole int64) *float64 {
	if whole == 0 {
		return nil
	}
	r := float64(int64(1000*float64(part)/float64(whole)+0.5)) / 10
	return &r
}

func eqRate(a, b *float64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

func check(t *testing.T, e *env, who string, f supervision.Filter, scopePath string) *supervision.Overview {
	t.Helper()
	ov, err := e.sup.Overview(e.ctx, e.actor(who), f)
	if err != nil {
		t.Fatalf("overview for %s %+v: %v", who, f, err)
	}
	w := independent(e, scopePath, ov.From, ov.To)
	tot := ov.Totals
	got := [...]int64{tot.Cases, tot.Done, tot.OnTime, tot.Evaluations, tot.Satisfied, int64(tot.Overdue), int64(tot.Warned), tot.Today, tot.Month, tot.Year}
	exp := [...]int64{w.cases, w.done, w.onTime, w.evals, w.satisfied, int64(w.overdue), int64(w.warned), w.today, w.month, w.year}
	if got != exp {
		t.Errorf("%s %+v: cases, done, on time, evaluations, satisfied, overdue, warned, today, month, year = %v, want %v", who, f, got, exp)
	}
	if tot.Late != w.done-w.onTime || !eqRate(tot.OnTimeRate, rate(w.onTime, w.done)) || !eqRate(tot.SatisfactionRate, rate(w.satisfied, w.evals)) {
		t.Errorf("late %d, on-time rate %v, satisfaction %v", tot.Late, tot.OnTimeRate, tot.SatisfactionRate)
	}
	if w.done > 0 && (tot.AvgHandledDays == nil || *tot.AvgHandledDays != float64(int64(10*float64(w.handled)/float64(w.done)+0.5))/10 ||
		*tot.AvgPromisedDays != float64(int64(10*float64(w.promised)/float64(w.done)+0.5))/10) {
		t.Errorf("average handling %v vs promised %v; want %d/%d and %d/%d", tot.AvgHandledDays, tot.AvgPromisedDays, w.handled, w.done, w.promised, w.done)
	}
	for b, fs := range map[string][]supervision.Figure{"status": ov.ByStatus, "dept": ov.ByDept, "town": ov.ByTown, "kind": ov.ByKind,
		"channel": ov.ByChannel, "window": ov.ByWindow, "trend": ov.Trend} {
		if g := figures(fs); !reflect.DeepEqual(g, w.by[b]) {
			t.Errorf("%s %+v: by %s = %v, want %v", who, f, b, g, w.by[b])
		}
	}
	// Every figure drills down to exactly the cases behind it.
	a := e.actor(who)
	drill := func(name, link string, n int64) {
		t.Helper()
		if link == "" {
			return
		}
		u, err := url.Parse(link)
		if err != nil || u.Path != "/supervision/cases" {
			t.Fatalf("%s: link %q", name, link)
		}
		_, total, _, err := e.sup.Cases(e.ctx, a, u.Query())
		if err != nil {
			t.Fatalf("%s: %s: %v", name, link, err)
		}
		if int64(total) != n {
			t.Errorf("%s: %s lists %d cases, the figure says %d", name, link, total, n)
		}
	}
	drill("cases", tot.Links.Cases, tot.Cases)
	drill("done", tot.Links.Done, tot.Done)
	drill("on time", tot.Links.OnTime, tot.OnTime)
	drill("late", tot.Links.Late, tot.Late)
	drill("overdue", tot.Links.Overdue, int64(tot.Overdue))
	drill("warned", tot.Links.Warned, int64(tot.Warned))
	drill("today", tot.Links.Today, tot.Today)
	drill("month", tot.Links.Month, tot.Month)
	drill("year", tot.Links.Year, tot.Year)
	for b, fs := range map[string][]supervision.Figure{"status": ov.ByStatus, "dept": ov.ByDept, "town": ov.ByTown, "kind": ov.ByKind,
		"channel": ov.ByChannel, "window": ov.ByWindow, "trend": ov.Trend} {
		for _, fg := range fs {
			drill(b+" "+fg.Code, fg.Link, fg.Cases)
		}
	}
	return ov
}

// TestOverviewEqualsCases: after real cases through casework, every figure
// of the dashboard equals a count made directly from the cases table, for
// the county, a town, a month and a period across months; each figure's
// link lists exactly its cases.
func TestOverviewEqualsCases(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d, "2026-09-28")
		drive(e)
		county, _ := org.NewService(d, e.clock).ByCode(e.ctx, "610923")
		town, _ := org.NewService(d, e.clock).ByCode(e.ctx, "610923100")
		ov := check(t, e, "county.supervisor", supervision.Filter{}, county.Path)
		if ov.Totals.Overdue < 1 || ov.Totals.Warned < 1 || ov.Totals.Late < 1 || ov.Totals.Evaluations < 5 || len(ov.ByTown) < 2 || len(ov.ByChannel) != 2 {
			t.Fatalf("the scenario should show overdue, warned, late, evaluations, two towns and both channels: %+v", ov.Totals)
		}
		if ov.TrendGrain != "month" || len(ov.Trend) != 12 {
			t.Errorf("a year's trend: %s, %d points", ov.TrendGrain, len(ov.Trend))
		}
		ov = check(t, e, "county.supervisor", supervision.Filter{From: "2026-10-01", To: "2026-10-31"}, county.Path)
		if ov.TrendGrain != "day" || len(ov.Trend) != 31 {
			t.Errorf("a month's trend: %s, %d points", ov.TrendGrain, len(ov.Trend))
		}
		check(t, e, "county.supervisor", supervision.Filter{From: "2026-09-29", To: "2026-10-16"}, county.Path)
		check(t, e, "county.supervisor", supervision.Filter{From: "2025-09-29", To: "2027-01-16"}, county.Path)
		check(t, e, "county.supervisor", supervision.Filter{Org: "610923100"}, town.Path)
		// A configured warning rule (ZWFW_WARN_DAYS / ZWFW_WARN_SHARE) moves
		// the warned count with it.
		e.sup.CacheTTL = 0
		before := check(t, e, "county.supervisor", supervision.Filter{}, county.Path).Totals.Warned
		e.cases.SetWarnRule(casework.WarnRule{Days: 0, Share: 1}) // yellow only on the last day
		narrow := check(t, e, "county.supervisor", supervision.Filter{}, county.Path).Totals.Warned
		if before < 1 || narrow >= before {
			t.Errorf("the default rule warns %d cases, a narrower one %d", before, narrow)
		}
		e.cases.SetWarnRule(casework.DefaultWarnRule)
		// A town's supervisor sees the town only.
		tv := check(t, e, "chengguan.supervisor", supervision.Filter{}, town.Path)
		if tv.Totals.Cases == 0 || tv.Totals.Cases >= ov.Totals.Cases+1000 {
			t.Fatalf("town totals %d", tv.Totals.Cases)
		}
		for _, f := range tv.ByTown {
			if f.Code != "610923100" {
				t.Errorf("the town's supervisor sees %s (%s)", f.Code, f.Name)
			}
		}
		if _, err := e.sup.Overview(e.ctx, e.actor("chengguan.supervisor"), supervision.Filter{Org: "610923"}); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Errorf("a town's supervisor asking for the county: %v", err)
		}
		if _, err := e.sup.Overview(e.ctx, e.actor("county.window"), supervision.Filter{}); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Errorf("a window clerk asking for the dashboard: %v", err)
		}
		for _, f := range []supervision.Filter{{From: "2026-13-01"}, {From: "2026-10-02", To: "2026-10-01"}, {Org: "nope"}, {From: "2019-01-01", To: "2026-01-01"}} {
			if _, err := e.sup.Overview(e.ctx, e.actor("county.supervisor"), f); zwfw.ErrorCode(err) != zwfw.EINVALID {
				t.Errorf("filter %+v: %v, want invalid", f, err)
			}
		}
	})
}

// TestRebuildStats: the rollup rebuilt from the cases table equals the one
// kept incrementally by every case change.
func TestRebuildStats(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d, "2026-09-28")
		drive(e)
		before := snapshot(t, d)
		if len(before) < 20 {
			t.Fatalf("only %d rollup rows", len(before))
		}
		if err := supervision.RebuildStats(e.ctx, d); err != nil {
			t.Fatal(err)
		}
		after := snapshot(t, d)
		if !reflect.DeepEqual(before, after) {
			for i := range max(len(before), len(after)) {
				var b, a string
				if i < len(before) {
					b = before[i]
				}
				if i < len(after) {
					a = after[i]
				}
				if a != b {
					t.Errorf("row %d: incremental %s, rebuilt %s", i, b, a)
				}
			}
		}
	})
}

// snapshot lists the rollup's non-empty rows, of case_stats, of the narrow
// case_counts (as rows of case_stats without window, kind, channel and
// status, prefixed "counts") and of the breakdowns per region (as rows of
// case_stats with the region for the centre, the dimension for the kind and
// the value for the channel, prefixed "breakdown").
func snapshot(t *testing.T, d *db.DB) []string {
	// Changes queued on PostgreSQL count as soon as they are committed.
	if err := rollup.Flush(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	rows, err := d.Query(context.Background(), `SELECT grain, period, org_id, dept_id, window_id, kind, channel, status,
		n, done, on_time, handled_days, promised_days, evals, satisfied FROM case_stats
		UNION ALL SELECT 'counts ' || grain, period, org_id, dept_id, 0, '', '', '', n, done, on_time, 0, 0, 0, 0 FROM case_counts
		UNION ALL SELECT 'breakdown ' || grain, period, scope_id, 0, 0, dim, value, '', n, done, on_time, handled_days, promised_days, evals, satisfied
		FROM case_breakdowns`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var g, p, k, ch, st string
		var o, dp, w, n, done, on, h, pr, ev, sa int64
		if err := rows.Scan(&g, &p, &o, &dp, &w, &k, &ch, &st, &n, &done, &on, &h, &pr, &ev, &sa); err != nil {
			t.Fatal(err)
		}
		if n == 0 && done == 0 && on == 0 && h == 0 && pr == 0 && ev == 0 && sa == 0 {
			continue
		}
		out = append(out, fmt.Sprint(g, p, o, dp, w, k, ch, st, n, done, on, h, pr, ev, sa))
	}
	sort.Strings(out)
	return out
}

func mustDate(t testing.TB, s string) time.Time {
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestConcurrentChanges: many cases of the same buckets filed and handled
// at once (the same rollup rows upserted by concurrent transactions, on
// PostgreSQL each holding its row locks to commit) all succeed, and the
// rollup still equals one rebuilt from the cases table.
func TestConcurrentChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d, "2026-09-28")
		const n = 16
		serials := make([]string, n)
		for i := range serials {
			serials[i] = e.apply("county.window", "010100100000", "610923C")
		}
		in := e.input("county.window", "010100100000", "610923C")
		clerk := e.actor("county.window")
		errs := make(chan error, 2*n)
		done := make(chan struct{})
		for i, s := range serials {
			go func() {
				defer func() { done <- struct{}{} }()
				if _, err := e.cases.Apply(e.ctx, clerk, in); err != nil {
					errs <- err
				}
				action, ai := casework.ActAccept, casework.ActionInput{}
				if i%3 == 1 {
					action, ai = casework.ActReject, casework.ActionInput{Opinion: "不属于本机关职权范围", Basis: "《行政许可法》第三十二条"}
				}
				if _, err := e.cases.Act(e.ctx, clerk, s, action, ai); err != nil {
					errs <- fmt.Errorf("%s %s: %w", action, s, err)
				}
			}()
		}
		for range serials {
			<-done
		}
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		before := snapshot(t, d)
		if err := supervision.RebuildStats(e.ctx, d); err != nil {
			t.Fatal(err)
		}
		if after := snapshot(t, d); !reflect.DeepEqual(before, after) {
			t.Errorf("after concurrent changes the rollup differs from the rebuilt one:\n%v\n%v", before, after)
		}
	})
}

// TestGenerate: generated cases hang together (deadlines, completion dates,
// handling days, evaluations) so that the dashboard over them equals the
// counts made directly from the tables, for the county and a town.
func TestGenerate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d, "2026-09-28")
		e.at("2026-10-21")
		if err := benchdata.Generate(e.ctx, d, benchdata.GenerateOptions{Cases: 3000, Years: 1, Now: e.now, Seed: 3}); err != nil {
			t.Fatal(err)
		}
		var n, open, evals int
		d.QueryRow(e.ctx, "SELECT COUNT(*) FROM cases").Scan(&n)
		d.QueryRow(e.ctx, "SELECT COUNT(*) FROM cases WHERE status IN ('accepted', 'in_progress', 'suspended', 'approved', 'awaiting_payment')").Scan(&open)
		d.QueryRow(e.ctx, "SELECT COUNT(*) FROM evaluations").Scan(&evals)
		if n < 3000 || open == 0 || evals < 1000 {
			t.Fatalf("%d cases, %d open, %d evaluations", n, open, evals)
		}
		county, _ := org.NewService(d, e.clock).ByCode(e.ctx, "610923")
		town, _ := org.NewService(d, e.clock).ByCode(e.ctx, "610923100")
		check(t, e, "county.supervisor", supervision.Filter{From: "2025-10-22", To: "2026-10-21"}, county.Path)
		check(t, e, "chengguan.supervisor", supervision.Filter{}, town.Path)
		// Any period, not only whole months and years: periods from
		// arbitrary days, across the turn of the year (a year bucket less
		// what lies outside), within a month (a month less its other days)
		// and of a few days, for the county and the town.
		e.sup.CacheTTL = 0
		r := rand.New(rand.NewPCG(11, 26))
		first := mustDate(t, "2025-10-22")
		for i := range 8 {
			n := 1 + r.IntN(40)
			if i%2 == 0 {
				n = 200 + r.IntN(166)
			}
			from := first.AddDate(0, 0, r.IntN(366-n))
			f := supervision.Filter{From: from.Format(calendar.DateLayout), To: from.AddDate(0, 0, n-1).Format(calendar.DateLayout)}
			check(t, e, "county.supervisor", f, county.Path)
			if i < 3 {
				check(t, e, "chengguan.supervisor", f, town.Path)
			}
		}
		for _, f := range []supervision.Filter{{From: "2025-12-30", To: "2026-12-02"}, {From: "2026-01-02", To: "2026-01-30"}, {From: "2026-02-01", To: "2026-02-27"}} {
			check(t, e, "county.supervisor", f, county.Path)
		}
		// Every kind of organisation, for random periods: regions read their
		// breakdowns, centres and departments case_stats; all equal the
		// counts made from the cases.
		orgs := org.NewService(d, e.clock)
		for _, code := range []string{"610923", "610923101", "610923100001", "610923C", "610923100C", "610923D01", "610923D02", "610923CW01"} {
			o, err := orgs.ByCode(e.ctx, code)
			if err != nil {
				t.Fatal(err)
			}
			n := 1 + r.IntN(400)
			from := first.AddDate(0, 0, r.IntN(366-min(n, 365)))
			f := supervision.Filter{Org: code, From: from.Format(calendar.DateLayout), To: from.AddDate(0, 0, n-1).Format(calendar.DateLayout)}
			check(t, e, "county.supervisor", f, o.Path)
		}
		// New cases after a bulk load get fresh ids.
		e.apply("county.window", "010100100000", "610923C")
	})
}

// TestMoveRegroupsBreakdowns: when 城关镇's centre moves to 四亩地镇, its
// cases leave 城关镇's dashboard and join 四亩地镇's in the move's
// transaction: the rollup equals one rebuilt from the cases, and every
// region's figures equal the cases'.
func TestMoveRegroupsBreakdowns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d, "2026-09-28")
		drive(e)
		e.sup.CacheTTL = 0
		orgs := org.NewService(d, e.clock)
		town, _ := orgs.ByCode(e.ctx, "610923100")
		before := check(t, e, "county.supervisor", supervision.Filter{Org: town.Code}, town.Path).Totals.Cases
		c, err := orgs.ByCode(e.ctx, "610923100C")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := orgs.Update(e.ctx, zwfw.System, c.Code, org.Input{Code: c.Code, ParentCode: "610923101", Kind: c.Kind, Name: c.Name}); err != nil {
			t.Fatal(err)
		}
		kept := snapshot(t, d)
		if err := supervision.RebuildStats(e.ctx, d); err != nil {
			t.Fatal(err)
		}
		if rebuilt := snapshot(t, d); !reflect.DeepEqual(kept, rebuilt) {
			t.Errorf("after the move the rollup differs from the rebuilt one:\n%v\n%v", kept, rebuilt)
		}
		for _, code := range []string{"610923100", "610923101", "610923"} {
			o, _ := orgs.ByCode(e.ctx, code)
			ov := check(t, e, "county.supervisor", supervision.Filter{Org: code}, o.Path)
			if code == "610923100" && (before == 0 || ov.Totals.Cases >= before) {
				t.Errorf("城关镇 had %d cases before the move, %d after", before, ov.Totals.Cases)
			}
		}
	})
}
