package supervision

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/notify"
	orgscope "zwfw/internal/scope"
)

// A Duty is something besides a case that must be done within working days
// and warns as a case does (附件2（九）2: 预警, then 红牌): a 差评
// rectification work order, a complaint's answer. Its source lists the
// open ones; the warning scan colours each by casework's rule — yellow
// when the rule says so of the working days left of its limit, red once
// its deadline has passed — raises the new colours (announced once, in the
// scan's transaction, through the outbox) and clears those that no longer
// hold: a duty done leaves its source's list and its warning is cleared.
type Duty struct {
	Ref      int64     // the record's id in its source
	Number   string    // its tracking number, as lists show it
	Title    string    // what it is about, one line
	Link     string    // the staff page of the record
	OrgPath  string    // where it was filed: whose calendar counts, the list's scope
	DeptPath string    // who answers for it (a department or a window's centre); OrgPath when none
	Start    time.Time // the day its limit began
	Deadline time.Time // its last working day
	// Owners are the staff who must act; they are told of each colour.
	Owners []int64
}

// A DutySource lists the open duties of one kind.
type DutySource interface {
	// Kind names the source in the warning table ("rectification").
	Kind() string
	// Name is its Chinese name (差评整改).
	Name() string
	// Open lists the open duties that run against a deadline.
	Open(ctx context.Context, q db.Querier) ([]Duty, error)
}

// A DutyEscalator names who else hears of a duty at a level (an overdue
// complaint goes to the department's supervisor, then the county: 逐级
// 督办). Without one, a duty's owners and the supervisors whose subtree
// holds it are told.
type DutyEscalator interface {
	Recipients(ctx context.Context, tx *db.Tx, d Duty, level string) ([]int64, error)
}

// AddSource adds a kind of duty to the scan. Call before the first scan.
func (w *Warnings) AddSource(s DutySource) {
	w.sources = append(w.sources, s)
}

// SourceName is the Chinese name of a duty kind ("" when unknown).
func (w *Warnings) SourceName(kind string) string {
	for _, s := range w.sources {
		if s.Kind() == kind {
			return s.Name()
		}
	}
	return ""
}

type dutyKey struct {
	kind string
	ref  int64
}

type dutyWant struct {
	d         Duty
	src       DutySource
	level     string
	deadline  string
	remaining int
}

