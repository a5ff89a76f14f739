// Package complaint keeps the register of what the public says about the
// service: complaints, suggestions, inquiries and praise (投诉、建议、咨询、
// 表扬). The plan asks for "评价器、意见箱、电话回访、网上投诉等服务质量评价方式"
// (附件2（九）3) and that a complaint be recorded — "属举报或投诉的，应将反映
// 的事项、举报或投诉人姓名、联系电话等要素记录在册，并按有关规定及时处理"
// (附件2（六）1). They come from the public form, the 意见箱 tablet of a
// centre, or a staff member who took a call, a letter or a visit. Each gets
// a tracking number and a query code; a supervisor or the centre's manager
// assigns it to the department, centre or window that must answer, within
// working days the county sets; the answer goes to the complainant, who
// rates it once; an unsatisfied rating may be reopened once. An overdue one
// warns through the supervision scan (duty.go).
package complaint

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
	"zwfw/internal/notify"
	"zwfw/internal/pii"
	"zwfw/internal/throttle"
)

// Kinds. A complaint must be answered within the county's limit (5
// working days unless set); an inquiry sooner; a suggestion later; praise
// is passed on and has no deadline.
const (
	KindComplaint  = "complaint"  // 投诉
	KindSuggestion = "suggestion" // 建议
	KindInquiry    = "inquiry"    // 咨询
	KindPraise     = "praise"     // 表扬
)

// Kinds lists the kinds in display order.
var Kinds = []string{KindComplaint, KindSuggestion, KindInquiry, KindPraise}

var kindNames = map[string]string{KindComplaint: "投诉", KindSuggestion: "建议", KindInquiry: "咨询", KindPraise: "表扬"}

// KindName is the Chinese name of a kind ("" when unknown).
func KindName(k string) string { return kindNames[k] }

// DefaultDays are the working days each kind allows when neither the
// county nor the city set them; 0 is no deadline.
var DefaultDays = map[string]int{KindComplaint: 5, KindInquiry: 3, KindSuggestion: 15, KindPraise: 0}

// Category is what a complaint is about.
type Category struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Categories is the fixed list; each is a rule of the plan the public can
// hold the service to.
var Categories = []Category{
	{"attitude", "服务态度"},    // 附件2（七）5、6
	{"efficiency", "办事效率"},  // 限时办结，附件2（六）3
	{"fee", "收费"},           // 附件2（五）4
	{"material", "材料要求"},    // 一次性告知，附件2（六）2
	{"environment", "服务环境"}, // 附件2（二）
	{"other", "其他"},
}

// CategoryName is the Chinese name of a category ("" when unknown).
func CategoryName(c string) string {
	for _, x := range Categories {
		if x.Code == c {
			return x.Name
		}
	}
	return ""
}

// Channels: how it reached the centre.
const (
	ChannelOnline = "online" // 网上投诉
	ChannelBox    = "box"    // 意见箱 (the centre's tablet)
	ChannelPhone  = "phone"  // 电话
	ChannelLetter = "letter" // 来信
	ChannelVisit  = "visit"  // 来访
)

// StaffChannels are the channels a staff member registers.
var StaffChannels = []string{ChannelPhone, ChannelLetter, ChannelVisit}

var channelNames = map[string]string{ChannelOnline: "网上", ChannelBox: "意见箱", ChannelPhone: "电话", ChannelLetter: "来信", ChannelVisit: "来访"}

// ChannelName is the Chinese name of a channel.
func ChannelName(c string) string { return channelNames[c] }

// States.
const (
	Received = "received" // 待分派
	Assigned = "assigned" // 办理中
	Answered = "answered" // 已答复
	Rated    = "rated"    // 已评价
)

// States lists the states in order.
var States = []string{Received, Assigned, Answered, Rated}

var stateNames = map[string]string{Received: "待分派", Assigned: "办理中", Answered: "已答复", Rated: "已评价"}

// StateName is the Chinese name of a state.
func StateName(s string) string { return stateNames[s] }

// Ratings of an answer by the complainant.
const (
	Satisfied    = "satisfied"    // 满意
	Basic        = "basic"        // 基本满意
	Dissatisfied = "dissatisfied" // 不满意
)

