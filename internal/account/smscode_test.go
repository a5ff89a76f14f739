package account_test

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/notify"
)

// texts is a test SMS gateway: it keeps the last code sent to each phone.
type texts struct {
	mu   sync.Mutex
	last map[string]string
	n    int
}

var sixDigits = regexp.MustCompile(`[0-9]{6}`)

func (x *texts) Send(_ context.Context, m notify.Message) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.last[m.Address] = sixDigits.FindString(m.Body)
	x.n++
	return nil
}

func (x *texts) get(phone string) string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.last[phone]
}

func withTexts(s *account.Service) *texts {
	x := &texts{last: map[string]string{}}
	s.SetSMS(x)
	return x
}

// code asks for a code for phone and returns what the phone received.
func (x *texts) code(t *testing.T, s *account.Service, purpose, phone string) string {
	t.Helper()
	if err := s.SendCode(context.Background(), purpose, phone, ""); err != nil {
		t.Fatalf("send code to %s: %v", phone, err)
	}
	c := x.get(phone)
	if len(c) != 6 {
		t.Fatalf("no 6-digit code reached %s: %q", phone, c)
	}
	return c
}

// wrong is a 6-digit code other than c.
func wrong(c string) string {
	if c == "000000" {
		return "111111"
	}
	return "000000"
}

func applicant(phone, id string) account.RegisterInput {
	return account.RegisterInput{Username: "u" + phone, Password: "Qinling@2026", Name: "王秀兰", Phone: phone, IDNumber: id,
		PrivacyVersion: account.PrivacyVersion}
}

