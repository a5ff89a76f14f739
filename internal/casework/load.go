package casework

// Reading a case with everything attached (steps, materials, notices,
// tasks, suspensions, extensions, payment, evaluations).

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"zwfw"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/pii"
)

const caseCols = `SELECT c.id, c.serial, c.status, c.kind, c.item_code, c.item_version, c.item_name, o.code, o.name, o.full_name, o.path,
	d.code, d.name, d.full_name, d.path, COALESCE(h.code, ''), COALESCE(h.name, ''), COALESCE(h.path, ''), c.channel,
	COALESCE(c.applicant_id, 0), c.applicant_kind, c.applicant_name, c.applicant_ident, c.applicant_phone, c.form, c.decision,
	c.version, c.promised_days, c.extended_days, c.deadline, COALESCE(c.window_id, 0), c.fee_cents, c.paid, c.result, c.delivery,
	c.query_code, c.day, c.submitted_at, c.accepted_at, c.decided_at, c.completed_at, c.updated_at, c.org_id, c.dept_id,
	COALESCE(c.handler_org_id, 0), c.extras, c.completed_on, c.handled_days
	FROM cases c JOIN orgs o ON o.id = c.org_id JOIN orgs d ON d.id = c.dept_id LEFT JOIN orgs h ON h.id = c.handler_org_id`

// scanCase reads a case, opening its sealed personal data with r
// (internal/pii): a few small fields, no extra round trip.
func scanCase(r *pii.Ring, row interface{ Scan(...any) error }) (*Case, error) {
	var c Case
	var oName, oFull, dName, dFull, form, result, delivery string
	var sub, acc, dec, comp, upd int64
	err := row.Scan(&c.ID, &c.Serial, &c.Status, &c.Kind, &c.ItemCode, &c.ItemVersion, &c.ItemName, &c.OrgCode, &oName, &oFull, &c.OrgPath,
		&c.DeptCode, &dName, &dFull, &c.DeptPath, &c.HandlerCode, &c.HandlerName, &c.HandlerPath, &c.Channel,
		&c.ApplicantID, &c.Applicant.Kind, &c.Applicant.Name, &c.Applicant.Ident, &c.Applicant.Phone, &form, &c.Decision,
		&c.Version, &c.PromisedDays, &c.ExtendedDays, &c.Deadline, &c.WindowID, &c.FeeCents, &c.Paid, &result, &delivery,
		&c.QueryCode, &c.Day, &sub, &acc, &dec, &comp, &upd, &c.OrgID, &c.DeptID, &c.HandlerID, &c.extras,
		&c.CompletedOn, &c.HandledDays)
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
	c.SubmittedAt, c.AcceptedAt, c.DecidedAt, c.CompletedAt, c.UpdatedAt = db.Time(sub), db.Time(acc), db.Time(dec), db.Time(comp), db.Time(upd)
	return &c, nil
}

