// Package inquiry keeps the first-inquiry register (首问负责制度, 附件2（六）1):
// "首位接受来访、来电、来信的工作人员为首问责任人" — every visit, call, letter
// and online question is recorded with who answered first, the question, the
// answer or the referral (转办: "主动告知或引导到有关经办窗口", with the person
// told where to go and what to bring), and how long it took. A referral is a
// task the receiving window or department acknowledges (签收). Repeated
// questions become FAQ entries of the item's guide through the catalog's
// versioned change log. The package also keeps the applicants' accounts of
// their experience with an item (办事体验, experience.go; 实施方案二（三）
// "建立公众参与机制，鼓励引导群众分享办事经验").
package inquiry

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/pii"
	"zwfw/internal/throttle"
)

// Channels (来访、来电、来信 of 附件2（六）1, and 网上 for the online hall).
const (
	Visit  = "visit"
	Phone  = "phone"
	Letter = "letter"
	Online = "online"
)

// Channels lists the channels in display order.
var Channels = []string{Visit, Phone, Letter, Online}

var channelNames = map[string]string{Visit: "来访", Phone: "来电", Letter: "来信", Online: "网上"}

// ChannelName is the Chinese name of a channel ("" when unknown).
func ChannelName(c string) string { return channelNames[c] }

// States of a record.
const (
	Open     = "open"     // 待答复: an online question nobody answered yet
	Answered = "answered" // 已答复
	Referred = "referred" // 已转办
)

var statusNames = map[string]string{Open: "待答复", Answered: "已答复", Referred: "已转办"}

// StatusName is the Chinese name of a state.
func StatusName(s string) string { return statusNames[s] }

// Actions on a record, in display order.
const (
	ActAnswer      = "answer"
	ActRefer       = "refer"
	ActAcknowledge = "acknowledge"
	ActFAQ         = "faq"
)

// Actions lists the actions.
var Actions = []string{ActAnswer, ActRefer, ActAcknowledge, ActFAQ}

// Limits of the fields, in characters.
const (
	MaxQuestion = 1000
	MaxAnswer   = 2000
	MaxGuidance = 1000
	MaxName     = 40
)

// Inquiry is one record of the register (首问登记).
type Inquiry struct {
	ID          int64     `json:"id"`
	Channel     string    `json:"channel"`
	ChannelName string    `json:"channel_name"`
	OrgCode     string    `json:"org_code"` // who answered first: the window, department or centre
	OrgName     string    `json:"org_name"`
	StaffName   string    `json:"staff_name,omitempty"` // 首问责任人
	AskerName   string    `json:"asker_name,omitempty"` // masked (张*)
	AskerPhone  string    `json:"asker_phone,omitempty"`
	Question    string    `json:"question"`
	ItemCode    string    `json:"item_code,omitempty"`
	ItemName    string    `json:"item_name,omitempty"`
	Status      string    `json:"status"`
	StatusName  string    `json:"status_name"`
	Answer      string    `json:"answer,omitempty"`
	AnsweredBy  string    `json:"answered_by,omitempty"`
	AnsweredAt  time.Time `json:"answered_at,omitzero"`
	Seconds     int64     `json:"seconds"` // from the start to the answer or referral
	Referral    *Referral `json:"referral,omitempty"`
	FAQItem     string    `json:"faq_item,omitempty"` // the item whose FAQ it became
	FAQVersion  int       `json:"faq_version,omitempty"`
	FAQBy       string    `json:"faq_by,omitempty"`
	FAQAt       time.Time `json:"faq_at,omitzero"`
	Repeats     int       `json:"repeats"` // records of the same item and question (itself included)
	StartedAt   time.Time `json:"started_at"`
	CreatedAt   time.Time `json:"created_at"`
	Actions     []string  `json:"actions"` // what the reader may do now (Allowed)

	orgPath     string
	questionKey string
	phone       string // in clear, for the detail
}

// Referral is a referral (转办) and its acknowledgement (签收).
type Referral struct {
	FromCode     string    `json:"from_code"`
	FromName     string    `json:"from_name"`
	ToCode       string    `json:"to_code"`
	ToName       string    `json:"to_name"`
	Guidance     string    `json:"guidance"` // where to go and what to bring, as told
	ReferredBy   string    `json:"referred_by"`
	ReferredAt   time.Time `json:"referred_at"`
	Acknowledged bool      `json:"acknowledged"`
	AckBy        string    `json:"ack_by,omitempty"`
	AckAt        time.Time `json:"ack_at,omitzero"`
	Overdue      bool      `json:"overdue"` // not acknowledged within one working day
	StateName    string    `json:"state_name"`

	toPath string
	toID   int64
	toKind string
}

// Service keeps the register and the experiences.
type Service struct {
	db      *db.DB
	catalog *catalog.Service
	cal     *calendar.Calendar
	region  string // the deploying county: its centre takes general questions
	now     func() time.Time
	lookup  throttle.Limit
	ask     throttle.Limit
}

// New returns the Service.
func New(d *db.DB, cat *catalog.Service, cal *calendar.Calendar, region string, now func() time.Time) *Service {
	return &Service{db: d, catalog: cat, cal: cal, region: region, now: now,
		lookup: throttle.Limit{N: 20, Window: time.Hour}, ask: throttle.Limit{N: 10, Window: time.Hour}}
}

// SetLimits sets the failed lookups and the online questions allowed per
// client address (a zero Limit turns the check off).
func (s *Service) SetLimits(lookup, ask throttle.Limit) { s.lookup, s.ask = lookup, ask }

