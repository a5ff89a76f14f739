package hall_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/hall"
	"zwfw/internal/org"
	"zwfw/internal/pii"
	"zwfw/internal/testclock"
)

// county builds a small tree: a county with its centre (two windows) and
// two towns with a centre and one window each.
func county(t testing.TB, d *db.DB, now func() time.Time) {
	t.Helper()
	ctx := context.Background()
	orgs := org.NewService(d, now)
	yes := true
	for _, in := range []org.Input{
		{Code: "610900", Kind: org.KindCity, Name: "安康市"},
		{Code: "610923", ParentCode: "610900", Kind: org.KindCounty, Name: "宁陕县"},
		{Code: "610923C", ParentCode: "610923", Kind: org.KindCentre, Name: "县政务服务中心"},
		{Code: "610923CW01", ParentCode: "610923C", Kind: org.KindWindow, Name: "综合受理窗口一", WindowType: org.WindowComprehensive},
		{Code: "610923CW02", ParentCode: "610923C", Kind: org.KindWindow, Name: "综合受理窗口二", WindowType: org.WindowComprehensive},
		{Code: "610923100", ParentCode: "610923", Kind: org.KindTown, Name: "城关镇"},
		{Code: "610923100C", ParentCode: "610923100", Kind: org.KindCentre, Name: "城关镇便民服务中心"},
		{Code: "610923100CW01", ParentCode: "610923100C", Kind: org.KindWindow, Name: "综合窗口", WindowType: org.WindowComprehensive},
		{Code: "610923101", ParentCode: "610923", Kind: org.KindTown, Name: "四亩地镇"},
		{Code: "610923101C", ParentCode: "610923101", Kind: org.KindCentre, Name: "四亩地镇便民服务中心"},
		{Code: "610923101CW01", ParentCode: "610923101C", Kind: org.KindWindow, Name: "综合窗口", WindowType: org.WindowComprehensive},
	} {
		in.Active = &yes
		if _, err := orgs.Create(ctx, zwfw.System, in); err != nil {
			t.Fatalf("org %s: %v", in.Code, err)
		}
	}
}

// staffAt is a window staff member of org code.
func staffAt(t *testing.T, d *db.DB, code string) *zwfw.Actor {
	t.Helper()
	o, err := org.Lookup(context.Background(), d.Reader(), code)
	if err != nil {
		t.Fatal(err)
	}
	return &zwfw.Actor{Username: "w." + code, Name: "窗口" + code, Kind: zwfw.KindStaff, Roles: []string{zwfw.RoleWindow},
		OrgID: o.ID, OrgCode: o.Code, OrgPath: o.Path}
}

func category(t testing.TB, s *hall.Service, centre string, in hall.CategoryInput) *hall.Category {
	t.Helper()
	c, err := s.CreateCategory(context.Background(), zwfw.System, centre, in)
	if err != nil {
		t.Fatalf("category %s: %v", in.Name, err)
	}
	return c
}

func take(t *testing.T, s *hall.Service, centre string, cat int64, priority bool) *hall.Ticket {
	t.Helper()
	tk, err := s.Take(context.Background(), centre, hall.TakeInput{CategoryID: cat, Priority: priority})
	if err != nil {
		t.Fatalf("take: %v", err)
	}
	return tk
}

