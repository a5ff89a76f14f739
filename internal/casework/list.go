package casework

import (
	"context"
	"fmt"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/calendar"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/org"
	"zwfw/internal/pii"
	"zwfw/internal/scope"
)

// Summary is a case as lists show it.
type Summary struct {
	Serial        string    `json:"serial"`
	Status        string    `json:"status"`
	StatusName    string    `json:"status_name"`
	Kind          string    `json:"kind"`
	KindName      string    `json:"kind_name"`
	ItemCode      string    `json:"item_code"`
	ItemName      string    `json:"item_name"`
	OrgCode       string    `json:"org_code"`
	OrgName       string    `json:"org_name"`
	DeptName      string    `json:"dept_name"`
	Channel       string    `json:"channel"`
	ApplicantName string    `json:"applicant_name"`
	ApplicantKind string    `json:"applicant_kind"`
	Deadline      string    `json:"deadline,omitempty"`
	Remaining     *int      `json:"remaining_workdays,omitempty"` // working days left (negative: overdue)
	Overdue       bool      `json:"overdue"`
	Due           *Due      `json:"due,omitempty"` // where an open case stands against its deadline
	Version       int       `json:"version"`
	SubmittedAt   time.Time `json:"submitted_at"`
	UpdatedAt     time.Time `json:"updated_at"`

	orgPath string // whose working calendar counts its days
	limit   int    // working days allowed: promised plus extended
}

// Query filters a case list. Empty fields do not filter.
type Query struct {
	Status  []string // any of these statuses
	Item    string   // item code
	Org     string   // org code: cases filed in its subtree
	Kind    string
	Overdue bool   // only cases past their deadline and still open
	Todo    bool   // only cases waiting for the actor's role
	Q       string // serial number, applicant name, or the applicant's whole ID number or credit code (through its digest)
	Limit   int    // default 50, at most 500
	Offset  int

	// Filters of the supervision drill-down (each figure of the dashboard
	// links to the cases behind it).
	Under     string // org code: cases filed at a centre, or owned by a department, in its subtree
	Dept      string // department code
	Window    string // window code
	Channel   string // online or window
	From, To  string // submission dates, YYYY-MM-DD, inclusive
	Done      string // all, ontime or late: completed cases (办结) and how
	Evaluated bool   // only cases with an evaluation
	Warned    bool   // only open cases near their deadline (yellow card), not yet overdue
}