// Ratings lists them in display order.
var Ratings = []string{Satisfied, Basic, Dissatisfied}

var ratingNames = map[string]string{Satisfied: "满意", Basic: "基本满意", Dissatisfied: "不满意"}

// RatingName is the Chinese name of a rating ("未评价" for none).
func RatingName(r string) string {
	if r == "" {
		return "未评价"
	}
	return ratingNames[r]
}

// Complaint is one entry of the register.
type Complaint struct {
	ID           int64     `json:"-"`
	Number       string    `json:"number"`
	Kind         string    `json:"kind"`
	KindName     string    `json:"kind_name"`
	Category     string    `json:"category"`
	CategoryName string    `json:"category_name"`
	Channel      string    `json:"channel"`
	ChannelName  string    `json:"channel_name"`
	Subject      string    `json:"subject"`
	Body         string    `json:"body"`
	Anonymous    bool      `json:"anonymous"`
	ContactName  string    `json:"contact_name,omitempty"`  // masked unless the reader handles it
	ContactPhone string    `json:"contact_phone,omitempty"` // masked
	OrgCode      string    `json:"org_code"`
	OrgName      string    `json:"org_name"`
	CaseSerial   string    `json:"case_serial,omitempty"`
	State        string    `json:"state"`
	StateName    string    `json:"state_name"`
	UnitCode     string    `json:"unit_code,omitempty"`
	UnitName     string    `json:"unit_name,omitempty"`
	AssignedBy   string    `json:"assigned_by,omitempty"`
	AssignedAt   time.Time `json:"assigned_at,omitzero"`
	Deadline     string    `json:"deadline,omitempty"`
	Overdue      bool      `json:"overdue"`
	Answer       string    `json:"answer,omitempty"`
	AnsweredBy   string    `json:"answered_by,omitempty"`
	AnsweredAt   time.Time `json:"answered_at,omitzero"`
	Rating       string    `json:"rating,omitempty"`
	RatingName   string    `json:"rating_name"`
	Reopened     int       `json:"reopened"`
	RegisteredBy string    `json:"registered_by,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	Version      int       `json:"version"`
	Events       []Event   `json:"events,omitempty"`
	// Actions are what the reader may do now (the domain's answer).
	Actions []string `json:"actions,omitempty"`

	OrgPath, UnitPath                     string `json:"-"`
	UnitID, UserID, RegByID, AssignedByID int64  `json:"-"`
	phone                                 string // in clear, for the notes
}

// Event is one step of a complaint's life.
type Event struct {
	Action     string    `json:"action"`
	ActionName string    `json:"action_name"`
	Text       string    `json:"text,omitempty"`
	ActorName  string    `json:"actor_name"`
	At         time.Time `json:"at"`
}

// Input is a complaint as the public form, the 意见箱 or a staff member
// enters it. Org is the code of the centre (or region) it is filed at; Case
// a case serial it is about.
type Input struct {
	Kind      string `json:"kind"`
	Category  string `json:"category"`
	Channel   string `json:"channel,omitempty"` // staff: phone, letter or visit
	Org       string `json:"org"`
	Case      string `json:"case,omitempty"`
	Subject   string `json:"subject"`
	Body      string `json:"body"`
	Anonymous bool   `json:"anonymous"`
	Name      string `json:"name,omitempty"`
	Phone     string `json:"phone,omitempty"`
}

// Receipt is what the complainant is given: the number and the query code.
type Receipt struct {
	Number    string `json:"number"`
	QueryCode string `json:"query_code"`
	Deadline  string `json:"deadline,omitempty"`
	Kind      string `json:"kind_name"`
}

// Service keeps the register.
type Service struct {
	db     *db.DB
	cal    *calendar.Calendar
	now    func() time.Time
	submit throttle.Limit
	lookup throttle.Limit
}

// New returns the register over d.
func New(d *db.DB, cal *calendar.Calendar, now func() time.Time) *Service {
	return &Service{db: d, cal: cal, now: now}
}

// DefaultSubmitLimit is the submissions one client address may make when
// SetSubmitLimit was not called: the hall's tablet is one address, so it
// allows a busy morning.
var DefaultSubmitLimit = throttle.Limit{N: 30, Window: 10 * time.Minute}

// DefaultLookupLimit is the failed lookups per client address
// (ZWFW_LOOKUP_LIMIT, as the case lookup).
var DefaultLookupLimit = throttle.Limit{N: 20, Window: time.Hour}

// SetSubmitLimit sets the public submissions allowed per client address.
func (s *Service) SetSubmitLimit(l throttle.Limit) { s.submit = l }

// SetLookupLimit sets the failed lookups allowed per client address.
func (s *Service) SetLookupLimit(l throttle.Limit) { s.lookup = l }

const (
	submitKey = "complaint:submit:addr:" // + throttle.Addr
	lookupKey = "complaint:lookup:addr:"
)

var phoneRE = regexp.MustCompile(`^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$`)

// check validates an input and normalises it; staff says whether a staff
// member registers it (who gives the channel).
func check(in *Input, staff bool) error {
	var v zwfw.Invalid
	in.Kind, in.Category, in.Channel = strings.TrimSpace(in.Kind), strings.TrimSpace(in.Category), strings.TrimSpace(in.Channel)
	in.Subject, in.Body = strings.TrimSpace(in.Subject), strings.TrimSpace(in.Body)
	in.Name, in.Phone = strings.TrimSpace(in.Name), strings.ReplaceAll(strings.TrimSpace(in.Phone), " ", "")
	in.Org, in.Case = strings.TrimSpace(in.Org), strings.ToUpper(strings.TrimSpace(in.Case))
	if KindName(in.Kind) == "" {
		v.Add("kind", "请选择类别：投诉、建议、咨询或表扬")
	}
	if CategoryName(in.Category) == "" {
		v.Add("category", "请选择所涉方面（服务态度、办事效率、收费、材料要求、服务环境或其他）")
	}
	if staff {
		if in.Channel != ChannelPhone && in.Channel != ChannelLetter && in.Channel != ChannelVisit {
			v.Add("channel", "请选择收到的方式：电话、来信或来访")
		}
	}
	if in.Subject == "" {
		v.Add("subject", "请填写标题（一句话说明反映的事项）")
	} else if utf8.RuneCountInString(in.Subject) > 50 {
		v.Add("subject", "标题不能超过 50 字")
	}
	if n := utf8.RuneCountInString(in.Body); n < 5 {
		v.Add("body", "请填写具体内容（至少 5 个字）：何时、何地、何事")
	} else if n > 2000 {
		v.Add("body", "具体内容不能超过 2000 字")
	}
	if in.Org == "" {
		v.Add("org", "请选择反映的服务中心")
	}
	if in.Anonymous {
		in.Name = ""
	} else if in.Name == "" {
		v.Add("name", "实名反映请填写姓名；不愿留名请勾选“匿名”")
	} else if utf8.RuneCountInString(in.Name) > 30 {
		v.Add("name", "姓名不能超过 30 字")
	}
	if in.Phone == "" && !in.Anonymous && !staff {
		v.Add("phone", "请填写联系电话，以便答复您")
	} else if in.Phone != "" && !phoneRE.MatchString(in.Phone) {
		v.Add("phone", "联系电话“%s”格式不正确，应为 11 位手机号或带区号的固定电话", in.Phone)
	}
	if in.Case != "" && len(in.Case) > 40 {
		v.Add("case", "办件编号格式不正确")
	}
	return v.Err()
}

// where is the organisation a complaint is filed at, and the case it names.
type where struct {
	orgID   int64
	orgPath string
	caseID  int64
}

// resolve finds the organisation and the case of an input; staff must hold
// both in scope (the public may name any active centre or region, and a
// case that exists).
func (s *Service) resolve(ctx context.Context, q db.Querier, actor *zwfw.Actor, in Input) (where, error) {
	var w where
	var v zwfw.Invalid
	var kind string
	var active bool
	err := q.QueryRow(ctx, "SELECT id, path, kind, active FROM orgs WHERE code = ?", in.Org).Scan(&w.orgID, &w.orgPath, &kind, &active)
	switch {
	case err != nil || !active || (kind != "centre" && kind != "county" && kind != "town" && kind != "city"):
		v.Add("org", "服务中心“%s”不存在", in.Org)
	case actor != nil && actor.Kind == zwfw.KindStaff && !actor.InScope(w.orgPath):
		v.Add("org", "服务中心“%s”不在您的管理范围内", in.Org)
	}
	if in.Case != "" {
		var cpath, dpath string
		err := q.QueryRow(ctx, "SELECT id, org_path, dept_path FROM cases WHERE serial = ?", in.Case).Scan(&w.caseID, &cpath, &dpath)
		if err != nil {
			v.Add("case", "办件编号“%s”不存在，请核对（可在“办件查询”中查到）", in.Case)
		} else if actor != nil && actor.Kind == zwfw.KindStaff && !actor.InScope(cpath) && !actor.InScope(dpath) {
			v.Add("case", "办件“%s”不在您的管理范围内", in.Case)
		}
	}
	return w, v.Err()
}

// Submit files a complaint from the public form or a centre's 意见箱
// (channel online or box) for a client at addr, within the address's
// allowance. actor is the signed-in applicant, or nil.
func (s *Service) Submit(ctx context.Context, actor *zwfw.Actor, channel string, in Input, addr string) (*Receipt, error) {
	if channel != ChannelOnline && channel != ChannelBox {
		return nil, zwfw.Errorf(zwfw.EINVALID, "渠道“%s”无效", channel)
	}
	if actor != nil && actor.IsStaff() {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "工作人员请在工作台“投诉建议”中登记来电、来信、来访")
	}
	in.Channel = channel
	if err := check(&in, false); err != nil {
		return nil, err
	}
	limit := s.submit
	if limit == (throttle.Limit{}) {
		limit = DefaultSubmitLimit
	}
	if !limit.Off() {
		if err := s.db.InTx(ctx, func(tx *db.Tx) error {
			_, err := throttle.Take(ctx, tx, submitKey+throttle.Addr(addr), limit, s.now(), "提交过于频繁，请稍后再试；也可拨打投诉电话或请大厅导办人员帮助")
			return err
		}); err != nil {
			return nil, err
		}
	}
	return s.file(ctx, actor, in)
}

// MayRegister says whether the actor registers complaints received by
// phone, letter or visit: staff who serve the public or supervise them.
func MayRegister(a *zwfw.Actor) error {
	if a == nil {
		return zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if a.Kind != zwfw.KindStaff || !a.HasAny(zwfw.RoleWindow, zwfw.RoleReviewer, zwfw.RoleSupervisor, zwfw.RoleHallManager) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有窗口、审核、电子监察人员和大厅管理员可以登记投诉建议")
	}
	return nil
}

// Register records a complaint a staff member received by phone, letter
// or visit (首问负责: the first to take it records it, 附件2（六）1).
func (s *Service) Register(ctx context.Context, actor *zwfw.Actor, in Input) (*Receipt, error) {
	if err := MayRegister(actor); err != nil {
		return nil, err
	}
	if err := check(&in, true); err != nil {
		return nil, err
	}
	return s.file(ctx, actor, in)
}

// file stores a checked input: the number, the code, the deadline, the
// first event, the audit entry and the acknowledgement, in one transaction.
func (s *Service) file(ctx context.Context, actor *zwfw.Actor, in Input) (*Receipt, error) {
	w, err := s.resolve(ctx, s.db.Reader(), actor, in)
	if err != nil {
		return nil, err
	}
	now := s.now()
	deadline, err := s.deadline(ctx, w.orgPath, in.Kind, now)
	if err != nil {
		return nil, err
	}
	staff := actor != nil && actor.Kind == zwfw.KindStaff
	var userID, regBy int64
	if actor != nil && !staff && actor.Kind != zwfw.KindSystem {
		userID = actor.UserID
	}
	if staff {
		regBy = actor.UserID
	}
	code := queryCode()
	ring := pii.Of(s.db)
	var rc Receipt
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		day := now.In(db.Zone).Format("20060102")
		n, err := tx.Next(ctx, "complaint:"+day)
		if err != nil {
			return err
		}
		number := fmt.Sprintf("TS%s%04d", day, n)
		id, err := db.InsertID(ctx, tx, `INSERT INTO complaints (number, query_code, kind, category, channel, subject, body, anonymous,
			contact_name, contact_phone, user_id, org_id, org_path, case_id, case_serial, state, deadline, registered_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			number, code, in.Kind, in.Category, in.Channel, in.Subject, in.Body, in.Anonymous,
			sealOrEmpty(ring, NameCol, in.Name), sealOrEmpty(ring, PhoneCol, in.Phone), optID(userID), w.orgID, w.orgPath,
			optID(w.caseID), caseSerial(w.caseID, in.Case), Received, deadline, optID(regBy), db.Millis(now))
		if err != nil {
			return fmt.Errorf("complaint: file: %w", err)
		}
		text := fmt.Sprintf("%s（%s）：%s", KindName(in.Kind), ChannelName(in.Channel), in.Subject)
		if err := event(ctx, tx, id, "file", text, actor, now); err != nil {
			return err
		}
		// No phone or name in the audit entry: the register holds them sealed.
		if err := audit.Record(ctx, tx, now, actor, "complaint.file", "complaint:"+number,
			map[string]any{"kind": in.Kind, "category": in.Category, "channel": in.Channel, "org": in.Org, "case": in.Case, "anonymous": in.Anonymous}); err != nil {
			return err
		}
		rc = Receipt{Number: number, QueryCode: code, Deadline: deadline, Kind: KindName(in.Kind)}
		if in.Phone != "" || userID != 0 {
			body := fmt.Sprintf("您反映的%s已登记，编号 %s，查询码 %s。请凭编号和查询码查询办理情况和答复。", KindName(in.Kind), number, code)
			if err := notify.Enqueue(ctx, tx, now, notify.Note{UserID: userID, Phone: in.Phone, Subject: "投诉建议已受理", Body: body}); err != nil {
				return err
			}
		}
		// The centre's managers hear of a new one to assign.
		mgrs, err := managersOf(ctx, tx, w.orgPath)
		if err != nil {
			return err
		}
		var notes []notify.Note
		for _, u := range mgrs {
			notes = append(notes, notify.Note{UserID: u, Subject: "新的" + KindName(in.Kind) + "待分派：" + number, Body: in.Subject})
		}
		return notify.EnqueueAll(ctx, tx, now, notes)
	})
	if err != nil {
		return nil, err
	}
	return &rc, nil
}