func TestTicketNumbersRestartDailyAndStopAtTheMaximum(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clk := testclock.At(testclock.Day("2026-11-26"))
		county(t, d, clk.Now)
		s := hall.NewService(d, clk.Now)
		a := category(t, s, "610923C", hall.CategoryInput{Name: "综合受理", Prefix: "a", DailyMax: 3})
		b := category(t, s, "610923C", hall.CategoryInput{Name: "社会事务", Prefix: "B"})
		if a.Prefix != "A" || a.MaxRecalls != 3 {
			t.Fatalf("category = %+v, want prefix A and 3 recalls by default", a)
		}
		var got []string
		for range 3 {
			got = append(got, take(t, s, "610923C", a.ID, false).Number)
		}
		got = append(got, take(t, s, "610923C", b.ID, false).Number)
		if fmt.Sprint(got) != "[A001 A002 A003 B001]" {
			t.Fatalf("numbers = %v", got)
		}
		_, err := s.Take(context.Background(), "610923C", hall.TakeInput{CategoryID: a.ID})
		if zwfw.ErrorCode(err) != zwfw.ECONFLICT || zwfw.ErrorMessage(err) != "今日“综合受理”的号已取完（每日限 3 个），请明天再来，或在网上办事大厅办理" {
			t.Fatalf("fourth A ticket: %v, want the daily maximum refused in Chinese", err)
		}
		// The refused take left nothing behind: the next day starts at 001.
		clk.SetDay("2026-11-27")
		if n := take(t, s, "610923C", a.ID, false).Number; n != "A001" {
			t.Fatalf("the next day's first A ticket is %s, want A001", n)
		}
		// A ticket says who waits before it and how long.
		tk := take(t, s, "610923C", a.ID, false)
		if tk.Number != "A002" || tk.Ahead != 1 || tk.WaitMinutes != 5 { // one ahead, 10 minutes, two windows
			t.Fatalf("ticket = %s ahead %d wait %d, want A002 ahead 1 wait 5", tk.Number, tk.Ahead, tk.WaitMinutes)
		}
		// Outside the hours nothing is issued.
		clk.Set(time.Date(2026, 11, 27, 19, 0, 0, 0, zwfw.Zone))
		if _, err := s.Take(context.Background(), "610923C", hall.TakeInput{CategoryID: a.ID}); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("take at 19:00: %v, want refused", err)
		}
		// Priority only where the category has the channel.
		clk.SetDay("2026-11-27")
		if _, err := s.Take(context.Background(), "610923C", hall.TakeInput{CategoryID: a.ID, Priority: true}); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("priority ticket of a category without the channel: %v", err)
		}
		// Bad input changes nothing.
		if _, err := s.CreateCategory(context.Background(), zwfw.System, "610923C", hall.CategoryInput{Name: "重复", Prefix: "A"}); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("duplicate prefix: %v", err)
		}
		if _, err := s.CreateCategory(context.Background(), zwfw.System, "610923C", hall.CategoryInput{Name: "错", Prefix: "1", Opens: "9点"}); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("bad input: %v", err)
		}
		if _, list, _ := s.Categories(context.Background(), "610923C", true); len(list) != 2 {
			t.Fatalf("%d categories after refused inputs, want 2", len(list))
		}
	})
}

