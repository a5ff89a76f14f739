package review

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/notify"
	"zwfw/internal/pii"
	orgscope "zwfw/internal/scope"
)

// Service runs the rating links, the staff ratings and the work orders.
type Service struct {
	db    *db.DB
	cases *casework.Service
	cal   *calendar.Calendar
	now   func() time.Time
	key   []byte        // signs the rating links
	base  func() string // the site's public address ("https://host"), for links sent out
}

// New returns the service. key signs the rating links; base is the public
// address links in an SMS start with ("" — a relative link).
func New(d *db.DB, cases *casework.Service, cal *calendar.Calendar, now func() time.Time, key []byte, base string) *Service {
	return &Service{db: d, cases: cases, cal: cal, now: now, key: key, base: func() string { return base }}
}

// Default limits, in working days (GB/T 39735 practice; 附件2（九）).
const (
	DefaultCallbackDays  = 1
	DefaultRectifyDays   = 15
	DefaultExtensionDays = 15
)

// WorkOrder is a bad-review rectification work order (差评整改工单).
type WorkOrder struct {
	ID            int64     `json:"-"`
	Number        string    `json:"number"`
	Target        string    `json:"target"` // case, ticket, staff
	Serial        string    `json:"case_serial,omitempty"`
	What          string    `json:"what"`
	Status        string    `json:"status"`
	StatusName    string    `json:"status_name"`
	Level         int       `json:"level"`
	LevelName     string    `json:"level_name"`
	Channel       string    `json:"channel"`
	ChannelName   string    `json:"channel_name"`
	Problem       string    `json:"problem"`
	Anonymous     bool      `json:"anonymous"`
	HasEvaluator  bool      `json:"has_evaluator"`
	OrgName       string    `json:"org_name"`
	OwnerName     string    `json:"owner_name"`
	OwnerCode     string    `json:"owner_code"`
	OpenedOn      string    `json:"opened_on"`
	CallbackDue   string    `json:"callback_due"`
	RectifyDue    string    `json:"rectify_due"`
	Extended      bool      `json:"extended"`
	Result        string    `json:"result,omitempty"`
	NoBasis       bool      `json:"no_basis,omitempty"`
	Explanation   string    `json:"explanation,omitempty"`
	PublicSummary string    `json:"public_summary,omitempty"`
	FollowLevel   int       `json:"follow_level,omitempty"`
	ClearedReason string    `json:"cleared_reason,omitempty"`
	ClosedOn      string    `json:"closed_on,omitempty"`
	Version       int       `json:"version"`
	CreatedAt     time.Time `json:"created_at"`
	Events        []Event   `json:"events"`
	Actions       []Action  `json:"actions"`

	OrgID, OwnerID, CaseID, Evaluator int64  `json:"-"`
	OrgPath, OwnerPath                string `json:"-"`
}

// Event is one step of a work order, or a spot-check.
type Event struct {
	Action  string    `json:"action"`
	Name    string    `json:"name"`
	Actor   string    `json:"actor"`
	Note    string    `json:"note,omitempty"`
	Outcome string    `json:"outcome,omitempty"`
	At      time.Time `json:"at"`
}

// Due is the deadline of the work order's current step ("" when none).
func (w *WorkOrder) Due() string {
	switch w.Status {
	case StReview, StCallback:
		return w.CallbackDue
	case StRectify:
		return w.RectifyDue
	}
	return ""
}

func invalid(field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &zwfw.Error{Code: zwfw.EINVALID, Message: msg, Details: []zwfw.ErrorDetail{{Field: field, Message: msg}}}
}

// ---- the rating links ----

// Sign makes the signed token of a rating link: a case ("c", its serial)
// on a channel (qr, sms), or a staff member at a window ("s", user id).
func (s *Service) Sign(kind, ref, channel string) string {
	p := kind + "|" + ref + "|" + channel
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(p))
	return base64.RawURLEncoding.EncodeToString([]byte(p)) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

