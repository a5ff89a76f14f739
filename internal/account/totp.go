package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/org"
	"zwfw/internal/pii"
)

// A second factor for staff (issue 14 item 1): a time-based one-time code
// (TOTP, RFC 6238: six digits, thirty seconds, HMAC-SHA1 — what every
// authenticator app reads from the QR code), checked after the password.
// 实施方案 §2(7) 等级保护 level 3 (GB/T 22239 身份鉴别: 应采用口令、密码技术、
// 生物技术等两种或两种以上组合的鉴别技术). The secret is sealed at rest
// (internal/pii); a code is accepted once (user_totp.last_step); recovery
// codes are kept as their SHA-256 only; every guess is counted like a
// password guess (reserve: the account locks after Policy.MaxFailures, the
// address and the platform are throttled).

// TOTP parameters.
const (
	totpPeriod    = 30
	totpSkew      = 1 // steps either side accepted (clock drift)
	recoveryCount = 10
	challengeTTL  = 10 * time.Minute
	totpIssuer    = "政务服务网"
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// NeedsSecondFactor decides whether the account must sign in with a second
// factor under its organisation's setting (org.EffectiveSecurity): a staff
// account holding one of the roles the setting names. An account that
// enrolled gives its code at every sign-in whatever the setting says
// (SecondFactor); applicants never need one (they sign in by password, SMS
// code or the unified identity).
func NeedsSecondFactor(u *User, set org.SecuritySettings) bool {
	if u == nil || u.Kind != zwfw.KindStaff {
		return false
	}
	for _, r := range u.Roles {
		if slices.Contains(set.TOTPRoles, r) {
			return true
		}
	}
	return false
}

// MayEnrolTOTP: staff enrol a second factor for themselves.
func MayEnrolTOTP(a *zwfw.Actor) error {
	if a == nil {
		return zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if a.Kind != zwfw.KindStaff {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "两步验证（动态验证码）供工作人员使用")
	}
	return nil
}

// SecondFactorState is where an account stands.
type SecondFactorState struct {
	Required bool      // its organisation requires it for one of its roles
	Enrolled bool      // a confirmed TOTP secret
	Since    time.Time // when it was confirmed
	From     string    // the organisation whose setting requires it
	Recovery int       // unused recovery codes
}

// Needed reports whether a sign-in must pass a second step.
func (st SecondFactorState) Needed() bool { return st.Required || st.Enrolled }

// SecondFactor returns the state of the account with id.
func (s *Service) SecondFactor(ctx context.Context, id int64) (SecondFactorState, error) {
	var st SecondFactorState
	u, err := scanUser(pii.Of(s.db), s.db.QueryRow(ctx, selectUser+" WHERE u.id = ?", id))
	if err != nil {
		return st, db.NotFound(err, "账户不存在")
	}
	if u.Kind == zwfw.KindStaff && u.OrgID != 0 {
		set, from, err := org.EffectiveSecurity(ctx, s.db.Reader(), u.OrgID)
		if err != nil {
			return st, err
		}
		if st.Required = NeedsSecondFactor(u, set); st.Required {
			if o, err := s.orgs.ByID(ctx, from); err == nil {
				st.From = o.DisplayName()
			}
		}
	}
	var enabled int64
	err = s.db.QueryRow(ctx, "SELECT enabled_at FROM user_totp WHERE user_id = ?", id).Scan(&enabled)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return st, err
	}
	st.Enrolled, st.Since = enabled > 0, db.Time(enabled)
	if st.Enrolled {
		if err := s.db.QueryRow(ctx, "SELECT COUNT(*) FROM user_recovery_codes WHERE user_id = ? AND used_at = 0", id).Scan(&st.Recovery); err != nil {
			return st, err
		}
	}
	return st, nil
}

// SecondStep is the answer to a sign-in whose first factor (password, or
// the unified identity) was right and that must pass a second step: the
// code (Enrol false), or the enrolment the organisation requires (Enrol
// true). The browser keeps Challenge and comes back with it.
type SecondStep struct {
	Challenge string
	Enrol     bool
	User      *User
	Next      string
}

func (e *SecondStep) Error() string {
	if e.Enrol {
		return "account: sign-in waits for the second factor's enrolment"
	}
	return "account: sign-in waits for the second factor"
}

