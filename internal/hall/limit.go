package hall

import (
	"context"
	"time"

	"zwfw/internal/db"
	"zwfw/internal/throttle"
)

// Taking a ticket needs no account (the kiosk and the centre's QR code are
// for everyone), so a script could otherwise take the day's numbers of a
// category and leave the hall's visitors none. Each client address may
// take a number of tickets per period (ZWFW_TICKET_LIMIT); the kiosk is one
// address, so the default allows a rush at the opening: 120 in 10 minutes.

// DefaultTakeLimit is the tickets one client address may take when
// SetTakeLimit was not called.
var DefaultTakeLimit = throttle.Limit{N: 120, Window: 10 * time.Minute}

const takeKey = "hall:take:addr:" // + throttle.Addr(client address)

// SetTakeLimit sets the tickets one client address may take per period
// (throttle.Limit{N: -1} for none, as the benchmark runs).
func (s *Service) SetTakeLimit(l throttle.Limit) { s.takeLimit = l }

// TakeFrom takes a ticket for a client at address addr, within the
// address's allowance (429 with the time to wait beyond it). A take refused
// for another reason (closed, the day's numbers gone) still counts: the
// allowance is about requests, not tickets.
func (s *Service) TakeFrom(ctx context.Context, centreCode string, in TakeInput, addr string) (*Ticket, error) {
	limit := s.takeLimit
	if limit == (throttle.Limit{}) {
		limit = DefaultTakeLimit
	}
	if !limit.Off() {
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			_, err := throttle.Take(ctx, tx, takeKey+throttle.Addr(addr), limit, s.now(), "取号过于频繁，请稍后再试；如需帮助请咨询大厅导办人员")
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return s.Take(ctx, centreCode, in)
}

const checkInKey = "hall:checkin:addr:" // + throttle.Addr(client address)

// CheckInCodeFrom checks a booking in by its six-digit code (the kiosk's
// 预约签到) for a client at address addr. A wrong code uses a place of the
// address's allowance (the same as for tickets, ZWFW_TICKET_LIMIT), a right
// one gives it back: a code is short enough to be guessed, and a guessed
// code would take someone else's booked place in the queue.
func (s *Service) CheckInCodeFrom(ctx context.Context, centreCode, code, addr string) (*Ticket, error) {
	limit := s.takeLimit
	if limit == (throttle.Limit{}) {
		limit = DefaultTakeLimit
	}
	key := checkInKey + throttle.Addr(addr)
	var start int64
	if !limit.Off() {
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			var err error
			start, err = throttle.Take(ctx, tx, key, limit, s.now(), "签到码输错次数过多，请稍后再试，或请大厅导办人员帮助签到")
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	t, err := s.CheckInCode(ctx, centreCode, code)
	if err == nil && start != 0 {
		if gerr := s.db.InTx(ctx, func(tx *db.Tx) error { return throttle.Give(ctx, tx, key, start) }); gerr != nil {
			return nil, gerr
		}
	}
	return t, err
}