var errBadToken = zwfw.Errorf(zwfw.ENOTFOUND, "评价链接无效：请扫描通知书或窗口上的二维码，或打开短信中的链接")

// Link is what a signed token opens.
type Link struct {
	Kind    string // c, s
	Ref     string
	Channel string
}

// Verify reads a token Sign made.
func (s *Service) Verify(tok string) (Link, error) {
	p64, mac64, ok := strings.Cut(tok, ".")
	if !ok || len(tok) > 300 {
		return Link{}, errBadToken
	}
	p, err1 := base64.RawURLEncoding.DecodeString(p64)
	mac, err2 := base64.RawURLEncoding.DecodeString(mac64)
	if err1 != nil || err2 != nil {
		return Link{}, errBadToken
	}
	m := hmac.New(sha256.New, s.key)
	m.Write(p)
	if !hmac.Equal(mac, m.Sum(nil)[:16]) {
		return Link{}, errBadToken
	}
	parts := strings.Split(string(p), "|")
	if len(parts) != 3 || (parts[0] != "c" && parts[0] != "s") {
		return Link{}, errBadToken
	}
	return Link{Kind: parts[0], Ref: parts[1], Channel: parts[2]}, nil
}

// RatePath is the local address of a rating link.
func (s *Service) RatePath(kind, ref, channel string) string {
	return "/rate/" + s.Sign(kind, ref, channel)
}

// ---- ratings ----

// RateInput is a rating given on the rating page or the API.
type RateInput struct {
	Level      int      `json:"level"`
	Comment    string   `json:"comment"`
	Indicators []string `json:"indicators"`
	Anonymous  bool     `json:"anonymous"`
}

// Target is what a link rates, as the rating page shows it.
type Target struct {
	Kind       string // c, s
	Title      string
	Serial     string
	Channel    string
	FollowUp   bool // the follow-up after a rectification
	Indicators []casework.Indicator
	Done       string // why no rating can be given now ("" when one can)
}

