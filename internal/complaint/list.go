package complaint

import (
	"context"
	"fmt"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
	"zwfw/internal/pii"
	orgscope "zwfw/internal/scope"
)

const cols = `SELECT c.id, c.number, c.kind, c.category, c.channel, c.subject, c.body, c.anonymous, c.contact_name, c.contact_phone,
	COALESCE(c.user_id, 0), o.code, CASE WHEN o.full_name = '' THEN o.name ELSE o.full_name END, c.org_path, c.case_serial, c.state,
	COALESCE(c.unit_id, 0), c.unit_path, COALESCE(un.code, ''), COALESCE(CASE WHEN un.full_name = '' THEN un.name ELSE un.full_name END, ''),
	COALESCE(c.assigned_by, 0), COALESCE(ab.name, ''), c.assigned_at, c.deadline, c.answer, COALESCE(an.name, ''), c.answered_at,
	c.rating, c.reopened, COALESCE(c.registered_by, 0), COALESCE(rb.name, ''), c.created_at, c.version
	FROM complaints c JOIN orgs o ON o.id = c.org_id LEFT JOIN orgs un ON un.id = c.unit_id
	LEFT JOIN users ab ON ab.id = c.assigned_by LEFT JOIN users an ON an.id = c.answered_by LEFT JOIN users rb ON rb.id = c.registered_by`

func scan(r *pii.Ring, row interface{ Scan(...any) error }, today string) (*Complaint, error) {
	var c Complaint
	var assigned, answered, created int64
	err := row.Scan(&c.ID, &c.Number, &c.Kind, &c.Category, &c.Channel, &c.Subject, &c.Body, &c.Anonymous, &c.ContactName, &c.phone,
		&c.UserID, &c.OrgCode, &c.OrgName, &c.OrgPath, &c.CaseSerial, &c.State,
		&c.UnitID, &c.UnitPath, &c.UnitCode, &c.UnitName,
		&c.AssignedByID, &c.AssignedBy, &assigned, &c.Deadline, &c.Answer, &c.AnsweredBy, &answered,
		&c.Rating, &c.Reopened, &c.RegByID, &c.RegisteredBy, &created, &c.Version)
	if err != nil {
		return nil, err
	}
	if c.ContactName, c.phone, err = openContact(r, c.ContactName, c.phone); err != nil {
		return nil, err
	}
	// Lists and pages show the contact masked; the full phone is only for
	// the notes (the outbox seals it again).
	c.ContactName, c.ContactPhone = ident.MaskName(c.ContactName), ident.MaskPhone(c.phone)
	c.KindName, c.CategoryName, c.ChannelName = KindName(c.Kind), CategoryName(c.Category), ChannelName(c.Channel)
	c.StateName, c.RatingName = StateName(c.State), RatingName(c.Rating)
	c.CreatedAt = db.Time(created)
	if assigned != 0 {
		c.AssignedAt = db.Time(assigned)
	}
	if answered != 0 {
		c.AnsweredAt = db.Time(answered)
	}
	c.Overdue = open(c.State) && c.Deadline != "" && c.Deadline < today
	return &c, nil
}

// open reports whether a state still runs against the deadline.
func open(state string) bool { return state == Received || state == Assigned }

func (s *Service) today() string { return calendar.Date(s.now()).Format(calendar.DateLayout) }

func (s *Service) get(ctx context.Context, q db.Querier, cond string, arg any) (*Complaint, error) {
	c, err := scan(pii.Of(s.db), q.QueryRow(ctx, cols+" WHERE "+cond, arg), s.today())
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, "SELECT action, body, actor_name, at FROM complaint_events WHERE complaint_id = ? ORDER BY id", c.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&e.Action, &e.Text, &e.ActorName, &at); err != nil {
			return nil, err
		}
		e.ActionName, e.At = ActionName(e.Action), db.Time(at)
		c.Events = append(c.Events, e)
	}
	return c, rows.Err()
}

