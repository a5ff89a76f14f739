package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"zwfw"
	"zwfw/internal/db"
)

// An organisation's sign-in security (issue 14 item 1): which staff roles
// must sign in with a second factor (TOTP). Like every setting it belongs
// to an organisation and is inherited down the tree: a department without
// its own uses its county's (the nearest ancestor with one). 实施方案 §2(7)
// 等级保护 level 3 (GB/T 22239 身份鉴别: 两种或两种以上组合的鉴别技术).
// Whether a given account must use it is account.NeedsSecondFactor's
// decision; this is only the setting.

// SecuritySettings is an organisation's setting.
type SecuritySettings struct {
	// TOTPRoles: the staff roles that must use a second factor, in
	// zwfw.StaffRoles order; empty: none is required.
	TOTPRoles []string `json:"totp_roles"`
}

// Check validates settings given by an administrator and puts the roles in
// canonical order.
func (s *SecuritySettings) Check() error {
	var roles []string
	var v zwfw.Invalid
	for _, r := range s.TOTPRoles {
		r = strings.TrimSpace(r)
		switch {
		case r == "" || slices.Contains(roles, r):
		case !slices.Contains(zwfw.StaffRoles, r):
			v.Add("totp_roles", "角色“%s”不存在（可选：%s）", r, strings.Join(zwfw.StaffRoles, "、"))
		default:
			roles = append(roles, r)
		}
	}
	slices.SortFunc(roles, func(a, b string) int { return slices.Index(zwfw.StaffRoles, a) - slices.Index(zwfw.StaffRoles, b) })
	if roles == nil {
		roles = []string{}
	}
	s.TOTPRoles = roles
	return v.Err()
}

func splitList(s string) []string {
	out := []string{}
	for _, r := range strings.Split(s, ",") {
		if r != "" {
			out = append(out, r)
		}
	}
	return out
}

// SecuritySettingsOf reads the organisation's own setting (ok false when
// it has none).
func SecuritySettingsOf(ctx context.Context, q db.Querier, id int64) (SecuritySettings, bool, error) {
	var roles string
	err := q.QueryRow(ctx, "SELECT totp_roles FROM org_security_settings WHERE org_id = ?", id).Scan(&roles)
	if errors.Is(err, sql.ErrNoRows) {
		return SecuritySettings{TOTPRoles: []string{}}, false, nil
	}
	if err != nil {
		return SecuritySettings{}, false, fmt.Errorf("org: security settings of %d: %w", id, err)
	}
	return SecuritySettings{TOTPRoles: splitList(roles)}, true, nil
}

// EffectiveSecurity is the setting an organisation's staff sign in under:
// its own, or its nearest ancestor's; from is the organisation whose
// setting it is (0: none up the tree, nothing required).
func EffectiveSecurity(ctx context.Context, q db.Querier, id int64) (s SecuritySettings, from int64, err error) {
	for hops := 0; id != 0 && hops < 16; hops++ {
		s, ok, err := SecuritySettingsOf(ctx, q, id)
		if err != nil || ok {
			return s, id, err
		}
		var parent int64
		if err := q.QueryRow(ctx, "SELECT COALESCE(parent_id, 0) FROM orgs WHERE id = ?", id).Scan(&parent); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				break
			}
			return s, 0, fmt.Errorf("org: security settings: %w", err)
		}
		id = parent
	}
	return SecuritySettings{TOTPRoles: []string{}}, 0, nil
}

// MaySetSecurity: an administrator (系统管理员) or security administrator
// (安全管理员) whose reach covers the organisation.
func MaySetSecurity(actor *zwfw.Actor, o *Org) error {
	switch {
	case actor == nil:
		return zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	case actor.Kind == zwfw.KindSystem:
		return nil
	case !actor.IsStaff() || !actor.Has(zwfw.RoleAdmin) && !actor.Has(zwfw.RoleSecurityAdmin):
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有系统管理员或安全管理员可以设置登录安全要求")
	case !actor.InScope(o.Path):
		return zwfw.Errorf(zwfw.EFORBIDDEN, "机构 %s 不在您的管辖范围内", o.Name)
	}
	return nil
}

// SecuritySettings returns the organisation's own setting (own false: it
// uses that of inherited, or none when inherited is nil).
func (s *Service) SecuritySettings(ctx context.Context, actor *zwfw.Actor, code string) (o *Org, set SecuritySettings, own bool, inherited *Org, err error) {
	if o, err = s.ByCode(ctx, code); err != nil {
		return
	}
	if err = MaySetSecurity(actor, o); err != nil {
		return
	}
	if set, own, err = SecuritySettingsOf(ctx, s.db.Reader(), o.ID); err != nil || own {
		return
	}
	var from int64
	if set, from, err = EffectiveSecurity(ctx, s.db.Reader(), o.ID); err == nil && from != 0 {
		inherited, err = s.ByID(ctx, from)
	}
	return
}

// SetSecuritySettings changes an organisation's setting, audited in the
// same transaction.
func (s *Service) SetSecuritySettings(ctx context.Context, actor *zwfw.Actor, code string, set SecuritySettings) (SecuritySettings, error) {
	if err := set.Check(); err != nil {
		return set, err
	}
	var who any
	if actor != nil && actor.UserID != 0 {
		who = actor.UserID
	}
	err := s.setSetting(ctx, actor, code, MaySetSecurity, "org.security_settings", set, func(tx *db.Tx, o *Org) error {
		roles := ","
		if len(set.TOTPRoles) > 0 {
			roles = "," + strings.Join(set.TOTPRoles, ",") + ","
		}
		if _, err := tx.Exec(ctx, `INSERT INTO org_security_settings (org_id, totp_roles, updated_by, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (org_id) DO UPDATE SET totp_roles = excluded.totp_roles, updated_by = excluded.updated_by,
			updated_at = excluded.updated_at`, o.ID, roles, who, db.Millis(s.now())); err != nil {
			return fmt.Errorf("org: put security settings: %w", err)
		}
		return nil
	})
	return set, err
}