func TestSMSCodes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _, clk := setup(t, d)
		x := withTexts(s)
		msgOf := func(err error) string { return zwfw.ErrorMessage(err) }

		t.Run("stored hashed, never in clear", func(t *testing.T) {
			c := x.code(t, s, account.CodeRegister, "13900000001")
			var hash, digest string
			if err := d.QueryRow(ctx, "SELECT code_hash, phone_digest FROM sms_codes ORDER BY id DESC LIMIT 1").Scan(&hash, &digest); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(hash, c) || strings.Contains(digest, "13900000001") || len(hash) < 40 {
				t.Fatalf("code or phone stored in clear: %q %q", hash, digest)
			}
		})

		t.Run("audited, the phone masked", func(t *testing.T) {
			var n int
			if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'account.sms_code' AND object = 'phone:139****0001'").Scan(&n); err != nil || n != 1 {
				t.Fatalf("audit entries of the code: %d %v", n, err)
			}
			if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%13900000001%' OR object LIKE '%13900000001%'").Scan(&n); err != nil || n != 0 {
				t.Fatalf("the full phone in the audit log: %d %v", n, err)
			}
		})

		t.Run("wrong code, then too many tries", func(t *testing.T) {
			in := applicant("13900000002", "610923199003071233")
			c := x.code(t, s, account.CodeRegister, in.Phone)
			in.SMSCode = wrong(c)
			for i := 1; i <= 4; i++ {
				if _, err := s.Register(ctx, in); zwfw.ErrorCode(err) != zwfw.EINVALID || !strings.Contains(msgOf(err), "验证码不正确") {
					t.Fatalf("wrong code #%d: %v", i, err)
				}
			}
			if _, err := s.Register(ctx, in); !strings.Contains(msgOf(err), "输错次数过多") {
				t.Fatalf("5th wrong code: %v", err)
			}
			// The right code no longer helps: the code is dead.
			in.SMSCode = c
			if _, err := s.Register(ctx, in); !strings.Contains(msgOf(err), "输错次数过多") {
				t.Fatalf("right code after 5 wrong ones: %v", err)
			}
			// A fresh code works.
			in.SMSCode = x.code(t, s, account.CodeRegister, in.Phone)
			if _, err := s.Register(ctx, in); err != nil {
				t.Fatalf("fresh code: %v", err)
			}
		})

		t.Run("expired code", func(t *testing.T) {
			in := applicant("13900000003", "610923197806150032")
			in.SMSCode = x.code(t, s, account.CodeRegister, in.Phone)
			clk.t = clk.t.Add(10*time.Minute + time.Second)
			if _, err := s.Register(ctx, in); !strings.Contains(msgOf(err), "已过期") {
				t.Fatalf("expired code: %v", err)
			}
		})

		t.Run("a code is used once, for its purpose and phone", func(t *testing.T) {
			in := applicant("13900000004", "61092319620708004X")
			c := x.code(t, s, account.CodeRegister, in.Phone)
			other := in
			other.Phone, other.SMSCode = "13900000005", c
			if _, err := s.Register(ctx, other); zwfw.ErrorCode(err) != zwfw.EINVALID {
				t.Fatalf("a code sent to another phone was accepted: %v", err)
			}
			in.SMSCode = c
			if _, err := s.Register(ctx, in); err != nil {
				t.Fatal(err)
			}
			in.Username, in.IDNumber = "reuse.b", "61092319551123001X"
			if _, err := s.Register(ctx, in); !strings.Contains(msgOf(err), "已使用") {
				t.Fatalf("reused code: %v", err)
			}
			// A sign-in code is not a registration code.
			in.SMSCode = x.code(t, s, account.CodeLogin, in.Phone)
			if _, err := s.Register(ctx, in); zwfw.ErrorCode(err) != zwfw.EINVALID {
				t.Fatalf("a login code registered: %v", err)
			}
		})

		t.Run("limits per phone and per address", func(t *testing.T) {
			for i := 1; i <= 5; i++ {
				if err := s.SendCode(ctx, account.CodeRegister, "13900000009", ""); err != nil {
					t.Fatalf("code %d: %v", i, err)
				}
			}
			sent := x.n
			if err := s.SendCode(ctx, account.CodeRegister, "13900000009", ""); zwfw.ErrorCode(err) != zwfw.ETOOMANY {
				t.Fatalf("6th code to one phone in an hour: %v", err)
			}
			if x.n != sent {
				t.Fatal("a refused code was sent")
			}
			for i := 0; i < 20; i++ {
				if err := s.SendCode(ctx, account.CodeRegister, "1380000"+strings.Repeat("0", 4-len(itoa(i)))+itoa(i), "198.51.100.7"); err != nil {
					t.Fatalf("address code %d: %v", i, err)
				}
			}
			if err := s.SendCode(ctx, account.CodeRegister, "13800009999", "198.51.100.7"); zwfw.ErrorCode(err) != zwfw.ETOOMANY {
				t.Fatalf("21st code from one address: %v", err)
			}
			if err := s.SendCode(ctx, account.CodeRegister, "13800009999", "198.51.100.8"); err != nil {
				t.Fatalf("another address: %v", err)
			}
			// An hour later the phone may have codes again.
			clk.t = clk.t.Add(time.Hour)
			if err := s.SendCode(ctx, account.CodeRegister, "13900000009", ""); err != nil {
				t.Fatalf("an hour later: %v", err)
			}
		})

		t.Run("consent stored with its version", func(t *testing.T) {
			in := applicant("13900000010", "610923198001010010")
			in.PrivacyVersion = ""
			in.SMSCode = x.code(t, s, account.CodeRegister, in.Phone)
			if _, err := s.Register(ctx, in); zwfw.ErrorCode(err) != zwfw.EINVALID || !strings.Contains(msgOf(err), "个人信息保护告知") {
				t.Fatalf("no consent: %v", err)
			}
			in.PrivacyVersion = "2020-01-01"
			if _, err := s.Register(ctx, in); zwfw.ErrorCode(err) != zwfw.EINVALID {
				t.Fatalf("consent to an old version: %v", err)
			}
			in.PrivacyVersion = account.PrivacyVersion
			u, err := s.Register(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if u.PrivacyVersion != account.PrivacyVersion || !u.PrivacyAcceptedAt.Equal(clk.t.Truncate(time.Millisecond)) || account.NeedsPrivacyConsent(u) {
				t.Fatalf("consent recorded as %q at %v", u.PrivacyVersion, u.PrivacyAcceptedAt)
			}
			// A new version of the notice: the account is asked again, and
			// agreeing records it.
			if _, err := d.Exec(ctx, "UPDATE users SET privacy_version = '2026-01-01' WHERE id = ?", u.ID); err != nil {
				t.Fatal(err)
			}
			u, _ = s.ByUsername(ctx, u.Username)
			if !account.NeedsPrivacyConsent(u) {
				t.Fatal("an old consent passes")
			}
			if err := s.AcceptPrivacy(ctx, u.Actor(), account.PrivacyVersion); err != nil {
				t.Fatal(err)
			}
			if u, _ = s.ByUsername(ctx, u.Username); account.NeedsPrivacyConsent(u) {
				t.Fatalf("consent not recorded: %+v", u)
			}
			var n int
			if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'account.privacy_consent' AND detail LIKE ?",
				"%"+account.PrivacyVersion+"%").Scan(&n); err != nil || n != 1 {
				t.Fatalf("consent audited %d times (%v)", n, err)
			}
		})
	})
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func TestLoginSMS(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _, _ := setup(t, d)
		x := withTexts(s)
		in := applicant("13900000020", "610923199003071233")
		in.SMSCode = x.code(t, s, account.CodeRegister, in.Phone)
		if _, err := s.Register(ctx, in); err != nil {
			t.Fatal(err)
		}

		// Phone + code opens a session of the account.
		c := x.code(t, s, account.CodeLogin, in.Phone)
		if _, _, err := s.LoginSMS(ctx, in.Phone, wrong(c), account.SessionAPI, "203.0.113.5", "t"); zwfw.ErrorCode(err) != zwfw.EUNAUTHORIZED {
			t.Fatalf("wrong code: %v", err)
		}
		tok, u, err := s.LoginSMS(ctx, in.Phone, c, account.SessionAPI, "203.0.113.5", "t")
		if err != nil || u.Username != in.Username {
			t.Fatalf("sign in by SMS: %+v %v", u, err)
		}
		if a, err := s.Authenticate(ctx, tok, account.SessionAPI); err != nil || a.Username != in.Username {
			t.Fatalf("session: %+v %v", a, err)
		}
		// The code is used.
		if _, _, err := s.LoginSMS(ctx, in.Phone, c, account.SessionAPI, "203.0.113.5", "t"); zwfw.ErrorCode(err) != zwfw.EUNAUTHORIZED {
			t.Fatalf("code used twice: %v", err)
		}

		// A phone with no verified account gets no text, and the same answer.
		before := x.n
		if err := s.SendCode(ctx, account.CodeLogin, "13900000021", ""); err != nil {
			t.Fatal(err)
		}
		if x.n != before {
			t.Fatal("a sign-in code was texted to a phone without an account")
		}
		if _, _, err := s.LoginSMS(ctx, "13900000021", "123456", account.SessionAPI, "", "t"); zwfw.ErrorCode(err) != zwfw.EUNAUTHORIZED {
			t.Fatalf("no account: %v", err)
		}

		// Staff cannot sign in by SMS, even with a mobile on their account.
		if _, err := s.CreateStaff(ctx, zwfw.System, account.UserInput{Username: "staff.sms", Password: "Window@2026x", Name: "李四",
			Roles: []string{zwfw.RoleWindow}, OrgCode: "610923100C", WindowCode: "610923100CW01", Phone: "13900000022"}); err != nil {
			t.Fatal(err)
		}
		before = x.n
		if err := s.SendCode(ctx, account.CodeLogin, "13900000022", ""); err != nil || x.n != before {
			t.Fatalf("a staff phone got a sign-in code: %v", err)
		}

		// Failures count against the address like wrong passwords (20 per
		// 10 minutes by default).
		for i := 0; i < 20; i++ {
			if _, _, err := s.LoginSMS(ctx, in.Phone, "999999", account.SessionAPI, "203.0.113.9", "t"); zwfw.ErrorCode(err) != zwfw.EUNAUTHORIZED {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
		if _, _, err := s.LoginSMS(ctx, in.Phone, "999999", account.SessionAPI, "203.0.113.9", "t"); zwfw.ErrorCode(err) != zwfw.ETOOMANY {
			t.Fatalf("21st failure from one address: %v", err)
		}
		if _, _, err := s.Login(ctx, in.Username, "Wrong@2026x", account.SessionAPI, "203.0.113.9", "t"); zwfw.ErrorCode(err) != zwfw.ETOOMANY {
			t.Fatalf("the password sign-in does not share the address limit: %v", err)
		}
	})
}
