package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"zwfw"
	"zwfw/internal/db"
)

// Session kinds.
const (
	SessionWeb = "web" // a page session in an HttpOnly cookie, with idle timeout
	SessionAPI = "api" // a bearer token
)

// openSession opens a session of kind for userID; settle runs in the same
// transaction (sign-in clears the account's failure count there).
func (s *Service) openSession(ctx context.Context, userID int64, kind, ip, ua string, now time.Time, settle func(tx *db.Tx) error) (string, error) {
	return s.openSessionWith(ctx, userID, kind, ip, ua, now, func(tx *db.Tx, _ string) error { return settle(tx) })
}

// openSessionWith is openSession whose settle also gets the new session's
// token hash (the unified identity records its session beside it).
func (s *Service) openSessionWith(ctx context.Context, userID int64, kind, ip, ua string, now time.Time, settle func(tx *db.Tx, hash string) error) (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b[:])
	ttl := s.policy.SessionMax
	if kind == SessionAPI {
		ttl = s.policy.TokenTTL
	}
	if len(ua) > 200 {
		ua = ua[:200]
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, kind, created_at, expires_at, last_seen_at, ip, user_agent)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, tokenHash(token), userID, kind, db.Millis(now), db.Millis(now.Add(ttl)), db.Millis(now), ip, ua); err != nil {
			return err
		}
		if err := settle(tx, tokenHash(token)); err != nil {
			return err
		}
		// Expired sessions of anyone are swept on the way.
		_, err := tx.Exec(ctx, "DELETE FROM sessions WHERE expires_at < ?", db.Millis(now))
		return err
	})
	return token, err
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Authenticate returns the actor behind a session token of kind, or an
// EUNAUTHORIZED error when the token is unknown, expired or idle too long;
// when the database cannot be read, the error is internal.
func (s *Service) Authenticate(ctx context.Context, token, kind string) (*zwfw.Actor, error) {
	if token == "" || len(token) > 100 {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	h := tokenHash(token)
	now := s.now()
	if a, ok := s.sessions.get(h, kind, now); ok {
		return a, nil
	}
	var a zwfw.Actor
	var skind, roles string
	var expires, seen, changed int64
	var active bool
	err := s.db.QueryRow(ctx, `SELECT s.kind, s.expires_at, s.last_seen_at, u.id, u.username, u.name, u.kind, u.roles, u.active,
		COALESCE(u.org_id, 0), COALESCE(o.code, ''), COALESCE(o.path, ''), COALESCE(u.window_id, 0), u.must_change_password, u.password_changed_at
		FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN orgs o ON o.id = u.org_id WHERE s.token_hash = ?`, h).
		Scan(&skind, &expires, &seen, &a.UserID, &a.Username, &a.Name, &a.Kind, &roles, &active, &a.OrgID, &a.OrgCode, &a.OrgPath, &a.WindowID,
			&a.MustChangePassword, &changed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "登录已失效，请重新登录")
	}
	if err != nil {
		// The database failing is not the session ending: the visitor
		// stays signed in for when it is back.
		return nil, fmt.Errorf("account: authenticate: %w", err)
	}
	nowMs := db.Millis(now)
	if skind != kind || !active || expires < nowMs || (kind == SessionWeb && seen+s.policy.SessionIdle.Milliseconds() < nowMs) {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "登录已失效，请重新登录")
	}
	// Touch the idle clock at most once a minute: a write per request would
	// cost more than the request.
	if kind == SessionWeb && nowMs-seen > 60_000 {
		if _, err := s.db.Exec(ctx, "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?", nowMs, h); err != nil {
			return nil, err
		}
	}
	a.Roles = splitRoles(roles)
	s.passwordAge(&a, changed, now)
	s.sessions.put(h, kind, &a, expires, now)
	return &a, nil
}

// passwordAge sets when a staff account's password expires and, once it
// has, that it must be changed before anything else (§2(7) 等级保护:
// 定期更换). Applicants' passwords do not expire: the rule is for the
// staff who hold the platform's data.
func (s *Service) passwordAge(a *zwfw.Actor, changedMs int64, now time.Time) {
	if a.Kind != zwfw.KindStaff || s.policy.PasswordMaxAge < 0 || changedMs == 0 {
		return
	}
	a.PasswordExpires = db.Time(changedMs).Add(s.policy.PasswordMaxAge)
	if !now.Before(a.PasswordExpires) {
		a.PasswordExpired, a.MustChangePassword = true, true
	}
}

// MustChangeReason says why the actor must change its password before
// anything else: its password expired, or an administrator set it.
func MustChangeReason(a *zwfw.Actor) string {
	if a != nil && a.PasswordExpired {
		return "您的密码已过期，请先修改密码"
	}
	return "为了账户安全，请先修改管理员为您设置的初始密码"
}

// PasswordReminder is the reminder the pages show a staff member whose
// password expires within the reminder period ("" for none).
func (s *Service) PasswordReminder(a *zwfw.Actor) string {
	if a == nil || a.PasswordExpires.IsZero() || a.PasswordExpired {
		return ""
	}
	left := a.PasswordExpires.Sub(s.now())
	if left > s.policy.PasswordRemind {
		return ""
	}
	days := int((left + 24*time.Hour - 1) / (24 * time.Hour))
	if days < 1 {
		days = 1
	}
	return fmt.Sprintf("您的密码将于%d天后过期，请及时修改", days)
}

// IdleLimit is how long a page session lasts without a request: the pages
// tell the browser, which warns before it runs out (§2(7) 等级保护:
// 登录连接超时自动退出).
func (s *Service) IdleLimit() time.Duration { return s.policy.SessionIdle }

// KeepAlive restarts the idle clock of the live page session of token, at
// once (Authenticate touches it at most once a minute): the page's
// "继续" button asks for it when the idle warning shows. A session that
// has ended or gone idle stays ended (EUNAUTHORIZED).
func (s *Service) KeepAlive(ctx context.Context, token string) error {
	now := s.now()
	nowMs := db.Millis(now)
	res, err := s.db.Exec(ctx, "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ? AND kind = ? AND expires_at > ? AND last_seen_at > ?",
		nowMs, tokenHash(token), SessionWeb, nowMs, nowMs-s.policy.SessionIdle.Milliseconds())
	if err != nil {
		return fmt.Errorf("account: keep alive: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return zwfw.Errorf(zwfw.EUNAUTHORIZED, "登录已失效，请重新登录")
	}
	return nil
}

// Logout ends the session of token.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.endSession(ctx, tokenHash(token))
}