// Roles. Those who answer the public record and answer (窗口、部门、中心);
// supervisors and catalog administrators read within their subtree.
func recorder(a *zwfw.Actor) bool {
	return a != nil && a.Kind == zwfw.KindStaff && a.HasAny(zwfw.RoleWindow, zwfw.RoleReviewer, zwfw.RoleHallManager)
}

func reader(a *zwfw.Actor) bool {
	return recorder(a) || a != nil && a.Kind == zwfw.KindStaff && a.HasAny(zwfw.RoleSupervisor, zwfw.RoleCatalogAdmin)
}

// MayRecord says whether the actor records inquiries: window staff,
// department staff and centre managers.
func MayRecord(a *zwfw.Actor) error {
	if !recorder(a) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有窗口、部门工作人员和中心管理人员可以登记首问")
	}
	return nil
}

// MayRead says whether the actor reads the register at all (which records,
// the scope decides).
func MayRead(a *zwfw.Actor) error {
	if !reader(a) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "您的账户不能查看首问登记")
	}
	return nil
}

// sees reports whether the record lies in the actor's reach: the
// organisation that answered first, or the one it was referred to.
func sees(a *zwfw.Actor, q *Inquiry) bool {
	if !reader(a) {
		return false
	}
	return a.InScope(q.orgPath) || q.Referral != nil && a.InScope(q.Referral.toPath)
}

// receives reports whether the actor is of the receiving side of ref: the
// staff of the window it was referred to (and the managers of that
// window's centre), or of the department.
func receives(a *zwfw.Actor, ref *Referral) bool {
	if !recorder(a) || !a.InScope(ref.toPath) {
		return false
	}
	if ref.toKind == "window" {
		return a.WindowID == ref.toID || a.Has(zwfw.RoleHallManager)
	}
	return true
}

// MayAcknowledge says whether the actor may acknowledge (签收) the referral
// of record q: staff who record inquiries, of the receiving window or
// department — never the referring side or a supervisor — and only once.
func MayAcknowledge(a *zwfw.Actor, q *Inquiry) error {
	ref := q.Referral
	switch {
	case ref == nil:
		return zwfw.Errorf(zwfw.ECONFLICT, "首问登记 %d 没有转办，无需签收", q.ID)
	case !receives(a, ref):
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有接收转办的%s的工作人员可以签收", ref.ToName)
	case ref.Acknowledged:
		return zwfw.Errorf(zwfw.ECONFLICT, "转办已由 %s 于 %s 签收", ref.AckBy, ref.AckAt.In(db.Zone).Format("2006-01-02 15:04"))
	}
	return nil
}

// may is the one rule of the actions on a record.
func (s *Service) may(ctx context.Context, a *zwfw.Actor, q *Inquiry, action string) error {
	switch action {
	case ActAnswer, ActRefer:
		if !recorder(a) || !a.InScope(q.orgPath) {
			return zwfw.Errorf(zwfw.EFORBIDDEN, "只有首问窗口或部门的工作人员可以答复或转办")
		}
		if q.Status != Open {
			return zwfw.Errorf(zwfw.ECONFLICT, "首问登记 %d %s，不能再答复或转办", q.ID, StatusName(q.Status))
		}
		return nil
	case ActAcknowledge:
		return MayAcknowledge(a, q)
	case ActFAQ:
		if q.ItemCode == "" {
			return zwfw.Errorf(zwfw.ECONFLICT, "首问登记 %d 未关联事项，不能转为常见问题", q.ID)
		}
		if q.Status != Answered {
			return zwfw.Errorf(zwfw.ECONFLICT, "首问登记 %d 尚未答复，答复后才能转为常见问题", q.ID)
		}
		if q.FAQItem != "" {
			return zwfw.Errorf(zwfw.ECONFLICT, "首问登记 %d 已转为常见问题（第 %d 版）", q.ID, q.FAQVersion)
		}
		it, err := s.catalog.Resolve(ctx, q.ItemCode, q.orgPath) // the inquiry's county's item of a shared code
		if err != nil {
			return err
		}
		return s.catalog.MayEditItem(ctx, a, it)
	}
	return zwfw.Errorf(zwfw.ENOTFOUND, "操作“%s”不存在", action)
}

// Allowed lists the actions the actor may take on q now.
func (s *Service) Allowed(ctx context.Context, a *zwfw.Actor, q *Inquiry) []string {
	out := []string{}
	for _, act := range Actions {
		if s.may(ctx, a, q, act) == nil {
			out = append(out, act)
		}
	}
	return out
}

// Key normalises a question for counting repeats: letters and digits only,
// lower case (“怎么办理？” and “怎么办理” are the same question).
func Key(q string) string {
	var b strings.Builder
	for _, r := range q {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	k := b.String()
	if len(k) > 400 {
		k = k[:400]
	}
	return k
}

func runes(s string) int { return utf8.RuneCountInString(s) }

func queryCode() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	return fmt.Sprintf("%06d", n.Int64())
}

// maskName shows the first character of a name (张*, 王**; an
// enterprise's long name 宁**).
func maskName(n string) string {
	r := []rune(strings.TrimSpace(n))
	if len(r) <= 1 {
		return string(r)
	}
	return string(r[0]) + strings.Repeat("*", min(len(r)-1, 2))
}

// maskPhone shows the first 3 and last 4 digits.
func maskPhone(p string) string {
	r := []rune(p)
	if len(r) < 8 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}

// checkPhone accepts a mobile or fixed-line number (digits, '-', '+').
func checkPhone(v *zwfw.Invalid, p string) {
	if p == "" {
		return
	}
	if len(p) < 7 || len(p) > 20 || strings.Trim(p, "0123456789-+ ") != "" {
		v.Add("asker_phone", "联系电话“%s”格式不正确，请填写手机号码或固定电话", p)
	}
}

var sealPhone = pii.InquiryPhone
