package casework

// Reading a case with everything attached (steps, materials, notices,
// tasks, suspensions, extensions, payment, evaluations).

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"zwfw"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/pii"

	"github.com/tidwall/gjson"
)

const caseCols = `SELECT c.id, c.serial, c.status, c.kind, c.item_code, c.item_version, c.item_name, o.code, o.name, o.full_name, o.path,
	d.code, d.name, d.full_name, d.path, COALESCE(h.code, ''), COALESCE(h.name, ''), COALESCE(h.path, ''), c.channel,
	COALESCE(c.applicant_id, 0), c.applicant_kind, c.applicant_name, c.applicant_ident, c.applicant_phone, c.form, c.decision,
	c.version, c.promised_days, c.extended_days, c.deadline, COALESCE(c.window_id, 0), c.fee_cents, c.paid, c.result, c.delivery,
	c.query_code, c.day, c.submitted_at, c.accepted_at, c.decided_at, c.completed_at, c.updated_at, c.org_id, c.dept_id,
	COALESCE(c.handler_org_id, 0), c.extras, c.completed_on, c.handled_days,
	COALESCE(fw.direction, ''), COALESCE(fw.peer_code, ''), COALESCE(fw.peer_name, ''), COALESCE(fw.remote_serial, ''), COALESCE(fw.state, ''),
	COALESCE(fw.decision, ''), c.project_code
	FROM cases c JOIN orgs o ON o.id = c.org_id JOIN orgs d ON d.id = c.dept_id LEFT JOIN orgs h ON h.id = c.handler_org_id
	LEFT JOIN case_forwards fw ON fw.case_id = c.id`

// scanCase reads a case, opening its sealed personal data with r
// (internal/pii): a few small fields, no extra round trip.
func scanCase(r *pii.Ring, row interface{ Scan(...any) error }, parts *caseParts) (*Case, error) {
	var c Case
	var oName, oFull, dName, dFull, form, result, delivery string
	var sub, acc, dec, comp, upd int64
	var fw Forward
	var fwDecision string
	dest := []any{&c.ID, &c.Serial, &c.Status, &c.Kind, &c.ItemCode, &c.ItemVersion, &c.ItemName, &c.OrgCode, &oName, &oFull, &c.OrgPath,
		&c.DeptCode, &dName, &dFull, &c.DeptPath, &c.HandlerCode, &c.HandlerName, &c.HandlerPath, &c.Channel,
		&c.ApplicantID, &c.Applicant.Kind, &c.Applicant.Name, &c.Applicant.Ident, &c.Applicant.Phone, &form, &c.Decision,
		&c.Version, &c.PromisedDays, &c.ExtendedDays, &c.Deadline, &c.WindowID, &c.FeeCents, &c.Paid, &result, &delivery,
		&c.QueryCode, &c.Day, &sub, &acc, &dec, &comp, &upd, &c.OrgID, &c.DeptID, &c.HandlerID, &c.extras,
		&c.CompletedOn, &c.HandledDays, &fw.Direction, &fw.PeerCode, &fw.PeerName, &fw.RemoteSerial, &fw.State, &fwDecision,
		&c.ProjectCode}
	if parts != nil {
		dest = append(dest, parts.dest()...)
	}
	err := row.Scan(dest...)
	if err != nil {
		return nil, err
	}
	if err := r.OpenAll(pii.F(pii.CaseIdent.Label(), &c.Applicant.Ident), pii.F(pii.CasePhone.Label(), &c.Applicant.Phone),
		pii.F(pii.CaseForm.Label(), &form), pii.F(pii.CaseDelivery.Label(), &delivery)); err != nil {
		return nil, err
	}
	c.OrgName, c.DeptName = pick(oFull, oName), pick(dFull, dName)
	c.StatusName, c.KindName = StatusName(c.Status), catalog.KindName(c.Kind)
	_ = json.Unmarshal([]byte(form), &c.Form)
	if result != "" {
		c.Result = &Result{}
		_ = json.Unmarshal([]byte(result), c.Result)
	}
	if delivery != "" {
		c.Delivery = &Delivery{}
		_ = json.Unmarshal([]byte(delivery), c.Delivery)
	}
	if fw.Direction != "" { // crossed platforms (remote.go)
		if fwDecision != "" {
			fw.Decision = &RemoteDecision{}
			_ = json.Unmarshal([]byte(fwDecision), fw.Decision)
		}
		c.Forward = &fw
	}
	c.SubmittedAt, c.AcceptedAt, c.DecidedAt, c.CompletedAt, c.UpdatedAt = db.Time(sub), db.Time(acc), db.Time(dec), db.Time(comp), db.Time(upd)
	return &c, nil
}

