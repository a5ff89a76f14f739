// Package account keeps the accounts (staff and applicants), their roles and
// organisation scope, passwords (argon2id), failed-login lockout, and the
// sessions and API tokens — all in the database, so that several server
// processes share them.
package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/org"
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

	OrgID    int64  `json:"-"`
	OrgPath  string `json:"-"`
	WindowID int64  `json:"-"`
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
		OrgID: u.OrgID, OrgCode: u.OrgCode, OrgPath: u.OrgPath, WindowID: u.WindowID}
}

// Policy holds the security settings (GB/T 22239 level 3: lock after 5
// failures for 10–30 minutes; idle timeout 10–30 minutes).
type Policy struct {
	MaxFailures int
	LockFor     time.Duration
	SessionIdle time.Duration // web sessions end after this idle time
	SessionMax  time.Duration // and after this time in any case
	TokenTTL    time.Duration // API bearer tokens
}

// DefaultPolicy is used when a field is zero.
var DefaultPolicy = Policy{MaxFailures: 5, LockFor: 15 * time.Minute, SessionIdle: 30 * time.Minute, SessionMax: 12 * time.Hour, TokenTTL: 12 * time.Hour}

// Service manages accounts and sessions.
type Service struct {
	db       *db.DB
	orgs     *org.Service
	now      func() time.Time
	policy   Policy
	params   *argon2id.Params
	sessions sessionCache
}

// Params are the argon2id parameters: the OWASP minimum for argon2id
// (19 MiB, 2 passes, 1 lane) keeps memory per login small on a 2-core
// county server.
var Params = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

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
	s := &Service{db: d, orgs: orgs, now: now, policy: p, params: Params}
	s.sessions.watch(d)
	return s
}

const userCols = `SELECT u.id, u.username, u.kind, u.name, u.phone, COALESCE(u.id_number, ''), COALESCE(u.credit_code, ''), u.roles,
	COALESCE(u.org_id, 0), COALESCE(o.code, ''), COALESCE(o.name, ''), COALESCE(o.path, ''),
	COALESCE(u.window_id, 0), COALESCE(w.code, ''), COALESCE(w.name, ''), u.post, u.active, u.locked_until, u.must_change_password,
	u.last_login_at, u.created_at`

const userFrom = ` FROM users u LEFT JOIN orgs o ON o.id = u.org_id LEFT JOIN orgs w ON w.id = u.window_id`

const selectUser = userCols + userFrom

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var roles string
	var locked, last, created int64
	err := row.Scan(&u.ID, &u.Username, &u.Kind, &u.Name, &u.Phone, &u.IDNumber, &u.CreditCode, &roles,
		&u.OrgID, &u.OrgCode, &u.OrgName, &u.OrgPath, &u.WindowID, &u.WindowCode, &u.WindowName, &u.Post, &u.Active,
		&locked, &u.MustChangePassword, &last, &created)
	if err != nil {
		return nil, err
	}
	u.Roles = splitRoles(roles)
	u.LockedUntil, u.LastLoginAt, u.CreatedAt = db.Time(locked), db.Time(last), db.Time(created)
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
	u, err := scanUser(s.db.QueryRow(ctx, selectUser+" WHERE u.username = ?", strings.TrimSpace(username)))
	if err != nil {
		return nil, db.NotFound(err, fmt.Sprintf("用户 %s 不存在", username))
	}
	return u, nil
}

var usernameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{2,31}$`)
var mobileRE = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
var phoneRE = regexp.MustCompile(`^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$`)

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

// RegisterInput is what an applicant gives to sign up.
type RegisterInput struct {
	Username   string `json:"username"`
	Password   string `json:"password"`
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	IDNumber   string `json:"id_number"`   // resident (个人)
	CreditCode string `json:"credit_code"` // enterprise (法人)
}

// Register creates an applicant account: a resident with a valid 居民身份证号
// or an enterprise with a valid 统一社会信用代码, never both. Real names only
// (§2(3) 一号申请 rests on real-name identity).
func (s *Service) Register(ctx context.Context, in RegisterInput) (*User, error) {
	in.Username, in.Name, in.Phone = strings.TrimSpace(in.Username), strings.TrimSpace(in.Name), strings.TrimSpace(in.Phone)
	in.IDNumber, in.CreditCode = ident.NormaliseID(in.IDNumber), ident.NormaliseCreditCode(in.CreditCode)
	var v zwfw.Invalid
	if !usernameRE.MatchString(in.Username) {
		v.Add("username", "用户名须以字母开头，由 3–32 位字母、数字、下划线、点或连字符组成")
	}
	if err := CheckPassword(in.Password, in.Username); err != nil {
		v.Add("password", "%s", err.Error())
	}
	kind := zwfw.KindPerson
	switch {
	case in.IDNumber != "" && in.CreditCode != "":
		v.Add("id_number", "个人注册填写居民身份证号，法人注册填写统一社会信用代码，二者只填其一")
	case in.IDNumber != "":
		if err := ident.CheckID(in.IDNumber, s.now().In(db.Zone)); err != nil {
			v.Add("id_number", "%s", err.Error())
		}
	case in.CreditCode != "":
		kind = zwfw.KindEnterprise
		if err := ident.CheckCreditCode(in.CreditCode); err != nil {
			v.Add("credit_code", "%s", err.Error())
		}
	default:
		v.Add("id_number", "请填写居民身份证号（个人）或统一社会信用代码（法人）")
	}
	if n := utf8.RuneCountInString(in.Name); n < 2 || n > 60 {
		if kind == zwfw.KindEnterprise {
			v.Add("name", "请填写与营业执照一致的单位名称（2–60 字）")
		} else {
			v.Add("name", "请填写与身份证一致的真实姓名（2–60 字）")
		}
	}
	if !mobileRE.MatchString(in.Phone) {
		v.Add("phone", "请填写 11 位手机号码，用于接收办件通知")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	hash, err := s.Hash(in.Password)
	if err != nil {
		return nil, err
	}
	var idNum, credit any
	if kind == zwfw.KindPerson {
		idNum = in.IDNumber
	} else {
		credit = in.CreditCode
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		id, err := db.InsertID(ctx, tx, `INSERT INTO users (username, password_hash, kind, name, phone, id_number, credit_code, roles,
			password_changed_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			in.Username, hash, kind, in.Name, in.Phone, idNum, credit, joinRoles([]string{zwfw.RoleApplicant}),
			db.Millis(now), db.Millis(now), db.Millis(now))
		if err != nil {
			return err
		}
		actor := &zwfw.Actor{UserID: id, Username: in.Username, Name: in.Name, Kind: kind}
		return audit.Record(ctx, tx, now, actor, "account.register", "user:"+in.Username, map[string]any{"kind": kind})
	})
	if err != nil {
		// Ask which value clashed outside the failed transaction: on
		// PostgreSQL it accepts no more statements.
		return nil, s.registerConflict(ctx, s.db.Reader(), in, err)
	}
	return s.ByUsername(ctx, in.Username)
}

func (s *Service) registerConflict(ctx context.Context, q db.Querier, in RegisterInput, err error) error {
	if !errors.Is(err, db.ErrUnique) {
		return err
	}
	var n int
	if q.QueryRow(ctx, "SELECT COUNT(*) FROM users WHERE username = ?", in.Username).Scan(&n); n > 0 {
		return &zwfw.Error{Code: zwfw.ECONFLICT, Message: "用户名“" + in.Username + "”已被注册，请换一个",
			Details: []zwfw.ErrorDetail{{Field: "username", Message: "用户名已被注册"}}}
	}
	if in.IDNumber != "" {
		return &zwfw.Error{Code: zwfw.ECONFLICT, Message: "该居民身份证号已注册过账户，请直接登录或找回密码",
			Details: []zwfw.ErrorDetail{{Field: "id_number", Message: "身份证号已注册"}}}
	}
	return &zwfw.Error{Code: zwfw.ECONFLICT, Message: "该统一社会信用代码已注册过账户，请直接登录或找回密码",
		Details: []zwfw.ErrorDetail{{Field: "credit_code", Message: "统一社会信用代码已注册"}}}
}

// UserInput is what an administrator gives to create or change a staff
// account.
type UserInput struct {
	Username   string   `json:"username"`
	Password   string   `json:"password"` // required on create; on update, a non-empty value resets it
	Name       string   `json:"name"`
	Phone      string   `json:"phone"`
	Roles      []string `json:"roles"`
	OrgCode    string   `json:"org_code"`
	WindowCode string   `json:"window_code"`
	Post       string   `json:"post"`
	Active     *bool    `json:"active"`
}

