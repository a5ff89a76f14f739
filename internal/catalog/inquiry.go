package catalog

import (
	"context"

	"zwfw"
	"zwfw/internal/db"
)

// MayEditItem says whether the actor may change the item it (its
// departments lie in the actor's subtree, and the actor maintains the
// catalog): the same check Update makes, for pages that offer an edit
// outside the catalog's own (首问登记's 转为常见问题).
func (s *Service) MayEditItem(ctx context.Context, actor *zwfw.Actor, it *Item) error {
	if err := MayMaintain(actor); err != nil {
		return err
	}
	return canEdit(actor, s.refs(ctx, s.db.Reader()).dept(it.Dept))
}

// UpdateTx is Update inside the caller's transaction: a change that also
// writes its own rows (the register record a FAQ entry came from) commits
// with the new version or not at all.
func (s *Service) UpdateTx(ctx context.Context, tx *db.Tx, actor *zwfw.Actor, code string, in *Item, reason string, base int) (*Item, error) {
	return s.update(ctx, tx, s.refs(ctx, tx), actor, code, in, reason, base)
}