func pick(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// load reads one case with everything attached: in one indexed lookup when
// the transaction that last changed it kept its parts (case_parts, see
// keepParts), else with the parts read from their tables (caseQuery).
func (s *Service) load(ctx context.Context, q db.Querier, where string, arg any) (*Case, error) {
	var parts caseParts
	c, err := scanCase(pii.Of(s.db), q.QueryRow(ctx, s.keptQuery()+" WHERE "+where, arg), &parts)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "办件不存在")
	}
	if err != nil {
		return nil, err
	}
	if parts.version != c.Version {
		if c, err = scanCase(pii.Of(s.db), q.QueryRow(ctx, s.caseQuery()+" WHERE c.id = ?", c.ID), &parts); err != nil {
			return nil, err
		}
	}
	if c.item, err = s.itemVersion(ctx, c.ItemCode, c.DeptPath, c.ItemVersion); err != nil {
		return nil, err
	}
	if err := parts.attach(c); err != nil {
		return nil, fmt.Errorf("casework: case %s: %w", c.Serial, err)
	}
	return c, nil
}

// keepParts writes the parts of case id as they stand in tx to case_parts,
// with its version: last in every transaction that changes a case, after
// its other writes (on PostgreSQL in their batch).
func (s *Service) keepParts(ctx context.Context, tx *db.Tx, id int64) error {
	s.queryOnce.Do(s.prepareQueries)
	return tx.Later(ctx, nil, s.keepStmt, id)
}

// caseParts are the attached rows of a case as read by caseQuery: each a
// JSON array of rows (db.Dialect.JSONRows).
type caseParts struct {
	version                                                                         int // the case version they are of; -1: none kept
	steps, materials, notices, tasks, suspensions, extensions, payment, evaluations string
}

func (p *caseParts) dest() []any {
	return []any{&p.version, &p.steps, &p.materials, &p.notices, &p.tasks, &p.suspensions, &p.extensions, &p.payment, &p.evaluations}
}

// caseQuery is caseCols with the case's steps, materials, notices, 联办
// tasks, suspensions, extensions, latest payment and evaluations beside it,
// read from their tables; keptQuery the same with the parts as kept in
// case_parts.
func (s *Service) caseQuery() string {
	s.queryOnce.Do(s.prepareQueries)
	return s.query
}

func (s *Service) keptQuery() string {
	s.queryOnce.Do(s.prepareQueries)
	return s.kept
}

