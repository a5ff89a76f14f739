package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
)

// What an issuing organisation prints on its documents (文书) and how it
// collects fees online: its 机关代字, the 复议机关 and the court its refusals
// name, and its payment gateway. These belong to the organisation, set by
// its administrators; none of them is platform-wide (§2(3): notices are
// issued in the name of the accepting body).

// Payment gateways a collecting unit may use.
const (
	GatewayDefault = ""     // the platform's: the bank's when its key is set, else the simulator in demo mode
	GatewayOff     = "off"  // no online payment: the bank window only
	GatewayDemo    = "demo" // the local simulator (演示), for trying the flow
	GatewayBank    = "bank" // the bank's platform, its key in ZWFW_PAYMENT_SECRET
)

// GatewayName is the Chinese name of a gateway.
func GatewayName(g string) string {
	switch g {
	case GatewayDemo:
		return "演示支付（模拟器，不收真钱）"
	case GatewayBank:
		return "银行网上支付平台"
	case GatewayOff:
		return "不开通网上支付（到银行收费窗口缴费）"
	}
	return "平台默认（配置了银行支付密钥时用银行平台；演示模式下用演示支付）"
}

// NoticeSettings is an organisation's document settings. The zero values
// mean the defaults: no 代字 (numbers then carry the organisation's code),
// the people's government and the people's court of its county.
type NoticeSettings struct {
	Abbrev     string `json:"abbrev"`      // 机关代字: 宁政服
	ReviewBody string `json:"review_body"` // 复议机关, as set ('' = default)
	Court      string `json:"court"`       // 人民法院, as set ('' = default)
	Gateway    string `json:"pay_gateway"` // GatewayDefault, GatewayOff, GatewayDemo, GatewayBank
}

// Refusal is who a refused applicant may turn to, with the time limits:
// 行政复议法 §20 (sixty days from knowing of the act) and 行政诉讼法 §46
// (six months), as every 不予受理/不予批准 document must tell (行政许可法
// §38(2): 说明理由，并告知申请人享有依法申请行政复议或者提起行政诉讼的权利).
type Refusal struct {
	ReviewBody string `json:"review_body"`
	Court      string `json:"court"`
}

// Text is the sentence printed on the refusal.
func (r Refusal) Text() string {
	return fmt.Sprintf("如不服本决定，可以自收到本通知书之日起六十日内向%s申请行政复议，或者自收到本通知书之日起六个月内向%s提起行政诉讼。",
		r.ReviewBody, r.Court)
}

var abbrevRE = regexp.MustCompile(`^\p{Han}{1,8}$`)

// Check validates settings given by an administrator.
func (n *NoticeSettings) Check() error {
	n.Abbrev, n.ReviewBody, n.Court, n.Gateway = strings.TrimSpace(n.Abbrev), strings.TrimSpace(n.ReviewBody),
		strings.TrimSpace(n.Court), strings.TrimSpace(n.Gateway)
	n.Abbrev = strings.TrimSuffix(n.Abbrev, "字")
	var v zwfw.Invalid
	if n.Abbrev != "" && !abbrevRE.MatchString(n.Abbrev) {
		v.Add("abbrev", "机关代字应为 1–8 个汉字，如“宁政服”（文号中的“受字”“缴字”由文书种类加上）")
	}
	if utf8.RuneCountInString(n.ReviewBody) > 64 {
		v.Add("review_body", "复议机关不超过 64 个字")
	}
	if n.Court != "" && (utf8.RuneCountInString(n.Court) > 64 || !strings.HasSuffix(n.Court, "法院")) {
		v.Add("court", "请填写人民法院的全称，如“宁陕县人民法院”")
	}
	switch n.Gateway {
	case GatewayDefault, GatewayOff, GatewayDemo, GatewayBank:
	default:
		v.Add("pay_gateway", "网上支付方式应为平台默认、off（不开通）、demo（演示）或 bank（银行网上支付平台）")
	}
	return v.Err()
}

// NoticeSettingsOf reads the settings of the organisation with id (the
// zero settings when it has none), within q (a transaction that issues a
// document reads them there).
func NoticeSettingsOf(ctx context.Context, q db.Querier, id int64) (NoticeSettings, error) {
	var n NoticeSettings
	err := q.QueryRow(ctx, "SELECT abbrev, review_body, court, pay_gateway FROM org_notice_settings WHERE org_id = ?", id).
		Scan(&n.Abbrev, &n.ReviewBody, &n.Court, &n.Gateway)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return n, fmt.Errorf("org: notice settings of %d: %w", id, err)
	}
	return n, nil
}

