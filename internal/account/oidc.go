package account

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/pii"
)

// Unified identity (统一身份认证, issue 14 item 1): sign-in through the
// province's OpenID Connect provider beside the local accounts. 实施方案
// §1(2) and §2(1): the county platform joins the city's and the province's
// ("办事一号申请"), so a resident signs in once for all of them.
//
// The authorization code flow with PKCE (S256); the state, the nonce and
// the verifier are bound to the browser (oidc_states, found by the hash of
// a short-lived cookie, used once). The provider's metadata is discovered
// lazily, with a short timeout, and cached; while the provider is down
// the local sign-in keeps working and the button says 统一身份认证暂不可用.
// The ID token's signature (the provider's JWKS), issuer, audience, expiry
// and nonce are checked (go-oidc), then the identity is linked (oidclink.go).

// OIDCConfig is the provider's configuration (ZWFW_OIDC_*). The client
// secret comes from the environment or a file, never the repository or
// the database.
type OIDCConfig struct {
	Issuer        string // https://… of the province's provider
	ClientID      string
	ClientSecret  string
	RedirectURL   string // https://<this site>/login/oidc/callback, as registered at the provider
	PostLogoutURL string // where the provider sends the browser after sign-out ('' = the site's root)
	// The claims: the identity number, whether the provider verified it
	// (实名核验), and the kind of account (a staff identity is linked only
	// by an administrator). Defaults: id_number, id_number_verified,
	// user_type = "staff".
	IDClaim, VerifiedClaim, TypeClaim, StaffType string
	Timeout                                      time.Duration // discovery and token requests (default 5s)
	Client                                       *http.Client  // tests; default: one with Timeout
}

// Enabled reports whether a provider is configured.
func (c OIDCConfig) Enabled() bool { return c.Issuer != "" && c.ClientID != "" && c.RedirectURL != "" }

// ErrProviderDown is the answer while the provider cannot be reached: the
// page says so and the local sign-in goes on working.
var ErrProviderDown = zwfw.Errorf(zwfw.ECONFLICT, "统一身份认证暂不可用，请稍后再试，或使用账户密码、短信验证码登录")

// Discovery is cached this long once it succeeded, and a failure this
// long before it is tried again (the login page never waits for it).
const (
	discoveryTTL   = time.Hour
	discoveryRetry = 30 * time.Second
	stateTTL       = 10 * time.Minute
)

type oidcClient struct {
	cfg    OIDCConfig
	client *http.Client

	mu       sync.Mutex
	provider *oidc.Provider
	endSess  string
	gotAt    time.Time
	failedAt time.Time
}

// SetOIDC configures the unified identity (nothing: no button, no flow).
func (s *Service) SetOIDC(cfg OIDCConfig) {
	if !cfg.Enabled() {
		s.oidc = nil
		return
	}
	if cfg.IDClaim == "" {
		cfg.IDClaim = "id_number"
	}
	if cfg.VerifiedClaim == "" {
		cfg.VerifiedClaim = "id_number_verified"
	}
	if cfg.TypeClaim == "" {
		cfg.TypeClaim = "user_type"
	}
	if cfg.StaffType == "" {
		cfg.StaffType = "staff"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	c := cfg.Client
	if c == nil {
		c = &http.Client{Timeout: cfg.Timeout}
	}
	s.oidc = &oidcClient{cfg: cfg, client: c}
}

// OIDCEnabled reports whether the login page offers the unified identity.
func (s *Service) OIDCEnabled() bool { return s.oidc != nil }

// OIDCIssuer is the configured provider (” when none).
func (s *Service) OIDCIssuer() string {
	if s.oidc == nil {
		return ""
	}
	return s.oidc.cfg.Issuer
}

// discover returns the provider, discovering it when not cached; a failure
// within discoveryRetry of the last is answered at once.
func (c *oidcClient) discover(ctx context.Context, now time.Time) (*oidc.Provider, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.provider != nil && now.Sub(c.gotAt) < discoveryTTL {
		return c.provider, nil
	}
	if since := now.Sub(c.failedAt); !c.failedAt.IsZero() && since >= 0 && since < discoveryRetry {
		if c.provider != nil {
			return c.provider, nil // the stale metadata serves meanwhile
		}
		return nil, ErrProviderDown
	}
	// The key set keeps the context's client for later fetches: not one
	// that is cancelled when this request ends.
	dctx, cancel := context.WithTimeout(oidc.ClientContext(context.WithoutCancel(ctx), c.client), c.cfg.Timeout)
	defer cancel()
	p, err := oidc.NewProvider(oidc.ClientContext(dctx, c.client), c.cfg.Issuer)
	if err != nil {
		c.failedAt = now
		slog.Default().Warn("account: unified identity provider unreachable", "issuer", c.cfg.Issuer, "err", err)
		if c.provider != nil {
			return c.provider, nil
		}
		return nil, ErrProviderDown
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = p.Claims(&meta)
	c.provider, c.endSess, c.gotAt, c.failedAt = p, meta.EndSession, now, time.Time{}
	return p, nil
}

func (c *oidcClient) oauth(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret, RedirectURL: c.cfg.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "profile"}}
}

