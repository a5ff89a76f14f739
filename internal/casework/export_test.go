package casework

import (
	"context"

	"zwfw/internal/pii"
)

// FailAfter makes every transaction of s fail right after the writes of an
// action for which fail returns an error: a test's way to break the last
// step of a composite operation.
func (s *Service) FailAfter(fail func(action string) error) { s.failAfter = fail }

// ReadBothWays reads a case with its parts as kept in case_parts and as
// read from their tables.
func (s *Service) ReadBothWays(ctx context.Context, serial string) (kept, live *Case, keptVersion int, err error) {
	var kp, lp caseParts
	q := s.db.Reader()
	if kept, err = scanCase(pii.Of(s.db), q.QueryRow(ctx, s.keptQuery()+" WHERE c.serial = ?", serial), &kp); err != nil {
		return nil, nil, 0, err
	}
	if live, err = scanCase(pii.Of(s.db), q.QueryRow(ctx, s.caseQuery()+" WHERE c.serial = ?", serial), &lp); err != nil {
		return nil, nil, 0, err
	}
	if err = kp.attach(kept); err != nil {
		return nil, nil, 0, err
	}
	if err = lp.attach(live); err != nil {
		return nil, nil, 0, err
	}
	return kept, live, kp.version, nil
}

// ForgetCases empties the case cache (benchmarks of the uncached read).
func (s *Service) ForgetCases() { s.recent.clear() }