// Get returns one complaint with its history and the actions the actor may
// take; one the actor may not read is 404.
func (s *Service) Get(ctx context.Context, actor *zwfw.Actor, number string) (*Complaint, error) {
	if actor == nil {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	number = strings.ToUpper(strings.TrimSpace(number))
	var c *Complaint
	err := s.db.ReadTx(ctx, func(q db.Querier) error {
		var err error
		c, err = s.get(ctx, q, "c.number = ?", number)
		return err
	})
	if isNoRows(err) || (err == nil && !mayRead(actor, c)) {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "投诉建议 %s 不存在或不在您的管理范围内", number)
	}
	if err != nil {
		return nil, fmt.Errorf("complaint: get %s: %w", number, err)
	}
	c.Actions = Allowed(actor, c)
	return c, nil
}

// Query filters the list.
type Query struct {
	State   string // one of States, or "" for all
	Kind    string
	Unit    string // a unit's org code: complaints assigned in its subtree
	Overdue bool
	Limit   int
	Offset  int
}

// MayList says whether the actor reads the register's list: staff who
// manage, answer or administer.
func MayList(a *zwfw.Actor) error {
	if a == nil {
		return zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if a.Kind != zwfw.KindStaff || !a.HasAny(zwfw.RoleWindow, zwfw.RoleReviewer, zwfw.RoleSupervisor, zwfw.RoleHallManager, zwfw.RoleAdmin) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有窗口、审核、电子监察人员、大厅管理员和系统管理员可以查看投诉建议")
	}
	return nil
}

// where is the list's scope for the actor: managers and administrators see
// what is filed in or assigned into their subtree; the others what is
// assigned into it or what they registered themselves.
func (s *Service) where(a *zwfw.Actor) *orgscope.Where {
	sc := orgscope.Of(a)
	if a.HasAny(zwfw.RoleSupervisor, zwfw.RoleHallManager, zwfw.RoleAdmin) {
		return sc.Where("c.org_path", "c.unit_path")
	}
	cond, args := sc.Cond("c.unit_path")
	return orgscope.Unscoped(). // the actor's own registrations, or its subtree's assignments
					And("("+cond+" OR c.unit_id = ? OR c.registered_by = ?)", append(args, a.WindowID, a.UserID)...)
}

