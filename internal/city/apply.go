package city

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/exchange"
)

// The case events a county pushes (contract: 申报, 受理, each step, 特别程序,
// 不予受理, 办结, 送达, 评价). Other kinds (forwarded cases) are not the
// dashboard's and pass through untouched.
const (
	KindFiled     = exchange.KindFiled
	KindAccepted  = exchange.KindAccepted
	KindStep      = exchange.KindStep
	KindSuspended = exchange.KindSuspended
	KindResumed   = exchange.KindResumed
	KindRejected  = exchange.KindRejected
	KindCompleted = exchange.KindCompleted
	KindDelivered = exchange.KindDelivered
	KindRated     = exchange.KindRated
)

var kindNames = map[string]string{
	KindFiled: "申报", KindAccepted: "受理", KindStep: "办理环节", KindSuspended: "特别程序开始",
	KindResumed: "特别程序结束", KindRejected: "不予受理", KindCompleted: "办结", KindDelivered: "送达", KindRated: "评价",
}

// KindName is the Chinese name of an event kind.
func KindName(k string) string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return k
}

// IsCaseEvent reports whether the dashboard keeps figures of an event kind.
func IsCaseEvent(kind string) bool { _, ok := kindNames[kind]; return ok }

// good and satisfied levels of 好差评 (casework.Levels: 1 非常满意 … 5 非常
// 不满意): 好评 is 非常满意 and 满意; 满意 counts 基本满意 too, as the
// county's own dashboard does.
func good(level int) bool      { return level >= 1 && level <= 2 }
func satisfied(level int) bool { return level >= 1 && level <= 3 }

// delta is what one event adds to a rollup row.
type delta struct {
	filed, accepted, rejected, completed, onTime, late, handledDays, ratings, good, satisfied int64
}

func (d delta) zero() bool { return d == delta{} }

// day is the China Standard Time date of a unix-millisecond instant.
func day(ms int64) string { return time.UnixMilli(ms).In(zwfw.Zone).Format("2006-01-02") }

