package hall_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/hall"
	"zwfw/internal/testclock"
	"zwfw/internal/throttle"
)

// One client address may take only so many tickets per period: a script
// cannot take a category's numbers for the day, and other addresses (the
// kiosk, the phones) are not held back by it.
func TestTicketsPerAddressAreLimited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := testclock.New()
		county(t, d, clk.Now)
		s := hall.NewService(d, clk.Now)
		s.SetTakeLimit(throttle.Limit{N: 3, Window: 10 * time.Minute})
		cat := category(t, s, "610923C", hall.CategoryInput{Name: "综合受理", Prefix: "A", Opens: "00:00", Closes: "23:59"})
		in := hall.TakeInput{CategoryID: cat.ID}
		for i := range 3 {
			if _, err := s.TakeFrom(ctx, "610923C", in, "203.0.113.9"); err != nil {
				t.Fatalf("take %d: %v", i+1, err)
			}
		}
		_, err := s.TakeFrom(ctx, "610923C", in, "203.0.113.9")
		if wait, ok := throttle.RetryAfter(err); !ok || wait <= 0 {
			t.Fatalf("the 4th take from one address: %v, want a refusal with a time to wait", err)
		}
		tk, err := s.TakeFrom(ctx, "610923C", in, "198.51.100.7")
		if err != nil || tk.Number != "A004" {
			t.Fatalf("another address: %v %v, want A004 (the refused take used no number)", tk, err)
		}
		clk.Add(10 * time.Minute)
		if _, err := s.TakeFrom(ctx, "610923C", in, "203.0.113.9"); err != nil {
			t.Fatalf("after the period: %v", err)
		}
		s.SetTakeLimit(throttle.Limit{N: -1})
		for i := range 5 {
			if _, err := s.TakeFrom(ctx, "610923C", in, "203.0.113.9"); err != nil {
				t.Fatalf("take %d without a limit: %v", i+1, err)
			}
		}
	})
}

// Wrong check-in codes from one address use up its allowance; a right code
// gives its place back, so a kiosk where people check in all day is never
// held back, while guessing codes stops.
func TestWrongCheckInCodesAreLimited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := testclock.At(at("2026-11-27", "08:50")) // a Friday
		county(t, d, clk.Now)
		s := hall.NewService(d, clk.Now)
		s.SetTakeLimit(throttle.Limit{N: 3, Window: 10 * time.Minute})
		cat := category(t, s, "610923C", hall.CategoryInput{Name: "综合受理", Prefix: "A", Opens: "08:30", Closes: "17:30", SlotCapacity: 5})
		var codes []string
		for _, u := range []string{"zhang", "li", "wang", "zhao"} {
			ap, err := s.Book(ctx, resident(t, d, u, u), "610923C", hall.BookInput{CategoryID: cat.ID, Day: "2026-11-27", Slot: "09:00"})
			if err != nil {
				t.Fatal(err)
			}
			codes = append(codes, ap.Code)
		}
		wrong := "000000"
		for slices.Contains(codes, wrong) {
			wrong = "99999" + wrong[5:]
		}
		// Right codes, more than the allowance: all checked in.
		for i, c := range codes[:3] {
			if _, err := s.CheckInCodeFrom(ctx, "610923C", c, "203.0.113.9"); err != nil {
				t.Fatalf("right code %d: %v", i+1, err)
			}
		}
		for i := range 3 {
			if _, err := s.CheckInCodeFrom(ctx, "610923C", wrong, "203.0.113.9"); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
				t.Fatalf("wrong code %d: %v, want not found", i+1, err)
			}
		}
		if _, err := s.CheckInCodeFrom(ctx, "610923C", codes[3], "203.0.113.9"); err == nil {
			t.Fatal("after three wrong codes the address still checks in")
		} else if _, ok := throttle.RetryAfter(err); !ok {
			t.Fatalf("after three wrong codes: %v, want a wait", err)
		}
		if _, err := s.CheckInCodeFrom(ctx, "610923C", codes[3], "198.51.100.7"); err != nil {
			t.Fatalf("another address: %v", err)
		}
	})
}
