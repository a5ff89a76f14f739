package account

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/notify"
	"zwfw/internal/pii"
	"zwfw/internal/throttle"
)

// Purposes of an SMS verification code (短信验证码): a code sent for one
// purpose never serves another.
const (
	CodeRegister = "register" // verify the phone of a new account
	CodeLogin    = "login"    // sign in with phone + code
)

// CodePolicy bounds the SMS codes (issue 12 item 7; GB/T 22239 身份鉴别).
type CodePolicy struct {
	TTL      time.Duration  // a code expires this long after it is sent (5–10 minutes)
	Tries    int            // wrong entries a code allows before it is dead
	PerPhone throttle.Limit // codes sent to one phone
	PerAddr  throttle.Limit // codes asked for from one client address
}

// DefaultCodePolicy: 10 minutes, 5 tries, 5 codes an hour to a phone, 20 an
// hour from an address.
var DefaultCodePolicy = CodePolicy{TTL: 10 * time.Minute, Tries: 5,
	PerPhone: throttle.Limit{N: 5, Window: time.Hour}, PerAddr: throttle.Limit{N: 20, Window: time.Hour}}

// SetSMS plugs in the sender of verification codes (an SMS gateway). The
// default, LogCodes, writes the code to the server log: a county without a
// gateway reads it there. The code never goes into a response.
func (s *Service) SetSMS(sender notify.Sender) { s.sms = sender }

// SetCodePolicy changes the code limits (zero fields keep the defaults).
func (s *Service) SetCodePolicy(p CodePolicy) {
	if p.TTL > 0 {
		s.codes.TTL = p.TTL
	}
	if p.Tries > 0 {
		s.codes.Tries = p.Tries
	}
	if p.PerPhone != (throttle.Limit{}) {
		s.codes.PerPhone = p.PerPhone
	}
	if p.PerAddr != (throttle.Limit{}) {
		s.codes.PerAddr = p.PerAddr
	}
}

// LogCodes is the default sender of verification codes: it logs the
// message, code included, with the phone masked.
type LogCodes struct{ Log *slog.Logger }

// Send logs m.
func (l LogCodes) Send(_ context.Context, m notify.Message) error {
	log := l.Log
	if log == nil {
		log = slog.Default()
	}
	log.Info("sms verification code (no SMS gateway configured)", "to", ident.MaskPhone(m.Address), "text", m.Body)
	return nil
}

// codeHash is the stored form of a code: a keyed digest (HMAC-SM3, pii)
// of the purpose, the phone and the code, so the table reveals none of
// them and a code for one phone or purpose cannot be matched to another.
func codeHash(r *pii.Ring, purpose, phone, code string) []any {
	return r.Digests(purpose + "|" + phone + "|" + code)
}

// SendCode sends a fresh 6-digit code for purpose to phone, asked for from
// client address ip ("" for none: the platform itself). Codes sent to a
// phone and asked for from an address are limited (429); the code is stored
// hashed, expires after CodePolicy.TTL and is audited (with the phone
// masked).
//
// A sign-in code for a phone no applicant has verified is stored but not
// sent: the answer is the same, so the endpoint does not tell who has an
// account.
func (s *Service) SendCode(ctx context.Context, purpose, phone, ip string) error {
	phone = strings.TrimSpace(phone)
	if purpose != CodeRegister && purpose != CodeLogin {
		return zwfw.Errorf(zwfw.EINVALID, "验证码用途只能是 register（注册）或 login（登录）")
	}
	if !mobileRE.MatchString(phone) {
		var v zwfw.Invalid
		v.Add("phone", "请填写 11 位手机号码")
		return v.Err()
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return err
	}
	code := fmt.Sprintf("%06d", n.Int64())
	now := s.now()
	ring := pii.Of(s.db)
	pd := ring.Digest(phone)
	send := purpose == CodeRegister
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if ip != "" {
			if _, err := throttle.Take(ctx, tx, "sms:addr:"+throttle.Addr(ip), s.codes.PerAddr, now, "获取验证码过于频繁，请稍后再试"); err != nil {
				return err
			}
		}
		if _, err := throttle.Take(ctx, tx, "sms:phone:"+pd, s.codes.PerPhone, now, "该手机号获取验证码次数过多，请稍后再试"); err != nil {
			return err
		}
		if purpose == CodeLogin {
			// A phone shared by several accounts is sent the code too: the
			// sign-in then tells its holder to use a password.
			_, err := s.byVerifiedPhone(ctx, tx, phone)
			if c := zwfw.ErrorCode(err); err != nil && c != zwfw.ENOTFOUND && c != zwfw.ECONFLICT {
				return err
			}
			send = zwfw.ErrorCode(err) != zwfw.ENOTFOUND
		}
		// Codes a day past their expiry are swept on the way.
		if _, err := tx.Exec(ctx, "DELETE FROM sms_codes WHERE expires_at < ?", db.Millis(now.Add(-24*time.Hour))); err != nil {
			return err
		}
		// An earlier code for the same phone and purpose dies with the new one.
		if _, err := tx.Exec(ctx, "UPDATE sms_codes SET used_at = ? WHERE phone_digest = ? AND purpose = ? AND used_at = 0",
			db.Millis(now), pd, purpose); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO sms_codes (purpose, phone_digest, code_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			purpose, pd, codeHash(ring, purpose, phone, code)[0], db.Millis(now), db.Millis(now.Add(s.codes.TTL))); err != nil {
			return err
		}
		if ip != "" {
			ctx = audit.WithClient(ctx, ip)
		}
		return audit.Record(ctx, tx, now, nil, "account.sms_code", "phone:"+ident.MaskPhone(phone),
			map[string]any{"purpose": purpose, "sent": send})
	})
	if err != nil {
		return err
	}
	if !send {
		return nil
	}
	what := "注册账户"
	if purpose == CodeLogin {
		what = "登录"
	}
	msg := notify.Message{Channel: notify.SMS, Address: phone, Subject: "短信验证码",
		Body: fmt.Sprintf("您正在%s政务服务网，验证码 %s，%d 分钟内有效。请勿将验证码告诉他人。", what, code, int(s.codes.TTL.Minutes()))}
	if err := s.sms.Send(ctx, msg); err != nil {
		return fmt.Errorf("account: send code: %w", err)
	}
	return nil
}

