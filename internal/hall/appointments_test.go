package hall_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/hall"
	"zwfw/internal/org"
	"zwfw/internal/testclock"
)

// resident is a signed-in person account.
func resident(t *testing.T, d *db.DB, username, name string) *zwfw.Actor {
	t.Helper()
	var id int64
	if err := d.Writer().QueryRow(context.Background(), `INSERT INTO users (username, password_hash, kind, name, phone, password_changed_at, created_at, updated_at)
		VALUES (?, 'x', ?, ?, '13912345678', 0, 0, 0) RETURNING id`, username, zwfw.KindPerson, name).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return &zwfw.Actor{UserID: id, Username: username, Name: name, Kind: zwfw.KindPerson}
}

func at(day, hm string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", day+" "+hm, zwfw.Zone)
	if err != nil {
		panic(err)
	}
	return t
}

func TestAppointmentsCapacityCancelAndCheckIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := testclock.At(at("2026-11-26", "09:30")) // a Thursday
		county(t, d, clk.Now)
		s := hall.NewService(d, clk.Now)
		cat := category(t, s, "610923C", hall.CategoryInput{Name: "综合受理", Prefix: "A", Opens: "08:30", Closes: "17:30", SlotCapacity: 2})
		zhang, li, wang := resident(t, d, "zhang", "张三丰"), resident(t, d, "li", "李四"), resident(t, d, "wang", "王五")
		book := func(a *zwfw.Actor, day, slot string) (*hall.Appointment, error) {
			return s.Book(ctx, a, "610923C", hall.BookInput{CategoryID: cat.ID, Day: day, Slot: slot, Item: "000111"})
		}
		must := func(a *zwfw.Actor, day, slot string) *hall.Appointment {
			t.Helper()
			ap, err := book(a, day, slot)
			if err != nil {
				t.Fatalf("%s books %s %s: %v", a.Username, day, slot, err)
			}
			return ap
		}

		sd, err := s.Slots(ctx, "610923C", cat.ID, "2026-11-27")
		if err != nil {
			t.Fatal(err)
		}
		if len(sd.Slots) != 18 || sd.Slots[0].Start != "08:30" || sd.Slots[17].End != "17:30" || sd.Slots[0].Left != 2 {
			t.Fatalf("slots = %+v, want 18 half hours 08:30–17:30 with 2 seats", sd.Slots)
		}
		// Today and the next 7 working days (the weekend skipped).
		if len(sd.Days) != 8 || sd.Days[0] != "2026-11-26" || sd.Days[2] != "2026-11-30" || sd.Days[7] != "2026-12-07" {
			t.Fatalf("bookable days = %v", sd.Days)
		}

		z := must(zhang, "2026-11-27", "09:00")
		if len(z.Code) != 6 || len(z.Token) != 32 || z.Status != hall.Booked || !z.MayCancel || z.MayCheckIn {
			t.Fatalf("booking = %+v", z)
		}
		l := must(li, "2026-11-27", "09:00")
		if l.Code == z.Code {
			t.Fatal("two bookings of a centre's day share a check-in code")
		}
		_, err = book(wang, "2026-11-27", "09:00")
		if zwfw.ErrorCode(err) != zwfw.ECONFLICT || !strings.Contains(zwfw.ErrorMessage(err), "已约满（每个时段限 2 人）") {
			t.Fatalf("third booking of a 2-seat slot: %v, want 409 已约满", err)
		}
		if sd, _ := s.Slots(ctx, "610923C", cat.ID, "2026-11-27"); sd.Slots[1].Left != 0 || sd.Slots[1].Open {
			t.Fatalf("full slot = %+v", sd.Slots[1])
		}
		if _, err := book(zhang, "2026-11-27", "10:00"); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("second booking of one category and day: %v, want 409", err)
		}
		for _, c := range []struct{ day, slot string }{{"2026-11-28", "09:00"}, {"2026-12-08", "09:00"}, {"2026-11-27", "09:10"}, {"2026-11-27", "17:30"}} {
			if _, err := book(wang, c.day, c.slot); zwfw.ErrorCode(err) != zwfw.EINVALID {
				t.Fatalf("booking %s %s: %v, want 422", c.day, c.slot, err)
			}
		}
		if _, err := book(wang, "2026-11-26", "09:00"); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("booking a slot already started: %v, want 409", err)
		}
		if _, err := book(staffAt(t, d, "610923C"), "2026-11-27", "10:00"); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("staff booking: %v, want 403", err)
		}

		// Cancelled before the slot: the seat is free again.
		w := must(wang, "2026-11-26", "10:00")
		if _, err := s.CancelAppointment(ctx, wang, w.Token); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CancelAppointment(ctx, li, z.Token); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			t.Fatalf("cancelling another's booking: %v, want 404", err)
		}
		if sd, _ := s.Slots(ctx, "610923C", cat.ID, "2026-11-26"); sd.Slots[3].Start != "10:00" || sd.Slots[3].Left != 2 {
			t.Fatalf("10:00 after the cancellation = %+v", sd.Slots[3])
		}
		w = must(wang, "2026-11-26", "10:00")

		// Check-in: from 15 minutes before the slot until its end.
		clk.Set(at("2026-11-26", "09:44"))
		if _, err := s.CheckIn(ctx, wang, w.Token); zwfw.ErrorCode(err) != zwfw.ECONFLICT || !strings.Contains(zwfw.ErrorMessage(err), "还没到签到时间") {
			t.Fatalf("check-in 16 minutes early: %v", err)
		}
		clk.Set(at("2026-11-26", "10:00"))
		if _, err := s.CancelAppointment(ctx, wang, w.Token); zwfw.ErrorCode(err) != zwfw.ECONFLICT || !strings.Contains(zwfw.ErrorMessage(err), "已开始，不能再取消") {
			t.Fatalf("cancel once the slot started: %v, want 409", err)
		}
		if _, err := s.CheckInCode(ctx, "610923C", "12a456"); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("malformed code: %v", err)
		}
		tk, err := s.CheckInCode(ctx, "610923C", w.Code)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Channel != hall.ChannelAppointment || tk.Number != "A001" {
			t.Fatalf("ticket of a check-in = %s %s", tk.Number, tk.Channel)
		}
		if _, err := s.CheckIn(ctx, wang, w.Token); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("second check-in: %v", err)
		}
		if got, _ := s.Appointment(ctx, wang, w.Token); got.Status != hall.Arrived || got.TicketNumber != "A001" {
			t.Fatalf("booking after check-in = %+v", got)
		}

		// The next day li checks in from the phone at 08:50; zhang never
		// comes: after 09:30 that is a no-show, and check-in is refused.
		clk.Set(at("2026-11-27", "08:50"))
		if tk, err := s.CheckIn(ctx, li, l.Token); err != nil || tk.Channel != hall.ChannelAppointment {
			t.Fatalf("phone check-in: %v %v", tk, err)
		}
		clk.Set(at("2026-11-27", "09:30"))
		if _, err := s.CheckIn(ctx, zhang, z.Token); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("check-in after the slot: %v, want 409", err)
		}
		if got, _ := s.Appointment(ctx, zhang, z.Token); got.Status != hall.NoShow || got.MayCancel || got.MayCheckIn {
			t.Fatalf("kept no booking: %+v, want 未到", got)
		}
		counts, err := s.NoShows(ctx, centreID(t, d, "610923C"), "2026-11-26", "2026-11-27")
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(counts) != fmt.Sprintf("[{2026-11-26 %d 综合受理 1 0} {2026-11-27 %d 综合受理 2 1}]", cat.ID, cat.ID) {
			t.Fatalf("no-shows = %v", counts)
		}

		// The queue statistics count the no-show, over the centre and the
		// county above it.
		for _, code := range []string{"610923C", "610923"} {
			o, err := org.Lookup(ctx, d.Reader(), code)
			if err != nil {
				t.Fatal(err)
			}
			st, err := s.StatsOf(ctx, o, testclock.Day("2026-11-26"), testclock.Day("2026-11-27"))
			if err != nil || st.NoShows != 1 {
				t.Fatalf("statistics of %s: %d no-shows, %v; want 1", code, st.NoShows, err)
			}
		}

		// The hall manager's list is masked and scoped.
		day, err := s.CentreAppointments(ctx, zwfw.System, "610923C", "2026-11-27")
		if err != nil {
			t.Fatal(err)
		}
		if day.Total != 2 || day.Arrived != 1 || day.NoShows != 1 || len(day.Slots) != 1 {
			t.Fatalf("centre day = %+v", day)
		}
		if b := day.Slots[0].Bookings[0]; b.Applicant != "张**" || b.Phone != "139****5678" || b.Token != "" {
			t.Fatalf("staff row = %+v, want masked name and phone, no token", b)
		}
		if _, err := s.CentreAppointments(ctx, staffAt(t, d, "610923C"), "610923C", ""); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("window staff reading the bookings: %v, want 403", err)
		}

		// Booking, cancelling and checking in are in the audit log.
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'hall.appointment_%'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 7 { // 4 bookings, 1 cancellation, 2 check-ins
			t.Fatalf("%d appointment actions audited, want 7", n)
		}
	})
}

