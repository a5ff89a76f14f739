package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/notify"
	"zwfw/internal/throttle"
)

// An organisation's SMS gateway (issue 12 item 7: "a pluggable SMS sender
// (the default writes the code to the log; a real gateway is a setting)").
// Like every setting it belongs to an organisation: a town without its own
// uses its county's (the nearest ancestor with one). The signing key is
// never stored: the setting names the environment variable that holds it.

// SMS gateway kinds.
const (
	SMSLog  = ""     // the server log (default)
	SMSHTTP = "http" // a generic HTTPS gateway (notify.HTTPSMS)
)

// SMSSettings is an organisation's gateway.
type SMSSettings struct {
	Kind           string `json:"kind"`            // SMSLog or SMSHTTP
	URL            string `json:"url"`             // where to POST
	AppID          string `json:"app_id"`          // the account there
	SignName       string `json:"sign_name"`       // 短信签名
	CodeTemplate   string `json:"code_template"`   // template of the verification code
	NoticeTemplate string `json:"notice_template"` // template of case notifications
	SecretEnv      string `json:"secret_env"`      // ZWFW_SMS_…: the variable holding the key
}

var (
	secretEnvRE = regexp.MustCompile(`^ZWFW_SMS_[A-Z0-9_]{1,40}$`)
	templateRE  = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
)

// Check validates settings given by an administrator. A plain-http URL is
// refused except to the machine itself (a gateway proxy beside the server):
// messages carry verification codes.
func (s *SMSSettings) Check() error {
	for _, f := range []*string{&s.Kind, &s.URL, &s.AppID, &s.SignName, &s.CodeTemplate, &s.NoticeTemplate, &s.SecretEnv} {
		*f = strings.TrimSpace(*f)
	}
	var v zwfw.Invalid
	switch s.Kind {
	case "log":
		s.Kind = SMSLog
	case SMSLog, SMSHTTP:
	default:
		v.Add("kind", "短信网关应为 log（写入服务器日志）或 http（HTTPS 短信网关）")
	}
	if s.Kind == SMSLog {
		*s = SMSSettings{}
		return v.Err()
	}
	u, err := url.Parse(s.URL)
	switch {
	case s.URL == "" || err != nil || u.Host == "":
		v.Add("url", "请填写短信网关的完整地址，如 https://sms.example.cn/send")
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		v.Add("url", "短信网关地址须为 https://（只有本机代理可用 http://）")
	}
	if s.AppID == "" || utf8.RuneCountInString(s.AppID) > 64 {
		v.Add("app_id", "请填写网关的账户或应用 ID（不超过 64 个字符）")
	}
	if n := utf8.RuneCountInString(s.SignName); n < 2 || n > 12 {
		v.Add("sign_name", "短信签名为 2–12 个字，如“宁陕县政务服务”")
	}
	if !templateRE.MatchString(s.CodeTemplate) {
		v.Add("code_template", "请填写验证码短信的模板 ID（字母、数字、_.-）")
	}
	if !templateRE.MatchString(s.NoticeTemplate) {
		v.Add("notice_template", "请填写办件通知短信的模板 ID（字母、数字、_.-）")
	}
	if !secretEnvRE.MatchString(s.SecretEnv) {
		v.Add("secret_env", "签名密钥只填环境变量名，须以 ZWFW_SMS_ 开头，如 ZWFW_SMS_SECRET（密钥本身不存入数据库）")
	}
	return v.Err()
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// SMSSettingsOf reads the organisation's own settings (ok false when it
// has none).
func SMSSettingsOf(ctx context.Context, q db.Querier, id int64) (SMSSettings, bool, error) {
	var s SMSSettings
	err := q.QueryRow(ctx, `SELECT kind, url, app_id, sign_name, code_template, notice_template, secret_env
		FROM org_sms_settings WHERE org_id = ?`, id).
		Scan(&s.Kind, &s.URL, &s.AppID, &s.SignName, &s.CodeTemplate, &s.NoticeTemplate, &s.SecretEnv)
	if errors.Is(err, sql.ErrNoRows) {
		return s, false, nil
	}
	if err != nil {
		return s, false, fmt.Errorf("org: sms settings of %d: %w", id, err)
	}
	return s, true, nil
}

// EffectiveSMS is the gateway an organisation sends through: its own, or
// its nearest ancestor's; from is the organisation whose setting it is (0:
// none anywhere up the tree, the log).
func EffectiveSMS(ctx context.Context, q db.Querier, id int64) (s SMSSettings, from int64, err error) {
	for hops := 0; id != 0 && hops < 16; hops++ {
		s, ok, err := SMSSettingsOf(ctx, q, id)
		if err != nil || ok {
			return s, id, err
		}
		var parent int64
		if err := q.QueryRow(ctx, "SELECT COALESCE(parent_id, 0) FROM orgs WHERE id = ?", id).Scan(&parent); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				break
			}
			return s, 0, fmt.Errorf("org: sms settings: %w", err)
		}
		id = parent
	}
	return SMSSettings{}, 0, nil
}

