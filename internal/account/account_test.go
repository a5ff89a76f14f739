package account_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/org"
	"zwfw/internal/pii"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func setup(t *testing.T, d *db.DB) (*account.Service, *org.Service, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 11, 26, 9, 0, 0, 0, db.Zone)}
	orgs := setupOrgs(t, d, c)
	return account.NewService(d, orgs, c.now, account.Policy{}), orgs, c
}

// setupOrgs makes a small tree: the city, the county, a department, a town
// with its centre and a window.
func setupOrgs(t *testing.T, d *db.DB, c *clock) *org.Service {
	t.Helper()
	orgs := org.NewService(d, c.now)
	for _, in := range []org.Input{
		{Code: "610900", Kind: org.KindCity, Name: "安康市"},
		{Code: "610923", ParentCode: "610900", Kind: org.KindCounty, Name: "宁陕县"},
		{Code: "610923D01", ParentCode: "610923", Kind: org.KindDept, Name: "市场监管局"},
		{Code: "610923100", ParentCode: "610923", Kind: org.KindTown, Name: "城关镇"},
		{Code: "610923100C", ParentCode: "610923100", Kind: org.KindCentre, Name: "城关镇便民服务中心"},
		{Code: "610923100CW01", ParentCode: "610923100C", Kind: org.KindWindow, Name: "综合窗口", WindowType: org.WindowComprehensive},
	} {
		if _, err := orgs.Create(context.Background(), zwfw.System, in); err != nil {
			t.Fatal(err)
		}
	}
	return orgs
}

func TestRegisterChecksIdentity(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _, _ := setup(t, d)
		base := account.RegisterInput{Username: "wangxl", Password: "Qinling@2026", Name: "王秀兰", Phone: "13991561234"}
		for _, c := range []struct {
			name         string
			id, credit   string
			field, words string
		}{
			{"check digit", "610923198503120028", "", "id_number", "校验码"},
			{"feb 30", "610923198502300021", "", "id_number", "不是有效日期"},
			{"future", "610923203001010021", "", "id_number", "晚于今天"},
			{"17 digits", "61092319850312002", "", "id_number", "18 位"},
			{"credit check", "", "91610923MA70XJ1K17", "credit_code", "校验码"},
			{"credit letter O", "", "91610923MA70XJ1KO6", "credit_code", "不是允许的字符"},
			{"both", "610923198503120025", "91610923MA70XJ1K16", "id_number", "只填其一"},
			{"neither", "", "", "id_number", "请填写居民身份证号"},
		} {
			in := base
			in.IDNumber, in.CreditCode = c.id, c.credit
			_, err := s.Register(ctx, in)
			e, ok := err.(*zwfw.Error)
			if !ok || e.Code != zwfw.EINVALID {
				t.Errorf("%s: err = %v", c.name, err)
				continue
			}
			found := false
			for _, det := range e.Details {
				if det.Field == c.field && strings.Contains(det.Message, c.words) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: no %s detail with %q: %+v", c.name, c.field, c.words, e.Details)
			}
		}
		var n int
		d.QueryRow(ctx, "SELECT COUNT(*) FROM users").Scan(&n)
		if n != 0 {
			t.Fatalf("%d users created by refused registrations", n)
		}
		x := withTexts(s)
		in := base
		in.IDNumber, in.PrivacyVersion = "610923198503120025", account.PrivacyVersion
		in.SMSCode = x.code(t, s, account.CodeRegister, in.Phone)
		u, err := s.Register(ctx, in)
		if err != nil || u.Kind != zwfw.KindPerson || u.MaskedID() != "610***********0025" || !u.PhoneVerified {
			t.Fatalf("register: %+v %v", u, err)
		}
		// The same number again under another username: refused with a
		// clear message that names nobody; nothing is stored and the
		// holder is told.
		in.Username, in.Name, in.Phone = "wangxl2", "李四", "13991560077"
		in.SMSCode = x.code(t, s, account.CodeRegister, in.Phone)
		_, err = s.Register(ctx, in)
		if e, ok := err.(*zwfw.Error); !ok || e.Code != zwfw.ECONFLICT || !strings.Contains(e.Message, "该居民身份证号已注册过账户") ||
			strings.Contains(e.Message, "wangxl") || strings.Contains(e.Message, "王秀兰") || strings.Contains(e.Message, "1234") {
			t.Fatalf("same ID twice: %v", err)
		}
		if _, err := s.ByUsername(ctx, "wangxl2"); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			t.Fatalf("a second account for one ID number: %v", err)
		}
		// The refusal used the code up: a number is probed once per code.
		in.IDNumber = "610923199003071233"
		if _, err := s.Register(ctx, in); zwfw.ErrorCode(err) != zwfw.EINVALID || !strings.Contains(zwfw.ErrorMessage(err), "已使用") {
			t.Fatalf("a code used by a refused registration served again: %v", err)
		}
		var inapp, sms int
		rows, err := d.Query(ctx, `SELECT channel, address FROM notifications WHERE subject LIKE '有人用您的%'`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var ch, addr string
			rows.Scan(&ch, &addr)
			// The SMS address is stored sealed (internal/pii).
			if addr, err := pii.Of(d).Open(pii.NotificationAddr.Label(), addr); ch == "sms" && err == nil && addr == "13991561234" {
				sms++
			} else if ch == "inapp" {
				inapp++
			}
		}
		rows.Close()
		if inapp != 1 || sms != 1 {
			t.Errorf("the holder was told %d times in the app and %d by SMS, want once each", inapp, sms)
		}
		ent := base
		ent.Username, ent.Name, ent.CreditCode = "qlrj.cy", "宁陕县秦岭人家餐饮有限公司", "91610923MA70XJ1K16"
		if u, err := s.RegisterTrusted(ctx, ent); err != nil || u.Kind != zwfw.KindEnterprise {
			t.Fatalf("enterprise: %v", err)
		}
	})
}

func TestLoginLockoutAndSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _, c := setup(t, d)
		if _, err := s.CreateStaff(ctx, zwfw.System, account.UserInput{Username: "yangcm", Password: "Window@2026", Name: "杨春梅",
			Roles: []string{zwfw.RoleWindow}, OrgCode: "610923100C", WindowCode: "610923100CW01"}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Login(ctx, "nobody", "Window@2026", account.SessionWeb, "", ""); zwfw.ErrorCode(err) != zwfw.EUNAUTHORIZED {
			t.Fatalf("unknown user: %v", err)
		}
		for i := 0; i < 4; i++ {
			if _, _, err := s.Login(ctx, "yangcm", "wrong", account.SessionWeb, "", ""); zwfw.ErrorCode(err) != zwfw.EUNAUTHORIZED {
				t.Fatalf("wrong password %d: %v", i, err)
			}
		}
		if _, _, err := s.Login(ctx, "yangcm", "wrong", account.SessionWeb, "", ""); zwfw.ErrorCode(err) != zwfw.ELOCKED {
			t.Fatalf("fifth wrong password: %v", err)
		}
		if _, _, err := s.Login(ctx, "yangcm", "Window@2026", account.SessionWeb, "", ""); zwfw.ErrorCode(err) != zwfw.ELOCKED {
			t.Fatalf("right password while locked: %v", err)
		}
		c.t = c.t.Add(16 * time.Minute)
		tok, u, err := s.Login(ctx, "yangcm", "Window@2026", account.SessionWeb, "127.0.0.1", "test")
		if err != nil || u.WindowCode != "610923100CW01" {
			t.Fatalf("login after lock expired: %v", err)
		}
		a, err := s.Authenticate(ctx, tok, account.SessionWeb)
		if err != nil || !a.Has(zwfw.RoleWindow) || a.OrgCode != "610923100C" {
			t.Fatalf("authenticate: %+v %v", a, err)
		}
		// A page session is not an API token.
		if _, err := s.Authenticate(ctx, tok, account.SessionAPI); zwfw.ErrorCode(err) != zwfw.EUNAUTHORIZED {
			t.Fatalf("web session used as API token: %v", err)
		}
		// Idle for longer than the timeout ends the session.
		c.t = c.t.Add(31 * time.Minute)
		if _, err := s.Authenticate(ctx, tok, account.SessionWeb); zwfw.ErrorCode(err) != zwfw.EUNAUTHORIZED {
			t.Fatalf("idle session accepted: %v", err)
		}
		api, _, err := s.Login(ctx, "yangcm", "Window@2026", account.SessionAPI, "", "")
		if err != nil {
			t.Fatal(err)
		}
		c.t = c.t.Add(2 * time.Hour) // API tokens have no idle timeout
		if _, err := s.Authenticate(ctx, api, account.SessionAPI); err != nil {
			t.Fatalf("api token after 2h: %v", err)
		}
		if err := s.Logout(ctx, api); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, api, account.SessionAPI); err == nil {
			t.Fatal("token valid after logout")
		}
	})
}

func TestStaffScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, orgs, _ := setup(t, d)
		town, _ := orgs.ByCode(ctx, "610923100")
		townAdmin := &zwfw.Actor{UserID: 99, Username: "cg.admin", Kind: zwfw.KindStaff, Roles: []string{zwfw.RoleAdmin}, OrgPath: town.Path}
		in := account.UserInput{Username: "zhoujg", Password: "Review@2026", Name: "周建国", Roles: []string{zwfw.RoleReviewer}, OrgCode: "610923D01"}
		if _, err := s.CreateStaff(ctx, townAdmin, in); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("town admin creating a county user: %v", err)
		}
		in.OrgCode = "610923100C"
		in.Roles = []string{"superuser"}
		if _, err := s.CreateStaff(ctx, townAdmin, in); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("unknown role: %v", err)
		}
		in.Roles, in.Password = []string{zwfw.RoleReviewer}, "password"
		if _, err := s.CreateStaff(ctx, townAdmin, in); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("weak password: %v", err)
		}
		in.Password = "Review@2026"
		if _, err := s.CreateStaff(ctx, townAdmin, in); err != nil {
			t.Fatalf("town admin creating a town user: %v", err)
		}
		window := &zwfw.Actor{UserID: 5, Kind: zwfw.KindStaff, Roles: []string{zwfw.RoleWindow}, OrgPath: town.Path}
		if _, err := s.CreateStaff(ctx, window, account.UserInput{Username: "x1"}); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("window creating users: %v", err)
		}
		users, total, err := s.List(ctx, townAdmin, account.UserQuery{})
		if err != nil || total != 1 || users[0].Username != "zhoujg" {
			t.Fatalf("town admin's list: %d %v", total, err)
		}
	})
}
