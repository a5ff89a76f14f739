package supervision

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/jobs"
	"zwfw/internal/notify"
	orgscope "zwfw/internal/scope"
)

// Warning levels: yellow (黄牌预警) when a deadline draws near, red (红牌
// 警告) when it has passed — casework's levels of a deadline.
const (
	Yellow = casework.DueYellow
	Red    = casework.DueRed
)

// What a warning is about: the whole case, its open step (环节时限), or one
// department's 联办 sub-task.
const (
	ScopeCase = "case"
	ScopeStep = "step"
	ScopeTask = "task"
)

var levelNames = map[string]string{Yellow: "黄牌预警", Red: "红牌超期"}
var scopeNames = map[string]string{ScopeCase: "办件", ScopeStep: "环节", ScopeTask: "联办部门"}

// LevelName and ScopeName are the Chinese names.
func LevelName(l string) string { return levelNames[l] }
func ScopeName(s string) string { return scopeNames[s] }

// runningStatuses are the statuses whose clock runs (casework.Running). A
// suspended case (特别程序) is left out: its clock stands still and its
// deadline moves when it resumes, so its warnings are cleared and come
// back, unannounced, if they still hold after it resumes.
var runningStatuses = []string{casework.Accepted, casework.InProgress, casework.Approved, casework.AwaitingPayment}

// Thresholds say when a deadline turns yellow: casework's rule, the same
// one the workbench colours and the dashboard count use.
type Thresholds = casework.WarnRule

// Warnings computes, stores and lists deadline warnings.
type Warnings struct {
	db  *db.DB
	cal *calendar.Calendar
	now func() time.Time
	th  Thresholds
	log *slog.Logger
	// sources are the other kinds of duty with a deadline (duties.go).
	sources []DutySource
}

// NewWarnings returns the warning service.
func NewWarnings(d *db.DB, cal *calendar.Calendar, now func() time.Time, th Thresholds, log *slog.Logger) *Warnings {
	if th.Share <= 0 || th.Share > 1 {
		th.Share = 0.8
	}
	if th.Days < 0 {
		th.Days = 0
	}
	if log == nil {
		log = slog.Default()
	}
	return &Warnings{db: d, cal: cal, now: now, th: th, log: log}
}

// ScanArgs is the job that computes the warnings.
type ScanArgs struct{}

// Kind names the job in the queue.
func (ScanArgs) Kind() string { return "deadline_warnings" }

type scanWorker struct {
	jobs.WorkerDefaults[ScanArgs]
	w *Warnings
}

func (s *scanWorker) Work(ctx context.Context, _ *jobs.Job[ScanArgs]) error {
	r, err := s.w.Scan(ctx)
	if err != nil {
		return err
	}
	if r.Raised+r.Cleared > 0 {
		s.w.log.Info("deadline warnings", "running", r.Running, "raised", r.Raised, "cleared", r.Cleared, "notified", r.Notified)
	}
	return nil
}

// Schedule registers the scan with the queue, to run every interval (and
// once when the queue starts).
func (w *Warnings) Schedule(q *jobs.Queue, every time.Duration) {
	jobs.Register(q, &scanWorker{w: w})
	q.Every(every, func() jobs.Args { return ScanArgs{} }, true)
}

// ScanResult says what one scan did.
type ScanResult struct {
	Running  int // cases whose clock runs
	Raised   int // warnings raised (or raised again)
	Cleared  int // warnings cleared
	Notified int // notes written to the outbox
}

type key struct {
	caseID int64
	scope  string
	ref    int64
}

// want is a warning the scan finds should be active.
type want struct {
	level     string
	name      string
	deptPath  string
	deadline  string
	remaining int
	c         *running
}

type running struct {
	id                   int64
	serial, item, kind   string
	status               string
	orgPath, deptPath    string
	handlerPath          string
	windowID             int64
	promised, extended   int
	deadline             time.Time
	stepPerson, stepName string
}

type active struct {
	id        int64
	level     string
	deadline  string
	remaining int
}