func (in *UserInput) normalise() {
	in.Username, in.Name, in.Phone = strings.TrimSpace(in.Username), strings.TrimSpace(in.Name), strings.TrimSpace(in.Phone)
	in.OrgCode, in.WindowCode, in.Post = strings.TrimSpace(in.OrgCode), strings.TrimSpace(in.WindowCode), strings.TrimSpace(in.Post)
	var roles []string
	for _, r := range in.Roles {
		if r = strings.TrimSpace(r); r != "" && !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	// Keep roles in the canonical order so that equal sets compare equal.
	slices.SortFunc(roles, func(a, b string) int { return slices.Index(zwfw.StaffRoles, a) - slices.Index(zwfw.StaffRoles, b) })
	in.Roles = roles
}

// resolve checks the input against the tree and the actor's scope and
// returns the organisation and window ids.
func (s *Service) resolve(ctx context.Context, actor *zwfw.Actor, in *UserInput, creating bool) (orgID int64, windowID any, err error) {
	var v zwfw.Invalid
	if creating && !usernameRE.MatchString(in.Username) {
		v.Add("username", "用户名须以字母开头，由 3–32 位字母、数字、下划线、点或连字符组成")
	}
	if creating || in.Password != "" {
		if err := CheckPassword(in.Password, in.Username); err != nil {
			v.Add("password", "%s", err.Error())
		}
	}
	if n := utf8.RuneCountInString(in.Name); n < 2 || n > 30 {
		v.Add("name", "请填写工作人员真实姓名（2–30 字）")
	}
	if in.Phone != "" && !phoneRE.MatchString(in.Phone) {
		v.Add("phone", "联系电话格式不正确")
	}
	if len(in.Roles) == 0 {
		v.Add("roles", "请至少选择一个角色")
	}
	for _, r := range in.Roles {
		if !slices.Contains(zwfw.StaffRoles, r) {
			v.Add("roles", "角色“%s”不存在（可选：%s）", r, strings.Join(zwfw.StaffRoles, "、"))
		}
	}
	if utf8.RuneCountInString(in.Post) > 30 {
		v.Add("post", "岗位不超过 30 字")
	}
	if in.OrgCode == "" {
		v.Add("org_code", "工作人员须属于一个机构")
	}
	if err := v.Err(); err != nil {
		return 0, nil, err
	}
	o, err := s.orgs.ByCode(ctx, in.OrgCode)
	if err != nil {
		return 0, nil, &zwfw.Error{Code: zwfw.EINVALID, Message: fmt.Sprintf("机构 %s 不存在", in.OrgCode),
			Details: []zwfw.ErrorDetail{{Field: "org_code", Message: "机构不存在"}}}
	}
	if !actor.InScope(o.Path) {
		return 0, nil, zwfw.Errorf(zwfw.EFORBIDDEN, "机构“%s”不在您的管辖范围内", o.DisplayName())
	}
	if in.WindowCode != "" {
		w, err := s.orgs.ByCode(ctx, in.WindowCode)
		if err != nil || w.Kind != org.KindWindow {
			return 0, nil, &zwfw.Error{Code: zwfw.EINVALID, Message: fmt.Sprintf("窗口 %s 不存在", in.WindowCode),
				Details: []zwfw.ErrorDetail{{Field: "window_code", Message: "窗口不存在"}}}
		}
		if !strings.HasPrefix(w.Path, o.Path) {
			return 0, nil, &zwfw.Error{Code: zwfw.EINVALID, Message: fmt.Sprintf("窗口“%s”不属于机构“%s”", w.Name, o.DisplayName()),
				Details: []zwfw.ErrorDetail{{Field: "window_code", Message: "窗口须在所属机构之下"}}}
		}
		windowID = w.ID
	}
	return o.ID, windowID, nil
}

func requireAdmin(actor *zwfw.Actor) error {
	if !actor.Has(zwfw.RoleAdmin) && actor.Kind != zwfw.KindSystem {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有系统管理员可以管理账户")
	}
	return nil
}

// CreateStaff creates a staff account in the actor's subtree.
func (s *Service) CreateStaff(ctx context.Context, actor *zwfw.Actor, in UserInput) (*User, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	in.normalise()
	orgID, windowID, err := s.resolve(ctx, actor, &in, true)
	if err != nil {
		return nil, err
	}
	hash, err := s.Hash(in.Password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	active := in.Active == nil || *in.Active
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO users (username, password_hash, kind, name, phone, roles, org_id, window_id, post, active,
			must_change_password, password_changed_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			in.Username, hash, zwfw.KindStaff, in.Name, in.Phone, joinRoles(in.Roles), orgID, windowID, in.Post, active,
			actor.Kind != zwfw.KindSystem, db.Millis(now), db.Millis(now), db.Millis(now)); err != nil {
			return db.Conflict(err, "用户名“"+in.Username+"”已被使用")
		}
		return audit.RecordFor(ctx, tx, orgID, now, actor, "account.create", "user:"+in.Username,
			map[string]any{"roles": in.Roles, "org": in.OrgCode, "window": in.WindowCode})
	})
	if err != nil {
		return nil, err
	}
	return s.ByUsername(ctx, in.Username)
}

