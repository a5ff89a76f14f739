// Package licence is the electronic licence (电子证照): issued when a case of
// an item with a licence type completes approved, signed with SM2 over SM3
// by the issuing organisation's key, verified by anyone online (网上验证核对),
// revoked, suspended, resumed, changed (a new version) or expired with a
// reason, and kept in the holder's wallet (我的证照). 实施方案 §2(3):
// "积极推动电子证照、电子公文、电子签章、电子档案、电子存档在政务服务中的
// 应用，开展网上验证核对，避免重复提交材料和循环证明". The identifier and the
// metadata follow GB/T 36904 and GB/T 36903 as STANDARDS.md gives them.
package licence

import (
	"context"
	"time"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/calendar"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/files"
	"zwfw/internal/throttle"
)

// Statuses of a licence. Expired is never stored: it is read from the
// validity against the clock.
const (
	Valid      = "valid"
	Revoked    = "revoked"
	Suspended  = "suspended"
	Superseded = "superseded"
	Expired    = "expired"
)

var statusNames = map[string]string{Valid: "有效", Revoked: "已吊销", Suspended: "已暂停", Superseded: "已变更", Expired: "已过期"}

// StatusName is the Chinese name of a status.
func StatusName(s string) string { return statusNames[s] }

// Licence is one version of an electronic licence, as staff, the holder and
// the API see it.
type Licence struct {
	Identifier string `json:"identifier"`
	TypeCode   string `json:"type_code"`
	Name       string `json:"name"`   // 证照名称
	Number     string `json:"number"` // 证照编号
	Version    int    `json:"version"`
	// Status is where the licence stands today (Expired when its validity
	// has passed), StatusName its Chinese name, Reason why it was revoked,
	// suspended or changed.
	Status     string    `json:"status"`
	StatusName string    `json:"status_name"`
	Reason     string    `json:"reason,omitempty"`
	StatusAt   time.Time `json:"status_at"`
	Replaces   string    `json:"replaces,omitempty"`    // the version this one changed
	ReplacedBy string    `json:"replaced_by,omitempty"` // the version that changed this one
	HolderKind string    `json:"holder_kind"`           // person or enterprise
	HolderName string    `json:"holder_name"`
	// HolderCode is the holder's ID number or credit code; masked unless
	// the reader is the holder (Mask).
	HolderCode string    `json:"holder_code"`
	Issuer     string    `json:"issuer"`
	IssuerCode string    `json:"issuer_code"`
	IssueDate  string    `json:"issue_date"`
	ValidTo    string    `json:"valid_to,omitempty"` // "" is 长期
	ItemCode   string    `json:"item_code"`
	ItemName   string    `json:"item_name"`
	CaseSerial string    `json:"case_serial"`
	Fields     []Field   `json:"fields"`
	KeyID      string    `json:"key_id"`
	Signature  string    `json:"signature"` // hex of the DER (r, s)
	CreatedAt  time.Time `json:"created_at"`
	Events     []Event   `json:"events,omitempty"`
	// Actions are what the reader may do to it now (May).
	Actions []string `json:"actions,omitempty"`

	ID         int64  `json:"-"`
	IssuerID   int64  `json:"-"`
	IssuerPath string `json:"-"`
	CaseID     int64  `json:"-"`
	PDFSHA     string `json:"-"`
	Data       []byte `json:"-"` // the canonical form, the signed bytes
	stored     string // status as stored
}

// Field is one data item on the licence's face (照面信息).
type Field struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Event is one thing that happened to a licence.
type Event struct {
	Action     string    `json:"action"` // issue, revoke, suspend, resume, change
	ActionName string    `json:"action_name"`
	Reason     string    `json:"reason,omitempty"`
	ActorName  string    `json:"actor_name"`
	At         time.Time `json:"at"`
}

// ValidityText is the validity as the pages print it.
func (l *Licence) ValidityText() string {
	if l.ValidTo == "" {
		return l.IssueDate + " 起长期有效"
	}
	return l.IssueDate + " 至 " + l.ValidTo
}

// Mask hides the holder's code for a reader who is not the holder.
func (l *Licence) Mask() {
	if l.HolderKind == "enterprise" { // a credit code is public (GB 32100); an ID number is not
		return
	}
	full := l.HolderCode
	l.HolderCode = ident.MaskID(full)
	// The face carries the code too (身份证件号): a copy, so that the
	// caller's Fields are not changed under it.
	fields := make([]Field, len(l.Fields))
	for i, f := range l.Fields {
		if f.Value == full && full != "" {
			f.Value = l.HolderCode
		}
		fields[i] = f
	}
	l.Fields = fields
}