// twoProcesses opens a PostgreSQL schema twice, as two server processes
// would, with the same audit and data keys.
func twoProcesses(t *testing.T) (*db.DB, *db.DB) {
	t.Helper()
	u := dbtest.PostgresSchemaURL(t)
	ctx := context.Background()
	var out []*db.DB
	var b [32]byte
	rand.Read(b[:])
	keys, err := audit.NewKeys(hex.EncodeToString(b[:]))
	if err != nil {
		t.Fatal(err)
	}
	rand.Read(b[:])
	ring, err := pii.NewRing(hex.EncodeToString(b[:]))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		d, err := db.Open(ctx, db.Options{URL: u, MaxConns: 8})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if i == 0 {
			if _, err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if err := audit.Open(ctx, d, keys, nil); err != nil {
			t.Fatal(err)
		}
		if err := pii.Open(ctx, d, ring, nil); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out[0], out[1]
}

func TestConcurrentTakesNeverRepeatANumber(t *testing.T) {
	run := func(t *testing.T, dbs ...*db.DB) {
		clk := testclock.Running()
		county(t, dbs[0], clk.Now)
		var svcs []*hall.Service
		for _, d := range dbs {
			svcs = append(svcs, hall.NewService(d, clk.Now))
		}
		cat := category(t, svcs[0], "610923C", hall.CategoryInput{Name: "综合受理", Prefix: "A", DailyMax: 150})
		const workers, each = 8, 25 // 200 attempts for 150 numbers
		var mu sync.Mutex
		var numbers []string
		refused := 0
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := svcs[w%len(svcs)]
				for range each {
					tk, err := s.Take(context.Background(), "610923C", hall.TakeInput{CategoryID: cat.ID})
					mu.Lock()
					if err != nil {
						if zwfw.ErrorCode(err) != zwfw.ECONFLICT {
							t.Errorf("take: %v", err)
						}
						refused++
					} else {
						numbers = append(numbers, tk.Number)
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		sort.Strings(numbers)
		for i := 1; i < len(numbers); i++ {
			if numbers[i] == numbers[i-1] {
				t.Fatalf("number %s issued twice", numbers[i])
			}
		}
		if len(numbers) != 150 || refused != 50 || numbers[0] != "A001" || numbers[149] != "A150" {
			t.Fatalf("%d issued (%s…%s), %d refused; want A001…A150 and 50 refused", len(numbers), numbers[0], numbers[len(numbers)-1], refused)
		}
	}
	t.Run("sqlite", func(t *testing.T) { run(t, dbtest.SQLite(t)) })
	t.Run("postgres-two-processes", func(t *testing.T) {
		a, b := twoProcesses(t)
		run(t, a, b)
	})
}

func TestCallingOrderRecallsAndMissed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := testclock.Running()
		county(t, d, clk.Now)
		s := hall.NewService(d, clk.Now)
		a := category(t, s, "610923C", hall.CategoryInput{Name: "综合受理", Prefix: "A", Priority: true, Sort: 1})
		b := category(t, s, "610923C", hall.CategoryInput{Name: "社会事务", Prefix: "B", Sort: 2, MaxRecalls: 2})
		take(t, s, "610923C", a.ID, false) // A001, walk-in
		take(t, s, "610923C", b.ID, false) // B001
		green := take(t, s, "610923C", a.ID, true)
		if green.Number != "A002" || green.Ahead != 0 {
			t.Fatalf("priority ticket %s has %d ahead, want A002 with none", green.Number, green.Ahead)
		}
		staff := staffAt(t, d, "610923C")
		// Window 2 serves B before A.
		if err := s.SetWindowPrefixes(ctx, zwfw.System, "610923CW02", []string{"b", "A"}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetWindowPrefixes(ctx, zwfw.System, "610923CW01", []string{"Z"}); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("unknown letter: %v, want 422", err)
		}
		if err := s.SetWindowPrefixes(ctx, staffAt(t, d, "610923C"), "610923CW01", []string{"A"}); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("window staff setting the order: %v, want 403", err)
		}
		if ws, err := s.Windows(ctx, "610923C"); err != nil || len(ws) != 2 || len(ws[0].Prefixes) != 0 || fmt.Sprint(ws[1].Prefixes) != "[B A]" {
			t.Fatalf("windows = %v %v, want CW01 serving all and CW02 B then A", ws, err)
		}
		act := func(window, action string) (*hall.Ticket, error) { return s.Act(ctx, staff, window, action) }
		must := func(window, action, want string) *hall.Ticket {
			t.Helper()
			tk, err := act(window, action)
			if err != nil {
				t.Fatalf("%s at %s: %v", action, window, err)
			}
			if tk.Number != want {
				t.Fatalf("%s at %s: %s, want %s", action, window, tk.Number, want)
			}
			return tk
		}
		must("610923CW01", hall.ActNext, "A002") // the priority channel before the earlier walk-in
		if _, err := act("610923CW01", hall.ActNext); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("next while serving: %v, want 409", err)
		}
		must("610923CW02", hall.ActNext, "B001") // the window's own order
		must("610923CW01", hall.ActStart, "A002")
		done := must("610923CW01", hall.ActFinish, "A002")
		if done.Status != hall.Done || done.StartedAt.IsZero() || done.EndedAt.IsZero() {
			t.Fatalf("finished ticket = %+v, want done with start and end times", done)
		}
		// B001 does not come: two recalls (its category's setting), then 过号.
		if _, err := act("610923CW02", hall.ActMiss); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("miss before any recall: %v, want refused", err)
		}
		must("610923CW02", hall.ActRecall, "B001")
		must("610923CW02", hall.ActRecall, "B001")
		if _, err := act("610923CW02", hall.ActRecall); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("third recall: %v, want refused after MaxRecalls", err)
		}
		missed := must("610923CW02", hall.ActMiss, "B001")
		if missed.Status != hall.Missed {
			t.Fatalf("status = %s, want missed", missed.Status)
		}
		must("610923CW02", hall.ActNext, "A001")
		board, err := s.Board(ctx, "610923C")
		if err != nil {
			t.Fatal(err)
		}
		if len(board.Latest) != 5 || board.Latest[0].Speech != "请A001号到2号窗口办理" || board.Windows[1].Number != "A001" || board.Windows[0].Number != "" {
			t.Fatalf("board = %+v", board)
		}
		// The next morning the screen starts empty (a ticket left called
		// yesterday stays on the window's panel until it is closed).
		clk.Add(24 * time.Hour)
		if board, err = s.Board(ctx, "610923C"); err != nil || board.Windows[1].Number != "" || len(board.Latest) != 0 {
			t.Fatalf("next day's board = %+v %v", board, err)
		}
		// Every action is in the audit log.
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'hall.%' AND action NOT LIKE 'hall.category%' AND action <> 'hall.window_categories'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 8 {
			t.Fatalf("%d hall actions audited, want 8", n)
		}
	})
}

