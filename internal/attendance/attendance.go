// Package attendance keeps the hall's attendance (考勤): the A and B posts
// of every window, clock punches from the page and from registered
// fingerprint or face devices, each centre's schedule, leave with the
// centre manager's approval, the B post taking over a window, and punch
// corrections (补卡). It computes each person's day — on time, late, left
// early, absent, a punch missing, on leave — for the weekly 周考勤 and the
// quarterly assessment.
//
// The rules are the source document's: "窗口人员应提前10分钟到岗，不得迟到、
// 早退、旷工。上下班实行指纹考勤，考勤以指纹记录机记录为准。因故请假的，
// 应按规定办理请假手续，批准后方可离开。严格落实AB岗工作制度，凡请假半天
// （含）以上的，由B岗人员到窗口顶岗，顶岗人员到岗后，请假人员方可离开工作
// 岗位" (附件2（六）4), and "中心各窗口均设AB两个岗位，A岗为窗口常驻工作
// 人员，B岗为A岗的顶岗或互为备岗" (附件2（四）2).
package attendance

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
)

// Service keeps attendance over one database.
type Service struct {
	db       *db.DB
	cal      *calendar.Calendar
	now      func() time.Time
	activity func(ctx context.Context, windowID int64, since time.Time) (bool, error) // SetActivity
}

// New returns the attendance service.
func New(d *db.DB, cal *calendar.Calendar, now func() time.Time) *Service {
	return &Service{db: d, cal: cal, now: now}
}

// Posts of a window (附件2（四）2).
const (
	PostA = "A" // 常驻
	PostB = "B" // 顶岗
)

// PostName is the Chinese name of a post.
func PostName(p string) string {
	switch p {
	case PostA:
		return "A岗（常驻）"
	case PostB:
		return "B岗（顶岗）"
	}
	return p
}

// MayManage says whether a may manage attendance at the organisation with
// path: approve leave and corrections, set posts and schedules, register
// devices, read everyone's attendance. A centre manager (hall_manager) or a
// system administrator whose subtree holds it.
func MayManage(a *zwfw.Actor, path string) error {
	if a == nil {
		return zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if !a.HasAny(zwfw.RoleHallManager, zwfw.RoleAdmin) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有中心负责人（大厅管理员）或系统管理员可以管理考勤")
	}
	if !a.InScope(path) {
		return zwfw.Errorf(zwfw.ENOTFOUND, "该中心不存在或不在您的管理范围内")
	}
	return nil
}

// MayRead says whether a may read the attendance of the organisation
// subtree at path: its managers, and the electronic supervisors who
// compile the weekly 周考勤, in scope.
func MayRead(a *zwfw.Actor, path string) bool {
	return a != nil && a.HasAny(zwfw.RoleHallManager, zwfw.RoleAdmin, zwfw.RoleSupervisor) && a.InScope(path)
}

// mayReadAny refuses, before any organisation is looked at, whoever may
// read no centre's attendance.
func mayReadAny(a *zwfw.Actor) error {
	if a == nil {
		return zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if !a.HasAny(zwfw.RoleHallManager, zwfw.RoleAdmin, zwfw.RoleSupervisor) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有中心负责人（大厅管理员）、系统管理员和电子监察可以查看考勤统计")
	}
	return nil
}

// mayPunch: staff punch for themselves.
func mayPunch(a *zwfw.Actor) error {
	if a == nil {
		return zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if a.Kind != zwfw.KindStaff {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有工作人员需要考勤打卡")
	}
	return nil
}

// staff is what attendance needs of an account.
type staff struct {
	id                     int64
	username, name         string
	orgPath                string
	windowID               int64
	windowCode, windowName string
	centreID               int64
	centrePath, centreName string
}

// staffBy reads a staff account (by id or by username) with its window and
// the service centre above that window or, without one, above its org.
func (s *Service) staffBy(ctx context.Context, q db.Querier, where string, arg any) (*staff, error) {
	var st staff
	var kind string
	var active bool
	err := q.QueryRow(ctx, `SELECT u.id, u.username, u.name, u.kind, u.active, o.path, COALESCE(u.window_id, 0),
		COALESCE(w.code, ''), COALESCE(w.name, '') FROM users u JOIN orgs o ON o.id = u.org_id LEFT JOIN orgs w ON w.id = u.window_id
		WHERE `+where, arg).Scan(&st.id, &st.username, &st.name, &kind, &active, &st.orgPath, &st.windowID, &st.windowCode, &st.windowName)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (kind != zwfw.KindStaff || !active)) {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "工作人员不存在或已停用")
	}
	if err != nil {
		return nil, fmt.Errorf("attendance: staff: %w", err)
	}
	if st.windowID != 0 {
		err = q.QueryRow(ctx, `SELECT c.id, c.path, CASE WHEN c.full_name = '' THEN c.name ELSE c.full_name END
			FROM orgs w JOIN orgs c ON c.id = w.parent_id WHERE w.id = ?`, st.windowID).Scan(&st.centreID, &st.centrePath, &st.centreName)
		if err != nil {
			return nil, fmt.Errorf("attendance: centre of window: %w", err)
		}
	}
	return &st, nil
}

