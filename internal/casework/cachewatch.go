package casework

import (
	"zwfw/internal/calendar"
	"zwfw/internal/org"
)

// A cached case carries the codes, names and paths of its organisations,
// which decide who may see it (canSee); its version does not change when
// the tree does. So a change to the tree — a node moved, re-coded, renamed
// or deactivated — empties the cache of every process as soon as it
// commits (db.OnChange), and so does the loss of the channel that tells
// of changes; while that channel is down nothing is kept. A change to the
// calendar drops the yellow-card condition of the day.
func (s *Service) watch() {
	s.recent.live = s.db.Live
	s.db.OnChange(org.Topic, func(string) { s.recent.clear() })
	s.db.OnChange(calendar.Topic, func(string) {
		s.warnMu.Lock()
		s.warn = nil
		s.warnMu.Unlock()
	})
}

// Epoch changes whenever the case cache is emptied: whoever keeps
// something derived from cached cases (the API's encoded bodies) keeps it
// per epoch.
func (s *Service) Epoch() uint64 { return s.recent.generation() }

func (c *caseCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *caseCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
	c.gen++
}

// keep remembers k, read from the database since generation gen: unless
// the cache was emptied meanwhile (the read may predate the change that
// emptied it) or changes cannot reach the process now.
func (c *caseCache) keep(k *Case, gen uint64) {
	if c.live != nil && !c.live() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil {
		c.m = map[string]*Case{}
	}
	if _, ok := c.m[k.Serial]; !ok && len(c.m) >= recentCases {
		// Full: evict one entry at random (map iteration starts at a
		// random place), so the cache stays full instead of emptying.
		for s := range c.m {
			delete(c.m, s)
			break
		}
	}
	c.m[k.Serial] = k
}
