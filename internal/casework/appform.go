package casework

// Checking an application in one pass (issue 12 item 4): every problem —
// the online form's fields, the materials, the 受理地点, the contact — is
// found before anything is written and reported at once, each keyed by its
// field, so that the applicant fixes them in one round trip. And the
// online application form (申请表) as data: its divisions, what it
// prefills, and the printable 申请书.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/audit"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/org"
	"zwfw/internal/pii"
)

// maxFormData bounds a filled-in form as stored (JSON bytes).
const maxFormData = 64 << 10

// check finds every problem of an application and returns the item and
// the applicant it names. Problems that stop all further checking (no
// item, a cancelled one, a database failing) come back alone.
func (s *Service) check(ctx context.Context, actor *zwfw.Actor, in *ApplyInput) (*catalog.Item, Applicant, error) {
	in.ItemCode, in.OrgCode = strings.TrimSpace(in.ItemCode), strings.TrimSpace(in.OrgCode)
	if in.ItemCode == "" {
		return nil, Applicant{}, invalid("item_code", "请选择要办理的事项")
	}
	cur, err := s.catalog.Resolve(ctx, in.ItemCode, s.filingWithin(ctx, actor, in.OrgCode))
	if err != nil {
		if catalog.ErrNotFound(err) {
			return nil, Applicant{}, invalid("item_code", "事项 %s 不存在", in.ItemCode)
		}
		return nil, Applicant{}, err
	}
	it, err := s.itemVersion(ctx, cur.ImplCode, "", cur.Version)
	if err != nil {
		return nil, Applicant{}, err
	}
	if it.Cancelled() {
		return nil, Applicant{}, zwfw.Errorf(zwfw.ECONFLICT, "事项“%s”已取消，不再受理新的申请", it.Name)
	}
	var probs zwfw.Invalid
	// merge keeps field problems for the one answer and returns any other
	// error, which ends the check.
	merge := func(err error) error {
		var e *zwfw.Error
		if err == nil {
			return nil
		}
		if errors.As(err, &e) && e.Code == zwfw.EINVALID {
			probs.Details = append(probs.Details, e.Details...)
			return nil
		}
		return err
	}
	app, err := s.applicant(ctx, actor, in.Applicant)
	if err := merge(err); err != nil {
		return nil, app, err
	}
	if in.OrgCode == "" {
		probs.Add("org_code", "请选择受理的服务中心")
	} else if p, err := s.place(ctx, in.OrgCode); err != nil {
		if err := merge(err); err != nil {
			return nil, app, err
		}
	} else if level := levelOf(p.region.Kind); !it.HasLevel(level) {
		probs.Add("org_code", "“%s”不在%s办理（适用层级：%s）", it.Name, p.org.DisplayName(), levelNames(it.Levels))
	}
	checkForm(&in.Form, &probs, true)
	if err := s.restoreMasked(ctx, actor, it, app, &in.Form); err != nil {
		return nil, app, err
	}
	s.checkFormData(ctx, it, &in.Form, &probs)
	_, err = s.materials(ctx, s.db.Reader(), actor, it, in.Materials, true, replaced(it, in.Form))
	if err := merge(err); err != nil {
		return nil, app, err
	}
	return it, app, probs.Err()
}

// CheckApply finds every problem of an application without filing it: the
// page asks it when its own checks (须知 not ticked, an upload refused)
// already stop the submission, so that the applicant still sees all the
// problems at once.
func (s *Service) CheckApply(ctx context.Context, actor *zwfw.Actor, in ApplyInput) error {
	_, _, err := s.check(ctx, actor, &in)
	return err
}

// checkFormData checks the online form against the item's definition and
// keeps the normalised data. An application that carries the form (data
// present, even empty: the page always sends it) is checked in full and
// the form stands in for its 申请书 material; one without it hands the
// 申请书 in as a material (uploaded, at the window, by post), as before
// forms existed. An item without a form takes no form data.
func (s *Service) checkFormData(ctx context.Context, it *catalog.Item, f *Form, probs *zwfw.Invalid) {
	if it.Form == nil {
		if len(f.Data) > 0 {
			probs.Add("form.data", "“%s”没有在线申请表", it.Name)
		}
		f.Data = nil
		return
	}
	if f.Data == nil {
		return
	}
	data, details := it.Form.CheckData(f.Data, s.Divisions(ctx), s.now().In(db.Zone))
	probs.Details = append(probs.Details, details...)
	f.Data = data
	if b, _ := json.Marshal(data); len(b) > maxFormData {
		probs.Add("form.data", "申请表填写的内容过多")
	}
}

