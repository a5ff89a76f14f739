package complaint

import (
	"context"
	"strings"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
)

// MayRevealPhone says whether the actor may read a complainant's full
// phone number: those who call them back — the unit that answers and the
// managers who assign and follow it up. Every other view, theirs too until
// they ask, masks it (personal data only where it is needed).
func MayRevealPhone(a *zwfw.Actor, c *Complaint) bool { return answers(a, c) || manages(a, c) }

// RevealPhone gives who may call the complainant back the full number and
// records who looked, when and why in the audit log, in the same
// transaction, before the number leaves the server.
func (s *Service) RevealPhone(ctx context.Context, actor *zwfw.Actor, number, reason string) (string, error) {
	c, err := s.Get(ctx, actor, number)
	if err != nil {
		return "", err
	}
	if !MayRevealPhone(actor, c) {
		return "", zwfw.Errorf(zwfw.EFORBIDDEN, "只有承办单位和分办、督办人员可以查看反映人的完整电话")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 100 {
		var v zwfw.Invalid
		v.Add("reason", "请填写查看完整电话的事由（100 字以内），例如“电话回访反映人”")
		return "", v.Err()
	}
	if c.phone == "" {
		return "", zwfw.Errorf(zwfw.ECONFLICT, "反映人没有留联系电话（匿名反映）")
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, s.now(), actor, "complaint.reveal_phone", "complaint:"+c.Number, map[string]string{"reason": reason})
	})
	if err != nil {
		return "", err
	}
	return c.phone, nil
}
