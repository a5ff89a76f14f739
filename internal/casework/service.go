package casework

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/org"
	"zwfw/internal/throttle"
)

// Service runs cases.
type Service struct {
	db      *db.DB
	catalog *catalog.Service
	cal     *calendar.Calendar
	orgs    *org.Cache
	now     func() time.Time
	items   sync.Map // "code@version" → *catalog.Item; versions never change
	recent  caseCache

	queryOnce sync.Once
	query     string // caseQuery
	kept      string // keptQuery
	keepStmt  string // keepParts

	failAfter func(action string) error // tests: fail a transaction after an action's writes

	warnMu sync.Mutex
	warn   *warnCond // the yellow-card condition of today
	rule   WarnRule  // when a case turns yellow

	lookup throttle.Limit // failed public lookups allowed per client address (lookup.go)

	ratings RatingHook // 差评 work orders, follow-ups, the SMS rating link (rating.go)

	pay payHolder // the payment gateways (payment.go)

	mats     MaterialsHook // the materials library: reuse and keeping (reuse.go)
	licences LicenceIssuer // the electronic licence of a completion (licence.go)
	events   EventHook     // the case events for the city platform (events.go)

	sealing   Sealing   // the signer and file store of sealed notices (noticepdf.go)
	fwd       Forwarder // cases across platforms (remote.go); nil: none
	sealLocks sealLocks // one first rendering of a notice at a time
}

// recentCases bounds the cache of recently read cases: enough for the
// cases a centre is working on right now, small enough that the server
// stays well inside its memory budget (a cached case is a few KB). At 4,096
// (and the API's encoded bodies as many) the live heap reached the 80 MiB
// soft limit under load, the collector ran without pause and the server's
// peak was 164 MB; a case not cached is one indexed read (case_parts).
const recentCases = 1024

// caseCache keeps recently read cases by serial. A case at a given version
// never changes, so an entry is used only after a one-column query confirms
// the version is still current — which keeps several server processes
// consistent. A change to the organisation tree empties it (cachewatch.go).
type caseCache struct {
	mu   sync.Mutex
	m    map[string]*Case
	gen  uint64      // bumped by clear (cachewatch.go): a load begun before is not kept
	live func() bool // whether changes made by other processes reach this one
}

// has reports whether some version of the case is cached.
func (c *caseCache) has(serial string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.m[serial]
	return ok
}

func (c *caseCache) get(serial string, version int) *Case {
	c.mu.Lock()
	defer c.mu.Unlock()
	if k, ok := c.m[serial]; ok && k.Version == version {
		return k
	}
	return nil
}

// NewService returns a casework Service.
func NewService(d *db.DB, cat *catalog.Service, cal *calendar.Calendar, now func() time.Time) *Service {
	s := &Service{db: d, catalog: cat, cal: cal, now: now, orgs: org.NewCache(org.NewService(d, now), 30*time.Second), rule: DefaultWarnRule}
	s.watch()
	return s
}

// Parts of a case recorded in Case.extras: reading a case skips the tables
// whose bit is not set.
const (
	hasSuspensions = 1 << iota
	hasExtensions
	hasPayment
	hasEvaluations
)

// itemVersion returns an item version, cached: a version is immutable.
// within is the path of the case's department: which county's item of the
// code (catalog.Resolve); "" for a 实施编码 or a code one item has.
func (s *Service) itemVersion(ctx context.Context, code, within string, version int) (*catalog.Item, error) {
	key := fmt.Sprintf("%s@%d@%s", code, version, within)
	if v, ok := s.items.Load(key); ok {
		return v.(*catalog.Item), nil
	}
	it, err := s.catalog.ResolveVersion(ctx, code, version, within)
	if err != nil {
		return nil, err
	}
	s.items.Store(key, it)
	return it, nil
}

func invalid(field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &zwfw.Error{Code: zwfw.EINVALID, Message: msg, Details: []zwfw.ErrorDetail{{Field: field, Message: msg}}}
}

// Get returns the case with serial if the actor may see it, with the
// actions they may take on it now. A case outside the actor's reach is
// reported as not found.
func (s *Service) Get(ctx context.Context, actor *zwfw.Actor, serial string) (*Case, error) {
	c, err := s.current(ctx, serial)
	if err != nil {
		return nil, err
	}
	if !canSee(actor, c) {
		return nil, notFound(serial)
	}
	c.Actions = Allowed(actor, c)
	if c.Due, err = s.DueOf(ctx, c); err != nil {
		return nil, err
	}
	o := OutcomeOf(c, false)
	c.Outcome = &o
	return c, nil
}

// current returns the case with serial at its latest version, from the
// cache when that version is there. The copy is the caller's (to mask, or
// to act on); the cached case stays whole.
func (s *Service) current(ctx context.Context, serial string) (*Case, error) {
	// A case not cached is read whole at once: one statement either way.
	if s.recent.has(serial) {
		var version int
		if err := s.db.QueryRow(ctx, "SELECT version FROM cases WHERE serial = ?", serial).Scan(&version); err != nil {
			// A database that cannot be read is not a case that does not
			// exist: clients would give up on a case they filed.
			if errors.Is(err, sql.ErrNoRows) {
				return nil, notFound(serial)
			}
			return nil, fmt.Errorf("casework: case %s: %w", serial, err)
		}
		if c := s.recent.get(serial, version); c != nil {
			cp := *c
			return &cp, nil
		}
	}
	c, err := s.loadFresh(ctx, "c.serial = ?", serial)
	switch {
	case err == nil:
		return c, nil
	case zwfw.ErrorCode(err) == zwfw.ENOTFOUND:
		return nil, notFound(serial)
	case zwfw.ErrorCode(err) == zwfw.EINTERNAL:
		return nil, fmt.Errorf("casework: case %s: %w", serial, err)
	}
	return nil, err
}

// loadFresh reads a case from the database and remembers it.
func (s *Service) loadFresh(ctx context.Context, where string, arg any) (*Case, error) {
	gen := s.recent.generation()
	c, err := s.load(ctx, s.db.Reader(), where, arg)
	if err != nil {
		return nil, err
	}
	s.recent.keep(c, gen)
	cp := *c
	return &cp, nil
}

func notFound(serial string) error {
	return zwfw.Errorf(zwfw.ENOTFOUND, "办件 %s 不存在或您无权查看", serial)
}

// canSee: the applicant sees their own cases; staff see cases filed in,
// owned by, handled by or jointly handled by their subtree.
func canSee(a *zwfw.Actor, c *Case) bool {
	switch {
	case a == nil:
		return false
	case a.Kind == zwfw.KindSystem:
		return true
	case a.Kind == zwfw.KindPerson || a.Kind == zwfw.KindEnterprise:
		return c.ApplicantID != 0 && c.ApplicantID == a.UserID
	}
	if a.InScope(c.OrgPath) || a.InScope(c.DeptPath) || (c.HandlerPath != "" && a.InScope(c.HandlerPath)) {
		return true
	}
	for _, t := range c.Tasks {
		if a.InScope(t.DeptPath) {
			return true
		}
	}
	return false
}