// List returns the complaints the actor may read, newest first, and how
// many match.
func (s *Service) List(ctx context.Context, actor *zwfw.Actor, f Query) ([]*Complaint, int, error) {
	if err := MayList(actor); err != nil {
		return nil, 0, err
	}
	w := s.where(actor)
	if f.State != "" {
		if StateName(f.State) == "" {
			return nil, 0, zwfw.Errorf(zwfw.EINVALID, "状态“%s”无效", f.State)
		}
		w.And("c.state = ?", f.State)
	}
	if f.Kind != "" {
		if KindName(f.Kind) == "" {
			return nil, 0, zwfw.Errorf(zwfw.EINVALID, "类别“%s”无效", f.Kind)
		}
		w.And("c.kind = ?", f.Kind)
	}
	if f.Unit != "" {
		var path string
		if err := s.db.Reader().QueryRow(ctx, "SELECT path FROM orgs WHERE code = ?", f.Unit).Scan(&path); err != nil {
			return nil, 0, zwfw.Errorf(zwfw.EINVALID, "承办单位“%s”不存在", f.Unit)
		}
		w.AndIn(orgscope.Subtree(path), "c.unit_path")
	}
	if f.Overdue {
		w.And("c.state IN (?, ?) AND c.deadline <> '' AND c.deadline < ?", Received, Assigned, s.today())
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	where, args := w.SQL()
	var total int
	var out []*Complaint
	err := s.db.ReadTx(ctx, func(q db.Querier) error {
		if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM complaints c"+where, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := q.Query(ctx, cols+where+" ORDER BY c.created_at DESC, c.id DESC LIMIT ? OFFSET ?", append(args, f.Limit, max(f.Offset, 0))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		r, today := pii.Of(s.db), s.today()
		for rows.Next() {
			c, err := scan(r, rows, today)
			if err != nil {
				return err
			}
			c.Actions = Allowed(actor, c)
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("complaint: list: %w", err)
	}
	if out == nil {
		out = []*Complaint{}
	}
	return out, total, nil
}

// ForCase lists the complaints about a case the actor may read (the case's
// staff page shows them).
func (s *Service) ForCase(ctx context.Context, actor *zwfw.Actor, serial string) ([]*Complaint, error) {
	if actor == nil || actor.Kind != zwfw.KindStaff {
		return nil, nil
	}
	var out []*Complaint
	err := s.db.ReadTx(ctx, func(q db.Querier) error {
		rows, err := q.Query(ctx, cols+" WHERE c.case_serial = ? ORDER BY c.id", serial)
		if err != nil {
			return err
		}
		defer rows.Close()
		r, today := pii.Of(s.db), s.today()
		for rows.Next() {
			c, err := scan(r, rows, today)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("complaint: for case %s: %w", serial, err)
	}
	// The case's readers see that a complaint exists; its content is for
	// those who may read it.
	for _, c := range out {
		if !mayRead(actor, c) {
			c.Body, c.Answer, c.ContactName, c.ContactPhone = "", "", "", ""
		}
	}
	return out, nil
}

// Counts are one unit's figures over a period.
type Counts struct {
	Total        int `json:"total"`
	Complaints   int `json:"complaints"`
	Suggestions  int `json:"suggestions"`
	Inquiries    int `json:"inquiries"`
	Praise       int `json:"praise"`
	Answered     int `json:"answered"`      // answered or rated
	OnTime       int `json:"on_time"`       // answered by the deadline (or none)
	Overdue      int `json:"overdue"`       // open past the deadline, or answered after it
	Satisfied    int `json:"satisfied"`     // 满意
	Basic        int `json:"basic"`         // 基本满意
	Dissatisfied int `json:"dissatisfied"`  // 不满意
	Reopened     int `json:"reopened"`      // reopened after an unsatisfied rating
	Open         int `json:"open"`          // not yet answered
	Unassigned   int `json:"unassigned"`    // still waiting to be assigned
	RatedShare   int `json:"rated_percent"` // ratings among answered, percent
}

func (c *Counts) add(x *row, today string) {
	c.Total++
	switch x.kind {
	case KindComplaint:
		c.Complaints++
	case KindSuggestion:
		c.Suggestions++
	case KindInquiry:
		c.Inquiries++
	case KindPraise:
		c.Praise++
	}
	if open(x.state) {
		c.Open++
		if x.state == Received {
			c.Unassigned++
		}
		if x.deadline != "" && x.deadline < today {
			c.Overdue++
		}
	} else {
		c.Answered++
		answered := calendar.Date(db.Time(x.answeredAt)).Format(calendar.DateLayout)
		if x.deadline == "" || answered <= x.deadline {
			c.OnTime++
		} else {
			c.Overdue++
		}
	}
	switch x.rating {
	case Satisfied:
		c.Satisfied++
	case Basic:
		c.Basic++
	case Dissatisfied:
		c.Dissatisfied++
	}
	if x.reopened > 0 {
		c.Reopened++
	}
	if c.Answered > 0 {
		c.RatedShare = (c.Satisfied + c.Basic + c.Dissatisfied) * 100 / c.Answered
	}
}

type row struct {
	kind, category, state, deadline, rating, unitPath, orgPath, unitName string
	answeredAt                                                           int64
	reopened                                                             int
}

func (s *Service) rows(ctx context.Context, w *orgscope.Where, from, to time.Time) ([]*row, error) {
	w.And("c.created_at >= ? AND c.created_at < ?", db.Millis(from), db.Millis(to))
	where, args := w.SQL()
	rs, err := s.db.Reader().Query(ctx, `SELECT c.kind, c.category, c.state, c.deadline, c.rating, c.unit_path, c.org_path,
		COALESCE(CASE WHEN un.full_name = '' THEN un.name ELSE un.full_name END, ''), c.answered_at, c.reopened
		FROM complaints c LEFT JOIN orgs un ON un.id = c.unit_id`+where+" ORDER BY c.id", args...)
	if err != nil {
		return nil, fmt.Errorf("complaint: figures: %w", err)
	}
	defer rs.Close()
	var out []*row
	for rs.Next() {
		var x row
		if err := rs.Scan(&x.kind, &x.category, &x.state, &x.deadline, &x.rating, &x.unitPath, &x.orgPath, &x.unitName, &x.answeredAt, &x.reopened); err != nil {
			return nil, err
		}
		out = append(out, &x)
	}
	return out, rs.Err()
}

// Counts are the figures per answering unit of what was filed in orgPath's
// subtree from from (inclusive) to to (exclusive), keyed by the unit's
// organisation path — the path where it was filed for those not yet
// assigned. The annual assessment (年度考评) reads them: a department's
// complaints, its on-time answers and the complainants' ratings.
func (s *Service) Counts(ctx context.Context, orgPath string, from, to time.Time) (map[string]Counts, error) {
	rs, err := s.rows(ctx, orgscope.Subtree(orgPath).Where("c.org_path", "c.unit_path"), from, to)
	if err != nil {
		return nil, err
	}
	out := map[string]Counts{}
	today := s.today()
	for _, x := range rs {
		k := x.unitPath
		if k == "" {
			k = x.orgPath
		}
		c := out[k]
		c.add(x, today)
		out[k] = c
	}
	return out, nil
}

// Line is one line of the statistics: a unit, a category or an outcome.
type Line struct {
	Name string `json:"name"`
	Counts
}

// Stats are the figures of a period by unit, by category and by outcome.
type Stats struct {
	From       string `json:"from"`
	To         string `json:"to"` // inclusive
	All        Counts `json:"all"`
	ByUnit     []Line `json:"by_unit"`
	ByCategory []Line `json:"by_category"`
	ByOutcome  []Line `json:"by_outcome"` // by the complainant's rating
}

// Statistics are the figures of what the actor may read, filed from from
// to to (both days inclusive; zero: the current month).
func (s *Service) Statistics(ctx context.Context, actor *zwfw.Actor, from, to time.Time) (*Stats, error) {
	if err := MayList(actor); err != nil {
		return nil, err
	}
	if from.IsZero() || to.IsZero() {
		t := calendar.Date(s.now())
		from, to = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location()), t
	}
	from, to = calendar.Date(from), calendar.Date(to)
	if to.Before(from) {
		return nil, zwfw.Errorf(zwfw.EINVALID, "结束日期不能早于开始日期")
	}
	if to.Sub(from) > 400*24*time.Hour {
		return nil, zwfw.Errorf(zwfw.EINVALID, "统计期间不能超过一年")
	}
	rs, err := s.rows(ctx, s.where(actor), from, to.AddDate(0, 0, 1))
	if err != nil {
		return nil, err
	}
	st := &Stats{From: from.Format(calendar.DateLayout), To: to.Format(calendar.DateLayout)}
	today := s.today()
	unit, cat, out := map[string]*Line{}, map[string]*Line{}, map[string]*Line{}
	var unitOrder []string
	for _, x := range rs {
		st.All.add(x, today)
		name := x.unitName
		if name == "" {
			name = "（待分派）"
		}
		if unit[name] == nil {
			unit[name] = &Line{Name: name}
			unitOrder = append(unitOrder, name)
		}
		unit[name].add(x, today)
		if cat[x.category] == nil {
			cat[x.category] = &Line{Name: CategoryName(x.category)}
		}
		cat[x.category].add(x, today)
		o := outcome(x)
		if out[o] == nil {
			out[o] = &Line{Name: o}
		}
		out[o].add(x, today)
	}
	for _, n := range unitOrder {
		st.ByUnit = append(st.ByUnit, *unit[n])
	}
	for _, c := range Categories {
		if l := cat[c.Code]; l != nil {
			st.ByCategory = append(st.ByCategory, *l)
		}
	}
	for _, o := range []string{"满意", "基本满意", "不满意", "已答复未评价", "办理中", "待分派"} {
		if l := out[o]; l != nil {
			st.ByOutcome = append(st.ByOutcome, *l)
		}
	}
	return st, nil
}

func outcome(x *row) string {
	switch {
	case x.rating != "":
		return RatingName(x.rating)
	case x.state == Answered:
		return "已答复未评价"
	case x.state == Assigned:
		return "办理中"
	}
	return "待分派"
}
