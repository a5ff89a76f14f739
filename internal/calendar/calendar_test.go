package calendar_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/org"
	"zwfw/internal/testclock"
)

func date(s string) time.Time {
	t, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestAddWorkdays(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := calendar.New(d, testclock.New().Now)
		for _, tc := range []struct {
			from string
			n    int
			want string
			why  string
		}{
			{"2026-11-26", 0, "2026-11-26", "即办: the same day"},
			{"2026-11-26", 1, "2026-11-27", "counting starts the day after acceptance"},
			{"2026-11-27", 1, "2026-11-30", "a Friday's next working day is Monday"},
			{"2026-11-28", 1, "2026-11-30", "accepted on a Saturday"},
			// Spring Festival 2026: 2/15–2/23 off; Saturday 2/14 and 2/28 are make-up working days.
			{"2026-02-12", 1, "2026-02-13", "before Spring Festival"},
			{"2026-02-13", 1, "2026-02-14", "Saturday 2/14 is a make-up working day"},
			{"2026-02-14", 1, "2026-02-24", "2/15–2/23 is the Spring Festival holiday"},
			{"2026-02-13", 5, "2026-02-27", "across Spring Festival"},
			{"2026-02-27", 1, "2026-02-28", "Saturday 2/28 is a make-up working day"},
			// National Day 2026: 10/1–10/7 off; Sunday 9/20 and Saturday 10/10 are make-up working days.
			{"2026-09-18", 1, "2026-09-20", "Sunday 9/20 is a make-up working day"},
			{"2026-09-30", 1, "2026-10-08", "10/1–10/7 is the National Day holiday"},
			{"2026-09-30", 3, "2026-10-10", "Saturday 10/10 is a make-up working day"},
			{"2026-09-29", 20, "2026-11-02", "a 20-day limit across National Day"},
			{"2026-01-01", 1, "2026-01-04", "New Year 1/1–1/3 off, Sunday 1/4 works"},
		} {
			got, err := c.AddWorkdays(ctx, "/", date(tc.from), tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if s := got.Format(calendar.DateLayout); s != tc.want {
				t.Errorf("AddWorkdays(%s, %d) = %s, want %s (%s)", tc.from, tc.n, s, tc.want, tc.why)
			}
		}
		if n, err := c.WorkdaysBetween(ctx, "/", date("2026-09-30"), date("2026-10-10")); err != nil || n != 3 {
			t.Errorf("WorkdaysBetween across National Day = %d, %v; want 3", n, err)
		}
		if n, _ := c.WorkdaysBetween(ctx, "/", date("2026-10-10"), date("2026-09-30")); n != -3 {
			t.Errorf("negative span = %d", n)
		}
	})
}

// tree is a city with two counties, a town and a centre in each: where the
// adjustments of the tests belong and apply.
type tree struct {
	paths map[string]string // code → path
}

func newTree(t testing.TB, d *db.DB) *tree {
	t.Helper()
	s := org.NewService(d, time.Now)
	tr := &tree{paths: map[string]string{}}
	for _, in := range []org.Input{
		{Code: "610900", Kind: org.KindCity, Name: "安康市"},
		{Code: "610923", ParentCode: "610900", Kind: org.KindCounty, Name: "宁陕县"},
		{Code: "610923100", ParentCode: "610923", Kind: org.KindTown, Name: "城关镇"},
		{Code: "610923100C", ParentCode: "610923100", Kind: org.KindCentre, Name: "城关镇便民服务中心"},
		{Code: "610922", ParentCode: "610900", Kind: org.KindCounty, Name: "石泉县"},
		{Code: "610922C", ParentCode: "610922", Kind: org.KindCentre, Name: "石泉县政务服务中心"},
	} {
		o, err := s.Create(context.Background(), zwfw.System, in)
		if err != nil {
			t.Fatalf("create %s: %v", in.Code, err)
		}
		tr.paths[o.Code] = o.Path
	}
	return tr
}

// admin is an administrator of the organisation with code.
func (tr *tree) admin(code string) *zwfw.Actor {
	return &zwfw.Actor{UserID: 0, Kind: zwfw.KindStaff, Roles: []string{zwfw.RoleAdmin}, Name: "管理员" + code, OrgCode: code, OrgPath: tr.paths[code]}
}

