package audit

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/scope"
)

// The security log (安全日志; 实施方案 §2(7) 等级保护 level 3): the events an
// assessor asks about — sign-in failures, lockouts, refused requests,
// reveals of full personal data, setting changes and exports — one row
// each in security_events, read by the audit administrators alone
// (MayRead) within their subtree, kept at least 180 days (Prune).
//
// Events that are also audit entries (a lockout, a reveal, a setting
// changed) are written by RecordFor in the same transaction, so the
// change and its event stand or fall together (securityKinds says which
// actions). Events of what did not happen (a refused request) or changed
// nothing (an export) are written on their own by Service.Security, after
// the request's own work has rolled back or finished.

// Kinds of security events.
const (
	SecLoginFailed = "login_failed" // 登录失败
	SecLocked      = "locked"       // 账户锁定
	SecForbidden   = "forbidden"    // 越权访问被拒绝
	SecReveal      = "reveal"       // 查看完整个人信息
	SecSetting     = "setting"      // 设置变更
	SecExport      = "export"       // 导出
)

// SecurityKinds lists the kinds in display order.
var SecurityKinds = []string{SecLoginFailed, SecLocked, SecForbidden, SecReveal, SecSetting, SecExport}

// SecurityKindName is the Chinese name of a kind ("" for none).
func SecurityKindName(kind string) string {
	switch kind {
	case SecLoginFailed:
		return "登录失败"
	case SecLocked:
		return "账户锁定"
	case SecForbidden:
		return "越权访问被拒绝"
	case SecReveal:
		return "查看完整个人信息"
	case SecSetting:
		return "设置变更"
	case SecExport:
		return "导出"
	}
	return ""
}

// securityKinds maps the audit actions that are security events to their
// kind: RecordFor writes the event beside the entry.
var securityKinds = map[string]string{
	"account.login_failed": SecLoginFailed,
	"account.locked":       SecLocked,
	"case.reveal_ident":    SecReveal,
	"account.create":       SecSetting,
	"account.update":       SecSetting,
	"account.unlock":       SecSetting,
	"account.password":     SecSetting,
	"org.create":           SecSetting,
	"org.update":           SecSetting,
	"calendar.adjust":      SecSetting,
	"assessment.weights":   SecSetting,
}

// SecurityEvent is one event of the security log.
type SecurityEvent struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Kind     string    `json:"kind"`
	KindName string    `json:"kind_name"`
	UserID   int64     `json:"user_id,omitempty"`
	Username string    `json:"username"` // who acted, or the username tried
	Name     string    `json:"name"`
	OrgID    int64     `json:"org_id,omitempty"`
	Addr     string    `json:"addr"` // the client's address, when the event came from a request
	Object   string    `json:"object"`
	Detail   string    `json:"detail"`
}

type clientKey struct{}

// WithClient records the client address of a request in ctx, for the
// security events written while serving it (httpauth.Front sets it).
func WithClient(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientKey{}, addr)
}

// ClientOf is the client address WithClient put in ctx ("" for none).
func ClientOf(ctx context.Context) string {
	s, _ := ctx.Value(clientKey{}).(string)
	return s
}

