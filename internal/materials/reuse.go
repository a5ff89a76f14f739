package materials

// Reuse when applying: what can provide an item's materials for the
// signed-in applicant (Offers), and the check and one-time authorisation
// when the application is filed (Provide, casework.MaterialsHook).

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/pii"
)

// Candidate is one source that can provide a material.
type Candidate struct {
	Source     string `json:"source"`               // licence or library
	Licence    string `json:"licence,omitempty"`    // the licence identifier
	LibraryID  int64  `json:"library_id,omitempty"` // the library entry
	Title      string `json:"title"`                // 结婚证, 居民身份证
	Number     string `json:"number,omitempty"`
	Issuer     string `json:"issuer,omitempty"`
	ValidTo    string `json:"valid_to,omitempty"`
	Trust      string `json:"trust"`
	TrustName  string `json:"trust_name"`
	FromCase   string `json:"from_case,omitempty"`
	ItemName   string `json:"item_name,omitempty"`
	AcceptedOn string `json:"accepted_on,omitempty"`
	FileName   string `json:"file_name,omitempty"`
}

// Label is how the application form shows the source:
// 电子证照《结婚证》, 材料库“居民身份证”（…）.
func (c Candidate) Label() string {
	if c.Source == casework.ByLicence {
		return "电子证照《" + c.Title + "》"
	}
	return "材料库“" + c.Title + "”"
}

// Offer is one material of an item and what can provide it, best first.
type Offer struct {
	Material   string      `json:"material"`
	Candidates []Candidate `json:"candidates"`
}

// Offers lists, for each material of the item that carries a 免提交 mark,
// the signed-in applicant's sources that can provide it now: valid licences
// of the marked types first, then earlier accepted materials of the marked
// names (checked at a window before uploaded, newest first). Materials with
// nothing to offer are left out.
func (s *Service) Offers(ctx context.Context, actor *zwfw.Actor, it *catalog.Item) ([]Offer, error) {
	o, err := s.ownerOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	out := []Offer{}
	if o.ident == "" {
		return out, nil
	}
	for _, m := range it.Materials {
		if !m.Reusable() {
			continue
		}
		var cs []Candidate
		if len(m.FromLicences) > 0 && s.licences != nil {
			held, err := s.licences.Held(ctx, o.ident, m.LicenceCodes())
			if err != nil {
				return nil, fmt.Errorf("materials: licences held: %w", err)
			}
			for _, l := range held {
				cs = append(cs, licenceCandidate(l))
			}
		}
		if len(m.FromMaterials) > 0 {
			es, err := s.entries(ctx, s.db.Reader(), o.ident, m.FromMaterials)
			if err != nil {
				return nil, err
			}
			var lib []Candidate
			for _, e := range es {
				if e.Licence != "" {
					continue // a licence provides through the licence, checked live
				}
				lib = append(lib, entryCandidate(e))
			}
			slices.SortStableFunc(lib, func(a, b Candidate) int { return strings.Compare(a.Trust, b.Trust) })
			cs = append(cs, lib...)
		}
		if len(cs) > 0 {
			out = append(out, Offer{Material: m.Name, Candidates: cs})
		}
	}
	return out, nil
}

func licenceCandidate(l Licence) Candidate {
	return Candidate{Source: casework.ByLicence, Licence: l.Identifier, Title: l.Name, Number: l.Number, Issuer: l.Issuer,
		ValidTo: l.ValidTo, Trust: TrustIssued, TrustName: TrustName(TrustIssued)}
}

func entryCandidate(e Entry) Candidate {
	return Candidate{Source: casework.ByLibrary, LibraryID: e.ID, Title: e.Name, Trust: e.Trust, TrustName: e.TrustName,
		FromCase: e.CaseSerial, ItemName: e.ItemName, AcceptedOn: e.AcceptedAt.In(db.Zone).Format(calendar.DateLayout), FileName: e.FileName}
}

