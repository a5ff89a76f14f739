package complaint

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/notify"
	"zwfw/internal/pii"
	orgscope "zwfw/internal/scope"
	"zwfw/internal/throttle"
)

// Actions of staff on a complaint.
const (
	ActAssign = "assign" // 分派: to the department, centre or window that answers
	ActAnswer = "answer" // 答复
	ActReopen = "reopen" // 重新办理: once, after an unsatisfied rating
)

// StaffActions lists them in display order.
var StaffActions = []string{ActAssign, ActAnswer, ActReopen}

var actionNames = map[string]string{ActAssign: "分派", ActAnswer: "答复", ActReopen: "重新办理", "file": "登记", "rate": "评价"}

// ActionName is the Chinese name of an action.
func ActionName(a string) string {
	if n, ok := actionNames[a]; ok {
		return n
	}
	return a
}

// manages: a supervisor (电子监察) or a centre's manager (大厅管理员) whose
// subtree holds where the complaint was filed assigns it, and reopens it.
func manages(a *zwfw.Actor, c *Complaint) bool {
	return a != nil && a.Kind == zwfw.KindStaff && a.HasAny(zwfw.RoleSupervisor, zwfw.RoleHallManager) && a.InScope(c.OrgPath)
}

// answers: the staff of the unit it is assigned to — whose organisation
// lies in the unit's subtree, or who work at the window — answer it; a
// supervisor follows it up but does not answer for the unit.
func answers(a *zwfw.Actor, c *Complaint) bool {
	if a == nil || a.Kind != zwfw.KindStaff || c.UnitPath == "" {
		return false
	}
	if !a.HasAny(zwfw.RoleWindow, zwfw.RoleReviewer, zwfw.RoleHallManager) {
		return false
	}
	return a.InScope(c.UnitPath) || (a.WindowID != 0 && a.WindowID == c.UnitID)
}

// mayRead: its managers and answerers, administrators in scope, and whoever
// registered it.
func mayRead(a *zwfw.Actor, c *Complaint) bool {
	if a == nil || a.Kind != zwfw.KindStaff {
		return a != nil && a.Kind == zwfw.KindSystem
	}
	if manages(a, c) || answers(a, c) || (c.RegByID != 0 && c.RegByID == a.UserID) {
		return true
	}
	return a.Has(zwfw.RoleAdmin) && (a.InScope(c.OrgPath) || (c.UnitPath != "" && a.InScope(c.UnitPath)))
}

// Allowed lists the actions the actor may take on c now: the one answer
// pages and the API render.
func Allowed(a *zwfw.Actor, c *Complaint) []string {
	var out []string
	if manages(a, c) && (c.State == Received || c.State == Assigned) {
		out = append(out, ActAssign)
	}
	if answers(a, c) && c.State == Assigned {
		out = append(out, ActAnswer)
	}
	if manages(a, c) && c.State == Rated && c.Rating == Dissatisfied && c.Reopened == 0 {
		out = append(out, ActReopen)
	}
	return out
}

// ActInput is what an action says: the unit's code (assign), the answer or
// the reason (answer, reopen).
type ActInput struct {
	Unit string `json:"unit,omitempty"`
	Text string `json:"text,omitempty"`
}

