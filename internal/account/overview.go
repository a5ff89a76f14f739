package account

import (
	"context"
	"time"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/db"
	"zwfw/internal/pii"
	"zwfw/internal/scope"
)

// The security administrator's overview (安全管理员, 三员分立; 实施方案 §2(7)
// 等级保护): the staff accounts of the subtree that are locked now, whose
// password has expired, or expires within the reminder period — to unlock,
// or to remind — and the policy in force.

// MayOverview admits the security administrators (and the platform).
func MayOverview(actor *zwfw.Actor) error {
	if actor != nil && (actor.Kind == zwfw.KindSystem || (actor.Kind == zwfw.KindStaff && actor.Has(zwfw.RoleSecurityAdmin))) {
		return nil
	}
	return zwfw.Errorf(zwfw.EFORBIDDEN, "只有安全管理员可以查看账户安全概况")
}

// Overview is the security overview of a subtree.
type Overview struct {
	Locked   []*User // locked now (LockedUntil says until when)
	Expired  []*User // password past its maximum age
	Expiring []*User // password expiring within the reminder period
	// The policy in force.
	MaxFailures     int
	LockMinutes     int
	IdleMinutes     int
	MaxAgeDays      int // 0: passwords do not expire
	HistoryCount    int // 0: no history kept
	PasswordChanged map[string]time.Time
}

// SecurityOverview lists, for a security administrator, the staff accounts
// of the subtree that are locked or whose password has expired or expires
// soon (at most 200 of each). Phones are masked.
func (s *Service) SecurityOverview(ctx context.Context, actor *zwfw.Actor) (*Overview, error) {
	if err := MayOverview(actor); err != nil {
		return nil, err
	}
	now := s.now()
	p := s.policy
	ov := &Overview{MaxFailures: p.MaxFailures, LockMinutes: int(p.LockFor.Minutes()), IdleMinutes: int(p.SessionIdle.Minutes()),
		PasswordChanged: map[string]time.Time{}}
	if p.PasswordMaxAge > 0 {
		ov.MaxAgeDays = int(p.PasswordMaxAge.Hours() / 24)
	}
	if p.PasswordHistory > 0 {
		ov.HistoryCount = p.PasswordHistory
	}
	list := func(cond string, args ...any) ([]*User, error) {
		w := scope.Of(actor).Where("o.path").And("u.kind = ?", zwfw.KindStaff).And("u.active = ?", true).And(cond, args...)
		where, wargs := w.SQL()
		rows, err := s.db.Query(ctx, userCols+", u.password_changed_at"+userFrom+where+" ORDER BY o.path, u.username LIMIT 200", wargs...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []*User
		ring := pii.Of(s.db)
		for rows.Next() {
			var changed int64
			u, err := scanUser(ring, scanPlus{rows, &changed})
			if err != nil {
				return nil, err
			}
			u.Phone = ident.MaskPhone(u.Phone)
			ov.PasswordChanged[u.Username] = db.Time(changed)
			out = append(out, u)
		}
		return out, rows.Err()
	}
	var err error
	if ov.Locked, err = list("u.locked_until > ?", db.Millis(now)); err != nil {
		return nil, err
	}
	if p.PasswordMaxAge > 0 {
		expiry := db.Millis(now.Add(-p.PasswordMaxAge))
		if ov.Expired, err = list("u.password_changed_at <= ?", expiry); err != nil {
			return nil, err
		}
		if ov.Expiring, err = list("u.password_changed_at > ? AND u.password_changed_at <= ?", expiry, db.Millis(now.Add(p.PasswordRemind-p.PasswordMaxAge))); err != nil {
			return nil, err
		}
	}
	return ov, nil
}

// ExpiresOn is when the password of u (listed by the overview) expires.
func (ov *Overview) ExpiresOn(username string) time.Time {
	return ov.PasswordChanged[username].AddDate(0, 0, ov.MaxAgeDays)
}

// scanPlus scans a user row with one more column at its end.
type scanPlus struct {
	row   interface{ Scan(...any) error }
	extra any
}

func (s scanPlus) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra)...) }