// scanDuties is the scan's second half: the duties of every source.
func (w *Warnings) scanDuties(ctx context.Context, now time.Time) (ScanResult, error) {
	var res ScanResult
	if len(w.sources) == 0 {
		return res, nil
	}
	today := calendar.Date(now)
	type found struct {
		d   Duty
		src DutySource
	}
	var all []found
	act := map[dutyKey]active{}
	lo, hi := today, today
	err := w.db.ReadTx(ctx, func(q db.Querier) error {
		for _, s := range w.sources {
			ds, err := s.Open(ctx, q)
			if err != nil {
				return fmt.Errorf("%s: %w", s.Kind(), err)
			}
			for _, d := range ds {
				if d.Deadline.IsZero() {
					continue
				}
				d.Start, d.Deadline = calendar.Date(d.Start), calendar.Date(d.Deadline)
				if d.DeptPath == "" {
					d.DeptPath = d.OrgPath
				}
				for _, t := range []time.Time{d.Start, d.Deadline} {
					if t.Before(lo) {
						lo = t
					}
					if t.After(hi) {
						hi = t
					}
				}
				all = append(all, found{d, s})
			}
		}
		rows, err := q.Query(ctx, "SELECT id, kind, ref_id, level, deadline, remaining FROM duty_warnings WHERE cleared_at = 0")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k dutyKey
			var a active
			if err := rows.Scan(&a.id, &k.kind, &k.ref, &a.level, &a.deadline, &a.remaining); err != nil {
				return err
			}
			act[k] = a
		}
		return rows.Err()
	})
	if err != nil {
		return res, fmt.Errorf("supervision: scan duties: %w", err)
	}
	res.Running = len(all)
	dl, err := casework.NewDeadlines(ctx, w.cal, w.th, today, lo, hi.AddDate(0, 0, 30))
	if err != nil {
		return res, err
	}
	wants := map[dutyKey]*dutyWant{}
	for _, f := range all {
		remaining := dl.Remaining(f.d.OrgPath, f.d.Deadline)
		limit := max(dl.Between(f.d.OrgPath, f.d.Start, f.d.Deadline), 0)
		lvl := dl.Level(casework.InProgress, f.d.Deadline, remaining, limit)
		if lvl != Yellow && lvl != Red {
			continue
		}
		wants[dutyKey{f.src.Kind(), f.d.Ref}] = &dutyWant{d: f.d, src: f.src, level: lvl,
			deadline: f.d.Deadline.Format(calendar.DateLayout), remaining: remaining}
	}
	type change struct {
		k    dutyKey
		want *dutyWant
		old  *active
	}
	var changes []change
	for k, wt := range wants {
		a, ok := act[k]
		if ok && a.level == wt.level && a.deadline == wt.deadline && a.remaining == wt.remaining {
			continue
		}
		var old *active
		if ok {
			old = &a
		}
		changes = append(changes, change{k, wt, old})
	}
	for k, a := range act {
		if _, ok := wants[k]; !ok {
			changes = append(changes, change{k, nil, &a})
		}
	}
	if len(changes) == 0 {
		return res, nil
	}
	// In key order, as the case scan writes: two processes' scans wait for
	// each other instead of deadlocking.
	slices.SortFunc(changes, func(a, b change) int {
		return cmp.Or(cmp.Compare(a.k.kind, b.k.kind), cmp.Compare(a.k.ref, b.k.ref))
	})
	at := db.Millis(now)
	err = w.db.InTx(ctx, func(tx *db.Tx) error {
		res.Raised, res.Cleared, res.Notified = 0, 0, 0
		var notes []notify.Note
		for _, ch := range changes {
			if ch.old != nil && (ch.want == nil || ch.old.level != ch.want.level) {
				if _, err := tx.Exec(ctx, "UPDATE duty_warnings SET cleared_at = ?, updated_at = ? WHERE id = ? AND cleared_at = 0", at, at, ch.old.id); err != nil {
					return err
				}
				res.Cleared++
			}
			if ch.want == nil {
				continue
			}
			wt := ch.want
			var id, notified int64
			// The upsert locks the row: a scan in another process waits and
			// then finds it announced.
			if err := tx.QueryRow(ctx, `INSERT INTO duty_warnings (kind, ref_id, level, number, title, link, org_path, dept_path, deadline, remaining, since, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (kind, ref_id, level) DO UPDATE SET cleared_at = 0, number = excluded.number, title = excluded.title, link = excluded.link,
					org_path = excluded.org_path, dept_path = excluded.dept_path, deadline = excluded.deadline, remaining = excluded.remaining,
					since = CASE WHEN duty_warnings.cleared_at = 0 THEN duty_warnings.since ELSE excluded.since END, updated_at = excluded.updated_at
				RETURNING id, notified_at`,
				ch.k.kind, ch.k.ref, wt.level, wt.d.Number, wt.d.Title, wt.d.Link, wt.d.OrgPath, wt.d.DeptPath, wt.deadline, wt.remaining, at, at).Scan(&id, &notified); err != nil {
				return err
			}
			if ch.old == nil || ch.old.level != wt.level {
				res.Raised++
			}
			if notified != 0 {
				continue
			}
			users, err := w.dutyRecipients(ctx, tx, wt)
			if err != nil {
				return err
			}
			subject, body := dutyMessage(wt)
			for _, u := range users {
				notes = append(notes, notify.Note{UserID: u, Subject: subject, Body: body})
			}
			if _, err := tx.Exec(ctx, "UPDATE duty_warnings SET notified_at = ? WHERE id = ?", at, id); err != nil {
				return err
			}
		}
		res.Notified = len(notes)
		return notify.EnqueueAll(ctx, tx, now, notes)
	})
	if err != nil {
		return res, fmt.Errorf("supervision: record duty warnings: %w", err)
	}
	return res, nil
}

