package inquiry

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/notify"
	orgscope "zwfw/internal/scope"
)

// Experiences (办事体验): "建立公众参与机制，鼓励引导群众分享办事经验"
// (实施方案二（三）). A signed-in applicant shares a short account of an
// item; a moderator — staff of the item's department, or a supervisor —
// approves it (then it shows on the guide, the name masked) or rejects it
// with a reason (the applicant is told). An approved account is never
// edited; a moderator may withdraw it, with a reason: a state of its own.

// MaxExperience is the longest account, in characters.
const MaxExperience = 300

// States of an experience.
const (
	ExpPending   = "pending"   // 待审核
	ExpApproved  = "approved"  // 已发布
	ExpRejected  = "rejected"  // 未通过
	ExpWithdrawn = "withdrawn" // 已撤下
)

var expNames = map[string]string{ExpPending: "待审核", ExpApproved: "已发布", ExpRejected: "未通过", ExpWithdrawn: "已撤下"}

// ExpStateName is the Chinese name of a state.
func ExpStateName(s string) string { return expNames[s] }

// Moderation actions.
const (
	ExpApprove  = "approve"
	ExpReject   = "reject"
	ExpWithdraw = "withdraw"
)

// ExpActions lists the moderation actions in display order.
var ExpActions = []string{ExpApprove, ExpReject, ExpWithdraw}

// expMachine: the state each action starts from and leads to, and whether
// it needs a reason.
var expMachine = map[string]struct {
	from, to string
	reason   bool
	name     string
}{
	ExpApprove:  {ExpPending, ExpApproved, false, "通过"},
	ExpReject:   {ExpPending, ExpRejected, true, "不通过"},
	ExpWithdraw: {ExpApproved, ExpWithdrawn, true, "撤下"},
}

// ExpActionName is the Chinese name of an action.
func ExpActionName(a string) string { return expMachine[a].name }

// Experience is one applicant's account of an item.
type Experience struct {
	ID             int64     `json:"id"`
	ItemCode       string    `json:"item_code"`
	ItemName       string    `json:"item_name,omitempty"`
	Author         string    `json:"author"` // masked: 张*
	Body           string    `json:"body"`
	Status         string    `json:"status"`
	StatusName     string    `json:"status_name"`
	CreatedAt      time.Time `json:"created_at"`
	DecidedBy      string    `json:"decided_by,omitempty"`
	DecidedAt      time.Time `json:"decided_at,omitzero"`
	Reason         string    `json:"reason,omitempty"`
	WithdrawnBy    string    `json:"withdrawn_by,omitempty"`
	WithdrawnAt    time.Time `json:"withdrawn_at,omitzero"`
	WithdrawReason string    `json:"withdraw_reason,omitempty"`
	Actions        []string  `json:"actions,omitempty"`

	deptPath string
	userID   int64
}

// MayModerate says whether the actor moderates the experiences of items of
// the department at deptPath: its reviewing staff and the supervisors
// whose subtree holds it.
func MayModerate(a *zwfw.Actor, deptPath string) error {
	if err := MayModerateAny(a); err != nil {
		return err
	}
	if !a.InScope(deptPath) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "该事项不属于您所在的部门")
	}
	return nil
}

// MayModerateAny says whether the actor moderates experiences at all (the
// moderation queue's entry).
func MayModerateAny(a *zwfw.Actor) error {
	if a == nil || a.Kind != zwfw.KindStaff || !a.HasAny(zwfw.RoleReviewer, zwfw.RoleSupervisor) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有事项所属部门的工作人员或电子监察人员可以审核办事体验")
	}
	return nil
}

