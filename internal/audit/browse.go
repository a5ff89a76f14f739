package audit

import (
	"context"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/scope"
)

// Service is how the surfaces read the log: scoped like every other read
// (§2(1) 分级使用).
type Service struct {
	db *db.DB
	// caseVisible answers whether actor may see the case, with the very
	// error the case itself would give (casework decides; audit does not
	// know what makes a case visible).
	caseVisible func(ctx context.Context, actor *zwfw.Actor, serial string) error
	now         func() time.Time // the time of the security events it writes
}

// NewService reads d's log; caseVisible is casework's answer to "may this
// actor see this case"; now is the platform's clock (time.Now when nil).
func NewService(d *db.DB, now func() time.Time, caseVisible func(ctx context.Context, actor *zwfw.Actor, serial string) error) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, now: now, caseVisible: caseVisible}
}

// MayRead answers whether the actor may read the audit log and the
// security log: the audit administrators alone (三员分立, 实施方案 §2(7)
// 等级保护 level 3) — not the system administrators whose work the logs
// record, nor the security administrators — and the platform itself (the
// command line). Both surfaces ask this; neither decides it.
func MayRead(actor *zwfw.Actor) error {
	if actor != nil && (actor.Kind == zwfw.KindSystem || (actor.Kind == zwfw.KindStaff && actor.Has(zwfw.RoleAuditAdmin))) {
		return nil
	}
	return zwfw.Errorf(zwfw.EFORBIDDEN, "只有审计管理员可以查看审计日志和安全日志；查看某一办件的办理记录请指定 case")
}

// Browse lists, newest first, the entries an audit administrator may read: those
// about organisations in the administrator's subtree, by where each
// organisation is now (an organisation moved under another town takes its
// entries along); entries about the platform as a whole (no organisation)
// only to the administrators at the top of the tree. object narrows the
// list to one object; for a case ("case:SERIAL") the case itself decides,
// and a case the actor may not see is not found, exactly as the case is.
// Nobody else browses the log: staff read a case's trail from the case
// (casework.Service.Trail).
func (s *Service) Browse(ctx context.Context, actor *zwfw.Actor, object string, limit, offset int) ([]Entry, error) {
	if err := MayRead(actor); err != nil {
		return nil, err
	}
	if serial, ok := strings.CutPrefix(object, "case:"); ok {
		if err := s.caseVisible(ctx, actor, serial); err != nil {
			return nil, err
		}
		return List(ctx, s.db.Reader(), object, limit, offset)
	}
	sc := scope.Of(actor)
	w := sc.Where("o.path")
	if atTop(actor) && !sc.IsAll() {
		// The platform's own entries (about no organisation) are read at
		// the top of the tree, beside everything under it.
		cond, args := sc.Cond("o.path")
		w = scope.Unscoped().And("("+cond+" OR a.org_id IS NULL)", args...)
	}
	if object != "" {
		w.And("a.object = ?", object)
	}
	where, args := w.SQL()
	return list(ctx, s.db.Reader(), entryCols+" LEFT JOIN orgs o ON o.id = a.org_id"+where+" ORDER BY a.id DESC LIMIT ? OFFSET ?",
		append(args, limit, offset)...)
}

// atTop reports whether the actor's organisation is a root of the tree
// ("/1/"): its administrators answer for the platform as a whole.
func atTop(a *zwfw.Actor) bool {
	return a != nil && a.OrgPath != "" && strings.Count(a.OrgPath, "/") == 2
}
