package casework

// Taking an action: Act, the transaction it runs in, and what every action
// writes besides its own work (the case row, its steps, the audit entry,
// the applicant's notification, the rollup). Each action's own work is in
// intake.go, review.go, clock.go and closing.go; whether it may be taken,
// in machine.go.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/calendar"
	"zwfw/internal/casework/rollup"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/notify"
	"zwfw/internal/org"
)

// ActionInput carries what an action needs; each action reads its own
// fields and ignores the rest.
type ActionInput struct {
	Version     int             `json:"version,omitempty"`      // the case version the actor saw; a mismatch is a conflict
	Opinion     string          `json:"opinion,omitempty"`      // opinion, reason (instant: the decision's)
	Basis       string          `json:"basis,omitempty"`        // legal basis (reject, deny)
	Items       []string        `json:"items,omitempty"`        // notify-supplement: everything to fix, told once
	Materials   []MaterialInput `json:"materials,omitempty"`    // supplement
	Kind        string          `json:"kind,omitempty"`         // suspend: the special procedure
	Days        int             `json:"days,omitempty"`         // request-extension
	ExtensionID int64           `json:"extension_id,omitempty"` // approve-extension (default: the pending one)
	Dept        string          `json:"dept,omitempty"`         // task-approve, task-deny: the department (default: the actor's)
	Reference   string          `json:"reference,omitempty"`    // confirm-payment: bank or payment-platform reference
	Quantity    int             `json:"quantity,omitempty"`     // approve: units the fee is counted in
	Result      *Result         `json:"result,omitempty"`       // complete, instant: certificate number, validity
	Delivery    *Delivery       `json:"delivery,omitempty"`     // deliver: onsite or post, tracking number
	Level       int             `json:"level,omitempty"`        // evaluate: 1 非常满意 … 5 非常不满意
	LevelName   string          `json:"level_name,omitempty"`   // evaluate: or the level's name
	Comment     string          `json:"comment,omitempty"`      // evaluate
	Channel     string          `json:"channel,omitempty"`      // evaluate: pc, mobile, qr, pad, phone, sms
	Indicators  []string        `json:"indicators,omitempty"`   // evaluate: indicator codes ticked (IndicatorsFor)
	Anonymous   bool            `json:"anonymous,omitempty"`    // evaluate: 匿名
	FollowUp    bool            `json:"follow_up,omitempty"`    // evaluate: the follow-up after a rectification (追评)
	FeeItems    []string        `json:"fee_items,omitempty"`    // approve: which of the item's fees apply, when it has several

	remote *RemoteDecision // approve, deny: the decision another platform took (ApplyDecision); never from a request
}

// act is one action in progress, inside its transaction.
type act struct {
	s      *Service
	ctx    context.Context
	tx     *db.Tx
	actor  *zwfw.Actor
	c      *Case
	it     *catalog.Item
	in     ActionInput
	now    time.Time
	today  time.Time
	action string
	rule   rule

	lastSeq   int // the highest step number so far
	extra     int // parts of the case this action adds (hasSuspensions …)
	centreO   *org.Org
	noticeSet *org.NoticeSettings // the centre's document settings (notices.go)
	next      string              // the status the case moves to
	advance   bool                // the action completes the open step
	opinion   string              // recorded on the step
	set       map[string]any
	open      *openInfo // the step that opens next (nil: none)
	tellSubj  string
	tellBody  string
	detail    map[string]any // for the audit entry
	level     int            // evaluate: the level given
}

type openInfo struct {
	name, person, phone string
	limit               int
}

// Act takes action on the case with serial. Check decides whether the actor
// may (404 outside their reach, 403 for their role or department, 409 for
// the case's state) on the case as it stands at its latest version; the
// transaction writes only if the case is still at that version, so when two
// people act at once one wins and the other gets a conflict. Everything the
// action changes — and every step of a composite action (当场办结) — is
// written in that one transaction, or nothing is.
func (s *Service) Act(ctx context.Context, actor *zwfw.Actor, serial, action string, in ActionInput) (*Case, error) {
	if !IsAction(action) {
		return nil, unknownAction(action)
	}
	if actor == nil {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	// The version the actor saw, when this process holds it, is taken as
	// current without asking the database: the transaction writes only if
	// it still is (commit), and reports the conflict below if not.
	trusted := false
	var c *Case
	if in.Version != 0 {
		if k := s.recent.get(serial, in.Version); k != nil {
			cp := *k
			c, trusted = &cp, true
		}
	}
	if c == nil {
		var err error
		if c, err = s.current(ctx, serial); err != nil {
			return nil, err
		}
	}
	if err := Check(actor, c, action); err != nil {
		if !trusted {
			return nil, err
		}
		// Refused on the version the actor saw: decide on the current one.
		if c, err = s.current(ctx, serial); err != nil {
			return nil, err
		}
		trusted = false
		if err := Check(actor, c, action); err != nil {
			return nil, err
		}
	}
	if in.Version != 0 && in.Version != c.Version {
		return nil, stale(c, in.Version)
	}
	// The case row is updated first of the transaction's writes to it
	// (commit), and only at the version read here: if someone else acted
	// meanwhile, that update changes nothing and the whole transaction is
	// a conflict (one round trip fewer than reading the version again).
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if chain := machine[action].chain; chain != nil {
			return s.takeChain(ctx, tx, actor, c, action, chain, in)
		}
		return s.take(ctx, tx, actor, c, action, in)
	})
	if trusted && zwfw.ErrorCode(err) == zwfw.ECONFLICT {
		if now, cerr := s.current(ctx, serial); cerr == nil && now.Version != in.Version {
			return nil, stale(now, in.Version)
		}
	}
	if err != nil {
		return nil, err
	}
	return s.forActor(ctx, actor, c.ID)
}

