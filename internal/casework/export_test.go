package casework

// FailAfter makes every transaction of s fail right after the writes of an
// action for which fail returns an error: a test's way to break the last
// step of a composite operation.
func (s *Service) FailAfter(fail func(action string) error) { s.failAfter = fail }
