package notify_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/notify"
)

type recorder struct {
	mu   sync.Mutex
	sent map[int64]int
	fail bool
}

func (r *recorder) Send(ctx context.Context, m notify.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		return errors.New("gateway down")
	}
	r.sent[m.ID]++
	return nil
}

func TestOutboxDeliversOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := func() time.Time { return time.Now() }
		for i := 0; i < 20; i++ {
			if err := d.InTx(ctx, func(tx *db.Tx) error {
				return notify.Enqueue(ctx, tx, now(), notify.Note{Phone: "13991561234", Subject: "申请已受理", Body: "您的申请已受理", CaseSerial: "610923-20261126-00001"})
			}); err != nil {
				t.Fatal(err)
			}
		}
		rec := &recorder{sent: map[int64]int{}}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		var wg sync.WaitGroup
		for i := 0; i < 3; i++ { // three server processes' dispatchers
			wg.Add(1)
			go func() {
				defer wg.Done()
				dp := &notify.Dispatcher{DB: d, Senders: map[string]notify.Sender{notify.SMS: rec}, Log: log, Now: now}
				for {
					n, err := dp.RunOnce(ctx, 3)
					if err != nil {
						t.Error(err)
						return
					}
					if n == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		if len(rec.sent) != 20 {
			t.Fatalf("%d messages sent, want 20", len(rec.sent))
		}
		for id, n := range rec.sent {
			if n != 1 {
				t.Errorf("message %d sent %d times", id, n)
			}
		}
		// A failing gateway: the message stays pending, then fails after MaxAttempts.
		d.InTx(ctx, func(tx *db.Tx) error {
			return notify.Enqueue(ctx, tx, now(), notify.Note{Phone: "13991561234", Subject: "x", Body: "y"})
		})
		rec.fail = true
		dp := &notify.Dispatcher{DB: d, Senders: map[string]notify.Sender{notify.SMS: rec}, Log: log, Now: now}
		for i := 0; i < notify.MaxAttempts; i++ {
			if _, err := dp.RunOnce(ctx, 10); err != nil {
				t.Fatal(err)
			}
		}
		var state string
		d.QueryRow(ctx, "SELECT state FROM notifications ORDER BY id DESC LIMIT 1").Scan(&state)
		if state != notify.Failed {
			t.Fatalf("after %d failures the message is %s", notify.MaxAttempts, state)
		}
	})
}
