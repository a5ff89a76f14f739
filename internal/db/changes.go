package db

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cross-process cache invalidation.
//
// A process keeps a few caches in memory (sessions, cases, organisations).
// When a transaction makes an entry of one stale, it says so with
// tx.Changed(topic, key); once the transaction commits, every process on the
// database runs the callbacks registered for the topic with OnChange:
//
//   - on PostgreSQL, Changed sends a NOTIFY inside the transaction, which
//     the server delivers only at commit (and drops on rollback); each
//     process keeps one connection LISTENing, and runs the callbacks when a
//     notification arrives. The writing process runs its own callbacks
//     right after the commit, without waiting for its listener.
//   - on SQLite (one process) the callbacks run right after the commit.
//
// Either way, when InTx returns, this process's caches are already clean,
// and other processes' within the notification's trip.
//
// A listener that loses its connection may miss notifications: every
// callback then runs with the key "" (anything may have changed), Live
// reports false until it listens again (caches keep nothing meanwhile), and
// once it listens every callback runs with "" once more.

// changeChannel is the notification channel, per schema (several
// deployments, or the tests, may share one PostgreSQL database).
const changeChannel = "zwfw_changes:"

// changeNotify sends a change notification, delivered at commit.
const changeNotify = "SELECT pg_notify('" + changeChannel + "' || current_schema(), ?)"

// change is one announced change.
type change struct{ topic, key string }

// changes is a DB's side of the invalidation: the callbacks and, on
// PostgreSQL, the listener.
type changes struct {
	self string // this process's mark in notifications, to skip its own

	mu   sync.RWMutex
	subs map[string][]func(key string)

	live    atomic.Bool
	start   sync.Once
	stop    context.CancelFunc
	stopped chan struct{}
}

func newChanges() *changes {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return &changes{self: hex.EncodeToString(b[:]), subs: map[string][]func(string){}}
}

// OnChange registers fn to run for every change announced on topic, by this
// process or any other on the database. key is what the announcer passed;
// "" means anything of the topic may have changed. fn runs on the
// committing goroutine (on SQLite the single writer's) or on the listener's:
// it must be quick and must not use the database — drop cache entries,
// nothing more.
func (db *DB) OnChange(topic string, fn func(key string)) {
	c := db.changes
	c.mu.Lock()
	c.subs[topic] = append(c.subs[topic], fn)
	c.mu.Unlock()
	db.startListener()
}

// startListener starts listening for other processes' changes (PostgreSQL),
// once.
func (db *DB) startListener() {
	if db.Dialect != Postgres {
		return
	}
	c := db.changes
	c.start.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		c.stop, c.stopped = cancel, make(chan struct{})
		go db.listen(ctx)
	})
}

// Live reports whether changes made by other processes reach this one now.
// A cache serves entries only while it is true: on SQLite always; on
// PostgreSQL while the listener is connected and listening.
func (db *DB) Live() bool {
	return db.Dialect != Postgres || db.changes.live.Load()
}

// WaitLive waits until Live is true or ctx ends, for a process that should
// not begin work with its caches off (and for tests).
func (db *DB) WaitLive(ctx context.Context) error {
	db.startListener()
	for !db.Live() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

// Changed announces that key of topic changes with this transaction: when
// it commits, every process's callbacks for topic run (see OnChange). A
// change announced in a savepoint that is rolled back is forgotten.
func (t *Tx) Changed(ctx context.Context, topic, key string) error {
	if strings.ContainsAny(topic, " ") {
		return fmt.Errorf("db: change topic %q has a space", topic)
	}
	if t.db.Dialect == Postgres {
		// Queued with the transaction's other unread statements (Later):
		// the notice costs no round trip of its own, and PostgreSQL
		// delivers it at the commit either way.
		if err := t.Later(ctx, nil, changeNotify, t.db.changes.self+" "+topic+" "+key); err != nil {
			return fmt.Errorf("db: announce %s %s: %w", topic, key, err)
		}
	}
	t.changes = append(t.changes, change{topic, key})
	return nil
}

// dispatch runs this process's callbacks for committed changes.
func (c *changes) dispatch(list []change) {
	if len(list) == 0 {
		return
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, ch := range list {
		for _, fn := range c.subs[ch.topic] {
			fn(ch.key)
		}
	}
}

// flush runs every callback with the key "": anything may have changed.
func (c *changes) flush() {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, fns := range c.subs {
		for _, fn := range fns {
			fn("")
		}
	}
}

// close stops the listener, if one runs, and keeps one from starting.
func (c *changes) close() {
	c.start.Do(func() {})
	if c.stop != nil {
		c.stop()
		<-c.stopped
	}
}

// listen keeps one connection listening for other processes' changes, and
// reconnects when it is lost.
func (db *DB) listen(ctx context.Context) {
	c := db.changes
	defer close(c.stopped)
	wait := 100 * time.Millisecond
	for {
		err := db.listenOnce(ctx)
		if c.live.Swap(false) {
			// Changes may go unheard from now on: what caches hold may
			// go stale, and they hold nothing new until Live again.
			c.flush()
			wait = 100 * time.Millisecond // it had worked: retry soon
		}
		if ctx.Err() != nil {
			return
		}
		slog.Warn("db: change listener lost its connection; caches are off until it listens again", "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// listenPing is how long the listener waits for a notification before it
// checks that its connection still answers: a connection lost without a
// word would otherwise keep Live true while notifications go astray.
const listenPing = 5 * time.Second

func (db *DB) listenOnce(ctx context.Context) error {
	c := db.changes
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.Connect(cctx, db.pgURL)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var schema string
	if err := conn.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return err
	}
	// Named, so that an administrator looking at pg_stat_activity knows it.
	if _, err := conn.Exec(ctx, "SELECT set_config('application_name', $1, false)", "zwfw changes "+schema); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{changeChannel + schema}.Sanitize()); err != nil {
		return err
	}
	// Listening from here on; whatever changed before may have been missed.
	c.flush()
	c.live.Store(true)
	for {
		wctx, cancel := context.WithTimeout(ctx, listenPing)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			pctx, cancel := context.WithTimeout(ctx, listenPing)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
			continue
		case err != nil:
			return err
		}
		self, rest, _ := strings.Cut(n.Payload, " ")
		if self == c.self {
			continue // ran at commit
		}
		topic, key, _ := strings.Cut(rest, " ")
		c.dispatch([]change{{topic, key}})
	}
}
