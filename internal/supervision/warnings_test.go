package supervision_test

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/jobs"
	"zwfw/internal/supervision"
)

func (e *env) scan() supervision.ScanResult {
	e.t.Helper()
	r, err := e.warn.Scan(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// state is the active warnings as "serial scope name level remaining".
func (e *env) state() map[string]supervision.Warning {
	e.t.Helper()
	list, _, err := e.warn.List(e.ctx, zwfw.System, supervision.WarningFilter{Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]supervision.Warning{}
	for _, w := range list {
		out[w.Serial+" "+w.Scope+" "+w.Name] = w
	}
	return out
}

// expect checks the active warnings equal want: key → "level remaining".
func (e *env) expect(day string, want map[string]string) {
	e.t.Helper()
	got := e.state()
	for k, v := range want {
		w, ok := got[k]
		if v == "" {
			if ok {
				e.t.Errorf("%s: %s has a %s warning, want none", day, k, w.Level)
			}
			continue
		}
		if !ok {
			e.t.Errorf("%s: %s has no warning, want %s", day, k, v)
			continue
		}
		if g := w.Level + " " + witoa(w.Remaining) + " " + w.Deadline; g != v {
			e.t.Errorf("%s: %s is %q, want %q", day, k, g, v)
		}
	}
	if len(got) != countSet(want) {
		e.t.Errorf("%s: %d active warnings %v, want %d", day, len(got), got, countSet(want))
	}
}

func countSet(m map[string]string) int {
	n := 0
	for _, v := range m {
		if v != "" {
			n++
		}
	}
	return n
}

func witoa(n int) string {
	if n < 0 {
		return "-" + witoa(-n)
	}
	return string(rune('0'+n/10%10)) + string(rune('0'+n%10))
}

// notes counts the warning messages each user received about serial.
func (e *env) notes(serial string) map[string]int {
	e.t.Helper()
	rows, err := e.d.Query(e.ctx, `SELECT u.username, n.subject FROM notifications n JOIN users u ON u.id = n.user_id
		WHERE n.case_serial = ? AND n.channel = 'inapp' AND (n.subject LIKE '黄牌%' OR n.subject LIKE '红牌%')`, serial)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var u, s string
		if err := rows.Scan(&u, &s); err != nil {
			e.t.Fatal(err)
		}
		out[u+" "+s[:strings.Index(s, "：")]]++
	}
	return out
}

// A 承诺件 accepted on Monday 2026-09-28 with 5 promised working days is due
// on Saturday 10-10 (a make-up working day after National Day); its review
// step (2 working days) on 9-30. A 联办件 accepted the same day is due on
// 10-23, its co-department's sub-task a working day earlier. Yellow at 3
// working days left or 80 % of the time gone; red once the date has passed.
func TestWarningsAcrossNationalDay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d, "2026-09-28")
		p := e.walkIn("county.window", "010100100000", "610923C")
		e.do("county.window", p.Serial, casework.ActAccept, casework.ActionInput{})
		j := e.walkIn("county.window", "050200400000", "610923C")
		e.do("county.window", j.Serial, casework.ActAccept, casework.ActionInput{})
		caseKey, stepKey := p.Serial+" case ", p.Serial+" step 审查"
		coKey, leadKey := j.Serial+" task 宁陕县残疾人联合会", j.Serial+" task 宁陕县民政局"
		jCase, jStep := j.Serial+" case ", j.Serial+" step 联合审查"

		r := e.scan()
		if r.Running != 2 {
			t.Fatalf("running cases %d, want 2", r.Running)
		}
		e.expect("9-28", map[string]string{caseKey: "", stepKey: "yellow 02 2026-09-30"})

		// 9-30: three working days remain (10-8, 10-9, 10-10) across the
		// holiday, so the case turns yellow; counting calendar days would
		// say ten.
		e.at("2026-09-30")
		e.scan()
		e.expect("9-30", map[string]string{caseKey: "yellow 03 2026-10-10", stepKey: "yellow 00 2026-09-30"})

		// National Day: the step is overdue; no working day has passed yet.
		e.at("2026-10-01")
		e.scan()
		e.expect("10-1", map[string]string{caseKey: "yellow 03 2026-10-10", stepKey: "red 00 2026-09-30"})
		e.at("2026-10-07")
		e.scan()
		e.expect("10-7", map[string]string{caseKey: "yellow 03 2026-10-10", stepKey: "red 00 2026-09-30"})
		e.at("2026-10-08")
		e.scan()
		e.expect("10-8", map[string]string{caseKey: "yellow 02 2026-10-10", stepKey: "red -01 2026-09-30"})

		// Saturday 10-10 is a working day and the last one; Sunday it is late.
		e.at("2026-10-10")
		e.scan()
		e.expect("10-10", map[string]string{caseKey: "yellow 00 2026-10-10", stepKey: "red -03 2026-09-30"})
		e.at("2026-10-11")
		e.scan()
		e.expect("10-11", map[string]string{caseKey: "red 00 2026-10-10", stepKey: "red -03 2026-09-30", jCase: ""})

		// The joint case: 14 working days for the co-department (due 10-22),
		// 15 for the lead, the case and its joint-review step (10-23).
		e.at("2026-10-16")
		e.scan()
		e.expect("10-16", map[string]string{caseKey: "red -05 2026-10-10", stepKey: "red -08 2026-09-30", coKey: "", leadKey: "", jCase: ""})
		e.at("2026-10-19")
		e.scan()
		e.expect("10-19", map[string]string{caseKey: "red -06 2026-10-10", stepKey: "red -09 2026-09-30",
			coKey: "yellow 03 2026-10-22", leadKey: "", jCase: ""})
		e.at("2026-10-23")
		e.scan()
		e.expect("10-23", map[string]string{caseKey: "red -10 2026-10-10", stepKey: "red -13 2026-09-30",
			coKey: "red -01 2026-10-22", leadKey: "yellow 00 2026-10-23", jCase: "yellow 00 2026-10-23", jStep: "yellow 00 2026-10-23"})

		// Each warning was announced once — to whoever must act and to the
		// county's supervisor; the town's supervisor hears nothing.
		if got, want := e.notes(p.Serial), map[string]int{
			"county.reviewer 黄牌预警": 2, "county.reviewer 红牌超期": 2,
			"county.supervisor 黄牌预警": 2, "county.supervisor 红牌超期": 2,
		}; !same(got, want) {
			t.Errorf("notes about %s: %v, want %v", p.Serial, got, want)
		}
		if got, want := e.notes(j.Serial), map[string]int{
			"canlian.reviewer 黄牌预警": 1, "canlian.reviewer 红牌超期": 1,
			"minzheng.reviewer 黄牌预警": 3, "county.supervisor 黄牌预警": 4, "county.supervisor 红牌超期": 1,
		}; !same(got, want) {
			t.Errorf("notes about %s: %v, want %v", j.Serial, got, want)
		}

		// The co-department gives its opinion: its sub-task's warning clears.
		e.do("canlian.reviewer", j.Serial, casework.ActTaskApprove, casework.ActionInput{Opinion: "符合条件"})
		// The promised case is decided and completed: it stops running.
		e.do("county.reviewer", p.Serial, casework.ActApprove, casework.ActionInput{Opinion: "准予许可"})
		e.do("county.window", p.Serial, casework.ActComplete, casework.ActionInput{Result: &casework.Result{Number: "JY16109230000123", ValidTo: "2031-09-28"}})
		e.scan()
		e.expect("10-23 later", map[string]string{caseKey: "", stepKey: "", coKey: "", leadKey: "yellow 00 2026-10-23", jCase: "yellow 00 2026-10-23", jStep: "yellow 00 2026-10-23"})
	})
}

