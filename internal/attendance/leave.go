package attendance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
	"zwfw/internal/notify"
	orgscope "zwfw/internal/scope"
)

// Leave kinds (请假类型).
var LeaveKinds = []struct{ Code, Name string }{
	{"personal", "事假"}, {"sick", "病假"}, {"annual", "年休假"}, {"official", "公出"},
}

// LeaveKindName is the Chinese name of a leave kind ("" when unknown).
func LeaveKindName(k string) string {
	for _, x := range LeaveKinds {
		if x.Code == k {
			return x.Name
		}
	}
	return ""
}

// States of a leave.
const (
	LeavePending   = "pending"   // 待审批
	LeaveApproved  = "approved"  // 已批准，未离岗
	LeaveRejected  = "rejected"  // 未批准
	LeaveStarted   = "started"   // 已离岗
	LeaveEnded     = "ended"     // 已销假
	LeaveCancelled = "cancelled" // 已撤销
)

var leaveStateNames = map[string]string{LeavePending: "待审批", LeaveApproved: "已批准（未离岗）", LeaveRejected: "未批准",
	LeaveStarted: "请假中", LeaveEnded: "已销假", LeaveCancelled: "已撤销"}

// LeaveStateName is the Chinese name of a leave state.
func LeaveStateName(s string) string { return leaveStateNames[s] }

// counts reports whether a leave in state s excuses absence.
func counts(s string) bool { return s == LeaveApproved || s == LeaveStarted || s == LeaveEnded }

// Leave actions.
const (
	LeaveApprove = "approve" // the centre manager
	LeaveReject  = "reject"  // the centre manager
	LeaveStart   = "start"   // the person leaves the window (离岗)
	LeaveEnd     = "end"     // the person is back (销假)
	LeaveCancel  = "cancel"  // the person withdraws it before leaving
)

// leaveRule is one row of the leave's state machine.
type leaveRule struct {
	from    []string
	to      string
	manager bool // the centre manager; else the person on leave
	name    string
}

var leaveMachine = map[string]leaveRule{
	LeaveApprove: {[]string{LeavePending}, LeaveApproved, true, "批准"},
	LeaveReject:  {[]string{LeavePending}, LeaveRejected, true, "不批准"},
	LeaveStart:   {[]string{LeaveApproved}, LeaveStarted, false, "离岗"},
	LeaveEnd:     {[]string{LeaveStarted}, LeaveEnded, false, "销假"},
	LeaveCancel:  {[]string{LeavePending, LeaveApproved}, LeaveCancelled, false, "撤销"},
}

// LeaveActionName is the Chinese name of a leave action.
func LeaveActionName(a string) string { return leaveMachine[a].name }

// Leave is one leave request (请假).
type Leave struct {
	ID         int64     `json:"id"`
	Staff      string    `json:"staff"`
	StaffName  string    `json:"staff_name"`
	Centre     string    `json:"centre_name"`
	Window     string    `json:"window_name,omitempty"`
	Kind       string    `json:"kind"`
	KindName   string    `json:"kind_name"`
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	Reason     string    `json:"reason"`
	State      string    `json:"state"`
	StateName  string    `json:"state_name"`
	DecidedBy  string    `json:"decided_by,omitempty"`
	Opinion    string    `json:"opinion,omitempty"`
	StartedAt  time.Time `json:"started_at,omitzero"`
	CoveredBy  string    `json:"covered_by,omitempty"`
	EndedAt    time.Time `json:"ended_at,omitzero"`
	HalfDay    bool      `json:"half_day_or_more"` // needs the B post at the window before it starts
	Version    int       `json:"version"`
	Actions    []string  `json:"actions"` // what the reader may do now
	userID     int64
	windowID   int64
	centreID   int64
	centrePath string
}

// LeaveInput requests leave.
type LeaveInput struct {
	Kind   string `json:"kind"`
	From   string `json:"from"` // RFC 3339 or YYYY-MM-DDTHH:MM (county time)
	To     string `json:"to"`
	Reason string `json:"reason"`
}

