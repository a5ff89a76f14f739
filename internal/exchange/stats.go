package exchange

import "sync/atomic"

// stats are this process's counters for /metrics.
type stats struct {
	sent     atomic.Int64 // events the peers accepted (or had already)
	failed   atomic.Int64 // failed delivery attempts (requests)
	received atomic.Int64 // events recorded in the inbox
}

// Counters are this process's exchange counters since it started.
type Counters struct {
	Sent, Failed, Received int64
}

// Counters returns this process's counters.
func (s *Service) Counters() Counters {
	return Counters{Sent: s.stat.sent.Load(), Failed: s.stat.failed.Load(), Received: s.stat.received.Load()}
}
