package account

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/org"
	"zwfw/internal/pii"
	"zwfw/internal/scope"
)

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
	if err := SeparateAdmins(in.Roles); err != nil {
		v.Add("roles", "%s", err.Error())
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

// SeparateAdmins refuses a set of roles holding more than one of the three
// administrators (三员分立, 实施方案 §2(7) 等级保护 level 3): the system
// administrator, the security administrator and the audit administrator
// are three accounts, so that nobody both changes the system and reads the
// record of the change.
func SeparateAdmins(roles []string) error {
	var held []string
	for _, r := range zwfw.ThreeAdmins {
		if slices.Contains(roles, r) {
			held = append(held, zwfw.RoleName(r))
		}
	}
	if len(held) > 1 {
		return fmt.Errorf("三员分立：系统管理员、安全管理员、审计管理员须由不同账户担任，一个账户不能同时是%s", strings.Join(held, "和"))
	}
	return nil
}

// MayManageAccounts reports whether the actor manages accounts and
// organisations (system administrators): the services' check, and the
// pages' 系统管理 entry.
func MayManageAccounts(actor *zwfw.Actor) error { return requireAdmin(actor) }

func requireAdmin(actor *zwfw.Actor) error {
	if actor == nil || !actor.Has(zwfw.RoleAdmin) && actor.Kind != zwfw.KindSystem {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有系统管理员可以管理账户")
	}
	return nil
}

// Managed returns the account with username for an administrator to
// manage. An account the administrator may not see is reported as not
// existing — staff outside the subtree as much as applicants — so that an
// administrator cannot learn which usernames other counties use.
func (s *Service) Managed(ctx context.Context, actor *zwfw.Actor, username string) (*User, error) {
	return s.managed(ctx, actor, username, requireAdmin)
}

// managed is Managed for the actors may admits.
func (s *Service) managed(ctx context.Context, actor *zwfw.Actor, username string, may func(*zwfw.Actor) error) (*User, error) {
	if err := may(actor); err != nil {
		return nil, err
	}
	u, err := s.ByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	if ok, err := s.visible(ctx, actor, u); err != nil {
		return nil, err
	} else if !ok {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "用户 %s 不存在", username)
	}
	return u, nil
}

