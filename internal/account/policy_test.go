package account_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
)

// TestPasswordPolicy (§2(7) 等级保护): the rule names what is wrong; a new
// password may not repeat one of the last five (the account's own change
// and an administrator's reset alike), the sixth back is allowed again;
// each refusal changes nothing.
func TestPasswordPolicy(t *testing.T) {
	for _, c := range []struct{ pw, words string }{
		{"Ab1!", "8"}, {"abcdefgh1", "三类"}, {"Window@2026window.a", "用户名"},
	} {
		if err := account.CheckPassword(c.pw, "window.a"); err == nil || !strings.Contains(err.Error(), c.words) {
			t.Errorf("%q: %v", c.pw, err)
		}
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _, clk := setup(t, d)
		createWindow(t, s, "window.a")
		tok, u, err := s.Login(ctx, "window.a", "Window@2026", account.SessionAPI, "", "test")
		if err != nil {
			t.Fatal(err)
		}
		me := u.Actor()
		pw := "Window@2026"
		var used []string
		for i := range 5 {
			next := "Qinling#2026-" + string(rune('a'+i))
			clk.t = clk.t.Add(time.Minute)
			if err := s.ChangePassword(ctx, me, pw, next, tok); err != nil {
				t.Fatalf("change %d: %v", i, err)
			}
			used, pw = append(used, pw), next
		}
		// The last five are refused: the current one as such, the four
		// before it as used lately.
		if err := s.ChangePassword(ctx, me, pw, pw, tok); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("the same password: %v", err)
		}
		for _, old := range used[1:] {
			err := s.ChangePassword(ctx, me, pw, old, tok)
			if zwfw.ErrorCode(err) != zwfw.EINVALID || !strings.Contains(zwfw.ErrorMessage(err), "最近 5 次") {
				t.Fatalf("reuse of %s: %v", old, err)
			}
			var e *zwfw.Error
			if ok := errors.As(err, &e); !ok || len(e.Details) == 0 || e.Details[0].Field != "new_password" {
				t.Fatalf("reuse names no field: %+v", err)
			}
		}
		if _, _, err := s.Login(ctx, "window.a", pw, account.SessionAPI, "", "test"); err != nil {
			t.Fatalf("a refused change changed the password: %v", err)
		}
		// The sixth back is allowed again.
		if err := s.ChangePassword(ctx, me, pw, used[0], tok); err != nil {
			t.Fatalf("the sixth back: %v", err)
		}
		// An administrator's reset to a recent password is refused too.
		in := account.UserInput{Name: "杨春梅", Roles: []string{zwfw.RoleWindow}, OrgCode: "610923100C", WindowCode: "610923100CW01", Password: used[4]}
		if _, err := s.UpdateStaff(ctx, zwfw.System, "window.a", in); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("reset to a recent password: %v", err)
		}
		if _, _, err := s.Login(ctx, "window.a", used[0], account.SessionAPI, "", "test"); err != nil {
			t.Fatalf("the refused reset changed the password: %v", err)
		}
	})
}

// TestPasswordExpiry: a staff password is reminded of 14 days before its
// 90 days are up and, once they are, must be changed before anything
// else; changing it clears that. Applicants' passwords do not expire.
func TestPasswordExpiry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _, clk := setup(t, d)
		createWindow(t, s, "window.b")
		start := clk.t
		pw := "Window@2026"
		var api string
		// actorAt signs in at time at (a token lasts hours, the password
		// days) and is who the session says.
		actorAt := func(at time.Time) *zwfw.Actor {
			t.Helper()
			clk.t = at
			var err error
			if api, _, err = s.Login(ctx, "window.b", pw, account.SessionAPI, "", "test"); err != nil {
				t.Fatal(err)
			}
			a, err := s.Authenticate(ctx, api, account.SessionAPI)
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		a := actorAt(start.Add(75*24*time.Hour - time.Hour))
		if a.PasswordExpired || a.MustChangePassword || s.PasswordReminder(a) != "" {
			t.Fatalf("day 75: %+v %q", a, s.PasswordReminder(a))
		}
		a = actorAt(start.Add(80 * 24 * time.Hour))
		if got := s.PasswordReminder(a); got != "您的密码将于10天后过期，请及时修改" || a.MustChangePassword {
			t.Fatalf("day 80: %q %+v", got, a)
		}
		a = actorAt(start.Add(90 * 24 * time.Hour))
		if !a.PasswordExpired || !a.MustChangePassword || !strings.Contains(account.MustChangeReason(a), "已过期") {
			t.Fatalf("day 90: %+v", a)
		}
		if err := s.ChangePassword(ctx, a, pw, "Renewed#2027", api); err != nil {
			t.Fatal(err)
		}
		pw = "Renewed#2027"
		if a = actorAt(clk.t.Add(time.Minute)); a.PasswordExpired || a.MustChangePassword {
			t.Fatalf("after the change: %+v", a)
		}

		// An applicant's password does not expire.
		if _, err := s.RegisterTrusted(ctx, account.RegisterInput{Username: "resident.c", Password: "Qinling@2026", Name: "王秀兰", Phone: "13991561234",
			IDNumber: "610923198503120025"}); err != nil {
			t.Fatal(err)
		}
		clk.t = clk.t.Add(400 * 24 * time.Hour)
		tok, _, err := s.Login(ctx, "resident.c", "Qinling@2026", account.SessionAPI, "", "test")
		if err != nil {
			t.Fatal(err)
		}
		if r, err := s.Authenticate(ctx, tok, account.SessionAPI); err != nil || r.MustChangePassword || !r.PasswordExpires.IsZero() {
			t.Fatalf("an applicant's password expired: %+v %v", r, err)
		}
	})
}
