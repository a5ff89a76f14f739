package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
)

// stmtCache keeps prepared statements per query text. The SQLite driver
// would otherwise parse and plan every statement on every call, which costs
// more than running it. (pgx caches its own prepared statements, so on
// PostgreSQL the cache stays off.)
type stmtCache struct {
	db     *sql.DB
	mu     sync.RWMutex
	stmts  map[string]*sql.Stmt
	closed bool
	bg     sync.WaitGroup // preparations running in the background (prepareLater)
}

// maxStmts bounds the cache: a query text built from a user's filter
// combination is prepared each time once the cache is full.
const maxStmts = 1000

func newStmtCache(d *sql.DB) *stmtCache { return &stmtCache{db: d, stmts: map[string]*sql.Stmt{}} }

// lookup returns the cached statement for q, or nil; it never prepares.
func (c *stmtCache) lookup(q string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.stmts[q]
}

// get returns the cached statement for q, preparing it on the pool when it
// is not cached yet. The caller must not hold one of the pool's
// connections (inside a write transaction, use lookup and prepare later).
func (c *stmtCache) get(ctx context.Context, q string) (*sql.Stmt, error) {
	if c == nil {
		return nil, nil
	}
	if st := c.lookup(q); st != nil {
		return st, nil
	}
	c.mu.RLock()
	full := len(c.stmts) >= maxStmts
	c.mu.RUnlock()
	if full {
		return nil, nil
	}
	// Prepare without holding the lock: preparing may wait for a connection
	// that a transaction holds, and that transaction looks statements up.
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		st.Close()
		return nil, nil
	}
	if old, ok := c.stmts[q]; ok {
		st.Close()
		return old, nil
	}
	c.stmts[q] = st
	return st, nil
}

// prepareLater prepares q in the background, for next time, on another
// connection of the pool (the caller holds one). close waits for it: a
// preparation still running when the database closes would open a
// connection on a closed database (on SQLite, recreating its -wal and -shm
// files while the directory is being removed).
func (c *stmtCache) prepareLater(q string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.bg.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.bg.Done()
		_, _ = c.get(context.Background(), q)
	}()
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.bg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		st.Close()
	}
	c.stmts = map[string]*sql.Stmt{}
}

// Rebind turns `?` placeholders into the dialect's own. Question marks inside
// single-quoted literals are left alone.
func (db *DB) Rebind(q string) string {
	if db.Dialect != Postgres {
		return q
	}
	if v, ok := db.binds.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n, inStr := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inStr = !inStr
			b.WriteByte(c)
		case c == '?' && !inStr:
			n++
			fmt.Fprintf(&b, "$%d", n)
		default:
			b.WriteByte(c)
		}
	}
	s := b.String()
	db.binds.Store(q, s)
	return s
}

// Querier is what both DB and Tx offer, so a function can run inside or
// outside a transaction.
type Querier interface {
	Exec(ctx context.Context, q string, args ...any) (sql.Result, error)
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
	Dialect() Dialect
}

// pool runs statements on one *sql.DB through its statement cache.
type pool struct {
	db    *DB
	sql   *sql.DB
	cache *stmtCache
}

func (p pool) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q = p.db.Rebind(q)
	st, err := p.cache.get(ctx, q)
	if err != nil {
		return nil, MapError(err)
	}
	var r sql.Result
	if st != nil {
		r, err = st.ExecContext(ctx, args...)
	} else {
		r, err = p.sql.ExecContext(ctx, q, args...)
	}
	return r, MapError(err)
}

func (p pool) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = p.db.Rebind(q)
	st, err := p.cache.get(ctx, q)
	if err != nil {
		return nil, MapError(err)
	}
	var r *sql.Rows
	if st != nil {
		r, err = st.QueryContext(ctx, args...)
	} else {
		r, err = p.sql.QueryContext(ctx, q, args...)
	}
	return r, MapError(err)
}

func (p pool) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	q = p.db.Rebind(q)
	if st, err := p.cache.get(ctx, q); err == nil && st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.sql.QueryRowContext(ctx, q, args...)
}

func (p pool) Dialect() Dialect { return p.db.Dialect }

// Reader returns a Querier whose reads go to the read pool (writes go to
// the writer).
func (db *DB) Reader() Querier { return reader{db} }

// Writer returns a Querier whose every statement runs on the writer (for an
// INSERT … RETURNING outside a transaction).
func (db *DB) Writer() Querier { return pool{db, db.write, db.wstmts} }

type reader struct{ db *DB }

func (r reader) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return r.db.Writer().Exec(ctx, q, args...)
}
func (r reader) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return pool{r.db, r.db.read, r.db.rstmts}.Query(ctx, q, args...)
}
func (r reader) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return pool{r.db, r.db.read, r.db.rstmts}.QueryRow(ctx, q, args...)
}
func (r reader) Dialect() Dialect { return r.db.Dialect }

// Query runs a read query on the read pool.
func (db *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.Reader().Query(ctx, q, args...)
}

// QueryRow runs a one-row read query on the read pool.
func (db *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.Reader().QueryRow(ctx, q, args...)
}

// Exec runs one statement on the writer, in its own implicit transaction.
func (db *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.Writer().Exec(ctx, q, args...)
}

// JSONRows is a scalar subquery that reads rows of a table as one JSON
// text: an array of rows, each an array of cols, in order. A record and the
// rows attached to it so come back in one statement — one round trip, and
// one consistent snapshot without a transaction around several reads. from
// is the FROM clause with its WHERE; cols are plain SQL expressions (a
// BOOLEAN column as CASE WHEN … THEN 1 ELSE 0 END, so both databases give
// a number).
func (d Dialect) JSONRows(cols, from, order string) string {
	if d == Postgres {
		return "(SELECT COALESCE(json_agg(json_build_array(" + cols + ") ORDER BY " + order + "), '[]'::json)::text FROM " + from + ")"
	}
	return "(SELECT json_group_array(json_array(" + cols + ") ORDER BY " + order + ") FROM " + from + ")"
}