// RefusalOf is where the refusals of o send the applicant: its settings, or
// the people's government and the people's court of its county (宁陕县人民
// 政府, 宁陕县人民法院) — the body one level up from a county department or
// centre (行政复议法 §24) and the basic court of the place (行政诉讼法 §18).
func RefusalOf(ctx context.Context, q db.Querier, o *Org, n NoticeSettings) (Refusal, error) {
	r := Refusal{ReviewBody: n.ReviewBody, Court: n.Court}
	if r.ReviewBody != "" && r.Court != "" {
		return r, nil
	}
	county := o
	for cur := o; cur != nil; {
		if cur.Kind == KindCounty || cur.Kind == KindCity {
			county = cur
			break
		}
		if cur.ParentID == 0 {
			break
		}
		p, err := scanOrg(q.QueryRow(ctx, selectOrg+" WHERE o.id = ?", cur.ParentID))
		if err != nil {
			return r, fmt.Errorf("org: refusal of %s: %w", o.Code, err)
		}
		cur = p
	}
	if r.ReviewBody == "" {
		r.ReviewBody = county.Name + "人民政府"
	}
	if r.Court == "" {
		r.Court = county.Name + "人民法院"
	}
	return r, nil
}

// MaySetNoticeSettings: an administrator whose reach covers the
// organisation (its own, or one below it).
func MaySetNoticeSettings(actor *zwfw.Actor, o *Org) error {
	switch {
	case actor == nil:
		return zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	case actor.Kind == zwfw.KindSystem:
		return nil
	case !actor.IsStaff() || !actor.Has(zwfw.RoleAdmin):
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有系统管理员可以设置文书和缴费设置")
	case !actor.InScope(o.Path):
		return zwfw.Errorf(zwfw.EFORBIDDEN, "机构 %s 不在您的管辖范围内", o.Name)
	}
	return nil
}

// NoticeSettings returns the settings of the organisation with code, to an
// administrator who may change them.
func (s *Service) NoticeSettings(ctx context.Context, actor *zwfw.Actor, code string) (*Org, NoticeSettings, error) {
	o, err := s.ByCode(ctx, code)
	if err != nil {
		return nil, NoticeSettings{}, err
	}
	if err := MaySetNoticeSettings(actor, o); err != nil {
		return nil, NoticeSettings{}, err
	}
	n, err := NoticeSettingsOf(ctx, s.db.Reader(), o.ID)
	return o, n, err
}

// SetNoticeSettings changes them, audited in the same transaction.
func (s *Service) SetNoticeSettings(ctx context.Context, actor *zwfw.Actor, code string, n NoticeSettings) (NoticeSettings, error) {
	if err := n.Check(); err != nil {
		return n, err
	}
	err := s.setSetting(ctx, actor, code, MaySetNoticeSettings, "org.notice_settings", n, func(tx *db.Tx, o *Org) error {
		return PutNoticeSettings(ctx, tx, o.ID, actor.UserID, n, s.now())
	})
	return n, err
}

// setSetting is the shape every setting of an organisation shares: find it
// by code, ask may, then write it with put and its audit entry (event, the
// new value) in one transaction.
func (s *Service) setSetting(ctx context.Context, actor *zwfw.Actor, code string, may func(*zwfw.Actor, *Org) error,
	event string, value any, put func(tx *db.Tx, o *Org) error) error {
	o, err := s.ByCode(ctx, code)
	if err != nil {
		return err
	}
	if err := may(actor, o); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := put(tx, o); err != nil {
			return err
		}
		return audit.RecordFor(ctx, tx, o.ID, s.now(), actor, event, "org:"+o.Code, value)
	})
}

// PutNoticeSettings writes the settings of an organisation (the seed uses
// it directly).
func PutNoticeSettings(ctx context.Context, tx *db.Tx, orgID, by int64, n NoticeSettings, now time.Time) error {
	var who any
	if by != 0 {
		who = by
	}
	if n.Abbrev != "" {
		// One 代字, one issuer (00046): document numbers must tell the
		// issuing organisations apart.
		var holder string
		err := tx.QueryRow(ctx, `SELECT o.name FROM org_notice_settings s JOIN orgs o ON o.id = s.org_id
			WHERE s.abbrev = ? AND s.org_id <> ?`, n.Abbrev, orgID).Scan(&holder)
		if err == nil {
			var v zwfw.Invalid
			v.Add("abbrev", "机关代字“%s”已由%s使用：文号要能分辨出具机关，请另定代字", n.Abbrev, holder)
			return v.Err()
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("org: notice settings: abbrev holder: %w", err)
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO org_notice_settings (org_id, abbrev, review_body, court, pay_gateway, updated_by, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org_id) DO UPDATE SET abbrev = excluded.abbrev, review_body = excluded.review_body,
		court = excluded.court, pay_gateway = excluded.pay_gateway, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		orgID, n.Abbrev, n.ReviewBody, n.Court, n.Gateway, who, db.Millis(now))
	if err != nil {
		return fmt.Errorf("org: put notice settings: %w", err)
	}
	return nil
}
