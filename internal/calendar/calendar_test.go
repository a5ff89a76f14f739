package calendar_test

import (
	"context"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
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
		c := calendar.New(d, time.Now)
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
			got, err := c.AddWorkdays(ctx, date(tc.from), tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if s := got.Format(calendar.DateLayout); s != tc.want {
				t.Errorf("AddWorkdays(%s, %d) = %s, want %s (%s)", tc.from, tc.n, s, tc.want, tc.why)
			}
		}
		if n, err := c.WorkdaysBetween(ctx, date("2026-09-30"), date("2026-10-10")); err != nil || n != 3 {
			t.Errorf("WorkdaysBetween across National Day = %d, %v; want 3", n, err)
		}
		if n, _ := c.WorkdaysBetween(ctx, date("2026-10-10"), date("2026-09-30")); n != -3 {
			t.Errorf("negative span = %d", n)
		}
	})
}

func TestLocalAdjustment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := calendar.New(d, time.Now)
		admin := &zwfw.Actor{Kind: zwfw.KindStaff, Roles: []string{zwfw.RoleAdmin}, Name: "管理员"}
		window := &zwfw.Actor{Kind: zwfw.KindStaff, Roles: []string{zwfw.RoleWindow}}
		if err := c.Adjust(ctx, window, calendar.Adjustment{Date: "2026-12-01", Kind: calendar.Holiday, Note: "停电检修"}); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("window adjusting the calendar: %v", err)
		}
		if err := c.Adjust(ctx, admin, calendar.Adjustment{Date: "2026-12-01", Kind: calendar.Holiday, Note: "大厅停电检修，暂停办公"}); err != nil {
			t.Fatal(err)
		}
		got, _ := c.AddWorkdays(ctx, date("2026-11-30"), 1)
		if s := got.Format(calendar.DateLayout); s != "2026-12-02" {
			t.Fatalf("after a local holiday: %s", s)
		}
		if err := c.Adjust(ctx, admin, calendar.Adjustment{Date: "2026-12-05", Kind: calendar.Workday, Note: "集中办理周六加班"}); err != nil {
			t.Fatal(err)
		}
		if ok, _ := c.IsWorkday(ctx, date("2026-12-05")); !ok {
			t.Fatal("local make-up Saturday not a working day")
		}
		if err := c.Adjust(ctx, admin, calendar.Adjustment{Date: "2026-12-01"}); err != nil {
			t.Fatal(err)
		}
		if ok, _ := c.IsWorkday(ctx, date("2026-12-01")); !ok {
			t.Fatal("removed adjustment still applies")
		}
	})
}

// A Span answers the same as AddWorkdays and WorkdaysBetween — inside its
// range (running totals), across National Day and a local adjustment, and
// beyond its range (day by day).
func TestSpanAgrees(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := calendar.New(d, time.Now)
		if err := c.Adjust(ctx, zwfw.System, calendar.Adjustment{Date: "2026-10-12", Kind: calendar.Holiday, Note: "县城停电"}); err != nil {
			t.Fatal(err)
		}
		s, err := c.Span(ctx, date("2026-09-20"), date("2026-11-10"))
		if err != nil {
			t.Fatal(err)
		}
		for from := date("2026-09-20"); from.Before(date("2026-10-20")); from = from.AddDate(0, 0, 1) {
			for _, n := range []int{0, 1, 2, 5, 15, 60} {
				want, err := c.AddWorkdays(ctx, from, n)
				if err != nil {
					t.Fatal(err)
				}
				if got := s.Add(from, n); !got.Equal(want) {
					t.Errorf("Span.Add(%s, %d) = %s, AddWorkdays says %s", from.Format(calendar.DateLayout), n,
						got.Format(calendar.DateLayout), want.Format(calendar.DateLayout))
				}
				for _, to := range []time.Time{want, from.AddDate(0, 0, -9)} {
					wb, err := c.WorkdaysBetween(ctx, from, to)
					if err != nil {
						t.Fatal(err)
					}
					if got := s.Between(from, to); got != wb {
						t.Errorf("Span.Between(%s, %s) = %d, WorkdaysBetween says %d", from.Format(calendar.DateLayout),
							to.Format(calendar.DateLayout), got, wb)
					}
				}
			}
		}
		// 9-30 → 10-8 is one working day: National Day lies between.
		if n := s.Between(date("2026-09-30"), date("2026-10-08")); n != 1 {
			t.Errorf("9-30 → 10-8: %d working days, want 1", n)
		}
	})
}
