package licence

// Reading licences: one by identifier (staff, holder, the verifier), the
// organisation's list (scope), the holder's wallet (我的证照) and Held — the
// valid licences of a holder that the materials library reuses (§2(3):
// 凡是能通过网络共享复用的材料，不得要求群众重复提交).

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/pii"
	"zwfw/internal/scope"
)

const selectLicence = `SELECT l.id, l.identifier, l.type_code, l.type_name, l.number, l.version, l.status, l.reason, l.status_at,
	l.replaces, l.replaced_by, l.holder_kind, l.holder_name, l.holder_code, l.issuer_id, l.issuer_path, l.issuer_name, l.issuer_code,
	l.issue_date, l.valid_to, l.item_code, l.item_name, COALESCE(l.case_id, 0), l.case_serial, l.data, l.key_id, l.signature,
	l.pdf_sha, l.created_at FROM licences l`

func (s *Service) scan(row interface{ Scan(...any) error }, ring *pii.Ring, today string) (*Licence, error) {
	var l Licence
	var statusAt, created int64
	var data string
	err := row.Scan(&l.ID, &l.Identifier, &l.TypeCode, &l.Name, &l.Number, &l.Version, &l.stored, &l.Reason, &statusAt,
		&l.Replaces, &l.ReplacedBy, &l.HolderKind, &l.HolderName, &l.HolderCode, &l.IssuerID, &l.IssuerPath, &l.Issuer, &l.IssuerCode,
		&l.IssueDate, &l.ValidTo, &l.ItemCode, &l.ItemName, &l.CaseID, &l.CaseSerial, &data, &l.KeyID, &l.Signature,
		&l.PDFSHA, &created)
	if err != nil {
		return nil, err
	}
	if err := ring.OpenAll(pii.F(pii.LicenceHolder.Label(), &l.HolderCode), pii.F(pii.LicenceData.Label(), &data)); err != nil {
		return nil, err
	}
	l.Data = []byte(data)
	var d Doc
	if err := json.Unmarshal(l.Data, &d); err != nil {
		return nil, fmt.Errorf("licence: %s: stored form unreadable: %w", l.Identifier, err)
	}
	l.Fields = d.Fields
	if l.Fields == nil {
		l.Fields = []Field{}
	}
	l.StatusAt, l.CreatedAt = db.Time(statusAt), db.Time(created)
	l.effective(today)
	return &l, nil
}

func (s *Service) list(ctx context.Context, q db.Querier, where *scope.Where, tail string) ([]*Licence, error) {
	w, args := where.SQL()
	rows, err := q.Query(ctx, selectLicence+w+" "+tail, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ring, today := pii.Of(s.db), s.today()
	var out []*Licence
	for rows.Next() {
		l, err := s.scan(rows, ring, today)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// byIdentifier reads a licence whoever asks (the verifier; callers decide
// what to show).
func (s *Service) byIdentifier(ctx context.Context, q db.Querier, identifier string) (*Licence, error) {
	l, err := s.scan(q.QueryRow(ctx, selectLicence+" WHERE l.identifier = ?", identifier), pii.Of(s.db), s.today())
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(identifier)
	}
	return l, err
}

func notFound(identifier string) error {
	return zwfw.Errorf(zwfw.ENOTFOUND, "电子证照 %s 不存在或您无权查看", identifier)
}

// Get returns a licence for staff who may see it (May view) or for its
// holder, with its history and the actions the reader may take. Anyone
// else is told it does not exist. The holder's code is masked for staff.
func (s *Service) Get(ctx context.Context, actor *zwfw.Actor, identifier string) (*Licence, error) {
	identifier = strings.ToUpper(strings.TrimSpace(identifier))
	l, err := s.byIdentifier(ctx, s.db.Reader(), identifier)
	if err != nil {
		return nil, err
	}
	holder, err := s.isHolder(ctx, actor, l)
	if err != nil {
		return nil, err
	}
	if !holder && !May(actor, l, ActView) {
		return nil, notFound(identifier)
	}
	if l.Events, err = s.events(ctx, l.ID); err != nil {
		return nil, err
	}
	if !holder {
		l.Mask()
	}
	l.Actions = Allowed(actor, l)
	return l, nil
}

func (s *Service) events(ctx context.Context, id int64) ([]Event, error) {
	rows, err := s.db.Reader().Query(ctx, "SELECT action, reason, actor_name, at FROM licence_events WHERE licence_id = ? ORDER BY id", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&e.Action, &e.Reason, &e.ActorName, &at); err != nil {
			return nil, err
		}
		e.At, e.ActionName = db.Time(at), ActionName(e.Action)
		out = append(out, e)
	}
	return out, rows.Err()
}

// holderCode is the ID number (a resident) or credit code (an enterprise)
// of a signed-in applicant, "" for anyone else.
func (s *Service) holderCode(ctx context.Context, actor *zwfw.Actor) (string, error) {
	if actor == nil || (actor.Kind != zwfw.KindPerson && actor.Kind != zwfw.KindEnterprise) || actor.UserID == 0 {
		return "", nil
	}
	var idn, credit sql.NullString
	if err := s.db.Reader().QueryRow(ctx, "SELECT id_number, credit_code FROM users WHERE id = ?", actor.UserID).Scan(&idn, &credit); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		return "", err
	}
	if actor.Kind == zwfw.KindEnterprise {
		return normCode(credit.String), nil
	}
	v, err := pii.Of(s.db).Open(pii.UserIDNumber.Label(), idn.String)
	return normCode(v), err
}

