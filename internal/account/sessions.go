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
		if err := settle(tx); err != nil {
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
	var expires, seen int64
	var active bool
	err := s.db.QueryRow(ctx, `SELECT s.kind, s.expires_at, s.last_seen_at, u.id, u.username, u.name, u.kind, u.roles, u.active,
		COALESCE(u.org_id, 0), COALESCE(o.code, ''), COALESCE(o.path, ''), COALESCE(u.window_id, 0), u.must_change_password
		FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN orgs o ON o.id = u.org_id WHERE s.token_hash = ?`, h).
		Scan(&skind, &expires, &seen, &a.UserID, &a.Username, &a.Name, &a.Kind, &roles, &active, &a.OrgID, &a.OrgCode, &a.OrgPath, &a.WindowID,
			&a.MustChangePassword)
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
	s.sessions.put(h, kind, &a, expires, now)
	return &a, nil
}

// Logout ends the session of token.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.endSession(ctx, tokenHash(token))
}
