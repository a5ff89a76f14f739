package casework

import (
	"context"
	"crypto/subtle"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/pii"
	"zwfw/internal/throttle"
)

// The public progress lookup (办件查询) needs the serial and a second factor:
// the query code printed on the case's notices, or the last six characters
// of the applicant's ID number or credit code. Guessing that factor is
// limited per client address, never per case: serials run in sequence, and
// a limit per case let anyone close every case to its applicant by failing
// ten times on each. Every lookup takes a place in its address's count
// before the case is looked at (two parallel guesses cannot both take the
// last one); a lookup that succeeds gives it back, so only failures — a
// wrong code or a serial that does not exist, told apart by nobody — use
// up the allowance.

// DefaultLookupLimit is the failed lookups allowed per client address when
// SetLookupLimit was not called (ZWFW_LOOKUP_LIMIT).
var DefaultLookupLimit = throttle.Limit{N: 20, Window: time.Hour}

const lookupKey = "lookup:addr:" // + throttle.Addr(client address)

// SetLookupLimit sets the failed public lookups allowed per client address.
func (s *Service) SetLookupLimit(l throttle.Limit) { s.lookup = l }

// publicCase finds the case of a public lookup from the client address
// addr: the case with serial whose second factor is code. An unknown serial
// and a wrong code get the same error, after the same work (one counted
// attempt, one read by serial, one constant-time comparison).
func (s *Service) publicCase(ctx context.Context, serial, code, addr string) (*Case, error) {
	serial = strings.TrimSpace(serial)
	notFound := zwfw.Errorf(zwfw.ENOTFOUND, "没有找到办件编号为 %s、查询码相符的办件，请核对编号和查询码", serial)
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) < 4 || len(code) > 64 {
		return nil, notFound // not a guess at any code: not counted
	}
	limit := s.lookup
	if limit == (throttle.Limit{}) {
		limit = DefaultLookupLimit
	}
	key := lookupKey + throttle.Addr(addr)
	now := s.now()
	var start int64
	if !limit.Off() {
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			var err error
			start, err = throttle.Take(ctx, tx, key, limit, now, "查询失败次数过多，请稍后再试，或登录“我的办件”查看")
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	var queryCode, ident string
	var found bool
	if err := s.db.Reader().QueryRow(ctx, "SELECT query_code, applicant_ident FROM cases WHERE serial = ?", serial).Scan(&queryCode, &ident); err == nil {
		found = true
		if ident, err = pii.Of(s.db).Open(pii.CaseIdent.Label(), ident); err != nil {
			return nil, err
		}
	} else {
		queryCode, ident = "~no such case~", "~no such case~"
	}
	ident = strings.ToUpper(ident)
	right := subtle.ConstantTimeCompare([]byte(code), []byte(queryCode)) == 1 ||
		len(code) == 6 && len(ident) >= 6 && subtle.ConstantTimeCompare([]byte(code), []byte(ident[len(ident)-6:])) == 1
	if !found || !right {
		return nil, notFound // the place stays taken: a failure
	}
	if start != 0 {
		if err := s.db.InTx(ctx, func(tx *db.Tx) error { return throttle.Give(ctx, tx, key, start) }); err != nil {
			return nil, err
		}
	}
	c, err := s.load(ctx, s.db.Reader(), "c.serial = ?", serial)
	if err != nil {
		return nil, notFound
	}
	return c, nil
}
