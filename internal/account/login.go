package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/alexedwards/argon2id"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/throttle"
)

// dummyHash is compared against when the username does not exist, so that
// a wrong username costs the same time as a wrong password.
var dummyHash, _ = argon2id.CreateHash("no such user, no such password", Params)

// Throttle keys of sign-in failures.
const (
	loginAddrKey = "login:addr:" // + the client address (throttle.Addr)
	loginAllKey  = "login:all"
)

// Login checks a username and password and opens a session of kind.
//
// Every guess is reserved in the database before its hash is compared, in
// one transaction: a failure is counted against the client address and
// against the whole platform (429 past Policy.AddrLimit or
// Policy.GlobalLimit), and against the account, whose failure count is
// raised only while the account is not locked — and the guess that raises
// it to MaxFailures locks the account at once (GB/T 22239: lock after 5
// failures). A guess that finds the account locked is refused without being
// checked. So however many guesses arrive together, in however many
// processes, at most MaxFailures are compared per lock window. A guess that
// turns out right gives its reservations back and clears the lock.
func (s *Service) Login(ctx context.Context, username, password, kind, ip, userAgent string) (string, *User, error) {
	bad := zwfw.Errorf(zwfw.EUNAUTHORIZED, "用户名或密码错误")
	username = strings.TrimSpace(username)
	if username == "" || password == "" {
		return "", nil, bad
	}
	now := s.now()
	if ip != "" {
		ctx = audit.WithClient(ctx, ip)
	}
	g, err := s.reserve(ctx, "username = ?", username, ip, now)
	if err != nil {
		if c := zwfw.ErrorCode(err); c == zwfw.ELOCKED || c == zwfw.ETOOMANY {
			// Refused unchecked: the account is locked or the address
			// has tried too often. The security log still hears of it.
			s.refusedLogin(ctx, username, now, zwfw.ErrorMessage(err))
		}
		return "", nil, err
	}
	if g.id == 0 {
		_, _ = s.verify(password, dummyHash)
		s.refusedLogin(ctx, username, now, "用户名不存在")
		return "", nil, bad
	}
	ok, err := s.verify(password, g.hash)
	if err != nil {
		return "", nil, fmt.Errorf("account: compare hash: %w", err)
	}
	if !ok {
		return "", nil, s.failed(ctx, g, username, ip, now, bad)
	}
	if !g.active {
		return "", nil, zwfw.Errorf(zwfw.EFORBIDDEN, "账户已停用，请联系管理员")
	}
	u, err := s.ByUsername(ctx, username)
	if err != nil {
		return "", nil, err
	}
	// A staff account that must pass a second step gets a challenge
	// (*SecondStep) instead of a session (totp.go); the password's
	// places are given back either way.
	token, err := s.afterFirstFactor(ctx, u, kind, ip, userAgent, "", nil, func(tx *db.Tx, final bool) error {
		if !final {
			return s.givePlaces(ctx, tx, g)
		}
		return s.succeeded(ctx, tx, g, now)
	})
	if err != nil {
		return "", nil, err
	}
	return token, u, nil
}

// guess is a password guess that has its place reserved.
type guess struct {
	id       int64 // the account; 0 when no account matched
	hash     string
	active   bool
	locks    bool // this guess used the last place: the account is locked now
	addr     string
	addrWin  int64 // the windows the failure was counted in, to give it back
	allWin   int64
	throttle bool // counted against the address and the platform
}

// reserve takes a place for one guess at the account matching where (with
// arg), in one transaction. With ip != "" the guess also counts against the
// address's and the platform's limits. A refusal (limit reached, account
// locked) rolls the whole reservation back.
func (s *Service) reserve(ctx context.Context, where string, arg any, ip string, now time.Time) (*guess, error) {
	nowMs := db.Millis(now)
	var g guess
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		g = guess{addr: loginAddrKey + throttle.Addr(ip)}
		if ip != "" {
			var err error
			g.throttle = true
			if g.addrWin, err = throttle.Take(ctx, tx, g.addr, s.policy.AddrLimit, now,
				"登录失败次数过多，请稍后再试"); err != nil {
				return err
			}
			if g.allWin, err = throttle.Take(ctx, tx, loginAllKey, s.policy.GlobalLimit, now,
				"当前登录请求过多，请稍后再试"); err != nil {
				return err
			}
		}
		// One statement raises the count and, at the last place, locks: the
		// values on the right are the row's before the update.
		var locked int64
		err := tx.QueryRow(ctx, `UPDATE users SET
				failed_logins = CASE WHEN failed_logins + 1 >= ? THEN 0 ELSE failed_logins + 1 END,
				locked_until = CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END
			WHERE `+where+` AND locked_until <= ?
			RETURNING id, password_hash, active, locked_until`,
			s.policy.MaxFailures, s.policy.MaxFailures, db.Millis(now.Add(s.policy.LockFor)), arg, nowMs).
			Scan(&g.id, &g.hash, &g.active, &locked)
		switch {
		case err == nil:
			g.locks = locked > nowMs
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		switch err := tx.QueryRow(ctx, "SELECT locked_until FROM users WHERE "+where, arg).Scan(&locked); {
		case errors.Is(err, sql.ErrNoRows):
			return nil // no such account: the failure still counts against the address
		case err != nil:
			return err
		}
		return lockedError(locked)
	})
	if err != nil {
		return nil, err
	}
	return &g, nil
}