// draftFormData keeps what a draft's form has so far: the form's own keys,
// trimmed, whatever their problems (a draft is unfinished by nature).
func (s *Service) draftFormData(ctx context.Context, it *catalog.Item, f *Form) error {
	if it.Form == nil || f.Data == nil {
		f.Data = nil
		return nil
	}
	f.Data, _ = it.Form.CheckData(f.Data, nil, s.now().In(db.Zone))
	if b, _ := json.Marshal(f.Data); len(b) > maxFormData {
		return invalid("form.data", "申请表填写的内容过多")
	}
	return nil
}

// replaced names the material the application's filled-in online form
// stands for (the item's 申请书), or "": every required material must be
// there except that one.
func replaced(it *catalog.Item, f Form) string {
	if it.Form == nil || f.Data == nil {
		return ""
	}
	return it.Form.Material
}

// divisions names the county's towns and villages for address fields.
type divisions struct {
	ctx  context.Context
	orgs *org.Cache
}

// Divisions answers address fields' questions about the county's towns and
// villages (internal/org).
func (s *Service) Divisions(ctx context.Context) catalog.Divisions {
	return divisions{ctx, s.orgs}
}

func (d divisions) Division(code string) (string, bool) {
	o, err := d.orgs.ByCode(d.ctx, code)
	if err != nil || !o.Active {
		return "", false
	}
	switch o.Kind {
	case org.KindTown:
		return o.Name, true
	case org.KindVillage:
		t, err := d.orgs.ByID(d.ctx, o.ParentID)
		if err != nil {
			return "", false
		}
		return t.Name + " " + o.Name, true
	}
	return "", false
}

// FormDef is the online form the case was filed with (its item version's),
// or nil.
func (c *Case) FormDef() *catalog.FormDef {
	if c.item == nil {
		return nil
	}
	return c.item.Form
}

// FormLines lays the case's form data out for reading, in the form's
// order; ID numbers masked when mask is set.
func (s *Service) FormLines(ctx context.Context, c *Case, mask bool) []catalog.FormLine {
	if c.FormDef() == nil {
		return nil
	}
	return c.FormDef().Lines(c.Form.Data, s.Divisions(ctx), mask)
}

// MayPrintForm says who prints a case's 申请书 with its full data: those
// who may see a case's full identity number (MayRevealIdent), since the
// applicant signs what they read.
func MayPrintForm(a *zwfw.Actor) error {
	if !MayRevealIdent(a) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有窗口、审核和电子监察人员可以打印申请书")
	}
	return nil
}

// PrintForm returns the case whose 申请书 staff print for the applicant's
// signature, unmasked, and records the print in the audit log (the full
// identity numbers leave the server, as with RevealIdent). A case filed
// without the online form prints its blank 申请书, to fill in by hand.
func (s *Service) PrintForm(ctx context.Context, actor *zwfw.Actor, serial string) (*Case, error) {
	if err := MayPrintForm(actor); err != nil {
		return nil, err
	}
	c, err := s.Get(ctx, actor, serial)
	if err != nil {
		return nil, err
	}
	if c.FormDef() == nil {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "“%s”没有在线申请表，申请书按纸质材料收取", c.ItemName)
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		return audit.RecordFor(ctx, tx, c.OrgID, s.now(), actor, "case.print_form", "case:"+serial, map[string]any{"form": c.FormDef().Title})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// PrefillForm is what the apply page starts the online form with: the
// applicant's earlier application of the same item (their latest case),
// then the account's own details for the fields that take them (name, ID
// number, phone; the address from the latest case's 联系地址).
func (s *Service) PrefillForm(ctx context.Context, actor *zwfw.Actor, it *catalog.Item, account map[string]string) (catalog.FormData, error) {
	if err := applicantOnly(actor); err != nil {
		return nil, err
	}
	out := catalog.FormData{}
	if it.Form == nil {
		return out, nil
	}
	last, err := s.lastForm(ctx, actor, it.Code)
	if err != nil {
		return nil, err
	}
	acct := map[string]string{}
	for k, v := range account {
		acct[k] = v
	}
	if acct["address"] == "" {
		acct["address"] = last.Address
	}
	for _, x := range it.Form.Fields {
		if v, ok := last.Data[x.Key]; ok {
			out[x.Key] = v
		}
		if x.Prefill != "" && acct[x.Prefill] != "" {
			if x.Type == catalog.FieldAddress {
				if _, ok := out[x.Key]; !ok {
					out[x.Key] = map[string]any{"detail": acct[x.Prefill]}
				}
				continue
			}
			out[x.Key] = acct[x.Prefill]
		}
	}
	// The page shows ID numbers masked; restoreMasked puts the numbers
	// back when the application comes in unchanged.
	return it.Form.MaskData(out), nil
}

// lastForm is the form of the applicant's latest case of the item.
func (s *Service) lastForm(ctx context.Context, actor *zwfw.Actor, item string) (Form, error) {
	var last Form
	var sealed string
	err := s.db.QueryRow(ctx, `SELECT form FROM cases WHERE applicant_id = ? AND item_code = ? ORDER BY id DESC LIMIT 1`,
		actor.UserID, item).Scan(&sealed)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return last, nil
	case err != nil:
		return last, err
	}
	plain, err := pii.Of(s.db).Open(pii.CaseForm.Label(), sealed)
	if err != nil {
		return last, err
	}
	_ = json.Unmarshal([]byte(plain), &last)
	return last, nil
}