// OIDCBegin starts a sign-in: it returns the value of the browser's cookie
// (the sign-in's key) and the provider's authorization URL to send the
// browser to. next is where to go after sign-in (a local path, checked by
// the caller).
func (s *Service) OIDCBegin(ctx context.Context, next string) (browser, authURL string, err error) {
	if s.oidc == nil {
		return "", "", zwfw.Errorf(zwfw.ENOTFOUND, "本平台未开通统一身份认证登录")
	}
	now := s.now()
	p, err := s.oidc.discover(ctx, now)
	if err != nil {
		return "", "", err
	}
	browser, state, nonce := newSecret(), newSecret(), newSecret()
	verifier := oauth2.GenerateVerifier()
	if len(next) > 500 {
		next = ""
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM oidc_states WHERE expires_at < ?", db.Millis(now)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO oidc_states (browser_hash, state, nonce, verifier, next, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, tokenHash(browser), state, nonce, verifier, next, db.Millis(now), db.Millis(now.Add(stateTTL)))
		return err
	})
	if err != nil {
		return "", "", err
	}
	u := s.oidc.oauth(p).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))
	return browser, u, nil
}

// flowState is a sign-in under way.
type flowState struct {
	state, nonce, verifier, next string
}

// takeState finds and removes (it is used once) the sign-in of the browser.
func (s *Service) takeState(ctx context.Context, browser string) (*flowState, error) {
	expired := zwfw.Errorf(zwfw.EUNAUTHORIZED, "统一身份认证登录已超时或不是从本浏览器发起的，请重新登录")
	if browser == "" || len(browser) > 100 {
		return nil, expired
	}
	var f flowState
	var expires int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, "DELETE FROM oidc_states WHERE browser_hash = ? RETURNING state, nonce, verifier, next, expires_at",
			tokenHash(browser)).Scan(&f.state, &f.nonce, &f.verifier, &f.next, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return expired
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if expires < db.Millis(s.now()) {
		return nil, expired
	}
	return &f, nil
}

// Identity is what the provider says about the person signing in, after
// the ID token passed every check.
type Identity struct {
	Issuer, Subject string
	SID             string
	Name            string
	Phone           string
	PhoneVerified   bool
	IDNumber        string
	IDVerified      bool
	Staff           bool
	RawIDToken      string
}

func badToken(why string) error {
	return zwfw.Errorf(zwfw.EUNAUTHORIZED, "统一身份认证返回的身份令牌未通过校验（%s），未能登录，请重新登录", why)
}

// OIDCFinish completes a sign-in at the callback: the browser's cookie,
// and the state and code (or error) the provider sent back. It returns
// the session token, the account and where to go next — or *SecondStep
// when a staff account must pass its second factor.
func (s *Service) OIDCFinish(ctx context.Context, browser string, q url.Values, ip, ua string) (string, *User, string, error) {
	if s.oidc == nil {
		return "", nil, "", zwfw.Errorf(zwfw.ENOTFOUND, "本平台未开通统一身份认证登录")
	}
	f, err := s.takeState(ctx, browser)
	if err != nil {
		return "", nil, "", err
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.state)) != 1 {
		return "", nil, f.next, zwfw.Errorf(zwfw.EUNAUTHORIZED, "统一身份认证登录的状态参数不符，未能登录，请重新登录")
	}
	if e := q.Get("error"); e != "" {
		return "", nil, f.next, zwfw.Errorf(zwfw.EUNAUTHORIZED, "统一身份认证未完成登录（%s），请重新登录或使用其他方式登录", e)
	}
	id, err := s.exchange(ctx, q.Get("code"), f)
	if err != nil {
		return "", nil, f.next, err
	}
	u, link, err := s.linkIdentity(ctx, id)
	if err != nil {
		return "", nil, f.next, err
	}
	token, err := s.afterFirstFactor(ctx, u, SessionWeb, ip, ua, f.next, &idpSession{LinkID: link, SID: id.SID, IDToken: id.RawIDToken},
		func(tx *db.Tx, _ bool) error {
			now := db.Millis(s.now())
			if _, err := tx.Exec(ctx, "UPDATE oidc_links SET last_used_at = ? WHERE id = ?", now, link); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "UPDATE users SET last_login_at = ? WHERE id = ?", now, u.ID)
			return err
		})
	if err != nil {
		var step *SecondStep
		if errors.As(err, &step) {
			step.Next = f.next
		}
		return "", nil, f.next, err
	}
	return token, u, f.next, nil
}