// MaySetSMS: an administrator whose reach covers the organisation, as for
// its other document and payment settings (MaySetNoticeSettings).
func MaySetSMS(actor *zwfw.Actor, o *Org) error {
	if err := MaySetNoticeSettings(actor, o); err != nil {
		if zwfw.ErrorCode(err) == zwfw.EFORBIDDEN && actor != nil && (!actor.IsStaff() || !actor.Has(zwfw.RoleAdmin)) {
			return zwfw.Errorf(zwfw.EFORBIDDEN, "只有系统管理员可以设置短信网关")
		}
		return err
	}
	return nil
}

// SMSSettings returns the organisation's own settings (ok false: it uses
// those of inherited, or the log when inherited is nil).
func (s *Service) SMSSettings(ctx context.Context, actor *zwfw.Actor, code string) (o *Org, set SMSSettings, own bool, inherited *Org, err error) {
	if o, err = s.ByCode(ctx, code); err != nil {
		return
	}
	if err = MaySetSMS(actor, o); err != nil {
		return
	}
	if set, own, err = SMSSettingsOf(ctx, s.db.Reader(), o.ID); err != nil || own {
		return
	}
	var from int64
	if set, from, err = EffectiveSMS(ctx, s.db.Reader(), o.ID); err == nil && from != 0 {
		inherited, err = s.ByID(ctx, from)
	}
	return
}

// SetSMSSettings changes an organisation's gateway, audited in the same
// transaction (the audit names the variable, never a key).
func (s *Service) SetSMSSettings(ctx context.Context, actor *zwfw.Actor, code string, set SMSSettings) (SMSSettings, error) {
	if err := set.Check(); err != nil {
		return set, err
	}
	var who any
	if actor != nil && actor.UserID != 0 {
		who = actor.UserID
	}
	err := s.setSetting(ctx, actor, code, MaySetSMS, "org.sms_settings", set, func(tx *db.Tx, o *Org) error {
		if _, err := tx.Exec(ctx, `INSERT INTO org_sms_settings (org_id, kind, url, app_id, sign_name, code_template, notice_template,
			secret_env, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org_id) DO UPDATE SET kind = excluded.kind,
			url = excluded.url, app_id = excluded.app_id, sign_name = excluded.sign_name, code_template = excluded.code_template,
			notice_template = excluded.notice_template, secret_env = excluded.secret_env, updated_by = excluded.updated_by,
			updated_at = excluded.updated_at`, o.ID, set.Kind, set.URL, set.AppID, set.SignName, set.CodeTemplate, set.NoticeTemplate,
			set.SecretEnv, who, db.Millis(s.now())); err != nil {
			return fmt.Errorf("org: put sms settings: %w", err)
		}
		return nil
	})
	return set, err
}

// Kinds of message a gateway sends (each has its template).
const (
	SMSCode   = "code"
	SMSNotice = "notice"
)

// SMSGateways chooses the sender of each SMS (one domain rule):
//   - a verification code — no account, no organisation yet — goes through
//     the gateway of the deployment's root region (Root, the county whose
//     applicants register: §2(4) 统一身份认证 at county level);
//   - a case notification through the gateway of the case's organisation,
//     or its nearest ancestor's;
//
// and with no gateway set, to Fallback (the log).
type SMSGateways struct {
	DB       *db.DB
	Root     string              // the root region's organisation code
	Fallback notify.Sender       // no gateway set: the log
	Getenv   func(string) string // nil: os.Getenv
}