// Target reads what a token rates and whether a rating may be given now.
func (s *Service) Target(ctx context.Context, tok string) (*Target, error) {
	l, err := s.Verify(tok)
	if err != nil {
		return nil, err
	}
	if l.Kind == "s" {
		id, _ := strconv.ParseInt(l.Ref, 10, 64)
		var name, window string
		if err := s.db.QueryRow(ctx, `SELECT u.name, COALESCE(w.name, '') FROM users u LEFT JOIN orgs w ON w.id = u.window_id
			WHERE u.id = ? AND u.kind = 'staff'`, id).Scan(&name, &window); err != nil {
			return nil, db.NotFound(err, "评价链接无效")
		}
		return &Target{Kind: "s", Title: window + " 工作人员 " + maskName(name), Channel: l.Channel,
			Indicators: casework.OnsiteIndicators}, nil
	}
	c, err := s.cases.Get(ctx, zwfw.System, l.Ref)
	if err != nil {
		return nil, errBadToken
	}
	t := &Target{Kind: "c", Title: c.ItemName, Serial: c.Serial, Channel: l.Channel,
		Indicators: casework.IndicatorsFor(l.Channel, c.Channel == casework.ChannelWindow)}
	err = s.db.ReadTx(ctx, func(q db.Querier) error {
		if _, err := followUpDue(ctx, q, c.ID); err == nil {
			t.FollowUp = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !t.FollowUp {
		if _, err := casework.RatingChannel(zwfw.System, c, l.Channel, false); err != nil {
			t.Done = zwfw.ErrorMessage(err)
		}
		if err := casework.Check(zwfw.System, c, casework.ActEvaluate); err != nil && zwfw.ErrorCode(err) == zwfw.ECONFLICT && t.Done == "" {
			t.Done = zwfw.ErrorMessage(err)
		}
	}
	return t, nil
}

// RateByToken records the rating a signed link opens: the case on the
// link's channel (or its follow-up when a rectification's result was sent),
// or the staff member named by a window's QR code.
func (s *Service) RateByToken(ctx context.Context, tok string, in RateInput) (*Target, error) {
	t, err := s.Target(ctx, tok)
	if err != nil {
		return nil, err
	}
	if t.Kind == "s" {
		l, _ := s.Verify(tok)
		id, _ := strconv.ParseInt(l.Ref, 10, 64)
		return t, s.rateStaff(ctx, id, l.Channel, in)
	}
	_, err = s.cases.Act(ctx, zwfw.System, t.Serial, casework.ActEvaluate, casework.ActionInput{Level: in.Level, Comment: in.Comment,
		Channel: t.Channel, Indicators: in.Indicators, Anonymous: in.Anonymous, FollowUp: t.FollowUp})
	return t, err
}

// RateCase is the signed-in applicant's rating of their case (我的办件):
// online, or the follow-up when one is due.
func (s *Service) RateCase(ctx context.Context, actor *zwfw.Actor, serial, channel string, in RateInput) (*casework.Case, error) {
	if channel == "" {
		channel = casework.ChannelPC
	}
	follow := false
	if c, err := s.cases.Get(ctx, actor, serial); err == nil && c.ApplicantID == actor.UserID {
		_ = s.db.ReadTx(ctx, func(q db.Querier) error {
			_, err := followUpDue(ctx, q, c.ID)
			follow = err == nil
			return nil
		})
	}
	return s.cases.Act(ctx, actor, serial, casework.ActEvaluate, casework.ActionInput{Level: in.Level, Comment: in.Comment,
		Channel: channel, Indicators: in.Indicators, Anonymous: in.Anonymous, FollowUp: follow})
}

// Offer says whether actor may rate c now on channel from 我的办件: the
// follow-up when a rectification's result was sent (followUp true), else a
// first rating on a channel not yet used; the refusal otherwise.
func (s *Service) Offer(ctx context.Context, actor *zwfw.Actor, c *casework.Case, channel string) (followUp bool, err error) {
	if c.ApplicantID != 0 && actor != nil && c.ApplicantID == actor.UserID {
		due := false
		_ = s.db.ReadTx(ctx, func(q db.Querier) error {
			_, err := followUpDue(ctx, q, c.ID)
			due = err == nil
			return nil
		})
		if due {
			return true, nil
		}
	}
	if err := casework.Check(actor, c, casework.ActEvaluate); err != nil {
		return false, err
	}
	_, err = casework.RatingChannel(actor, c, channel, false)
	return false, err
}

// CallbackInput is a phone call-back's rating entered by staff (回访录入).
type CallbackInput struct {
	RateInput
}

// EnterCallback records the rating the applicant gave on a phone call-back,
// entered by the window staff member (channel phone, attributed to them).
func (s *Service) EnterCallback(ctx context.Context, actor *zwfw.Actor, serial string, in RateInput) (*casework.Case, error) {
	if actor == nil || !actor.IsStaff() {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "只有窗口工作人员可以录入电话回访评价")
	}
	return s.cases.Act(ctx, actor, serial, casework.ActEvaluate, casework.ActionInput{Level: in.Level, Comment: in.Comment,
		Channel: casework.ChannelPhone, Indicators: in.Indicators, Anonymous: in.Anonymous})
}

// rateStaff records a rating of a staff member (from the window's QR code).
func (s *Service) rateStaff(ctx context.Context, staffID int64, channel string, in RateInput) error {
	comment, err := casework.CheckRating(in.Level, in.Comment)
	if err != nil {
		return err
	}
	ind, err := casework.CheckIndicators(channel, true, in.Indicators)
	if err != nil {
		return err
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		var windowID sql.NullInt64
		var orgID int64
		var orgPath, ownerPath string
		if err := tx.QueryRow(ctx, `SELECT u.window_id, o.id, o.path, COALESCE(w.path, o.path) FROM users u JOIN orgs o ON o.id = u.org_id
			LEFT JOIN orgs w ON w.id = u.window_id WHERE u.id = ?`, staffID).Scan(&windowID, &orgID, &orgPath, &ownerPath); err != nil {
			return db.NotFound(err, "评价链接无效")
		}
		id, err := db.InsertID(ctx, tx, `INSERT INTO staff_evaluations (staff_id, window_id, org_path, level, comment, indicators, channel,
			anonymous, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, TRUE, ?)`, staffID, windowID, orgPath, in.Level, comment, ind, channel, db.Millis(now))
		if err != nil {
			return err
		}
		owner := orgID
		if windowID.Valid {
			owner = windowID.Int64
		}
		if err := audit.RecordFor(ctx, tx, orgID, now, zwfw.System, "review.rate_staff", "user:"+strconv.FormatInt(staffID, 10),
			map[string]any{"level": in.Level, "channel": channel}); err != nil {
			return err
		}
		return s.Rated(ctx, tx, casework.Rated{Target: "staff", EvalID: id, StaffID: staffID, Level: in.Level, Comment: comment,
			Channel: channel, Anonymous: true, OrgID: orgID, OrgPath: orgPath, OwnerID: owner, OwnerPath: ownerPath, What: "窗口工作人员服务"})
	})
}

// ---- the hook ----

// Rated opens a work order for a 差评, in the rating's transaction; a
// follow-up closes its work order.
func (s *Service) Rated(ctx context.Context, tx *db.Tx, r casework.Rated) error {
	now := s.now()
	if r.FollowUp != 0 {
		res, err := tx.Exec(ctx, `UPDATE rectifications SET status = ?, follow_level = ?, closed_on = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND status = ?`, StClosed, r.Level, calendar.Date(now).Format(calendar.DateLayout), db.Millis(now), r.FollowUp, StFollowUp)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return zwfw.Errorf(zwfw.ECONFLICT, "没有等待追评的整改工单")
		}
		return s.event(ctx, tx, r.FollowUp, zwfw.System, "followup", casework.Levels[r.Level]+"（"+casework.RatingChannelName(r.Channel)+"）", "", now)
	}
	if !casework.IsBad(r.Level) {
		return nil
	}
	set, err := s.settings(ctx, tx, r.OrgPath)
	if err != nil {
		return err
	}
	today := calendar.Date(now)
	cb, err := s.cal.AddWorkdays(ctx, r.OrgPath, today, set.CallbackDays)
	if err != nil {
		return err
	}
	rd, err := s.cal.AddWorkdays(ctx, r.OrgPath, today, set.RectifyDays)
	if err != nil {
		return err
	}
	n, err := tx.Next(ctx, "rectification:"+today.Format("2006"))
	if err != nil {
		return err
	}
	number := fmt.Sprintf("ZG%s%05d", today.Format("2006"), n)
	var caseID, ticketID, staffID, evaluator any
	if r.CaseID != 0 {
		caseID = r.CaseID
	}
	if r.TicketID != 0 {
		ticketID = r.TicketID
	}
	if r.StaffID != 0 {
		staffID = r.StaffID
	}
	if r.Evaluator != 0 {
		evaluator = r.Evaluator
	}
	problem := r.Comment
	if r.What != "" {
		problem = r.What + "：" + r.Comment
	}
	id, err := db.InsertID(ctx, tx, `INSERT INTO rectifications (number, target, eval_id, case_id, ticket_id, staff_id, org_id, org_path,
		owner_id, owner_path, level, channel, problem, evaluator, anonymous, status, opened_on, callback_due, rectify_due, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		number, r.Target, r.EvalID, caseID, ticketID, staffID, r.OrgID, r.OrgPath, r.OwnerID, r.OwnerPath, r.Level, r.Channel, problem,
		evaluator, r.Anonymous, StReview, today.Format(calendar.DateLayout), cb.Format(calendar.DateLayout), rd.Format(calendar.DateLayout),
		db.Millis(now), db.Millis(now))
	if err != nil {
		return err
	}
	if err := s.event(ctx, tx, id, zwfw.System, "open", casework.Levels[r.Level]+"："+r.Comment, "", now); err != nil {
		return err
	}
	if err := audit.RecordFor(ctx, tx, r.OrgID, now, zwfw.System, "review.open", "rectification:"+number,
		map[string]any{"target": r.Target, "level": r.Level, "channel": r.Channel}); err != nil {
		return err
	}
	// The supervisors above it review its validity.
	sups, err := s.supervisors(ctx, tx, r.OrgPath)
	if err != nil {
		return err
	}
	var notes []notify.Note
	for _, u := range sups {
		notes = append(notes, notify.Note{UserID: u, Subject: "新差评待审核", CaseSerial: r.Serial,
			Body: fmt.Sprintf("差评整改工单 %s（%s）待审核有效性，请于 %s 前完成回访。", number, r.What, cb.Format(calendar.DateLayout))})
	}
	return notify.EnqueueAll(ctx, tx, now, notes)
}

// FollowUpDue is the work order of a case waiting for its follow-up.
func (s *Service) FollowUpDue(ctx context.Context, tx *db.Tx, caseID int64) (int64, error) {
	return followUpDue(ctx, tx, caseID)
}

func followUpDue(ctx context.Context, q db.Querier, caseID int64) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, "SELECT id FROM rectifications WHERE case_id = ? AND status = ? ORDER BY id DESC LIMIT 1", caseID, StFollowUp).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, zwfw.Errorf(zwfw.ECONFLICT, "本件没有等待追评的整改：整改结果反馈后才能追评一次")
	}
	return id, err
}

// Closed sends the applicant of a completed or delivered case the SMS
// rating link (短信评价).
func (s *Service) Closed(ctx context.Context, tx *db.Tx, c *casework.Case, phone string) error {
	if phone == "" {
		return nil
	}
	link := s.base() + s.RatePath("c", c.Serial, casework.ChannelSMS)
	return notify.Enqueue(ctx, tx, s.now(), notify.Note{Phone: phone, CaseSerial: c.Serial, Subject: "请评价",
		Body: fmt.Sprintf("您的“%s”（%s）已办结，欢迎评价：%s", c.ItemName, c.Serial, link)})
}

func (s *Service) event(ctx context.Context, tx *db.Tx, id int64, a *zwfw.Actor, action, note, outcome string, at time.Time) error {
	var uid any
	if a.UserID != 0 {
		uid = a.UserID
	}
	name := a.Name
	if name == "" {
		name = a.Username
	}
	_, err := tx.Exec(ctx, `INSERT INTO rectification_events (rectification_id, action, actor_id, actor_name, note, outcome, at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, id, action, uid, name, note, outcome, db.Millis(at))
	return err
}

// supervisors are the active supervisors whose subtree holds path.
func (s *Service) supervisors(ctx context.Context, q db.Querier, path string) ([]int64, error) {
	cond, args := orgscope.Above("o.path", path)
	rows, err := q.Query(ctx, `SELECT u.id FROM users u JOIN orgs o ON o.id = u.org_id
		WHERE u.active = ? AND u.kind = 'staff' AND u.roles LIKE ? AND `+cond+` ORDER BY u.id`, append([]any{true, "%,supervisor,%"}, args...)...)
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

// Settings are the limits of the work orders of an organisation.
type Settings struct {
	CallbackDays  int `json:"callback_days"`
	RectifyDays   int `json:"rectify_days"`
	ExtensionDays int `json:"extension_days"`
}

// settings are the limits that apply at path: the nearest organisation
// above it (or itself) that set its own, else the defaults.
func (s *Service) settings(ctx context.Context, q db.Querier, path string) (Settings, error) {
	cond, args := orgscope.Above("o.path", path)
	st := Settings{DefaultCallbackDays, DefaultRectifyDays, DefaultExtensionDays}
	err := q.QueryRow(ctx, `SELECT s.callback_days, s.rectify_days, s.extension_days FROM rectification_settings s JOIN orgs o ON o.id = s.org_id
		WHERE `+cond+` ORDER BY LENGTH(o.path) DESC LIMIT 1`, args...).Scan(&st.CallbackDays, &st.RectifyDays, &st.ExtensionDays)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	return st, err
}

// SettingsOf returns the limits at an organisation (by code).
func (s *Service) SettingsOf(ctx context.Context, actor *zwfw.Actor, code string) (Settings, error) {
	path, _, err := s.orgPath(ctx, actor, code)
	if err != nil {
		return Settings{}, err
	}
	var st Settings
	err = s.db.ReadTx(ctx, func(q db.Querier) error {
		st, err = s.settings(ctx, q, path)
		return err
	})
	return st, err
}

// SetSettings sets an organisation's limits (its supervisors or
// administrators; 整改期限可由县级设定).
func (s *Service) SetSettings(ctx context.Context, actor *zwfw.Actor, code string, st Settings) error {
	if actor == nil || !actor.IsStaff() || !(actor.Has(zwfw.RoleSupervisor) || actor.Has(zwfw.RoleAdmin)) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有电子监察人员或管理员可以设置整改期限")
	}
	path, id, err := s.orgPath(ctx, actor, code)
	if err != nil {
		return err
	}
	if st.CallbackDays < 1 || st.CallbackDays > 10 || st.RectifyDays < 1 || st.RectifyDays > 60 || st.ExtensionDays < 1 || st.ExtensionDays > 60 {
		return invalid("rectify_days", "回访期限应为 1–10 个工作日，整改期限和延期应为 1–60 个工作日")
	}
	_ = path
	now := s.now()
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO rectification_settings (org_id, callback_days, rectify_days, extension_days, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (org_id) DO UPDATE SET callback_days = excluded.callback_days,
			rectify_days = excluded.rectify_days, extension_days = excluded.extension_days, updated_by = excluded.updated_by,
			updated_at = excluded.updated_at`, id, st.CallbackDays, st.RectifyDays, st.ExtensionDays, actor.UserID, db.Millis(now)); err != nil {
			return err
		}
		return audit.RecordFor(ctx, tx, id, now, actor, "review.settings", "org:"+code, st)
	})
}

func (s *Service) orgPath(ctx context.Context, actor *zwfw.Actor, code string) (string, int64, error) {
	var path string
	var id int64
	if err := s.db.QueryRow(ctx, "SELECT id, path FROM orgs WHERE code = ?", code).Scan(&id, &path); err != nil {
		return "", 0, db.NotFound(err, "机构 "+code+" 不存在")
	}
	if !orgscope.Of(actor).Contains(path) {
		return "", 0, zwfw.Errorf(zwfw.ENOTFOUND, "机构 %s 不存在", code)
	}
	return path, id, nil
}

// maskName keeps a name's first character (王**).
func maskName(n string) string {
	r := []rune(n)
	if len(r) <= 1 {
		return n
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}

// A public summary names no one: no runs of digits a phone or an identity
// number could be read from.
var digitsRun = regexp.MustCompile(`[0-9０-９]{5,}`)

func checkText(field, what string, v string, min, max int) (string, error) {
	v = strings.TrimSpace(v)
	n := utf8.RuneCountInString(v)
	if n < min {
		return "", invalid(field, "请填写%s（至少 %d 个字）", what, min)
	}
	if n > max {
		return "", invalid(field, "%s不超过 %d 字", what, max)
	}
	return v, nil
}

// phoneOf opens a user's phone for an SMS.
func phoneOf(ctx context.Context, tx *db.Tx, uid int64) string {
	var sealed string
	if err := tx.QueryRow(ctx, "SELECT phone FROM users WHERE id = ?", uid).Scan(&sealed); err != nil || sealed == "" {
		return ""
	}
	p, err := pii.Of(tx).Open(pii.UserPhone.Label(), sealed)
	if err != nil {
		return ""
	}
	return p
}
