package casework

import (
	"context"
	"strings"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
)

// Trail returns the audit entries about a case (every step, every access
// to the applicant's full identity number), newest first, to staff who may
// see the case: 全程留痕 (attachment 2 (9)2).
func (s *Service) Trail(ctx context.Context, actor *zwfw.Actor, serial string, limit, offset int) ([]audit.Entry, error) {
	if !actor.IsStaff() {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "只有工作人员可以查看办件的审计记录")
	}
	if _, err := s.Get(ctx, actor, serial); err != nil {
		return nil, err
	}
	return audit.List(ctx, s.db.Reader(), "case:"+serial, limit, offset)
}

// MayRevealIdent says whether the actor's role needs an applicant's full
// identity number at all: the window checks it against the original, the
// reviewing department and the supervisors verify it. Catalog
// administrators, cashiers (who take fees against a notice number) and
// system administrators never do (§2(7): personal data only where needed).
func MayRevealIdent(a *zwfw.Actor) bool {
	return a != nil && (a.Kind == zwfw.KindSystem ||
		(a.IsStaff() && a.HasAny(zwfw.RoleWindow, zwfw.RoleReviewer, zwfw.RoleSupervisor)))
}

// RevealIdent gives staff who may see a case its applicant's full identity
// number (居民身份证号 or 统一社会信用代码) — every other view masks it —
// and records who looked, when and why in the audit log, in the same
// transaction, before the number leaves the server.
func (s *Service) RevealIdent(ctx context.Context, actor *zwfw.Actor, serial, reason string) (string, error) {
	if !MayRevealIdent(actor) {
		return "", zwfw.Errorf(zwfw.EFORBIDDEN, "只有窗口、审核和电子监察人员可以查看完整证件号码")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 100 {
		return "", invalid("reason", "请填写查看完整证件号码的事由（100 字以内），例如“核验身份证原件”")
	}
	c, err := s.Get(ctx, actor, serial)
	if err != nil {
		return "", err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		return audit.RecordFor(ctx, tx, c.OrgID, s.now(), actor, "case.reveal_ident", "case:"+serial, map[string]string{"reason": reason})
	})
	if err != nil {
		return "", err
	}
	return c.Applicant.Ident, nil
}
