package hall_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/hall"
	"zwfw/internal/org"
	"zwfw/internal/testclock"
)

// BenchmarkStatsOfAYear computes the statistics of a county centre's year:
// 100,000 tickets (about 400 a working day), most served, a few missed.
// Run it alone: go test ./internal/hall -run '^$' -bench StatsOfAYear -benchtime 1x
func BenchmarkStatsOfAYear(b *testing.B) {
	d := dbtest.SQLite(b)
	clk := testclock.At(testclock.Day("2026-11-26"))
	ctx := context.Background()
	county(b, d, clk.Now)
	s := hall.NewService(d, clk.Now)
	cat := category(b, s, "610923C", hall.CategoryInput{Name: "综合受理", Prefix: "A"})
	centre, _ := org.Lookup(ctx, d.Reader(), "610923C")
	win, _ := org.Lookup(ctx, d.Reader(), "610923CW01")
	staff := user(b, d, "w.bench", "李晓燕")
	const n = 100_000
	start := testclock.Day("2025-11-27").Add(-90 * time.Minute) // 08:00
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var sb strings.Builder
		var args []any
		flush := func() error {
			if len(args) == 0 {
				return nil
			}
			_, err := tx.Exec(ctx, `INSERT INTO hall_tickets (centre_id, category_id, day, seq, number, channel, token, status, window_id, staff_id,
				taken_at, called_at, started_at, ended_at) VALUES `+strings.TrimSuffix(sb.String(), ","), args...)
			sb.Reset()
			args = args[:0]
			return err
		}
		for i := range n {
			day := start.AddDate(0, 0, i/400)
			taken := day.Add(time.Duration(i%400) * 80 * time.Second)
			status := hall.Done
			if i%37 == 0 {
				status = hall.Missed
			}
			called := taken.UnixMilli() + int64(60+i%1700)*1000
			sb.WriteString("(?, ?, ?, ?, ?, 'kiosk', ?, ?, ?, ?, ?, ?, ?, ?),")
			args = append(args, centre.ID, cat.ID, day.Format("2006-01-02"), i%400+1, fmt.Sprintf("A%03d", i%400+1), fmt.Sprintf("b%d", i), status, win.ID, staff,
				taken.UnixMilli(), called, called+30000, called+int64(180+i%1000)*1000)
			if len(args) >= 14*60 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return flush()
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		st, err := s.StatsOf(ctx, centre, start, clk.Now())
		if err != nil || st.Totals.Tickets != n {
			b.Fatalf("stats: %v, %d tickets", err, st.Totals.Tickets)
		}
	}
}
