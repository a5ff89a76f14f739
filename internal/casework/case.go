// Package casework is the whole life of a case (办件, §2(3), attachment 2
// (5)): application online or at a window, online pre-review with one
// supplement notice, acceptance with its written notices, the four kinds
// (四件管理: 即办件, 承诺件, 联办件, 上报件), working-day deadlines with
// suspensions and approved extensions (限时办结), decision, fees paid only at
// the bank window (收缴分离), completion, delivery, archive, evaluation and
// withdrawal. Every transition is one row of one table (machine), checked in
// one place (Check, and Allowed for the list the pages and the API offer)
// and applied in one transaction together with its step, notices, audit
// entry and notifications.
package casework

import (
	"time"

	"zwfw/internal/catalog"
)

// Statuses of a case.
const (
	Submitted          = "submitted"
	SupplementRequired = "supplement_required"
	Accepted           = "accepted"
	Rejected           = "rejected"
	InProgress         = "in_progress"
	Suspended          = "suspended"
	Approved           = "approved"
	Denied             = "denied"
	AwaitingPayment    = "awaiting_payment"
	Completed          = "completed"
	Delivered          = "delivered"
	Archived           = "archived"
	Withdrawn          = "withdrawn"
)

var statusNames = map[string]string{
	Submitted: "待受理", SupplementRequired: "待补正", Accepted: "已受理", Rejected: "不予受理",
	InProgress: "办理中", Suspended: "特别程序中", Approved: "已批准", Denied: "不予批准",
	AwaitingPayment: "待缴费", Completed: "已办结", Delivered: "已送达", Archived: "已归档", Withdrawn: "已撤回",
}

// StatusName is the Chinese name of a status.
func StatusName(s string) string { return statusNames[s] }

// Statuses lists every status in lifecycle order.
var Statuses = []string{Submitted, SupplementRequired, Accepted, Rejected, InProgress, Suspended, Approved, Denied,
	AwaitingPayment, Completed, Delivered, Archived, Withdrawn}

// Open reports whether a case is still running against its deadline.
func Open(status string) bool {
	switch status {
	case Accepted, InProgress, Suspended, Approved, AwaitingPayment:
		return true
	}
	return false
}

// Channels of application.
const (
	ChannelOnline = "online" // 网上申请
	ChannelWindow = "window" // 窗口申请
)

// Special procedures that stop the clock (行政许可法 §45; attachment 2 (5)3).
var SuspensionKinds = map[string]string{
	"site_survey": "现场踏勘", "inspection": "检验检测检疫", "collective": "集体讨论",
	"expert": "专家论证", "hearing": "听证", "supplement": "等待补正", "other": "其他特别程序",
}

// Evaluation levels (好差评, GB/T 39735): stored as 1 非常满意 … 5 非常不满意
// (GB/T 39046's direction); converted at each interface.
var Levels = []string{"", "非常满意", "满意", "基本满意", "不满意", "非常不满意"}

// LevelCode reads a level given as 1–5 or as its Chinese name.
func LevelCode(s string) int {
	for i, n := range Levels {
		if i > 0 && (n == s || string(rune('0'+i)) == s) {
			return i
		}
	}
	return 0
}