// idpSession is what a session opened through the unified identity keeps
// (oidc_sessions): sign-out at the provider and back-channel logout.
type idpSession struct {
	LinkID  int64
	SID     string
	IDToken string
}

// afterFirstFactor opens a session for the account, or — when it must pass
// a second step — a challenge (*SecondStep as the error). settle runs in
// the session's transaction (final true) or the challenge's (final false:
// the sign-in is not over, and a password's right guess must not clear
// the account's failures, which the codes' guesses go on counting).
func (s *Service) afterFirstFactor(ctx context.Context, u *User, kind, ip, ua, next string, idp *idpSession, settle func(tx *db.Tx, final bool) error) (string, error) {
	st, err := s.SecondFactor(ctx, u.ID)
	if err != nil {
		return "", err
	}
	now := s.now()
	if !st.Needed() {
		return s.openSessionWith(ctx, u.ID, kind, ip, ua, now, func(tx *db.Tx, hash string) error {
			if err := settle(tx, true); err != nil {
				return err
			}
			return s.recordIdP(ctx, tx, hash, kind, idp, now)
		})
	}
	if kind == SessionAPI {
		// The API has no second page: the code comes with the password
		// (LoginWithCode), and enrolment is done on the web pages.
		if err := s.db.InTx(ctx, func(tx *db.Tx) error { return settle(tx, false) }); err != nil {
			return "", err
		}
		if !st.Enrolled {
			return "", zwfw.Errorf(zwfw.EFORBIDDEN, "%s要求您的角色使用两步验证，请先在网页登录并按提示启用动态验证码，再使用接口", orDefault(st.From, "您所在机构"))
		}
		return "", &zwfw.Error{Code: zwfw.EUNAUTHORIZED, Message: "该账户已启用两步验证，请在 totp 字段中提供动态验证码",
			Details: []zwfw.ErrorDetail{{Field: "totp", Message: "请填写 6 位动态验证码"}}}
	}
	token := newSecret()
	if len(ua) > 200 {
		ua = ua[:200]
	}
	purpose := "totp"
	if !st.Enrolled {
		purpose = "enrol"
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := settle(tx, false); err != nil {
			return err
		}
		var link any
		sid, idt := "", ""
		if idp != nil {
			link, sid, idt = idp.LinkID, idp.SID, pii.Of(tx).Seal(pii.ChallengeIDToken.Label(), idp.IDToken)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO login_challenges (token_hash, user_id, purpose, kind, ip, user_agent, next, link_id, sid, id_token,
			created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, tokenHash(token), u.ID, purpose, kind, ip, ua, next,
			link, sid, idt, db.Millis(now), db.Millis(now.Add(challengeTTL))); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "DELETE FROM login_challenges WHERE expires_at < ?", db.Millis(now))
		return err
	})
	if err != nil {
		return "", err
	}
	return "", &SecondStep{Challenge: token, Enrol: !st.Enrolled, User: u, Next: next}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func newSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
}

// challenge is a sign-in waiting for its second step.
type challenge struct {
	id      int64
	user    *User
	purpose string
	kind    string
	ip, ua  string
	next    string
	idp     *idpSession
}

var errChallenge = zwfw.Errorf(zwfw.EUNAUTHORIZED, "登录已超时，请重新登录")

// loadChallenge returns the live challenge of token.
func (s *Service) loadChallenge(ctx context.Context, token string) (*challenge, error) {
	if token == "" || len(token) > 100 {
		return nil, errChallenge
	}
	var c challenge
	var uid, expires int64
	var link sql.NullInt64
	var sid, idt string
	err := s.db.QueryRow(ctx, `SELECT id, user_id, purpose, kind, ip, user_agent, next, link_id, sid, id_token, expires_at
		FROM login_challenges WHERE token_hash = ?`, tokenHash(token)).
		Scan(&c.id, &uid, &c.purpose, &c.kind, &c.ip, &c.ua, &c.next, &link, &sid, &idt, &expires)
	if errors.Is(err, sql.ErrNoRows) || err == nil && expires < db.Millis(s.now()) {
		return nil, errChallenge
	}
	if err != nil {
		return nil, err
	}
	if link.Valid {
		if idt, err = pii.Of(s.db).Open(pii.ChallengeIDToken.Label(), idt); err != nil {
			return nil, err
		}
		c.idp = &idpSession{LinkID: link.Int64, SID: sid, IDToken: idt}
	}
	if c.user, err = scanUser(pii.Of(s.db), s.db.QueryRow(ctx, selectUser+" WHERE u.id = ?", uid)); err != nil {
		return nil, err
	}
	if !c.user.Active {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "账户已停用，请联系管理员")
	}
	return &c, nil
}