// Share records an applicant's account of item code, pending moderation.
// One account of an item waits at a time per applicant.
func (s *Service) Share(ctx context.Context, actor *zwfw.Actor, code, body string) (*Experience, error) {
	if actor == nil || actor.UserID == 0 {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if actor.Kind != zwfw.KindPerson && actor.Kind != zwfw.KindEnterprise {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "办事体验由办事群众分享；工作人员不能代为发表")
	}
	body = strings.TrimSpace(body)
	var v zwfw.Invalid
	switch {
	case body == "":
		v.Add("body", "请写下您的办事体验")
	case runes(body) > MaxExperience:
		v.Add("body", "办事体验不能超过 %d 字（现 %d 字）", MaxExperience, runes(body))
	}
	it, err := s.catalog.Get(ctx, strings.TrimSpace(code))
	if err != nil {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "事项 %s 不存在", code)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	var id int64
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM item_experiences WHERE item_code = ? AND user_id = ? AND status = ?",
			it.Code, actor.UserID, ExpPending).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return zwfw.Errorf(zwfw.ECONFLICT, "您对“%s”的办事体验正在审核，审核后可再分享", it.Name)
		}
		dept, err := lookupOrg(ctx, tx, "code = ?", it.Dept)
		if err != nil {
			return err
		}
		name := actor.Name
		if name == "" {
			name = actor.Username
		}
		id, err = db.InsertID(ctx, tx, `INSERT INTO item_experiences (item_code, dept_id, user_id, author_name, body, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, it.Code, dept.ID, actor.UserID, name, body, ExpPending, db.Millis(now))
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, actor, "experience.share", "experience:"+strconv.FormatInt(id, 10), map[string]any{"item": it.Code})
	})
	if err != nil {
		return nil, err
	}
	return &Experience{ID: id, ItemCode: it.Code, ItemName: it.Name, Author: maskName(actor.Name), Body: body, Status: ExpPending,
		StatusName: ExpStateName(ExpPending), CreatedAt: now}, nil
}

const expCols = `SELECT e.id, e.item_code, COALESCE((SELECT MIN(i.name) FROM items i WHERE i.code = e.item_code), ''), e.author_name, e.body, e.status, e.created_at, e.decided_by, e.decided_at,
	e.reason, e.withdrawn_by, e.withdrawn_at, e.withdraw_reason, d.path, e.user_id
	FROM item_experiences e JOIN orgs d ON d.id = e.dept_id`

func scanExp(row interface{ Scan(...any) error }) (*Experience, error) {
	var e Experience
	var created, decided, withdrawn int64
	if err := row.Scan(&e.ID, &e.ItemCode, &e.ItemName, &e.Author, &e.Body, &e.Status, &created, &e.DecidedBy, &decided,
		&e.Reason, &e.WithdrawnBy, &withdrawn, &e.WithdrawReason, &e.deptPath, &e.userID); err != nil {
		return nil, err
	}
	e.Author, e.StatusName, e.CreatedAt = maskName(e.Author), ExpStateName(e.Status), db.Time(created)
	if decided != 0 {
		e.DecidedAt = db.Time(decided)
	}
	if withdrawn != 0 {
		e.WithdrawnAt = db.Time(withdrawn)
	}
	return &e, nil
}

func (s *Service) expList(ctx context.Context, where string, args []any, limit int) ([]*Experience, error) {
	rows, err := s.db.Query(ctx, expCols+" WHERE "+where+" ORDER BY e.created_at DESC, e.id DESC LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Experience{}
	for rows.Next() {
		e, err := scanExp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Published lists the approved accounts of an item, newest first, for its
// guide (anyone reads them; no moderation detail).
func (s *Service) Published(ctx context.Context, code string, limit int) ([]*Experience, error) {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	list, err := s.expList(ctx, "e.item_code = ? AND e.status = ?", []any{code, ExpApproved}, limit)
	for _, e := range list {
		e.DecidedBy, e.DecidedAt = "", time.Time{}
	}
	return list, err
}

// Mine lists the applicant's own accounts of an item (any state: the
// applicant sees a rejection's reason).
func (s *Service) Mine(ctx context.Context, actor *zwfw.Actor, code string) ([]*Experience, error) {
	if actor == nil || actor.UserID == 0 || actor.IsStaff() {
		return nil, nil
	}
	return s.expList(ctx, "e.item_code = ? AND e.user_id = ?", []any{code, actor.UserID}, 20)
}

// Queue lists the accounts the actor moderates (by the departments in its
// subtree), filtered by state ("" all), newest first.
func (s *Service) Queue(ctx context.Context, actor *zwfw.Actor, state string, limit int) ([]*Experience, error) {
	if err := MayModerateAny(actor); err != nil {
		return nil, err
	}
	cond, args := orgscope.Of(actor).Cond("d.path")
	if state != "" {
		if ExpStateName(state) == "" {
			return nil, zwfw.Errorf(zwfw.EINVALID, "状态应为 pending、approved、rejected 或 withdrawn")
		}
		cond, args = cond+" AND e.status = ?", append(args, state)
	}
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	list, err := s.expList(ctx, cond, args, limit)
	for _, e := range list {
		e.Actions = expAllowed(actor, e)
	}
	return list, err
}

func expAllowed(actor *zwfw.Actor, e *Experience) []string {
	out := []string{}
	if MayModerate(actor, e.deptPath) != nil {
		return out
	}
	for _, a := range ExpActions {
		if expMachine[a].from == e.Status {
			out = append(out, a)
		}
	}
	return out
}

// Moderate approves, rejects or withdraws experience id. A rejection or a
// withdrawal needs the reason, and tells the applicant.
func (s *Service) Moderate(ctx context.Context, actor *zwfw.Actor, id int64, action, reason string) (*Experience, error) {
	m, ok := expMachine[action]
	if !ok {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "审核操作“%s”不存在", action)
	}
	if actor == nil || !actor.IsStaff() {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "只有事项所属部门的工作人员或电子监察人员可以审核办事体验")
	}
	reason = strings.TrimSpace(reason)
	now := s.now()
	var out *Experience
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		e, err := scanExp(tx.QueryRow(ctx, expCols+" WHERE e.id = ?", id))
		if errors.Is(err, sql.ErrNoRows) || err == nil && !actor.InScope(e.deptPath) {
			return zwfw.Errorf(zwfw.ENOTFOUND, "办事体验 %d 不存在", id)
		}
		if err != nil {
			return err
		}
		if err := MayModerate(actor, e.deptPath); err != nil {
			return err
		}
		if e.Status != m.from {
			return zwfw.Errorf(zwfw.ECONFLICT, "办事体验 %d %s，不能%s", id, e.StatusName, m.name)
		}
		var v zwfw.Invalid
		if m.reason && reason == "" {
			v.Add("reason", "请填写%s的理由", m.name)
		} else if runes(reason) > 500 {
			v.Add("reason", "理由不能超过 500 字")
		}
		if err := v.Err(); err != nil {
			return err
		}
		name := staffName(actor)
		var res sql.Result
		if action == ExpWithdraw {
			res, err = tx.Exec(ctx, "UPDATE item_experiences SET status = ?, withdrawn_by = ?, withdrawn_at = ?, withdraw_reason = ? WHERE id = ? AND status = ?",
				m.to, name, db.Millis(now), reason, id, m.from)
		} else {
			res, err = tx.Exec(ctx, "UPDATE item_experiences SET status = ?, decided_by_id = ?, decided_by = ?, decided_at = ?, reason = ? WHERE id = ? AND status = ?",
				m.to, actor.UserID, name, db.Millis(now), reason, id, m.from)
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return zwfw.Errorf(zwfw.ECONFLICT, "办事体验 %d 已被他人审核，请刷新", id)
		}
		if action != ExpApprove {
			what := "未通过审核"
			if action == ExpWithdraw {
				what = "已被撤下"
			}
			if err := notify.Enqueue(ctx, tx, now, notify.Note{UserID: e.userID, Subject: "您分享的办事体验" + what,
				Body: "您对“" + e.ItemName + "”分享的办事体验" + what + "。理由：" + reason}); err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, tx, now, actor, "experience."+action, "experience:"+strconv.FormatInt(id, 10),
			map[string]any{"item": e.ItemCode, "reason": reason}); err != nil {
			return err
		}
		e.Status, e.StatusName = m.to, ExpStateName(m.to)
		out = e
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.Actions = expAllowed(actor, out)
	return out, nil
}