// UpdateStaff changes a staff account. Administrators cannot remove their
// own admin role or deactivate themselves (so a county is never left
// without one by accident).
func (s *Service) UpdateStaff(ctx context.Context, actor *zwfw.Actor, username string, in UserInput) (*User, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	cur, err := s.ByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	if cur.Kind != zwfw.KindStaff {
		return nil, zwfw.Errorf(zwfw.EINVALID, "申请人账户不能在此修改")
	}
	if !actor.InScope(cur.OrgPath) {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "用户 %s 不在您的管辖范围内", username)
	}
	in.Username = cur.Username
	in.normalise()
	orgID, windowID, err := s.resolve(ctx, actor, &in, false)
	if err != nil {
		return nil, err
	}
	active := cur.Active
	if in.Active != nil {
		active = *in.Active
	}
	if cur.ID == actor.UserID && (!active || !slices.Contains(in.Roles, zwfw.RoleAdmin)) {
		return nil, zwfw.Errorf(zwfw.EINVALID, "不能停用自己的账户或取消自己的管理员角色")
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET name = ?, phone = ?, roles = ?, org_id = ?, window_id = ?, post = ?, active = ?,
			updated_at = ? WHERE id = ?`, in.Name, in.Phone, joinRoles(in.Roles), orgID, windowID, in.Post, active, db.Millis(now), cur.ID); err != nil {
			return err
		}
		if in.Password != "" {
			hash, err := s.Hash(in.Password)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, must_change_password = TRUE, password_changed_at = ?,
				failed_logins = 0, locked_until = 0 WHERE id = ?`, hash, db.Millis(now), cur.ID); err != nil {
				return err
			}
		}
		if !active || in.Password != "" {
			// A deactivated account or a reset password ends every session.
			if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE user_id = ?", cur.ID); err != nil {
				return err
			}
		}
		if err := userChanged(ctx, tx, cur.ID); err != nil {
			return err
		}
		return audit.RecordFor(ctx, tx, orgID, now, actor, "account.update", "user:"+cur.Username, map[string]any{
			"roles": in.Roles, "org": in.OrgCode, "window": in.WindowCode, "active": active, "password_reset": in.Password != ""})
	})
	if err != nil {
		return nil, err
	}
	return s.ByUsername(ctx, username)
}

// Unlock clears a lockout.
func (s *Service) Unlock(ctx context.Context, actor *zwfw.Actor, username string) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	u, err := s.ByUsername(ctx, username)
	if err != nil {
		return err
	}
	if u.Kind == zwfw.KindStaff && !actor.InScope(u.OrgPath) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "用户 %s 不在您的管辖范围内", username)
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = ?", u.ID); err != nil {
			return err
		}
		return audit.RecordFor(ctx, tx, u.OrgID, s.now(), actor, "account.unlock", "user:"+username, nil)
	})
}

// UserQuery filters the staff list.
type UserQuery struct {
	Q       string
	Role    string
	OrgCode string
	Kind    string // staff (default) or applicant
	Limit   int
	Offset  int
}

// List returns accounts visible to the actor: staff in the actor's subtree;
// applicants only for administrators at the top of the tree.
func (s *Service) List(ctx context.Context, actor *zwfw.Actor, q UserQuery) ([]*User, int, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, 0, err
	}
	where := []string{"o.path LIKE ? ESCAPE '\\'"}
	args := []any{db.Like(actor.OrgPath) + "%"}
	if q.Kind == "applicant" {
		where = []string{"u.kind IN ('person', 'enterprise')"}
		args = nil
		if actor.Kind != zwfw.KindSystem && strings.Count(actor.OrgPath, "/") > 3 {
			return nil, 0, zwfw.Errorf(zwfw.EFORBIDDEN, "只有县级以上管理员可以查看申请人账户")
		}
	}
	if q.Q != "" {
		where = append(where, "(u.username LIKE ? ESCAPE '\\' OR u.name LIKE ? ESCAPE '\\')")
		like := "%" + db.Like(strings.TrimSpace(q.Q)) + "%"
		args = append(args, like, like)
	}
	if q.Role != "" {
		where = append(where, "u.roles LIKE ?")
		args = append(args, "%,"+db.Like(q.Role)+",%")
	}
	if q.OrgCode != "" {
		o, err := s.orgs.ByCode(ctx, q.OrgCode)
		if err != nil {
			return nil, 0, err
		}
		where = append(where, "o.path LIKE ? ESCAPE '\\'")
		args = append(args, db.Like(o.Path)+"%")
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 100
	}
	from := userFrom + " WHERE " + strings.Join(where, " AND ")
	var total int
	if err := s.db.QueryRow(ctx, "SELECT COUNT(*)"+from, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.db.Query(ctx, userCols+from+" ORDER BY o.path, u.username LIMIT ? OFFSET ?", append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, u)
	}
	return out, total, rows.Err()
}