// exchange trades the code for tokens (with the PKCE verifier) and checks
// the ID token: signature, issuer, audience, expiry (go-oidc), nonce.
func (s *Service) exchange(ctx context.Context, code string, f *flowState) (*Identity, error) {
	if code == "" || len(code) > 2000 {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "统一身份认证未返回授权码，请重新登录")
	}
	c := s.oidc
	p, err := c.discover(ctx, s.now())
	if err != nil {
		return nil, err
	}
	xctx, cancel := context.WithTimeout(context.WithValue(ctx, oauth2.HTTPClient, c.client), c.cfg.Timeout)
	defer cancel()
	tok, err := c.oauth(p).Exchange(xctx, code, oauth2.VerifierOption(f.verifier))
	if err != nil {
		slog.Default().Warn("account: unified identity token exchange failed", "err", err)
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "统一身份认证拒绝了本次登录（授权码无效或已使用），请重新登录")
		}
		return nil, ErrProviderDown
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, badToken("缺少身份令牌")
	}
	return s.verifyIDToken(xctx, p, raw, f.nonce)
}

// verifyIDToken checks raw and reads its claims.
func (s *Service) verifyIDToken(ctx context.Context, p *oidc.Provider, raw, nonce string) (*Identity, error) {
	c := s.oidc
	v := p.VerifierContext(oidc.ClientContext(context.WithoutCancel(ctx), c.client), &oidc.Config{ClientID: c.cfg.ClientID, Now: s.now})
	t, err := v.Verify(ctx, raw)
	if err != nil {
		slog.Default().Warn("account: unified identity ID token refused", "err", err)
		var exp *oidc.TokenExpiredError
		switch msg := err.Error(); {
		case errors.As(err, &exp):
			return nil, badToken("已过期")
		case strings.Contains(msg, "audience"):
			return nil, badToken("不是签发给本平台的")
		case strings.Contains(msg, "issuer"):
			return nil, badToken("签发者不符")
		case strings.Contains(msg, "signature"):
			return nil, badToken("签名无效")
		}
		return nil, badToken("无法验证")
	}
	if subtle.ConstantTimeCompare([]byte(t.Nonce), []byte(nonce)) != 1 {
		slog.Default().Warn("account: unified identity ID token with a wrong nonce")
		return nil, badToken("一次性随机数不符")
	}
	var claims map[string]any
	if err := t.Claims(&claims); err != nil {
		return nil, badToken("无法读取")
	}
	str := func(k string) string {
		switch v := claims[k].(type) {
		case string:
			return strings.TrimSpace(v)
		case json.Number:
			return v.String()
		}
		return ""
	}
	truth := func(k string) bool {
		switch v := claims[k].(type) {
		case bool:
			return v
		case string:
			return v == "true"
		}
		return false
	}
	id := &Identity{Issuer: t.Issuer, Subject: t.Subject, SID: str("sid"), Name: str("name"), Phone: str("phone_number"),
		PhoneVerified: truth("phone_number_verified"), IDNumber: str(c.cfg.IDClaim), IDVerified: truth(c.cfg.VerifiedClaim),
		Staff: str(c.cfg.TypeClaim) == c.cfg.StaffType, RawIDToken: raw}
	if id.Subject == "" {
		return nil, badToken("缺少用户标识")
	}
	return id, nil
}

// recordIdP records, in the session's transaction, that the session of
// hash came through the unified identity.
func (s *Service) recordIdP(ctx context.Context, tx *db.Tx, hash, kind string, idp *idpSession, now time.Time) error {
	if idp == nil || hash == "" {
		return nil
	}
	ttl := s.policy.SessionMax
	if kind == SessionAPI {
		ttl = s.policy.TokenTTL
	}
	if _, err := tx.Exec(ctx, "DELETE FROM oidc_sessions WHERE expires_at < ?", db.Millis(now)); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO oidc_sessions (token_hash, link_id, sid, id_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		hash, idp.LinkID, idp.SID, pii.Of(tx).Seal(pii.OIDCSessionToken.Label(), idp.IDToken), db.Millis(now), db.Millis(now.Add(ttl)))
	return err
}

