package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/notify"
	"zwfw/internal/pii"
)

// RegisterInput is what an applicant gives to sign up.
type RegisterInput struct {
	Username   string `json:"username"`
	Password   string `json:"password"`
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	IDNumber   string `json:"id_number"`   // resident (个人)
	CreditCode string `json:"credit_code"` // enterprise (法人)
	// SMSCode is the code sent to Phone (SendCode, purpose register): the
	// phone is verified before the account exists.
	SMSCode string `json:"sms_code"`
	// PrivacyVersion is the version of the privacy notice the applicant
	// read and agreed to (个人信息保护告知); it must be the current one.
	PrivacyVersion string `json:"privacy_version"`
}

// Register creates an applicant account: a resident with a valid 居民身份证号
// or an enterprise with a valid 统一社会信用代码, never both. Real names only
// (§2(3) 一号申请 rests on real-name identity), a phone verified by an SMS
// code, and consent to the current privacy notice, recorded with its
// version and time (§2(7) 个人隐私保护).
//
// One identity number is one person: a number that already has an account
// is refused with a clear message that does not say whose account it is,
// and its holder is told (站内消息 and SMS). The refusal comes only after
// the phone is verified, and it uses the code up, so probing numbers costs
// a verified phone and an SMS each (SendCode's limits).
func (s *Service) Register(ctx context.Context, in RegisterInput) (*User, error) {
	return s.register(ctx, in, true)
}

// RegisterTrusted creates an applicant account for the platform itself
// (the demo seed, tests): the phone is taken as verified and the current
// privacy notice as agreed. Never call it with what a visitor typed.
func (s *Service) RegisterTrusted(ctx context.Context, in RegisterInput) (*User, error) {
	in.PrivacyVersion = PrivacyVersion
	return s.register(ctx, in, false)
}

