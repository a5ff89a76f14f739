package supervision_test

import (
	"context"
	"testing"
	"time"

	"zwfw/internal/calendar"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/supervision"
)

// listSource is a kind of duty whose open list the test sets.
type listSource struct{ open []supervision.Duty }

func (s *listSource) Kind() string { return "test" }
func (s *listSource) Name() string { return "测试事项" }
func (s *listSource) Open(context.Context, db.Querier) ([]supervision.Duty, error) {
	return s.open, nil
}

// A duty begun on Monday 2026-11-16 and due on Friday 11-20 (four working
// days after its start) turns yellow with two working days left (11-18),
// red the Monday after, and its warning clears once it is done. Each colour
// is announced once, to its owner and the supervisors above it, not to a
// town's; lists keep to the viewer's subtree.
func TestDutyWarnings(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d, "2026-11-16")
		src := &listSource{}
		e.warn.AddSource(src)
		owner := e.actor("county.window")
		day := func(s string) time.Time {
			v, err := calendar.ParseDate(s)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		src.open = []supervision.Duty{{Ref: 7, Number: "T0007", Title: "窗口服务态度", Link: "/x/7", OrgPath: owner.OrgPath,
			Start: day("2026-11-16"), Deadline: day("2026-11-20"), Owners: []int64{owner.UserID}}}
		levels := func(who string) []string {
			t.Helper()
			ws, err := e.warn.DutyWarnings(e.ctx, e.actor(who), "", 0)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, w := range ws {
				out = append(out, w.Level+" "+witoa(w.Remaining)+" "+w.KindName+" "+w.Number)
			}
			return out
		}
		notes := func(user string) int {
			t.Helper()
			var n int
			if err := e.d.QueryRow(e.ctx, `SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id
				WHERE u.username = ? AND n.channel = 'inapp' AND n.body LIKE '%T0007%'`, user).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if r := e.scan(); r.Raised != 0 {
			t.Fatalf("on its first day: %+v", r)
		}
		e.at("2026-11-18")
		if r := e.scan(); r.Raised != 1 || r.Notified == 0 {
			t.Fatalf("two working days left: %+v, want one warning raised and announced", r)
		}
		if got := levels("county.supervisor"); len(got) != 1 || got[0] != "yellow 02 测试事项 T0007" {
			t.Fatalf("county supervisor's list %v", got)
		}
		if got := levels("chengguan.supervisor"); len(got) != 0 {
			t.Fatalf("a town's supervisor sees the county's duty: %v", got)
		}
		if r := e.scan(); r.Raised+r.Cleared+r.Notified != 0 {
			t.Fatalf("scanning again: %+v", r)
		}
		e.at("2026-11-23")
		if r := e.scan(); r.Raised != 1 || r.Cleared != 1 {
			t.Fatalf("overdue: %+v, want yellow cleared and red raised", r)
		}
		if got := levels("county.window"); len(got) != 1 || got[0] != "red -01 测试事项 T0007" {
			t.Fatalf("owner's list %v", got)
		}
		if n := notes("county.window"); n != 2 {
			t.Errorf("the owner got %d notes, want yellow and red", n)
		}
		if n := notes("county.supervisor"); n != 2 {
			t.Errorf("the county supervisor got %d notes, want yellow and red", n)
		}
		if n := notes("chengguan.supervisor"); n != 0 {
			t.Errorf("a town's supervisor got %d notes", n)
		}
		src.open = nil // done
		if r := e.scan(); r.Cleared != 1 {
			t.Fatalf("done: %+v, want the warning cleared", r)
		}
		if got := levels("county.supervisor"); len(got) != 0 {
			t.Fatalf("after it was done: %v", got)
		}
	})
}
