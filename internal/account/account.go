// Package account keeps the accounts (staff and applicants), their roles and
// organisation scope, passwords (argon2id), failed-login lockout, and the
// sessions and API tokens — all in the database, so that several server
// processes share them.
//
// The files are split by concern: account.go (the User and the Service),
// users.go (staff accounts and the account list), applicants.go
// (registration), password.go (the password rule and changes), login.go
// (sign-in and lockout), sessions.go (sessions and API tokens).
package account

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/alexedwards/argon2id"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/db"
	"zwfw/internal/notify"
	"zwfw/internal/org"
	"zwfw/internal/pii"
	"zwfw/internal/throttle"
)

// User is an account as the rest of the platform sees it.
type User struct {
	ID                 int64     `json:"-"`
	Username           string    `json:"username"`
	Kind               string    `json:"kind"`
	Name               string    `json:"name"`
	Phone              string    `json:"phone,omitempty"`
	IDNumber           string    `json:"-"`
	CreditCode         string    `json:"-"`
	Roles              []string  `json:"roles"`
	OrgCode            string    `json:"org_code,omitempty"`
	OrgName            string    `json:"org_name,omitempty"`
	WindowCode         string    `json:"window_code,omitempty"`
	WindowName         string    `json:"window_name,omitempty"`
	Post               string    `json:"post,omitempty"`
	Active             bool      `json:"active"`
	LockedUntil        time.Time `json:"locked_until,omitzero"`
	MustChangePassword bool      `json:"must_change_password,omitempty"`
	LastLoginAt        time.Time `json:"last_login_at,omitzero"`
	CreatedAt          time.Time `json:"created_at"`
	// PhoneVerified: the phone was verified by an SMS code (it then signs
	// in with phone + code). PrivacyVersion is the version of the privacy
	// notice the applicant last agreed to, at PrivacyAcceptedAt.
	PhoneVerified     bool      `json:"phone_verified,omitempty"`
	PrivacyVersion    string    `json:"privacy_version,omitempty"`
	PrivacyAcceptedAt time.Time `json:"privacy_accepted_at,omitzero"`

	OrgID    int64  `json:"-"`
	OrgPath  string `json:"-"`
	WindowID int64  `json:"-"`
	// HomeOrgPath is where an applicant registered (the county whose
	// administrators see the account).
	HomeOrgPath string `json:"-"`
}

// MaskedID is the identity number as lists show it (personal data is masked
// wherever the full value is not needed).
func (u *User) MaskedID() string {
	if u.IDNumber != "" {
		return ident.MaskID(u.IDNumber)
	}
	return u.CreditCode
}

// Actor returns the user as the actor of an action.
func (u *User) Actor() *zwfw.Actor {
	return &zwfw.Actor{UserID: u.ID, Username: u.Username, Name: u.Name, Kind: u.Kind, Roles: u.Roles,
		OrgID: u.OrgID, OrgCode: u.OrgCode, OrgPath: u.OrgPath, WindowID: u.WindowID, MustChangePassword: u.MustChangePassword}
}

// Policy holds the security settings (GB/T 22239 level 3: lock after 5
// failures for 10–30 minutes; idle timeout 10–30 minutes).
type Policy struct {
	MaxFailures int
	LockFor     time.Duration
	SessionIdle time.Duration // web sessions end after this idle time
	SessionMax  time.Duration // and after this time in any case
	TokenTTL    time.Duration // API bearer tokens
	// Failed sign-ins allowed per client address, and on the whole
	// platform, before further attempts get 429 (a negative N turns a
	// limit off). They stop one address from trying a password on many
	// accounts, and many addresses from spending the server's CPU on
	// argon2id.
	AddrLimit   throttle.Limit
	GlobalLimit throttle.Limit
	// HomeOrg is the code of the organisation applicants register under:
	// the deploying county (ZWFW_REGION), whose administrators see them.
	// Empty, or not in the tree: the root.
	HomeOrg string
	// PasswordMaxAge: a staff account's password expires this long after
	// it was set, and the account must change it before anything else;
	// PasswordRemind before that, the pages remind it (0: the default,
	// negative: never). PasswordHistory: a new password may not be one of
	// the account's last this many (0: the default, negative: none).
	// 实施方案 §2(7) 等级保护 level 3 (GB/T 22239 身份鉴别: 定期更换).
	// They are the platform's settings (ZWFW_PASSWORD_MAX_DAYS,
	// ZWFW_PASSWORD_HISTORY), not an organisation's: one county's
	// accounts and another's sign in at the same door, and an account
	// that moves between organisations should not change its rule.
	PasswordMaxAge  time.Duration
	PasswordRemind  time.Duration
	PasswordHistory int
}

// DefaultPolicy is used when a field is zero.
var DefaultPolicy = Policy{MaxFailures: 5, LockFor: 15 * time.Minute, SessionIdle: 30 * time.Minute, SessionMax: 12 * time.Hour, TokenTTL: 12 * time.Hour,
	AddrLimit: throttle.Limit{N: 20, Window: 10 * time.Minute}, GlobalLimit: throttle.Limit{N: 300, Window: time.Minute},
	PasswordMaxAge: 90 * 24 * time.Hour, PasswordRemind: 14 * 24 * time.Hour, PasswordHistory: 5}