// ManagedStaff is Managed for a staff account: an applicant's account is
// kept by its holder.
func (s *Service) ManagedStaff(ctx context.Context, actor *zwfw.Actor, username string) (*User, error) {
	u, err := s.Managed(ctx, actor, username)
	if err != nil {
		return nil, err
	}
	if u.Kind != zwfw.KindStaff {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "申请人账户由本人维护，不能在此修改")
	}
	return u, nil
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
			in.Username, hash, zwfw.KindStaff, in.Name, pii.Of(s.db).Seal(pii.UserPhone.Label(), in.Phone), joinRoles(in.Roles), orgID, windowID, in.Post, active,
			actor.Kind != zwfw.KindSystem, db.Millis(now), db.Millis(now), db.Millis(now)); err != nil {
			return db.Conflict(err, "用户名“"+in.Username+"”已被使用")
		}
		if err := s.rememberPassword(ctx, tx, "username = ?", in.Username, hash, now); err != nil {
			return err
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
	cur, err := s.ManagedStaff(ctx, actor, username)
	if err != nil {
		return nil, err
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
	if in.Password != "" {
		if err := s.reused(ctx, cur.ID, in.Password, "password"); err != nil {
			return nil, err
		}
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET name = ?, phone = ?, roles = ?, org_id = ?, window_id = ?, post = ?, active = ?,
			updated_at = ? WHERE id = ?`, in.Name, pii.Of(s.db).Seal(pii.UserPhone.Label(), in.Phone), joinRoles(in.Roles), orgID, windowID, in.Post, active, db.Millis(now), cur.ID); err != nil {
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
			if err := s.rememberPassword(ctx, tx, "id = ?", cur.ID, hash, now); err != nil {
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

// MayUnlock admits the system administrators and the security
// administrators (who watch the locked accounts, 三员分立) to clear a
// lockout in their subtree.
func MayUnlock(actor *zwfw.Actor) error {
	if !actor.HasAny(zwfw.RoleAdmin, zwfw.RoleSecurityAdmin) && (actor == nil || actor.Kind != zwfw.KindSystem) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有系统管理员和安全管理员可以解除账户锁定")
	}
	return nil
}

// Unlock clears a lockout.
func (s *Service) Unlock(ctx context.Context, actor *zwfw.Actor, username string) error {
	u, err := s.managed(ctx, actor, username, MayUnlock)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = ?", u.ID); err != nil {
			return err
		}
		return audit.RecordFor(ctx, tx, u.OrgID, s.now(), actor, "account.unlock", "user:"+username, nil)
	})
}

// UserQuery filters the account list.
type UserQuery struct {
	Q       string
	Role    string
	OrgCode string
	Kind    string // staff (default) or applicant
	Limit   int
	Offset  int
}

// List returns the accounts an administrator may see: staff in the
// administrator's subtree, or (Kind "applicant") the applicants visible to
// the administrator (applicantVisible). Phone numbers are masked: a list
// never needs them whole.
func (s *Service) List(ctx context.Context, actor *zwfw.Actor, q UserQuery) ([]*User, int, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, 0, err
	}
	sc := scope.Of(actor)
	var w *scope.Where
	if q.Kind == "applicant" {
		cond, args := applicantVisible(sc)
		// Applicants belong to no organisation: who sees them is the
		// condition below, written from the actor's scope.
		w = scope.Unscoped().And("u.kind IN ('person', 'enterprise')").And(cond, args...)
	} else {
		w = sc.Where("o.path").And("u.kind = ?", zwfw.KindStaff)
	}
	ring := pii.Of(s.db)
	if q.Q != "" {
		like := "%" + db.Like(strings.TrimSpace(q.Q)) + "%"
		if idn := ident.NormaliseID(q.Q); q.Kind == "applicant" && len(idn) == 18 {
			// A whole ID number finds its account through the digest
			// (the number itself is sealed).
			w.And(`(u.username LIKE ? ESCAPE '\' OR u.name LIKE ? ESCAPE '\' OR u.id_digest IN (`+ring.In()+`))`,
				append([]any{like, like}, ring.Digests(idn)...)...)
		} else {
			w.And(`(u.username LIKE ? ESCAPE '\' OR u.name LIKE ? ESCAPE '\')`, like, like)
		}
	}
	if q.Role != "" {
		w.And("u.roles LIKE ?", "%,"+db.Like(q.Role)+",%")
	}
	if q.OrgCode != "" {
		o, err := s.orgs.ByCode(ctx, q.OrgCode)
		if err != nil {
			return nil, 0, err
		}
		col := "o.path"
		if q.Kind == "applicant" {
			col = "ho.path"
		}
		w.AndIn(scope.Subtree(o.Path), col)
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 100
	}
	where, args := w.SQL()
	from := userFrom + where
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
		u, err := scanUser(ring, rows)
		if err != nil {
			return nil, 0, err
		}
		u.Phone = ident.MaskPhone(u.Phone)
		out = append(out, u)
	}
	return out, total, rows.Err()
}

// applicantVisible is the condition (on users u and their home
// organisation ho) that an applicant is visible in the scope sc: staff see
// an applicant only through a case in their scope — received, handled or
// co-handled there (§2(1) 分级使用) — and the administrators of the county
// where the applicant registered see all of that county's applicants.
func applicantVisible(sc scope.Scope) (string, []any) {
	home, args := sc.Cond("ho.path")
	cases, cargs := sc.Cond("c.org_path", "c.dept_path", "h.path")
	tasks, targs := sc.Cond("t.dept_path")
	args = append(append(args, cargs...), targs...)
	return "(" + home + `
		OR EXISTS (SELECT 1 FROM cases c LEFT JOIN orgs h ON h.id = c.handler_org_id WHERE c.applicant_id = u.id AND ` + cases + `)
		OR EXISTS (SELECT 1 FROM cases c JOIN case_tasks t ON t.case_id = c.id WHERE c.applicant_id = u.id AND ` + tasks + `))`, args
}

// visible reports whether the actor may see (and so act on) the account u:
// a staff account in the actor's subtree, an applicant by applicantVisible.
func (s *Service) visible(ctx context.Context, actor *zwfw.Actor, u *User) (bool, error) {
	sc := scope.Of(actor)
	if u.Kind == zwfw.KindStaff {
		return sc.Contains(u.OrgPath), nil
	}
	if sc.Contains(u.HomeOrgPath) {
		return true, nil
	}
	cond, args := applicantVisible(sc)
	var n int
	err := s.db.QueryRow(ctx, "SELECT COUNT(*)"+userFrom+" WHERE u.id = ? AND "+cond, append([]any{u.ID}, args...)...).Scan(&n)
	return n > 0, err
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