// checkCode checks code against the live code for purpose and phone, in
// its own transaction, which is committed whatever the answer: a wrong
// entry uses up one of the code's tries. It returns the code's id, to be
// consumed (useCode) in the transaction that acts on it.
func (s *Service) checkCode(ctx context.Context, purpose, phone, code string) (int64, error) {
	code = strings.TrimSpace(code)
	ring := pii.Of(s.db)
	now := db.Millis(s.now())
	var id int64
	var bad error
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var hash string
		var expires, used int64
		var tries int
		err := tx.QueryRow(ctx, `SELECT id, code_hash, expires_at, used_at, tries FROM sms_codes
			WHERE phone_digest IN (`+ring.In()+`) AND purpose = ? ORDER BY id DESC LIMIT 1`,
			append(ring.Digests(phone), purpose)...).Scan(&id, &hash, &expires, &used, &tries)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			bad = codeError("请先获取短信验证码")
			return nil
		case err != nil:
			return err
		case used != 0:
			bad = codeError("验证码已使用或已失效，请重新获取")
			return nil
		case expires <= now:
			bad = codeError("验证码已过期，请重新获取")
			return nil
		case tries >= s.codes.Tries:
			bad = codeError("验证码输错次数过多，请重新获取")
			return nil
		}
		// One try is spent whatever the outcome; the row stops at Tries.
		if _, err := tx.Exec(ctx, "UPDATE sms_codes SET tries = tries + 1 WHERE id = ? AND tries < ?", id, s.codes.Tries); err != nil {
			return err
		}
		for _, h := range codeHash(ring, purpose, phone, code) {
			if hmac.Equal([]byte(h.(string)), []byte(hash)) && len(code) == 6 {
				return nil
			}
		}
		if left := s.codes.Tries - tries - 1; left > 0 {
			bad = codeError(fmt.Sprintf("验证码不正确，还可以再试 %d 次", left))
		} else {
			bad = codeError("验证码输错次数过多，请重新获取")
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if bad != nil {
		return 0, bad
	}
	return id, nil
}

func codeError(msg string) error {
	var v zwfw.Invalid
	v.Add("sms_code", "%s", msg)
	e := v.Err().(*zwfw.Error)
	e.Message = msg
	return e
}

// useCode marks the code id used inside tx; a code used meanwhile (two
// requests with one code) is refused.
func useCode(ctx context.Context, tx *db.Tx, id int64, now time.Time) error {
	res, err := tx.Exec(ctx, "UPDATE sms_codes SET used_at = ? WHERE id = ? AND used_at = 0", db.Millis(now), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return codeError("验证码已使用或已失效，请重新获取")
	}
	return nil
}

// byVerifiedPhone is the applicant account whose verified phone is phone:
// ENOTFOUND when none, ECONFLICT when several share it (a family's phone:
// they sign in by username and password).
func (s *Service) byVerifiedPhone(ctx context.Context, q db.Querier, phone string) (int64, error) {
	ring := pii.Of(s.db)
	rows, err := q.Query(ctx, `SELECT id FROM users WHERE phone_digest IN (`+ring.In()+`) AND phone_verified_at > 0
		AND kind IN ('person', 'enterprise') ORDER BY id LIMIT 2`, ring.Digests(phone)...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return 0, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	switch len(ids) {
	case 0:
		return 0, zwfw.Errorf(zwfw.ENOTFOUND, "没有以该手机号验证的账户")
	case 1:
		return ids[0], nil
	}
	return 0, zwfw.Errorf(zwfw.ECONFLICT, "该手机号绑定了多个账户，请用用户名和密码登录")
}

// CodeTTL is how long a code sent now stays valid.
func (s *Service) CodeTTL() time.Duration { return s.codes.TTL }
