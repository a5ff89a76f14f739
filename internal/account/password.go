package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
)

// Params are the argon2id parameters: the OWASP minimum for argon2id
// (19 MiB, 2 passes, 1 lane) keeps memory per login small on a 2-core
// county server.
var Params = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// verify compares a password with its stored argon2id hash. Every
// comparison is counted: argon2id is the cost an attacker must not be able
// to multiply, and PasswordChecks shows how many were run.
func (s *Service) verify(password, hash string) (bool, error) {
	s.checks.Add(1)
	return argon2id.ComparePasswordAndHash(password, hash)
}

// PasswordChecks is the number of password hashes this process has compared
// (exported in /metrics; tests count the guesses actually checked with it).
func (s *Service) PasswordChecks() int64 { return s.checks.Load() }

// CheckPassword enforces the password rule (GB/T 22239: at least 8
// characters of at least 3 classes). It returns nil or a message.
func CheckPassword(p, username string) error {
	if utf8.RuneCountInString(p) < 8 || len(p) > 128 {
		return errors.New("密码长度应为 8–128 位")
	}
	var classes [4]bool
	for _, r := range p {
		switch {
		case unicode.IsUpper(r):
			classes[0] = true
		case unicode.IsLower(r):
			classes[1] = true
		case unicode.IsDigit(r):
			classes[2] = true
		default:
			classes[3] = true
		}
	}
	n := 0
	for _, c := range classes {
		if c {
			n++
		}
	}
	if n < 3 {
		return errors.New("密码须包含大写字母、小写字母、数字、符号中的至少三类")
	}
	if username != "" && strings.Contains(strings.ToLower(p), strings.ToLower(username)) {
		return errors.New("密码不能包含用户名")
	}
	return nil
}

// rememberPassword adds the hash of an account's new password to its
// history inside tx and forgets what lies beyond the number kept
// (Policy.PasswordHistory). where selects the account ("id = ?" or
// "username = ?") with arg.
func (s *Service) rememberPassword(ctx context.Context, tx *db.Tx, where string, arg any, hash string, now time.Time) error {
	if _, err := tx.Exec(ctx, `INSERT INTO password_history (user_id, hash, changed_at) SELECT id, ?, ? FROM users WHERE `+where,
		hash, db.Millis(now), arg); err != nil {
		return err
	}
	keep := max(s.policy.PasswordHistory, 1)
	_, err := tx.Exec(ctx, `DELETE FROM password_history WHERE user_id = (SELECT id FROM users WHERE `+where+`)
		AND id NOT IN (SELECT id FROM (SELECT h.id FROM password_history h JOIN users u ON u.id = h.user_id WHERE u.`+where+`
		ORDER BY h.id DESC LIMIT ?) kept)`, arg, arg, keep)
	return err
}

// reused refuses a password that is one of the account's last
// Policy.PasswordHistory passwords (§2(7) 等级保护), naming the field. The
// comparisons are not sign-in guesses: they are not counted.
func (s *Service) reused(ctx context.Context, userID int64, p, field string) error {
	if s.policy.PasswordHistory < 0 {
		return nil
	}
	rows, err := s.db.Reader().Query(ctx, "SELECT hash FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?", userID, s.policy.PasswordHistory)
	if err != nil {
		return err
	}
	var hashes []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			rows.Close()
			return err
		}
		hashes = append(hashes, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, h := range hashes {
		if ok, err := argon2id.ComparePasswordAndHash(p, h); err == nil && ok {
			msg := fmt.Sprintf("新密码不能与最近 %d 次使用过的密码相同", s.policy.PasswordHistory)
			return &zwfw.Error{Code: zwfw.EINVALID, Message: msg, Details: []zwfw.ErrorDetail{{Field: field, Message: msg}}}
		}
	}
	return nil
}

// Hash returns the argon2id hash of a password.
func (s *Service) Hash(p string) (string, error) {
	return argon2id.CreateHash(p, s.params)
}

// ChangePassword sets a new password after checking the old one, and ends
// the user's other sessions. The old password is a guess like a sign-in's
// (login.go): it takes a place in the account's failure count first, so a
// stolen session cannot be used to try passwords without limit.
func (s *Service) ChangePassword(ctx context.Context, actor *zwfw.Actor, old, new, keepToken string) error {
	if err := CheckPassword(new, actor.Username); err != nil {
		return &zwfw.Error{Code: zwfw.EINVALID, Message: err.Error(), Details: []zwfw.ErrorDetail{{Field: "new_password", Message: err.Error()}}}
	}
	if old == new {
		return zwfw.Errorf(zwfw.EINVALID, "新密码不能与原密码相同")
	}
	now := s.now()
	g, err := s.reserve(ctx, "id = ?", actor.UserID, "", now)
	if err != nil {
		return err
	}
	if g.id == 0 {
		return zwfw.Errorf(zwfw.ENOTFOUND, "账户不存在")
	}
	if ok, err := s.verify(old, g.hash); err != nil || !ok {
		wrong := &zwfw.Error{Code: zwfw.EINVALID, Message: "原密码不正确", Details: []zwfw.ErrorDetail{{Field: "old_password", Message: "原密码不正确"}}}
		if g.locks {
			return s.failed(ctx, g, actor.Username, "", now, wrong)
		}
		return wrong
	}
	if err := s.reused(ctx, actor.UserID, new, "new_password"); err != nil {
		return err
	}
	nh, err := s.Hash(new)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := s.rememberPassword(ctx, tx, "id = ?", actor.UserID, nh, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, must_change_password = FALSE, password_changed_at = ?, updated_at = ?,
			failed_logins = 0, locked_until = 0 WHERE id = ?`,
			nh, db.Millis(now), db.Millis(now), actor.UserID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?", actor.UserID, tokenHash(keepToken)); err != nil {
			return err
		}
		if err := userChanged(ctx, tx, actor.UserID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, actor, "account.password", "user:"+actor.Username, nil)
	})
}