func lockedError(until int64) error {
	return zwfw.Errorf(zwfw.ELOCKED, "连续输错密码次数过多，账户已锁定，请于 %s 后再试或联系管理员解锁", db.Time(until).In(db.Zone).Format("15:04"))
}

// failed records a wrong guess (its place stays taken) and returns the
// error to show: bad, or the lock when this guess used the last place. It
// runs even when the client has gone: the audit entry must be written.
func (s *Service) failed(ctx context.Context, g *guess, username, ip string, now time.Time, bad error) error {
	ctx = context.WithoutCancel(ctx)
	action := "account.login_failed"
	if g.locks {
		action = "account.locked"
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		// The entry (and its security event) belongs to the account's
		// organisation, or the county an applicant registered in, so that
		// the audit administrators there read it.
		var org int64
		if err := tx.QueryRow(ctx, "SELECT COALESCE(org_id, home_org_id, 0) FROM users WHERE id = ?", g.id).Scan(&org); err != nil {
			return err
		}
		return audit.RecordFor(ctx, tx, org, now, &zwfw.Actor{UserID: g.id, Username: username, Name: username}, action, "user:"+username, map[string]any{"ip": ip})
	})
	if err != nil {
		return err
	}
	if g.locks {
		return zwfw.Errorf(zwfw.ELOCKED, "连续 %d 次输错密码，账户已锁定 %d 分钟", s.policy.MaxFailures, int(s.policy.LockFor.Minutes()))
	}
	return bad
}

// refusedLogin writes a sign-in refused before any password was compared
// (an unknown username, a locked account, too many tries) to the security
// log, on its own: the refusal has rolled back everything else. A failure
// to write it is logged, not shown.
func (s *Service) refusedLogin(ctx context.Context, username string, now time.Time, why string) {
	ev := audit.SecurityEvent{At: now, Kind: audit.SecLoginFailed, Username: audit.MaskUsername(username), Name: audit.MaskUsername(username),
		Object: "user:" + audit.MaskUsername(username), Detail: why}
	// The account's organisation, when there is such an account.
	var org int64
	if err := s.db.Reader().QueryRow(ctx, "SELECT COALESCE(org_id, home_org_id, 0) FROM users WHERE username = ?", username).Scan(&org); err == nil {
		ev.OrgID = org
	}
	if err := audit.Security(ctx, s.db, ev); err != nil {
		slog.Default().Error("account: security log", "err", err)
	}
}

// givePlaces gives a right guess's places back inside tx but leaves the
// account's earlier failures counted: the password was right, but the
// sign-in waits for its second factor, whose wrong codes go on counting
// towards the lock (a right password must not reset it between codes).
func (s *Service) givePlaces(ctx context.Context, tx *db.Tx, g *guess) error {
	q := "UPDATE users SET failed_logins = CASE WHEN failed_logins > 0 THEN failed_logins - 1 ELSE 0 END WHERE id = ?"
	args := []any{g.id}
	if g.locks {
		// This guess took the last place and locked: it was right, so the
		// lock is lifted and the count left one short of it.
		q, args = "UPDATE users SET locked_until = 0, failed_logins = ? WHERE id = ?", []any{s.policy.MaxFailures - 1, g.id}
	}
	if _, err := tx.Exec(ctx, q, args...); err != nil {
		return err
	}
	if !g.throttle {
		return nil
	}
	if err := throttle.Give(ctx, tx, g.addr, g.addrWin); err != nil {
		return err
	}
	return throttle.Give(ctx, tx, loginAllKey, g.allWin)
}

// succeeded gives a right guess's places back inside tx: the account's
// failures are cleared (and its lock, if this guess set it) and the
// address's and platform's counts lowered.
func (s *Service) succeeded(ctx context.Context, tx *db.Tx, g *guess, now time.Time) error {
	if _, err := tx.Exec(ctx, "UPDATE users SET failed_logins = 0, locked_until = 0, last_login_at = ? WHERE id = ?", db.Millis(now), g.id); err != nil {
		return err
	}
	if !g.throttle {
		return nil
	}
	if err := throttle.Give(ctx, tx, g.addr, g.addrWin); err != nil {
		return err
	}
	if err := throttle.Give(ctx, tx, loginAllKey, g.allWin); err != nil {
		return err
	}
	// Counts of windows long over are swept on the way.
	return throttle.Sweep(ctx, tx, now.Add(-48*time.Hour))
}
