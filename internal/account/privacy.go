package account

import (
	"context"
	"strings"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
)

// PrivacyVersion is the version of the privacy notice (个人信息保护告知,
// the page /privacy) that applicants agree to at registration (§2(7):
// 加大对……个人隐私等重要数据的保护力度; 个人信息保护法 §14, §17: consent
// given knowing the notice). Change it whenever the notice's text changes:
// an applicant who agreed to an older version is asked again at the next
// sign-in (NeedsPrivacyConsent).
const PrivacyVersion = "2026-12-07"

// NeedsPrivacyConsent reports whether u must agree to the current privacy
// notice before going on: applicants whose recorded version is not the
// current one. Staff accounts are bound by their employment, not by the
// notice to the public.
func NeedsPrivacyConsent(u *User) bool {
	return u != nil && u.Kind != zwfw.KindStaff && u.PrivacyVersion != PrivacyVersion
}

// AcceptPrivacy records that the actor agreed to version of the privacy
// notice now; only the current version can be agreed to. Audited.
func (s *Service) AcceptPrivacy(ctx context.Context, actor *zwfw.Actor, version string) error {
	if actor == nil || actor.UserID == 0 {
		return zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if strings.TrimSpace(version) != PrivacyVersion {
		var v zwfw.Invalid
		v.Add("privacy", "请阅读并同意当前版本（%s 版）的《个人信息保护告知》", PrivacyVersion)
		return v.Err()
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE users SET privacy_version = ?, privacy_accepted_at = ? WHERE id = ?",
			PrivacyVersion, db.Millis(now), actor.UserID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, actor, "account.privacy_consent", "user:"+actor.Username, map[string]any{"version": PrivacyVersion})
	})
}