func pick(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// load reads one case with everything attached. Outside a write
// transaction (q is the reader) the reads share one read transaction.
func (s *Service) load(ctx context.Context, q db.Querier, where string, arg any) (*Case, error) {
	var c *Case
	read := func(q db.Querier) error {
		var err error
		c, err = scanCase(pii.Of(s.db), q.QueryRow(ctx, caseCols+" WHERE "+where, arg))
		if errors.Is(err, sql.ErrNoRows) {
			return zwfw.Errorf(zwfw.ENOTFOUND, "办件不存在")
		}
		if err != nil {
			return err
		}
		if c.item, err = s.itemVersion(ctx, c.ItemCode, c.ItemVersion); err != nil {
			return err
		}
		return s.attach(ctx, q, c)
	}
	if _, inTx := q.(*db.Tx); inTx {
		return c, read(q)
	}
	return c, s.db.ReadTx(ctx, read)
}

// attach reads a case's steps, materials, notices, tasks, suspensions,
// extensions, payment and evaluations.
func (s *Service) attach(ctx context.Context, q db.Querier, c *Case) error {
	rows, err := q.Query(ctx, `SELECT st.seq, COALESCE(st.actor_id, 0), st.name, st.action, st.state, st.from_status, st.to_status, st.actor_name, COALESCE(w.name, ''),
		st.opinion, st.person, st.phone, st.limit_days, st.started_at, st.ended_at, COALESCE(u.post, '')
		FROM case_steps st LEFT JOIN orgs w ON w.id = st.window_id LEFT JOIN users u ON u.id = st.actor_id
		WHERE st.case_id = ? ORDER BY CASE WHEN st.state = 'open' THEN 1 ELSE 0 END, st.seq`, c.ID)
	if err != nil {
		return err
	}
	c.Steps = []Step{}
	for rows.Next() {
		var st Step
		var started, ended int64
		if err := rows.Scan(&st.Seq, &st.ActorID, &st.Name, &st.Action, &st.State, &st.FromStatus, &st.ToStatus, &st.ActorName, &st.Window,
			&st.Opinion, &st.Person, &st.Phone, &st.LimitDays, &started, &ended, &st.Post); err != nil {
			rows.Close()
			return err
		}
		st.StartedAt, st.EndedAt = db.Time(started), db.Time(ended)
		if ended > 0 {
			st.DurationS = (ended - started) / 1000
		}
		c.Steps = append(c.Steps, st)
	}
	rows.Close()
	rows, err = q.Query(ctx, `SELECT seq, name, COALESCE(file_id, 0), sha256, file_name, size, content_type, handed_in
		FROM case_materials WHERE case_id = ? ORDER BY seq`, c.ID)
	if err != nil {
		return err
	}
	c.Materials = []Material{}
	for rows.Next() {
		var m Material
		if err := rows.Scan(&m.Seq, &m.Name, &m.FileID, &m.SHA256, &m.FileName, &m.Size, &m.ContentType, &m.HandedIn); err != nil {
			rows.Close()
			return err
		}
		c.Materials = append(c.Materials, m)
	}
	rows.Close()
	rows, err = q.Query(ctx, "SELECT id, kind, number, content, issuer, issued_at FROM case_notices WHERE case_id = ? ORDER BY id", c.ID)
	if err != nil {
		return err
	}
	c.Notices = []Notice{}
	for rows.Next() {
		var n Notice
		var content string
		var at int64
		if err := rows.Scan(&n.ID, &n.Kind, &n.Number, &content, &n.Issuer, &at); err != nil {
			rows.Close()
			return err
		}
		n.KindName, n.IssuedAt = NoticeKindName(n.Kind), db.Time(at)
		_ = json.Unmarshal([]byte(content), &n.Content)
		c.Notices = append(c.Notices, n)
	}
	rows.Close()
	if err := loadTasks(ctx, q, c); err != nil {
		return err
	}
	if c.extras&hasSuspensions != 0 {
		if err := loadSuspensions(ctx, q, c); err != nil {
			return err
		}
	}
	if c.extras&hasExtensions != 0 {
		if err := loadExtensions(ctx, q, c); err != nil {
			return err
		}
	}
	if c.extras&hasPayment != 0 {
		if err := loadPayment(ctx, q, c); err != nil {
			return err
		}
	}
	if c.extras&hasEvaluations != 0 {
		return loadEvaluations(ctx, q, c)
	}
	return nil
}

func loadSuspensions(ctx context.Context, q db.Querier, c *Case) error {
	rows, err := q.Query(ctx, "SELECT kind, reason, started_on, ended_on, days, resume_to FROM case_suspensions WHERE case_id = ? ORDER BY id", c.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var sp Suspension
		if err := rows.Scan(&sp.Kind, &sp.Reason, &sp.StartedOn, &sp.EndedOn, &sp.Days, &sp.ResumeTo); err != nil {
			return err
		}
		sp.KindName = SuspensionKinds[sp.Kind]
		c.Suspensions = append(c.Suspensions, sp)
	}
	return rows.Err()
}

func loadExtensions(ctx context.Context, q db.Querier, c *Case) error {
	rows, err := q.Query(ctx, "SELECT id, days, reason, state, requested_at, decided_at, opinion FROM case_extensions WHERE case_id = ? ORDER BY id", c.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e Extension
		var req, dec int64
		if err := rows.Scan(&e.ID, &e.Days, &e.Reason, &e.State, &req, &dec, &e.Opinion); err != nil {
			return err
		}
		e.RequestedAt, e.DecidedAt = db.Time(req), db.Time(dec)
		c.Extensions = append(c.Extensions, e)
	}
	return rows.Err()
}

func loadEvaluations(ctx context.Context, q db.Querier, c *Case) error {
	rows, err := q.Query(ctx, "SELECT level, comment, channel, created_at FROM evaluations WHERE case_id = ? ORDER BY id", c.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e Evaluation
		var at int64
		if err := rows.Scan(&e.Level, &e.Comment, &e.Channel, &at); err != nil {
			return err
		}
		e.LevelName, e.At = Levels[e.Level], db.Time(at)
		c.Evaluations = append(c.Evaluations, e)
	}
	return rows.Err()
}

// loadTasks reads the 联办 sub-tasks of a joint case.
func loadTasks(ctx context.Context, q db.Querier, c *Case) error {
	c.Tasks = nil
	if c.Kind != catalog.KindJoint {
		return nil
	}
	rows, err := q.Query(ctx, `SELECT d.code, CASE WHEN d.full_name = '' THEN d.name ELSE d.full_name END, t.dept_path, t.lead, t.state,
		t.deadline, t.opinion, t.actor_name, t.decided_at FROM case_tasks t JOIN orgs d ON d.id = t.dept_id WHERE t.case_id = ? ORDER BY t.lead DESC, t.id`, c.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t Task
		var at int64
		if err := rows.Scan(&t.DeptCode, &t.DeptName, &t.DeptPath, &t.Lead, &t.State, &t.Deadline, &t.Opinion, &t.ActorName, &at); err != nil {
			return err
		}
		t.DecidedAt = db.Time(at)
		c.Tasks = append(c.Tasks, t)
	}
	return rows.Err()
}

// loadPayment reads the latest payment of a case, if any.
func loadPayment(ctx context.Context, q db.Querier, c *Case) error {
	var p Payment
	var items string
	var paid int64
	err := q.QueryRow(ctx, "SELECT notice_no, amount, items, state, channel, reference, receipt_no, paid_at FROM payments WHERE case_id = ? ORDER BY id DESC LIMIT 1", c.ID).
		Scan(&p.NoticeNo, &p.Amount, &items, &p.State, &p.Channel, &p.Reference, &p.ReceiptNo, &paid)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		c.Payment = nil
		return nil
	case err != nil:
		return err
	}
	_ = json.Unmarshal([]byte(items), &p.Items)
	p.PaidAt = db.Time(paid)
	c.Payment = &p
	return nil
}