func TestLocalAdjustment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := calendar.New(d, testclock.New().Now)
		tr := newTree(t, d)
		admin, at := tr.admin("610923"), tr.paths["610923100C"]
		window := &zwfw.Actor{Kind: zwfw.KindStaff, Roles: []string{zwfw.RoleWindow}, OrgCode: "610923", OrgPath: tr.paths["610923"]}
		if _, err := c.Adjust(ctx, window, calendar.Adjustment{Date: "2026-12-01", Kind: calendar.Holiday, Note: "停电检修"}); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("window adjusting the calendar: %v", err)
		}
		a, err := c.Adjust(ctx, admin, calendar.Adjustment{Date: "2026-12-01", Kind: calendar.Holiday, Note: "大厅停电检修，暂停办公"})
		if err != nil || a.Org != "610923" || a.OrgName != "宁陕县" {
			t.Fatalf("adjust: %+v %v", a, err)
		}
		got, _ := c.AddWorkdays(ctx, at, date("2026-11-30"), 1)
		if s := got.Format(calendar.DateLayout); s != "2026-12-02" {
			t.Fatalf("after a local holiday: %s", s)
		}
		if _, err := c.Adjust(ctx, admin, calendar.Adjustment{Date: "2026-12-05", Kind: calendar.Workday, Note: "集中办理周六加班"}); err != nil {
			t.Fatal(err)
		}
		if ok, _ := c.IsWorkday(ctx, at, date("2026-12-05")); !ok {
			t.Fatal("local make-up Saturday not a working day")
		}
		if _, err := c.Adjust(ctx, admin, calendar.Adjustment{Date: "2026-12-01"}); err != nil {
			t.Fatal(err)
		}
		if ok, _ := c.IsWorkday(ctx, at, date("2026-12-01")); !ok {
			t.Fatal("removed adjustment still applies")
		}
	})
}

// A county's adjustment moves its own deadlines only; the city's move every
// county's; a county's overrides the city's on the same day; only the
// administrators of that county make them — not a town's, not another
// county's, not the city's.
func TestAdjustmentsBelongToTheirOrganisation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := calendar.New(d, testclock.New().Now)
		tr := newTree(t, d)
		ningshan, shiquan := tr.paths["610923100C"], tr.paths["610922C"]
		add := func(path, from string, n int) string {
			t.Helper()
			got, err := c.AddWorkdays(ctx, path, date(from), n)
			if err != nil {
				t.Fatal(err)
			}
			return got.Format(calendar.DateLayout)
		}
		// Monday 2027-03-15: 石泉 closes for flood prevention.
		flood := calendar.Adjustment{Date: "2027-03-15", Kind: calendar.Holiday, Note: "防汛应急，暂停对外办公"}
		for _, who := range []struct {
			actor *zwfw.Actor
			org   string
			why   string
		}{
			{tr.admin("610923100"), "", "a town has no calendar of its own"},
			{tr.admin("610923100"), "610923", "a town's administrator cannot change its county's"},
			{tr.admin("610923"), "610922", "a county's administrator cannot change another county's"},
			{tr.admin("610923"), "610900", "nor the city's"},
			{tr.admin("610900"), "610923", "the city's administrator cannot change a county's"},
		} {
			a := flood
			a.Org = who.org
			if _, err := c.Adjust(ctx, who.actor, a); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
				t.Errorf("%s: %v", who.why, err)
			}
		}
		if _, err := c.Adjust(ctx, zwfw.System, flood); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Errorf("the system must say whose calendar: %v", err)
		}
		if _, err := c.Adjust(ctx, tr.admin("610922"), flood); err != nil {
			t.Fatal(err)
		}
		if got := add(shiquan, "2027-03-12", 1); got != "2027-03-16" {
			t.Errorf("石泉 after its closure: Friday + 1 = %s", got)
		}
		if got := add(ningshan, "2027-03-12", 1); got != "2027-03-15" {
			t.Errorf("宁陕's deadlines moved by 石泉's closure: Friday + 1 = %s", got)
		}
		// The city closes on Wednesday 03-17, and makes Saturday 03-20 a
		// working day, which 宁陕 keeps as a holiday of its own.
		for _, a := range []struct {
			by string
			calendar.Adjustment
		}{
			{"610900", calendar.Adjustment{Date: "2027-03-17", Kind: calendar.Holiday, Note: "全市停电检修"}},
			{"610900", calendar.Adjustment{Date: "2027-03-20", Kind: calendar.Workday, Note: "全市补班"}},
			{"610923", calendar.Adjustment{Date: "2027-03-20", Kind: calendar.Holiday, Note: "县庆放假"}},
		} {
			if _, err := c.Adjust(ctx, tr.admin(a.by), a.Adjustment); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct{ path, from, want, why string }{
			{ningshan, "2027-03-16", "2027-03-18", "the city's closure holds in 宁陕"},
			{shiquan, "2027-03-16", "2027-03-18", "and in 石泉"},
			{shiquan, "2027-03-19", "2027-03-20", "the city's make-up Saturday in 石泉"},
			{ningshan, "2027-03-19", "2027-03-22", "宁陕's own holiday overrides the city's make-up day"},
			{"/", "2027-03-19", "2027-03-20", "the platform's calendar is the city's"},
			{"", "2027-03-16", "2027-03-17", "the national calendar knows no local day"},
		} {
			if got := add(tc.path, tc.from, 1); got != tc.want {
				t.Errorf("%s: %s + 1 = %s, want %s", tc.why, tc.from, got, tc.want)
			}
		}
		list, err := c.Adjustments(ctx, ningshan, 2027)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range list {
			got = append(got, a.Date+" "+a.Org)
		}
		if want := []string{"2027-03-17 610900", "2027-03-20 610923"}; !slices.Equal(got, want) {
			t.Errorf("adjustments in force in 宁陕: %v, want %v", got, want)
		}
		// A span answers for each place as the single questions do.
		s, err := c.Span(ctx, date("2027-03-01"), date("2027-04-30"))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{ningshan, shiquan, "/", ""} {
			for from := date("2027-03-10"); from.Before(date("2027-03-25")); from = from.AddDate(0, 0, 1) {
				want, _ := c.AddWorkdays(ctx, p, from, 3)
				if got := s.Add(p, from, 3); !got.Equal(want) {
					t.Errorf("Span.Add(%q, %s, 3) = %s, AddWorkdays says %s", p, from.Format(calendar.DateLayout), got.Format(calendar.DateLayout), want.Format(calendar.DateLayout))
				}
				wb, _ := c.WorkdaysBetween(ctx, p, from, want)
				if got := s.Between(p, from, want); got != wb {
					t.Errorf("Span.Between(%q) = %d, WorkdaysBetween says %d", p, got, wb)
				}
			}
		}
		if o := s.Owners(); len(o) != 3 || o[2] != tr.paths["610900"] {
			t.Errorf("owners, deepest first: %v", o)
		}
	})
}