// Case is one application (办件).
type Case struct {
	ID           int64        `json:"-"`
	Serial       string       `json:"serial"`
	Status       string       `json:"status"`
	StatusName   string       `json:"status_name"`
	Kind         string       `json:"kind"`
	KindName     string       `json:"kind_name"`
	ItemCode     string       `json:"item_code"`
	ItemVersion  int          `json:"item_version"`
	ItemName     string       `json:"item_name"`
	OrgCode      string       `json:"org_code"`
	OrgName      string       `json:"org_name"`
	DeptCode     string       `json:"dept_code"`
	DeptName     string       `json:"dept_name"`
	HandlerCode  string       `json:"handler_code,omitempty"`
	HandlerName  string       `json:"handler_name,omitempty"`
	Channel      string       `json:"channel"`
	Applicant    Applicant    `json:"applicant"`
	Form         Form         `json:"form"`
	Decision     string       `json:"decision,omitempty"`
	Version      int          `json:"version"`
	PromisedDays int          `json:"promised_days"`
	ExtendedDays int          `json:"extended_days,omitempty"`
	Deadline     string       `json:"deadline,omitempty"`
	Due          *Due         `json:"due,omitempty"` // where it stands against the deadline today, while it runs
	FeeCents     int64        `json:"fee_cents,omitempty"`
	Paid         bool         `json:"paid,omitempty"`
	Result       *Result      `json:"result,omitempty"`
	Delivery     *Delivery    `json:"delivery,omitempty"`
	QueryCode    string       `json:"query_code"` // with the serial, opens the public progress page; printed on the notices
	SubmittedAt  time.Time    `json:"submitted_at"`
	AcceptedAt   time.Time    `json:"accepted_at,omitzero"`
	DecidedAt    time.Time    `json:"decided_at,omitzero"`
	CompletedAt  time.Time    `json:"completed_at,omitzero"`
	UpdatedAt    time.Time    `json:"updated_at"`
	Steps        []Step       `json:"steps"`
	Materials    []Material   `json:"materials"`
	Notices      []Notice     `json:"notices"`
	Tasks        []Task       `json:"tasks,omitempty"`
	Suspensions  []Suspension `json:"suspensions,omitempty"`
	Extensions   []Extension  `json:"extensions,omitempty"`
	Payment      *Payment     `json:"payment,omitempty"`
	Evaluations  []Evaluation `json:"evaluations,omitempty"`
	Actions      []Action     `json:"actions"`           // what the reader may do to the case now (Allowed)
	Outcome      *Outcome     `json:"outcome,omitempty"` // what the applicant is told (OutcomeOf)
	Forward      *Forward     `json:"forward,omitempty"` // where the case crossed platforms (remote.go)

	// ProjectCode is the 全国投资项目统一代码 of a case concerning an
	// investment project (project.go); empty for other cases.
	ProjectCode string `json:"project_code,omitempty"`

	OrgID, DeptID, HandlerID int64  `json:"-"`
	OrgPath, DeptPath        string `json:"-"`
	HandlerPath              string `json:"-"`
	ApplicantID              int64  `json:"-"`
	extras                   int
	WindowID                 int64         `json:"-"`
	Day                      string        `json:"-"`
	CompletedOn              string        `json:"-"` // completion date, YYYY-MM-DD
	HandledDays              int           `json:"-"` // working days from acceptance to completion
	item                     *catalog.Item // the item version the case was filed under
}

// Applicant is who applied. Ident is the ID number or credit code; it leaves
// the platform masked unless the full value is needed.
type Applicant struct {
	Kind  string `json:"kind"` // person or enterprise
	Name  string `json:"name"`
	Ident string `json:"ident"`
	Phone string `json:"phone"`
}

// Form is what the applicant filled in.
type Form struct {
	Description string            `json:"description,omitempty"` // 申请事项说明
	Address     string            `json:"address,omitempty"`     // 联系地址
	Fields      map[string]string `json:"fields,omitempty"`      // other labelled values
	Quantity    int               `json:"quantity,omitempty"`    // units for the fee (件, 平方米 …)
	Delivery    string            `json:"delivery,omitempty"`    // onsite or post: how the result is wanted
	// Data is the item's online application form (申请表) as filled in,
	// checked by catalog.FormDef.CheckData; stored sealed with the rest.
	Data catalog.FormData `json:"data,omitempty"`
}

// Result is what completion issued.
type Result struct {
	Name     string `json:"name"`               // 证照 or 决定书 name
	Number   string `json:"number"`             // its number
	ValidTo  string `json:"valid_to,omitempty"` // validity, YYYY-MM-DD
	Issuer   string `json:"issuer"`
	Approved bool   `json:"approved"`
	// Licence is the identifier of the electronic licence issued with it
	// (电子证照标识), when the item has a licence type.
	Licence string `json:"licence,omitempty"`
}

// Delivery is how the result reached the applicant.
type Delivery struct {
	Method   string    `json:"method"` // onsite or post
	Tracking string    `json:"tracking,omitempty"`
	Address  string    `json:"address,omitempty"`
	At       time.Time `json:"at"`
}

