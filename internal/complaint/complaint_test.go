package complaint_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
	"zwfw/internal/complaint"
	"zwfw/internal/throttle"
)

const (
	townCentre = "610923100C"
	townWindow = "610923100CW01"
)

func count(t *testing.T, e *apptest.Env, q string, args ...any) int {
	t.Helper()
	var n int
	if err := e.App.DB.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// notes counts the in-app notes to username whose subject starts with
// subject and whose subject or body names number.
func notes(t *testing.T, e *apptest.Env, username, subject, number string) int {
	t.Helper()
	return count(t, e, `SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id
		WHERE u.username = ? AND n.channel = 'inapp' AND n.subject LIKE ? AND (n.subject LIKE ? OR n.body LIKE ?)`,
		username, subject+"%", "%"+number+"%", "%"+number+"%")
}

func code(t *testing.T, err error) string {
	t.Helper()
	return zwfw.ErrorCode(err)
}

// A complaint filed at a town's centre on a Monday, assigned to a window,
// and left unanswered: the scan turns it yellow before its deadline and red
// after it. The yellow card goes to the window's staff, the town's
// supervisor and the manager who assigned it — not to the county; the red
// card to them and the county's supervisor and the county centre's
// manager. Each colour is told once; the answer clears the warning.
func TestComplaintOverdueEscalates(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		e.Clock.SetDay("2026-11-16") // a Monday
		e.Clock.Add(10 * time.Hour)
		rc, err := e.App.Complaints.Submit(ctx, nil, complaint.ChannelOnline, complaint.Input{Kind: complaint.KindComplaint, Category: "attitude",
			Org: townCentre, Subject: "窗口人员态度生硬", Body: "上午在综合窗口办理业务，工作人员态度生硬，不解释材料要求。", Name: "张三", Phone: "13800001111"}, "192.0.2.10")
		if err != nil {
			t.Fatal(err)
		}
		if rc.Deadline != "2026-11-23" || !strings.HasPrefix(rc.Number, "TS20261116") || len(rc.QueryCode) != 6 {
			t.Fatalf("receipt %+v: want deadline 2026-11-23 (5 working days), number TS20261116…", rc)
		}
		if _, err := e.App.Complaints.Act(ctx, e.Actor(t, "chengguan.hall"), rc.Number, complaint.ActAssign, complaint.ActInput{Unit: townWindow}); err != nil {
			t.Fatal(err)
		}
		level := map[string]string{} // first day of each colour
		for d := e.Clock.Date(); !d.After(time.Date(2026, 11, 26, 0, 0, 0, 0, d.Location())); d = d.AddDate(0, 0, 1) {
			e.Clock.Set(d.Add(9 * time.Hour))
			if _, err := e.App.Warnings.Scan(ctx); err != nil {
				t.Fatal(err)
			}
			ws, err := e.App.Warnings.DutyWarnings(ctx, e.Actor(t, "county.supervisor"), "complaint", 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range ws {
				if w.Number == rc.Number && level[w.Level] == "" {
					level[w.Level] = d.Format("2006-01-02")
					if w.Level == "yellow" {
						// Yellow: the unit's side, not the county.
						for _, u := range []string{"chengguan.window", "chengguan.windowb", "chengguan.supervisor", "chengguan.hall"} {
							if n := notes(t, e, u, "黄牌预警", rc.Number); n != 1 {
								t.Errorf("yellow: %s told %d times, want once", u, n)
							}
						}
						for _, u := range []string{"county.supervisor", "county.hall"} {
							if n := notes(t, e, u, "黄牌预警", rc.Number); n != 0 {
								t.Errorf("yellow went to the county already: %s", u)
							}
						}
					}
				}
			}
		}
		if level["yellow"] == "" || level["red"] == "" || level["yellow"] >= level["red"] || level["red"] <= "2026-11-23" {
			t.Fatalf("colours %v: want yellow before the deadline 2026-11-23 and red after it", level)
		}
		for _, u := range []string{"chengguan.window", "chengguan.supervisor", "chengguan.hall", "county.supervisor", "county.hall"} {
			if n := notes(t, e, u, "红牌超期", rc.Number); n != 1 {
				t.Errorf("red: %s told %d times, want once", u, n)
			}
		}
		if n := notes(t, e, "county.window", "红牌超期", rc.Number); n != 0 {
			t.Errorf("red went to another centre's window")
		}
		// The town's supervisor sees the warning on 预警督办 as well.
		if ws, _ := e.App.Warnings.DutyWarnings(ctx, e.Actor(t, "chengguan.supervisor"), "complaint", 0); len(ws) != 1 || ws[0].KindName != "投诉" {
			t.Fatalf("town supervisor's duty warnings %+v", ws)
		}
		// Answered: the warning clears.
		if _, err := e.App.Complaints.Act(ctx, e.Actor(t, "chengguan.window"), rc.Number, complaint.ActAnswer,
			complaint.ActInput{Text: "经核实，已对窗口人员批评教育，并当面向您致歉。"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.Warnings.Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if ws, _ := e.App.Warnings.DutyWarnings(ctx, e.Actor(t, "county.supervisor"), "complaint", 0); len(ws) != 0 {
			t.Fatalf("answered, still warned: %+v", ws)
		}
	})
}

// The whole life of a complaint about a case: bad input refused with
// nothing stored, a bad case serial refused, the case linked, the lookup
// refusing a wrong code, the answer told to the complainant, one rating
// per answer, one reopening, and the figures.
func TestComplaintStory(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		e.Clock.SetDay("2026-11-16")
		e.Clock.Add(10 * time.Hour)
		svc := e.App.Complaints
		svc.SetSubmitLimit(throttle.Limit{N: -1})
		serial := e.Case(t, "resident.wang", "200300200000", townCentre, casework.Submitted)
		before := count(t, e, "SELECT COUNT(*) FROM complaints")
		good := complaint.Input{Kind: complaint.KindComplaint, Category: "material", Org: townCentre, Case: serial,
			Subject: "材料要求反复变化", Body: "第一次说要户口本，第二次又要结婚证，没有一次性告知。", Name: "王秀兰", Phone: "13991561234"}
		for name, tc := range map[string]struct {
			change func(*complaint.Input)
			field  string
		}{
			"kind":     {func(in *complaint.Input) { in.Kind = "rant" }, "kind"},
			"category": {func(in *complaint.Input) { in.Category = "" }, "category"},
			"body":     {func(in *complaint.Input) { in.Body = "差" }, "body"},
			"phone":    {func(in *complaint.Input) { in.Phone = "12345" }, "phone"},
			"name":     {func(in *complaint.Input) { in.Name = "" }, "name"},
			"org":      {func(in *complaint.Input) { in.Org = "999999" }, "org"},
			"case":     {func(in *complaint.Input) { in.Case = "610923100-20260101-99999" }, "case"},
		} {
			in := good
			tc.change(&in)
			_, err := svc.Submit(ctx, nil, complaint.ChannelOnline, in, "192.0.2.20")
			var ze *zwfw.Error
			if code(t, err) != zwfw.EINVALID || !asErr(err, &ze) || len(ze.Details) == 0 || ze.Details[0].Field != tc.field || ze.Message == "" {
				t.Errorf("%s: %v, want invalid on field %s", name, err, tc.field)
			}
		}
		if n := count(t, e, "SELECT COUNT(*) FROM complaints"); n != before {
			t.Fatalf("refused input stored %d complaints", n-before)
		}
		rc, err := svc.Submit(ctx, e.Actor(t, "resident.wang"), complaint.ChannelOnline, good, "192.0.2.20")
		if err != nil {
			t.Fatal(err)
		}
		// Stored sealed; shown masked.
		if n := count(t, e, "SELECT COUNT(*) FROM complaints WHERE contact_phone LIKE '%13991561234%' OR contact_name = '王秀兰'"); n != 0 {
			t.Fatal("contact stored in clear")
		}
		sup := e.Actor(t, "chengguan.supervisor")
		c, err := svc.Get(ctx, sup, rc.Number)
		if err != nil {
			t.Fatal(err)
		}
		if c.CaseSerial != serial || c.ContactPhone != "139****1234" || c.ContactName != "王**" || c.Channel != complaint.ChannelOnline {
			t.Fatalf("complaint %+v", c)
		}
		if got := c.Actions; len(got) != 1 || got[0] != complaint.ActAssign {
			t.Fatalf("supervisor's actions %v, want assign", got)
		}
		// The case's staff page lists it.
		if list, err := svc.ForCase(ctx, e.Actor(t, "chengguan.window"), serial); err != nil || len(list) != 1 || list[0].Number != rc.Number {
			t.Fatalf("for case: %v %v", list, err)
		}
		// Another county's — or another town's — staff do not read it.
		if _, err := svc.Get(ctx, e.Actor(t, "county.window"), rc.Number); code(t, err) != zwfw.ENOTFOUND {
			t.Fatalf("county window reads a town complaint: %v", err)
		}
		// Lookup: a wrong code refused, the right one reads it.
		if _, err := svc.Lookup(ctx, rc.Number, "000000x", "192.0.2.30"); code(t, err) != zwfw.ENOTFOUND {
			t.Fatalf("wrong code: %v", err)
		}
		wrong := "000000"
		if rc.QueryCode == wrong {
			wrong = "111111"
		}
		if _, err := svc.Lookup(ctx, rc.Number, wrong, "192.0.2.30"); code(t, err) != zwfw.ENOTFOUND {
			t.Fatalf("wrong code: %v", err)
		}
		p, err := svc.Lookup(ctx, strings.ToLower(rc.Number), rc.QueryCode, "192.0.2.30")
		if err != nil || p.State != complaint.Received || p.MayRate {
			t.Fatalf("lookup %+v %v", p, err)
		}
		// Rating before the answer: refused.
		if _, err := svc.Rate(ctx, rc.Number, rc.QueryCode, complaint.Satisfied, "", "192.0.2.30"); code(t, err) != zwfw.ECONFLICT {
			t.Fatalf("rating before the answer: %v", err)
		}
		// Answering before assignment, or by someone else: refused.
		if _, err := svc.Act(ctx, e.Actor(t, "chengguan.window"), rc.Number, complaint.ActAnswer, complaint.ActInput{Text: "已处理完毕，谢谢。"}); code(t, err) == "" {
			t.Fatal("answered before assignment")
		}
		// Assignment out of scope refused, nothing changed.
		if _, err := svc.Act(ctx, sup, rc.Number, complaint.ActAssign, complaint.ActInput{Unit: "610923CW01"}); code(t, err) != zwfw.EINVALID {
			t.Fatalf("assign to the county's window by a town supervisor: %v", err)
		}
		if _, err := svc.Act(ctx, sup, rc.Number, complaint.ActAssign, complaint.ActInput{Unit: townWindow}); err != nil {
			t.Fatal(err)
		}
		if n := notes(t, e, "chengguan.window", "请办理", rc.Number); n != 1 {
			t.Fatalf("window told %d times of the assignment", n)
		}
		// The unit calls back: the full number with a reason, recorded;
		// without a reason, or for someone out of reach, nothing.
		if _, err := svc.RevealPhone(ctx, e.Actor(t, "chengguan.window"), rc.Number, " "); code(t, err) != zwfw.EINVALID {
			t.Fatalf("reveal without a reason: %v", err)
		}
		if _, err := svc.RevealPhone(ctx, e.Actor(t, "county.window"), rc.Number, "回访"); code(t, err) != zwfw.ENOTFOUND {
			t.Fatalf("reveal by the county's window: %v", err)
		}
		audits := count(t, e, "SELECT COUNT(*) FROM audit_log WHERE action = 'complaint.reveal_phone'")
		if p, err := svc.RevealPhone(ctx, e.Actor(t, "chengguan.window"), rc.Number, "电话回访反映人"); err != nil || p != "13991561234" {
			t.Fatalf("reveal by the unit: %q %v", p, err)
		}
		if n := count(t, e, "SELECT COUNT(*) FROM audit_log WHERE action = 'complaint.reveal_phone'"); n != audits+1 {
			t.Fatalf("%d audit entries of the reveal, want one more than %d", n, audits)
		}
		// A too-short answer refused.
		if _, err := svc.Act(ctx, e.Actor(t, "chengguan.window"), rc.Number, complaint.ActAnswer, complaint.ActInput{Text: "好"}); code(t, err) != zwfw.EINVALID {
			t.Fatalf("short answer: %v", err)
		}
		if _, err := svc.Act(ctx, e.Actor(t, "chengguan.window"), rc.Number, complaint.ActAnswer, complaint.ActInput{Text: "已核实，今后一次性告知全部材料，并向您致歉。"}); err != nil {
			t.Fatal(err)
		}
		// The complainant is told: in-app (signed in) and by SMS.
		if n := count(t, e, `SELECT COUNT(*) FROM notifications WHERE subject = ? AND channel = 'sms'`, "投诉建议已答复："+rc.Number); n != 1 {
			t.Fatalf("%d SMS of the answer", n)
		}
		if n := notes(t, e, "resident.wang", "投诉建议已答复", rc.Number); n != 1 {
			t.Fatalf("%d in-app notes of the answer", n)
		}
		// Rating: a wrong code refused; once only.
		if _, err := svc.Rate(ctx, rc.Number, wrong, complaint.Dissatisfied, "", "192.0.2.30"); code(t, err) != zwfw.ENOTFOUND {
			t.Fatalf("rating with a wrong code: %v", err)
		}
		if _, err := svc.Rate(ctx, rc.Number, rc.QueryCode, "great", "", "192.0.2.30"); code(t, err) != zwfw.EINVALID {
			t.Fatalf("bad rating: %v", err)
		}
		if p, err := svc.Rate(ctx, rc.Number, rc.QueryCode, complaint.Dissatisfied, "只道歉不解决", "192.0.2.30"); err != nil || p.Rating != complaint.Dissatisfied {
			t.Fatalf("rate: %+v %v", p, err)
		}
		if _, err := svc.Rate(ctx, rc.Number, rc.QueryCode, complaint.Satisfied, "", "192.0.2.30"); code(t, err) != zwfw.ECONFLICT {
			t.Fatalf("second rating: %v", err)
		}
		// Reopened once by a supervisor, not by the window; not twice.
		if _, err := svc.Act(ctx, e.Actor(t, "chengguan.window"), rc.Number, complaint.ActReopen, complaint.ActInput{Text: "重新处理"}); code(t, err) != zwfw.EFORBIDDEN {
			t.Fatalf("window reopens: %v", err)
		}
		if c, err = svc.Act(ctx, sup, rc.Number, complaint.ActReopen, complaint.ActInput{Text: "投诉人不满意，请补办材料并回访"}); err != nil || c.State != complaint.Assigned || c.Reopened != 1 {
			t.Fatalf("reopen: %+v %v", c, err)
		}
		if _, err := svc.Act(ctx, e.Actor(t, "chengguan.window"), rc.Number, complaint.ActAnswer, complaint.ActInput{Text: "已上门收取材料，业务已办结。"}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Rate(ctx, rc.Number, rc.QueryCode, complaint.Dissatisfied, "", "192.0.2.30"); err != nil {
			t.Fatalf("rating the new answer: %v", err)
		}
		if _, err := svc.Act(ctx, sup, rc.Number, complaint.ActReopen, complaint.ActInput{Text: "再次重新处理"}); code(t, err) != zwfw.ECONFLICT {
			t.Fatalf("second reopening: %v", err)
		}
		// Every staff action audited.
		if n := count(t, e, "SELECT COUNT(*) FROM audit_log WHERE object = ?", "complaint:"+rc.Number); n < 6 {
			t.Fatalf("%d audit entries", n)
		}
		// Figures: by unit, for the annual assessment.
		from := time.Date(2026, 11, 1, 0, 0, 0, 0, zwfw.Zone)
		counts, err := svc.Counts(ctx, sup.OrgPath, from, from.AddDate(0, 1, 0))
		if err != nil {
			t.Fatal(err)
		}
		var win complaint.Counts
		for k, v := range counts {
			if strings.HasSuffix(k, "/") && v.Complaints == 1 && v.Dissatisfied == 1 {
				win = v
			}
		}
		if win.Total != 1 || win.Answered != 1 || win.OnTime != 1 || win.Reopened != 1 {
			t.Fatalf("counts %+v", counts)
		}
		st, err := svc.Statistics(ctx, sup, from, from.AddDate(0, 0, 29))
		if err != nil || st.All.Total != 1 || len(st.ByCategory) != 1 || st.ByCategory[0].Name != "材料要求" || st.ByOutcome[0].Name != "不满意" {
			t.Fatalf("statistics %+v %v", st, err)
		}
		if b, err := st.XLSX(); err != nil || len(b) < 1000 {
			t.Fatalf("xlsx: %d bytes, %v", len(b), err)
		}
		// The annual assessment counts the 投诉 against the window and its
		// centre (评价结果作为部门和个人年度考核的重要依据).
		rep, err := e.App.Reports.GenerateReport(ctx, e.Actor(t, "county.supervisor"), "annual", "2026", "610923")
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, u := range append(rep.Annual.Windows, rep.Annual.Centres...) {
			if u.Code == townWindow || u.Code == townCentre {
				found++
				if u.Complaints == nil || *u.Complaints != 1 {
					t.Errorf("%s: complaints %v in the annual assessment, want 1", u.Code, u.Complaints)
				}
			}
		}
		if found != 2 {
			t.Errorf("%d of the window and its centre in the annual assessment, want both", found)
		}
	})
}

// Staff register a call with its channel, attributed to them; a public
// channel or a staff member on the public form is refused; the county sets
// its own limits.
func TestComplaintRegisterAndLimits(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		e.Clock.SetDay("2026-11-16")
		e.Clock.Add(10 * time.Hour)
		svc := e.App.Complaints
		w := e.Actor(t, "county.window")
		in := complaint.Input{Kind: complaint.KindSuggestion, Category: "environment", Org: "610923C", Subject: "大厅座椅太少",
			Body: "来电反映：上午办事人员多，等候区座椅不够。", Anonymous: true}
		if _, err := svc.Register(ctx, w, in); code(t, err) != zwfw.EINVALID {
			t.Fatalf("no channel: %v", err)
		}
		in.Channel = complaint.ChannelPhone
		if _, err := svc.Submit(ctx, w, complaint.ChannelOnline, in, "192.0.2.40"); code(t, err) != zwfw.EFORBIDDEN {
			t.Fatalf("staff on the public form: %v", err)
		}
		rc, err := svc.Register(ctx, w, in)
		if err != nil {
			t.Fatal(err)
		}
		if rc.Deadline != "2026-12-07" { // 15 working days for a suggestion
			t.Fatalf("suggestion deadline %s", rc.Deadline)
		}
		c, err := svc.Get(ctx, w, rc.Number)
		if err != nil || c.RegisteredBy != "李晓燕" || c.ChannelName != "电话" || !c.Anonymous {
			t.Fatalf("registered %+v %v", c, err)
		}
		// Limits: the county's administrator only.
		if _, err := svc.SetLimits(ctx, e.Actor(t, "chengguan.admin"), "610923", map[string]int{"complaint": 3}); code(t, err) != zwfw.EFORBIDDEN {
			t.Fatalf("town admin sets the county's limits: %v", err)
		}
		if _, err := svc.SetLimits(ctx, e.Actor(t, "county.admin"), "610923", map[string]int{"complaint": 0}); code(t, err) != zwfw.EINVALID {
			t.Fatalf("no limit for complaints: %v", err)
		}
		if _, err := svc.SetLimits(ctx, e.Actor(t, "county.admin"), "610923", map[string]int{"complaint": 3}); err != nil {
			t.Fatal(err)
		}
		in.Kind, in.Category = complaint.KindComplaint, "efficiency"
		rc, err = svc.Register(ctx, w, in)
		if err != nil || rc.Deadline != "2026-11-19" {
			t.Fatalf("complaint after the county's limit of 3: %+v %v", rc, err)
		}
		// Submissions per address are limited.
		svc.SetSubmitLimit(throttle.Limit{N: 2, Window: time.Hour})
		pub := complaint.Input{Kind: complaint.KindPraise, Category: "attitude", Org: "610923C", Subject: "表扬窗口", Body: "李晓燕耐心细致，一次办好。", Anonymous: true}
		for i := 0; i < 2; i++ {
			if _, err := svc.Submit(ctx, nil, complaint.ChannelBox, pub, "192.0.2.50"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.Submit(ctx, nil, complaint.ChannelBox, pub, "192.0.2.50"); code(t, err) != zwfw.ETOOMANY {
			t.Fatalf("third submission: %v", err)
		}
		// Failed lookups per address are limited as the case lookup's: once
		// used up, even the right code waits; a success gives its place back.
		svc.SetLookupLimit(throttle.Limit{N: 3, Window: time.Hour})
		if _, err := svc.Lookup(ctx, rc.Number, rc.QueryCode, "192.0.2.60"); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			if _, err := svc.Lookup(ctx, rc.Number, "999999x", "192.0.2.60"); code(t, err) != zwfw.ENOTFOUND {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
		if _, err := svc.Lookup(ctx, rc.Number, rc.QueryCode, "192.0.2.60"); code(t, err) != zwfw.ETOOMANY {
			t.Fatalf("after three failures: %v", err)
		}
		if _, err := svc.Lookup(ctx, rc.Number, rc.QueryCode, "192.0.2.61"); err != nil {
			t.Fatalf("another address: %v", err)
		}
	})
}

func asErr(err error, target **zwfw.Error) bool { return errors.As(err, target) }
