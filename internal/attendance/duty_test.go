package attendance_test

import (
	"testing"

	"zwfw"
	"zwfw/internal/attendance"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
)

// The small screen above a window names who is at it — the A post when
// in, the B post covering — and says 暂停服务 when nobody is there in
// opening hours or the hall is closed; a window of another centre is not
// found under this one.
func TestOnDuty(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		if _, err := e.att.SetPosts(e.ctx, e.actor("county.hall"), "610923CW01", attendance.PostsInput{A: "county.window", B: "county.windowb"}); err != nil {
			t.Fatal(err)
		}
		duty := func(want string, paused bool, who string) {
			t.Helper()
			got, err := e.att.OnDuty(e.ctx, "610923C", "610923CW01")
			if err != nil {
				t.Fatal(err)
			}
			name := ""
			if got.Staff != nil {
				name = got.Staff.Username
			}
			if got.State != want || got.Paused != paused || name != who {
				t.Fatalf("duty at %s = %s paused %v staff %q, want %s %v %q", e.now.Format("01-02 15:04"), got.State, got.Paused, name, want, paused, who)
			}
		}
		e.at("2026-12-01", "07:00")
		duty(attendance.WindowClosed, true, "")
		e.at("2026-12-01", "09:01")
		duty(attendance.WindowUnattended, true, "")
		e.punch("county.windowb", "2026-12-01", "09:05")
		duty(attendance.WindowB, false, "county.windowb")
		e.punch("county.window", "2026-12-01", "09:10")
		duty(attendance.WindowA, false, "county.window")
		if _, err := e.att.OnDuty(e.ctx, "610923100C", "610923CW01"); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			t.Fatalf("the county's window under a town's centre: %v", err)
		}
		if _, err := e.att.OnDuty(e.ctx, "610923C", "nowhere"); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			t.Fatalf("an unknown window: %v", err)
		}
	})
}
