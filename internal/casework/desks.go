package casework

import "zwfw"

// Desk is one of the workbench's desks: the lists of cases a member of
// staff works from, by the post they hold (实施方案 五: 窗口受理, 部门审查,
// 收缴分离 — the cashier collects, 电子监察 supervises). Pages ask DesksOf
// and WorksAt instead of naming roles; acting on a case is still decided by
// Allowed.
type Desk string

const (
	DeskIntake    Desk = "intake"    // 窗口: pre-review, intake, completion and delivery
	DeskReview    Desk = "review"    // 部门审查: the department's inbox and joint opinions
	DeskCashier   Desk = "cashier"   // 收费: fees awaiting payment
	DeskSupervise Desk = "supervise" // 电子监察: extensions to approve, overdue cases
)

// desks are the desks in the workbench's order, with the post each needs.
var desks = []struct {
	desk Desk
	role string
}{
	{DeskIntake, zwfw.RoleWindow},
	{DeskReview, zwfw.RoleReviewer},
	{DeskCashier, zwfw.RoleCashier},
	{DeskSupervise, zwfw.RoleSupervisor},
}

// DesksOf lists the desks a works at, in the workbench's order; none for
// applicants and for staff who handle no cases (administrators, auditors).
func DesksOf(a *zwfw.Actor) []Desk {
	var out []Desk
	for _, d := range desks {
		if a != nil && a.IsStaff() && a.Has(d.role) {
			out = append(out, d.desk)
		}
	}
	return out
}

// WorksAt reports whether a works at desk d.
func WorksAt(a *zwfw.Actor, d Desk) bool {
	for _, x := range DesksOf(a) {
		if x == d {
			return true
		}
	}
	return false
}

// DeskName is the Chinese name of a desk: the post that works at it.
func DeskName(d Desk) string {
	for _, x := range desks {
		if x.desk == d {
			return zwfw.RoleName(x.role)
		}
	}
	return ""
}