// LogoutAt ends the session of token and returns where the browser goes
// next: the provider's end_session_endpoint (with id_token_hint and
// post_logout_redirect_uri) when the session came through the unified
// identity and the provider advertises one, else "".
func (s *Service) LogoutAt(ctx context.Context, token string) (string, error) {
	h := tokenHash(token)
	var idt string
	err := s.db.QueryRow(ctx, "SELECT id_token FROM oidc_sessions WHERE token_hash = ?", h).Scan(&idt)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	if err := s.endSession(ctx, h); err != nil {
		return "", err
	}
	if idt == "" || s.oidc == nil {
		return "", nil
	}
	if _, err := s.db.Exec(ctx, "DELETE FROM oidc_sessions WHERE token_hash = ?", h); err != nil {
		return "", err
	}
	if idt, err = pii.Of(s.db).Open(pii.OIDCSessionToken.Label(), idt); err != nil {
		return "", err
	}
	c := s.oidc
	if _, err := c.discover(ctx, s.now()); err != nil {
		return "", nil // the provider is down: signed out here at least
	}
	c.mu.Lock()
	end := c.endSess
	c.mu.Unlock()
	if end == "" {
		return "", nil
	}
	u, err := url.Parse(end)
	if err != nil {
		return "", nil
	}
	q := u.Query()
	q.Set("id_token_hint", idt)
	q.Set("client_id", c.cfg.ClientID)
	if back := c.postLogout(); back != "" {
		q.Set("post_logout_redirect_uri", back)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func (c *oidcClient) postLogout() string {
	if c.cfg.PostLogoutURL != "" {
		return c.cfg.PostLogoutURL
	}
	u, err := url.Parse(c.cfg.RedirectURL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + "/"
}

// backchannelEvent is the event a logout token carries (OpenID Connect
// Back-Channel Logout 1.0 §2.4).
const backchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

// BackChannelLogout ends the sessions a provider's logout token names
// (OpenID Connect Back-Channel Logout 1.0): the token is verified like an
// ID token (signature, issuer, audience, expiry), must carry the logout
// event and no nonce, and names a subject or a provider session (sid).
// It returns the sessions ended.
func (s *Service) BackChannelLogout(ctx context.Context, logoutToken string) (int, error) {
	if s.oidc == nil {
		return 0, zwfw.Errorf(zwfw.ENOTFOUND, "本平台未开通统一身份认证登录")
	}
	bad := func(why string) error { return zwfw.Errorf(zwfw.EBADREQUEST, "注销令牌无效：%s", why) }
	if logoutToken == "" || len(logoutToken) > 16000 {
		return 0, bad("缺少 logout_token")
	}
	c := s.oidc
	p, err := c.discover(ctx, s.now())
	if err != nil {
		return 0, err
	}
	v := p.VerifierContext(oidc.ClientContext(context.WithoutCancel(ctx), c.client), &oidc.Config{ClientID: c.cfg.ClientID, Now: s.now})
	t, err := v.Verify(ctx, logoutToken)
	if err != nil {
		slog.Default().Warn("account: back-channel logout token refused", "err", err)
		return 0, bad("签名、签发者、受众或有效期未通过校验")
	}
	var claims struct {
		SID    string                     `json:"sid"`
		Nonce  *string                    `json:"nonce"`
		Events map[string]json.RawMessage `json:"events"`
	}
	if err := t.Claims(&claims); err != nil {
		return 0, bad("无法读取")
	}
	if _, ok := claims.Events[backchannelEvent]; !ok {
		return 0, bad("不是注销事件")
	}
	if claims.Nonce != nil {
		return 0, bad("不应含 nonce")
	}
	if t.Subject == "" && claims.SID == "" {
		return 0, bad("须含 sub 或 sid")
	}
	ring := pii.Of(s.db)
	q := "SELECT s.token_hash FROM oidc_sessions s JOIN oidc_links l ON l.id = s.link_id WHERE l.issuer = ? AND "
	args := []any{t.Issuer}
	switch {
	case claims.SID != "" && t.Subject != "":
		q += "s.sid = ? AND l.subject_digest IN (" + ring.In() + ")"
		args = append(append(args, claims.SID), ring.Digests(t.Subject)...)
	case claims.SID != "":
		q += "s.sid = ?"
		args = append(args, claims.SID)
	default:
		q += "l.subject_digest IN (" + ring.In() + ")"
		args = append(args, ring.Digests(t.Subject)...)
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	var hashes []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			rows.Close()
			return 0, err
		}
		hashes = append(hashes, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, h := range hashes {
		if err := s.endSession(ctx, h); err != nil {
			return 0, err
		}
		if _, err := s.db.Exec(ctx, "DELETE FROM oidc_sessions WHERE token_hash = ?", h); err != nil {
			return 0, err
		}
	}
	return len(hashes), nil
}

// String names the identity for logs without personal data.
func (id *Identity) String() string {
	return fmt.Sprintf("oidc subject of %s", id.Issuer)
}
