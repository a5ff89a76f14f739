package licence

// Issuing on completion: the licence row, its canonical machine-readable
// form and the issuing organisation's SM2 signature over it, in the
// completion's transaction (§2(3); GB/T 36903 metadata, GB/T 36904
// identifier).

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/pii"
)

// Doc is a licence's canonical machine-readable form: the GB/T 36903
// metadata and the data fields. Its bytes (Canonical) are what is signed;
// they are deterministic — a struct's fields in declaration order, no maps,
// no HTML escaping, no indentation.
type Doc struct {
	Identifier string  `json:"identifier"`  // 证照标识
	Name       string  `json:"name"`        // 证照名称
	TypeCode   string  `json:"type_code"`   // 证照类型代码
	Number     string  `json:"number"`      // 证照编号
	Holder     string  `json:"holder"`      // 持证者
	HolderCode string  `json:"holder_code"` // 持证者代码: 身份证号或统一社会信用代码
	HolderKind string  `json:"holder_kind"` // person, enterprise
	Issuer     string  `json:"issuer"`      // 颁发机构
	IssuerCode string  `json:"issuer_code"` // 颁发机构代码
	IssueDate  string  `json:"issue_date"`  // 颁发日期
	ValidFrom  string  `json:"valid_from"`  // 有效期起始
	ValidTo    string  `json:"valid_to"`    // 有效期截止; "" 长期
	ItemCode   string  `json:"item_code"`   // 事项编码
	ItemName   string  `json:"item_name"`
	CaseSerial string  `json:"case_serial"` // 办件编号
	Version    int     `json:"version"`
	Replaces   string  `json:"replaces,omitempty"` // the version a change replaced
	Fields     []Field `json:"fields"`             // 照面信息
}

// Canonical is the document's signed bytes.
func (d *Doc) Canonical() []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		panic(err) // strings and ints only
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// issuer is the organisation that signs: the department that decided the
// case, or its nearest ancestor with a unified social credit code.
type issuer struct {
	id         int64
	path, name string
	code       string
}

func findIssuer(ctx context.Context, q db.Querier, orgID int64) (*issuer, error) {
	for id := orgID; id != 0; {
		var o issuer
		var parent sql.NullInt64
		var name, full string
		err := q.QueryRow(ctx, "SELECT id, parent_id, path, name, full_name, credit_code FROM orgs WHERE id = ?", id).
			Scan(&o.id, &parent, &o.path, &name, &full, &o.code)
		if err != nil {
			return nil, fmt.Errorf("licence: issuer %d: %w", id, err)
		}
		o.name = full
		if o.name == "" {
			o.name = name
		}
		if o.code != "" {
			return &o, nil
		}
		id = parent.Int64
	}
	return nil, zwfw.Errorf(zwfw.ECONFLICT, "发证机关及其上级均未登记统一社会信用代码，无法颁发电子证照：请系统管理员在机构管理中补全")
}

// Issue issues the licence of a case completed approved, in tx
// (casework.LicenceIssuer), and returns its identifier.
func (s *Service) Issue(ctx context.Context, tx *db.Tx, c *casework.Case, it *catalog.Item, r casework.Result, actor *zwfw.Actor, now time.Time) (string, error) {
	t := it.Licence
	if t == nil {
		return "", nil
	}
	if s.signer == nil {
		return "", errors.New("licence: no signer wired")
	}
	iss, err := findIssuer(ctx, tx, c.DeptID)
	if err != nil {
		return "", err
	}
	code := normCode(c.Applicant.Ident)
	if code == "" {
		return "", zwfw.Errorf(zwfw.ECONFLICT, "申请人没有登记身份证号或统一社会信用代码，无法颁发电子证照")
	}
	seq, err := tx.Next(ctx, "licence-seq:"+t.Code+":"+iss.code)
	if err != nil {
		return "", err
	}
	today := calendar.Date(now)
	validTo := r.ValidTo
	if validTo == "" && t.ValidYears > 0 {
		validTo = today.AddDate(t.ValidYears, 0, -1).Format(calendar.DateLayout)
	}
	kind := c.Applicant.Kind
	if kind != zwfw.KindEnterprise {
		kind = zwfw.KindPerson
	}
	d := &Doc{
		Identifier: ID{Type: t.Code, Issuer: iss.code, Sequence: seq, Version: 1}.String(),
		Name:       t.Name, TypeCode: t.Code, Number: r.Number,
		Holder: c.Applicant.Name, HolderCode: code, HolderKind: kind,
		Issuer: iss.name, IssuerCode: iss.code,
		IssueDate: today.Format(calendar.DateLayout), ValidFrom: today.Format(calendar.DateLayout), ValidTo: validTo,
		ItemCode: c.ItemCode, ItemName: c.ItemName, CaseSerial: c.Serial, Version: 1,
	}
	d.Fields = s.fieldsOf(ctx, it, c, d)
	return d.Identifier, s.write(ctx, tx, d, seq, iss, c.ID, actor, now, "issue", "")
}