func centreID(t *testing.T, d *db.DB, code string) int64 {
	t.Helper()
	var id int64
	if err := d.QueryRow(context.Background(), "SELECT id FROM orgs WHERE code = ?", code).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestThreeNoShowsPauseBooking(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := testclock.At(at("2026-11-23", "08:00")) // a Monday
		county(t, d, clk.Now)
		s := hall.NewService(d, clk.Now)
		cat := category(t, s, "610923C", hall.CategoryInput{Name: "综合受理", Prefix: "A", Opens: "08:30", Closes: "17:30"})
		zhao := resident(t, d, "zhao", "赵六")
		for _, day := range []string{"2026-11-23", "2026-11-24", "2026-11-25"} {
			clk.Set(at(day, "08:00"))
			if _, err := s.Book(ctx, zhao, "610923C", hall.BookInput{CategoryID: cat.ID, Day: day, Slot: "09:00"}); err != nil {
				t.Fatal(err)
			}
		}
		clk.Set(at("2026-11-26", "08:00"))
		_, err := s.Book(ctx, zhao, "610923C", hall.BookInput{CategoryID: cat.ID, Day: "2026-11-26", Slot: "09:00"})
		if zwfw.ErrorCode(err) != zwfw.EFORBIDDEN || !strings.Contains(zwfw.ErrorMessage(err), "2026-12-02 前暂停网上预约") {
			t.Fatalf("booking after three no-shows: %v, want 403 until 2026-12-02", err)
		}
		clk.Set(at("2026-12-02", "08:00"))
		if _, err := s.Book(ctx, zhao, "610923C", hall.BookInput{CategoryID: cat.ID, Day: "2026-12-02", Slot: "09:00"}); err != nil {
			t.Fatalf("booking a week after the last no-show: %v", err)
		}
	})
}