func stale(c *Case, seen int) error {
	return zwfw.Errorf(zwfw.ECONFLICT, "办件 %s 已被他人处理（当前为第 %d 版，您看到的是第 %d 版），请刷新后重试", c.Serial, c.Version, seen)
}

// forActor reads a case just written, after the commit and on the read
// pool (the single writer is not kept waiting while it is assembled), with
// the actions the actor may take on it now.
func (s *Service) forActor(ctx context.Context, actor *zwfw.Actor, id int64) (*Case, error) {
	c, err := s.loadFresh(ctx, "c.id = ?", id)
	if err != nil {
		return nil, err
	}
	c.Actions = Allowed(actor, c)
	return c, nil
}

// take runs one action, already checked, on c in tx: the action's own work,
// then the case, its steps, the audit entry, the notification and the
// rollup.
func (s *Service) take(ctx context.Context, tx *db.Tx, actor *zwfw.Actor, c *Case, action string, in ActionInput) error {
	r := machine[action]
	it := c.item
	if it == nil {
		var err error
		if it, err = s.itemVersion(ctx, c.ItemCode, c.DeptPath, c.ItemVersion); err != nil {
			return err
		}
	}
	now := s.now()
	a := &act{s: s, ctx: ctx, tx: tx, actor: actor, c: c, it: it, in: in, now: now, today: calendar.Date(now),
		action: action, rule: r, next: r.to, set: map[string]any{}, detail: map[string]any{}}
	if a.next == "" {
		a.next = c.Status
	}
	if err := handlers[action](a); err != nil {
		return err
	}
	// c holds every step at its version, which the transaction keeps.
	for _, st := range c.Steps {
		a.lastSeq = max(a.lastSeq, st.Seq)
	}
	if err := a.commit(); err != nil {
		return err
	}
	if err := s.keepParts(ctx, tx, c.ID); err != nil {
		return err
	}
	// A case received from another platform, once decided here, goes
	// back to it with the decision (remote.go).
	if (action == ActApprove || action == ActDeny) && c.received() && s.fwd != nil {
		opinion, basis := a.opinion, ""
		if action == ActDeny {
			opinion, basis = strings.TrimSpace(in.Opinion), strings.TrimSpace(in.Basis)
		}
		if err := s.giveBack(ctx, tx, actor, c.ID, opinion, basis, in); err != nil {
			return err
		}
	}
	if s.failAfter != nil {
		return s.failAfter(action)
	}
	return nil
}