// dutyRecipients: the source's escalation when it has one; otherwise the
// owners and the supervisors whose subtree holds the duty.
func (w *Warnings) dutyRecipients(ctx context.Context, tx *db.Tx, wt *dutyWant) ([]int64, error) {
	if e, ok := wt.src.(DutyEscalator); ok {
		return e.Recipients(ctx, tx, wt.d, wt.level)
	}
	out := slices.Clone(wt.d.Owners)
	sup, err := SupervisorsAbove(ctx, tx, wt.d.OrgPath, wt.d.DeptPath)
	if err != nil {
		return nil, err
	}
	for _, id := range sup {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// SupervisorsAbove are the active supervisors (电子监察) whose subtree
// holds any of paths.
func SupervisorsAbove(ctx context.Context, q db.Querier, paths ...string) ([]int64, error) {
	above, args := orgscope.Above("o.path", paths...)
	rows, err := q.Query(ctx, `SELECT u.id FROM users u JOIN orgs o ON o.id = u.org_id
		WHERE u.active = ? AND u.kind = 'staff' AND u.roles LIKE ? AND `+above+` ORDER BY u.id`,
		append([]any{true, "%," + zwfw.RoleSupervisor + ",%"}, args...)...)
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

func dutyMessage(wt *dutyWant) (string, string) {
	what := fmt.Sprintf("%s %s（%s）", wt.src.Name(), wt.d.Number, wt.d.Title)
	if wt.level == Red {
		return "红牌超期：" + wt.d.Number, fmt.Sprintf("%s已超过办理时限（%s），超期 %d 个工作日，请立即办理并说明原因。", what, wt.deadline, -wt.remaining)
	}
	return "黄牌预警：" + wt.d.Number, fmt.Sprintf("%s将于 %s 到期，剩余 %d 个工作日，请抓紧办理。", what, wt.deadline, wt.remaining)
}

// DutyWarning is one active warning of a duty as lists show it.
type DutyWarning struct {
	Kind      string    `json:"kind"`
	KindName  string    `json:"kind_name"`
	Number    string    `json:"number"`
	Title     string    `json:"title"`
	Link      string    `json:"link,omitempty"`
	Level     string    `json:"level"`
	LevelName string    `json:"level_name"`
	Deadline  string    `json:"deadline"`
	Remaining int       `json:"remaining_workdays"` // negative: working days overdue
	Since     time.Time `json:"since"`
}

// DutyWarnings lists the active duty warnings in the actor's subtree (of
// kind when given), red first, the most overdue first — those who may read
// the case warnings may read these.
func (w *Warnings) DutyWarnings(ctx context.Context, actor *zwfw.Actor, kind string, limit int) ([]DutyWarning, error) {
	if actor == nil {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if !MayViewWarnings(actor) {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "只有电子监察、窗口、审核人员和管理员可以查看预警")
	}
	wh := orgscope.Of(actor).Where("w.org_path", "w.dept_path").And("w.cleared_at = 0")
	if kind != "" {
		if w.SourceName(kind) == "" {
			return nil, zwfw.Errorf(zwfw.EINVALID, "预警类别“%s”无效", kind)
		}
		wh = wh.And("w.kind = ?", kind)
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	where, args := wh.SQL()
	rows, err := w.db.Query(ctx, `SELECT w.kind, w.number, w.title, w.link, w.level, w.deadline, w.remaining, w.since
		FROM duty_warnings w`+where+`
		ORDER BY CASE WHEN w.level = 'red' THEN 0 ELSE 1 END, w.remaining, w.deadline, w.kind, w.ref_id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("supervision: list duty warnings: %w", err)
	}
	defer rows.Close()
	out := []DutyWarning{}
	for rows.Next() {
		var x DutyWarning
		var since int64
		if err := rows.Scan(&x.Kind, &x.Number, &x.Title, &x.Link, &x.Level, &x.Deadline, &x.Remaining, &since); err != nil {
			return nil, err
		}
		x.Since = db.Time(since)
		x.KindName, x.LevelName = w.SourceName(x.Kind), LevelName(x.Level)
		out = append(out, x)
	}
	return out, rows.Err()
}
