package hall_test

import (
	"context"
	"testing"
	"time"

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