// Challenge describes the sign-in waiting under token: the account (its
// name for the page) and whether it is to enrol.
func (s *Service) Challenge(ctx context.Context, token string) (u *User, enrol bool, err error) {
	c, err := s.loadChallenge(ctx, token)
	if err != nil {
		return nil, false, err
	}
	return c.user, c.purpose == "enrol", nil
}

// CompleteSecondFactor checks the code (or a recovery code) of the sign-in
// waiting under challengeToken and opens its session. The guess is counted
// like a password guess: the address's and the platform's limits, and the
// account's failures (locked at Policy.MaxFailures). A code already used
// (the same one again, or an older one) is refused.
func (s *Service) CompleteSecondFactor(ctx context.Context, challengeToken, code, ip string) (string, *User, string, error) {
	c, err := s.loadChallenge(ctx, challengeToken)
	if err != nil {
		return "", nil, "", err
	}
	if c.purpose != "totp" {
		return "", nil, "", zwfw.Errorf(zwfw.ECONFLICT, "请先启用两步验证")
	}
	token, err := s.checkSecond(ctx, c.user, code, ip, func(tx *db.Tx, hash string, now time.Time) error {
		return s.finishChallenge(ctx, tx, c, hash, now)
	}, c.kind, c.ua)
	if err != nil {
		return "", nil, "", err
	}
	return token, c.user, c.next, nil
}

// finishChallenge removes the challenge and records the unified identity's
// session, inside the new session's transaction.
func (s *Service) finishChallenge(ctx context.Context, tx *db.Tx, c *challenge, hash string, now time.Time) error {
	res, err := tx.Exec(ctx, "DELETE FROM login_challenges WHERE id = ?", c.id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errChallenge // used meanwhile by another request
	}
	return s.recordIdP(ctx, tx, hash, c.kind, c.idp, now)
}

// LoginWithCode is Login with the second factor's code given at once (the
// API's sign-in: POST /auth/login with totp). Without a code, an account
// that must give one is refused with the field named.
func (s *Service) LoginWithCode(ctx context.Context, username, password, code, kind, ip, userAgent string) (string, *User, error) {
	token, u, err := s.Login(ctx, username, password, kind, ip, userAgent)
	if err == nil || strings.TrimSpace(code) == "" {
		return token, u, err
	}
	var e *zwfw.Error
	if !errors.As(err, &e) || len(e.Details) != 1 || e.Details[0].Field != "totp" {
		return "", nil, err
	}
	// The password was right (Login got as far as the second factor).
	if u, err = s.ByUsername(ctx, username); err != nil {
		return "", nil, err
	}
	token, err = s.checkSecond(ctx, u, code, ip, func(tx *db.Tx, hash string, now time.Time) error { return nil }, kind, userAgent)
	if err != nil {
		return "", nil, err
	}
	return token, u, nil
}

