package esign

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/org"
)

// MayRotate decides whether the actor may rotate (更换) the signing key of
// o: a 系统管理员 whose organisation subtree holds o (or the system). A
// key signs in the organisation's name, so only those who administer it
// replace it; a town's administrator cannot replace the county's.
func MayRotate(actor *zwfw.Actor, o *org.Org) error {
	switch {
	case actor == nil:
		return zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	case actor.Kind == zwfw.KindSystem:
		return nil
	case !actor.IsStaff() || !actor.Has(zwfw.RoleAdmin):
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有系统管理员可以更换电子签章密钥")
	case o == nil || !actor.InScope(o.Path):
		return zwfw.Errorf(zwfw.ENOTFOUND, "没有找到这个机构，或它不在您的管理范围内")
	}
	return nil
}

// MaySee decides whether the actor may open the key management page of o:
// the same people who may rotate its key.
func MaySee(actor *zwfw.Actor, o *org.Org) error { return MayRotate(actor, o) }

// Rotate makes a new active key for the organisation; the old one is
// retired (kept: what it signed still verifies). One transaction with its
// audit entry.
func (s *Service) Rotate(ctx context.Context, actor *zwfw.Actor, orgID int64) (PublicKey, error) {
	o, err := s.orgs.ByID(ctx, orgID)
	if err != nil && !org.ErrNotFound(err) {
		return PublicKey{}, err
	}
	if err != nil {
		o = nil
	}
	if err := MayRotate(actor, o); err != nil {
		return PublicKey{}, err
	}
	var pk PublicKey
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		old, err := s.activeKeyID(ctx, tx, o.ID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if pk, err = s.newKey(ctx, tx, o.ID); err != nil {
			return err
		}
		at := db.Millis(pk.CreatedAt)
		if old == "" {
			_, err = tx.Exec(ctx, "INSERT INTO esign_active (org_id, key_id, since) VALUES (?, ?, ?)", o.ID, pk.KeyID, at)
			if errors.Is(err, db.ErrUnique) {
				return zwfw.Errorf(zwfw.ECONFLICT, "%s的密钥刚被他人更换，请刷新后再看", o.DisplayName())
			}
		} else {
			var res sql.Result
			res, err = tx.Exec(ctx, "UPDATE esign_active SET key_id = ?, since = ? WHERE org_id = ? AND key_id = ?", pk.KeyID, at, o.ID, old)
			if err == nil {
				if n, _ := res.RowsAffected(); n != 1 {
					return zwfw.Errorf(zwfw.ECONFLICT, "%s的密钥刚被他人更换，请刷新后再看", o.DisplayName())
				}
				_, err = tx.Exec(ctx, "UPDATE esign_keys SET retired_at = ? WHERE key_id = ?", at, old)
			}
		}
		if err != nil {
			return fmt.Errorf("esign: rotate: %w", err)
		}
		pk.Active = true
		return audit.RecordFor(ctx, tx, o.ID, pk.CreatedAt, actor, "esign.key.rotate", "esign_key:"+pk.KeyID,
			map[string]string{"org": o.Code, "key_id": pk.KeyID, "fingerprint": pk.Fingerprint, "retired": old})
	})
	if err != nil {
		s.ks.remove(pk.KeyID)
		return PublicKey{}, err
	}
	return pk, nil
}

// Managed returns the organisation with code and its keys, newest first,
// for an actor who may rotate them (MayRotate); another gets ENOTFOUND or
// EFORBIDDEN, as MayRotate says.
func (s *Service) Managed(ctx context.Context, actor *zwfw.Actor, code string) (*org.Org, []PublicKey, error) {
	o, err := s.orgs.ByCode(ctx, code)
	if err != nil && !org.ErrNotFound(err) {
		return nil, nil, err
	}
	if err != nil {
		o = nil
	}
	if err := MayRotate(actor, o); err != nil {
		return nil, nil, err
	}
	keys, err := s.OrgKeys(ctx, o.ID)
	if err != nil {
		return nil, nil, err
	}
	return o, keys, nil
}
