package account

import (
	"context"
	"strings"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/pii"
	"zwfw/internal/throttle"
)

// LoginSMS signs an applicant in with the phone they verified and a code
// sent to it (SendCode, purpose login), opening a session of kind like
// Login does.
//
// The same limits as a password: a failure counts against the client
// address and the platform (Policy.AddrLimit, GlobalLimit), a code allows
// CodePolicy.Tries entries, and a locked account stays locked. Staff
// cannot sign in by SMS: their accounts are bound to the password rules of
// 等级保护 (GB/T 22239: expiry, history, change at first sign-in), and a
// staff phone on the account list is an office number, not a verified
// mobile.
func (s *Service) LoginSMS(ctx context.Context, phone, code, kind, ip, userAgent string) (string, *User, error) {
	phone, code = strings.TrimSpace(phone), strings.TrimSpace(code)
	bad := zwfw.Errorf(zwfw.EUNAUTHORIZED, "手机号或验证码错误")
	if !mobileRE.MatchString(phone) || !codeRE.MatchString(code) {
		return "", nil, bad
	}
	now := s.now()
	if ip != "" {
		ctx = audit.WithClient(ctx, ip)
	}
	addr := loginAddrKey + throttle.Addr(ip)
	var addrWin, allWin int64
	if ip != "" {
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			var err error
			if addrWin, err = throttle.Take(ctx, tx, addr, s.policy.AddrLimit, now, "登录失败次数过多，请稍后再试"); err != nil {
				return err
			}
			allWin, err = throttle.Take(ctx, tx, loginAllKey, s.policy.GlobalLimit, now, "当前登录请求过多，请稍后再试")
			return err
		})
		if err != nil {
			s.refusedLogin(ctx, "phone:"+ident.MaskPhone(phone), now, zwfw.ErrorMessage(err))
			return "", nil, err
		}
	}
	codeID, err := s.checkCode(ctx, CodeLogin, phone, code)
	if err != nil {
		if zwfw.ErrorCode(err) == zwfw.EINVALID {
			// The code's own message (expired, used, tries left) helps the
			// phone's holder and tells a guesser nothing about accounts.
			return "", nil, &zwfw.Error{Code: zwfw.EUNAUTHORIZED, Message: zwfw.ErrorMessage(err)}
		}
		return "", nil, err
	}
	id, err := s.byVerifiedPhone(ctx, s.db.Reader(), phone)
	if err != nil {
		if c := zwfw.ErrorCode(err); c == zwfw.ENOTFOUND {
			return "", nil, bad
		} else if c == zwfw.ECONFLICT {
			return "", nil, err
		}
		return "", nil, err
	}
	u, err := s.byID(ctx, id)
	if err != nil {
		return "", nil, err
	}
	if !u.Active {
		return "", nil, zwfw.Errorf(zwfw.EFORBIDDEN, "账户已停用，请联系管理员")
	}
	if u.LockedUntil.After(now) {
		return "", nil, lockedError(u.LockedUntil.UnixMilli())
	}
	token, err := s.openSession(ctx, id, kind, ip, userAgent, now, func(tx *db.Tx) error {
		if err := useCode(ctx, tx, codeID, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE users SET last_login_at = ? WHERE id = ?", db.Millis(now), id); err != nil {
			return err
		}
		if ip != "" {
			if err := throttle.Give(ctx, tx, addr, addrWin); err != nil {
				return err
			}
			if err := throttle.Give(ctx, tx, loginAllKey, allWin); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, u.Actor(), "account.login_sms", "user:"+u.Username, map[string]any{"ip": ip})
	})
	if err != nil {
		return "", nil, err
	}
	return token, u, nil
}

// byID returns the account with id.
func (s *Service) byID(ctx context.Context, id int64) (*User, error) {
	u, err := scanUser(pii.Of(s.db), s.db.QueryRow(ctx, selectUser+" WHERE u.id = ?", id))
	if err != nil {
		return nil, db.NotFound(err, "账户不存在")
	}
	return u, nil
}