// TestBookedTicketsAreCalledAheadOfWalkIns: 绿色通道 first, then the
// booked, then walk-ins by number (queueOrder).
func TestBookedTicketsAreCalledAheadOfWalkIns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := testclock.At(at("2026-11-26", "09:40"))
		county(t, d, clk.Now)
		s := hall.NewService(d, clk.Now)
		cat := category(t, s, "610923C", hall.CategoryInput{Name: "综合受理", Prefix: "A", Priority: true})
		zhang := resident(t, d, "zhang", "张三")
		ap, err := s.Book(ctx, zhang, "610923C", hall.BookInput{CategoryID: cat.ID, Day: "2026-11-26", Slot: "10:00"})
		if err != nil {
			t.Fatal(err)
		}
		take(t, s, "610923C", cat.ID, false) // A001, a walk-in
		take(t, s, "610923C", cat.ID, true)  // A002, 绿色通道
		clk.Set(at("2026-11-26", "09:50"))
		booked, err := s.CheckIn(ctx, zhang, ap.Token)
		if err != nil {
			t.Fatal(err)
		}
		if booked.Number != "A003" || booked.Ahead != 1 {
			t.Fatalf("booked ticket %s with %d ahead, want A003 behind the priority one only", booked.Number, booked.Ahead)
		}
		take(t, s, "610923C", cat.ID, false) // A004, a later walk-in
		staff := staffAt(t, d, "610923C")
		var order []string
		for range 4 {
			tk, err := s.Act(ctx, staff, "610923CW01", hall.ActNext)
			if err != nil {
				t.Fatal(err)
			}
			order = append(order, tk.Number)
			if _, err := s.Act(ctx, staff, "610923CW01", hall.ActFinish); err != nil {
				t.Fatal(err)
			}
		}
		if fmt.Sprint(order) != "[A002 A003 A001 A004]" {
			t.Fatalf("calling order %v, want 绿色通道 A002, booked A003, then walk-ins A001 A004", order)
		}
	})
}

// TestConcurrentBookingsNeverOverbook: 40 applicants on two processes
// book one 5-seat slot at once; exactly 5 get it.
func TestConcurrentBookingsNeverOverbook(t *testing.T) {
	run := func(t *testing.T, dbs ...*db.DB) {
		ctx := context.Background()
		clk := testclock.At(at("2026-11-26", "08:00"))
		county(t, dbs[0], clk.Now)
		var svcs []*hall.Service
		for _, d := range dbs {
			svcs = append(svcs, hall.NewService(d, clk.Now))
		}
		cat := category(t, svcs[0], "610923C", hall.CategoryInput{Name: "综合受理", Prefix: "A", SlotCapacity: 5})
		const n = 40
		var people []*zwfw.Actor
		for i := range n {
			people = append(people, resident(t, dbs[0], fmt.Sprintf("p%02d", i), "申请人"))
		}
		var mu sync.Mutex
		var ok, refused int
		codes := map[string]bool{}
		var wg sync.WaitGroup
		for i, p := range people {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ap, err := svcs[i%len(svcs)].Book(ctx, p, "610923C", hall.BookInput{CategoryID: cat.ID, Day: "2026-11-27", Slot: "09:00"})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
					codes[ap.Code] = true
				case zwfw.ErrorCode(err) == zwfw.ECONFLICT:
					refused++
				default:
					t.Errorf("book: %v", err)
				}
			}()
		}
		wg.Wait()
		var rows, counted int
		if err := dbs[0].QueryRow(ctx, "SELECT COUNT(*) FROM hall_appointments WHERE status = 'booked'").Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if err := dbs[0].QueryRow(ctx, "SELECT booked FROM hall_slot_counts").Scan(&counted); err != nil {
			t.Fatal(err)
		}
		if ok != 5 || refused != n-5 || rows != 5 || counted != 5 || len(codes) != 5 {
			t.Fatalf("%d booked (%d rows, count %d, %d codes), %d refused; want 5 of %d", ok, rows, counted, len(codes), refused, n)
		}
	}
	t.Run("sqlite", func(t *testing.T) { run(t, dbtest.SQLite(t)) })
	t.Run("postgres-two-processes", func(t *testing.T) {
		a, b := twoProcesses(t)
		run(t, a, b)
	})
}
