package hall_test

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/hall"
	"zwfw/internal/testclock"
)

// The screens of a centre share one read of the board per change: without
// a change they get the very same bytes, after one (a call) they all get
// the new board, and many screens asking at once read it once.
func TestScreensShareOneBoardPerChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := testclock.New() // stopped: the shared board's age does not run out
		county(t, d, clk.Now)
		s := hall.NewService(d, clk.Now)
		changes, stop := s.Subscribe("610923C")
		defer stop()
		// quiet waits until the changes made so far were heard (on
		// PostgreSQL they arrive by NOTIFY, after the commit).
		quiet := func() {
			t.Helper()
			select {
			case <-changes:
			case <-time.After(5 * time.Second):
				t.Fatal("no change heard")
			}
			time.Sleep(100 * time.Millisecond)
			for len(changes) > 0 {
				<-changes
			}
		}
		cat := category(t, s, "610923C", hall.CategoryInput{Name: "综合受理", Prefix: "A", Opens: "00:00", Closes: "23:59"})
		take(t, s, "610923C", cat.ID, false)
		quiet()
		first, err := s.BoardJSON(ctx, "610923C")
		if err != nil {
			t.Fatal(err)
		}
		again, _ := s.BoardJSON(ctx, "610923C")
		if &first[0] != &again[0] {
			t.Fatal("without a change the board was read again")
		}
		if _, err := s.Act(ctx, staffAt(t, d, "610923C"), "610923CW01", hall.ActNext); err != nil {
			t.Fatal(err)
		}
		quiet()
		// 50 screens woken by the call at once.
		var wg sync.WaitGroup
		bodies := make([][]byte, 50)
		for i := range bodies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				bodies[i], _ = s.BoardJSON(ctx, "610923C")
			}()
		}
		wg.Wait()
		var b hall.Board
		if err := json.Unmarshal(bodies[0], &b); err != nil {
			t.Fatal(err)
		}
		if len(b.Latest) != 1 || b.Latest[0].Number != "A001" || b.LastCall == 0 {
			t.Fatalf("board after the call = %+v, want A001 called", b.Latest)
		}
		for i, body := range bodies {
			if !bytes.Equal(body, bodies[0]) || &body[0] != &bodies[0][0] {
				t.Fatalf("screen %d got a board of its own read", i)
			}
		}
	})
}