func (s *Service) prepareQueries() {
	j := s.db.Dialect.JSONRows
	parts := []string{
		j(`st.seq, COALESCE(st.actor_id, 0), st.name, st.action, st.state, st.from_status, st.to_status, st.actor_name, COALESCE(w.name, ''),
			st.opinion, st.person, st.phone, st.limit_days, st.started_at, st.ended_at, COALESCE(u.post, '')`,
			`case_steps st LEFT JOIN orgs w ON w.id = st.window_id LEFT JOIN users u ON u.id = st.actor_id WHERE st.case_id = c.id`,
			`CASE WHEN st.state = 'open' THEN 1 ELSE 0 END, st.seq`),
		j(`m.seq, m.name, COALESCE(m.file_id, 0), m.sha256, m.file_name, m.size, m.content_type, m.handed_in, m.provided`,
			`case_materials m WHERE m.case_id = c.id`, `m.seq`),
		j(`n.id, n.kind, n.number, n.content, n.issuer, n.issued_at`, `case_notices n WHERE n.case_id = c.id`, `n.id`),
		j(`t.dept_code, t.dept_name, t.dept_path, t.lead, t.state, t.deadline, t.opinion, t.actor_name, t.decided_at`,
			`(SELECT d.code AS dept_code, CASE WHEN d.full_name = '' THEN d.name ELSE d.full_name END AS dept_name, t.dept_path,
				CASE WHEN t.lead THEN 1 ELSE 0 END AS lead, t.state, t.deadline, t.opinion, t.actor_name, t.decided_at, t.id
				FROM case_tasks t JOIN orgs d ON d.id = t.dept_id WHERE t.case_id = c.id) t`, `t.lead DESC, t.id`),
		j(`sp.kind, sp.reason, sp.started_on, sp.ended_on, sp.days, sp.resume_to`, `case_suspensions sp WHERE sp.case_id = c.id`, `sp.id`),
		j(`e.id, e.days, e.reason, e.state, e.requested_at, e.decided_at, e.opinion`, `case_extensions e WHERE e.case_id = c.id`, `e.id`),
		j(`p.notice_no, p.amount, p.items, p.state, p.channel, p.reference, p.receipt_no, p.paid_at`,
			`payments p WHERE p.id = (SELECT MAX(id) FROM payments WHERE case_id = c.id)`, `p.id`),
		j(`v.level, v.comment, v.channel, v.created_at, CASE WHEN v.follow_up THEN 1 ELSE 0 END`, `evaluations v WHERE v.case_id = c.id`, `v.id`),
	}
	i := strings.Index(caseCols, "\n\tFROM cases c")
	s.query = caseCols[:i] + ",\n\tc.version,\n\t" + strings.Join(parts, ",\n\t") + caseCols[i:]
	s.kept = caseCols[:i] + `,
	COALESCE(cp.version, -1), COALESCE(cp.steps, ''), COALESCE(cp.materials, ''), COALESCE(cp.notices, ''), COALESCE(cp.tasks, ''),
	COALESCE(cp.suspensions, ''), COALESCE(cp.extensions, ''), COALESCE(cp.payment, ''), COALESCE(cp.evaluations, '')` +
		caseCols[i:] + " LEFT JOIN case_parts cp ON cp.case_id = c.id"
	s.keepStmt = `INSERT INTO case_parts (case_id, version, steps, materials, notices, tasks, suspensions, extensions, payment, evaluations)
	SELECT c.id, c.version, ` + strings.Join(parts, ",\n\t") + ` FROM cases c WHERE c.id = ?
	ON CONFLICT (case_id) DO UPDATE SET version = excluded.version, steps = excluded.steps, materials = excluded.materials,
	notices = excluded.notices, tasks = excluded.tasks, suspensions = excluded.suspensions, extensions = excluded.extensions,
	payment = excluded.payment, evaluations = excluded.evaluations`
}

// attach fills in the attached rows of c from p, as the case's flags say
// it has them.
func (p *caseParts) attach(c *Case) error {
	c.Steps = []Step{}
	if err := eachRow(p.steps, func(r jsonRow) error {
		var st Step
		var started, ended int64
		if err := r.scan(&st.Seq, &st.ActorID, &st.Name, &st.Action, &st.State, &st.FromStatus, &st.ToStatus, &st.ActorName, &st.Window,
			&st.Opinion, &st.Person, &st.Phone, &st.LimitDays, &started, &ended, &st.Post); err != nil {
			return err
		}
		st.StartedAt, st.EndedAt = db.Time(started), db.Time(ended)
		if ended > 0 {
			st.DurationS = (ended - started) / 1000
		}
		c.Steps = append(c.Steps, st)
		return nil
	}); err != nil {
		return fmt.Errorf("steps: %w", err)
	}
	c.Materials = []Material{}
	if err := eachRow(p.materials, func(r jsonRow) error {
		var m Material
		var provided string
		if err := r.scan(&m.Seq, &m.Name, &m.FileID, &m.SHA256, &m.FileName, &m.Size, &m.ContentType, &m.HandedIn, &provided); err != nil {
			return err
		}
		m.Provided = providedOf(provided)
		c.Materials = append(c.Materials, m)
		return nil
	}); err != nil {
		return fmt.Errorf("materials: %w", err)
	}
	c.Notices = []Notice{}
	if err := eachRow(p.notices, func(r jsonRow) error {
		var n Notice
		var content string
		var at int64
		if err := r.scan(&n.ID, &n.Kind, &n.Number, &content, &n.Issuer, &at); err != nil {
			return err
		}
		n.KindName, n.IssuedAt = NoticeKindName(n.Kind), db.Time(at)
		_ = json.Unmarshal([]byte(content), &n.Content)
		c.Notices = append(c.Notices, n)
		return nil
	}); err != nil {
		return fmt.Errorf("notices: %w", err)
	}
	c.Tasks = nil
	if c.Kind == catalog.KindJoint {
		if err := eachRow(p.tasks, func(r jsonRow) error {
			var t Task
			var lead int
			var at int64
			if err := r.scan(&t.DeptCode, &t.DeptName, &t.DeptPath, &lead, &t.State, &t.Deadline, &t.Opinion, &t.ActorName, &at); err != nil {
				return err
			}
			t.Lead, t.DecidedAt = lead != 0, db.Time(at)
			c.Tasks = append(c.Tasks, t)
			return nil
		}); err != nil {
			return fmt.Errorf("tasks: %w", err)
		}
	}
	if c.extras&hasSuspensions != 0 {
		if err := eachRow(p.suspensions, func(r jsonRow) error {
			var sp Suspension
			if err := r.scan(&sp.Kind, &sp.Reason, &sp.StartedOn, &sp.EndedOn, &sp.Days, &sp.ResumeTo); err != nil {
				return err
			}
			sp.KindName = SuspensionKinds[sp.Kind]
			c.Suspensions = append(c.Suspensions, sp)
			return nil
		}); err != nil {
			return fmt.Errorf("suspensions: %w", err)
		}
	}
	if c.extras&hasExtensions != 0 {
		if err := eachRow(p.extensions, func(r jsonRow) error {
			var e Extension
			var req, dec int64
			if err := r.scan(&e.ID, &e.Days, &e.Reason, &e.State, &req, &dec, &e.Opinion); err != nil {
				return err
			}
			e.RequestedAt, e.DecidedAt = db.Time(req), db.Time(dec)
			c.Extensions = append(c.Extensions, e)
			return nil
		}); err != nil {
			return fmt.Errorf("extensions: %w", err)
		}
	}
	if c.extras&hasPayment != 0 {
		c.Payment = nil
		if err := eachRow(p.payment, func(r jsonRow) error {
			var pm Payment
			var items string
			var paid int64
			if err := r.scan(&pm.NoticeNo, &pm.Amount, &items, &pm.State, &pm.Channel, &pm.Reference, &pm.ReceiptNo, &paid); err != nil {
				return err
			}
			_ = json.Unmarshal([]byte(items), &pm.Items)
			pm.PaidAt = db.Time(paid)
			c.Payment = &pm
			return nil
		}); err != nil {
			return fmt.Errorf("payment: %w", err)
		}
	}
	if c.extras&hasEvaluations != 0 {
		if err := eachRow(p.evaluations, func(r jsonRow) error {
			var e Evaluation
			var at, follow int64
			if err := r.scan(&e.Level, &e.Comment, &e.Channel, &at, &follow); err != nil {
				return err
			}
			e.FollowUp = follow == 1
			e.LevelName, e.At = Levels[e.Level], db.Time(at)
			c.Evaluations = append(c.Evaluations, e)
			return nil
		}); err != nil {
			return fmt.Errorf("evaluations: %w", err)
		}
	}
	return nil
}

// jsonRow is one row of a JSONRows array: its columns, read in place
// (tidwall/gjson) — one pass over the kept parts instead of a decoding per
// column, the larger part of reading an uncached case.
type jsonRow []gjson.Result

// scan reads the row's columns into dest, in order. A JSON null leaves
// its destination as it is.
func (r jsonRow) scan(dest ...any) error {
	if len(r) != len(dest) {
		return fmt.Errorf("%d columns, want %d", len(r), len(dest))
	}
	for i, d := range dest {
		v := r[i]
		if v.Type == gjson.Null {
			continue
		}
		var ok bool
		switch p := d.(type) {
		case *string:
			*p, ok = v.Str, v.Type == gjson.String
		case *int:
			*p, ok = int(v.Int()), v.Type == gjson.Number
		case *int64:
			*p, ok = v.Int(), v.Type == gjson.Number
		default:
			ok = json.Unmarshal([]byte(v.Raw), d) == nil
		}
		if !ok {
			return fmt.Errorf("column %d: cannot read %s into %T", i+1, v.Raw, d)
		}
	}
	return nil
}

// eachRow calls fn with every row of a JSONRows array.
func eachRow(raw string, fn func(jsonRow) error) error {
	if raw == "" || raw == "[]" {
		return nil
	}
	if !gjson.Valid(raw) {
		return errors.New("kept parts are not valid JSON")
	}
	all := gjson.Parse(raw)
	if !all.IsArray() {
		return errors.New("kept parts are not an array")
	}
	var row jsonRow
	var err error
	all.ForEach(func(_, r gjson.Result) bool {
		if !r.IsArray() {
			err = fmt.Errorf("row %s is not an array", r.Raw)
			return false
		}
		row = row[:0]
		r.ForEach(func(_, col gjson.Result) bool {
			row = append(row, col)
			return true
		})
		err = fn(row)
		return err == nil
	})
	return err
}