// parseInstant reads RFC 3339 or a datetime-local value in county time.
func parseInstant(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04", s, zwfw.Zone); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// RequestLeave files a leave request of the actor, for the centre
// manager's approval (附件2（六）4: "批准后方可离开").
func (s *Service) RequestLeave(ctx context.Context, actor *zwfw.Actor, in LeaveInput) (*Leave, error) {
	if err := mayPunch(actor); err != nil {
		return nil, err
	}
	st, err := s.staffBy(ctx, s.db.Reader(), "u.id = ?", actor.UserID)
	if err != nil {
		return nil, err
	}
	var v zwfw.Invalid
	if LeaveKindName(in.Kind) == "" {
		v.Add("kind", "请假类型“%s”无效，应为事假（personal）、病假（sick）、年休假（annual）或公出（official）", in.Kind)
	}
	from, ok1 := parseInstant(in.From)
	to, ok2 := parseInstant(in.To)
	if !ok1 {
		v.Add("from", "开始时间“%s”格式不正确", in.From)
	}
	if !ok2 {
		v.Add("to", "结束时间“%s”格式不正确", in.To)
	}
	if ok1 && ok2 && !to.After(from) {
		v.Add("to", "结束时间应晚于开始时间")
	}
	if ok1 && ok2 && to.Sub(from) > 62*24*time.Hour {
		v.Add("to", "一次请假不超过 62 天")
	}
	checkRequest(&v, st, &in.Reason, "请假")
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	var id int64
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = db.InsertID(ctx, tx, `INSERT INTO attendance_leaves (user_id, org_id, window_id, kind, from_at, to_at, reason, state, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, st.id, st.centreID, st.windowID, in.Kind, db.Millis(from), db.Millis(to), in.Reason, LeavePending, db.Millis(now))
		if err != nil {
			return fmt.Errorf("attendance: request leave: %w", err)
		}
		if err := audit.Record(ctx, tx, now, actor, "leave.request", fmt.Sprintf("leave:%d", id),
			map[string]any{"kind": in.Kind, "from": from, "to": to}); err != nil {
			return err
		}
		return s.tellManagers(ctx, tx, now, st.centrePath, "请假待审批",
			fmt.Sprintf("%s申请%s：%s 至 %s。事由：%s", st.name, LeaveKindName(in.Kind), from.In(zwfw.Zone).Format("01-02 15:04"), to.In(zwfw.Zone).Format("01-02 15:04"), in.Reason))
	})
	if err != nil {
		return nil, err
	}
	return s.LeaveByID(ctx, actor, id)
}

// tellManagers notifies the centre's managers.
func (s *Service) tellManagers(ctx context.Context, tx *db.Tx, at time.Time, centrePath, subject, body string) error {
	above, args := orgscope.Above("o.path", centrePath)
	rows, err := tx.Query(ctx, `SELECT u.id, u.roles FROM users u JOIN orgs o ON o.id = u.org_id
		WHERE u.active = ? AND u.kind = 'staff' AND `+above, append([]any{true}, args...)...)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		var roles string
		if err := rows.Scan(&id, &roles); err != nil {
			rows.Close()
			return err
		}
		if slices.Contains(strings.Split(roles, ","), zwfw.RoleHallManager) {
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if err := notify.Enqueue(ctx, tx, at, notify.Note{UserID: id, Subject: subject, Body: body}); err != nil {
			return err
		}
	}
	return nil
}

const leaveCols = `SELECT l.id, u.username, u.name, CASE WHEN c.full_name = '' THEN c.name ELSE c.full_name END, COALESCE(w.name, ''),
	l.kind, l.from_at, l.to_at, l.reason, l.state, COALESCE(d.name, ''), l.opinion, l.started_at, COALESCE(b.name, ''), l.ended_at,
	l.version, l.user_id, COALESCE(l.window_id, 0), l.org_id, c.path
	FROM attendance_leaves l JOIN users u ON u.id = l.user_id JOIN orgs c ON c.id = l.org_id LEFT JOIN orgs w ON w.id = l.window_id
	LEFT JOIN users d ON d.id = l.decided_by LEFT JOIN users b ON b.id = l.covered_by`

func scanLeave(row interface{ Scan(...any) error }) (*Leave, error) {
	var l Leave
	var from, to, started, ended int64
	err := row.Scan(&l.ID, &l.Staff, &l.StaffName, &l.Centre, &l.Window, &l.Kind, &from, &to, &l.Reason, &l.State, &l.DecidedBy,
		&l.Opinion, &started, &l.CoveredBy, &ended, &l.Version, &l.userID, &l.windowID, &l.centreID, &l.centrePath)
	if err != nil {
		return nil, err
	}
	l.From, l.To, l.StartedAt, l.EndedAt = db.Time(from), db.Time(to), db.Time(started), db.Time(ended)
	l.KindName, l.StateName = LeaveKindName(l.Kind), LeaveStateName(l.State)
	return &l, nil
}

// mayReadLeave: the person, and who may read the centre's attendance.
func mayReadLeave(a *zwfw.Actor, l *Leave) bool {
	return a != nil && (a.UserID == l.userID && a.Kind == zwfw.KindStaff || MayRead(a, l.centrePath))
}

// LeaveActions lists what a may do to l now, by the machine (pages render
// its answer).
func LeaveActions(a *zwfw.Actor, l *Leave) []string {
	out := []string{}
	for _, name := range []string{LeaveApprove, LeaveReject, LeaveStart, LeaveEnd, LeaveCancel} {
		if mayLeave(a, l, name) == nil {
			out = append(out, name)
		}
	}
	return out
}

// mayLeave says whether a may take action on l, by role and state (the B
// post's presence is checked when the leave starts).
func mayLeave(a *zwfw.Actor, l *Leave, action string) error {
	r, ok := leaveMachine[action]
	if !ok {
		return zwfw.Errorf(zwfw.EBADREQUEST, "不支持的操作“%s”", action)
	}
	if r.manager {
		if err := MayManage(a, l.centrePath); err != nil {
			return err
		}
	} else if a == nil || a.UserID != l.userID {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有请假人本人可以%s", r.name)
	}
	if !slices.Contains(r.from, l.State) {
		return zwfw.Errorf(zwfw.ECONFLICT, "该请假当前为“%s”，不能%s", l.StateName, r.name)
	}
	return nil
}

// LeaveByID returns a leave the actor may read.
func (s *Service) LeaveByID(ctx context.Context, actor *zwfw.Actor, id int64) (*Leave, error) {
	l, err := scanLeave(s.db.QueryRow(ctx, leaveCols+" WHERE l.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !mayReadLeave(actor, l)) {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "请假记录 %d 不存在或您无权查看", id)
	}
	if err != nil {
		return nil, fmt.Errorf("attendance: leave %d: %w", id, err)
	}
	l.Actions = LeaveActions(actor, l)
	sc, err := s.ScheduleOf(ctx, s.db.Reader(), l.centreID)
	if err != nil {
		return nil, err
	}
	l.HalfDay = l.To.Sub(l.From) >= sc.halfDay()
	return l, nil
}

// Leaves lists the actor's own leave and, for who may read a centre's
// attendance, every leave of the centres in their reach; pending first.
func (s *Service) Leaves(ctx context.Context, actor *zwfw.Actor, limit int) ([]*Leave, error) {
	if actor == nil || actor.Kind != zwfw.KindStaff {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "只有工作人员可以查看请假记录")
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	where, args := "l.user_id = ?", []any{actor.UserID}
	if MayRead(actor, actor.OrgPath) {
		cond, cargs := orgscope.Of(actor).Cond("c.path")
		where, args = "(l.user_id = ? OR "+cond+")", append([]any{actor.UserID}, cargs...)
	}
	rows, err := s.db.Reader().Query(ctx, leaveCols+" WHERE "+where+` ORDER BY CASE WHEN l.state = 'pending' THEN 0 ELSE 1 END, l.from_at DESC LIMIT ?`,
		append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("attendance: leaves: %w", err)
	}
	defer rows.Close()
	var out []*Leave
	for rows.Next() {
		l, err := scanLeave(rows)
		if err != nil {
			return nil, err
		}
		if mayReadLeave(actor, l) {
			l.Actions = LeaveActions(actor, l)
			out = append(out, l)
		}
	}
	return out, rows.Err()
}

// LeaveActionInput carries the opinion of a decision and the version seen.
type LeaveActionInput struct {
	Opinion string `json:"opinion"`
	Version int    `json:"version"`
}

// ActOnLeave takes an action on a leave: the manager approves or rejects;
// the person starts it (离岗), ends it (销假) or cancels it. A leave of
// half a day or more starts only when the window's B post has clocked in
// today and taken over the window (附件2（六）4: "由B岗人员到窗口顶岗，顶岗
// 人员到岗后，请假人员方可离开工作岗位"); the refusal says what is missing.
func (s *Service) ActOnLeave(ctx context.Context, actor *zwfw.Actor, id int64, action string, in LeaveActionInput) (*Leave, error) {
	l, err := s.LeaveByID(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if err := mayLeave(actor, l, action); err != nil {
		return nil, err
	}
	if in.Version != 0 && in.Version != l.Version {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "该请假已被他人处理，请刷新后重试")
	}
	in.Opinion = strings.TrimSpace(in.Opinion)
	if action == LeaveReject && in.Opinion == "" {
		return nil, invalid("opinion", "不批准请假时请填写理由")
	}
	if utf8.RuneCountInString(in.Opinion) > 500 {
		return nil, invalid("opinion", "意见不超过 500 字")
	}
	now := s.now()
	r := leaveMachine[action]
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		set, args := "state = ?, version = version + 1", []any{r.to}
		switch action {
		case LeaveApprove, LeaveReject:
			set += ", decided_by = ?, decided_at = ?, opinion = ?"
			args = append(args, actor.UserID, db.Millis(now), in.Opinion)
		case LeaveStart:
			cover, err := s.mayStart(ctx, tx, l, now)
			if err != nil {
				return err
			}
			set += ", started_at = ?"
			args = append(args, db.Millis(now))
			if cover != 0 {
				set += ", covered_by = ?"
				args = append(args, cover)
			}
		case LeaveEnd:
			set += ", ended_at = ?"
			args = append(args, db.Millis(now))
		}
		res, err := tx.Exec(ctx, "UPDATE attendance_leaves SET "+set+" WHERE id = ? AND version = ?", append(args, l.ID, l.Version)...)
		if err != nil {
			return fmt.Errorf("attendance: leave %d: %w", l.ID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return zwfw.Errorf(zwfw.ECONFLICT, "该请假已被他人处理，请刷新后重试")
		}
		if err := audit.Record(ctx, tx, now, actor, "leave."+action, fmt.Sprintf("leave:%d", l.ID),
			map[string]any{"staff": l.Staff, "opinion": in.Opinion}); err != nil {
			return err
		}
		if action == LeaveApprove || action == LeaveReject {
			return notify.Enqueue(ctx, tx, now, notify.Note{UserID: l.userID, Subject: "请假审批结果",
				Body: fmt.Sprintf("您的%s申请（%s 起）%s。%s", l.KindName, l.From.Format("01-02 15:04"), r.name, in.Opinion)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.LeaveByID(ctx, actor, id)
}

// mayStart applies the leave rule: a leave shorter than half a day starts
// at once; a longer one needs the window's B post clocked in today and at
// the window (an open cover of the window today). It returns who covers
// (0: nobody needed).
func (s *Service) mayStart(ctx context.Context, tx *db.Tx, l *Leave, now time.Time) (int64, error) {
	if !l.HalfDay {
		return 0, nil
	}
	if l.windowID == 0 {
		return 0, zwfw.Errorf(zwfw.ECONFLICT, "您未分配到窗口，无法安排B岗顶岗，请联系中心负责人")
	}
	var bID int64
	var bName string
	err := tx.QueryRow(ctx, `SELECT p.user_id, u.name FROM window_posts p JOIN users u ON u.id = p.user_id WHERE p.window_id = ? AND p.post = ?`,
		l.windowID, PostB).Scan(&bID, &bName)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, zwfw.Errorf(zwfw.ECONFLICT, "窗口“%s”未设B岗，请假半天及以上须由B岗顶岗后方可离岗，请联系中心负责人设置B岗", l.Window)
	}
	if err != nil {
		return 0, err
	}
	if bID == l.userID {
		return 0, zwfw.Errorf(zwfw.ECONFLICT, "您是本窗口的B岗，须由A岗或中心负责人另行安排顶岗")
	}
	day := calendar.Date(now).Format(calendar.DateLayout)
	var punched int
	if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM attendance_punches WHERE user_id = ? AND day = ?", bID, day).Scan(&punched); err != nil {
		return 0, err
	}
	if punched == 0 {
		return 0, zwfw.Errorf(zwfw.ECONFLICT, "B岗%s今天尚未打卡到岗，请假半天及以上须B岗到岗顶岗后方可离岗", bName)
	}
	var covering int
	if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM attendance_covers WHERE window_id = ? AND user_id = ? AND day = ? AND ended_at = 0",
		l.windowID, bID, day).Scan(&covering); err != nil {
		return 0, err
	}
	if covering == 0 {
		return 0, zwfw.Errorf(zwfw.ECONFLICT, "B岗%s已到岗但尚未在窗口“%s”接岗（顶岗），接岗后方可离岗", bName, l.Window)
	}
	return bID, nil
}