// Step is one step of the case: a closed one records who acted, at which post
// and window, when and for how long; the open one names who is responsible.
type Step struct {
	Seq        int       `json:"seq"`
	ActorID    int64     `json:"-"`
	Name       string    `json:"name"`
	Action     string    `json:"action,omitempty"`
	State      string    `json:"state"` // open or done
	FromStatus string    `json:"from_status,omitempty"`
	ToStatus   string    `json:"to_status,omitempty"`
	ActorName  string    `json:"actor_name,omitempty"`
	Post       string    `json:"post,omitempty"`
	Window     string    `json:"window,omitempty"`
	Opinion    string    `json:"opinion,omitempty"`
	Person     string    `json:"person,omitempty"` // responsible person (open step)
	Phone      string    `json:"phone,omitempty"`
	LimitDays  int       `json:"limit_days,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	EndedAt    time.Time `json:"ended_at,omitzero"`
	DurationS  int64     `json:"duration_seconds,omitempty"`
}

// Material is one submitted material.
type Material struct {
	Seq         int    `json:"seq"`
	Name        string `json:"name"`
	FileID      int64  `json:"file_id,omitempty"`
	SHA256      string `json:"sha256,omitempty"`
	FileName    string `json:"file_name,omitempty"`
	Size        int64  `json:"size,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	HandedIn    string `json:"handed_in,omitempty"` // upload, window, post, licence, library
	// Provided: how a material was provided by reuse (免提交), checked
	// online at submission; nil when it was submitted.
	Provided *Provided `json:"provided,omitempty"`
}

// Notice is a written notice (受理通知书, 一次性告知书, 不予受理通知书 …).
type Notice struct {
	ID       int64         `json:"id"`
	Kind     string        `json:"kind"`
	KindName string        `json:"kind_name"`
	Number   string        `json:"number"`
	Content  NoticeContent `json:"content"`
	Issuer   string        `json:"issuer"`
	IssuedAt time.Time     `json:"issued_at"`
}

// Task is a 联办 sub-task of one department.
type Task struct {
	DeptCode  string    `json:"dept_code"`
	DeptName  string    `json:"dept_name"`
	Lead      bool      `json:"lead"`
	State     string    `json:"state"` // pending, approved, denied
	Deadline  string    `json:"deadline"`
	Opinion   string    `json:"opinion,omitempty"`
	ActorName string    `json:"actor_name,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
	DeptPath  string    `json:"-"`
}

// Suspension is a stop of the clock for a special procedure.
type Suspension struct {
	Kind      string `json:"kind"`
	KindName  string `json:"kind_name"`
	Reason    string `json:"reason"`
	StartedOn string `json:"started_on"`
	EndedOn   string `json:"ended_on,omitempty"`
	Days      int    `json:"days,omitempty"` // working days the clock stood still
	ResumeTo  string `json:"-"`
}

// Extension is a request to extend the deadline (延期).
type Extension struct {
	ID          int64     `json:"id"`
	Days        int       `json:"days"`
	Reason      string    `json:"reason"`
	State       string    `json:"state"` // pending, approved
	RequestedAt time.Time `json:"requested_at"`
	DecidedAt   time.Time `json:"decided_at,omitzero"`
	Opinion     string    `json:"opinion,omitempty"`
}

// Payment is the fee of a case: issued after approval, confirmed only by
// the bank window or a payment callback (收缴分离).
type Payment struct {
	NoticeNo  string    `json:"notice_no"`
	Amount    int64     `json:"amount_cents"`
	Items     []FeeLine `json:"items"`
	State     string    `json:"state"` // unpaid, paid
	Channel   string    `json:"channel,omitempty"`
	Reference string    `json:"reference,omitempty"`
	ReceiptNo string    `json:"receipt_no,omitempty"`
	PaidAt    time.Time `json:"paid_at,omitzero"`
}

// FeeLine is one line of a payment notice.
type FeeLine struct {
	Name     string `json:"name"`
	Standard string `json:"standard"`
	Basis    string `json:"basis"`
	Quantity int    `json:"quantity"`
	Unit     string `json:"unit"`
	Amount   int64  `json:"amount_cents"`
}

// Evaluation is a satisfaction rating (好差评).
type Evaluation struct {
	Level     int       `json:"level"`
	LevelName string    `json:"level_name"`
	Comment   string    `json:"comment,omitempty"`
	Channel   string    `json:"channel"`
	FollowUp  bool      `json:"follow_up,omitempty"` // the follow-up after a rectification (追评)
	At        time.Time `json:"at"`
}

// itemKind maps a catalog item's kind to the case's.
func itemKind(it *catalog.Item) string { return it.Kind }

// FilledOnline reports whether the case's material name was provided by
// the item's online form (申请表) filled in with the application, not as a
// file: the checklist then shows it as filled in online, not as missing.
func (c *Case) FilledOnline(it *catalog.Item, name string) bool {
	return len(c.Form.Data) > 0 && it.ReplacedBy(name)
}
