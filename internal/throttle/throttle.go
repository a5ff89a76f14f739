// Package throttle counts attempts in fixed windows, in the database, so
// that every server process sharing it counts the same attempts: failed
// sign-ins per client address and on the whole platform, failed public
// progress lookups per client address. A count lives in one row, raised by
// one INSERT … ON CONFLICT … RETURNING, so two attempts can never both take
// the last place in a window.
//
// Fixed windows let a client make up to twice a limit around a window's
// end; the limits are set with that in mind.
package throttle

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"time"

	"zwfw"
	"zwfw/internal/db"
)

// Limit is at most N attempts per Window. A zero N is no limit.
type Limit struct {
	N      int
	Window time.Duration
}

// Off reports whether the limit allows everything.
func (l Limit) Off() bool { return l.N <= 0 || l.Window <= 0 }

// Take counts one attempt for key in q — normally the transaction that goes
// on to make the attempt, so that a refusal further on in it gives the
// attempt back by rolling back. It returns the start of the window the
// attempt was counted in (for Give). When key already had l.N attempts in
// the current window the attempt is not counted and the result is an
// *Error saying when the window ends, with msg as its message.
func Take(ctx context.Context, q db.Querier, key string, l Limit, now time.Time, msg string) (int64, error) {
	if l.Off() {
		return 0, nil
	}
	nowMs, win := db.Millis(now), l.Window.Milliseconds()
	// The count stops at N+1: a refused attempt leaves it where it was.
	var n int
	var start int64
	err := q.QueryRow(ctx, `INSERT INTO throttle (key, window_start, n) VALUES (?, ?, 1)
		ON CONFLICT (key) DO UPDATE SET
			n = CASE WHEN excluded.window_start - throttle.window_start >= ? THEN 1
				WHEN throttle.n <= ? THEN throttle.n + 1 ELSE throttle.n END,
			window_start = CASE WHEN excluded.window_start - throttle.window_start >= ? THEN excluded.window_start
				ELSE throttle.window_start END
		RETURNING n, window_start`, key, nowMs, win, l.N, win).Scan(&n, &start)
	if err != nil {
		return 0, fmt.Errorf("throttle: take %s: %w", key, err)
	}
	if n > l.N {
		return 0, Refuse(db.Time(start+win).Sub(now), msg)
	}
	return start, nil
}

// Give takes back an attempt counted by Take in the window starting at
// start (a sign-in that succeeded is not a failure). Nothing happens when
// that window is over.
func Give(ctx context.Context, q db.Querier, key string, start int64) error {
	if start == 0 {
		return nil
	}
	_, err := q.Exec(ctx, "UPDATE throttle SET n = n - 1 WHERE key = ? AND window_start = ? AND n > 0", key, start)
	if err != nil {
		return fmt.Errorf("throttle: give %s: %w", key, err)
	}
	return nil
}

// Sweep removes counts whose window started before the given time.
func Sweep(ctx context.Context, q db.Querier, before time.Time) error {
	_, err := q.Exec(ctx, "DELETE FROM throttle WHERE window_start < ?", db.Millis(before))
	return err
}

// Addr is the part of a key that names a client address: an IPv4 address
// as it is, an IPv6 address by its /64 (one subscriber's network, in which
// a client may pick any address).
func Addr(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// Error is a refused attempt: a zwfw ETOOMANY error (429) that also says
// when to try again (the Retry-After header).
type Error struct {
	Err        *zwfw.Error
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Err.Error() }

// Unwrap lets zwfw.ErrorCode and zwfw.ErrorMessage find the zwfw error.
func (e *Error) Unwrap() error { return e.Err }

// Refuse makes the error of an attempt refused for retry.
func Refuse(retry time.Duration, msg string) *Error {
	return &Error{Err: &zwfw.Error{Code: zwfw.ETOOMANY, Message: msg}, RetryAfter: max(retry, time.Second)}
}

// RetryAfter is the Retry-After value of err in whole seconds, rounded up,
// when err is a refusal.
func RetryAfter(err error) (int, bool) {
	var e *Error
	if !errors.As(err, &e) {
		return 0, false
	}
	return int(math.Ceil(e.RetryAfter.Seconds())), true
}
