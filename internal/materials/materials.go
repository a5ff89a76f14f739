// Package materials is the materials library (材料库) and the reuse of what
// the government already holds (issue 13 items 5 and 6). The county's plan,
// §2(3): "凡是能通过网络共享复用的材料，不得要求群众重复提交" and "积极推动
// 电子证照…在政务服务中的应用，开展网上验证核对，避免重复提交材料和循环证明".
//
// Every material accepted in a case is kept for its owner — the applicant,
// found by the lookup digest of the ID number or credit code, as cases are
// (internal/pii) — with its trust level (STANDARDS.md, UX.md): A issued
// with seal by the platform (an electronic licence), B 原件 checked at a
// window, C uploaded by the applicant, D made under a pledge. When applying
// online, a material the catalog marks as reusable (catalog.Material's
// FromLicences, FromMaterials) is provided by a valid licence of the
// applicant or by an earlier accepted material; using it is a one-time
// authorisation, recorded and audited, checked at submission (a stale or
// foreign source is refused and nothing is written). Staff see such a
// material as verified online, not a copy.
package materials

import (
	"context"
	"time"

	"zwfw"
	"zwfw/internal/db"
)

// Trust levels of materials (STANDARDS.md "Trust levels of materials").
const (
	TrustIssued   = "A" // issued with seal by the platform: an electronic licence
	TrustChecked  = "B" // 原件 checked at a window (handed in there, or by post)
	TrustUploaded = "C" // uploaded by the applicant; the original to be checked
	TrustPledged  = "D" // made by the applicant under a pledge (承诺)
)

// TrustName is the badge's text of a trust level.
func TrustName(t string) string {
	switch t {
	case TrustIssued:
		return "A 平台签发"
	case TrustChecked:
		return "B 窗口核验原件"
	case TrustUploaded:
		return "C 申请人上传"
	case TrustPledged:
		return "D 申请人承诺"
	}
	return t
}

// Licence is a valid electronic licence of a holder, as the licence service
// reports it (internal/licence: Service.Held).
type Licence struct {
	Identifier string // 1.2.156.3005.2.…
	TypeCode   string // 证照类型代码
	Name       string // 结婚证
	Number     string // the licence's number
	Issuer     string
	IssuedOn   string // YYYY-MM-DD
	ValidTo    string // YYYY-MM-DD; "" 长期
}

// LicenceSource finds a holder's licences of some types that are valid
// today (not revoked, suspended, expired or superseded). internal/app sets
// the licence service's.
type LicenceSource interface {
	Held(ctx context.Context, holderCode string, typeCodes []string) ([]Licence, error)
}

// Service keeps the library and checks reuse.
type Service struct {
	db       *db.DB
	licences LicenceSource
	now      func() time.Time
}

// New returns the service; licences may be nil (no licence provides
// anything until one is set).
func New(d *db.DB, licences LicenceSource, now func() time.Time) *Service {
	return &Service{db: d, licences: licences, now: now}
}

// SetLicences sets where licences are found (app wiring).
func (s *Service) SetLicences(l LicenceSource) { s.licences = l }

// Entry is one material of an owner's library.
type Entry struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Trust       string    `json:"trust"`
	TrustName   string    `json:"trust_name"`
	HandedIn    string    `json:"handed_in"` // upload, window, post, licence
	FileID      int64     `json:"file_id,omitempty"`
	FileName    string    `json:"file_name,omitempty"`
	Size        int64     `json:"size,omitempty"`
	ContentType string    `json:"content_type,omitempty"`
	SHA256      string    `json:"sha256,omitempty"`
	Licence     string    `json:"licence,omitempty"` // the licence identifier (trust A)
	ItemCode    string    `json:"item_code"`
	ItemName    string    `json:"item_name"`
	CaseSerial  string    `json:"case_serial"`
	AcceptedAt  time.Time `json:"accepted_at"`
}

// owner is whose library a request reads: the signed-in applicant.
type owner struct {
	kind, ident string
}

// ownerOf finds the signed-in applicant's identity number or credit code.
func (s *Service) ownerOf(ctx context.Context, actor *zwfw.Actor) (owner, error) {
	if actor == nil {
		return owner{}, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if actor.Kind != zwfw.KindPerson && actor.Kind != zwfw.KindEnterprise {
		return owner{}, zwfw.Errorf(zwfw.EFORBIDDEN, "材料库属于申请人本人：工作人员在办件中查看申请人的材料")
	}
	return s.identOf(ctx, actor.UserID)
}