// Scan computes the warnings of every running case, its open step and its
// pending 联办 sub-tasks against today's date, raises the new ones (each
// announced once to whoever must act and the supervisors above the case,
// through the outbox, in the same transaction), and clears those that no
// longer hold — among them every warning of a case that stopped running.
// It reads only running cases (the status index), so closed cases cost
// nothing however many there are.
func (w *Warnings) Scan(ctx context.Context) (ScanResult, error) {
	var res ScanResult
	now := w.now()
	today := calendar.Date(now)
	in := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(runningStatuses)), ", ") + ")"
	sargs := make([]any, len(runningStatuses))
	for i, s := range runningStatuses {
		sargs[i] = s
	}
	cases := map[int64]*running{}
	type stepRow struct {
		id, caseID int64
		name       string
		limit      int
		start      time.Time
	}
	type taskRow struct {
		id, caseID       int64
		deptPath, name   string
		deadline, create time.Time
	}
	var steps []stepRow
	var tasks []taskRow
	act := map[key]active{}
	lo, hi := today, today
	widen := func(t time.Time) {
		if t.Before(lo) {
			lo = t
		}
		if t.After(hi) {
			hi = t
		}
	}
	err := w.db.ReadTx(ctx, func(q db.Querier) error {
		rows, err := q.Query(ctx, `SELECT c.id, c.serial, c.item_name, c.kind, c.status, c.org_path, c.dept_path, COALESCE(h.path, ''),
			COALESCE(c.window_id, 0), c.promised_days, c.extended_days, c.deadline
			FROM cases c LEFT JOIN orgs h ON h.id = c.handler_org_id WHERE c.status IN `+in+` AND c.deadline <> ''`, sargs...)
		if err != nil {
			return err
		}
		for rows.Next() {
			r := &running{}
			var dl string
			if err := rows.Scan(&r.id, &r.serial, &r.item, &r.kind, &r.status, &r.orgPath, &r.deptPath, &r.handlerPath,
				&r.windowID, &r.promised, &r.extended, &dl); err != nil {
				rows.Close()
				return err
			}
			if r.deadline, err = calendar.ParseDate(dl); err != nil {
				continue
			}
			widen(r.deadline)
			cases[r.id] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = q.Query(ctx, `SELECT s.id, s.case_id, s.name, s.person, s.limit_days, s.started_at
			FROM cases c JOIN case_steps s ON s.case_id = c.id
			WHERE c.status IN `+in+` AND c.deadline <> '' AND s.state = 'open'`, sargs...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var s stepRow
			var person string
			var started int64
			if err := rows.Scan(&s.id, &s.caseID, &s.name, &person, &s.limit, &started); err != nil {
				rows.Close()
				return err
			}
			if c := cases[s.caseID]; c != nil {
				c.stepPerson, c.stepName = person, s.name
			}
			if s.limit > 0 {
				s.start = calendar.Date(db.Time(started))
				widen(s.start)
				steps = append(steps, s)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = q.Query(ctx, `SELECT t.id, t.case_id, t.dept_path, CASE WHEN d.full_name = '' THEN d.name ELSE d.full_name END,
			t.deadline, t.created_at FROM cases c JOIN case_tasks t ON t.case_id = c.id JOIN orgs d ON d.id = t.dept_id
			WHERE c.status IN `+in+` AND t.state = 'pending'`, sargs...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var t taskRow
			var dl string
			var created int64
			if err := rows.Scan(&t.id, &t.caseID, &t.deptPath, &t.name, &dl, &created); err != nil {
				rows.Close()
				return err
			}
			if t.deadline, err = calendar.ParseDate(dl); err != nil {
				continue
			}
			t.create = calendar.Date(db.Time(created))
			widen(t.deadline)
			widen(t.create)
			tasks = append(tasks, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = q.Query(ctx, "SELECT id, case_id, scope, ref_id, level, deadline, remaining FROM case_warnings WHERE cleared_at = 0")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k key
			var a active
			if err := rows.Scan(&a.id, &k.caseID, &k.scope, &k.ref, &a.level, &a.deadline, &a.remaining); err != nil {
				return err
			}
			act[k] = a
		}
		return rows.Err()
	})
	if err != nil {
		return res, fmt.Errorf("supervision: scan: %w", err)
	}
	res.Running = len(cases)
	maxLimit := 0
	for _, s := range steps {
		maxLimit = max(maxLimit, s.limit)
	}
	// The deadline rule is casework's: the same count of working days left
	// and the same colour as the workbench and the dashboard.
	dl, err := casework.NewDeadlines(ctx, w.cal, w.th, today, lo, hi.AddDate(0, 0, 2*maxLimit+30))
	if err != nil {
		return res, err
	}
	wants := map[key]want{}
	judge := func(k key, c *running, name, deptPath string, deadline time.Time, total int) {
		remaining := dl.Remaining(c.orgPath, deadline)
		lvl := dl.Level(c.status, deadline, remaining, total)
		if lvl == Yellow && k.scope != ScopeCase && total <= 0 {
			lvl = "" // a step or sub-task given no working day only turns red
		}
		if lvl != Yellow && lvl != Red {
			return
		}
		wants[k] = want{level: lvl, name: name, deptPath: deptPath, deadline: deadline.Format(calendar.DateLayout), remaining: remaining, c: c}
	}
	for _, c := range cases {
		judge(key{c.id, ScopeCase, 0}, c, "", c.deptPath, c.deadline, c.promised+c.extended)
	}
	for _, s := range steps {
		c := cases[s.caseID]
		if c == nil {
			continue
		}
		judge(key{c.id, ScopeStep, s.id}, c, s.name, c.deptPath, dl.Add(c.orgPath, s.start, s.limit), s.limit)
	}
	for _, t := range tasks {
		c := cases[t.caseID]
		if c == nil {
			continue
		}
		judge(key{c.id, ScopeTask, t.id}, c, t.name, t.deptPath, t.deadline, dl.Between(c.orgPath, t.create, t.deadline))
	}
	// The changes, a batch of keys per transaction: a first scan over a
	// backlog must not hold the (SQLite) writer for long.
	type change struct {
		k    key
		want *want
		old  *active
	}
	var changes []change
	for k, wt := range wants {
		a, ok := act[k]
		if ok && a.level == wt.level && a.deadline == wt.deadline && a.remaining == wt.remaining {
			continue
		}
		wt := wt
		var old *active
		if ok {
			old = &a
		}
		changes = append(changes, change{k, &wt, old})
	}
	for k, a := range act {
		if _, ok := wants[k]; !ok {
			a := a
			changes = append(changes, change{k, nil, &a})
		}
	}
	// In key order: two scans running at once (two processes) then lock
	// the same rows in the same order and wait for each other instead of
	// deadlocking; the second finds the first's warnings announced.
	slices.SortFunc(changes, func(a, b change) int {
		return cmp.Or(cmp.Compare(a.k.caseID, b.k.caseID), cmp.Compare(a.k.scope, b.k.scope), cmp.Compare(a.k.ref, b.k.ref))
	})
	at := db.Millis(now)
	who := map[string][]int64{} // recipients by what decides them: many cases share them
	const batch = 200
	for i := 0; i < len(changes); i += batch {
		part := changes[i:min(i+batch, len(changes))]
		var raised, cleared, notified int
		err := w.db.InTx(ctx, func(tx *db.Tx) error {
			raised, cleared, notified = 0, 0, 0
			var up []raising
			for _, ch := range part {
				if ch.want == nil {
					if _, err := tx.Exec(ctx, "UPDATE case_warnings SET cleared_at = ?, updated_at = ? WHERE id = ? AND cleared_at = 0", at, at, ch.old.id); err != nil {
						return err
					}
					cleared++
					continue
				}
				if ch.old != nil && ch.old.level == ch.want.level {
					if _, err := tx.Exec(ctx, "UPDATE case_warnings SET deadline = ?, remaining = ?, updated_at = ? WHERE id = ?",
						ch.want.deadline, ch.want.remaining, at, ch.old.id); err != nil {
						return err
					}
					continue
				}
				if ch.old != nil {
					if _, err := tx.Exec(ctx, "UPDATE case_warnings SET cleared_at = ?, updated_at = ? WHERE id = ?", at, at, ch.old.id); err != nil {
						return err
					}
					cleared++
				}
				up = append(up, raising{ch.k, ch.want})
			}
			n, err := w.raise(ctx, tx, up, now, who)
			raised, notified = len(up), n
			return err
		})
		if err != nil {
			return res, fmt.Errorf("supervision: record warnings: %w", err)
		}
		res.Raised += raised
		res.Cleared += cleared
		res.Notified += notified
	}
	// Then the other duties with a deadline (duties.go).
	dr, err := w.scanDuties(ctx, now)
	res.Raised += dr.Raised
	res.Cleared += dr.Cleared
	res.Notified += dr.Notified
	return res, err
}

// raising is a warning to make active.
type raising struct {
	k  key
	wt *want
}

// raiseRows bounds the rows of one upsert (10 parameters each).
const raiseRows = 100

// raise makes the warnings active at their levels and announces those
// raised for the first time (one that comes back after a suspension or an
// extension was announced before). It returns the notes written. The
// upserts and the notes go in multi-row statements, so that a first scan
// over a backlog of thousands is a few dozen round trips, not thousands.
func (w *Warnings) raise(ctx context.Context, tx *db.Tx, up []raising, now time.Time, who map[string][]int64) (int, error) {
	at := db.Millis(now)
	type lk struct {
		key
		level string
	}
	byKey := make(map[lk]*want, len(up))
	var fresh []raising
	var ids []any
	for start := 0; start < len(up); start += raiseRows {
		part := up[start:min(start+raiseRows, len(up))]
		args := make([]any, 0, len(part)*11)
		for _, r := range part {
			byKey[lk{r.k, r.wt.level}] = r.wt
			args = append(args, r.k.caseID, r.k.scope, r.k.ref, r.wt.level, r.wt.name, r.wt.deptPath, r.wt.deadline, r.wt.remaining, at, at)
		}
		// The upsert locks the rows until this transaction ends, so a scan
		// running at the same time in another process waits here and then
		// finds them announced.
		rows, err := tx.Query(ctx, `INSERT INTO case_warnings (case_id, scope, ref_id, level, name, dept_path, deadline, remaining, since, updated_at)
			VALUES `+strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", len(part)), ", ")+`
			ON CONFLICT (case_id, scope, ref_id, level) DO UPDATE SET cleared_at = 0, since = excluded.since, name = excluded.name,
				dept_path = excluded.dept_path, deadline = excluded.deadline, remaining = excluded.remaining, updated_at = excluded.updated_at
			RETURNING id, case_id, scope, ref_id, level, notified_at`, args...)
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			var k lk
			var id, notified int64
			if err := rows.Scan(&id, &k.caseID, &k.scope, &k.ref, &k.level, &notified); err != nil {
				rows.Close()
				return 0, err
			}
			if notified == 0 {
				fresh = append(fresh, raising{k.key, byKey[k]})
				ids = append(ids, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
	}
	// Announce in key order, as the scan writes.
	slices.SortFunc(fresh, func(a, b raising) int {
		return cmp.Or(cmp.Compare(a.k.caseID, b.k.caseID), cmp.Compare(a.k.scope, b.k.scope), cmp.Compare(a.k.ref, b.k.ref))
	})
	var notes []notify.Note
	for _, r := range fresh {
		c := r.wt.c
		ck := strings.Join([]string{r.k.scope, c.status, c.kind, strconv.FormatInt(c.windowID, 10), c.orgPath, c.deptPath,
			c.handlerPath, r.wt.deptPath, c.stepPerson}, "\x00")
		users, ok := who[ck]
		if !ok {
			var err error
			if users, err = w.recipients(ctx, tx, r.k, r.wt); err != nil {
				return 0, err
			}
			who[ck] = users
		}
		subject, body := message(r.k, r.wt)
		for _, u := range users {
			notes = append(notes, notify.Note{UserID: u, Subject: subject, Body: body, CaseSerial: c.serial})
		}
	}
	if err := notify.EnqueueAll(ctx, tx, now, notes); err != nil {
		return 0, err
	}
	for len(ids) > 0 {
		k := min(len(ids), 500)
		q := "UPDATE case_warnings SET notified_at = ? WHERE id IN (" + strings.TrimSuffix(strings.Repeat("?, ", k), ", ") + ")"
		if _, err := tx.Exec(ctx, q, append([]any{at}, ids[:k]...)...); err != nil {
			return 0, err
		}
		ids = ids[k:]
	}
	return len(notes), nil
}

func message(k key, wt *want) (string, string) {
	what := fmt.Sprintf("办件 %s（%s）", wt.c.serial, wt.c.item)
	switch k.scope {
	case ScopeStep:
		what += "的“" + wt.name + "”环节"
	case ScopeTask:
		what += "由" + wt.name + "承担的联办事项"
	}
	if wt.level == Red {
		return "红牌超期：" + wt.c.serial, fmt.Sprintf("%s已超过办理时限（%s），超期 %d 个工作日，请立即办理并说明原因。", what, wt.deadline, -wt.remaining)
	}
	return "黄牌预警：" + wt.c.serial, fmt.Sprintf("%s将于 %s 到期，剩余 %d 个工作日，请抓紧办理。", what, wt.deadline, wt.remaining)
}

// recipients are who must act and who supervises: for the case and its
// step, whoever holds the case now (the window that accepted it while the
// window acts, the department's reviewers while it is reviewed, the upper
// authority's reviewers for an 上报件), and the staff named as the step's
// responsible person; for a sub-task, the reviewers of its department; and
// always the supervisors whose subtree contains the case or the sub-task.
func (w *Warnings) recipients(ctx context.Context, tx *db.Tx, k key, wt *want) ([]int64, error) {
	c := wt.c
	seen := map[int64]bool{}
	var out []int64
	add := func(q string, args ...any) error {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
		return rows.Err()
	}
	const staff = `SELECT u.id FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.active = ? AND u.kind = 'staff' AND u.roles LIKE ? `
	under := func(role, path string) error {
		cond, sargs := orgscope.Subtree(path).Cond("o.path")
		return add(staff+"AND "+cond+" ORDER BY u.id", append([]any{true, "%," + role + ",%"}, sargs...)...)
	}
	if k.scope == ScopeTask {
		if err := under(zwfw.RoleReviewer, wt.deptPath); err != nil {
			return nil, err
		}
	} else {
		windowActs := c.status == casework.Approved || c.status == casework.AwaitingPayment ||
			(c.status == casework.Accepted && (c.kind == catalog.KindImmediate || c.kind == catalog.KindUpward))
		var err error
		switch {
		case windowActs && c.windowID != 0:
			err = add(staff+"AND u.window_id = ? ORDER BY u.id", true, "%,"+zwfw.RoleWindow+",%", c.windowID)
		case windowActs:
			err = under(zwfw.RoleWindow, c.orgPath)
		case c.kind == catalog.KindUpward && c.handlerPath != "":
			err = under(zwfw.RoleReviewer, c.handlerPath)
		default:
			err = under(zwfw.RoleReviewer, c.deptPath)
		}
		if err != nil {
			return nil, err
		}
		// The step's responsible person is written as "post name"; the staff
		// of the case's centre or department whose name it carries.
		if person := strings.TrimSpace(c.stepPerson); person != "" {
			centre, cargs := orgscope.Subtree(c.orgPath).Cond("o.path")
			dept, dargs := orgscope.Subtree(c.deptPath).Cond("o.path")
			if err := add(staff+`AND u.name <> '' AND ? LIKE '%' || u.name || '%'
				AND (`+centre+` OR `+dept+`) ORDER BY u.id`,
				append(append([]any{true, "%,%", person}, cargs...), dargs...)...); err != nil {
				return nil, err
			}
		}
	}
	sup, err := SupervisorsAbove(ctx, tx, c.orgPath, wt.deptPath)
	if err != nil {
		return nil, err
	}
	for _, id := range sup {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}