// commit writes the case, closes or records the step, opens the next one,
// and writes the audit entry and the applicant's notification.
func (a *act) commit() error {
	c := a.c
	cols := []string{"status = ?", "version = version + 1", "updated_at = ?", "extras = extras | ?"}
	args := []any{a.next, db.Millis(a.now), a.extra}
	keys := make([]string, 0, len(a.set))
	for k := range a.set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		cols = append(cols, k+" = ?")
		args = append(args, a.set[k])
	}
	args = append(args, c.ID, c.Version)
	// What follows is written without waiting for each statement (on
	// PostgreSQL one batch, sent at the commit: db.Tx.Later); the version
	// check fails the whole transaction.
	if err := a.tx.Later(a.ctx, func(n int64) error {
		if n != 1 {
			return zwfw.Errorf(zwfw.ECONFLICT, "办件 %s 已被他人处理，请刷新后重试", c.Serial)
		}
		return nil
	}, "UPDATE cases SET "+strings.Join(cols, ", ")+" WHERE id = ? AND version = ?", args...); err != nil {
		return err
	}
	seq := a.lastSeq + 1
	open := 0 // the open step, from the case at its version
	for _, st := range c.Steps {
		if st.State == "open" {
			open++
		}
	}
	if a.advance {
		if open > 0 {
			if err := a.tx.Later(a.ctx, func(n int64) error {
				if n != int64(open) {
					return fmt.Errorf("casework: case %s: %d open steps closed, %d expected", c.Serial, n, open)
				}
				return nil
			}, `UPDATE case_steps SET state = 'done', action = ?, from_status = ?, to_status = ?, actor_id = ?,
				actor_name = ?, org_id = ?, window_id = ?, opinion = ?, ended_at = ? WHERE case_id = ? AND state = 'open'`,
				a.action, c.Status, a.next, nullID(a.actor.UserID), actorName(a.actor), nullID(a.actor.OrgID), nullID(a.actor.WindowID),
				a.opinion, db.Millis(a.now), c.ID); err != nil {
				return err
			}
		} else {
			if err := openStep(a.ctx, a.tx, c.ID, seq, a.rule.step, a.action, c.Status, a.next, a.actor, a.now, a.opinion); err != nil {
				return err
			}
			seq++
		}
		if a.open != nil {
			if err := openNext(a.ctx, a.tx, c.ID, seq, a.open.name, a.open.person, a.open.phone, a.open.limit, a.now); err != nil {
				return err
			}
		}
	} else if err := openStep(a.ctx, a.tx, c.ID, seq, a.rule.step, a.action, c.Status, a.next, a.actor, a.now, a.opinion); err != nil {
		// The open step stays open; the action is recorded beside it.
		return err
	}
	a.detail["from"], a.detail["to"] = c.Status, a.next
	if a.opinion != "" {
		a.detail["opinion"] = a.opinion
	}
	if err := audit.RecordFor(a.ctx, a.tx, c.OrgID, a.now, a.actor, "case."+a.action, "case:"+c.Serial, a.detail); err != nil {
		return err
	}
	// The event for the city platform, in this transaction (events.go).
	if err := a.publish(); err != nil {
		return err
	}
	// A case received from another platform: the applicant hears from the
	// platform they applied at, not twice.
	if a.tellSubj != "" && !c.received() {
		if err := a.s.tell(a.ctx, a.tx, c, c.Applicant, a.tellSubj, a.tellBody, a.now); err != nil {
			return err
		}
	}
	// Completed: the applicant is sent the rating link (好差评 短信评价),
	// once — delivery later sends no second one.
	if a.s.ratings != nil && a.next == Completed && c.Status != a.next && !c.received() {
		if err := a.s.ratings.Closed(a.ctx, a.tx, c, c.Applicant.Phone); err != nil {
			return err
		}
	}
	// The centre's public display shows acceptances and completions
	// (public.go): its screens hear of them when this commits.
	if a.announces() {
		if err := a.tx.Changed(a.ctx, Topic, c.OrgCode); err != nil {
			return err
		}
	}
	// Last: the rollup's rows are shared by every case of the same day,
	// centre, department and status; on PostgreSQL their locks are held
	// from here to the commit, so the less comes after, the better.
	return a.track()
}