// Schedule is a centre's working hours for attendance (作息时间, 附件2（六）4:
// "由镇统一安排，并对外公示").
type Schedule struct {
	Opens        string `json:"opens"`         // HH:MM
	Closes       string `json:"closes"`        // HH:MM
	EarlyMinutes int    `json:"early_minutes"` // on duty this long before opening ("提前10分钟到岗")
}

// DefaultSchedule is used by a centre that has not set its own.
var DefaultSchedule = Schedule{Opens: "09:00", Closes: "17:00", EarlyMinutes: 10}

// minutes of an HH:MM.
func minutes(hm string) (int, bool) {
	t, err := time.Parse("15:04", hm)
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

func (sc Schedule) validate() error {
	var v zwfw.Invalid
	o, ok1 := minutes(sc.Opens)
	c, ok2 := minutes(sc.Closes)
	if !ok1 {
		v.Add("opens", "上班时间“%s”格式不正确，应为 HH:MM", sc.Opens)
	}
	if !ok2 {
		v.Add("closes", "下班时间“%s”格式不正确，应为 HH:MM", sc.Closes)
	}
	if ok1 && ok2 && c <= o {
		v.Add("closes", "下班时间应晚于上班时间")
	}
	if sc.EarlyMinutes < 0 || sc.EarlyMinutes > 120 {
		v.Add("early_minutes", "提前到岗分钟数应在 0 到 120 之间")
	}
	return v.Err()
}

// on is the day's instants: on duty by (opening less the early minutes),
// opening and closing.
func (sc Schedule) on(day time.Time) (duty, opens, closes time.Time) {
	o, _ := minutes(sc.Opens)
	c, _ := minutes(sc.Closes)
	d := calendar.Date(day)
	opens = d.Add(time.Duration(o) * time.Minute)
	closes = d.Add(time.Duration(c) * time.Minute)
	return opens.Add(-time.Duration(sc.EarlyMinutes) * time.Minute), opens, closes
}

// halfDay is half of the working day: leave this long or longer needs the
// B post at the window first.
func (sc Schedule) halfDay() time.Duration {
	o, _ := minutes(sc.Opens)
	c, _ := minutes(sc.Closes)
	return time.Duration(c-o) * time.Minute / 2
}

// ScheduleOf returns the schedule of the centre with id (the default when
// it has none).
func (s *Service) ScheduleOf(ctx context.Context, q db.Querier, centreID int64) (Schedule, error) {
	sc := DefaultSchedule
	err := q.QueryRow(ctx, "SELECT opens, closes, early_minutes FROM attendance_schedules WHERE org_id = ?", centreID).
		Scan(&sc.Opens, &sc.Closes, &sc.EarlyMinutes)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return sc, fmt.Errorf("attendance: schedule: %w", err)
	}
	return sc, nil
}

// centre reads a service centre by code.
func (s *Service) centre(ctx context.Context, code string) (id int64, path, name string, err error) {
	var kind string
	err = s.db.QueryRow(ctx, `SELECT id, path, kind, CASE WHEN full_name = '' THEN name ELSE full_name END FROM orgs WHERE code = ?`, code).
		Scan(&id, &path, &kind, &name)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && kind != "centre") {
		return 0, "", "", zwfw.Errorf(zwfw.ENOTFOUND, "服务中心“%s”不存在", code)
	}
	return id, path, name, err
}

func invalid(field, format string, args ...any) error {
	var v zwfw.Invalid
	v.Add(field, format, args...)
	return v.Err()
}

// SetSchedule sets a centre's working hours for attendance.
func (s *Service) SetSchedule(ctx context.Context, actor *zwfw.Actor, centre string, sc Schedule) (Schedule, error) {
	id, path, _, err := s.centre(ctx, strings.TrimSpace(centre))
	if err != nil {
		return sc, err
	}
	if err := MayManage(actor, path); err != nil {
		return sc, err
	}
	if err := sc.validate(); err != nil {
		return sc, err
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO attendance_schedules (org_id, opens, closes, early_minutes, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id) DO UPDATE SET opens = excluded.opens, closes = excluded.closes, early_minutes = excluded.early_minutes,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`, id, sc.Opens, sc.Closes, sc.EarlyMinutes, actor.UserID, db.Millis(now)); err != nil {
			return fmt.Errorf("attendance: schedule: %w", err)
		}
		return audit.Record(ctx, tx, now, actor, "attendance.schedule", "org:"+centre, sc)
	})
	return sc, err
}

// checkRequest checks what every request of a window staff member carries
// (leave, 补卡): a reason of at most 500 characters, and a window — only
// staff at a window keep attendance.
func checkRequest(v *zwfw.Invalid, st *staff, reason *string, what string) {
	*reason = strings.TrimSpace(*reason)
	if *reason == "" || utf8.RuneCountInString(*reason) > 500 {
		v.Add("reason", "请填写%s事由（不超过 500 字）", what)
	}
	if st.centreID == 0 {
		v.Add("staff", "您的账号未分配到窗口，无需在大厅%s", what)
	}
}
