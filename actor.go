package zwfw

import (
	"slices"
	"strings"
	"time"
)

// Roles. Staff roles are scoped to the organisation subtree of the account;
// applicants (residents and enterprises) act only on their own data.
const (
	RoleApplicant    = "applicant"     // 申请人: resident or enterprise
	RoleWindow       = "window"        // 窗口人员
	RoleReviewer     = "reviewer"      // 部门审核人员
	RoleSupervisor   = "supervisor"    // 电子监察
	RoleCatalogAdmin = "catalog_admin" // 事项管理员
	RoleCashier      = "cashier"       // 银行收费窗口
	RoleAdmin        = "admin"         // 系统管理员
	// RoleHallManager runs a service centre's hall (中心负责人, 附件2（四）4):
	// windows' A and B posts, attendance and leave approval.
	RoleHallManager = "hall_manager" // 大厅管理员
	// The other two of the three administrators (三员分立, GB/T 22239
	// level 3; 实施方案 §2(7) 等级保护): the security administrator sets
	// the security policy and watches locked accounts; the audit
	// administrator alone reads the audit and security logs.
	RoleSecurityAdmin = "security_admin" // 安全管理员
	RoleAuditAdmin    = "audit_admin"    // 审计管理员
)

// ThreeAdmins are the three administrator roles no account may combine
// (三员分立): whoever administers the system does not read its audit, and
// neither sets the security policy.
var ThreeAdmins = []string{RoleAdmin, RoleSecurityAdmin, RoleAuditAdmin}

// StaffRoles lists the roles a staff account may hold, in display order.
var StaffRoles = []string{RoleWindow, RoleReviewer, RoleSupervisor, RoleCatalogAdmin, RoleCashier, RoleHallManager, RoleAdmin, RoleSecurityAdmin, RoleAuditAdmin}

// RoleName is the Chinese name of a role.
func RoleName(role string) string {
	switch role {
	case RoleApplicant:
		return "申请人"
	case RoleWindow:
		return "窗口人员"
	case RoleReviewer:
		return "部门审核人员"
	case RoleSupervisor:
		return "电子监察"
	case RoleCatalogAdmin:
		return "事项管理员"
	case RoleCashier:
		return "收费窗口"
	case RoleHallManager:
		return "大厅管理员"
	case RoleAdmin:
		return "系统管理员"
	case RoleSecurityAdmin:
		return "安全管理员"
	case RoleAuditAdmin:
		return "审计管理员"
	}
	return role
}

// Account kinds.
const (
	KindStaff      = "staff"      // 工作人员
	KindPerson     = "person"     // 个人 (自然人)
	KindEnterprise = "enterprise" // 法人
	KindSystem     = "system"     // the platform itself (seed, scheduled jobs)
)

// Actor is who performs an action: a signed-in account or the system. Every
// write records its actor; every staff query is limited to OrgPath.
type Actor struct {
	UserID   int64
	Username string
	Name     string
	Kind     string
	Roles    []string
	OrgID    int64  // the organisation node the account belongs to (staff)
	OrgCode  string // its code
	OrgPath  string // its materialised path, "/1/2/"; the account sees this subtree
	WindowID int64  // the window the staff member works at, when set
	// MustChangePassword: an administrator set the account's password, and
	// until the account changes it, it may only change it, read its own
	// account and sign out.
	MustChangePassword bool
	// PasswordExpires is when the account's password expires (zero:
	// never); PasswordExpired says it has, and then MustChangePassword is
	// set too (实施方案 §2(7) 等级保护: 定期更换口令).
	PasswordExpires time.Time
	PasswordExpired bool
}

// System is the actor for work the platform does by itself.
var System = &Actor{Username: "system", Name: "系统", Kind: KindSystem, OrgPath: "/"}

// Has reports whether the actor holds role.
func (a *Actor) Has(role string) bool {
	return a != nil && slices.Contains(a.Roles, role)
}

// HasAny reports whether the actor holds any of roles.
func (a *Actor) HasAny(roles ...string) bool {
	for _, r := range roles {
		if a.Has(r) {
			return true
		}
	}
	return false
}

// IsStaff reports whether the actor is a staff account (or the system).
func (a *Actor) IsStaff() bool {
	return a != nil && (a.Kind == KindStaff || a.Kind == KindSystem)
}

// InScope reports whether an organisation with materialised path p lies in the
// actor's subtree. The system sees everything; applicants and the anonymous
// no organisation, whatever county they belong to. It is the same answer
// as internal/scope's Of(a).Contains(p) (which SQL conditions are built
// from; a test there holds the two together) for code that cannot import it.
func (a *Actor) InScope(p string) bool {
	switch {
	case a == nil:
		return false
	case a.Kind == KindSystem:
		return true
	case a.Kind != KindStaff || a.OrgPath == "":
		return false
	}
	return a.OrgPath == "/" || strings.HasPrefix(p, a.OrgPath)
}
