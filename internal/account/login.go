package account

import (
	"context"
	"fmt"
	"strings"

	"github.com/alexedwards/argon2id"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
)

// dummyHash is compared against when the username does not exist, so that
// a wrong username costs the same time as a wrong password.
var dummyHash, _ = argon2id.CreateHash("no such user, no such password", Params)

// Login checks a username and password and opens a session of kind. It
// counts failures and locks the account for LockFor after MaxFailures in a
// row; a locked account is refused even with the right password.
func (s *Service) Login(ctx context.Context, username, password, kind, ip, userAgent string) (string, *User, error) {
	bad := zwfw.Errorf(zwfw.EUNAUTHORIZED, "用户名或密码错误")
	username = strings.TrimSpace(username)
	if username == "" || password == "" {
		return "", nil, bad
	}
	var id int64
	var hash string
	var active bool
	var failed int
	var locked int64
	err := s.db.QueryRow(ctx, "SELECT id, password_hash, active, failed_logins, locked_until FROM users WHERE username = ?", username).
		Scan(&id, &hash, &active, &failed, &locked)
	if err != nil {
		_, _ = argon2id.ComparePasswordAndHash(password, dummyHash)
		return "", nil, bad
	}
	now := s.now()
	if locked > db.Millis(now) {
		return "", nil, zwfw.Errorf(zwfw.ELOCKED, "连续输错密码次数过多，账户已锁定，请于 %s 后再试或联系管理员解锁", db.Time(locked).Format("15:04"))
	}
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	if err != nil {
		return "", nil, fmt.Errorf("account: compare hash: %w", err)
	}
	if !ok {
		failed++
		var lockUntil int64
		if failed >= s.policy.MaxFailures {
			lockUntil, failed = db.Millis(now.Add(s.policy.LockFor)), 0
		}
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, "UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?", failed, lockUntil, id); err != nil {
				return err
			}
			action := "account.login_failed"
			if lockUntil != 0 {
				action = "account.locked"
			}
			return audit.Record(ctx, tx, now, &zwfw.Actor{UserID: id, Username: username, Name: username}, action, "user:"+username, map[string]any{"ip": ip})
		})
		if err != nil {
			return "", nil, err
		}
		if lockUntil != 0 {
			return "", nil, zwfw.Errorf(zwfw.ELOCKED, "连续 %d 次输错密码，账户已锁定 %d 分钟", s.policy.MaxFailures, int(s.policy.LockFor.Minutes()))
		}
		return "", nil, bad
	}
	if !active {
		return "", nil, zwfw.Errorf(zwfw.EFORBIDDEN, "账户已停用，请联系管理员")
	}
	token, err := s.openSession(ctx, id, kind, ip, userAgent, now)
	if err != nil {
		return "", nil, err
	}
	u, err := s.ByUsername(ctx, username)
	return token, u, err
}