// checkSecond checks a TOTP or recovery code of u as a counted guess and,
// when right, opens a session of kind (settle in its transaction).
func (s *Service) checkSecond(ctx context.Context, u *User, code, ip string, settle func(tx *db.Tx, hash string, now time.Time) error, kind, ua string) (string, error) {
	bad := &zwfw.Error{Code: zwfw.EUNAUTHORIZED, Message: "动态验证码错误，请查看验证器应用中的 6 位数字后重试",
		Details: []zwfw.ErrorDetail{{Field: "totp", Message: "动态验证码错误"}}}
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if code == "" {
		return "", &zwfw.Error{Code: zwfw.EINVALID, Message: "请填写 6 位动态验证码", Details: []zwfw.ErrorDetail{{Field: "totp", Message: "请填写 6 位动态验证码"}}}
	}
	now := s.now()
	if ip != "" {
		ctx = audit.WithClient(ctx, ip)
	}
	g, err := s.reserve(ctx, "id = ?", u.ID, ip, now)
	if err != nil {
		return "", err
	}
	var replay bool
	token, err := s.openSessionWith(ctx, u.ID, kind, ip, ua, now, func(tx *db.Tx, hash string) error {
		ok, rep, err := s.useCode(ctx, tx, u.ID, code, now)
		if err != nil {
			return err
		}
		if !ok {
			replay = rep
			return errWrongCode
		}
		if err := s.succeeded(ctx, tx, g, now); err != nil {
			return err
		}
		if err := settle(tx, hash, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, u.Actor(), "account.second_factor", "user:"+u.Username, map[string]any{"ip": ip})
	})
	if errors.Is(err, errWrongCode) {
		if replay {
			bad = &zwfw.Error{Code: zwfw.EUNAUTHORIZED, Message: "该动态验证码已使用过，请等待验证器显示新的验证码后再试",
				Details: []zwfw.ErrorDetail{{Field: "totp", Message: "验证码已使用过"}}}
		}
		return "", s.failed(ctx, g, u.Username, ip, now, bad)
	}
	if err != nil {
		return "", err
	}
	return token, nil
}

var errWrongCode = errors.New("account: wrong second-factor code")

// useCode checks code against the account's confirmed secret, or its
// unused recovery codes, inside tx, and uses it up: ok when accepted,
// replay when it is a TOTP code of a step already used.
func (s *Service) useCode(ctx context.Context, tx *db.Tx, userID int64, code string, now time.Time) (ok, replay bool, err error) {
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return s.useRecovery(ctx, tx, userID, code, now)
	}
	var secret string
	var last, enabled int64
	err = tx.QueryRow(ctx, "SELECT secret, last_step, enabled_at FROM user_totp WHERE user_id = ?", userID).Scan(&secret, &last, &enabled)
	if errors.Is(err, sql.ErrNoRows) || err == nil && enabled == 0 {
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	if secret, err = pii.Of(tx).Open(pii.TOTPSecret.Label(), secret); err != nil {
		return false, false, err
	}
	step, matched := matchStep(secret, code, now)
	if !matched {
		return false, false, nil
	}
	if step <= last {
		return false, true, nil
	}
	res, err := tx.Exec(ctx, "UPDATE user_totp SET last_step = ? WHERE user_id = ? AND last_step < ?", step, userID, step)
	if err != nil {
		return false, false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, true, nil // another request used it a moment ago
	}
	return true, false, nil
}

// matchStep finds the time step within the skew whose code is code.
func matchStep(secret, code string, now time.Time) (int64, bool) {
	cur := now.Unix() / totpPeriod
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		step := cur + d
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

func recoveryHash(code string) string {
	c := strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(code), "-", ""), " ", ""))
	h := sha256.Sum256([]byte("zwfw-recovery:" + c))
	return hex.EncodeToString(h[:])
}

func (s *Service) useRecovery(ctx context.Context, tx *db.Tx, userID int64, code string, now time.Time) (bool, bool, error) {
	res, err := tx.Exec(ctx, "UPDATE user_recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at = 0",
		db.Millis(now), userID, recoveryHash(code))
	if err != nil {
		return false, false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, false, nil
}

// Enrolment is a secret being enrolled: the otpauth URL for the QR code,
// and the secret to type in by hand.
type Enrolment struct {
	Secret string
	URL    string
}

// GroupedSecret is the secret in groups of four, to type.
func (e Enrolment) GroupedSecret() string {
	var b strings.Builder
	for i, r := range e.Secret {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// startEnrolment returns the account's pending secret, making one when it
// has none; an account already enrolled is refused.
func (s *Service) startEnrolment(ctx context.Context, u *User) (Enrolment, error) {
	now := s.now()
	ring := pii.Of(s.db)
	var e Enrolment
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var secret string
		var enabled int64
		err := tx.QueryRow(ctx, "SELECT secret, enabled_at FROM user_totp WHERE user_id = ?", u.ID).Scan(&secret, &enabled)
		switch {
		case err == nil && enabled > 0:
			return zwfw.Errorf(zwfw.ECONFLICT, "您已启用两步验证")
		case err == nil:
			secret, err = ring.Open(pii.TOTPSecret.Label(), secret)
			if err != nil {
				return err
			}
		case errors.Is(err, sql.ErrNoRows):
			key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: u.Username, Period: totpPeriod, SecretSize: 20})
			if err != nil {
				return err
			}
			secret = key.Secret()
			if _, err := tx.Exec(ctx, "INSERT INTO user_totp (user_id, secret, created_at) VALUES (?, ?, ?)",
				u.ID, ring.Seal(pii.TOTPSecret.Label(), secret), db.Millis(now)); err != nil {
				return err
			}
		default:
			return err
		}
		key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: u.Username, Period: totpPeriod,
			Secret: mustB32(secret)})
		if err != nil {
			return err
		}
		e = Enrolment{Secret: secret, URL: key.URL()}
		return nil
	})
	return e, err
}