// Session kinds.
const (
	SessionWeb = "web" // a page session in an HttpOnly cookie, with idle timeout
	SessionAPI = "api" // a bearer token
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

func (s *Service) openSession(ctx context.Context, userID int64, kind, ip, ua string, now time.Time) (string, error) {
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
		if _, err := tx.Exec(ctx, "UPDATE users SET failed_logins = 0, locked_until = 0, last_login_at = ? WHERE id = ?", db.Millis(now), userID); err != nil {
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
// EUNAUTHORIZED error when the token is unknown, expired or idle too long.
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
		COALESCE(u.org_id, 0), COALESCE(o.code, ''), COALESCE(o.path, ''), COALESCE(u.window_id, 0)
		FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN orgs o ON o.id = u.org_id WHERE s.token_hash = ?`, h).
		Scan(&skind, &expires, &seen, &a.UserID, &a.Username, &a.Name, &a.Kind, &roles, &active, &a.OrgID, &a.OrgCode, &a.OrgPath, &a.WindowID)
	if err != nil {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "登录已失效，请重新登录")
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

// ChangePassword sets a new password after checking the old one, and ends
// the user's other sessions.
func (s *Service) ChangePassword(ctx context.Context, actor *zwfw.Actor, old, new, keepToken string) error {
	var hash string
	if err := s.db.QueryRow(ctx, "SELECT password_hash FROM users WHERE id = ?", actor.UserID).Scan(&hash); err != nil {
		return db.NotFound(err, "账户不存在")
	}
	if ok, _ := argon2id.ComparePasswordAndHash(old, hash); !ok {
		return &zwfw.Error{Code: zwfw.EINVALID, Message: "原密码不正确", Details: []zwfw.ErrorDetail{{Field: "old_password", Message: "原密码不正确"}}}
	}
	if err := CheckPassword(new, actor.Username); err != nil {
		return &zwfw.Error{Code: zwfw.EINVALID, Message: err.Error(), Details: []zwfw.ErrorDetail{{Field: "new_password", Message: err.Error()}}}
	}
	if old == new {
		return zwfw.Errorf(zwfw.EINVALID, "新密码不能与原密码相同")
	}
	nh, err := s.Hash(new)
	if err != nil {
		return err
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE users SET password_hash = ?, must_change_password = FALSE, password_changed_at = ?, updated_at = ? WHERE id = ?",
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

// EnsureAdmin creates the first administrator, "admin", at the root of the
// tree when no administrator exists. With an empty password it makes a
// random one and returns it, to be printed once.
func (s *Service) EnsureAdmin(ctx context.Context, password, rootCode string) (created bool, pw string, err error) {
	var n int
	if err := s.db.QueryRow(ctx, "SELECT COUNT(*) FROM users WHERE roles LIKE '%,admin,%'").Scan(&n); err != nil {
		return false, "", err
	}
	if n > 0 {
		return false, "", nil
	}
	if password == "" {
		password = RandomPassword()
	} else if err := CheckPassword(password, "admin"); err != nil {
		return false, "", fmt.Errorf("ZWFW_ADMIN_PASSWORD: %v", err)
	}
	sys := zwfw.System
	_, err = s.CreateStaff(ctx, sys, UserInput{Username: "admin", Password: password, Name: "系统管理员",
		Roles: []string{zwfw.RoleAdmin}, OrgCode: rootCode, Post: "系统管理员"})
	if zwfw.ErrorCode(err) == zwfw.ECONFLICT {
		return false, "", nil // another server process created it a moment ago
	}
	if err != nil {
		return false, "", err
	}
	return true, password, nil
}

// RandomPassword makes a password that meets CheckPassword.
func RandomPassword() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "Zw-" + base64.RawURLEncoding.EncodeToString(b[:]) + "9a"
}