func TestTownStaffCallOnlyAtTheirOwnCentre(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := testclock.Running()
		county(t, d, clk.Now)
		s := hall.NewService(d, clk.Now)
		c := category(t, s, "610923101C", hall.CategoryInput{Name: "综合受理", Prefix: "A"})
		take(t, s, "610923101C", c.ID, false)
		chengguan := staffAt(t, d, "610923100C")
		_, err := s.Act(ctx, chengguan, "610923101CW01", hall.ActNext)
		if zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("城关镇 staff calling at 四亩地镇: %v, want 403", err)
		}
		if _, err := s.Desk(ctx, chengguan, "610923101CW01"); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("城关镇 staff opening 四亩地镇's panel: %v, want 403", err)
		}
		if tk, err := s.Act(ctx, staffAt(t, d, "610923101C"), "610923101CW01", hall.ActNext); err != nil || tk.Number != "A001" {
			t.Fatalf("四亩地镇 staff: %v %v", tk, err)
		}
	})
}

func TestCallReachesAScreenOfAnotherProcess(t *testing.T) {
	a, b := twoProcesses(t)
	ctx := context.Background()
	clk := testclock.Running()
	county(t, a, clk.Now)
	sa, sb := hall.NewService(a, clk.Now), hall.NewService(b, clk.Now)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := b.WaitLive(wctx); err != nil {
		t.Fatal(err)
	}
	cat := category(t, sa, "610923C", hall.CategoryInput{Name: "综合受理", Prefix: "A"})
	take(t, sa, "610923C", cat.ID, false)
	ch, stop := sb.Subscribe("610923C")
	defer stop()
	time.Sleep(50 * time.Millisecond)
	for len(ch) > 0 { // the take's own notice
		<-ch
	}
	start := time.Now()
	if _, err := sa.Act(ctx, staffAt(t, a, "610923C"), "610923CW01", hall.ActNext); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	case <-time.After(time.Second):
		t.Fatal("the call on one process did not reach the other's subscriber within a second")
	}
	board, err := sb.Board(ctx, "610923C")
	if err != nil {
		t.Fatal(err)
	}
	if len(board.Latest) != 1 || board.Latest[0].Number != "A001" {
		t.Fatalf("board on the other process = %+v", board.Latest)
	}
	t.Logf("delivered to the other process in %s", time.Since(start).Round(time.Millisecond))
}