func (s *Service) isHolder(ctx context.Context, actor *zwfw.Actor, l *Licence) (bool, error) {
	code, err := s.holderCode(ctx, actor)
	return code != "" && code == l.HolderCode, err
}

// Wallet is 我的证照: every licence issued to the signed-in applicant (by
// the lookup digest of their ID number or credit code), newest first, every
// status; the holder sees their own code.
func (s *Service) Wallet(ctx context.Context, actor *zwfw.Actor) ([]*Licence, error) {
	if actor.IsStaff() {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "“我的证照”供群众和企业使用；工作人员请在工作台的“电子证照”查询本单位颁发的证照")
	}
	code, err := s.holderCode(ctx, actor)
	if err != nil || code == "" {
		return nil, err
	}
	ring := pii.Of(s.db)
	// Unscoped: an applicant's own licences, found by their own code.
	where := scope.Unscoped().And("l.holder_digest IN ("+ring.In()+")", ring.Digests(code)...)
	return s.list(ctx, s.db.Reader(), where, "ORDER BY l.created_at DESC, l.id DESC")
}

// Held returns the holder's licences of the given types that are valid
// today (not revoked, suspended, superseded or expired), newest first: what
// an application may take a material from instead of an upload
// (internal/materials). holderCode is an ID number or credit code; no
// types is every type.
func (s *Service) Held(ctx context.Context, holderCode string, typeCodes []string) ([]Licence, error) {
	code := normCode(holderCode)
	if code == "" {
		return nil, nil
	}
	ring := pii.Of(s.db)
	// Unscoped: the holder's own licences, found by their code.
	where := scope.Unscoped().And("l.holder_digest IN ("+ring.In()+")", ring.Digests(code)...).
		And("l.status = 'valid'").And("(l.valid_to = '' OR l.valid_to >= ?)", s.today())
	if len(typeCodes) > 0 {
		args := make([]any, len(typeCodes))
		for i, t := range typeCodes {
			args[i] = t
		}
		where.And("l.type_code IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(typeCodes)), ", ")+")", args...)
	}
	ls, err := s.list(ctx, s.db.Reader(), where, "ORDER BY l.created_at DESC, l.id DESC")
	if err != nil {
		return nil, err
	}
	out := make([]Licence, 0, len(ls))
	for _, l := range ls {
		if l.HolderCode == code { // a digest collision is not the holder
			out = append(out, *l)
		}
	}
	return out, nil
}

// Filter narrows the organisation's list.
type Filter struct {
	Status string // a status, "" all
	Type   string // a type code
	Q      string // identifier, number or holder name (part)
	Limit  int
}

// List is the licences the actor's organisation subtree issued, newest
// first, holders' codes masked.
func (s *Service) List(ctx context.Context, actor *zwfw.Actor, f Filter) ([]*Licence, error) {
	if !MayList(actor) {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "只有工作人员可以查看证照清单")
	}
	where := scope.Of(actor).Where("l.issuer_path")
	today := s.today()
	switch f.Status {
	case "":
	case Expired:
		where.And("l.status = 'valid' AND l.valid_to <> '' AND l.valid_to < ?", today)
	case Valid:
		where.And("l.status = 'valid' AND (l.valid_to = '' OR l.valid_to >= ?)", today)
	case Revoked, Suspended, Superseded:
		where.And("l.status = ?", f.Status)
	default:
		return nil, zwfw.Errorf(zwfw.EINVALID, "证照状态“%s”无效（valid 有效、revoked 已吊销、suspended 已暂停、superseded 已变更、expired 已过期）", f.Status)
	}
	if f.Type != "" {
		where.And("l.type_code = ?", f.Type)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		like := "%" + db.Like(q) + "%"
		where.And(`(l.identifier LIKE ? ESCAPE '\' OR l.number LIKE ? ESCAPE '\' OR l.holder_name LIKE ? ESCAPE '\' OR l.case_serial LIKE ? ESCAPE '\')`, like, like, like, like)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	ls, err := s.list(ctx, s.db.Reader(), where, fmt.Sprintf("ORDER BY l.created_at DESC, l.id DESC LIMIT %d", limit))
	for _, l := range ls {
		l.Mask()
	}
	return ls, err
}

// OfCase returns the licence a case issued (its latest version) for staff
// who may see it, or nil.
func (s *Service) OfCase(ctx context.Context, caseSerial string) (string, error) {
	var id string
	err := s.db.Reader().QueryRow(ctx, "SELECT identifier FROM licences WHERE case_serial = ? ORDER BY version DESC LIMIT 1", caseSerial).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}