// List returns the cases the actor may see that match q, and their total.
// Applicants see their own; staff see those of their subtree. The to-do
// list is ordered by deadline, others newest first.
func (s *Service) List(ctx context.Context, actor *zwfw.Actor, q Query) ([]Summary, int, error) {
	from, args, order, err := s.filter(ctx, actor, q)
	if err != nil {
		return nil, 0, err
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if q.Limit > 500 {
		q.Limit = 500
	}
	var total int
	if err := s.db.QueryRow(ctx, "SELECT COUNT(*)"+from, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("casework: count: %w", err)
	}
	rows, err := s.db.Query(ctx, `SELECT c.serial, c.status, c.kind, c.item_code, c.item_name, o.code,
		CASE WHEN o.full_name = '' THEN o.name ELSE o.full_name END, CASE WHEN d.full_name = '' THEN d.name ELSE d.full_name END,
		c.channel, c.applicant_name, c.applicant_kind, c.deadline, c.version, c.submitted_at, c.updated_at, c.org_path,
		c.promised_days + c.extended_days`+from+
		" ORDER BY "+order+" LIMIT ? OFFSET ?", append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("casework: list: %w", err)
	}
	defer rows.Close()
	out := []Summary{}
	for rows.Next() {
		var c Summary
		var sub, upd int64
		if err := rows.Scan(&c.Serial, &c.Status, &c.Kind, &c.ItemCode, &c.ItemName, &c.OrgCode, &c.OrgName, &c.DeptName,
			&c.Channel, &c.ApplicantName, &c.ApplicantKind, &c.Deadline, &c.Version, &sub, &upd, &c.orgPath, &c.limit); err != nil {
			return nil, 0, err
		}
		c.SubmittedAt, c.UpdatedAt = db.Time(sub), db.Time(upd)
		c.StatusName, c.KindName = StatusName(c.Status), catalog.KindName(c.Kind)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return out, total, s.remaining(ctx, out)
}

// Count returns how many cases the actor may see match q.
func (s *Service) Count(ctx context.Context, actor *zwfw.Actor, q Query) (int, error) {
	from, args, _, err := s.filter(ctx, actor, q)
	if err != nil {
		return 0, err
	}
	var total int
	if err := s.db.QueryRow(ctx, "SELECT COUNT(*)"+from, args...).Scan(&total); err != nil {
		return 0, fmt.Errorf("casework: count: %w", err)
	}
	return total, nil
}

// filter builds the FROM … WHERE of a case list, its arguments and its order.
func (s *Service) filter(ctx context.Context, actor *zwfw.Actor, q Query) (string, []any, string, error) {
	if actor == nil {
		return "", nil, "", zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	where := []string{}
	var args []any
	switch {
	case actor.Kind == zwfw.KindSystem:
	case actor.IsStaff():
		cond, sargs := reach(scope.Of(actor))
		where = append(where, cond)
		args = append(args, sargs...)
	default:
		where = append(where, "c.applicant_id = ?")
		args = append(args, actor.UserID)
	}
	for _, st := range q.Status {
		if StatusName(st) == "" {
			return "", nil, "", zwfw.Errorf(zwfw.EINVALID, "办件状态“%s”无效", st)
		}
	}
	if len(q.Status) > 0 {
		where = append(where, "c.status IN ("+placeholders(len(q.Status))+")")
		for _, st := range q.Status {
			args = append(args, st)
		}
	}
	if q.Item != "" {
		where = append(where, "c.item_code = ?")
		args = append(args, q.Item)
	}
	if q.Kind != "" {
		if catalog.KindName(q.Kind) == "" {
			return "", nil, "", zwfw.Errorf(zwfw.EINVALID, "办件类型“%s”无效", q.Kind)
		}
		where = append(where, "c.kind = ?")
		args = append(args, q.Kind)
	}
	if q.Org != "" {
		o, err := org.Lookup(ctx, s.db.Reader(), q.Org)
		if org.ErrNotFound(err) {
			return "", nil, "", zwfw.Errorf(zwfw.EINVALID, "机构 %s 不存在", q.Org)
		}
		if err != nil {
			return "", nil, "", fmt.Errorf("casework: list: %w", err)
		}
		cond, sargs := scope.Subtree(o.Path).Cond("c.org_path")
		where = append(where, cond)
		args = append(args, sargs...)
	}
	today := calendar.Date(s.now()).Format(calendar.DateLayout)
	if q.Overdue {
		where = append(where, "c.deadline <> '' AND c.deadline < ? AND c.status IN ('accepted', 'in_progress', 'suspended', 'approved', 'awaiting_payment')")
		args = append(args, today)
	}
	if q.Q != "" {
		qq := strings.TrimSpace(q.Q)
		if idn := strings.ToUpper(qq); len(idn) == 18 {
			// A whole ID number or credit code finds the applicant's
			// cases through the digest (the number itself is sealed).
			ring := pii.Of(s.db)
			where = append(where, "(c.serial = ? OR c.applicant_name LIKE ? ESCAPE '\\' OR c.applicant_digest IN ("+ring.In()+"))")
			args = append(append(args, qq, "%"+db.Like(qq)+"%"), ring.Digests(idn)...)
		} else {
			where = append(where, "(c.serial = ? OR c.applicant_name LIKE ? ESCAPE '\\')")
			args = append(args, qq, "%"+db.Like(qq)+"%")
		}
	}
	order := "c.id DESC"
	if q.Todo {
		cond, targs := todo(actor)
		where = append(where, cond)
		args = append(args, targs...)
		order = "CASE WHEN c.deadline = '' THEN 1 ELSE 0 END, c.deadline, c.serial" // ties by serial: the order never depends on the day
	}
	more, margs, err := s.drill(ctx, q)
	if err != nil {
		return "", nil, "", err
	}
	where, args = append(where, more...), append(args, margs...)
	from := ` FROM cases c JOIN orgs o ON o.id = c.org_id JOIN orgs d ON d.id = c.dept_id LEFT JOIN orgs h ON h.id = c.handler_org_id`
	if len(where) > 0 {
		from += " WHERE " + strings.Join(where, " AND ")
	}
	return from, args, order, nil
}

// drill turns the supervision filters of q into conditions.
func (s *Service) drill(ctx context.Context, q Query) ([]string, []any, error) {
	var where []string
	var args []any
	code := func(field, c, what string) (*org.Org, error) {
		o, err := s.orgs.ByCode(ctx, c)
		if org.ErrNotFound(err) {
			return nil, invalid(field, "%s %s 不存在", what, c)
		}
		if err != nil {
			return nil, fmt.Errorf("casework: %s %s: %w", field, c, err)
		}
		return o, nil
	}
	if q.Under != "" {
		o, err := code("under", q.Under, "机构")
		if err != nil {
			return nil, nil, err
		}
		cond, sargs := scope.Subtree(o.Path).Cond("c.org_path", "c.dept_path")
		where = append(where, cond)
		args = append(args, sargs...)
	}
	if q.Dept != "" {
		o, err := code("dept", q.Dept, "部门")
		if err != nil {
			return nil, nil, err
		}
		where = append(where, "c.dept_id = ?")
		args = append(args, o.ID)
	}
	if q.Window != "" {
		o, err := code("window", q.Window, "窗口")
		if err != nil {
			return nil, nil, err
		}
		where = append(where, "c.window_id = ?")
		args = append(args, o.ID)
	}
	switch q.Channel {
	case "":
	case ChannelOnline, ChannelWindow:
		where = append(where, "c.channel = ?")
		args = append(args, q.Channel)
	default:
		return nil, nil, invalid("channel", "申请渠道应为 online（网上申请）或 window（窗口申请）")
	}
	for _, d := range []struct{ field, v, op string }{{"from", q.From, ">="}, {"to", q.To, "<="}} {
		if d.v == "" {
			continue
		}
		if _, err := calendar.ParseDate(d.v); err != nil {
			return nil, nil, invalid(d.field, "日期“%s”格式不正确，应为 YYYY-MM-DD", d.v)
		}
		where = append(where, "c.day "+d.op+" ?")
		args = append(args, d.v)
	}
	switch q.Done {
	case "":
	case "all":
		where = append(where, "c.completed_on <> ''")
	case "ontime":
		where = append(where, "c.completed_on <> '' AND (c.deadline = '' OR c.completed_on <= c.deadline)")
	case "late":
		where = append(where, "c.completed_on <> '' AND c.deadline <> '' AND c.completed_on > c.deadline")
	default:
		return nil, nil, invalid("done", "办结筛选应为 all、ontime 或 late")
	}
	if q.Evaluated {
		where = append(where, "EXISTS (SELECT 1 FROM evaluations e WHERE e.case_id = c.id)")
	}
	if q.Warned {
		cond, wargs, err := s.WarnedCond(ctx)
		if err != nil {
			return nil, nil, err
		}
		where = append(where, cond)
		args = append(args, wargs...)
	}
	return where, args, nil
}

// todo is what waits for the actor: windows accept, finish and deliver;
// reviewers review, decide and give joint opinions; cashiers take
// payments; supervisors approve extensions.
func todo(a *zwfw.Actor) (string, []any) {
	var parts []string
	var args []any
	own := scope.Of(a)
	if a.Has(zwfw.RoleWindow) {
		parts = append(parts, "c.status IN ('submitted', 'approved', 'denied', 'completed')",
			"(c.status = 'accepted' AND c.kind IN ('immediate', 'upward'))")
	}
	if a.Has(zwfw.RoleReviewer) {
		mine, margs := own.Cond("c.dept_path", "c.org_path")
		handler, hargs := own.Cond("h.path")
		task, targs := own.Cond("t.dept_path")
		parts = append(parts, `(c.status IN ('accepted', 'in_progress', 'suspended') AND c.kind IN ('promised', 'joint')
			AND `+mine+`)`,
			`(c.status = 'in_progress' AND c.kind = 'upward' AND `+handler+`)`,
			`(c.status IN ('accepted', 'in_progress') AND EXISTS (SELECT 1 FROM case_tasks t WHERE t.case_id = c.id AND t.lead = FALSE
				AND t.state = 'pending' AND `+task+`))`)
		args = append(append(append(args, margs...), hargs...), targs...)
	}
	if a.Has(zwfw.RoleCashier) {
		parts = append(parts, "c.status = 'awaiting_payment'")
	}
	if a.Has(zwfw.RoleSupervisor) {
		parts = append(parts, "EXISTS (SELECT 1 FROM case_extensions e WHERE e.case_id = c.id AND e.state = 'pending')")
	}
	if len(parts) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// reach is the SQL twin of a staff member's reach over cases: filed in the
// subtree, handled by a department in it, passed upward to an organisation
// in it, or holding a sub-task of a department in it. FROM must join the
// handling organisation as h.
func reach(s scope.Scope) (string, []any) {
	filed, fargs := s.Cond("c.org_path", "c.dept_path", "h.path")
	task, targs := s.Cond("t.dept_path")
	return "(" + filed + " OR EXISTS (SELECT 1 FROM case_tasks t WHERE t.case_id = c.id AND " + task + "))",
		append(fargs, targs...)
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// Progress is what anyone may see of a case by its serial number (UX.md 办件
// 查询): the applicant's name masked, no personal data, no opinions.
type Progress struct {
	Serial      string         `json:"serial"`
	ItemName    string         `json:"item_name"`
	OrgName     string         `json:"org_name"`
	Applicant   string         `json:"applicant"`
	Status      string         `json:"status"`
	StatusName  string         `json:"status_name"` // as the public is told it (PublicStatusName)
	Current     string         `json:"current_step,omitempty"`
	Deadline    string         `json:"deadline,omitempty"`
	SubmittedAt time.Time      `json:"submitted_at"`
	Outcome     Outcome        `json:"outcome"`
	Steps       []ProgressStep `json:"steps"`
}

// ProgressStep is one step of the public timeline.
type ProgressStep struct {
	Name    string    `json:"name"`
	Status  string    `json:"status,omitempty"`
	Outcome string    `json:"outcome"` // what came of it: 受理 ✓, 审查通过, 决定：准予; 办理中 while open
	Done    bool      `json:"done"`
	At      time.Time `json:"at"`
}

// PublicProgress returns the public view of the case with serial to a
// visitor at the client address addr. The query code printed on the case's
// notices (or the last six characters of the applicant's ID number or
// credit code) must come with it: serial numbers run in sequence, and
// without a second factor anyone could walk them and learn who applied for
// what (UX.md 办件查询). Guessing it is limited by address (lookup.go).
// Archiving is the centre's own step and is not shown (outcome.go).
func (s *Service) PublicProgress(ctx context.Context, serial, code, addr string) (*Progress, error) {
	c, err := s.publicCase(ctx, serial, code, addr)
	if err != nil {
		return nil, err
	}
	o := OutcomeOf(c, true)
	p := &Progress{Serial: c.Serial, ItemName: c.ItemName, OrgName: c.OrgName, Applicant: ident.MaskName(c.Applicant.Name),
		Status: c.Status, StatusName: PublicStatusName(c.Status), Deadline: c.Deadline, SubmittedAt: c.SubmittedAt,
		Outcome: o, Current: o.Current, Steps: []ProgressStep{}}
	for _, st := range c.Steps {
		if st.Internal() {
			continue
		}
		if st.State == "open" {
			p.Steps = append(p.Steps, ProgressStep{Name: st.Name, Outcome: StepOutcome(st), At: st.StartedAt})
			continue
		}
		ps := ProgressStep{Name: st.Name, Outcome: StepOutcome(st), Done: true, At: st.EndedAt}
		if st.ToStatus != st.FromStatus { // only a step that moved the case shows where it led
			ps.Status = PublicStatusName(st.ToStatus)
		}
		p.Steps = append(p.Steps, ps)
	}
	return p, nil
}

// File returns a material of a case for download, if the actor may see the
// case.
func (s *Service) File(ctx context.Context, actor *zwfw.Actor, serial string, fileID int64) (*Material, error) {
	c, err := s.Get(ctx, actor, serial)
	if err != nil {
		return nil, err
	}
	for _, m := range c.Materials {
		if m.FileID == fileID && fileID != 0 {
			return &m, nil
		}
	}
	return nil, zwfw.Errorf(zwfw.ENOTFOUND, "该办件没有这个材料文件")
}

// Notice returns one notice of a case the actor may see.
func (s *Service) Notice(ctx context.Context, actor *zwfw.Actor, serial string, id int64) (*Case, *Notice, error) {
	c, err := s.Get(ctx, actor, serial)
	if err != nil {
		return nil, nil, err
	}
	for i := range c.Notices {
		if c.Notices[i].ID == id {
			return c, &c.Notices[i], nil
		}
	}
	return nil, nil, zwfw.Errorf(zwfw.ENOTFOUND, "通知书不存在")
}

// Mask hides the applicant's ID number from staff: a case leaves the
// service with the number masked unless the full value is asked for on
// purpose. The phone number stays: the staff handling a case call the
// applicant (一次性告知, 延期, 领取结果), and every case they can see is one
// they handle or supervise.
func (c *Case) Mask() {
	if c.Applicant.Kind == zwfw.KindPerson {
		c.Applicant.Ident = ident.MaskID(c.Applicant.Ident)
	}
	// The online form's ID numbers likewise (申请人, 家庭成员 …).
	c.Form.Data = c.FormDef().MaskData(c.Form.Data)
}
