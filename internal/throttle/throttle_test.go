package throttle_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/throttle"
)

// TestTakeIsAtomic: fifty attempts at once on a limit of ten: exactly ten
// are counted, the others refused with the rest of the window; a given
// back place is taken again; a new window starts afresh.
func TestTakeIsAtomic(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 26, 9, 0, 0, 0, db.Zone)
		l := throttle.Limit{N: 10, Window: 10 * time.Minute}
		take := func(at time.Time) (int64, error) {
			var start int64
			err := d.InTx(ctx, func(tx *db.Tx) error {
				var err error
				start, err = throttle.Take(ctx, tx, "test:key", l, at, "太多了")
				return err
			})
			return start, err
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, refused := 0, 0
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := take(now)
				mu.Lock()
				defer mu.Unlock()
				switch sec, tooMany := throttle.RetryAfter(err); {
				case err == nil:
					ok++
				case tooMany && sec == 600 && zwfw.ErrorCode(err) == zwfw.ETOOMANY && zwfw.ErrorMessage(err) == "太多了":
					refused++
				default:
					t.Errorf("take: %v", err)
				}
			}()
		}
		wg.Wait()
		if ok != 10 || refused != 40 {
			t.Fatalf("%d taken, %d refused; want 10 and 40", ok, refused)
		}
		if err := throttle.Give(ctx, d.Writer(), "test:key", db.Millis(now)); err != nil {
			t.Fatal(err)
		}
		if _, err := take(now.Add(time.Minute)); err != nil {
			t.Fatalf("after a place was given back: %v", err)
		}
		if _, err := take(now.Add(time.Minute)); zwfw.ErrorCode(err) != zwfw.ETOOMANY {
			t.Fatalf("full again: %v", err)
		}
		if sec, _ := throttle.RetryAfter(func() error { _, err := take(now.Add(9*time.Minute + 30*time.Second)); return err }()); sec != 30 {
			t.Errorf("retry after %d s, want 30", sec)
		}
		if start, err := take(now.Add(10 * time.Minute)); err != nil || start != db.Millis(now.Add(10*time.Minute)) {
			t.Fatalf("a new window: %d %v", start, err)
		}
		if _, err := (func() (int64, error) { return throttle.Take(ctx, d.Writer(), "other", throttle.Limit{N: -1}, now, "") })(); err != nil {
			t.Fatalf("a limit that is off: %v", err)
		}
	})
}

func TestAddr(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":           "203.0.113.7",
		"::ffff:203.0.113.7":    "203.0.113.7",
		"2001:db8:1:2:3:4:5:6":  "2001:db8:1:2::/64",
		"2001:db8:1:2::ffff:1":  "2001:db8:1:2::/64",
		"not an address at all": "not an address at all",
	} {
		if got := throttle.Addr(in); got != want {
			t.Errorf("Addr(%q) = %q, want %q", in, got, want)
		}
	}
}