func mustB32(s string) []byte {
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	if err != nil {
		panic(fmt.Sprintf("account: a TOTP secret that is not base32: %v", err))
	}
	return b
}

// confirmEnrolment enables the pending secret when code is its current
// code, and makes the recovery codes, inside tx.
func (s *Service) confirmEnrolment(ctx context.Context, tx *db.Tx, u *User, code string, now time.Time) ([]string, error) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	var secret string
	var enabled int64
	err := tx.QueryRow(ctx, "SELECT secret, enabled_at FROM user_totp WHERE user_id = ?", u.ID).Scan(&secret, &enabled)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "请先扫描二维码添加账户")
	}
	if err != nil {
		return nil, err
	}
	if enabled > 0 {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "您已启用两步验证")
	}
	if secret, err = pii.Of(tx).Open(pii.TOTPSecret.Label(), secret); err != nil {
		return nil, err
	}
	step, ok := matchStep(secret, code, now)
	if !ok {
		return nil, errWrongCode
	}
	if _, err := tx.Exec(ctx, "UPDATE user_totp SET enabled_at = ?, last_step = ? WHERE user_id = ?", db.Millis(now), step, u.ID); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM user_recovery_codes WHERE user_id = ?", u.ID); err != nil {
		return nil, err
	}
	codes := make([]string, recoveryCount)
	for i := range codes {
		var b [5]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		c := strings.ToLower(base32.StdEncoding.EncodeToString(b[:]))
		codes[i] = c[:4] + "-" + c[4:]
		if _, err := tx.Exec(ctx, "INSERT INTO user_recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)",
			u.ID, recoveryHash(codes[i]), db.Millis(now)); err != nil {
			return nil, err
		}
	}
	if err := audit.Record(ctx, tx, now, u.Actor(), "account.totp_enrolled", "user:"+u.Username, nil); err != nil {
		return nil, err
	}
	return codes, nil
}

// enrolGuess confirms an enrolment as a counted guess (a wrong code counts
// like a wrong password); open, when set, opens a session in the same
// transaction.
func (s *Service) enrolGuess(ctx context.Context, u *User, code, ip, kind, ua string, open bool, settle func(tx *db.Tx, hash string, now time.Time) error) (string, []string, error) {
	bad := &zwfw.Error{Code: zwfw.EINVALID, Message: "动态验证码不正确：请确认验证器应用已添加此账户、手机时间准确，然后填写它当前显示的 6 位数字",
		Details: []zwfw.ErrorDetail{{Field: "totp", Message: "动态验证码不正确"}}}
	if strings.TrimSpace(code) == "" {
		// Nothing typed is no guess: it is not counted.
		return "", nil, &zwfw.Error{Code: zwfw.EINVALID, Message: "请填写验证器应用显示的 6 位动态验证码",
			Details: []zwfw.ErrorDetail{{Field: "totp", Message: "请填写 6 位动态验证码"}}}
	}
	now := s.now()
	if ip != "" {
		ctx = audit.WithClient(ctx, ip)
	}
	g, err := s.reserve(ctx, "id = ?", u.ID, ip, now)
	if err != nil {
		return "", nil, err
	}
	var codes []string
	body := func(tx *db.Tx, hash string) error {
		var err error
		if codes, err = s.confirmEnrolment(ctx, tx, u, code, now); err != nil {
			return err
		}
		if err := s.succeeded(ctx, tx, g, now); err != nil {
			return err
		}
		return settle(tx, hash, now)
	}
	var token string
	if open {
		token, err = s.openSessionWith(ctx, u.ID, kind, ip, ua, now, body)
	} else {
		err = s.db.InTx(ctx, func(tx *db.Tx) error { return body(tx, "") })
	}
	if errors.Is(err, errWrongCode) {
		return "", nil, s.failed(ctx, g, u.Username, ip, now, bad)
	}
	if err != nil {
		// The reservation of a guess refused for another reason (already
		// enrolled) is given back.
		_ = s.db.InTx(context.WithoutCancel(ctx), func(tx *db.Tx) error { return s.succeeded(ctx, tx, g, now) })
		return "", nil, err
	}
	return token, codes, nil
}

