package casework

// Paying a fee online (issue 12 item 5). After the 缴款通知书 the applicant
// pays through the payment gateway of the collecting unit (the case's
// centre): the gateway takes an order and sends the payer to its page; it
// reports the payment back in a signed callback, the one the bank window's
// platform already uses (POST /api/v1/payments/callback). The money never
// passes a window (收缴分离, attachment 2 (5)4), and the cashier's
// confirmation at the bank window stays: both end in ActConfirmPayment.

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"zwfw"
	"zwfw/internal/org"
)

// PaymentGateway is an online payment platform a collecting unit uses.
type PaymentGateway interface {
	// Kind is the gateway's kind: org.GatewayDemo or org.GatewayBank.
	Kind() string
	// Order starts paying a fee and returns the address to send the payer
	// to.
	Order(o PaymentOrder) (string, error)
	// Verify reports whether sig is the gateway's signature of body.
	Verify(body []byte, sig string) bool
}

// PaymentOrder is what a gateway is asked to collect.
type PaymentOrder struct {
	Serial   string // the case
	NoticeNo string // the 缴款通知书's number
	Amount   int64  // fen
	Item     string
}

// PaymentCallback is what a gateway reports, signed: hex HMAC-SM3 of the
// raw body under the gateway's key.
type PaymentCallback struct {
	Serial      string `json:"serial"`
	Reference   string `json:"reference"`    // the platform's transaction number
	AmountCents int64  `json:"amount_cents"` // what was paid, in fen
	Timestamp   int64  `json:"timestamp"`    // when the platform sent this, Unix seconds
}

// CallbackSkew is how far a callback's timestamp may be from our clock; an
// older one is refused, so that a captured callback cannot be replayed later.
const CallbackSkew = 5 * time.Minute

// hmacKey signs and checks callbacks.
type hmacKey []byte

