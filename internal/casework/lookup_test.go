package casework_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/throttle"
)

// testAddr is the client address of the lookups of other tests.
const testAddr = "198.51.100.1"

// TestLookupLimitedByAddress: ten wrong query codes closed a case's public
// lookup to everyone for an hour — the applicant included, on any case,
// since serials run in sequence (issue 8, item 8). Failures now count
// against the client address that makes them; an unknown serial and a
// wrong code are answered alike and count alike.
func TestLookupLimitedByAddress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		e.cases.SetLookupLimit(throttle.Limit{N: 5, Window: time.Hour})
		a := e.walkIn("county.window", "010100100000", "610923C")
		b := e.walkIn("county.window", "010100100000", "610923C")
		unknown := a.Serial[:len(a.Serial)-5] + "99999"
		const attacker = "203.0.113.66"

		// The same code and message (but for the serial asked about) for an
		// unknown serial and a wrong code.
		_, errWrong := e.cases.PublicProgress(e.ctx, a.Serial, "000000", attacker)
		_, errUnknown := e.cases.PublicProgress(e.ctx, unknown, "000000", attacker)
		if zwfw.ErrorCode(errWrong) != zwfw.ENOTFOUND || zwfw.ErrorCode(errUnknown) != zwfw.ENOTFOUND ||
			zwfw.ErrorMessage(errWrong) != strings.ReplaceAll(zwfw.ErrorMessage(errUnknown), unknown, a.Serial) {
			t.Fatalf("wrong code: %v; unknown serial: %v", errWrong, errUnknown)
		}
		// Three more failures, on either case or none: five, the limit.
		for i, serial := range []string{b.Serial, unknown, a.Serial} {
			if _, err := e.cases.PublicProgress(e.ctx, serial, fmt.Sprintf("%06d", i+1), attacker); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
				t.Fatalf("guess %d: %v", i, err)
			}
		}
		// The attacker is refused, with the right code too.
		_, err := e.cases.PublicProgress(e.ctx, a.Serial, a.QueryCode, attacker)
		if sec, ok := throttle.RetryAfter(err); zwfw.ErrorCode(err) != zwfw.ETOOMANY || !ok || sec != 3600 {
			t.Fatalf("sixth lookup from the address: %v (retry %d s)", err, sec)
		}
		// Nobody else is: the applicants look their cases up from home.
		for _, c := range []struct{ serial, code string }{{a.Serial, a.QueryCode}, {b.Serial, b.QueryCode}} {
			if p, err := e.cases.PublicProgress(e.ctx, c.serial, c.code, "192.0.2.10"); err != nil || p.Serial != c.serial {
				t.Fatalf("the applicant's lookup of %s: %v", c.serial, err)
			}
		}
		// Successful lookups do not count: a hall terminal serving many
		// applicants is not closed by them.
		for range 10 {
			if _, err := e.cases.PublicProgress(e.ctx, a.Serial, a.QueryCode, "192.0.2.11"); err != nil {
				t.Fatalf("repeated right lookups: %v", err)
			}
		}
		// An IPv6 client is one /64.
		for i := range 5 {
			e.cases.PublicProgress(e.ctx, a.Serial, fmt.Sprintf("%06d", i), fmt.Sprintf("2001:db8:1:2::%d", i+1))
		}
		if _, err := e.cases.PublicProgress(e.ctx, a.Serial, a.QueryCode, "2001:db8:1:2::99"); zwfw.ErrorCode(err) != zwfw.ETOOMANY {
			t.Fatalf("sixth lookup from one /64: %v", err)
		}
		// An hour later the attacker's address may look again.
		e.now = e.now.Add(time.Hour)
		if _, err := e.cases.PublicProgress(e.ctx, a.Serial, a.QueryCode, attacker); err != nil {
			t.Fatalf("an hour later: %v", err)
		}
	})
}
