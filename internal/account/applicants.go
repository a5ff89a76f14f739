package account

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/audit"
	"zwfw/internal/db"
)

// RegisterInput is what an applicant gives to sign up.
type RegisterInput struct {
	Username   string `json:"username"`
	Password   string `json:"password"`
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	IDNumber   string `json:"id_number"`   // resident (个人)
	CreditCode string `json:"credit_code"` // enterprise (法人)
}

// Register creates an applicant account: a resident with a valid 居民身份证号
// or an enterprise with a valid 统一社会信用代码, never both. Real names only
// (§2(3) 一号申请 rests on real-name identity).
func (s *Service) Register(ctx context.Context, in RegisterInput) (*User, error) {
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
	if err := v.Err(); err != nil {
		return nil, err
	}
	hash, err := s.Hash(in.Password)
	if err != nil {
		return nil, err
	}
	var idNum, credit any
	if kind == zwfw.KindPerson {
		idNum = in.IDNumber
	} else {
		credit = in.CreditCode
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		// The account belongs to the county it registered in (Policy.HomeOrg,
		// or the root of the tree when that is not there).
		id, err := db.InsertID(ctx, tx, `INSERT INTO users (username, password_hash, kind, name, phone, id_number, credit_code, roles,
			password_changed_at, created_at, updated_at, home_org_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
			(SELECT id FROM orgs WHERE code = ? OR parent_id IS NULL ORDER BY CASE WHEN code = ? THEN 0 ELSE 1 END, id LIMIT 1))`,
			in.Username, hash, kind, in.Name, in.Phone, idNum, credit, joinRoles([]string{zwfw.RoleApplicant}),
			db.Millis(now), db.Millis(now), db.Millis(now), s.policy.HomeOrg, s.policy.HomeOrg)
		if err != nil {
			return err
		}
		actor := &zwfw.Actor{UserID: id, Username: in.Username, Name: in.Name, Kind: kind}
		return audit.Record(ctx, tx, now, actor, "account.register", "user:"+in.Username, map[string]any{"kind": kind})
	})
	if err != nil {
		// Ask which value clashed outside the failed transaction: on
		// PostgreSQL it accepts no more statements.
		return nil, s.registerConflict(ctx, s.db.Reader(), in, err)
	}
	return s.ByUsername(ctx, in.Username)
}

func (s *Service) registerConflict(ctx context.Context, q db.Querier, in RegisterInput, err error) error {
	if !errors.Is(err, db.ErrUnique) {
		return err
	}
	var n int
	if q.QueryRow(ctx, "SELECT COUNT(*) FROM users WHERE username = ?", in.Username).Scan(&n); n > 0 {
		return &zwfw.Error{Code: zwfw.ECONFLICT, Message: "用户名“" + in.Username + "”已被注册，请换一个",
			Details: []zwfw.ErrorDetail{{Field: "username", Message: "用户名已被注册"}}}
	}
	if in.IDNumber != "" {
		return &zwfw.Error{Code: zwfw.ECONFLICT, Message: "该居民身份证号已注册过账户，请直接登录或找回密码",
			Details: []zwfw.ErrorDetail{{Field: "id_number", Message: "身份证号已注册"}}}
	}
	return &zwfw.Error{Code: zwfw.ECONFLICT, Message: "该统一社会信用代码已注册过账户，请直接登录或找回密码",
		Details: []zwfw.ErrorDetail{{Field: "credit_code", Message: "统一社会信用代码已注册"}}}
}