func (k hmacKey) sign(body []byte) string {
	m := hmac.New(sm3.New, k)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func (k hmacKey) Verify(body []byte, sig string) bool {
	got, err := hex.DecodeString(strings.TrimSpace(sig))
	if err != nil || len(got) == 0 || len(k) == 0 {
		return false
	}
	m := hmac.New(sm3.New, k)
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

// BankGateway is the bank's platform: it signs its callbacks with the key
// in ZWFW_PAYMENT_SECRET (kept out of the repository and the database).
// The bank's order page is theirs; the payer reaches it from the bank's
// own channels with the 缴款通知书 number.
type BankGateway struct{ hmacKey }

// Kind is org.GatewayBank.
func (BankGateway) Kind() string { return org.GatewayBank }

// Order: the bank's platform takes orders by the notice number on its own
// site, which this deployment has not been given.
func (BankGateway) Order(o PaymentOrder) (string, error) {
	return "", zwfw.Errorf(zwfw.ECONFLICT, "请通过银行网上缴费渠道输入缴款通知书编号 %s 缴纳，或到银行收费窗口缴费", o.NoticeNo)
}

// DemoGateway is the local simulator (演示): its page, served by this
// program, lets whoever tries the platform pay or cancel, and pays by
// sending the gateway's signed callback. Its key is made at start and never
// leaves the process: no one outside can forge its callbacks.
type DemoGateway struct{ hmacKey }

// NewDemoGateway makes the simulator with a fresh random key.
func NewDemoGateway() *DemoGateway {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic(err)
	}
	return &DemoGateway{hmacKey(k)}
}

// Kind is org.GatewayDemo.
func (*DemoGateway) Kind() string { return org.GatewayDemo }

// DemoPayPath is the simulator's page for a case.
func DemoPayPath(serial string) string { return "/pay/demo/" + url.PathEscape(serial) }

// Order sends the payer to the simulator's page.
func (*DemoGateway) Order(o PaymentOrder) (string, error) { return DemoPayPath(o.Serial), nil }

// Callback is the signed callback the simulator sends when the payer pays.
func (g *DemoGateway) Callback(serial string, amount int64, now time.Time) (body []byte, sig string) {
	ref := fmt.Sprintf("DEMO%s%04d", now.Format("20060102150405"), now.Nanosecond()/100000)
	body, _ = json.Marshal(PaymentCallback{Serial: serial, Reference: ref, AmountCents: amount, Timestamp: now.Unix()})
	return body, g.sign(body)
}

type payments struct {
	bank        PaymentGateway // nil: no key set
	demo        *DemoGateway
	demoDefault bool // ZWFW_DEMO: units that chose nothing use the simulator
}

// SetPayments configures the gateways: the bank's (its key; none when
// empty) and whether the simulator is every unit's default (demo mode). The
// simulator is always there for a unit whose administrator chooses it.
func (s *Service) SetPayments(bankKey []byte, demo bool) {
	p := &payments{demo: NewDemoGateway(), demoDefault: demo}
	if len(bankKey) > 0 {
		p.bank = BankGateway{hmacKey(bankKey)}
	}
	s.pay.Store(p)
}

func (s *Service) payConf() *payments {
	if p := s.pay.Load(); p != nil {
		return p
	}
	return &payments{}
}

// PaymentsOn reports whether any gateway is configured (SetPayments was
// called): without one the callback has nothing to check a signature with.
func (s *Service) PaymentsOn() bool { return s.pay.Load() != nil }

// DemoGateway is the simulator, for its page.
func (s *Service) DemoGateway() *DemoGateway { return s.payConf().demo }

// gatewayOf is the gateway of the collecting unit with id: its
// administrator's choice, else the bank's when its key is set, else the
// simulator in demo mode; nil when it collects at the bank window only.
func (s *Service) gatewayOf(ctx context.Context, orgID int64) (PaymentGateway, error) {
	set, err := org.NoticeSettingsOf(ctx, s.db.Reader(), orgID)
	if err != nil {
		return nil, err
	}
	p := s.payConf()
	switch set.Gateway {
	case org.GatewayOff:
		return nil, nil
	case org.GatewayDemo:
		if p.demo != nil {
			return p.demo, nil
		}
		return nil, nil
	case org.GatewayBank:
		return p.bank, nil
	}
	if p.bank != nil {
		return p.bank, nil
	}
	if p.demoDefault && p.demo != nil {
		return p.demo, nil
	}
	return nil, nil
}

// OnlinePayment says how the actor may pay the case's fee online now: the
// gateway's kind, or "" when they may not (not theirs, nothing due, or the
// unit collects at the bank window only). The pages offer 网上缴费 by it.
func (s *Service) OnlinePayment(ctx context.Context, actor *zwfw.Actor, c *Case) string {
	if mayPayOnline(actor, c) != nil {
		return ""
	}
	gw, err := s.gatewayOf(ctx, c.OrgID)
	if err != nil || gw == nil {
		return ""
	}
	return gw.Kind()
}

func mayPayOnline(actor *zwfw.Actor, c *Case) error {
	switch {
	case actor == nil:
		return zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	case c.ApplicantID == 0 || c.ApplicantID != actor.UserID:
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有申请人本人可以网上缴纳本办件的费用")
	case c.Status != AwaitingPayment || c.Payment == nil || c.Payment.State != "unpaid":
		return zwfw.Errorf(zwfw.ECONFLICT, "办件 %s 现在没有待缴的费用", c.Serial)
	}
	return nil
}

// PayOnline starts paying the case's fee online for its applicant: the
// address of the gateway's page.
func (s *Service) PayOnline(ctx context.Context, actor *zwfw.Actor, serial string) (string, error) {
	c, err := s.Get(ctx, actor, serial)
	if err != nil {
		return "", err
	}
	if err := mayPayOnline(actor, c); err != nil {
		return "", err
	}
	gw, err := s.gatewayOf(ctx, c.OrgID)
	if err != nil {
		return "", err
	}
	if gw == nil {
		return "", zwfw.Errorf(zwfw.ECONFLICT, "%s未开通网上缴费：请凭缴款通知书（编号 %s）到银行收费窗口缴费", c.OrgName, c.Payment.NoticeNo)
	}
	return gw.Order(PaymentOrder{Serial: c.Serial, NoticeNo: c.Payment.NoticeNo, Amount: c.Payment.Amount, Item: c.ItemName})
}

// ConfirmOnline applies a callback of a payment gateway, raw as received
// with its signature. The signature is checked before anything in the body
// is believed, by a gateway this platform has; the case's unit must use
// that gateway; the timestamp must be recent; the amount must be the case's
// fee. A forged, altered, stale or foreign callback is refused and changes
// nothing. The same callback again is answered with the case as it is (the
// platform may retry); another payment of a paid fee is a conflict.
func (s *Service) ConfirmOnline(ctx context.Context, raw []byte, sig string) (*Case, error) {
	p := s.payConf()
	var gws []PaymentGateway
	if p.bank != nil {
		gws = append(gws, p.bank)
	}
	if p.demo != nil {
		gws = append(gws, p.demo)
	}
	var by PaymentGateway
	for _, gw := range gws {
		if gw.Verify(raw, sig) {
			by = gw
			break
		}
	}
	if by == nil {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "支付回调签名无效：X-Signature 应为请求正文的 HMAC-SM3（十六进制）")
	}
	var in PaymentCallback
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, zwfw.Errorf(zwfw.EBADREQUEST, "支付回调不是有效的 JSON：%v", err)
	}
	if in.Timestamp == 0 {
		return nil, invalid("timestamp", "缺少发送时间 timestamp（Unix 秒）")
	}
	if d := s.now().Sub(time.Unix(in.Timestamp, 0)); d > CallbackSkew || d < -CallbackSkew {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "支付回调的时间戳与平台时间相差超过 %d 分钟，拒绝处理（防止重放）", int(CallbackSkew.Minutes()))
	}
	in.Serial, in.Reference = strings.TrimSpace(in.Serial), strings.TrimSpace(in.Reference)
	if in.Serial == "" {
		return nil, invalid("serial", "缺少办件编号 serial")
	}
	c, err := s.Get(ctx, zwfw.System, in.Serial)
	if err != nil {
		return nil, err
	}
	if gw, err := s.gatewayOf(ctx, c.OrgID); err != nil {
		return nil, err
	} else if gw == nil || gw.Kind() != by.Kind() {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "办件 %s 的收费单位不使用这个支付平台，回调不予处理", c.Serial)
	}
	if appliedBefore(c, in) {
		return c, nil
	}
	if pm := c.Payment; pm != nil && pm.State == "paid" {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "办件 %s 的费用已缴纳（凭证号 %s），不能重复确认", c.Serial, pm.Reference)
	}
	if err := Check(zwfw.System, c, ActConfirmPayment); err != nil {
		return nil, err // the machine decides whether a fee is due now
	}
	if in.AmountCents != c.FeeCents {
		return nil, invalid("amount_cents", "支付金额 %s 与办件 %s 的应缴金额 %s 不符", Yuan(in.AmountCents), c.Serial, Yuan(c.FeeCents))
	}
	// The version pins the confirmation to the case whose fee was checked.
	done, err := s.Act(ctx, zwfw.System, c.Serial, ActConfirmPayment, ActionInput{Version: c.Version, Reference: in.Reference})
	if zwfw.ErrorCode(err) == zwfw.ECONFLICT {
		// The same callback delivered twice at once: the other delivery
		// won, and this one is answered as a repeat.
		if again, gerr := s.Get(ctx, zwfw.System, c.Serial); gerr == nil && appliedBefore(again, in) {
			return again, nil
		}
	}
	if err != nil {
		return nil, err
	}
	return done, nil
}

