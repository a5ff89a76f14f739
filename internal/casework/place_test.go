package casework

import (
	"context"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/testclock"
)

// TestPlaceDatabaseDown: while the database cannot be read, an application
// is not refused as filed at a centre that does not exist (422, "受理机构
// 不存在" — found by the crash tests with PostgreSQL restarting), nor a
// case list as asked for an organisation that does not exist; unknown
// codes still are.
func TestPlaceDatabaseDown(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := func() time.Time { return testclock.Today() }
		s := NewService(d, nil, nil, now)
		if _, err := s.place(ctx, "610923C"); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Errorf("unknown centre: %v, want invalid", err)
		}
		for _, q := range []Query{{Org: "610923"}, {Under: "610923"}, {Dept: "610923D01"}} {
			if _, _, err := s.List(ctx, zwfw.System, q); zwfw.ErrorCode(err) != zwfw.EINVALID {
				t.Errorf("list %+v of an unknown organisation: %v, want invalid", q, err)
			}
		}
		d.Close()
		if _, err := s.place(ctx, "610923X"); zwfw.ErrorCode(err) != zwfw.EINTERNAL {
			t.Errorf("database down: %v (%s), want an internal error", err, zwfw.ErrorCode(err))
		}
		for _, q := range []Query{{Org: "610923"}, {Under: "610923"}, {Dept: "610923D01"}} {
			if _, _, err := s.List(ctx, zwfw.System, q); zwfw.ErrorCode(err) != zwfw.EINTERNAL {
				t.Errorf("database down: list %+v says %v, want an internal error", q, err)
			}
		}
	})
}
