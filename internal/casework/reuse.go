package casework

// Materials provided without being submitted (免提交, §2(3): "凡是能通过网络
// 共享复用的材料，不得要求群众重复提交"): an application names, for a material
// the catalog marks as reusable, a valid electronic licence of the applicant
// or a material accepted in one of the applicant's earlier cases (材料库).
// Whether the source is the applicant's own and valid, the one-time
// authorisation of its use and the library itself belong to
// internal/materials; casework asks it through MaterialsHook, in the
// application's transaction, and keeps on the case's material how it was
// provided.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
)

// How a material was handed in, besides upload, window and post.
const (
	ByLicence = "licence" // provided by a valid electronic licence (电子证照)
	ByLibrary = "library" // provided by a material accepted earlier (材料库)
)

// Provided says how a material was provided without being submitted:
// checked online at submission against its source.
type Provided struct {
	Source     string    `json:"source"`                // licence or library
	Ref        string    `json:"ref"`                   // the licence identifier, or the library entry's id
	Title      string    `json:"title"`                 // 结婚证, 居民身份证
	Number     string    `json:"number,omitempty"`      // the licence's number
	Issuer     string    `json:"issuer,omitempty"`      // who issued the licence
	ValidTo    string    `json:"valid_to,omitempty"`    // the licence's validity, YYYY-MM-DD; "" 长期
	Trust      string    `json:"trust"`                 // A (licence), B (原件核验), C (uploaded)
	FromCase   string    `json:"from_case,omitempty"`   // library: the earlier case's serial
	AcceptedOn string    `json:"accepted_on,omitempty"` // library: when the earlier case accepted it
	VerifiedAt time.Time `json:"verified_at"`           // when it was checked (the submission)
}

// Reuse is one material an application asks to be provided by reuse.
type Reuse struct {
	Index   int    // its place among the application's materials (for errors: materials[Index])
	Name    string // the material of the item
	Licence string // the licence identifier (ByLicence)
	Library int64  // the library entry (ByLibrary)
	Marks   catalog.Material
}

// Reused is what the hook found for one Reuse: the provision, and the
// library entry's file when the source carries one (the same file-store
// entry, not a copy).
type Reused struct {
	Provided    Provided
	FileID      int64
	SHA256      string
	FileName    string
	Size        int64
	ContentType string
}

// Filing is an application being filed, as the hook needs it.
type Filing struct {
	CaseID    int64
	Serial    string
	ItemCode  string
	ItemName  string
	Applicant Applicant // with the full identity number or credit code
	OrgID     int64     // the centre it is filed at
	OrgPath   string
	DeptPath  string
	At        time.Time
}

// MaterialsHook is the materials library (internal/materials), set by
// internal/app.
type MaterialsHook interface {
	// Provide checks, in the application's transaction, that each source
	// is the applicant's own and valid now and of a kind the material's
	// marks accept, and records the one-time authorisation of its use
	// (audited). A stale or foreign source fails the whole application
	// (EINVALID, field materials[k]).
	Provide(ctx context.Context, tx *db.Tx, actor *zwfw.Actor, f Filing, reuse []Reuse) ([]Reused, error)
	// Accepted keeps the materials of a case just accepted in its
	// applicant's library, in the acceptance's transaction.
	Accepted(ctx context.Context, tx *db.Tx, c *Case) error
}

// SetMaterialsHook sets the hook (app wiring; nil in the domain's own tests:
// then no material can be provided by reuse).
func (s *Service) SetMaterialsHook(h MaterialsHook) { s.mats = h }

// reusing reports whether an input asks for reuse.
func (m MaterialInput) reusing() bool { return m.Licence != "" || m.Library != 0 }

// checkReuse checks a reuse input against the item's marks: the catalog
// must say the material can come from that kind of source.
func checkReuse(v *zwfw.Invalid, f string, m MaterialInput, cm catalog.Material) bool {
	switch {
	case m.Licence != "" && m.Library != 0:
		v.Add(f, "材料“%s”只能选择一个来源（电子证照或材料库）", m.Name)
	case m.Licence != "" && len(cm.FromLicences) == 0:
		v.Add(f+".licence", "材料“%s”不能由电子证照提供，请上传或到窗口递交", m.Name)
	case m.Library != 0 && len(cm.FromMaterials) == 0:
		v.Add(f+".library_id", "材料“%s”不能由以前提交的材料提供，请上传或到窗口递交", m.Name)
	case len(m.Licence) > 200:
		v.Add(f+".licence", "电子证照标识不正确")
	default:
		return true
	}
	return false
}

// provided reads the kept provision of a case material ("" none).
func providedOf(raw string) *Provided {
	if raw == "" {
		return nil
	}
	var p Provided
	if json.Unmarshal([]byte(raw), &p) != nil {
		return nil
	}
	return &p
}

// VerifiedOnline reports whether the material was provided by reuse and
// checked online (已在线核验): staff see it verified, not a copy.
func (m Material) VerifiedOnline() bool { return m.Provided != nil }

// provide asks the hook for the materials of an application provided by
// reuse and puts what it found on them. ins are the application's inputs,
// mats the materials checked from them (in the same order).
func (s *Service) provide(ctx context.Context, tx *db.Tx, actor *zwfw.Actor, it *catalog.Item, ins []MaterialInput, mats []Material, f Filing) error {
	var reuse []Reuse
	var at []int
	for i, m := range mats {
		if m.Provided == nil {
			continue
		}
		k := slices.IndexFunc(ins, func(x MaterialInput) bool { return strings.TrimSpace(x.Name) == m.Name })
		j := slices.IndexFunc(it.Materials, func(x catalog.Material) bool { return x.Name == m.Name })
		if k < 0 || j < 0 {
			return fmt.Errorf("casework: reused material %q not among the inputs", m.Name)
		}
		reuse = append(reuse, Reuse{Index: k, Name: m.Name, Licence: ins[k].Licence, Library: ins[k].Library, Marks: it.Materials[j]})
		at = append(at, i)
	}
	if len(reuse) == 0 {
		return nil
	}
	if s.mats == nil {
		return invalid(fmt.Sprintf("materials[%d]", reuse[0].Index), "暂不能使用电子证照或材料库提供材料“%s”，请上传或到窗口递交", reuse[0].Name)
	}
	got, err := s.mats.Provide(ctx, tx, actor, f, reuse)
	if err != nil {
		return err
	}
	if len(got) != len(reuse) {
		return fmt.Errorf("casework: %d materials provided, %d asked", len(got), len(reuse))
	}
	for n, i := range at {
		g := got[n]
		p := g.Provided
		mats[i].Provided = &p
		mats[i].FileID, mats[i].SHA256, mats[i].FileName, mats[i].Size, mats[i].ContentType = g.FileID, g.SHA256, g.FileName, g.Size, g.ContentType
	}
	return nil
}

// providedJSON is the provision as case_materials.provided keeps it.
func (m Material) providedJSON() string {
	if m.Provided == nil {
		return ""
	}
	b, _ := json.Marshal(m.Provided)
	return string(b)
}