// track moves the case in the supervision rollup, in the action's
// transaction.
func (a *act) track() error {
	c := a.c
	before := rollup.Case{Day: c.Day, OrgID: c.OrgID, DeptID: c.DeptID, WindowID: c.WindowID, Kind: c.Kind, Channel: c.Channel,
		Status: c.Status, Deadline: c.Deadline, CompletedOn: c.CompletedOn, HandledDays: c.HandledDays, PromisedDays: c.PromisedDays,
		OrgPath: c.OrgPath, DeptPath: c.DeptPath}
	if c.extras&hasEvaluations != 0 {
		e, s, err := rollup.Evaluations(a.ctx, a.tx, c.ID)
		if err != nil {
			return err
		}
		if a.action == ActEvaluate { // the new one is already written
			e, s = e-1, s-boolInt(rollup.Satisfied(a.level))
		}
		before.Evals, before.Satisfied = e, s
	}
	after := before
	after.Status = a.next
	if v, ok := a.set["deadline"].(string); ok {
		after.Deadline = v
	}
	if v, ok := a.set["window_id"].(int64); ok {
		after.WindowID = v
	}
	if v, ok := a.set["completed_on"].(string); ok {
		after.CompletedOn, after.HandledDays = v, a.set["handled_days"].(int)
	}
	if a.action == ActEvaluate {
		after.Evals++
		after.Satisfied += boolInt(rollup.Satisfied(a.level))
	}
	return rollup.Move(a.ctx, a.tx, &before, &after)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

var handlers = map[string]func(*act) error{
	ActAccept:            (*act).accept,
	ActNotifySupplement:  (*act).notifySupplement,
	ActAllowSecondNotice: (*act).allowSecondNotice,
	ActReject:            (*act).reject,
	ActSupplement:        (*act).supplement,
	ActForward:           (*act).forward,
	ActReview:            (*act).review,
	ActTaskApprove:       func(a *act) error { return a.task(true) },
	ActTaskDeny:          func(a *act) error { return a.task(false) },
	ActSuspend:           (*act).suspend,
	ActResume:            (*act).resume,
	ActRequestExtension:  (*act).requestExtension,
	ActApproveExtension:  (*act).approveExtension,
	ActApprove:           (*act).approve,
	ActDeny:              (*act).deny,
	ActConfirmPayment:    (*act).confirmPayment,
	ActComplete:          (*act).complete,
	ActDeliver:           (*act).deliver,
	ActArchive:           (*act).archive,
	ActEvaluate:          (*act).evaluate,
	ActWithdraw:          (*act).withdraw,
}

func (a *act) need(field, value string, min int, what string) (string, error) {
	value = strings.TrimSpace(value)
	if n := utf8.RuneCountInString(value); n < min || n > 2000 {
		return "", invalid(field, "请填写%s（%d–2000 字）", what, min)
	}
	return value, nil
}

func (a *act) centre() *org.Org {
	if a.centreO == nil {
		o, err := a.s.orgs.ByCode(a.ctx, a.c.OrgCode)
		if err != nil {
			o = &org.Org{Name: a.c.OrgName}
		}
		a.centreO = o
	}
	return a.centreO
}

// local reports whether the case's centre is a town's or a village's, below
// the county whose posts the item's steps name.
func (a *act) local() bool {
	o := a.centre()
	if o.ParentID == 0 {
		return false
	}
	r, err := a.s.orgs.ByID(a.ctx, o.ParentID)
	return err == nil && levelOf(r.Kind) != catalog.LevelCounty
}

// stepOpen opens item step i, or a generic step when the item has no more.
func (a *act) stepOpen(i int, fallback string) {
	if i == 0 && a.local() {
		a.windowOpen(fallback)
		if len(a.it.Steps) > 0 {
			a.open.name, a.open.limit = a.it.Steps[0].Name, a.it.Steps[0].LimitDays
		}
		return
	}
	if i < len(a.it.Steps) {
		st := a.it.Steps[i]
		a.open = &openInfo{name: st.Name, person: st.Post + " " + st.Person, phone: st.Phone, limit: st.LimitDays}
		return
	}
	o := a.centre()
	a.open = &openInfo{name: fallback, person: o.DisplayName(), phone: o.Phone}
}

// windowOpen opens a step the centre's windows answer for.
func (a *act) windowOpen(name string) {
	o := a.centre()
	a.open = &openInfo{name: name, person: o.DisplayName() + "窗口", phone: o.Phone}
}

// openStep records a closed step (an action already taken).
func openStep(ctx context.Context, tx *db.Tx, caseID int64, seq int, name, action, from, to string, actor *zwfw.Actor, at time.Time, opinion string) error {
	return tx.Later(ctx, nil, `INSERT INTO case_steps (case_id, seq, name, action, state, from_status, to_status, actor_id, actor_name,
		org_id, window_id, opinion, started_at, ended_at) VALUES (?, ?, ?, ?, 'done', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		caseID, seq, name, action, from, to, nullID(actor.UserID), actorName(actor), nullID(actor.OrgID), nullID(actor.WindowID), opinion,
		db.Millis(at), db.Millis(at))
}

// openNext records the step now waiting, with who answers for it.
func openNext(ctx context.Context, tx *db.Tx, caseID int64, seq int, name, person, phone string, limit int, at time.Time) error {
	return tx.Later(ctx, nil, `INSERT INTO case_steps (case_id, seq, name, action, state, from_status, to_status, person, phone, limit_days, started_at)
		VALUES (?, ?, ?, '', 'open', '', '', ?, ?, ?, ?)`, caseID, seq, name, person, phone, limit, db.Millis(at))
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func actorName(a *zwfw.Actor) string {
	if a.Name != "" {
		return a.Name
	}
	return a.Username
}

// tell queues the applicant's notification: in-app when they have an
// account, and an SMS to the phone on the case.
func (s *Service) tell(ctx context.Context, tx *db.Tx, c *Case, a Applicant, subject, body string, at time.Time) error {
	return notify.Enqueue(ctx, tx, at, notify.Note{UserID: c.ApplicantID, Phone: a.Phone, Subject: subject, Body: body, CaseSerial: c.Serial})
}