// writeSecurity inserts ev through exec (a transaction's or the writer's).
func writeSecurity(ctx context.Context, exec func(ctx context.Context, q string, args ...any) error, ev SecurityEvent) error {
	if ev.Addr == "" {
		ev.Addr = ClientOf(ctx)
	}
	return exec(ctx, `INSERT INTO security_events (at, kind, user_id, username, name, org_id, addr, object, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, db.Millis(ev.At), ev.Kind, nullID(ev.UserID), clip(ev.Username, 64), clip(ev.Name, 64),
		nullID(ev.OrgID), clip(ev.Addr, 64), clip(ev.Object, 200), clip(ev.Detail, 2000))
}

// securityOf is the event an audit entry makes, if its action is one.
func securityOf(e *Entry, actor *zwfw.Actor) (SecurityEvent, bool) {
	kind, ok := securityKinds[e.Action]
	if !ok {
		return SecurityEvent{}, false
	}
	ev := SecurityEvent{At: e.At, Kind: kind, UserID: e.ActorID, Name: e.ActorName, OrgID: e.OrgID, Object: e.Object, Detail: string(e.Detail)}
	if actor != nil {
		ev.Username = MaskUsername(actor.Username)
	}
	if ev.Detail == "null" {
		ev.Detail = ""
	}
	return ev, true
}

var longDigits = regexp.MustCompile(`[0-9]{6,}`)

// MaskUsername masks a username that holds a long number (someone typed a
// phone or identity number as the username): the security log keeps no
// personal data whole.
func MaskUsername(u string) string {
	return longDigits.ReplaceAllStringFunc(u, func(d string) string {
		return d[:3] + strings.Repeat("*", len(d)-5) + d[len(d)-2:]
	})
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// Security writes an event on its own (not in a transaction of the
// caller's): a refused request, an export. A failure to write is logged by
// the caller's surface, never shown: the answer to the request stands.
func (s *Service) Security(ctx context.Context, ev SecurityEvent) error {
	if s == nil || s.db == nil {
		return nil
	}
	if ev.At.IsZero() {
		ev.At = s.now()
	}
	return Security(ctx, s.db, ev)
}

// Security writes ev to d's security log on its own, even when ctx is
// cancelled (the client went away after it was refused).
func Security(ctx context.Context, d *db.DB, ev SecurityEvent) error {
	ctx = context.WithoutCancel(ctx)
	if ev.At.IsZero() {
		ev.At = time.Now()
	}
	return writeSecurity(ctx, func(ctx context.Context, q string, args ...any) error {
		_, err := d.Writer().Exec(ctx, q, args...)
		return err
	}, ev)
}

// Refused records that actor was refused what (a route, "GET /path")
// with the message it was given.
func (s *Service) Refused(ctx context.Context, actor *zwfw.Actor, what, message string) error {
	ev := SecurityEvent{Kind: SecForbidden, Object: what, Detail: message}
	fill(&ev, actor)
	return s.Security(ctx, ev)
}

// Exported records that actor exported what (n rows, where counted).
func (s *Service) Exported(ctx context.Context, actor *zwfw.Actor, what, detail string) error {
	ev := SecurityEvent{Kind: SecExport, Object: what, Detail: detail}
	fill(&ev, actor)
	return s.Security(ctx, ev)
}

// fill puts the actor's identity and organisation on ev.
func fill(ev *SecurityEvent, actor *zwfw.Actor) {
	if actor == nil {
		ev.Username, ev.Name = "", "访客"
		return
	}
	ev.UserID, ev.Username, ev.Name, ev.OrgID = actor.UserID, MaskUsername(actor.Username), actor.Name, actor.OrgID
	if ev.Name == "" {
		ev.Name = ev.Username
	}
}

// SecurityQuery filters the security log.
type SecurityQuery struct {
	Kind     string // one of SecurityKinds, or "" for all
	From, To string // dates YYYY-MM-DD (China Standard Time), inclusive; "" for open
	Username string // who acted (or was tried), exactly
	Limit    int
	Offset   int
}

// bounds checks q and returns its time range in milliseconds (0: open).
func (q *SecurityQuery) bounds() (from, to int64, err error) {
	var v zwfw.Invalid
	q.Kind, q.From, q.To, q.Username = strings.TrimSpace(q.Kind), strings.TrimSpace(q.From), strings.TrimSpace(q.To), strings.TrimSpace(q.Username)
	if q.Kind != "" && !slices.Contains(SecurityKinds, q.Kind) {
		v.Add("kind", "事件类型“%s”不存在（可选：%s）", q.Kind, strings.Join(SecurityKinds, "、"))
	}
	var f, t time.Time
	if q.From != "" {
		if f, err = time.ParseInLocation("2006-01-02", q.From, zwfw.Zone); err != nil {
			v.Add("from", "起始日期应为 YYYY-MM-DD 格式")
		}
	}
	if q.To != "" {
		if t, err = time.ParseInLocation("2006-01-02", q.To, zwfw.Zone); err != nil {
			v.Add("to", "截止日期应为 YYYY-MM-DD 格式")
		}
	}
	if !f.IsZero() && !t.IsZero() && t.Before(f) {
		v.Add("to", "截止日期不能早于起始日期")
	}
	if err := v.Err(); err != nil {
		return 0, 0, err
	}
	if !f.IsZero() {
		from = db.Millis(f)
	}
	if !t.IsZero() {
		to = db.Millis(t.AddDate(0, 0, 1))
	}
	return from, to, nil
}

// readable is the condition on the organisation (o.path, e.org_id) of what
// actor may read: its subtree; at the top of the tree also the platform's
// own rows (no organisation). Browse and SecurityEvents share it.
func readable(actor *zwfw.Actor, orgCol string) *scope.Where {
	sc := scope.Of(actor)
	if atTop(actor) && !sc.IsAll() {
		cond, args := sc.Cond("o.path")
		return scope.Unscoped().And("("+cond+" OR "+orgCol+" IS NULL)", args...)
	}
	return sc.Where("o.path")
}

// SecurityEvents lists, newest first, the events the audit administrator
// may read (MayRead): those about organisations in the subtree (by where
// each is now), and at the top of the tree the platform's own. It returns
// the total matching too.
func (s *Service) SecurityEvents(ctx context.Context, actor *zwfw.Actor, q SecurityQuery) ([]SecurityEvent, int, error) {
	if err := MayRead(actor); err != nil {
		return nil, 0, err
	}
	from, to, err := q.bounds()
	if err != nil {
		return nil, 0, err
	}
	w := readable(actor, "e.org_id")
	if q.Kind != "" {
		w.And("e.kind = ?", q.Kind)
	}
	if from != 0 {
		w.And("e.at >= ?", from)
	}
	if to != 0 {
		w.And("e.at < ?", to)
	}
	if q.Username != "" {
		w.And("e.username = ?", q.Username)
	}
	where, args := w.SQL()
	const tables = " FROM security_events e LEFT JOIN orgs o ON o.id = e.org_id"
	var total int
	if err := s.db.Reader().QueryRow(ctx, "SELECT COUNT(*)"+tables+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if q.Limit <= 0 {
		q.Limit = 100
	}
	rows, err := s.db.Reader().Query(ctx, `SELECT e.id, e.at, e.kind, COALESCE(e.user_id, 0), e.username, e.name, COALESCE(e.org_id, 0),
		e.addr, e.object, e.detail`+tables+where+" ORDER BY e.id DESC LIMIT ? OFFSET ?", append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []SecurityEvent{}
	for rows.Next() {
		var ev SecurityEvent
		var at int64
		if err := rows.Scan(&ev.ID, &at, &ev.Kind, &ev.UserID, &ev.Username, &ev.Name, &ev.OrgID, &ev.Addr, &ev.Object, &ev.Detail); err != nil {
			return nil, 0, err
		}
		ev.At, ev.KindName = db.Time(at), SecurityKindName(ev.Kind)
		out = append(out, ev)
	}
	return out, total, rows.Err()
}

// MaxSecurityExport is the most events one export holds.
const MaxSecurityExport = 50000

// ExportSecurity writes the events q selects as CSV (UTF-8 with a byte
// order mark, so that spreadsheet programs read the Chinese) and records
// the export itself as a security event.
func (s *Service) ExportSecurity(ctx context.Context, actor *zwfw.Actor, q SecurityQuery, w io.Writer) error {
	q.Limit, q.Offset = MaxSecurityExport, 0
	evs, _, err := s.SecurityEvents(ctx, actor, q)
	if err != nil {
		return err
	}
	if err := s.Exported(ctx, actor, "security_events", fmt.Sprintf("导出安全日志 %d 条（类型：%s，日期：%s 至 %s，用户：%s）",
		len(evs), orAll(SecurityKindName(q.Kind)), orAll(q.From), orAll(q.To), orAll(q.Username))); err != nil {
		return err
	}
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"编号", "时间", "类型", "用户名", "姓名", "机构", "地址", "对象", "详情"})
	for _, ev := range evs {
		_ = cw.Write([]string{fmt.Sprint(ev.ID), ev.At.In(zwfw.Zone).Format("2006-01-02 15:04:05"), ev.KindName, cell(ev.Username), cell(ev.Name),
			fmt.Sprint(ev.OrgID), cell(ev.Addr), cell(ev.Object), cell(ev.Detail)})
	}
	cw.Flush()
	return cw.Error()
}

// cell keeps a spreadsheet from reading a value as a formula (a username
// tried at sign-in is anyone's text).
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func orAll(s string) string {
	if s == "" {
		return "全部"
	}
	return s
}

// PruneSecurity deletes the events older than days days before now (never
// fewer than 180 days are kept) and says how many went.
func PruneSecurity(ctx context.Context, d *db.DB, now time.Time, days int) (int64, error) {
	if days < 180 {
		days = 180
	}
	res, err := d.Writer().Exec(ctx, "DELETE FROM security_events WHERE at < ?", db.Millis(now.AddDate(0, 0, -days)))
	if err != nil {
		return 0, fmt.Errorf("audit: prune security log: %w", err)
	}
	return res.RowsAffected()
}
