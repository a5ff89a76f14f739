package hall

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
	"zwfw/internal/org"
)

// Appointments (预约办理, issue 10 item 2). A signed-in applicant books a
// centre, a business category and a half-hour slot of a working day
// (the county's calendar); each slot takes the category's SlotCapacity.
// At the hall the booking is checked in (签到) — with its six-digit code
// at the kiosk, or from the booking's page on the phone — from 15 minutes
// before the slot until its end; that issues a ticket of the category
// which the windows call ahead of walk-ins (queueOrder). A booking whose
// slot ended without a check-in is a no-show (未到); three in 30 days
// close booking for seven days.

// Appointment states.
const (
	Booked    = "booked"    // 已预约
	Arrived   = "arrived"   // 已签到
	Cancelled = "cancelled" // 已取消
	NoShow    = "noshow"    // 未到
)

// AppointmentStatusName is the Chinese name of an appointment's state.
func AppointmentStatusName(st string) string {
	switch st {
	case Booked:
		return "已预约"
	case Arrived:
		return "已签到"
	case Cancelled:
		return "已取消"
	case NoShow:
		return "未到"
	}
	return st
}

// Rules of booking.
const (
	SlotMinutes     = 30 // a slot is half an hour
	BookDaysAhead   = 7  // bookable up to this many working days after today
	CheckInEarly    = 15 * time.Minute
	NoShowLimit     = 3  // no-shows …
	NoShowWindow    = 30 // … within this many days …
	NoShowPauseDays = 7  // … close booking for this many days after the last
)