// appliedBefore reports whether the case's fee was already paid by this very
// callback (same reference and amount).
func appliedBefore(c *Case, in PaymentCallback) bool {
	p := c.Payment
	return p != nil && p.State == "paid" && p.Reference == in.Reference && p.Amount == in.AmountCents
}

// payHolder keeps the payment configuration swappable at run time.
type payHolder = atomic.Pointer[payments]

// DemoCase is the case the simulator's page shows its payer: theirs, with a
// fee due, at a unit that pays through the simulator.
func (s *Service) DemoCase(ctx context.Context, actor *zwfw.Actor, serial string) (*Case, error) {
	c, err := s.Get(ctx, actor, serial)
	if err != nil {
		return nil, err
	}
	if err := mayPayOnline(actor, c); err != nil {
		return nil, err
	}
	if s.OnlinePayment(ctx, actor, c) != org.GatewayDemo {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "%s不使用演示支付", c.OrgName)
	}
	return c, nil
}

// DemoPay is the simulator's 确认支付: it sends the simulator's signed
// callback for the case's fee through ConfirmOnline — the same check and
// the same confirmation as any platform's callback.
func (s *Service) DemoPay(ctx context.Context, actor *zwfw.Actor, serial string) (*Case, error) {
	c, err := s.DemoCase(ctx, actor, serial)
	if err != nil {
		return nil, err
	}
	body, sig := s.payConf().demo.Callback(c.Serial, c.Payment.Amount, s.now())
	return s.ConfirmOnline(ctx, body, sig)
}