// restoreMasked puts back the ID numbers the apply page showed masked
// (PrefillForm): a value still masked stands for the number it masks when
// that number is the applicant's own or was in their latest case of the
// item. Anything else masked stays as it is, and the form's check refuses
// it. Online applicants only: a window types what it is given.
func (s *Service) restoreMasked(ctx context.Context, actor *zwfw.Actor, it *catalog.Item, app Applicant, f *Form) error {
	if it.Form == nil || f.Data == nil || actor == nil || actor.IsStaff() || actor.UserID == 0 {
		return nil
	}
	known := map[string]string{}
	add := func(id string) {
		if id = strings.TrimSpace(id); len(id) == 18 {
			known[ident.MaskID(id)] = id
		}
	}
	add(app.Ident)
	masked := func(v string) bool { return strings.Contains(v, "*") }
	need := false
	for _, x := range it.Form.Fields {
		if x.Type == catalog.FieldIDNumber && masked(f.Data.Text(x.Key)) {
			need = true
		}
		if x.Type == catalog.FieldTable {
			for _, r := range catalog.RowsOf(f.Data[x.Key]) {
				for _, c := range x.Columns {
					need = need || (c.Type == catalog.FieldIDNumber && masked(r[c.Key]))
				}
			}
		}
	}
	if !need {
		return nil
	}
	last, err := s.lastForm(ctx, actor, it.Code)
	if err != nil {
		return err
	}
	for _, x := range it.Form.Fields {
		switch x.Type {
		case catalog.FieldIDNumber:
			add(last.Data.Text(x.Key))
		case catalog.FieldTable:
			for _, r := range catalog.RowsOf(last.Data[x.Key]) {
				for _, c := range x.Columns {
					if c.Type == catalog.FieldIDNumber {
						add(r[c.Key])
					}
				}
			}
		}
	}
	for _, x := range it.Form.Fields {
		switch x.Type {
		case catalog.FieldIDNumber:
			if full, ok := known[f.Data.Text(x.Key)]; ok {
				f.Data[x.Key] = full
			}
		case catalog.FieldTable:
			rows := catalog.RowsOf(f.Data[x.Key])
			for _, r := range rows {
				for _, c := range x.Columns {
					if full, ok := known[r[c.Key]]; ok && c.Type == catalog.FieldIDNumber {
						r[c.Key] = full
					}
				}
			}
			if rows != nil {
				f.Data[x.Key] = rows
			}
		}
	}
	return nil
}

// filingWithin is where an application's item code is resolved (which
// county's item, catalog.Resolve): the centre it is filed at, else the
// staff member's organisation.
func (s *Service) filingWithin(ctx context.Context, actor *zwfw.Actor, orgCode string) string {
	if orgCode != "" {
		if o, err := s.orgs.ByCode(ctx, orgCode); err == nil {
			return o.Path
		}
	}
	if actor != nil {
		return actor.OrgPath
	}
	return ""
}