// Provide checks each reused material's source at the filing — the
// applicant's own, valid now, of a type or name the material's marks
// accept — and records the one-time authorisation of its use, with one
// audit entry for the case (casework.MaterialsHook). Any source that fails
// fails the whole application (EINVALID on materials[k]): nothing is
// written.
func (s *Service) Provide(ctx context.Context, tx *db.Tx, actor *zwfw.Actor, f casework.Filing, reuse []casework.Reuse) ([]casework.Reused, error) {
	if actor == nil || (actor.Kind != zwfw.KindPerson && actor.Kind != zwfw.KindEnterprise) || f.Applicant.Ident == "" {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "电子证照和材料库只能由申请人本人授权使用")
	}
	ident := f.Applicant.Ident
	ring := pii.Of(tx)
	var v zwfw.Invalid
	out := make([]casework.Reused, len(reuse))
	for i, r := range reuse {
		field := fmt.Sprintf("materials[%d]", r.Index)
		p := casework.Provided{VerifiedAt: f.At}
		switch {
		case r.Licence != "":
			var found *Licence
			if s.licences != nil && len(r.Marks.FromLicences) > 0 {
				held, err := s.licences.Held(ctx, ident, r.Marks.LicenceCodes())
				if err != nil {
					return nil, fmt.Errorf("materials: licences held: %w", err)
				}
				for _, l := range held {
					if l.Identifier == r.Licence {
						found = &l
						break
					}
				}
			}
			if found == nil {
				v.Add(field+".licence", "材料“%s”：所选电子证照不是您本人持有的有效证照（可能已吊销、注销或过期），请重新选择，或上传、到窗口递交", r.Name)
				continue
			}
			p.Source, p.Ref, p.Title, p.Number, p.Issuer, p.ValidTo, p.Trust = casework.ByLicence, found.Identifier, found.Name,
				found.Number, found.Issuer, found.ValidTo, TrustIssued
		default:
			var e Entry
			args := append([]any{r.Library}, ring.Digests(ident)...)
			row := tx.QueryRow(ctx, "SELECT "+entryCols+" FROM material_library WHERE id = ? AND removed_at = 0 AND licence_ref = '' AND owner_digest IN ("+ring.In()+")", args...)
			e, err := scanEntry(row)
			if err != nil && zwfw.ErrorCode(db.NotFound(err, "")) != zwfw.ENOTFOUND {
				return nil, err
			}
			if err != nil || !slices.Contains(r.Marks.FromMaterials, e.Name) {
				v.Add(field+".library_id", "材料“%s”：所选的材料库材料不存在、已移出或不能用于本材料，请重新选择，或上传、到窗口递交", r.Name)
				continue
			}
			p.Source, p.Ref, p.Title, p.Trust, p.FromCase, p.AcceptedOn = casework.ByLibrary, fmt.Sprint(e.ID), e.Name, e.Trust,
				e.CaseSerial, e.AcceptedAt.In(db.Zone).Format(calendar.DateLayout)
			out[i].FileID, out[i].SHA256, out[i].FileName, out[i].Size, out[i].ContentType = e.FileID, e.SHA256, e.FileName, e.Size, e.ContentType
		}
		out[i].Provided = p
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	digest := ring.Digest(ident)
	month := f.At.In(db.Zone).Format("2006-01")
	var names []string
	for i, r := range reuse {
		p := out[i].Provided
		var lib any
		ref := ""
		if p.Source == casework.ByLibrary {
			lib = r.Library
		} else {
			ref = p.Ref
		}
		if _, err := tx.Exec(ctx, `INSERT INTO material_authorisations (case_id, case_serial, material, source, licence_ref, library_id,
			owner_digest, actor_id, item_code, item_name, month, org_path, dept_path, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.CaseID, f.Serial, r.Name, p.Source, ref, lib, digest, actor.UserID, f.ItemCode, f.ItemName, month, f.OrgPath, f.DeptPath,
			db.Millis(f.At)); err != nil {
			return nil, fmt.Errorf("materials: authorise %s of %s: %w", r.Name, f.Serial, err)
		}
		names = append(names, r.Name+"←"+p.Source+":"+p.Ref)
	}
	if err := audit.RecordFor(ctx, tx, f.OrgID, f.At, actor, "material.authorise", "case:"+f.Serial, map[string]any{"materials": names}); err != nil {
		return nil, err
	}
	return out, nil
}