// StatusText is the status with what a reader needs to know beside it:
// the new version of a changed licence, the end of an expired one.
func (l *Licence) StatusText() string {
	switch l.Status {
	case Superseded:
		if l.ReplacedBy != "" {
			return "已变更（新版本 " + l.ReplacedBy + "）"
		}
	case Expired:
		return "已过期（有效期至 " + l.ValidTo + "）"
	}
	return l.StatusName
}

// effective sets Status from the stored status and the clock.
func (l *Licence) effective(today string) {
	l.Status = l.stored
	if l.stored == Valid && l.ValidTo != "" && l.ValidTo < today {
		l.Status = Expired
	}
	l.StatusName = StatusName(l.Status)
}

// Signer signs and verifies with the organisations' SM2 keys
// (internal/esign: ESign adapts its Service).
type Signer interface {
	// SignTx signs inside the caller's write transaction (the issuing
	// organisation's first key is made in it).
	SignTx(ctx context.Context, tx *db.Tx, orgID int64, data []byte) (keyID string, sig []byte, err error)
	Verify(ctx context.Context, keyID string, data, sig []byte) error
}

// Service issues, reads, verifies and changes licences.
type Service struct {
	db     *db.DB
	signer Signer
	pdf    PDFMaker
	files  *files.Store
	now    func() time.Time
	verify throttle.Limit
	base   string // the site's address for the QR code ("" when unknown: a path)

	divisions func(context.Context) catalog.Divisions // names address fields' towns and villages
}

// DefaultVerifyLimit is how many verifications a client address may make
// per window (the public page and API both count).
var DefaultVerifyLimit = throttle.Limit{N: 120, Window: time.Hour}

// New returns a licence Service.
func New(d *db.DB, signer Signer, now func() time.Time) *Service {
	return &Service{db: d, signer: signer, now: now, verify: DefaultVerifyLimit}
}

// SetVerifyLimit sets how many verifications a client address may make.
func (s *Service) SetVerifyLimit(l throttle.Limit) { s.verify = l }

// SetDivisions sets what names the county's towns and villages in address
// fields (casework.Service.Divisions).
func (s *Service) SetDivisions(f func(context.Context) catalog.Divisions) { s.divisions = f }

// SetSite sets the address the QR code of a licence's PDF points at
// (https://domain), "" for a relative one.
func (s *Service) SetSite(base string) { s.base = base }

func (s *Service) today() string { return calendar.Date(s.now()).Format(calendar.DateLayout) }

// Actions on a licence.
const (
	ActRevoke  = "revoke"
	ActSuspend = "suspend"
	ActResume  = "resume"
	ActChange  = "change"
	ActView    = "view"
)

var actionNames = map[string]string{"issue": "颁发", ActRevoke: "吊销", ActSuspend: "暂停", ActResume: "恢复", ActChange: "变更"}

// ActionName is the Chinese name of an action.
func ActionName(a string) string { return actionNames[a] }

// May decides whether actor may take action on l — the one place that says
// so; pages and the API render its answer. Staff see the licences their
// organisation subtree issued. Revoking, suspending, resuming and changing
// are the issuing department's decision-makers' (部门审核人员: the role
// that approves and denies its cases, so the one that answers for what
// they issued) and a 系统管理员's, each within their scope. The holder may
// view their own (the wallet asks by holder, not through May).
func May(a *zwfw.Actor, l *Licence, action string) bool {
	if a == nil || l == nil {
		return false
	}
	if a.Kind == zwfw.KindSystem {
		return true
	}
	if a.Kind != zwfw.KindStaff || !a.InScope(l.IssuerPath) {
		return false
	}
	switch action {
	case ActView:
		return true
	case ActRevoke, ActSuspend, ActChange:
		return a.HasAny(zwfw.RoleReviewer, zwfw.RoleAdmin) && (l.Status == Valid || l.Status == Suspended && action == ActRevoke)
	case ActResume:
		return a.HasAny(zwfw.RoleReviewer, zwfw.RoleAdmin) && l.Status == Suspended
	}
	return false
}

// MayList reports whether actor may list the licences their organisation
// subtree issued: staff (the list is scoped).
func MayList(a *zwfw.Actor) bool { return a != nil && a.IsStaff() }

// Allowed lists the actions actor may take on l now, in display order.
func Allowed(a *zwfw.Actor, l *Licence) []string {
	var out []string
	for _, act := range []string{ActChange, ActSuspend, ActResume, ActRevoke} {
		if May(a, l, act) {
			out = append(out, act)
		}
	}
	return out
}