// Appointment is one booking (预约).
type Appointment struct {
	ID           int64     `json:"-"`
	Token        string    `json:"token"` // the unguessable key of the booking's page
	Code         string    `json:"code"`  // the check-in code (签到码), unique per centre and day
	CentreCode   string    `json:"centre_code"`
	CentreName   string    `json:"centre_name"`
	CategoryID   int64     `json:"category_id"`
	CategoryName string    `json:"category_name"`
	Day          string    `json:"day"`
	Slot         string    `json:"slot"`     // HH:MM start
	SlotEnd      string    `json:"slot_end"` // HH:MM end
	Item         string    `json:"item,omitempty"`
	Status       string    `json:"status"`
	TicketToken  string    `json:"ticket_token,omitempty"`
	TicketNumber string    `json:"ticket_number,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	// The applicant, masked: only on the staff's list.
	Applicant string `json:"applicant,omitempty"`
	Phone     string `json:"phone,omitempty"`
	// What the applicant may do now (the domain's answer; pages and the
	// API render it).
	MayCancel  bool `json:"may_cancel"`
	MayCheckIn bool `json:"may_check_in"`

	userID int64
}

// StatusName is the booking's state in words.
func (a *Appointment) StatusName() string { return AppointmentStatusName(a.Status) }

// start and end of the booking's slot.
func (a *Appointment) start() time.Time { return at(a.Day, a.Slot) }
func (a *Appointment) end() time.Time   { return at(a.Day, a.SlotEnd) }

func at(day, hm string) time.Time {
	t, _ := time.ParseInLocation("2006-01-02 15:04", day+" "+hm, zwfw.Zone)
	return t
}

// decide fills in what may be done with a booking at now.
func (a *Appointment) decide(now time.Time) {
	a.MayCancel = a.cancelRefusal(now) == nil
	a.MayCheckIn = a.checkInRefusal(now) == nil
}

// cancelRefusal: a booking is cancelled until its slot starts.
func (a *Appointment) cancelRefusal(now time.Time) error {
	if a.Status != Booked {
		return zwfw.Errorf(zwfw.ECONFLICT, "该预约%s，不能取消", a.StatusName())
	}
	if !now.Before(a.start()) {
		return zwfw.Errorf(zwfw.ECONFLICT, "预约时段 %s %s 已开始，不能再取消；如不能前来，无需操作", a.Day, a.Slot)
	}
	return nil
}

// checkInRefusal: a booking is checked in from CheckInEarly before its
// slot until the slot ends.
func (a *Appointment) checkInRefusal(now time.Time) error {
	if a.Status != Booked {
		return zwfw.Errorf(zwfw.ECONFLICT, "该预约%s，不能签到", a.StatusName())
	}
	if now.Before(a.start().Add(-CheckInEarly)) {
		return zwfw.Errorf(zwfw.ECONFLICT, "还没到签到时间：预约时段为 %s %s–%s，请在开始前 15 分钟内签到", a.Day, a.Slot, a.SlotEnd)
	}
	if !now.Before(a.end()) {
		return zwfw.Errorf(zwfw.ECONFLICT, "预约时段 %s %s–%s 已结束，不能签到；请现场取号或重新预约", a.Day, a.Slot, a.SlotEnd)
	}
	return nil
}

// MayBook says whether the actor books appointments: a signed-in resident
// or enterprise account (staff take tickets for walk-ins at the window).
func MayBook(actor *zwfw.Actor) error {
	if actor == nil {
		return zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if actor.Kind != zwfw.KindPerson && actor.Kind != zwfw.KindEnterprise {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "预约办理请使用个人或法人账号登录")
	}
	return nil
}

// Slot is one half-hour of a category's day with what is left of it.
type Slot struct {
	Start    string `json:"start"`
	End      string `json:"end"`
	Capacity int    `json:"capacity"`
	Booked   int    `json:"booked"`
	Left     int    `json:"left"`
	// Open: still bookable now (not started, seats left).
	Open bool `json:"open"`
}

// SlotDay is a category's slots on one day.
type SlotDay struct {
	CentreCode   string   `json:"centre_code"`
	CentreName   string   `json:"centre_name"`
	CategoryID   int64    `json:"category_id"`
	CategoryName string   `json:"category_name"`
	Day          string   `json:"day"`
	Days         []string `json:"days"` // the days one may book now
	Slots        []Slot   `json:"slots"`
}

// slotTimes are the half-hour slots within a category's opening hours.
func slotTimes(c *Category) [][2]string {
	var out [][2]string
	t, _ := time.Parse("15:04", c.Opens)
	end, _ := time.Parse("15:04", c.Closes)
	for !t.Add(SlotMinutes * time.Minute).After(end) {
		n := t.Add(SlotMinutes * time.Minute)
		out = append(out, [2]string{t.Format("15:04"), n.Format("15:04")})
		t = n
	}
	return out
}

// workdays is the county's working calendar (calendar.New keeps no
// state: it reads the adjustments per call).
func (s *Service) workdays() *calendar.Calendar { return calendar.New(s.db, s.now) }

// BookableDays are the days one may book at centre now: today (for the
// slots not yet started) when it is a working day, then the next
// BookDaysAhead working days of the county's calendar.
func (s *Service) BookableDays(ctx context.Context, centre *org.Org) ([]string, error) {
	today := calendar.Date(s.now())
	var out []string
	if ok, err := s.workdays().IsWorkday(ctx, centre.Path, today); err != nil {
		return nil, err
	} else if ok {
		out = append(out, today.Format(calendar.DateLayout))
	}
	last, err := s.workdays().AddWorkdays(ctx, centre.Path, today, BookDaysAhead)
	if err != nil {
		return nil, err
	}
	for d := today.AddDate(0, 0, 1); !d.After(last); d = d.AddDate(0, 0, 1) {
		ok, err := s.workdays().IsWorkday(ctx, centre.Path, d)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, d.Format(calendar.DateLayout))
		}
	}
	return out, nil
}

// bookingCategory returns an active category of centre that takes
// appointments.
func (s *Service) bookingCategory(ctx context.Context, centre *org.Org, id int64) (*Category, error) {
	cat, err := s.Category(ctx, id)
	if err != nil || cat.CentreID != centre.ID || !cat.Active {
		return nil, zwfw.Errorf(zwfw.EINVALID, "请选择%s的业务类别", centre.DisplayName())
	}
	return cat, nil
}

// Slots lists a category's slots on day (empty: the first bookable day)
// with the seats left: public, no personal data.
func (s *Service) Slots(ctx context.Context, centreCode string, categoryID int64, day string) (*SlotDay, error) {
	centre, err := s.Centre(ctx, centreCode)
	if err != nil {
		return nil, err
	}
	cat, err := s.bookingCategory(ctx, centre, categoryID)
	if err != nil {
		return nil, err
	}
	days, err := s.BookableDays(ctx, centre)
	if err != nil {
		return nil, err
	}
	if day == "" && len(days) > 0 {
		day = days[0]
	}
	out := &SlotDay{CentreCode: centre.Code, CentreName: centre.DisplayName(), CategoryID: cat.ID, CategoryName: cat.Name, Day: day, Days: days}
	if len(days) == 0 && day == "" {
		return out, nil
	}
	if !contains(days, day) {
		if _, err := calendar.ParseDate(day); err != nil {
			return nil, err
		}
		return nil, zwfw.Errorf(zwfw.EINVALID, "%s 不可预约：可预约今天起 %d 个工作日内的时段", day, BookDaysAhead)
	}
	booked := map[string]int{}
	rows, err := s.db.Query(ctx, "SELECT slot, booked FROM hall_slot_counts WHERE category_id = ? AND day = ?", cat.ID, day)
	if err != nil {
		return nil, fmt.Errorf("hall: slots: %w", err)
	}
	for rows.Next() {
		var slot string
		var n int
		if err := rows.Scan(&slot, &n); err != nil {
			rows.Close()
			return nil, err
		}
		booked[slot] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	for _, st := range slotTimes(cat) {
		sl := Slot{Start: st[0], End: st[1], Capacity: cat.SlotCapacity, Booked: booked[st[0]]}
		sl.Left = max(sl.Capacity-sl.Booked, 0)
		sl.Open = sl.Left > 0 && now.Before(at(day, sl.Start))
		out.Slots = append(out.Slots, sl)
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// BookInput is a booking request.
type BookInput struct {
	CategoryID int64  `json:"category_id"`
	Day        string `json:"day"`  // YYYY-MM-DD
	Slot       string `json:"slot"` // HH:MM, the slot's start
	Item       string `json:"item,omitempty"`
}

// Book books a slot for the actor. The slot's count is raised by an
// upsert in the transaction that inserts the booking: the upsert locks
// the slot's row until the transaction ends, so concurrent bookings (on
// any number of processes) are counted one after the other and the one
// over capacity is refused and rolled back.
func (s *Service) Book(ctx context.Context, actor *zwfw.Actor, centreCode string, in BookInput) (*Appointment, error) {
	if err := MayBook(actor); err != nil {
		return nil, err
	}
	centre, err := s.Centre(ctx, centreCode)
	if err != nil {
		return nil, err
	}
	cat, err := s.bookingCategory(ctx, centre, in.CategoryID)
	if err != nil {
		return nil, err
	}
	days, err := s.BookableDays(ctx, centre)
	if err != nil {
		return nil, err
	}
	in.Day, in.Slot, in.Item = strings.TrimSpace(in.Day), strings.TrimSpace(in.Slot), strings.TrimSpace(in.Item)
	if !contains(days, in.Day) {
		return nil, zwfw.Errorf(zwfw.EINVALID, "请选择可预约的日期（今天起 %d 个工作日内）", BookDaysAhead)
	}
	var end string
	for _, st := range slotTimes(cat) {
		if st[0] == in.Slot {
			end = st[1]
		}
	}
	if end == "" {
		return nil, zwfw.Errorf(zwfw.EINVALID, "请选择“%s”办理时间内的预约时段", cat.Name)
	}
	now := s.now()
	if !now.Before(at(in.Day, in.Slot)) {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "%s %s 的时段已开始，请选择稍后的时段", in.Day, in.Slot)
	}
	if utf8Len(in.Item) > 40 {
		return nil, zwfw.Errorf(zwfw.EINVALID, "事项编码过长")
	}
	if err := s.sweep(ctx); err != nil {
		return nil, err
	}
	token, err := randomToken()
	if err != nil {
		return nil, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := s.noShowPause(ctx, tx, actor.UserID, now); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM hall_appointments WHERE user_id = ? AND category_id = ? AND day = ? AND status IN (?, ?)",
			actor.UserID, cat.ID, in.Day, Booked, Arrived).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return zwfw.Errorf(zwfw.ECONFLICT, "您已预约 %s 的“%s”，同一天同一类别只能预约一次；如需改时段，请先取消原预约", in.Day, cat.Name)
		}
		var booked int
		if err := tx.QueryRow(ctx, `INSERT INTO hall_slot_counts (category_id, day, slot, booked) VALUES (?, ?, ?, 1)
			ON CONFLICT (category_id, day, slot) DO UPDATE SET booked = hall_slot_counts.booked + 1 RETURNING booked`,
			cat.ID, in.Day, in.Slot).Scan(&booked); err != nil {
			return fmt.Errorf("hall: slot count: %w", db.MapError(err))
		}
		if booked > cat.SlotCapacity {
			return zwfw.Errorf(zwfw.ECONFLICT, "%s %s–%s 的“%s”已约满（每个时段限 %d 人），请选择其他时段", in.Day, in.Slot, end, cat.Name, cat.SlotCapacity)
		}
		code, err := freeCode(ctx, tx, centre.ID, in.Day)
		if err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO hall_appointments (centre_id, category_id, user_id, day, slot, slot_end, code, token, item_code, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, centre.ID, cat.ID, actor.UserID, in.Day, in.Slot, end, code, token, in.Item, Booked,
			db.Millis(now)).Scan(&id); err != nil {
			return db.Conflict(db.MapError(err), "您已有同一天同一类别的预约，或签到码冲突，请重试")
		}
		return audit.RecordFor(ctx, tx, centre.ID, now, actor, "hall.appointment_book", "appointment:"+strconv.FormatInt(id, 10),
			map[string]any{"centre": centre.Code, "category": cat.ID, "day": in.Day, "slot": in.Slot, "item": in.Item})
	})
	if err != nil {
		return nil, err
	}
	return s.Appointment(ctx, actor, token)
}

func utf8Len(s string) int { return len([]rune(s)) }

func randomToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// freeCode draws a six-digit check-in code no booking of the centre has
// on day (the unique key is the backstop).
func freeCode(ctx context.Context, tx *db.Tx, centreID int64, day string) (string, error) {
	for range 20 {
		n, err := rand.Int(rand.Reader, big.NewInt(900000))
		if err != nil {
			return "", err
		}
		code := strconv.FormatInt(100000+n.Int64(), 10)
		var k int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM hall_appointments WHERE centre_id = ? AND day = ? AND code = ?", centreID, day, code).Scan(&k); err != nil {
			return "", err
		}
		if k == 0 {
			return code, nil
		}
	}
	return "", zwfw.Errorf(zwfw.ECONFLICT, "签到码暂时分配不出，请稍后重试")
}

// noShowPause refuses a booking to an applicant with NoShowLimit
// no-shows in the last NoShowWindow days, until NoShowPauseDays after the
// latest of them.
func (s *Service) noShowPause(ctx context.Context, q db.Querier, userID int64, now time.Time) error {
	today := calendar.Date(now)
	from := today.AddDate(0, 0, -NoShowWindow).Format(calendar.DateLayout)
	var n int
	var last sql.NullString
	if err := q.QueryRow(ctx, "SELECT COUNT(*), MAX(day) FROM hall_appointments WHERE user_id = ? AND status = ? AND day >= ?",
		userID, NoShow, from).Scan(&n, &last); err != nil {
		return err
	}
	if n < NoShowLimit || !last.Valid {
		return nil
	}
	l, err := calendar.ParseDate(last.String)
	if err != nil {
		return err
	}
	until := l.AddDate(0, 0, NoShowPauseDays)
	if today.Before(until) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "您近 %d 天内有 %d 次预约未到，%s 前暂停网上预约；可现场取号办理",
			NoShowWindow, n, until.Format(calendar.DateLayout))
	}
	return nil
}

// sweep marks the bookings whose slot has ended without a check-in as
// no-shows (未到). It runs before the lists and counts that show them
// (a lazy rule: nothing else depends on the mark being early).
func (s *Service) sweep(ctx context.Context) error {
	day, now := s.today()
	cond, args := lapsed("", day, now)
	_, err := s.db.Exec(ctx, "UPDATE hall_appointments SET status = ? WHERE "+cond, append([]any{NoShow}, args...)...)
	if err != nil {
		return fmt.Errorf("hall: no-shows: %w", err)
	}
	return nil
}

// lapsed is THE rule of a no-show (未到): a booking neither checked in nor
// cancelled whose slot has ended, on day at now (China time); p prefixes
// the columns ("a." for an alias). sweep marks such bookings; the
// statistics count them before the sweep has run.
func lapsed(p, day string, now time.Time) (string, []any) {
	return "(" + p + "status = ? AND (" + p + "day < ? OR (" + p + "day = ? AND " + p + "slot_end <= ?)))", []any{Booked, day, day, now.Format("15:04")}
}

const appointmentCols = `SELECT a.id, a.token, a.code, o.code, COALESCE(NULLIF(o.full_name, ''), o.name), a.category_id, c.name, a.day, a.slot,
	a.slot_end, a.item_code, a.status, COALESCE(t.token, ''), COALESCE(t.number, ''), a.created_at, a.user_id, u.name, u.phone
	FROM hall_appointments a JOIN orgs o ON o.id = a.centre_id JOIN hall_categories c ON c.id = a.category_id
	JOIN users u ON u.id = a.user_id LEFT JOIN hall_tickets t ON t.id = a.ticket_id`

func scanAppointment(row interface{ Scan(...any) error }) (*Appointment, error) {
	var a Appointment
	var created int64
	var name, phone string
	if err := row.Scan(&a.ID, &a.Token, &a.Code, &a.CentreCode, &a.CentreName, &a.CategoryID, &a.CategoryName, &a.Day, &a.Slot,
		&a.SlotEnd, &a.Item, &a.Status, &a.TicketToken, &a.TicketNumber, &created, &a.userID, &name, &phone); err != nil {
		return nil, err
	}
	a.CreatedAt = db.Time(created)
	a.Applicant, a.Phone = name, phone
	return &a, nil
}

// forApplicant is a's own view: no name or phone (the applicant knows
// them), and what may be done now.
func (a *Appointment) forApplicant(now time.Time) *Appointment {
	a.Applicant, a.Phone = "", ""
	a.decide(now)
	return a
}

func (s *Service) appointments(ctx context.Context, where string, args ...any) ([]*Appointment, error) {
	rows, err := s.db.Query(ctx, appointmentCols+" WHERE "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("hall: appointments: %w", err)
	}
	defer rows.Close()
	var out []*Appointment
	for rows.Next() {
		a, err := scanAppointment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// MyAppointments are the actor's bookings (我的预约), the coming ones first,
// then the past ones, newest first.
func (s *Service) MyAppointments(ctx context.Context, actor *zwfw.Actor) ([]*Appointment, error) {
	if err := MayBook(actor); err != nil {
		return nil, err
	}
	if err := s.sweep(ctx); err != nil {
		return nil, err
	}
	list, err := s.appointments(ctx, "a.user_id = ? ORDER BY a.day DESC, a.slot DESC, a.id DESC LIMIT 100", actor.UserID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var coming, past []*Appointment
	for _, a := range list {
		a.forApplicant(now)
		if a.Status == Booked {
			coming = append([]*Appointment{a}, coming...)
		} else {
			past = append(past, a)
		}
	}
	return append(coming, past...), nil
}

// Appointment returns the actor's booking with token (another's is not
// found: the token is the key of the applicant's own page).
func (s *Service) Appointment(ctx context.Context, actor *zwfw.Actor, token string) (*Appointment, error) {
	if err := MayBook(actor); err != nil {
		return nil, err
	}
	a, err := s.appointment(ctx, s.db.Reader(), token)
	if err != nil {
		return nil, err
	}
	if a.userID != actor.UserID {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "预约不存在")
	}
	if a.Status == Booked && !s.now().Before(a.end()) {
		if err := s.sweep(ctx); err != nil {
			return nil, err
		}
		a.Status = NoShow
	}
	return a.forApplicant(s.now()), nil
}

func (s *Service) appointment(ctx context.Context, q db.Querier, token string) (*Appointment, error) {
	if len(token) != 32 {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "预约不存在")
	}
	a, err := scanAppointment(q.QueryRow(ctx, appointmentCols+" WHERE a.token = ?", token))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "预约不存在")
	}
	if err != nil {
		return nil, fmt.Errorf("hall: appointment: %w", err)
	}
	return a, nil
}

// CancelAppointment cancels the actor's booking until its slot starts;
// the seat is free again.
func (s *Service) CancelAppointment(ctx context.Context, actor *zwfw.Actor, token string) (*Appointment, error) {
	a, err := s.Appointment(ctx, actor, token)
	if err != nil {
		return nil, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		cur, err := s.appointment(ctx, tx, token)
		if err != nil {
			return err
		}
		now := s.now()
		if err := cur.cancelRefusal(now); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, "UPDATE hall_appointments SET status = ?, cancelled_at = ? WHERE id = ? AND status = ?", Cancelled, db.Millis(now), cur.ID, Booked)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return zwfw.Errorf(zwfw.ECONFLICT, "该预约已有变化，请刷新后再试")
		}
		if _, err := tx.Exec(ctx, "UPDATE hall_slot_counts SET booked = booked - 1 WHERE category_id = ? AND day = ? AND slot = ? AND booked > 0",
			cur.CategoryID, cur.Day, cur.Slot); err != nil {
			return err
		}
		return audit.RecordFor(ctx, tx, centreIDOf(ctx, tx, a.CentreCode), now, actor, "hall.appointment_cancel", "appointment:"+strconv.FormatInt(cur.ID, 10),
			map[string]any{"day": cur.Day, "slot": cur.Slot})
	})
	if err != nil {
		return nil, err
	}
	return s.Appointment(ctx, actor, token)
}

func centreIDOf(ctx context.Context, q db.Querier, code string) int64 {
	o, err := org.Lookup(ctx, q, code)
	if err != nil || o == nil {
		return 0
	}
	return o.ID
}

// CheckIn checks the actor's booking in from the phone (签到) and returns
// the ticket it issues.
func (s *Service) CheckIn(ctx context.Context, actor *zwfw.Actor, token string) (*Ticket, error) {
	if _, err := s.Appointment(ctx, actor, token); err != nil {
		return nil, err
	}
	return s.checkIn(ctx, actor, func(q db.Querier) (*Appointment, error) { return s.appointment(ctx, q, token) }, "phone")
}

// CheckInCode checks a booking in at the kiosk with its six-digit code
// (public: the kiosk has no account; the ticket it prints names no one).
func (s *Service) CheckInCode(ctx context.Context, centreCode, code string) (*Ticket, error) {
	centre, err := s.Centre(ctx, centreCode)
	if err != nil {
		return nil, err
	}
	code = strings.TrimSpace(code)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return nil, zwfw.Errorf(zwfw.EINVALID, "请输入 6 位数字签到码")
	}
	day, _ := s.today()
	return s.checkIn(ctx, nil, func(q db.Querier) (*Appointment, error) {
		a, err := scanAppointment(q.QueryRow(ctx, appointmentCols+" WHERE a.centre_id = ? AND a.day = ? AND a.code = ?", centre.ID, day, code))
		if errors.Is(err, sql.ErrNoRows) {
			return nil, zwfw.Errorf(zwfw.ENOTFOUND, "%s今天没有签到码为 %s 的预约，请核对后重新输入", centre.DisplayName(), code)
		}
		return a, err
	}, "kiosk")
}

// checkIn marks the booking found by find as arrived and issues its
// ticket (channel appointment) in one transaction.
func (s *Service) checkIn(ctx context.Context, actor *zwfw.Actor, find func(db.Querier) (*Appointment, error), via string) (*Ticket, error) {
	var token string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		a, err := find(tx)
		if err != nil {
			return err
		}
		now := s.now()
		if err := a.checkInRefusal(now); err != nil {
			return err
		}
		centre, err := org.Lookup(ctx, tx, a.CentreCode)
		if err != nil {
			return err
		}
		cat, err := category(ctx, tx, a.CategoryID)
		if err != nil {
			return err
		}
		if token, err = s.issue(ctx, tx, centre, cat, TakeInput{CategoryID: cat.ID, Channel: ChannelAppointment}); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE hall_appointments SET status = ?, arrived_at = ?, ticket_id = (SELECT id FROM hall_tickets WHERE token = ?)
			WHERE id = ? AND status = ?`, Arrived, db.Millis(now), token, a.ID, Booked)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return zwfw.Errorf(zwfw.ECONFLICT, "该预约已签到")
		}
		if actor == nil {
			actor = &zwfw.Actor{Username: "kiosk", Name: "取号机", Kind: zwfw.KindSystem}
		}
		return audit.RecordFor(ctx, tx, centre.ID, now, actor, "hall.appointment_checkin", "appointment:"+strconv.FormatInt(a.ID, 10),
			map[string]any{"via": via, "day": a.Day, "slot": a.Slot})
	})
	if err != nil {
		return nil, err
	}
	return s.Ticket(ctx, token)
}