func same(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Scanning again announces nothing again; a suspension clears the case's
// warning (its clock stands still) and the resumed case's warning comes
// back without a second message.
func TestWarningNotifiesOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d, "2026-09-28")
		p := e.walkIn("county.window", "010100100000", "610923C")
		e.do("county.window", p.Serial, casework.ActAccept, casework.ActionInput{})
		e.at("2026-09-30")
		first := e.scan()
		if first.Raised != 2 || first.Notified == 0 {
			t.Fatalf("first scan %+v: want the case and its step raised and announced", first)
		}
		for range 3 {
			if r := e.scan(); r.Raised != 0 || r.Notified != 0 {
				t.Fatalf("scan again %+v: nothing new may be raised or announced", r)
			}
		}
		before := e.notes(p.Serial)
		e.do("county.reviewer", p.Serial, casework.ActSuspend, casework.ActionInput{Kind: "expert", Opinion: "组织专家论证"})
		if r := e.scan(); r.Cleared != 2 {
			t.Fatalf("after suspension %+v: want both warnings cleared", r)
		}
		if n := len(e.state()); n != 0 {
			t.Fatalf("%d warnings of a suspended case", n)
		}
		e.do("county.reviewer", p.Serial, casework.ActResume, casework.ActionInput{})
		if r := e.scan(); r.Raised != 2 || r.Notified != 0 {
			t.Fatalf("after resuming %+v: want the warnings back, unannounced", r)
		}
		if after := e.notes(p.Serial); !same(before, after) {
			t.Fatalf("notes %v became %v", before, after)
		}
	})
}