// A Span answers the same as AddWorkdays and WorkdaysBetween — inside its
// range (running totals), across National Day and a local adjustment, and
// beyond its range (day by day).
func TestSpanAgrees(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := calendar.New(d, testclock.New().Now)
		tr := newTree(t, d)
		at := tr.paths["610923100C"]
		if _, err := c.Adjust(ctx, zwfw.System, calendar.Adjustment{Date: "2026-10-12", Kind: calendar.Holiday, Note: "县城停电", Org: "610923"}); err != nil {
			t.Fatal(err)
		}
		s, err := c.Span(ctx, date("2026-09-20"), date("2026-11-10"))
		if err != nil {
			t.Fatal(err)
		}
		for from := date("2026-09-20"); from.Before(date("2026-10-20")); from = from.AddDate(0, 0, 1) {
			for _, n := range []int{0, 1, 2, 5, 15, 60} {
				want, err := c.AddWorkdays(ctx, at, from, n)
				if err != nil {
					t.Fatal(err)
				}
				if got := s.Add(at, from, n); !got.Equal(want) {
					t.Errorf("Span.Add(%s, %d) = %s, AddWorkdays says %s", from.Format(calendar.DateLayout), n,
						got.Format(calendar.DateLayout), want.Format(calendar.DateLayout))
				}
				for _, to := range []time.Time{want, from.AddDate(0, 0, -9)} {
					wb, err := c.WorkdaysBetween(ctx, at, from, to)
					if err != nil {
						t.Fatal(err)
					}
					if got := s.Between(at, from, to); got != wb {
						t.Errorf("Span.Between(%s, %s) = %d, WorkdaysBetween says %d", from.Format(calendar.DateLayout),
							to.Format(calendar.DateLayout), got, wb)
					}
				}
			}
		}
		// 9-30 → 10-8 is one working day: National Day lies between.
		if n := s.Between(at, date("2026-09-30"), date("2026-10-08")); n != 1 {
			t.Errorf("9-30 → 10-8: %d working days, want 1", n)
		}
		// 10-9 → 10-13 is one working day in 宁陕 (its 10-12 closure), two elsewhere.
		if n, m := s.Between(at, date("2026-10-09"), date("2026-10-13")), s.Between(tr.paths["610922C"], date("2026-10-09"), date("2026-10-13")); n != 2 || m != 3 {
			t.Errorf("10-9 → 10-13: 宁陕 %d, 石泉 %d working days; want 2 and 3", n, m)
		}
	})
}
