package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/pii"
)

// Linking an external identity (issuer + subject) to an account.
//
// A resident is linked by the identity number the provider VERIFIED
// (实名核验; GB 11643 checked here too) — never by name: an unverified or
// missing number is refused with the reason. An existing resident account
// with that number is linked; without one, an account is made as the
// verified registration makes it (00040: real name, the number sealed with
// its digest, the county its number names), and the privacy notice is
// asked for at once (finishSignIn: NeedsPrivacyConsent).
//
// A staff identity is linked only by an administrator (LinkStaff): an
// unlinked staff subject is refused.

// Link kinds.
const (
	LinkPerson = zwfw.KindPerson
	LinkStaff  = zwfw.KindStaff
)

// findLink returns the link of (issuer, subject): its id and account.
func (s *Service) findLink(ctx context.Context, q db.Querier, issuer, subject string) (id, user int64, err error) {
	ring := pii.Of(s.db)
	err = q.QueryRow(ctx, "SELECT id, user_id FROM oidc_links WHERE issuer = ? AND subject_digest IN ("+ring.In()+") ORDER BY id LIMIT 1",
		append([]any{issuer}, ring.Digests(subject)...)...).Scan(&id, &user)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	return id, user, err
}

// linkIdentity finds or makes the account of id and its link.
func (s *Service) linkIdentity(ctx context.Context, id *Identity) (*User, int64, error) {
	linkID, uid, err := s.findLink(ctx, s.db.Reader(), id.Issuer, id.Subject)
	if err != nil {
		return nil, 0, err
	}
	if linkID != 0 {
		u, err := scanUser(pii.Of(s.db), s.db.QueryRow(ctx, selectUser+" WHERE u.id = ?", uid))
		if err != nil {
			return nil, 0, err
		}
		if !u.Active {
			return nil, 0, zwfw.Errorf(zwfw.EFORBIDDEN, "账户已停用，请联系管理员")
		}
		return u, linkID, nil
	}
	if id.Staff {
		return nil, 0, zwfw.Errorf(zwfw.EFORBIDDEN, "您的统一身份认证账户尚未绑定本平台的工作人员账户。工作人员账户须由系统管理员绑定，请联系本单位系统管理员；也可以先用用户名和密码登录。")
	}
	number := ident.NormaliseID(id.IDNumber)
	switch {
	case number == "":
		return nil, 0, zwfw.Errorf(zwfw.EFORBIDDEN, "统一身份认证未提供您的居民身份证号，无法确认您的身份，未能登录。请在统一身份认证平台完成实名认证后再试，或用本平台账户登录。")
	case !id.IDVerified:
		return nil, 0, zwfw.Errorf(zwfw.EFORBIDDEN, "统一身份认证尚未核验您的居民身份证号（未实名认证），本平台不能据此确认您的身份。请在统一身份认证平台完成实名认证后再试，或用本平台账户登录。")
	}
	if err := ident.CheckID(number, s.now().In(db.Zone)); err != nil {
		return nil, 0, zwfw.Errorf(zwfw.EFORBIDDEN, "统一身份认证提供的居民身份证号未通过校验（%s），未能登录，请联系统一身份认证平台。", err.Error())
	}
	u, err := s.personByID(ctx, number)
	if err != nil {
		return nil, 0, err
	}
	if u == nil {
		if u, err = s.registerFromIdentity(ctx, id, number); err != nil {
			return nil, 0, err
		}
	}
	if !u.Active {
		return nil, 0, zwfw.Errorf(zwfw.EFORBIDDEN, "账户已停用，请联系管理员")
	}
	linkID, err = s.insertLink(ctx, id.Issuer, id.Subject, u, LinkPerson, nil)
	if err != nil {
		return nil, 0, err
	}
	return u, linkID, nil
}

