package casework_test

import (
	"context"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/org"
	"zwfw/internal/testclock"
)

// TestDatabaseDown: while the database cannot be read (PostgreSQL
// restarting), a case is not reported as not found (404, "不存在") nor a
// session as ended (401, "登录已失效"): clients that believe either give up
// on a case they filed or throw their sign-in away. The error is internal
// (the API answers 5xx) and unknown serials and tokens stay 404 and 401.
func TestDatabaseDown(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := func() time.Time { return testclock.Today() }
		cases := casework.NewService(d, nil, calendar.New(d, now), now)
		users := account.NewService(d, org.NewService(d, now), now, account.Policy{})
		system := &zwfw.Actor{Kind: zwfw.KindSystem}
		if _, err := cases.Get(ctx, system, "610923-20261126-99999"); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			t.Errorf("unknown case: %v, want not found", err)
		}
		if _, err := users.Authenticate(ctx, "no-such-token", account.SessionAPI); zwfw.ErrorCode(err) != zwfw.EUNAUTHORIZED {
			t.Errorf("unknown token: %v, want unauthorized", err)
		}
		d.Close()
		if _, err := cases.Get(ctx, system, "610923-20261126-99999"); zwfw.ErrorCode(err) != zwfw.EINTERNAL {
			t.Errorf("database down: case lookup says %v (%s), want an internal error", err, zwfw.ErrorCode(err))
		}
		if _, err := users.Authenticate(ctx, "no-such-token", account.SessionAPI); zwfw.ErrorCode(err) != zwfw.EINTERNAL {
			t.Errorf("database down: sign-in check says %v (%s), want an internal error", err, zwfw.ErrorCode(err))
		}
	})
}
