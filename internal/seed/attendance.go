package seed

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"

	"zwfw"
	"zwfw/internal/attendance"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
)

// demoAttendance are the centres whose halls the demo fills: the manager, the
// first window with its A and B posts, and the staff who punch.
var demoAttendance = []struct {
	centre, manager, window, a, b string
	staff                         []string
}{
	{"610923C", "county.hall", "610923CW01", "county.window", "county.windowb", []string{"county.window", "county.windowb", "county.cashier"}},
	{"610923100C", "chengguan.hall", "610923100CW01", "chengguan.window", "chengguan.windowb", []string{"chengguan.window", "chengguan.windowb", "chengguan.cashier"}},
}

// DemoAttendance gives the demo halls their A and B posts, a fingerprint device
// and the last week's punches (mostly on time, a few late, early or
// missing) and one approved leave, so that the attendance pages and the
// weekly 周考勤 have something to show. It runs once.
func DemoAttendance(ctx context.Context, d Deps) error {
	claimed := false
	if err := d.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		claimed, err = claim(ctx, tx, "seed.demo_hall", d.Now())
		return err
	}); err != nil || !claimed {
		return err
	}
	cal := calendar.New(d.DB, d.Now)
	att := attendance.New(d.DB, cal, d.Now)
	actor := func(username string) (*zwfw.Actor, error) {
		u, err := d.Users.ByUsername(ctx, username)
		if err != nil {
			return nil, fmt.Errorf("demo account %s: %w", username, err)
		}
		return u.Actor(), nil
	}
	today := calendar.Date(d.Now())
	punches := 0
	for _, h := range demoAttendance {
		mgr, err := actor(h.manager)
		if err != nil {
			return err
		}
		if _, err := att.SetPosts(ctx, mgr, h.window, attendance.PostsInput{A: h.a, B: h.b}); err != nil {
			return fmt.Errorf("seed: posts of %s: %w", h.window, err)
		}
		// Staff numbers and qualifications on the centre's board.
		for i, who := range h.staff {
			if err := att.SetProfile(ctx, mgr, who, attendance.ProfileInput{StaffNo: fmt.Sprintf("%s-%02d", h.centre, i+1),
				Qualifications: "政务服务办事员（四级）"}); err != nil {
				return fmt.Errorf("seed: board of %s: %w", who, err)
			}
		}
		dev, err := att.RegisterDevice(ctx, mgr, h.centre, "大厅指纹考勤机")
		if err != nil {
			return fmt.Errorf("seed: device of %s: %w", h.centre, err)
		}
		var path string
		if err := d.DB.QueryRow(ctx, "SELECT path FROM orgs WHERE code = ?", h.centre).Scan(&path); err != nil {
			return err
		}
		var batch []attendance.DevicePunchInput
		for back := 7; back >= 1; back-- {
			day := today.AddDate(0, 0, -back)
			if work, err := cal.IsWorkday(ctx, path, day); err != nil {
				return err
			} else if !work {
				continue
			}
			for _, who := range h.staff {
				in, out, ok := demoPunches(who, day)
				if !ok {
					continue
				}
				batch = append(batch, attendance.DevicePunchInput{Staff: who, At: in.Format(time.RFC3339)})
				if !out.IsZero() {
					batch = append(batch, attendance.DevicePunchInput{Staff: who, At: out.Format(time.RFC3339)})
				}
			}
		}
		if len(batch) > 0 {
			n, err := att.DevicePunch(ctx, dev.Token, batch)
			if err != nil {
				return fmt.Errorf("seed: punches of %s: %w", h.centre, err)
			}
			punches += n
		}
		// The B post took a day of annual leave last week, approved.
		b, err := actor(h.b)
		if err != nil {
			return err
		}
		from := today.AddDate(0, 0, -14).Add(9 * time.Hour)
		lv, err := att.RequestLeave(ctx, b, attendance.LeaveInput{Kind: "annual", From: from.Format(time.RFC3339),
			To: from.Add(8 * time.Hour).Format(time.RFC3339), Reason: "年休假"})
		if err != nil {
			return fmt.Errorf("seed: leave of %s: %w", h.b, err)
		}
		if _, err := att.ActOnLeave(ctx, mgr, lv.ID, attendance.LeaveApprove, attendance.LeaveActionInput{Opinion: "同意，已安排顶岗"}); err != nil {
			return fmt.Errorf("seed: leave of %s: %w", h.b, err)
		}
	}
	d.Log.Info("seeded the demo halls' posts and attendance", "punches", punches)
	return nil
}

// demoPunches are one person's arrival and departure on a day: about one
// day in eight late, one in ten early, one in fifteen with the departure
// missing, one in twenty-five absent — the same every time for the same
// person and day.
func demoPunches(who string, day time.Time) (in, out time.Time, ok bool) {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s %s", who, day.Format(calendar.DateLayout))
	r := h.Sum32()
	if r%25 == 0 {
		return in, out, false
	}
	in = day.Add(8*time.Hour + 30*time.Minute + time.Duration(r%19)*time.Minute) // 08:30–08:48
	if r%8 == 1 {
		in = day.Add(8*time.Hour + 55*time.Minute + time.Duration(r%20)*time.Minute) // late
	}
	out = day.Add(17*time.Hour + time.Duration(r%23)*time.Minute) // 17:00–17:22
	if r%10 == 3 {
		out = day.Add(16*time.Hour + 20*time.Minute + time.Duration(r%30)*time.Minute) // early
	}
	if r%15 == 7 {
		out = time.Time{}
	}
	return in, out, true
}
