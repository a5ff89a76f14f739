package account

import (
	"context"
	"errors"
	"strings"
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
	nh, err := s.Hash(new)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
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