// personByID is the resident account with the identity number (nil: none).
func (s *Service) personByID(ctx context.Context, number string) (*User, error) {
	ring := pii.Of(s.db)
	u, err := scanUser(ring, s.db.QueryRow(ctx, selectUser+" WHERE u.kind = 'person' AND u.id_digest IN ("+ring.In()+")", ring.Digests(number)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return u, err
}

// insertLink binds (issuer, subject) to u; a link made meanwhile by
// another request for the same subject is taken as it is.
func (s *Service) insertLink(ctx context.Context, issuer, subject string, u *User, kind string, by *zwfw.Actor) (int64, error) {
	ring := pii.Of(s.db)
	now := s.now()
	var who any
	actor := u.Actor()
	if by != nil {
		actor = by
		if by.UserID != 0 {
			who = by.UserID
		}
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = db.InsertID(ctx, tx, `INSERT INTO oidc_links (issuer, subject, subject_digest, user_id, kind, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, issuer, ring.Seal(pii.OIDCSubject.Label(), subject), ring.Digest(subject), u.ID, kind, who, db.Millis(now))
		if err != nil {
			return err
		}
		org := u.OrgID
		if org == 0 {
			var home int64
			if err := tx.QueryRow(ctx, "SELECT COALESCE(home_org_id, 0) FROM users WHERE id = ?", u.ID).Scan(&home); err != nil {
				return err
			}
			org = home
		}
		return audit.RecordFor(ctx, tx, org, now, actor, "account.oidc_linked", "user:"+u.Username, map[string]any{"issuer": issuer, "kind": kind})
	})
	if errors.Is(err, db.ErrUnique) {
		lid, uid, ferr := s.findLink(ctx, s.db.Reader(), issuer, subject)
		if ferr != nil {
			return 0, ferr
		}
		if lid != 0 && uid == u.ID {
			return lid, nil
		}
		return 0, zwfw.Errorf(zwfw.ECONFLICT, "该统一身份认证账户已绑定其他账户")
	}
	return id, err
}

// registerFromIdentity makes a resident account from a verified identity,
// as the verified registration does (00040), without a password anyone
// knows: the resident signs in through the unified identity, or by SMS
// code when the provider verified the phone.
func (s *Service) registerFromIdentity(ctx context.Context, id *Identity, number string) (*User, error) {
	name := strings.TrimSpace(id.Name)
	if n := utf8.RuneCountInString(name); n < 2 || n > 60 {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "统一身份认证未提供您的真实姓名，无法为您开通账户，请在统一身份认证平台完善实名信息后再试。")
	}
	phone := ""
	if id.PhoneVerified && mobileRE.MatchString(id.Phone) {
		phone = id.Phone
	}
	hash, err := s.Hash(newSecret())
	if err != nil {
		return nil, err
	}
	ring := pii.Of(s.db)
	now := s.now()
	div := divisionOf(number, "")
	var username string
	for try := 0; try < 3; try++ {
		username = "gov" + strings.ToLower(newSecret()[:10])
		var phoneDigest, verifiedAt any
		if phone != "" {
			phoneDigest, verifiedAt = ring.Digest(phone), db.Millis(now)
		} else {
			verifiedAt = int64(0)
		}
		err = s.db.InTx(ctx, func(tx *db.Tx) error {
			uid, err := db.InsertID(ctx, tx, `INSERT INTO users (username, password_hash, kind, name, phone, id_number, id_digest, roles,
				password_changed_at, created_at, updated_at, phone_digest, phone_verified_at, privacy_version, privacy_accepted_at, home_org_id)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0,
				(SELECT id FROM orgs WHERE (code = ? AND kind = 'county') OR code = ? OR parent_id IS NULL
				 ORDER BY CASE WHEN code = ? THEN 0 WHEN code = ? THEN 1 ELSE 2 END, id LIMIT 1))`,
				username, hash, zwfw.KindPerson, name, ring.Seal(pii.UserPhone.Label(), phone), ring.Seal(pii.UserIDNumber.Label(), number),
				ring.Digest(number), joinRoles([]string{zwfw.RoleApplicant}), db.Millis(now), db.Millis(now), db.Millis(now),
				phoneDigest, verifiedAt, div, s.policy.HomeOrg, div, s.policy.HomeOrg)
			if err != nil {
				return err
			}
			actor := &zwfw.Actor{UserID: uid, Username: username, Name: name, Kind: zwfw.KindPerson}
			return audit.Record(ctx, tx, now, actor, "account.register", "user:"+username,
				map[string]any{"kind": zwfw.KindPerson, "via": "oidc", "issuer": id.Issuer, "phone_verified": phone != ""})
		})
		if err == nil || !errors.Is(err, db.ErrUnique) {
			break
		}
		// The number got an account meanwhile (two first sign-ins at
		// once): that one is linked.
		if u, ferr := s.personByID(ctx, number); ferr != nil || u != nil {
			return u, ferr
		}
	}
	if err != nil {
		return nil, fmt.Errorf("account: register from the unified identity: %w", err)
	}
	return s.ByUsername(ctx, username)
}

// Link is a binding as administrators see it.
type Link struct {
	ID        int64     `json:"id"`
	Issuer    string    `json:"issuer"`
	Subject   string    `json:"subject_masked"`
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
	LastUsed  time.Time `json:"last_used_at,omitzero"`
}

// maskSubject shows the start and end of a subject only.
func maskSubject(s string) string {
	r := []rune(s)
	if len(r) <= 6 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-6) + string(r[len(r)-3:])
}

// MayLinkStaff: the administrators who manage the account (requireAdmin,
// within their reach — Managed).
func MayLinkStaff(actor *zwfw.Actor) error {
	if err := requireAdmin(actor); err != nil {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有系统管理员可以绑定统一身份认证账户")
	}
	return nil
}

// Links lists the bindings of the account username, for an administrator
// who manages it.
func (s *Service) Links(ctx context.Context, actor *zwfw.Actor, username string) (*User, []Link, error) {
	if err := MayLinkStaff(actor); err != nil {
		return nil, nil, err
	}
	u, err := s.Managed(ctx, actor, username)
	if err != nil {
		return nil, nil, err
	}
	rows, err := s.db.Reader().Query(ctx, "SELECT id, issuer, subject, kind, created_at, last_used_at FROM oidc_links WHERE user_id = ? ORDER BY id", u.ID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	ring := pii.Of(s.db)
	out := []Link{}
	for rows.Next() {
		var l Link
		var created, used int64
		if err := rows.Scan(&l.ID, &l.Issuer, &l.Subject, &l.Kind, &created, &used); err != nil {
			return nil, nil, err
		}
		sub, err := ring.Open(pii.OIDCSubject.Label(), l.Subject)
		if err != nil {
			return nil, nil, err
		}
		l.Subject, l.CreatedAt, l.LastUsed = maskSubject(sub), db.Time(created), db.Time(used)
		out = append(out, l)
	}
	return u, out, rows.Err()
}

// LinkStaff binds a staff account to the identity (issuer, subject) the
// province's provider gave the staff member; issuer ” is the configured
// provider.
func (s *Service) LinkStaff(ctx context.Context, actor *zwfw.Actor, username, issuer, subject string) (Link, error) {
	if err := MayLinkStaff(actor); err != nil {
		return Link{}, err
	}
	u, err := s.Managed(ctx, actor, username)
	if err != nil {
		return Link{}, err
	}
	issuer, subject = strings.TrimSpace(issuer), strings.TrimSpace(subject)
	if issuer == "" {
		issuer = s.OIDCIssuer()
	}
	var v zwfw.Invalid
	if u.Kind != zwfw.KindStaff {
		v.Add("username", "只有工作人员账户由管理员绑定；个人用户首次用统一身份认证登录时按已核验的身份证号自动绑定")
	}
	if issuer == "" || !strings.HasPrefix(issuer, "https://") && !strings.HasPrefix(issuer, "http://127.0.0.1") && !strings.HasPrefix(issuer, "http://localhost") {
		v.Add("issuer", "请填写统一身份认证平台的签发者地址（https://…）")
	}
	if subject == "" || utf8.RuneCountInString(subject) > 255 {
		v.Add("subject", "请填写该工作人员在统一身份认证平台的用户标识（sub，不超过 255 个字符）")
	}
	if err := v.Err(); err != nil {
		return Link{}, err
	}
	if lid, _, err := s.findLink(ctx, s.db.Reader(), issuer, subject); err != nil {
		return Link{}, err
	} else if lid != 0 {
		return Link{}, &zwfw.Error{Code: zwfw.ECONFLICT, Message: "该统一身份认证账户已绑定其他账户，请先解除原绑定",
			Details: []zwfw.ErrorDetail{{Field: "subject", Message: "已绑定其他账户"}}}
	}
	id, err := s.insertLink(ctx, issuer, subject, u, LinkStaff, actor)
	if err != nil {
		return Link{}, err
	}
	return Link{ID: id, Issuer: issuer, Subject: maskSubject(subject), Kind: LinkStaff, CreatedAt: s.now()}, nil
}

// Unlink removes a binding of the account username; its sessions opened
// through it end.
func (s *Service) Unlink(ctx context.Context, actor *zwfw.Actor, username string, linkID int64) error {
	if err := MayLinkStaff(actor); err != nil {
		return err
	}
	u, err := s.Managed(ctx, actor, username)
	if err != nil {
		return err
	}
	now := s.now()
	var hashes []string
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT token_hash FROM oidc_sessions WHERE link_id = ?", linkID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				rows.Close()
				return err
			}
			hashes = append(hashes, h)
		}
		rows.Close()
		if _, err := tx.Exec(ctx, "DELETE FROM oidc_sessions WHERE link_id = ?", linkID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE login_challenges SET link_id = NULL WHERE link_id = ?", linkID); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, "DELETE FROM oidc_links WHERE id = ? AND user_id = ?", linkID, u.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return zwfw.Errorf(zwfw.ENOTFOUND, "该绑定不存在")
		}
		return audit.RecordFor(ctx, tx, u.OrgID, now, actor, "account.oidc_unlinked", "user:"+u.Username, map[string]any{"link": linkID})
	})
	if err != nil {
		return err
	}
	for _, h := range hashes {
		if err := s.endSession(ctx, h); err != nil {
			return err
		}
	}
	return nil
}