// For is the sender of messages of kind from the organisation with id.
func (g *SMSGateways) For(ctx context.Context, orgID int64, kind string) (notify.Sender, error) {
	set, from, err := EffectiveSMS(ctx, g.DB.Reader(), orgID)
	if err != nil || from == 0 || set.Kind != SMSHTTP {
		return g.Fallback, err
	}
	getenv := g.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	tpl := set.NoticeTemplate
	if kind == SMSCode {
		tpl = set.CodeTemplate
	}
	return notify.HTTPSMS{URL: set.URL, AppID: set.AppID, Sign: set.SignName, Template: tpl, Key: []byte(getenv(set.SecretEnv))}, nil
}

// rootID is the root region's organisation.
func (g *SMSGateways) rootID(ctx context.Context) (int64, error) {
	var id int64
	err := g.DB.Reader().QueryRow(ctx, "SELECT id FROM orgs WHERE code = ?", g.Root).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// Codes is the sender of verification codes (account.Service.SetSMS).
func (g *SMSGateways) Codes() notify.Sender {
	return senderFunc(func(ctx context.Context, m notify.Message) error {
		id, err := g.rootID(ctx)
		if err != nil {
			return err
		}
		s, err := g.For(ctx, id, SMSCode)
		if err != nil {
			return err
		}
		return s.Send(ctx, m)
	})
}

// Notices is the sender of case notifications (the dispatcher's SMS
// channel): the case's organisation's gateway; a message about no case
// goes through the root region's.
func (g *SMSGateways) Notices() notify.Sender {
	return senderFunc(func(ctx context.Context, m notify.Message) error {
		var id int64
		var err error
		if m.CaseSerial != "" {
			err = g.DB.Reader().QueryRow(ctx, "SELECT org_id FROM cases WHERE serial = ?", m.CaseSerial).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				err = nil
			}
		}
		if err == nil && id == 0 {
			id, err = g.rootID(ctx)
		}
		if err != nil {
			return err
		}
		s, err := g.For(ctx, id, SMSNotice)
		if err != nil {
			return err
		}
		return s.Send(ctx, m)
	})
}

type senderFunc func(context.Context, notify.Message) error

func (f senderFunc) Send(ctx context.Context, m notify.Message) error { return f(ctx, m) }

// TestSMSLimit bounds the test messages of one organisation.
var TestSMSLimit = throttle.Limit{N: 5, Window: time.Hour}

var mobileRE = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// SendTestSMS sends one test message (发送测试短信) to phone through the
// organisation's gateway (its own or inherited), for an administrator who
// may set it: at most TestSMSLimit an hour per organisation, audited with
// the phone masked. A gateway that refuses is an invalid setting (422)
// with its answer.
func (s *Service) SendTestSMS(ctx context.Context, actor *zwfw.Actor, g *SMSGateways, code, phone string) error {
	o, err := s.ByCode(ctx, code)
	if err != nil {
		return err
	}
	if err := MaySetSMS(actor, o); err != nil {
		return err
	}
	phone = strings.TrimSpace(phone)
	if !mobileRE.MatchString(phone) {
		var v zwfw.Invalid
		v.Add("phone", "请填写 11 位手机号码")
		return v.Err()
	}
	now := s.now()
	masked := phone[:3] + "****" + phone[7:]
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := throttle.Take(ctx, tx, "sms:test:"+o.Code, TestSMSLimit, now, "测试短信发送过于频繁，请稍后再试"); err != nil {
			return err
		}
		return audit.RecordFor(ctx, tx, o.ID, now, actor, "org.sms_test", "org:"+o.Code, map[string]any{"phone": masked})
	})
	if err != nil {
		return err
	}
	sender, err := g.For(ctx, o.ID, SMSNotice)
	if err != nil {
		return err
	}
	msg := notify.Message{Channel: notify.SMS, Address: phone, Subject: "测试短信",
		Body: "【测试】这是" + o.DisplayName() + "政务服务平台的测试短信，收到即说明短信网关设置正确。"}
	if err := sender.Send(ctx, msg); err != nil {
		slog.Default().Warn("test sms not sent", "org", o.Code, "err", err)
		return zwfw.Errorf(zwfw.EINVALID, "测试短信未发出：%s", err.Error())
	}
	return nil
}