// Service manages accounts and sessions.
type Service struct {
	db       *db.DB
	orgs     *org.Service
	now      func() time.Time
	policy   Policy
	params   *argon2id.Params
	sessions sessionCache
	checks   atomic.Int64  // password hashes compared (PasswordChecks)
	sms      notify.Sender // sends verification codes (SetSMS)
	codes    CodePolicy
	oidc     *oidcClient // the unified identity (SetOIDC); nil: not offered
}

// NewService returns an account Service.
func NewService(d *db.DB, orgs *org.Service, now func() time.Time, p Policy) *Service {
	if p.MaxFailures == 0 {
		p.MaxFailures = DefaultPolicy.MaxFailures
	}
	if p.LockFor == 0 {
		p.LockFor = DefaultPolicy.LockFor
	}
	if p.SessionIdle == 0 {
		p.SessionIdle = DefaultPolicy.SessionIdle
	}
	if p.SessionMax == 0 {
		p.SessionMax = DefaultPolicy.SessionMax
	}
	if p.TokenTTL == 0 {
		p.TokenTTL = DefaultPolicy.TokenTTL
	}
	if p.AddrLimit == (throttle.Limit{}) {
		p.AddrLimit = DefaultPolicy.AddrLimit
	}
	if p.GlobalLimit == (throttle.Limit{}) {
		p.GlobalLimit = DefaultPolicy.GlobalLimit
	}
	if p.PasswordMaxAge == 0 {
		p.PasswordMaxAge = DefaultPolicy.PasswordMaxAge
	}
	if p.PasswordRemind == 0 {
		p.PasswordRemind = DefaultPolicy.PasswordRemind
	}
	if p.PasswordHistory == 0 {
		p.PasswordHistory = DefaultPolicy.PasswordHistory
	}
	s := &Service{db: d, orgs: orgs, now: now, policy: p, params: Params, sms: LogCodes{}, codes: DefaultCodePolicy}
	s.sessions.watch(d)
	return s
}

const userCols = `SELECT u.id, u.username, u.kind, u.name, u.phone, COALESCE(u.id_number, ''), COALESCE(u.credit_code, ''), u.roles,
	COALESCE(u.org_id, 0), COALESCE(o.code, ''), COALESCE(o.name, ''), COALESCE(o.path, ''),
	COALESCE(u.window_id, 0), COALESCE(w.code, ''), COALESCE(w.name, ''), u.post, u.active, u.locked_until, u.must_change_password,
	u.last_login_at, u.created_at, COALESCE(ho.path, ''), u.phone_verified_at, u.privacy_version, u.privacy_accepted_at`

const userFrom = ` FROM users u LEFT JOIN orgs o ON o.id = u.org_id LEFT JOIN orgs w ON w.id = u.window_id
	LEFT JOIN orgs ho ON ho.id = u.home_org_id`

const selectUser = userCols + userFrom

// scanUser reads a user, opening the sealed identity number and phone with
// r (internal/pii).
func scanUser(r *pii.Ring, row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var roles string
	var locked, last, created, verified, consented int64
	err := row.Scan(&u.ID, &u.Username, &u.Kind, &u.Name, &u.Phone, &u.IDNumber, &u.CreditCode, &roles,
		&u.OrgID, &u.OrgCode, &u.OrgName, &u.OrgPath, &u.WindowID, &u.WindowCode, &u.WindowName, &u.Post, &u.Active,
		&locked, &u.MustChangePassword, &last, &created, &u.HomeOrgPath, &verified, &u.PrivacyVersion, &consented)
	if err != nil {
		return nil, err
	}
	if err := r.OpenAll(pii.F(pii.UserIDNumber.Label(), &u.IDNumber), pii.F(pii.UserPhone.Label(), &u.Phone)); err != nil {
		return nil, err
	}
	u.Roles = splitRoles(roles)
	u.LockedUntil, u.LastLoginAt, u.CreatedAt = db.Time(locked), db.Time(last), db.Time(created)
	u.PhoneVerified, u.PrivacyAcceptedAt = verified > 0, db.Time(consented)
	return &u, nil
}

func splitRoles(s string) []string {
	var out []string
	for _, r := range strings.Split(s, ",") {
		if r != "" {
			out = append(out, r)
		}
	}
	return out
}

func joinRoles(roles []string) string {
	if len(roles) == 0 {
		return ","
	}
	return "," + strings.Join(roles, ",") + ","
}

// ByUsername returns the account named username.
func (s *Service) ByUsername(ctx context.Context, username string) (*User, error) {
	u, err := scanUser(pii.Of(s.db), s.db.QueryRow(ctx, selectUser+" WHERE u.username = ?", strings.TrimSpace(username)))
	if err != nil {
		return nil, db.NotFound(err, fmt.Sprintf("用户 %s 不存在", username))
	}
	return u, nil
}

var usernameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{2,31}$`)
var mobileRE = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
var phoneRE = regexp.MustCompile(`^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$`)
var codeRE = regexp.MustCompile(`^[0-9]{6}$`)
