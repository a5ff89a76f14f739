package org

import (
	"context"
	"strconv"
	"sync"
	"time"

	"zwfw"
)

// Cache remembers nodes for hot paths (filing a case looks up its centre
// and region each time). A change to the tree, in any process, empties it
// as soon as it commits (Topic); ttl only bounds how long a node is kept,
// and nothing is served while changes cannot arrive (db.Live).
type Cache struct {
	s   *Service
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]cached
	gen uint64 // bumped when the cache is emptied: a lookup begun before is not kept
}

type cached struct {
	o  *Org
	at time.Time
}

// NewCache returns a cache over s keeping nodes for ttl.
func NewCache(s *Service, ttl time.Duration) *Cache {
	c := &Cache{s: s, ttl: ttl, m: map[string]cached{}}
	s.db.OnChange(Topic, func(string) { c.clear() })
	return c
}

func (c *Cache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = map[string]cached{}
	c.gen++
}

// ByCode returns the node with code, from the cache when fresh.
func (c *Cache) ByCode(ctx context.Context, code string) (*Org, error) {
	return c.get(ctx, code, func() (*Org, error) { return c.s.ByCode(ctx, code) })
}

// ByID returns the node with id, from the cache when fresh.
func (c *Cache) ByID(ctx context.Context, id int64) (*Org, error) {
	return c.get(ctx, "#"+strconv.FormatInt(id, 10), func() (*Org, error) { return c.s.ByID(ctx, id) })
}

func (c *Cache) get(ctx context.Context, key string, load func() (*Org, error)) (*Org, error) {
	now := time.Now()
	live := c.s.db.Live()
	c.mu.Lock()
	e, ok := c.m[key]
	gen := c.gen
	c.mu.Unlock()
	if ok && live && now.Sub(e.at) < c.ttl {
		return e.o, nil
	}
	o, err := load()
	if err != nil {
		return nil, err
	}
	if live {
		c.put(o, now, gen)
	}
	return o, nil
}

func (c *Cache) put(o *Org, now time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.m) > 5000 {
		c.m = map[string]cached{}
	}
	c.m[o.Code] = cached{o, now}
	c.m["#"+strconv.FormatInt(o.ID, 10)] = cached{o, now}
}

// HoldsSettings reports whether an organisation of kind keeps settings of
// its own — its working calendar's local adjustments, its assessment
// weights: the city, which sets them for all, and each county, for its
// subtree. Towns, villages, departments and centres follow their county.
func HoldsSettings(kind string) bool { return kind == KindCity || kind == KindCounty }

// MaySetSettings decides whether the actor may change what, a setting of
// o: only o's own administrators may (or the system), and only where o
// holds settings. A town's administrator, another county's, or the city's
// cannot change Ningshan's calendar or weights; the city's settings are
// made by the city's administrators and apply to every county that has
// not set its own. It returns nil or the refusal to show.
func MaySetSettings(actor *zwfw.Actor, o *Org, what string) error {
	switch {
	case actor == nil:
		return zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	case actor.Kind == zwfw.KindSystem:
		return nil
	case !actor.Has(zwfw.RoleAdmin) || !actor.IsStaff():
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有系统管理员可以设置%s", what)
	case !HoldsSettings(o.Kind):
		return zwfw.Errorf(zwfw.EFORBIDDEN, "%s由市、县两级设置；%s（%s）按所在县的设置执行", what, o.DisplayName(), o.KindName())
	case actor.OrgPath != o.Path:
		return zwfw.Errorf(zwfw.EFORBIDDEN, "%s的%s只能由%s的系统管理员设置", o.DisplayName(), what, o.DisplayName())
	}
	return nil
}