// Act takes an action on the complaint numbered number, with its audit
// entry and notes in one transaction. A stale version (two people at once)
// is a conflict.
func (s *Service) Act(ctx context.Context, actor *zwfw.Actor, number, action string, in ActInput) (*Complaint, error) {
	if actor == nil {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if !slices.Contains(StaffActions, action) {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "操作“%s”不存在", action)
	}
	c, err := s.Get(ctx, actor, number)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(Allowed(actor, c), action) {
		return nil, refusal(actor, c, action)
	}
	in.Text, in.Unit = strings.TrimSpace(in.Text), strings.TrimSpace(in.Unit)
	now := s.now()
	var unitID int64
	var unitPath, unitName string
	var v zwfw.Invalid
	switch action {
	case ActAssign:
		var kind string
		var active bool
		err := s.db.Reader().QueryRow(ctx, "SELECT id, path, kind, active, CASE WHEN full_name = '' THEN name ELSE full_name END FROM orgs WHERE code = ?", in.Unit).
			Scan(&unitID, &unitPath, &kind, &active, &unitName)
		switch {
		case in.Unit == "":
			v.Add("unit", "请选择承办的部门、中心或窗口")
		case err != nil || !active:
			v.Add("unit", "承办单位“%s”不存在", in.Unit)
		case kind != "dept" && kind != "centre" && kind != "window":
			v.Add("unit", "只能分派给部门、服务中心或窗口")
		case !actor.InScope(unitPath):
			v.Add("unit", "承办单位“%s”不在您的管理范围内", unitName)
		case unitID == c.UnitID:
			v.Add("unit", "已分派给%s，无需重复分派", unitName)
		}
		if utf8.RuneCountInString(in.Text) > 500 {
			v.Add("text", "分派说明不能超过 500 字")
		}
	case ActAnswer:
		if n := utf8.RuneCountInString(in.Text); n < 5 {
			v.Add("text", "请填写答复内容（至少 5 个字）：查明的情况、处理结果和依据")
		} else if n > 2000 {
			v.Add("text", "答复内容不能超过 2000 字")
		}
	case ActReopen:
		if utf8.RuneCountInString(in.Text) < 2 {
			v.Add("text", "请填写重新办理的理由")
		} else if utf8.RuneCountInString(in.Text) > 500 {
			v.Add("text", "重新办理的理由不能超过 500 字")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var res sql.Result
		var err error
		var text string
		var notes []notify.Note
		switch action {
		case ActAssign:
			res, err = tx.Exec(ctx, `UPDATE complaints SET state = ?, unit_id = ?, unit_path = ?, assigned_by = ?, assigned_at = ?, version = version + 1
				WHERE id = ? AND version = ?`, Assigned, unitID, unitPath, actor.UserID, db.Millis(now), c.ID, c.Version)
			text = "分派给" + unitName
			if in.Text != "" {
				text += "：" + in.Text
			}
			owners, oerr := ownersOf(ctx, tx, unitID, unitPath)
			if oerr != nil {
				return oerr
			}
			body := fmt.Sprintf("%s %s（%s）已分派给%s", c.KindName, c.Number, c.Subject, unitName)
			if c.Deadline != "" {
				body += "，请于 " + c.Deadline + " 前答复"
			}
			for _, u := range owners {
				notes = append(notes, notify.Note{UserID: u, Subject: "请办理" + c.KindName + "：" + c.Number, Body: body + "。", CaseSerial: c.CaseSerial})
			}
		case ActAnswer:
			res, err = tx.Exec(ctx, `UPDATE complaints SET state = ?, answer = ?, answered_by = ?, answered_at = ?, version = version + 1
				WHERE id = ? AND version = ?`, Answered, in.Text, actor.UserID, db.Millis(now), c.ID, c.Version)
			text = in.Text
			// The complainant is told (附件2（六）1 按有关规定及时处理).
			if c.phone != "" || c.UserID != 0 {
				notes = append(notes, notify.Note{UserID: c.UserID, Phone: c.phone, Subject: "投诉建议已答复：" + c.Number,
					Body: fmt.Sprintf("您反映的%s（编号 %s）已答复，请凭编号和查询码查看答复并评价。", c.KindName, c.Number)})
			}
		case ActReopen:
			deadline, derr := s.deadline(ctx, c.OrgPath, c.Kind, now)
			if derr != nil {
				return derr
			}
			res, err = tx.Exec(ctx, `UPDATE complaints SET state = ?, reopened = reopened + 1, rating = '', deadline = ?, version = version + 1
				WHERE id = ? AND version = ? AND reopened = 0`, Assigned, deadline, c.ID, c.Version)
			text = in.Text
			owners, oerr := ownersOf(ctx, tx, c.UnitID, c.UnitPath)
			if oerr != nil {
				return oerr
			}
			for _, u := range owners {
				notes = append(notes, notify.Note{UserID: u, Subject: "重新办理" + c.KindName + "：" + c.Number,
					Body: fmt.Sprintf("投诉人对 %s 的答复不满意，电子监察要求重新办理：%s", c.Number, in.Text), CaseSerial: c.CaseSerial})
			}
		}
		if err != nil {
			return fmt.Errorf("complaint: %s %s: %w", action, c.Number, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return zwfw.Errorf(zwfw.ECONFLICT, "%s %s 已被他人处理，请刷新后再试", c.KindName, c.Number)
		}
		if err := event(ctx, tx, c.ID, action, text, actor, now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, actor, "complaint."+action, "complaint:"+c.Number,
			map[string]any{"unit": in.Unit, "state_from": c.State}); err != nil {
			return err
		}
		return notify.EnqueueAll(ctx, tx, now, notes)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, number)
}

// refusal says why an action is not allowed now.
func refusal(a *zwfw.Actor, c *Complaint, action string) error {
	switch action {
	case ActAssign, ActReopen:
		if !manages(a, c) {
			return zwfw.Errorf(zwfw.EFORBIDDEN, "只有本中心的电子监察人员或大厅管理员可以%s", ActionName(action))
		}
		if action == ActReopen {
			if c.Reopened > 0 {
				return zwfw.Errorf(zwfw.ECONFLICT, "%s 已重新办理过一次，不能再次重新办理", c.Number)
			}
			return zwfw.Errorf(zwfw.ECONFLICT, "只有投诉人评价“不满意”的才能重新办理（当前：%s，%s）", c.StateName, RatingName(c.Rating))
		}
	case ActAnswer:
		if !answers(a, c) {
			return zwfw.Errorf(zwfw.EFORBIDDEN, "只有承办单位的工作人员可以答复")
		}
	}
	return zwfw.Errorf(zwfw.ECONFLICT, "%s 当前为“%s”，不能%s", c.Number, c.StateName, ActionName(action))
}

// Public is what the complainant reads with the number and the code.
type Public struct {
	Number       string  `json:"number"`
	Kind         string  `json:"kind_name"`
	Category     string  `json:"category_name"`
	Subject      string  `json:"subject"`
	OrgName      string  `json:"org_name"`
	State        string  `json:"state"`
	StateName    string  `json:"state_name"`
	UnitName     string  `json:"unit_name,omitempty"`
	Deadline     string  `json:"deadline,omitempty"`
	Answer       string  `json:"answer,omitempty"`
	AnsweredAt   string  `json:"answered_at,omitempty"`
	Rating       string  `json:"rating,omitempty"`
	RatingName   string  `json:"rating_name"`
	MayRate      bool    `json:"may_rate"`
	Filed        string  `json:"filed"`
	Steps        []Event `json:"steps"`
	CaseSerial   string  `json:"case_serial,omitempty"`
	ContactPhone string  `json:"contact_phone,omitempty"` // masked
}

// Lookup reads a complaint by its number and query code for a client at
// addr. Failures (a wrong code, or a number that does not exist — told
// apart by nobody) count against the address, as the case lookup does.
func (s *Service) Lookup(ctx context.Context, number, code, addr string) (*Public, error) {
	c, err := s.public(ctx, number, code, addr)
	if err != nil {
		return nil, err
	}
	return publicOf(c), nil
}

func publicOf(c *Complaint) *Public {
	p := &Public{Number: c.Number, Kind: c.KindName, Category: c.CategoryName, Subject: c.Subject, OrgName: c.OrgName,
		State: c.State, StateName: c.StateName, UnitName: c.UnitName, Deadline: c.Deadline, Answer: c.Answer,
		Rating: c.Rating, RatingName: RatingName(c.Rating), MayRate: c.State == Answered,
		Filed: c.CreatedAt.In(zwfw.Zone).Format("2006-01-02 15:04"), CaseSerial: c.CaseSerial, ContactPhone: c.ContactPhone}
	if !c.AnsweredAt.IsZero() {
		p.AnsweredAt = c.AnsweredAt.In(zwfw.Zone).Format("2006-01-02 15:04")
	}
	for _, e := range c.Events {
		// Staff names stay inside: the public sees the step and the time.
		x := Event{Action: e.Action, ActionName: e.ActionName, At: e.At}
		if e.Action == ActAnswer {
			x.Text = e.Text
		}
		p.Steps = append(p.Steps, x)
	}
	return p
}

func (s *Service) public(ctx context.Context, number, code, addr string) (*Complaint, error) {
	number = strings.ToUpper(strings.TrimSpace(number))
	code = strings.TrimSpace(code)
	notFound := zwfw.Errorf(zwfw.ENOTFOUND, "没有找到编号为 %s、查询码相符的投诉建议，请核对编号和查询码", number)
	if number == "" || len(code) < 4 || len(code) > 16 {
		return nil, zwfw.Errorf(zwfw.EINVALID, "请填写编号和 6 位查询码")
	}
	limit := s.lookup
	if limit == (throttle.Limit{}) {
		limit = DefaultLookupLimit
	}
	key := lookupKey + throttle.Addr(addr)
	var start int64
	if !limit.Off() {
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			var err error
			start, err = throttle.Take(ctx, tx, key, limit, s.now(), "查询失败次数过多，请稍后再试")
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	var want string
	found := true
	if err := s.db.Reader().QueryRow(ctx, "SELECT query_code FROM complaints WHERE number = ?", number).Scan(&want); err != nil {
		found, want = false, "~none~"
	}
	if subtle.ConstantTimeCompare([]byte(code), []byte(want)) != 1 || !found {
		return nil, notFound
	}
	if start != 0 {
		if err := s.db.InTx(ctx, func(tx *db.Tx) error { return throttle.Give(ctx, tx, key, start) }); err != nil {
			return nil, err
		}
	}
	return s.get(ctx, s.db.Reader(), "c.number = ?", number)
}

// Rate records the complainant's rating of the answer: once per answer
// (a reopened complaint's new answer may be rated again).
func (s *Service) Rate(ctx context.Context, number, code, rating, comment, addr string) (*Public, error) {
	if ratingNames[rating] == "" {
		return nil, zwfw.Errorf(zwfw.EINVALID, "请选择评价：满意、基本满意或不满意")
	}
	comment = strings.TrimSpace(comment)
	if utf8.RuneCountInString(comment) > 500 {
		return nil, zwfw.Errorf(zwfw.EINVALID, "评价意见不能超过 500 字")
	}
	c, err := s.public(ctx, number, code, addr)
	if err != nil {
		return nil, err
	}
	if c.State != Answered {
		if c.Rating != "" || c.State == Rated {
			return nil, zwfw.Errorf(zwfw.ECONFLICT, "您已评价过这次答复（%s），每次答复只能评价一次", RatingName(c.Rating))
		}
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "尚未答复，答复后才能评价")
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE complaints SET state = ?, rating = ?, rated_at = ?, version = version + 1
			WHERE id = ? AND state = ? AND rating = ''`, Rated, rating, db.Millis(now), c.ID, Answered)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return zwfw.Errorf(zwfw.ECONFLICT, "您已评价过这次答复，每次答复只能评价一次")
		}
		text := RatingName(rating)
		if comment != "" {
			text += "：" + comment
		}
		if _, err := tx.Exec(ctx, `INSERT INTO complaint_events (complaint_id, action, body, actor_id, actor_name, at) VALUES (?, ?, ?, ?, ?, ?)`,
			c.ID, "rate", text, optID(c.UserID), "投诉人", db.Millis(now)); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, nil, "complaint.rate", "complaint:"+c.Number, map[string]any{"rating": rating}); err != nil {
			return err
		}
		if rating != Dissatisfied {
			return nil
		}
		// An unsatisfied rating goes to those who may reopen it.
		mgrs, err := managersOf(ctx, tx, c.OrgPath)
		if err != nil {
			return err
		}
		var notes []notify.Note
		for _, u := range mgrs {
			notes = append(notes, notify.Note{UserID: u, Subject: "投诉人不满意：" + c.Number,
				Body: fmt.Sprintf("%s %s（%s）的答复被评为不满意，可重新办理一次。", c.KindName, c.Number, c.Subject)})
		}
		return notify.EnqueueAll(ctx, tx, now, notes)
	})
	if err != nil {
		return nil, err
	}
	c, err = s.get(ctx, s.db.Reader(), "c.id = ?", c.ID)
	if err != nil {
		return nil, err
	}
	return publicOf(c), nil
}

// managersOf are who assign what is filed at path: the active hall
// managers whose organisation holds it, and the supervisors whose
// organisation holds it below the county (the county's own supervisors
// hear of it when it runs late: duty.go).
func managersOf(ctx context.Context, q db.Querier, path string) ([]int64, error) {
	county, _, err := countyOf(ctx, q, path)
	if err != nil {
		return nil, err
	}
	above, args := orgscope.Above("o.path", path)
	rows, err := q.Query(ctx, `SELECT u.id, o.path, u.roles LIKE ? FROM users u JOIN orgs o ON o.id = u.org_id
		WHERE u.active = ? AND u.kind = 'staff' AND (u.roles LIKE ? OR u.roles LIKE ?) AND `+above+` ORDER BY u.id`,
		append([]any{"%," + zwfw.RoleHallManager + ",%", true, "%," + zwfw.RoleSupervisor + ",%", "%," + zwfw.RoleHallManager + ",%"}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		var p string
		var hall bool
		if err := rows.Scan(&id, &p, &hall); err != nil {
			return nil, err
		}
		if hall || county == "" || len(p) > len(county) {
			out = append(out, id)
		}
	}
	return out, rows.Err()
}

// ownersOf are the staff who answer for a unit: those working at the
// window, or whose organisation lies in the department's or centre's
// subtree, in a serving role.
func ownersOf(ctx context.Context, q db.Querier, unitID int64, unitPath string) ([]int64, error) {
	if unitID == 0 {
		return nil, nil
	}
	cond, args := orgscope.Subtree(unitPath).Cond("o.path")
	return userIDs(ctx, q, `SELECT u.id FROM users u JOIN orgs o ON o.id = u.org_id
		WHERE u.active = ? AND u.kind = 'staff' AND (u.roles LIKE ? OR u.roles LIKE ? OR u.roles LIKE ?)
		AND (u.window_id = ? OR `+cond+`) ORDER BY u.id`,
		append([]any{true, "%," + zwfw.RoleWindow + ",%", "%," + zwfw.RoleReviewer + ",%", "%," + zwfw.RoleHallManager + ",%", unitID}, args...)...)
}

func userIDs(ctx context.Context, q db.Querier, query string, args ...any) ([]int64, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

var errNoRows = sql.ErrNoRows

func isNoRows(err error) bool { return errors.Is(err, errNoRows) }

// openContact opens the sealed name and phone of a row.
func openContact(r *pii.Ring, name, phone string) (string, string, error) {
	var err error
	if name != "" {
		if name, err = r.Open(NameCol.Label(), name); err != nil {
			return "", "", err
		}
	}
	if phone != "" {
		if phone, err = r.Open(PhoneCol.Label(), phone); err != nil {
			return "", "", err
		}
	}
	return name, phone, nil
}