// Apply records one case event of county (named name) in the projections,
// in tx (the exchange's receipt). The exchange applies each event once and
// in sequence order per case; an event at or below the case's last
// sequence is taken as already applied and changes nothing. A body that is
// not a case's facts fails the receipt (the sender keeps the event).
func (s *Service) Apply(ctx context.Context, tx *db.Tx, county, name string, ev *exchange.Event) error {
	if !IsCaseEvent(ev.Kind) {
		return nil
	}
	f, err := facts(ev.Body)
	if err != nil {
		return zwfw.Errorf(zwfw.EINVALID, "事件 %s 的内容不是办件信息：%v", ev.ID, err)
	}
	serial := ev.Case
	if serial == "" {
		serial = f.Serial
	}
	if county == "" || serial == "" {
		return zwfw.Errorf(zwfw.EINVALID, "事件 %s 缺少县区代码或办件编号", ev.ID)
	}
	at := ev.At
	if at == 0 {
		at = db.Millis(s.now())
	}
	if _, err := tx.Exec(ctx, `INSERT INTO city_counties (code, name, first_at, last_at, events) VALUES (?, ?, ?, ?, 1)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, last_at = excluded.last_at, events = city_counties.events + 1`,
		county, name, at, at); err != nil {
		return err
	}
	var lastSeq int
	var deptCode, deptName string
	err = tx.QueryRow(ctx, `SELECT last_seq, dept_code, dept_name FROM city_cases WHERE county = ? AND serial = ?`, county, serial).
		Scan(&lastSeq, &deptCode, &deptName)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if exists && ev.Seq > 0 && ev.Seq <= lastSeq {
		return nil
	}
	if f.DeptCode != "" {
		deptCode, deptName = f.DeptCode, f.DeptName
	}
	open := 0
	if casework.Open(f.Status) {
		open = 1
	}
	filedAt := f.FiledAt
	if filedAt == 0 {
		filedAt = at
	}
	overdue := 0
	if f.Overdue {
		overdue = 1
	}
	if !exists {
		if _, err := tx.Exec(ctx, `INSERT INTO city_cases (county, serial, item_code, impl_code, item_name, dept_code, dept_name,
			org_code, org_name, kind, channel, status, step, open, deadline, completed_on, promised_days, handled_days, overdue,
			rating, project_code, filed_at, filed_on, updated_at, last_seq, last_kind)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			county, serial, f.ItemCode, f.ImplCode, f.ItemName, deptCode, deptName, f.OrgCode, f.OrgName, f.Kind, f.Channel,
			f.Status, f.Step, open, f.Deadline, f.CompletedOn, f.PromisedDays, f.HandledDays, overdue, f.Rating,
			f.ProjectCode, filedAt, day(filedAt), at, ev.Seq, ev.Kind); err != nil {
			return err
		}
		// A case counts as filed on its filing day, whichever of its
		// events arrives first.
		if err := s.bump(ctx, tx, county, deptCode, deptName, day(filedAt), delta{filed: 1}); err != nil {
			return err
		}
	} else {
		// Facts an event leaves empty keep their earlier values.
		if _, err := tx.Exec(ctx, `UPDATE city_cases SET
			item_code = CASE WHEN ? <> '' THEN ? ELSE item_code END,
			impl_code = CASE WHEN ? <> '' THEN ? ELSE impl_code END,
			item_name = CASE WHEN ? <> '' THEN ? ELSE item_name END,
			dept_code = ?, dept_name = ?,
			org_code = CASE WHEN ? <> '' THEN ? ELSE org_code END,
			org_name = CASE WHEN ? <> '' THEN ? ELSE org_name END,
			kind = CASE WHEN ? <> '' THEN ? ELSE kind END,
			channel = CASE WHEN ? <> '' THEN ? ELSE channel END,
			status = CASE WHEN ? <> '' THEN ? ELSE status END,
			open = CASE WHEN ? <> '' THEN ? ELSE open END,
			step = ?,
			deadline = CASE WHEN ? <> '' THEN ? ELSE deadline END,
			completed_on = CASE WHEN ? <> '' THEN ? ELSE completed_on END,
			promised_days = CASE WHEN ? > 0 THEN ? ELSE promised_days END,
			handled_days = CASE WHEN ? > 0 THEN ? ELSE handled_days END,
			overdue = ?,
			rating = CASE WHEN ? > 0 THEN ? ELSE rating END,
			project_code = CASE WHEN ? <> '' THEN ? ELSE project_code END,
			updated_at = ?, last_seq = ?, last_kind = ?
			WHERE county = ? AND serial = ?`,
			f.ItemCode, f.ItemCode, f.ImplCode, f.ImplCode, f.ItemName, f.ItemName, deptCode, deptName,
			f.OrgCode, f.OrgCode, f.OrgName, f.OrgName, f.Kind, f.Kind, f.Channel, f.Channel, f.Status, f.Status,
			f.Status, open, f.Step, f.Deadline, f.Deadline, f.CompletedOn, f.CompletedOn, f.PromisedDays, f.PromisedDays,
			f.HandledDays, f.HandledDays, overdue, f.Rating, f.Rating, f.ProjectCode, f.ProjectCode,
			at, ev.Seq, ev.Kind, county, serial); err != nil {
			return err
		}
	}
	var d delta
	switch ev.Kind {
	case KindAccepted:
		d.accepted = 1
	case KindRejected:
		d.rejected = 1
	case KindCompleted:
		d.completed = 1
		d.handledDays = int64(f.HandledDays)
		if f.Overdue {
			d.late = 1
		} else {
			d.onTime = 1
		}
	case KindRated:
		if f.Rating >= 1 && f.Rating <= 5 {
			d.ratings = 1
			if good(f.Rating) {
				d.good = 1
			}
			if satisfied(f.Rating) {
				d.satisfied = 1
			}
		}
	}
	if d.zero() {
		return nil
	}
	return s.bump(ctx, tx, county, deptCode, deptName, day(at), d)
}

// bump adds d to the rollup rows of the day and of its month.
func (s *Service) bump(ctx context.Context, tx *db.Tx, county, dept, deptName, date string, d delta) error {
	for _, period := range []string{date, date[:7]} {
		if _, err := tx.Exec(ctx, `INSERT INTO city_rollup (county, dept_code, period, dept_name, filed, accepted, rejected,
			completed, on_time, late, handled_days, ratings, good, satisfied) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (period, county, dept_code) DO UPDATE SET
			dept_name = CASE WHEN excluded.dept_name <> '' THEN excluded.dept_name ELSE city_rollup.dept_name END,
			filed = city_rollup.filed + excluded.filed, accepted = city_rollup.accepted + excluded.accepted,
			rejected = city_rollup.rejected + excluded.rejected, completed = city_rollup.completed + excluded.completed,
			on_time = city_rollup.on_time + excluded.on_time, late = city_rollup.late + excluded.late,
			handled_days = city_rollup.handled_days + excluded.handled_days, ratings = city_rollup.ratings + excluded.ratings,
			good = city_rollup.good + excluded.good, satisfied = city_rollup.satisfied + excluded.satisfied`,
			county, dept, period, strings.TrimSpace(deptName), d.filed, d.accepted, d.rejected, d.completed, d.onTime, d.late,
			d.handledDays, d.ratings, d.good, d.satisfied); err != nil {
			return err
		}
	}
	return nil
}

// facts reads a case event's body (exchange.CaseFacts: nothing personal).
func facts(body []byte) (*exchange.CaseFacts, error) {
	var f exchange.CaseFacts
	if err := json.Unmarshal(body, &f); err != nil {
		return nil, err
	}
	return &f, nil
}
