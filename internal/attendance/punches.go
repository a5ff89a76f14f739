package attendance

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
	orgscope "zwfw/internal/scope"

	"github.com/emmansun/gmsm/sm3"
)

// Sources of a punch.
const (
	SourcePage       = "page"       // the attendance page or the API, by the person
	SourceDevice     = "device"     // a registered fingerprint or face device (指纹考勤)
	SourceCorrection = "correction" // an approved 补卡
)

// Punch is one clock punch. The day's first punch is the arrival and its
// last the departure, as a fingerprint machine counts them.
type Punch struct {
	ID     int64     `json:"id"`
	Staff  string    `json:"staff"`
	Day    string    `json:"day"`
	At     time.Time `json:"at"`
	Source string    `json:"source"`
}

// Punch clocks the actor in or out now, from the page or the API. A
// second punch within the same second (a double click, a resent form) is
// the same punch: recorded and audited once.
func (s *Service) Punch(ctx context.Context, actor *zwfw.Actor) (*Punch, error) {
	if err := mayPunch(actor); err != nil {
		return nil, err
	}
	now := s.now()
	p := &Punch{Staff: actor.Username, Day: calendar.Date(now).Format(calendar.DateLayout), At: now.Truncate(time.Second), Source: SourcePage}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `INSERT INTO attendance_punches (user_id, day, at, source, device_id, created_at) VALUES (?, ?, ?, ?, 0, ?)
			ON CONFLICT (device_id, user_id, at) DO NOTHING`, actor.UserID, p.Day, db.Millis(p.At), SourcePage, db.Millis(now))
		if err != nil {
			return fmt.Errorf("attendance: punch: %w", err)
		}
		if err := tx.QueryRow(ctx, "SELECT id FROM attendance_punches WHERE device_id = 0 AND user_id = ? AND at = ?", actor.UserID, db.Millis(p.At)).Scan(&p.ID); err != nil {
			return fmt.Errorf("attendance: punch: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, now, actor, "attendance.punch", fmt.Sprintf("user:%d", actor.UserID), map[string]any{"at": p.At})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// DevicePunchInput is what a device sends: whose punch, and when it was
// taken on the device.
type DevicePunchInput struct {
	Staff string `json:"staff"` // the account's username
	At    string `json:"at"`    // RFC 3339
}

// DevicePunch records punches sent by the device whose token is given.
// A device may punch only for staff of its own centre; a punch sent again
// (the same device, person and instant — a device retrying after a lost
// answer) is counted once. It answers how many punches were new.
func (s *Service) DevicePunch(ctx context.Context, token string, in []DevicePunchInput) (added int, err error) {
	dev, err := s.device(ctx, token)
	if err != nil {
		return 0, err
	}
	if len(in) == 0 || len(in) > 500 {
		return 0, zwfw.Errorf(zwfw.EINVALID, "每次上传 1 到 500 条打卡记录")
	}
	now := s.now()
	type row struct {
		user int64
		at   time.Time
	}
	var rows []row
	var v zwfw.Invalid
	for i, p := range in {
		at, perr := time.Parse(time.RFC3339, strings.TrimSpace(p.At))
		switch {
		case perr != nil:
			v.Add(fmt.Sprintf("punches[%d].at", i), "打卡时间“%s”格式不正确，应为 RFC 3339（如 2026-12-07T08:45:00+08:00）", p.At)
			continue
		case at.After(now.Add(5 * time.Minute)):
			v.Add(fmt.Sprintf("punches[%d].at", i), "打卡时间 %s 晚于当前时间，请校准考勤机时钟", p.At)
			continue
		case at.Before(now.AddDate(0, 0, -62)):
			v.Add(fmt.Sprintf("punches[%d].at", i), "打卡时间 %s 早于两个月前，请走补卡审批", p.At)
			continue
		}
		st, serr := s.staffBy(ctx, s.db.Reader(), "u.username = ?", strings.TrimSpace(p.Staff))
		if serr != nil || st.centreID != dev.orgID {
			v.Add(fmt.Sprintf("punches[%d].staff", i), "工作人员“%s”不是本考勤机所在中心的窗口人员", p.Staff)
			continue
		}
		rows = append(rows, row{st.id, at.Truncate(time.Second)})
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		for _, r := range rows {
			res, err := tx.Exec(ctx, `INSERT INTO attendance_punches (user_id, day, at, source, device_id, created_at) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (device_id, user_id, at) DO NOTHING`,
				r.user, calendar.Date(r.at).Format(calendar.DateLayout), db.Millis(r.at), SourceDevice, dev.id, db.Millis(now))
			if err != nil {
				return fmt.Errorf("attendance: device punch: %w", err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				added++
			}
		}
		return audit.Record(ctx, tx, now, &zwfw.Actor{Kind: zwfw.KindSystem, Name: "考勤机：" + dev.name}, "attendance.device_punch",
			fmt.Sprintf("device:%d", dev.id), map[string]any{"sent": len(rows), "added": added})
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

type deviceRow struct {
	id, orgID int64
	name      string
}

func tokenHash(token string) string {
	h := sm3.Sum([]byte(token))
	return hex.EncodeToString(h[:])
}

func (s *Service) device(ctx context.Context, token string) (*deviceRow, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "缺少考勤机令牌（X-Device-Token）")
	}
	var d deviceRow
	var active bool
	err := s.db.QueryRow(ctx, "SELECT id, org_id, name, active FROM attendance_devices WHERE token_hash = ?", tokenHash(token)).
		Scan(&d.id, &d.orgID, &d.name, &active)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !active) {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "考勤机令牌无效或已停用")
	}
	if err != nil {
		return nil, fmt.Errorf("attendance: device: %w", err)
	}
	return &d, nil
}

// Device is a registered attendance device.
type Device struct {
	ID        int64     `json:"id"`
	Centre    string    `json:"centre"`
	Name      string    `json:"name"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	// Token is shown once, when the device is registered; only its SM3
	// digest is kept.
	Token string `json:"token,omitempty"`
}

// RegisterDevice registers a device in a centre and returns it with its
// token (shown this once).
func (s *Service) RegisterDevice(ctx context.Context, actor *zwfw.Actor, centre, name string) (*Device, error) {
	id, path, _, err := s.centre(ctx, strings.TrimSpace(centre))
	if err != nil {
		return nil, err
	}
	if err := MayManage(actor, path); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 50 {
		return nil, invalid("name", "请填写考勤机名称（不超过 50 字）")
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	now := s.now()
	d := &Device{Centre: centre, Name: name, Active: true, CreatedAt: now, Token: hex.EncodeToString(b)}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		d.ID, err = db.InsertID(ctx, tx, `INSERT INTO attendance_devices (org_id, name, token_hash, active, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			id, name, tokenHash(d.Token), true, actor.UserID, db.Millis(now))
		if err != nil {
			return fmt.Errorf("attendance: register device: %w", err)
		}
		return audit.Record(ctx, tx, now, actor, "attendance.device_register", fmt.Sprintf("device:%d", d.ID), map[string]any{"centre": centre, "name": name})
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Punches lists the punches of a person between two days (inclusive).
func (s *Service) punches(ctx context.Context, userIDs []int64, from, to string) (map[int64]map[string][]time.Time, error) {
	out := map[int64]map[string][]time.Time{}
	if len(userIDs) == 0 {
		return out, nil
	}
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(userIDs)), ", ")
	args := []any{from, to}
	for _, id := range userIDs {
		args = append(args, id)
	}
	rows, err := s.db.Reader().Query(ctx, `SELECT user_id, day, at FROM attendance_punches WHERE day >= ? AND day <= ? AND user_id IN (`+ph+`) ORDER BY at`, args...)
	if err != nil {
		return nil, fmt.Errorf("attendance: punches: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, at int64
		var day string
		if err := rows.Scan(&id, &day, &at); err != nil {
			return nil, err
		}
		if out[id] == nil {
			out[id] = map[string][]time.Time{}
		}
		out[id][day] = append(out[id][day], db.Time(at))
	}
	return out, rows.Err()
}

// Devices lists the attendance devices of the centres the actor manages
// (tokens are never shown again).
func (s *Service) Devices(ctx context.Context, actor *zwfw.Actor) ([]*Device, error) {
	if err := mayReadAny(actor); err != nil {
		return nil, err
	}
	cond, args := orgscope.Of(actor).Cond("o.path")
	rows, err := s.db.Reader().Query(ctx, `SELECT d.id, o.code, d.name, d.active, d.created_at FROM attendance_devices d JOIN orgs o ON o.id = d.org_id
		WHERE `+cond+` ORDER BY o.path, d.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("attendance: devices: %w", err)
	}
	defer rows.Close()
	out := []*Device{}
	for rows.Next() {
		var d Device
		var at int64
		if err := rows.Scan(&d.ID, &d.Centre, &d.Name, &d.Active, &at); err != nil {
			return nil, err
		}
		d.CreatedAt = db.Time(at)
		out = append(out, &d)
	}
	return out, rows.Err()
}

// RevokeDevice stops a device's token for good (a device lost or
// replaced): its punches already taken stay.
func (s *Service) RevokeDevice(ctx context.Context, actor *zwfw.Actor, id int64) error {
	var path, name string
	var active bool
	err := s.db.QueryRow(ctx, "SELECT o.path, d.name, d.active FROM attendance_devices d JOIN orgs o ON o.id = d.org_id WHERE d.id = ?", id).Scan(&path, &name, &active)
	if errors.Is(err, sql.ErrNoRows) {
		return zwfw.Errorf(zwfw.ENOTFOUND, "考勤机 %d 不存在", id)
	}
	if err != nil {
		return fmt.Errorf("attendance: device %d: %w", id, err)
	}
	if err := MayManage(actor, path); err != nil {
		return err
	}
	if !active {
		return zwfw.Errorf(zwfw.ECONFLICT, "考勤机“%s”已停用", name)
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE attendance_devices SET active = ? WHERE id = ?", false, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, actor, "attendance.device_revoke", fmt.Sprintf("device:%d", id), map[string]any{"name": name})
	})
}