// StartTOTP begins (or shows again) the signed-in staff member's enrolment.
func (s *Service) StartTOTP(ctx context.Context, a *zwfw.Actor) (Enrolment, error) {
	if err := MayEnrolTOTP(a); err != nil {
		return Enrolment{}, err
	}
	u, err := s.ByUsername(ctx, a.Username)
	if err != nil {
		return Enrolment{}, err
	}
	return s.startEnrolment(ctx, u)
}

// ConfirmTOTP enables the signed-in staff member's pending secret with its
// current code and returns the recovery codes (shown once).
func (s *Service) ConfirmTOTP(ctx context.Context, a *zwfw.Actor, code, ip string) ([]string, error) {
	if err := MayEnrolTOTP(a); err != nil {
		return nil, err
	}
	u, err := s.ByUsername(ctx, a.Username)
	if err != nil {
		return nil, err
	}
	_, codes, err := s.enrolGuess(ctx, u, code, ip, "", "", false, func(*db.Tx, string, time.Time) error { return nil })
	return codes, err
}

// EnrolAtSignIn begins (or shows again) the enrolment a sign-in waits for.
func (s *Service) EnrolAtSignIn(ctx context.Context, challengeToken string) (Enrolment, *User, error) {
	c, err := s.loadChallenge(ctx, challengeToken)
	if err != nil {
		return Enrolment{}, nil, err
	}
	if c.purpose != "enrol" {
		return Enrolment{}, nil, zwfw.Errorf(zwfw.ECONFLICT, "您已启用两步验证，请填写动态验证码")
	}
	e, err := s.startEnrolment(ctx, c.user)
	return e, c.user, err
}

// ConfirmAtSignIn confirms the enrolment a sign-in waits for and opens its
// session: the token, the account, where to go next and the recovery
// codes (shown once).
func (s *Service) ConfirmAtSignIn(ctx context.Context, challengeToken, code, ip string) (string, *User, string, []string, error) {
	c, err := s.loadChallenge(ctx, challengeToken)
	if err != nil {
		return "", nil, "", nil, err
	}
	if c.purpose != "enrol" {
		return "", nil, "", nil, zwfw.Errorf(zwfw.ECONFLICT, "您已启用两步验证，请填写动态验证码")
	}
	token, codes, err := s.enrolGuess(ctx, c.user, code, ip, c.kind, c.ua, true, func(tx *db.Tx, hash string, now time.Time) error {
		return s.finishChallenge(ctx, tx, c, hash, now)
	})
	if err != nil {
		return "", nil, "", nil, err
	}
	return token, c.user, c.next, codes, nil
}

// ResetTOTP removes a staff member's second factor (a lost phone, after the
// recovery codes are gone): administrators who manage the account. When
// the organisation requires it, the next sign-in enrols again.
func (s *Service) ResetTOTP(ctx context.Context, actor *zwfw.Actor, username string) error {
	u, err := s.Managed(ctx, actor, username)
	if err != nil {
		return err
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM user_totp WHERE user_id = ?", u.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM user_recovery_codes WHERE user_id = ?", u.ID); err != nil {
			return err
		}
		return audit.RecordFor(ctx, tx, u.OrgID, now, actor, "account.totp_reset", "user:"+u.Username, nil)
	})
}