// Lists keep to the viewer's subtree; applicants may not look; filters work.
func TestWarningScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d, "2026-09-28")
		county := e.walkIn("county.window", "010100100000", "610923C")
		e.do("county.window", county.Serial, casework.ActAccept, casework.ActionInput{})
		j := e.walkIn("county.window", "050200400000", "610923C")
		e.do("county.window", j.Serial, casework.ActAccept, casework.ActionInput{})
		e.at("2026-10-19")
		e.scan()
		serials := func(who string, f supervision.WarningFilter) map[string]bool {
			t.Helper()
			list, total, err := e.warn.List(e.ctx, e.actor(who), f)
			if err != nil {
				t.Fatalf("%s: %v", who, err)
			}
			if total != len(list) {
				t.Fatalf("%s: total %d, listed %d", who, total, len(list))
			}
			out := map[string]bool{}
			for _, w := range list {
				out[w.Serial+" "+w.Scope] = true
			}
			return out
		}
		if got := serials("county.supervisor", supervision.WarningFilter{}); len(got) != 3 {
			t.Errorf("county supervisor sees %v, want the case, its step and the joint sub-task", got)
		}
		if got := serials("chengguan.supervisor", supervision.WarningFilter{}); len(got) != 0 {
			t.Errorf("the town's supervisor sees %v of the county's cases", got)
		}
		if got := serials("canlian.reviewer", supervision.WarningFilter{}); len(got) != 1 || !got[j.Serial+" task"] {
			t.Errorf("the co-department sees %v, want only its sub-task", got)
		}
		if got := serials("county.supervisor", supervision.WarningFilter{Level: supervision.Red}); len(got) != 2 || !got[county.Serial+" case"] {
			t.Errorf("red only: %v", got)
		}
		if got := serials("county.supervisor", supervision.WarningFilter{Dept: "610923D14"}); len(got) != 1 || !got[j.Serial+" task"] {
			t.Errorf("department filter: %v", got)
		}
		if got := serials("county.supervisor", supervision.WarningFilter{Scope: supervision.ScopeStep}); len(got) != 1 || !got[county.Serial+" step"] {
			t.Errorf("scope filter: %v", got)
		}
		if got := serials("county.supervisor", supervision.WarningFilter{Org: "610923100"}); len(got) != 0 {
			t.Errorf("town filter: %v", got)
		}
		if _, _, err := e.warn.List(e.ctx, e.actor("resident.wang"), supervision.WarningFilter{}); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Errorf("an applicant lists warnings: %v", err)
		}
		if _, _, err := e.warn.List(e.ctx, e.actor("county.supervisor"), supervision.WarningFilter{Level: "orange"}); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Errorf("bad level: %v", err)
		}
	})
}

// Two server processes on one database (two job queues with their own
// connections, both working the warning job): every warning job runs once,
// and every warning is announced once even when scans overlap.
func TestWarningJobsTwoProcesses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d, "2026-09-28")
		p := e.walkIn("county.window", "010100100000", "610923C")
		e.do("county.window", p.Serial, casework.ActAccept, casework.ActionInput{})
		j := e.walkIn("county.window", "050200400000", "610923C")
		e.do("county.window", j.Serial, casework.ActAccept, casework.ActionInput{})
		e.at("2026-10-23")
		var queues []*jobs.Queue
		for _, name := range []string{"proc-a", "proc-b"} {
			q, err := jobs.New(e.ctx, d, jobs.Config{PollInterval: 50 * time.Millisecond, ID: name,
				Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { q.Close() })
			e.warn.Schedule(q, time.Hour)
			queues = append(queues, q)
		}
		for _, q := range queues {
			if err := q.Start(e.ctx); err != nil {
				t.Fatal(err)
			}
		}
		const n = 8
		for i := range n {
			if _, err := queues[i%2].Insert(e.ctx, supervision.ScanArgs{}, nil); err != nil {
				t.Fatal(err)
			}
		}
		// n inserted, and one more each time a leader starts (run on start).
		deadline := time.Now().Add(60 * time.Second)
		var done, total, again int
		for time.Now().Before(deadline) {
			if err := d.QueryRow(e.ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN state = 'completed' THEN 1 ELSE 0 END), 0),
				COALESCE(SUM(CASE WHEN attempt > 1 THEN 1 ELSE 0 END), 0) FROM river_job WHERE kind = ?`,
				supervision.ScanArgs{}.Kind()).Scan(&total, &done, &again); err != nil {
				t.Fatal(err)
			}
			if total >= n && done == total {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if total < n || done != total || again != 0 {
			t.Fatalf("warning jobs: %d inserted, %d completed, %d run more than once", total, done, again)
		}
		if got, want := e.notes(p.Serial), map[string]int{"county.reviewer 红牌超期": 2, "county.supervisor 红牌超期": 2}; !same(got, want) {
			t.Errorf("notes about %s: %v, want %v", p.Serial, got, want)
		}
		if got, want := e.notes(j.Serial), map[string]int{
			"canlian.reviewer 红牌超期": 1, "minzheng.reviewer 黄牌预警": 3, "county.supervisor 黄牌预警": 3, "county.supervisor 红牌超期": 1,
		}; !same(got, want) {
			t.Errorf("notes about %s: %v, want %v", j.Serial, got, want)
		}
		var rows int
		if err := d.QueryRow(e.ctx, "SELECT COUNT(*) FROM case_warnings").Scan(&rows); err != nil || rows != 6 {
			t.Errorf("%d warning rows (%v), want 6", rows, err)
		}
	})
}