// write signs d and stores it as a new licence with its event and audit
// entry.
func (s *Service) write(ctx context.Context, tx *db.Tx, d *Doc, seq int64, iss *issuer, caseID int64, actor *zwfw.Actor, now time.Time, action, reason string) error {
	data := d.Canonical()
	keyID, sig, err := s.signer.SignTx(ctx, tx, iss.id, data)
	if err != nil {
		return fmt.Errorf("licence: sign %s: %w", d.Identifier, err)
	}
	ring := pii.Of(tx)
	var caseRef any
	if caseID != 0 {
		caseRef = caseID
	}
	id, err := db.InsertID(ctx, tx, `INSERT INTO licences (identifier, type_code, type_name, number, sequence, version, status, status_at,
		replaces, holder_kind, holder_name, holder_code, holder_digest, issuer_id, issuer_path, issuer_name, issuer_code, issue_date,
		valid_to, item_code, item_name, case_id, case_serial, data, key_id, signature, created_at)
		VALUES (?, ?, ?, ?, ?, ?, 'valid', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.Identifier, d.TypeCode, d.Name, d.Number, seq, d.Version, db.Millis(now), d.Replaces, d.HolderKind, d.Holder,
		ring.Seal(pii.LicenceHolder.Label(), d.HolderCode), ring.Digest(d.HolderCode), iss.id, iss.path, d.Issuer, d.IssuerCode,
		d.IssueDate, d.ValidTo, d.ItemCode, d.ItemName, caseRef, d.CaseSerial, ring.Seal(pii.LicenceData.Label(), string(data)),
		keyID, hex.EncodeToString(sig), db.Millis(now))
	if err != nil {
		return err
	}
	if err := event(ctx, tx, id, action, reason, actor, now); err != nil {
		return err
	}
	detail := map[string]any{"type": d.TypeCode, "name": d.Name, "number": d.Number, "case": d.CaseSerial, "key": keyID}
	if reason != "" {
		detail["reason"] = reason
	}
	if d.Replaces != "" {
		detail["replaces"] = d.Replaces
	}
	return audit.RecordFor(ctx, tx, iss.id, now, actor, "licence."+action, "licence:"+d.Identifier, detail)
}

func event(ctx context.Context, tx *db.Tx, licenceID int64, action, reason string, actor *zwfw.Actor, now time.Time) error {
	name := actor.Name
	if name == "" {
		name = actor.Username
	}
	var actorID any
	if actor.UserID != 0 {
		actorID = actor.UserID
	}
	_, err := tx.Exec(ctx, "INSERT INTO licence_events (licence_id, action, reason, actor_id, actor_name, at) VALUES (?, ?, ?, ?, ?, ?)",
		licenceID, action, reason, actorID, name, db.Millis(now))
	return err
}

// fieldsOf fills the type's data fields from the case.
func (s *Service) fieldsOf(ctx context.Context, it *catalog.Item, c *casework.Case, d *Doc) []Field {
	t := it.Licence
	form := map[string]string{} // the online form's values as the 申请书 prints them
	if it.Form != nil && c.Form.Data != nil {
		var divs catalog.Divisions
		if s.divisions != nil {
			divs = s.divisions(ctx)
		}
		for i, l := range it.Form.Lines(c.Form.Data, divs, false) {
			if !l.Table {
				form[it.Form.Fields[i].Key] = l.Value
			}
		}
	}
	out := make([]Field, 0, len(t.Fields))
	for _, f := range t.Fields {
		var v string
		switch f.Source {
		case "holder":
			v = d.Holder
		case "holder_code":
			v = d.HolderCode
		case "address":
			v = c.Form.Address
		case "description":
			v = c.Form.Description
		case "number":
			v = d.Number
		case "issue_date":
			v = d.IssueDate
		case "valid_to":
			v = d.ValidTo
			if v == "" {
				v = "长期"
			}
		case "issuer":
			v = d.Issuer
		case "item":
			v = d.ItemName
		case "case":
			v = d.CaseSerial
		default:
			if key, ok := strings.CutPrefix(f.Source, "form:"); ok {
				if v = form[key]; v == "" {
					v = c.Form.Fields[key]
				}
			}
		}
		out = append(out, Field{Label: f.Label, Value: strings.TrimSpace(v)})
	}
	return out
}

// normCode is a holder's code as it is stored and looked up: trimmed and
// upper-case (an ID number's check character x is X).
func normCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }
