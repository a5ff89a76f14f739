package supervision

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
	"zwfw/internal/files"
	"zwfw/internal/notify"
	orgscope "zwfw/internal/scope"
)

// Error registration (差错登记): "实行差错登记制度" (§5(4); attachment 1
// task 8). A supervisor registers an error against a window or a staff
// member; the person (or the window's staff) may respond or appeal (申诉);
// a supervisor then confirms (确认) or revokes (撤销) it. Only confirmed
// errors count in the monthly bulletin and the quarterly assessment.

// ErrorKind is one kind of error, with the rule of the source document it
// breaks.
type ErrorKind struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Rule string `json:"rule"`
}

// ErrorKinds is the fixed list of kinds, each from a rule of attachment 2.
var ErrorKinds = []ErrorKind{
	{"timeout", "超时办结", "限时办结制度（附件2（六）3）"},
	{"one_time_notice", "一次性告知不到位", "一次性告知制度（附件2（六）2）"},
	{"first_ask", "首问负责不落实", "首问负责制度（附件2（六）1）"},
	{"fee", "违规收费", "收缴分离，窗口人员不得收取现金（附件2（五）4）"},
	{"attitude", "服务态度", "文明用语、严禁冷落刁难（附件2（七）5、6）"},
	{"material", "材料遗失", "材料整理归档、保证信息安全（附件2（五）5）"},
	{"attendance", "违反考勤纪律", "考勤及请销假制度（附件2（六）4）"},
	{"conduct", "违反“八禁止”", "服务行为（附件2（七）7）"},
	{"other", "其他", "责任追究制度（附件2（六）5）"},
}

// ErrorKindName is the Chinese name of a kind ("" when unknown).
func ErrorKindName(code string) string {
	for _, k := range ErrorKinds {
		if k.Code == code {
			return k.Name
		}
	}
	return ""
}

// States of a registered error.
const (
	ErrRegistered = "registered" // 已登记
	ErrResponded  = "responded"  // 已答复
	ErrAppealed   = "appealed"   // 申诉中
	ErrConfirmed  = "confirmed"  // 已确认
	ErrRevoked    = "revoked"    // 已撤销
)

var errorStateNames = map[string]string{
	ErrRegistered: "已登记", ErrResponded: "已答复", ErrAppealed: "申诉中", ErrConfirmed: "已确认", ErrRevoked: "已撤销",
}

// ErrorStateName is the Chinese name of a state.
func ErrorStateName(s string) string { return errorStateNames[s] }

// Actions on a registered error.
const (
	ErrActRespond = "respond"
	ErrActAppeal  = "appeal"
	ErrActConfirm = "confirm"
	ErrActRevoke  = "revoke"
)

// errorRule is one row of the error's state machine.
type errorRule struct {
	from       []string
	to         string
	supervisor bool // a supervisor in scope; else the person or the window's staff
	name       string
}

var errorMachine = map[string]errorRule{
	ErrActRespond: {[]string{ErrRegistered, ErrResponded}, ErrResponded, false, "答复"},
	ErrActAppeal:  {[]string{ErrRegistered, ErrResponded}, ErrAppealed, false, "申诉"},
	ErrActConfirm: {[]string{ErrRegistered, ErrResponded, ErrAppealed}, ErrConfirmed, true, "确认"},
	ErrActRevoke:  {[]string{ErrRegistered, ErrResponded, ErrAppealed}, ErrRevoked, true, "撤销"},
}

// ErrorActions lists the action names in display order.
var ErrorActions = []string{ErrActRespond, ErrActAppeal, ErrActConfirm, ErrActRevoke}

// ErrorActionName is the Chinese name of an action ("登记" for the first step).
func ErrorActionName(a string) string {
	if r, ok := errorMachine[a]; ok {
		return r.name
	}
	if a == "register" {
		return "登记"
	}
	return a
}

// ErrorRecord is one registered error (差错).
type ErrorRecord struct {
	ID           int64           `json:"id"`
	Kind         string          `json:"kind"`
	KindName     string          `json:"kind_name"`
	State        string          `json:"state"`
	StateName    string          `json:"state_name"`
	WindowCode   string          `json:"window_code,omitempty"`
	WindowName   string          `json:"window_name,omitempty"`
	StaffName    string          `json:"staff_name,omitempty"`
	StaffUser    string          `json:"staff_username,omitempty"`
	DeptName     string          `json:"dept_name,omitempty"`
	CaseSerial   string          `json:"case_serial,omitempty"`
	Description  string          `json:"description"`
	OccurredOn   string          `json:"occurred_on"`
	RegisteredBy string          `json:"registered_by"`
	RegisteredAt time.Time       `json:"registered_at"`
	DecidedBy    string          `json:"decided_by,omitempty"`
	DecidedAt    time.Time       `json:"decided_at,omitzero"`
	Reason       string          `json:"reason,omitempty"`
	Version      int             `json:"version"`
	Events       []ErrorEvent    `json:"events,omitempty"`
	Evidence     []ErrorEvidence `json:"evidence,omitempty"`

	WindowID, StaffID, RegisteredByID int64  `json:"-"`
	OrgPath                           string `json:"-"`
}

// ErrorEvent is one step of an error's life: who did what, when, saying what.
type ErrorEvent struct {
	Action     string    `json:"action"`
	ActionName string    `json:"action_name"`
	Text       string    `json:"text,omitempty"`
	ActorName  string    `json:"actor_name"`
	At         time.Time `json:"at"`
}

// ErrorEvidence is an uploaded file of evidence.
type ErrorEvidence struct {
	ID          int64  `json:"id"`
	FileID      int64  `json:"file_id"`
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
	SHA256      string `json:"-"`
}

// ErrorInput registers an error. Window is a window's org code, Staff a
// staff member's username; at least one is needed. Evidence are ids of files
// the supervisor uploaded for the purpose "evidence".
type ErrorInput struct {
	Kind        string  `json:"kind"`
	Window      string  `json:"window,omitempty"`
	Staff       string  `json:"staff,omitempty"`
	Case        string  `json:"case,omitempty"`
	Description string  `json:"description"`
	OccurredOn  string  `json:"occurred_on,omitempty"`
	Evidence    []int64 `json:"evidence,omitempty"`
}

// ErrorQuery filters a list of errors.
type ErrorQuery struct {
	State  string
	Kind   string
	Limit  int
	Offset int
}

// Errors keeps the error register.
type Errors struct {
	db  *db.DB
	now func() time.Time
}

// NewErrors returns the error register over d.
func NewErrors(d *db.DB, now func() time.Time) *Errors { return &Errors{db: d, now: now} }

// supervises reports whether the actor registers and decides errors: a
// supervisor (电子监察).
func isSupervisor(a *zwfw.Actor) bool { return a != nil && a.Has(zwfw.RoleSupervisor) }

// errNotRegistrar refuses an error registration by anyone but a supervisor.
var errNotRegistrar = zwfw.Errorf(zwfw.EFORBIDDEN, "只有电子监察人员可以登记差错")

// MayRegisterErrors says whether a may register errors (差错登记, §5(4)):
// electronic supervisors only. Pages offer the form on its answer.
func MayRegisterErrors(a *zwfw.Actor) error {
	if !isSupervisor(a) {
		return errNotRegistrar
	}
	return nil
}

// Register records a new error, its evidence, the audit entry and the
// notifications to the person (or the window's staff) in one transaction.
func (s *Errors) Register(ctx context.Context, actor *zwfw.Actor, in ErrorInput) (*ErrorRecord, error) {
	if err := MayRegisterErrors(actor); err != nil {
		return nil, err
	}
	now := s.now()
	var v zwfw.Invalid
	in.Kind = strings.TrimSpace(in.Kind)
	if ErrorKindName(in.Kind) == "" {
		v.Add("kind", "差错类型“%s”无效，应为：%s", in.Kind, errorKindList())
	}
	in.Description = strings.TrimSpace(in.Description)
	if in.Description == "" {
		v.Add("description", "请填写差错情况说明")
	} else if utf8.RuneCountInString(in.Description) > 2000 {
		v.Add("description", "差错情况说明不能超过 2000 字")
	}
	in.Window, in.Staff, in.Case = strings.TrimSpace(in.Window), strings.TrimSpace(in.Staff), strings.TrimSpace(in.Case)
	if in.Window == "" && in.Staff == "" {
		v.Add("window", "请指明差错所涉的窗口或工作人员")
	}
	if in.OccurredOn == "" {
		in.OccurredOn = calendar.Date(now).Format(calendar.DateLayout)
	} else if d, err := calendar.ParseDate(in.OccurredOn); err != nil {
		v.Add("occurred_on", "发生日期“%s”格式不正确，应为 YYYY-MM-DD", in.OccurredOn)
	} else if d.After(now) {
		v.Add("occurred_on", "发生日期不能晚于今天")
	}
	if len(in.Evidence) > 20 {
		v.Add("evidence", "证据文件最多 20 个")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	q := s.db.Reader()
	var windowID, staffID, deptID, caseID int64
	var orgPath string
	if in.Window != "" {
		var kind, path string
		var dept int64
		err := q.QueryRow(ctx, "SELECT id, kind, path, COALESCE(dept_id, 0) FROM orgs WHERE code = ?", in.Window).Scan(&windowID, &kind, &path, &dept)
		if err != nil || kind != "window" {
			v.Add("window", "窗口“%s”不存在", in.Window)
		} else if !actor.InScope(path) {
			v.Add("window", "窗口“%s”不在您的监察范围内", in.Window)
		} else {
			orgPath, deptID = path, dept
		}
	}
	if in.Staff != "" {
		var kind, path, okind string
		var win, org, odept int64
		err := q.QueryRow(ctx, `SELECT u.id, u.kind, COALESCE(u.window_id, 0), o.id, o.path, o.kind, COALESCE(w.dept_id, 0)
			FROM users u JOIN orgs o ON o.id = u.org_id LEFT JOIN orgs w ON w.id = u.window_id WHERE u.username = ?`, in.Staff).
			Scan(&staffID, &kind, &win, &org, &path, &okind, &odept)
		switch {
		case err != nil || kind != zwfw.KindStaff:
			v.Add("staff", "工作人员“%s”不存在", in.Staff)
		case !actor.InScope(path):
			v.Add("staff", "工作人员“%s”不在您的监察范围内", in.Staff)
		default:
			if windowID == 0 && win != 0 {
				windowID = win
				_ = q.QueryRow(ctx, "SELECT path FROM orgs WHERE id = ?", win).Scan(&orgPath)
			}
			if orgPath == "" {
				orgPath = path
			}
			if deptID == 0 {
				if okind == "dept" {
					deptID = org
				} else {
					deptID = odept
				}
			}
		}
	}
	if in.Case != "" {
		var cpath, dpath string
		err := q.QueryRow(ctx, "SELECT id, org_path, dept_path FROM cases WHERE serial = ?", in.Case).Scan(&caseID, &cpath, &dpath)
		if err != nil || (!actor.InScope(cpath) && !actor.InScope(dpath)) {
			v.Add("case", "办件“%s”不存在或不在您的监察范围内", in.Case)
		}
	}
	type evid struct {
		id               int64
		sha, name, ctype string
		size             int64
	}
	var ev []evid
	for i, id := range in.Evidence {
		var e evid
		var purpose string
		var owner int64
		err := q.QueryRow(ctx, "SELECT id, sha256, name, content_type, size, purpose, COALESCE(owner_id, 0) FROM files WHERE id = ?", id).
			Scan(&e.id, &e.sha, &e.name, &e.ctype, &e.size, &purpose, &owner)
		if err != nil || purpose != files.PurposeEvidence || owner != actor.UserID {
			v.Add(fmt.Sprintf("evidence[%d]", i), "证据文件 %d 不存在或不是您上传的差错证据", id)
			continue
		}
		ev = append(ev, e)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = db.InsertID(ctx, tx, `INSERT INTO sup_errors (kind, window_id, staff_id, org_path, dept_id, case_id, case_serial,
			description, state, occurred_on, registered_by, registered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			in.Kind, optID(windowID), optID(staffID), orgPath, optID(deptID), optID(caseID), in.Case,
			in.Description, ErrRegistered, in.OccurredOn, actor.UserID, db.Millis(now))
		if err != nil {
			return fmt.Errorf("supervision: register error: %w", err)
		}
		for _, e := range ev {
			if _, err := tx.Exec(ctx, `INSERT INTO sup_error_files (error_id, file_id, sha256, name, size, content_type) VALUES (?, ?, ?, ?, ?, ?)`,
				id, e.id, e.sha, e.name, e.size, e.ctype); err != nil {
				return err
			}
		}
		if err := errorEvent(ctx, tx, id, "register", in.Description, actor, now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, actor, "error.register", fmt.Sprintf("error:%d", id),
			map[string]any{"kind": in.Kind, "window": in.Window, "staff": in.Staff, "case": in.Case, "evidence": len(ev)}); err != nil {
			return err
		}
		body := fmt.Sprintf("电子监察登记了一条差错（%s）：%s。如有异议，可在差错登记中答复或申诉。", ErrorKindName(in.Kind), in.Description)
		return notifySubjects(ctx, tx, now, staffID, windowID, "差错登记通知", body, in.Case)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

func errorKindList() string {
	var b []string
	for _, k := range ErrorKinds {
		b = append(b, k.Code+"（"+k.Name+"）")
	}
	return strings.Join(b, "、")
}

func optID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func errorEvent(ctx context.Context, tx *db.Tx, id int64, action, text string, actor *zwfw.Actor, at time.Time) error {
	name := actor.Name
	if name == "" {
		name = actor.Username
	}
	_, err := tx.Exec(ctx, `INSERT INTO sup_error_events (error_id, action, body, actor_id, actor_name, at) VALUES (?, ?, ?, ?, ?, ?)`,
		id, action, text, optID(actor.UserID), name, db.Millis(at))
	if err != nil {
		return fmt.Errorf("supervision: error event: %w", err)
	}
	return nil
}

// notifySubjects tells the person an error is about, or when it names only
// a window, every active account working at that window.
func notifySubjects(ctx context.Context, tx *db.Tx, at time.Time, staffID, windowID int64, subject, body, serial string) error {
	ids := []int64{}
	if staffID != 0 {
		ids = append(ids, staffID)
	} else if windowID != 0 {
		rows, err := tx.Query(ctx, "SELECT id FROM users WHERE window_id = ? AND active = ? AND kind = 'staff'", windowID, true)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for _, id := range ids {
		if err := notify.Enqueue(ctx, tx, at, notify.Note{UserID: id, Subject: subject, Body: body, CaseSerial: serial}); err != nil {
			return err
		}
	}
	return nil
}

// subjectOf reports whether the actor is the person an error is about, or
// works at its window.
func errorSubject(a *zwfw.Actor, e *ErrorRecord) bool {
	if a == nil || a.Kind != zwfw.KindStaff {
		return false
	}
	return (e.StaffID != 0 && e.StaffID == a.UserID) || (e.WindowID != 0 && e.WindowID == a.WindowID)
}

// mayRead: supervisors and administrators in scope, and the error's subjects.
func mayReadError(a *zwfw.Actor, e *ErrorRecord) bool {
	if a == nil {
		return false
	}
	if a.HasAny(zwfw.RoleSupervisor, zwfw.RoleAdmin) && a.InScope(e.OrgPath) {
		return true
	}
	return errorSubject(a, e)
}

const errorCols = `SELECT e.id, e.kind, e.state, COALESCE(w.code, ''), COALESCE(w.name, ''), COALESCE(u.name, ''), COALESCE(u.username, ''),
	COALESCE(CASE WHEN d.full_name = '' THEN d.name ELSE d.full_name END, ''), e.case_serial, e.description, e.occurred_on,
	r.name, e.registered_at, COALESCE(x.name, ''), e.decided_at, e.reason, e.version,
	COALESCE(e.window_id, 0), COALESCE(e.staff_id, 0), e.registered_by, e.org_path
	FROM sup_errors e JOIN users r ON r.id = e.registered_by LEFT JOIN orgs w ON w.id = e.window_id
	LEFT JOIN users u ON u.id = e.staff_id LEFT JOIN orgs d ON d.id = e.dept_id LEFT JOIN users x ON x.id = e.decided_by`

func scanError(row interface{ Scan(...any) error }) (*ErrorRecord, error) {
	var e ErrorRecord
	var reg, dec int64
	err := row.Scan(&e.ID, &e.Kind, &e.State, &e.WindowCode, &e.WindowName, &e.StaffName, &e.StaffUser, &e.DeptName,
		&e.CaseSerial, &e.Description, &e.OccurredOn, &e.RegisteredBy, &reg, &e.DecidedBy, &dec, &e.Reason, &e.Version,
		&e.WindowID, &e.StaffID, &e.RegisteredByID, &e.OrgPath)
	if err != nil {
		return nil, err
	}
	e.KindName, e.StateName, e.RegisteredAt = ErrorKindName(e.Kind), ErrorStateName(e.State), db.Time(reg)
	if dec != 0 {
		e.DecidedAt = db.Time(dec)
	}
	return &e, nil
}

// Get returns one error with its steps and evidence, when the actor may
// read it; any other is 404.
func (s *Errors) Get(ctx context.Context, actor *zwfw.Actor, id int64) (*ErrorRecord, error) {
	if actor == nil {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	var e *ErrorRecord
	err := s.db.ReadTx(ctx, func(q db.Querier) error {
		var err error
		e, err = scanError(q.QueryRow(ctx, errorCols+" WHERE e.id = ?", id))
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !mayReadError(actor, e)) {
			return zwfw.Errorf(zwfw.ENOTFOUND, "差错记录 %d 不存在", id)
		}
		if err != nil {
			return err
		}
		rows, err := q.Query(ctx, "SELECT action, body, actor_name, at FROM sup_error_events WHERE error_id = ? ORDER BY id", id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var ev ErrorEvent
			var at int64
			if err := rows.Scan(&ev.Action, &ev.Text, &ev.ActorName, &at); err != nil {
				return err
			}
			ev.ActionName, ev.At = ErrorActionName(ev.Action), db.Time(at)
			e.Events = append(e.Events, ev)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		frows, err := q.Query(ctx, "SELECT id, file_id, name, size, content_type, sha256 FROM sup_error_files WHERE error_id = ? ORDER BY id", id)
		if err != nil {
			return err
		}
		defer frows.Close()
		for frows.Next() {
			var f ErrorEvidence
			if err := frows.Scan(&f.ID, &f.FileID, &f.Name, &f.Size, &f.ContentType, &f.SHA256); err != nil {
				return err
			}
			e.Evidence = append(e.Evidence, f)
		}
		return frows.Err()
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Evidence returns one evidence file of an error the actor may read.
func (s *Errors) Evidence(ctx context.Context, actor *zwfw.Actor, id, fileRow int64) (*ErrorEvidence, error) {
	e, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	for i := range e.Evidence {
		if e.Evidence[i].ID == fileRow {
			return &e.Evidence[i], nil
		}
	}
	return nil, zwfw.Errorf(zwfw.ENOTFOUND, "证据文件不存在")
}

// List returns the errors the actor may read, newest first, and their total:
// supervisors and administrators see their subtree; other staff see the
// errors about themselves and their window.
func (s *Errors) List(ctx context.Context, actor *zwfw.Actor, f ErrorQuery) ([]*ErrorRecord, int, error) {
	if actor == nil {
		return nil, 0, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if actor.Kind != zwfw.KindStaff && actor.Kind != zwfw.KindSystem {
		return nil, 0, zwfw.Errorf(zwfw.EFORBIDDEN, "差错登记仅供工作人员查看")
	}
	var where []string
	var args []any
	switch {
	case actor.Kind == zwfw.KindSystem:
	case actor.HasAny(zwfw.RoleSupervisor, zwfw.RoleAdmin):
		in, sargs := orgscope.Of(actor).Cond("e.org_path")
		where = append(where, "("+in+" OR e.staff_id = ? OR e.window_id = ?)")
		args = append(append(args, sargs...), actor.UserID, actor.WindowID)
	default:
		where = append(where, "(e.staff_id = ? OR e.window_id = ?)")
		args = append(args, actor.UserID, actor.WindowID)
	}
	if f.State != "" {
		if ErrorStateName(f.State) == "" {
			return nil, 0, zwfw.Errorf(zwfw.EINVALID, "差错状态“%s”无效", f.State)
		}
		where = append(where, "e.state = ?")
		args = append(args, f.State)
	}
	if f.Kind != "" {
		if ErrorKindName(f.Kind) == "" {
			return nil, 0, zwfw.Errorf(zwfw.EINVALID, "差错类型“%s”无效", f.Kind)
		}
		where = append(where, "e.kind = ?")
		args = append(args, f.Kind)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.db.QueryRow(ctx, "SELECT COUNT(*) FROM sup_errors e"+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("supervision: count errors: %w", err)
	}
	rows, err := s.db.Query(ctx, errorCols+cond+" ORDER BY e.id DESC LIMIT ? OFFSET ?", append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("supervision: list errors: %w", err)
	}
	defer rows.Close()
	out := []*ErrorRecord{}
	for rows.Next() {
		e, err := scanError(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, e)
	}
	return out, total, rows.Err()
}

// Allowed lists the actions the actor may take on e now (for the pages).
func (s *Errors) Allowed(actor *zwfw.Actor, e *ErrorRecord) []string {
	var out []string
	for _, a := range ErrorActions {
		if allowedErr(actor, e, a) == nil {
			out = append(out, a)
		}
	}
	return out
}

func allowedErr(actor *zwfw.Actor, e *ErrorRecord, action string) error {
	r, ok := errorMachine[action]
	if !ok {
		return zwfw.Errorf(zwfw.ENOTFOUND, "差错操作“%s”不存在", action)
	}
	if r.supervisor {
		if !isSupervisor(actor) || !actor.InScope(e.OrgPath) {
			return zwfw.Errorf(zwfw.EFORBIDDEN, "只有本级电子监察人员可以%s差错", r.name)
		}
	} else if !errorSubject(actor, e) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有差错所涉的工作人员或窗口可以%s", r.name)
	}
	for _, st := range r.from {
		if st == e.State {
			return nil
		}
	}
	return zwfw.Errorf(zwfw.ECONFLICT, "差错当前状态为“%s”，不能%s", e.StateName, r.name)
}

// Act takes an action on an error: respond or appeal (the person or the
// window's staff), confirm or revoke (a supervisor in scope). Each is one
// transaction with its step, audit entry and notification; a concurrent
// change makes the second one a conflict.
func (s *Errors) Act(ctx context.Context, actor *zwfw.Actor, id int64, action, text string) (*ErrorRecord, error) {
	e, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if err := allowedErr(actor, e, action); err != nil {
		return nil, err
	}
	r := errorMachine[action]
	text = strings.TrimSpace(text)
	switch {
	case text == "" && (action != ErrActConfirm || e.State == ErrAppealed):
		what := map[string]string{ErrActRespond: "答复内容", ErrActAppeal: "申诉理由", ErrActConfirm: "对申诉的处理意见", ErrActRevoke: "撤销理由"}[action]
		return nil, &zwfw.Error{Code: zwfw.EINVALID, Message: "请填写" + what, Details: []zwfw.ErrorDetail{{Field: "text", Message: "请填写" + what}}}
	case utf8.RuneCountInString(text) > 2000:
		return nil, zwfw.Errorf(zwfw.EINVALID, "内容不能超过 2000 字")
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		q := "UPDATE sup_errors SET state = ?, version = version + 1 WHERE id = ? AND version = ?"
		args := []any{r.to, id, e.Version}
		if r.supervisor {
			q = "UPDATE sup_errors SET state = ?, version = version + 1, decided_by = ?, decided_at = ?, reason = ? WHERE id = ? AND version = ?"
			args = []any{r.to, actor.UserID, db.Millis(now), text, id, e.Version}
		}
		res, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("supervision: %s error %d: %w", action, id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return zwfw.Errorf(zwfw.ECONFLICT, "差错记录已被他人处理，请刷新后重试")
		}
		if err := errorEvent(ctx, tx, id, action, text, actor, now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, actor, "error."+action, fmt.Sprintf("error:%d", id),
			map[string]any{"from": e.State, "to": r.to, "text": text}); err != nil {
			return err
		}
		if r.supervisor {
			body := fmt.Sprintf("您的差错记录（%s）已被%s。%s", e.KindName, r.name, text)
			return notifySubjects(ctx, tx, now, e.StaffID, e.WindowID, "差错"+r.name+"通知", body, e.CaseSerial)
		}
		who := actor.Name
		return notify.Enqueue(ctx, tx, now, notify.Note{UserID: e.RegisteredByID, Subject: "差错" + r.name,
			Body: fmt.Sprintf("%s对差错记录（%s）提出%s：%s", who, e.KindName, r.name, text), CaseSerial: e.CaseSerial})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}
