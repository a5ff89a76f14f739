package attendance

import (
	"context"
	"fmt"
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

// Correction is a request to add a punch that the device missed (补卡):
// it counts only once the centre manager approves it, and both steps are
// in the audit log.
type Correction struct {
	ID        int64     `json:"id"`
	Staff     string    `json:"staff"`
	StaffName string    `json:"staff_name"`
	At        time.Time `json:"at"`
	Reason    string    `json:"reason"`
	State     string    `json:"state"` // pending, approved, rejected
	StateName string    `json:"state_name"`
	Opinion   string    `json:"opinion,omitempty"`
	Actions   []string  `json:"actions"`
	userID    int64
	path      string
}

var correctionStates = map[string]string{"pending": "待审批", "approved": "已批准", "rejected": "未批准"}

// CorrectionInput asks for a correction.
type CorrectionInput struct {
	At     string `json:"at"` // RFC 3339 or YYYY-MM-DDTHH:MM
	Reason string `json:"reason"`
}

// RequestCorrection files a 补卡 request of the actor.
func (s *Service) RequestCorrection(ctx context.Context, actor *zwfw.Actor, in CorrectionInput) (*Correction, error) {
	if err := mayPunch(actor); err != nil {
		return nil, err
	}
	st, err := s.staffBy(ctx, s.db.Reader(), "u.id = ?", actor.UserID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var v zwfw.Invalid
	at, ok := parseInstant(in.At)
	switch {
	case !ok:
		v.Add("at", "补卡时间“%s”格式不正确", in.At)
	case at.After(now):
		v.Add("at", "补卡时间不能晚于现在")
	case at.Before(now.AddDate(0, 0, -31)):
		v.Add("at", "只能补一个月内的卡")
	}
	checkRequest(&v, st, &in.Reason, "补卡")
	if err := v.Err(); err != nil {
		return nil, err
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = db.InsertID(ctx, tx, `INSERT INTO attendance_corrections (user_id, org_id, at, reason, state, created_at) VALUES (?, ?, ?, ?, 'pending', ?)`,
			st.id, st.centreID, db.Millis(at.Truncate(time.Second)), in.Reason, db.Millis(now))
		if err != nil {
			return fmt.Errorf("attendance: request correction: %w", err)
		}
		if err := audit.Record(ctx, tx, now, actor, "attendance.correction_request", fmt.Sprintf("correction:%d", id), map[string]any{"at": at}); err != nil {
			return err
		}
		return s.tellManagers(ctx, tx, now, st.centrePath, "补卡待审批", fmt.Sprintf("%s申请补卡：%s。事由：%s", st.name, at.In(zwfw.Zone).Format("01-02 15:04"), in.Reason))
	})
	if err != nil {
		return nil, err
	}
	return s.correction(ctx, actor, id)
}

func (s *Service) correction(ctx context.Context, actor *zwfw.Actor, id int64) (*Correction, error) {
	list, err := s.corrections(ctx, actor, "k.id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "补卡申请 %d 不存在或您无权查看", id)
	}
	return list[0], nil
}

// Corrections lists the actor's own requests and, for a manager, those of
// the centres in reach; pending first.
func (s *Service) Corrections(ctx context.Context, actor *zwfw.Actor) ([]*Correction, error) {
	if actor == nil || actor.Kind != zwfw.KindStaff {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "只有工作人员可以查看补卡申请")
	}
	cond, args := orgscope.Of(actor).Cond("c.path")
	return s.corrections(ctx, actor, "(k.user_id = ? OR "+cond+")", append([]any{actor.UserID}, args...)...)
}

func (s *Service) corrections(ctx context.Context, actor *zwfw.Actor, where string, args ...any) ([]*Correction, error) {
	rows, err := s.db.Reader().Query(ctx, `SELECT k.id, u.username, u.name, k.at, k.reason, k.state, k.opinion, k.user_id, c.path
		FROM attendance_corrections k JOIN users u ON u.id = k.user_id JOIN orgs c ON c.id = k.org_id
		WHERE `+where+` ORDER BY CASE WHEN k.state = 'pending' THEN 0 ELSE 1 END, k.at DESC LIMIT 200`, args...)
	if err != nil {
		return nil, fmt.Errorf("attendance: corrections: %w", err)
	}
	defer rows.Close()
	var out []*Correction
	for rows.Next() {
		var k Correction
		var at int64
		if err := rows.Scan(&k.ID, &k.Staff, &k.StaffName, &at, &k.Reason, &k.State, &k.Opinion, &k.userID, &k.path); err != nil {
			return nil, err
		}
		if actor == nil || (actor.UserID != k.userID && !MayRead(actor, k.path)) {
			continue
		}
		k.At, k.StateName, k.Actions = db.Time(at), correctionStates[k.State], []string{}
		if k.State == "pending" && MayManage(actor, k.path) == nil {
			k.Actions = []string{LeaveApprove, LeaveReject}
		}
		out = append(out, &k)
	}
	return out, rows.Err()
}

// DecideCorrection approves (the punch is added) or rejects a 补卡 request.
func (s *Service) DecideCorrection(ctx context.Context, actor *zwfw.Actor, id int64, action, opinion string) (*Correction, error) {
	k, err := s.correction(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if action != LeaveApprove && action != LeaveReject {
		return nil, zwfw.Errorf(zwfw.EBADREQUEST, "不支持的操作“%s”（可用：approve、reject）", action)
	}
	if err := MayManage(actor, k.path); err != nil {
		return nil, err
	}
	opinion = strings.TrimSpace(opinion)
	if action == LeaveReject && opinion == "" {
		return nil, invalid("opinion", "不批准补卡时请填写理由")
	}
	if utf8.RuneCountInString(opinion) > 500 {
		return nil, invalid("opinion", "意见不超过 500 字")
	}
	now := s.now()
	state := map[string]string{LeaveApprove: "approved", LeaveReject: "rejected"}[action]
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE attendance_corrections SET state = ?, decided_by = ?, decided_at = ?, opinion = ? WHERE id = ? AND state = 'pending'",
			state, actor.UserID, db.Millis(now), opinion, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return zwfw.Errorf(zwfw.ECONFLICT, "该补卡申请已处理")
		}
		if state == "approved" {
			// device_id -id: a correction's punch is its own, never a
			// device's replay.
			if _, err := tx.Exec(ctx, `INSERT INTO attendance_punches (user_id, day, at, source, device_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
				k.userID, calendar.Date(k.At).Format(calendar.DateLayout), db.Millis(k.At), SourceCorrection, -id, db.Millis(now)); err != nil {
				return fmt.Errorf("attendance: correction punch: %w", err)
			}
		}
		if err := audit.Record(ctx, tx, now, actor, "attendance.correction_"+action, fmt.Sprintf("correction:%d", id),
			map[string]any{"staff": k.Staff, "at": k.At, "opinion": opinion}); err != nil {
			return err
		}
		return notify.Enqueue(ctx, tx, now, notify.Note{UserID: k.userID, Subject: "补卡审批结果",
			Body: fmt.Sprintf("您 %s 的补卡申请%s。%s", k.At.Format("01-02 15:04"), correctionStates[state], opinion)})
	})
	if err != nil {
		return nil, err
	}
	return s.correction(ctx, actor, id)
}