func (s *Service) register(ctx context.Context, in RegisterInput, verify bool) (*User, error) {
	in.Username, in.Name, in.Phone = strings.TrimSpace(in.Username), strings.TrimSpace(in.Name), strings.TrimSpace(in.Phone)
	in.IDNumber, in.CreditCode = ident.NormaliseID(in.IDNumber), ident.NormaliseCreditCode(in.CreditCode)
	var v zwfw.Invalid
	if !usernameRE.MatchString(in.Username) {
		v.Add("username", "用户名须以字母开头，由 3–32 位字母、数字、下划线、点或连字符组成")
	}
	if err := CheckPassword(in.Password, in.Username); err != nil {
		v.Add("password", "%s", err.Error())
	}
	kind := zwfw.KindPerson
	switch {
	case in.IDNumber != "" && in.CreditCode != "":
		v.Add("id_number", "个人注册填写居民身份证号，法人注册填写统一社会信用代码，二者只填其一")
	case in.IDNumber != "":
		if err := ident.CheckID(in.IDNumber, s.now().In(db.Zone)); err != nil {
			v.Add("id_number", "%s", err.Error())
		}
	case in.CreditCode != "":
		kind = zwfw.KindEnterprise
		if err := ident.CheckCreditCode(in.CreditCode); err != nil {
			v.Add("credit_code", "%s", err.Error())
		}
	default:
		v.Add("id_number", "请填写居民身份证号（个人）或统一社会信用代码（法人）")
	}
	if n := utf8.RuneCountInString(in.Name); n < 2 || n > 60 {
		if kind == zwfw.KindEnterprise {
			v.Add("name", "请填写与营业执照一致的单位名称（2–60 字）")
		} else {
			v.Add("name", "请填写与身份证一致的真实姓名（2–60 字）")
		}
	}
	if !mobileRE.MatchString(in.Phone) {
		v.Add("phone", "请填写 11 位手机号码，用于接收办件通知")
	}
	if verify && !codeRE.MatchString(strings.TrimSpace(in.SMSCode)) {
		v.Add("sms_code", "请填写发送到您手机的 6 位短信验证码")
	}
	if strings.TrimSpace(in.PrivacyVersion) != PrivacyVersion {
		v.Add("privacy", "请阅读并同意《个人信息保护告知》（%s 版）", PrivacyVersion)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var codeID int64
	if verify {
		var err error
		if codeID, err = s.checkCode(ctx, CodeRegister, in.Phone, in.SMSCode); err != nil {
			return nil, err
		}
	}
	hash, err := s.Hash(in.Password)
	if err != nil {
		return nil, err
	}
	var credit any
	if kind == zwfw.KindEnterprise {
		credit = in.CreditCode
	}
	now := s.now()
	// The identity number and the phone are stored sealed (internal/pii),
	// the number with its lookup digest, whose unique index refuses a
	// second account, and the verified phone with its digest (sign-in by
	// SMS code).
	ring := pii.Of(s.db)
	var idSealed, idDigest any
	if kind == zwfw.KindPerson {
		idSealed, idDigest = ring.Seal(pii.UserIDNumber.Label(), in.IDNumber), ring.Digest(in.IDNumber)
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if codeID != 0 {
			if err := useCode(ctx, tx, codeID, now); err != nil {
				return err
			}
		}
		// During a key rotation rows sealed under the old key carry the
		// old key's digest, which the index does not compare with the new
		// one's: ask for every digest the ring can make.
		if kind == zwfw.KindPerson {
			var n int
			if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM users WHERE kind = 'person' AND id_digest IN ("+ring.In()+")",
				ring.Digests(in.IDNumber)...).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return db.ErrUnique
			}
		}
		// The account belongs to a county: the one its identity number
		// names (the administrative division in an ID number or credit
		// code), when the platform serves it; else the county the platform
		// registers under (Policy.HomeOrg); else the root of the tree.
		div := divisionOf(in.IDNumber, in.CreditCode)
		id, err := db.InsertID(ctx, tx, `INSERT INTO users (username, password_hash, kind, name, phone, id_number, id_digest, credit_code, roles,
			password_changed_at, created_at, updated_at, phone_digest, phone_verified_at, privacy_version, privacy_accepted_at, home_org_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
			(SELECT id FROM orgs WHERE (code = ? AND kind = 'county') OR code = ? OR parent_id IS NULL
			 ORDER BY CASE WHEN code = ? THEN 0 WHEN code = ? THEN 1 ELSE 2 END, id LIMIT 1))`,
			in.Username, hash, kind, in.Name, ring.Seal(pii.UserPhone.Label(), in.Phone), idSealed, idDigest, credit, joinRoles([]string{zwfw.RoleApplicant}),
			db.Millis(now), db.Millis(now), db.Millis(now), ring.Digest(in.Phone), db.Millis(now), PrivacyVersion, db.Millis(now),
			div, s.policy.HomeOrg, div, s.policy.HomeOrg)
		if err != nil {
			return err
		}
		if err := s.rememberPassword(ctx, tx, "id = ?", id, hash, now); err != nil {
			return err
		}
		actor := &zwfw.Actor{UserID: id, Username: in.Username, Name: in.Name, Kind: kind}
		return audit.Record(ctx, tx, now, actor, "account.register", "user:"+in.Username,
			map[string]any{"kind": kind, "phone_verified": verify, "privacy_version": PrivacyVersion})
	})
	if err == nil {
		return s.ByUsername(ctx, in.Username)
	}
	if !errors.Is(err, db.ErrUnique) {
		return nil, err
	}
	// Ask which value clashed outside the failed transaction: on
	// PostgreSQL it accepts no more statements.
	var n int
	if err := s.db.Reader().QueryRow(ctx, "SELECT COUNT(*) FROM users WHERE username = ?", in.Username).Scan(&n); err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, &zwfw.Error{Code: zwfw.ECONFLICT, Message: "用户名“" + in.Username + "”已被注册，请换一个",
			Details: []zwfw.ErrorDetail{{Field: "username", Message: "用户名已被注册"}}}
	}
	// The number is taken: the code is used up (it answered one question)
	// and the holder told.
	if codeID != 0 {
		if err := s.db.InTx(ctx, func(tx *db.Tx) error { return useCode(ctx, tx, codeID, now) }); err != nil && zwfw.ErrorCode(err) != zwfw.EINVALID {
			return nil, err
		}
	}
	if err := s.tellHolder(ctx, in, kind, now); err != nil {
		return nil, err
	}
	field, what := "id_number", "居民身份证号"
	if kind == zwfw.KindEnterprise {
		field, what = "credit_code", "统一社会信用代码"
	}
	msg := "该" + what + "已注册过账户，一个证件号码只能注册一个账户。如果是您本人，请用原账户登录（可用手机号和验证码登录），忘记密码可到政务服务中心窗口重置；如果不是您本人，请到政务服务中心窗口核实。"
	return nil, &zwfw.Error{Code: zwfw.ECONFLICT, Message: msg, Details: []zwfw.ErrorDetail{{Field: field, Message: "该" + what + "已注册过账户"}}}
}

