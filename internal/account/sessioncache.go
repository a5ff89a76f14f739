package account

import (
	"context"
	"strconv"
	"sync"
	"time"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/org"
)

// sessionCache remembers recently checked sessions for a few seconds, so
// that a burst of API calls costs one database lookup, not one per call.
// Sign-out, a password change, a deactivation and any change to the
// organisation tree reach it in every process as soon as they commit
// (db.OnChange); while changes cannot reach it (the listener reconnecting),
// it serves nothing.
type sessionCache struct {
	mu sync.Mutex
	m  map[string]sessionEntry
	// gen counts invalidations. A lookup that missed notes the generation
	// (pending); its result is kept only if no invalidation came between
	// the miss and the put — one that did may have been about the very
	// rows the lookup read.
	gen     uint64
	pending map[string]uint64
	live    func() bool
}

type sessionEntry struct {
	actor   zwfw.Actor
	kind    string
	expires int64
	at      time.Time
}

// sessionCacheTTL bounds how long an entry is used. Revocations no longer
// wait for it; it keeps the idle clock (touched on a miss, at most once a
// minute) honest.
const sessionCacheTTL = 5 * time.Second

// Topics of the changes the cache listens to.
const (
	topicSession = "session" // key: a token hash — the session ended
	topicUser    = "user"    // key: a user id — the account changed (roles, organisation, active, password)
)

// watch makes the cache follow the changes committed on d, by any process.
func (c *sessionCache) watch(d *db.DB) {
	c.live = d.Live
	d.OnChange(topicSession, func(hash string) {
		if hash == "" {
			c.clear()
			return
		}
		c.drop(hash)
	})
	d.OnChange(topicUser, func(key string) {
		id, err := strconv.ParseInt(key, 10, 64)
		if err != nil {
			c.clear()
			return
		}
		c.dropUser(id)
	})
	// An actor carries its organisation's code and path.
	d.OnChange(org.Topic, func(string) { c.clear() })
}

func (c *sessionCache) get(hash, kind string, now time.Time) (*zwfw.Actor, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if !ok || (c.live != nil && !c.live()) || e.kind != kind || now.Sub(e.at) > sessionCacheTTL || now.Before(e.at) || e.expires < db.Millis(now) {
		if c.pending == nil || len(c.pending) > 10000 {
			c.pending = map[string]uint64{}
		}
		c.pending[hash] = c.gen
		return nil, false
	}
	a := e.actor
	return &a, true
}

func (c *sessionCache) put(hash, kind string, a *zwfw.Actor, expires int64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	gen, ok := c.pending[hash]
	delete(c.pending, hash)
	if !ok || gen != c.gen || (c.live != nil && !c.live()) {
		return
	}
	if c.m == nil || len(c.m) > 10000 {
		c.m = map[string]sessionEntry{}
	}
	c.m[hash] = sessionEntry{actor: *a, kind: kind, expires: expires, at: now}
}

func (c *sessionCache) drop(hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.m, hash)
}

func (c *sessionCache) dropUser(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for h, e := range c.m {
		if e.actor.UserID == id {
			delete(c.m, h)
		}
	}
}

func (c *sessionCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.m = nil
}

// endSession deletes a session and tells every process's cache.
func (s *Service) endSession(ctx context.Context, hash string) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE token_hash = ?", hash); err != nil {
			return err
		}
		return tx.Changed(ctx, topicSession, hash)
	})
}

// userChanged tells every process's session cache, when tx commits, that
// the account's sessions must be checked again.
func userChanged(ctx context.Context, tx *db.Tx, id int64) error {
	return tx.Changed(ctx, topicUser, strconv.FormatInt(id, 10))
}