func caseSerial(id int64, serial string) string {
	if id == 0 {
		return ""
	}
	return serial
}

// The sealed columns (pii.Columns lists them for the rotation).
var (
	NameCol  = pii.ComplaintName
	PhoneCol = pii.ComplaintPhone
)

func sealOrEmpty(r *pii.Ring, c pii.Column, v string) string {
	if v == "" {
		return ""
	}
	return r.Seal(c.Label(), v)
}

func queryCode() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	return fmt.Sprintf("%06d", n.Int64())
}

func optID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// deadline is the last working day of a kind's limit from at, at path ("":
// none).
func (s *Service) deadline(ctx context.Context, path, kind string, at time.Time) (string, error) {
	days, err := s.daysAt(ctx, s.db.Reader(), path, kind)
	if err != nil || days == 0 {
		return "", err
	}
	d, err := s.cal.AddWorkdays(ctx, path, at, days)
	if err != nil {
		return "", err
	}
	return d.Format(calendar.DateLayout), nil
}

func event(ctx context.Context, tx *db.Tx, id int64, action, text string, actor *zwfw.Actor, at time.Time) error {
	name, uid := "公众", int64(0)
	if actor != nil {
		name, uid = actor.Name, actor.UserID
		if name == "" {
			name = actor.Username
		}
		if actor.Kind != zwfw.KindStaff && actor.Kind != zwfw.KindSystem {
			name = "投诉人"
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO complaint_events (complaint_id, action, body, actor_id, actor_name, at) VALUES (?, ?, ?, ?, ?, ?)`,
		id, action, text, optID(uid), name, db.Millis(at))
	if err != nil {
		return fmt.Errorf("complaint: event: %w", err)
	}
	return nil
}