// divisionOf is the administrative division (GB/T 2260) an identity
// number names: the first six digits of a 居民身份证号 (GB 11643), the
// third to eighth characters of a 统一社会信用代码 (GB 32100).
func divisionOf(idNumber, creditCode string) string {
	switch {
	case len(idNumber) >= 6:
		return idNumber[:6]
	case len(creditCode) >= 8:
		return creditCode[2:8]
	}
	return ""
}

// tellHolder lets the holder of the identity number of in know that
// someone tried to register with it, in the outbox, with an audit entry.
func (s *Service) tellHolder(ctx context.Context, in RegisterInput, kind string, now time.Time) error {
	ring := pii.Of(s.db)
	q, args, what := "SELECT id, username, phone FROM users WHERE kind = 'person' AND id_digest IN ("+ring.In()+")", ring.Digests(in.IDNumber), "居民身份证号"
	if kind == zwfw.KindEnterprise {
		q, args, what = "SELECT id, username, phone FROM users WHERE kind = 'enterprise' AND credit_code = ?", []any{in.CreditCode}, "统一社会信用代码"
	}
	var id int64
	var username, phone string
	if err := s.db.Reader().QueryRow(ctx, q, args...).Scan(&id, &username, &phone); err != nil {
		return fmt.Errorf("account: register: the holder of a taken number: %w", err)
	}
	phone, err := ring.Open(pii.UserPhone.Label(), phone)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := notify.Enqueue(ctx, tx, now, notify.Note{UserID: id, Phone: phone, Subject: "有人用您的" + what + "注册账户",
			Body: "有人用您的" + what + "在政务服务网注册新账户，未能成功：您已有账户“" + username + "”。如果是您本人，请直接用该账户登录，" +
				"忘记密码可到政务服务中心窗口重置；如果不是您本人，请留意个人信息安全。"}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, &zwfw.Actor{UserID: id, Username: username, Name: username, Kind: kind},
			"account.register_taken", "user:"+username, map[string]any{"attempted_username": in.Username})
	})
}

// RegisterAndSignIn registers as Register does and opens a session of
// kind for the new account at once: the applicant verified the phone and
// chose the password a moment ago, and goes on to 我的办件 / 去办事, not
// to a sign-in or change-password page.
func (s *Service) RegisterAndSignIn(ctx context.Context, in RegisterInput, kind, ip, userAgent string) (string, *User, error) {
	u, err := s.Register(ctx, in)
	if err != nil {
		return "", nil, err
	}
	now := s.now()
	token, err := s.openSession(ctx, u.ID, kind, ip, userAgent, now, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE users SET last_login_at = ? WHERE id = ?", db.Millis(now), u.ID)
		return err
	})
	if err != nil {
		return "", nil, err
	}
	return token, u, nil
}
