// Package db holds every difference between the embedded SQLite and
// PostgreSQL: connections, placeholder rebinding, the transaction helper,
// error mapping and migrations. Nowhere else in zwfw says "if postgres".
//
// Queries are written once with `?` placeholders in the portable subset both
// databases share (RETURNING, ON CONFLICT, partial indexes, ||, lower()).
// Timestamps are stored as BIGINT unix milliseconds and dates as 'YYYY-MM-DD'
// text, so grouping and comparing work the same on both.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"zwfw"
)

// Dialect names the database behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the application's database. On SQLite it keeps one writer connection
// (SQLite allows one writer at a time; queueing in Go is cheaper than
// SQLITE_BUSY retries) and a pool of read-only connections. On PostgreSQL
// both are the same pool.
type DB struct {
	Dialect Dialect
	write   *sql.DB
	read    *sql.DB
	binds   sync.Map // query text → rebound text (PostgreSQL)
	wstmts  *stmtCache
	rstmts  *stmtCache

	seq *sql.DB // PostgreSQL: a small pool for counters taken outside the caller's transaction

	values sync.Map // what other packages keep per database handle (SetValue, Value)

	sqliteDSN string // SQLite: the writer's data source, for QueueConn
	pgURL     string // PostgreSQL: the server URL (with its search_path), for QueueConn

	jobs       chan writeJob // SQLite: write transactions for the writer goroutine
	jmu        sync.RWMutex  // guards closing jobs
	closed     bool
	writerDone chan struct{}
}

// stmtCache keeps prepared statements per query text. The SQLite driver
// would otherwise parse and plan every statement on every call, which costs
// more than running it. (pgx caches its own prepared statements, so on
// PostgreSQL the cache stays off.)
type stmtCache struct {
	db    *sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
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
	if old, ok := c.stmts[q]; ok {
		st.Close()
		return old, nil
	}
	c.stmts[q] = st
	return st, nil
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		st.Close()
	}
	c.stmts = map[string]*sql.Stmt{}
}

// Options says which database to open.
type Options struct {
	URL     string // postgres://… ; empty for SQLite
	DataDir string // SQLite: the database file lives at DataDir/zwfw.db
	// SQLitePath overrides the file location (tests).
	SQLitePath string
	// MaxConns bounds the PostgreSQL pool (default 16).
	MaxConns int
}

// Open connects, checks the connection and returns the DB. It does not
// migrate; call Migrate.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.URL != "" {
		return openPostgres(ctx, o)
	}
	return openSQLite(ctx, o)
}

func openSQLite(ctx context.Context, o Options) (*DB, error) {
	path := o.SQLitePath
	if path == "" {
		if err := os.MkdirAll(o.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("db: create data directory: %w", err)
		}
		path = filepath.Join(o.DataDir, "zwfw.db")
	}
	pragmas := []string{
		"journal_mode(WAL)",
		"busy_timeout(10000)",
		"foreign_keys(ON)",
		"synchronous(NORMAL)",
		"cache_size(-16000)", // 16 MB per connection
		"temp_store(MEMORY)",
		"mmap_size(0)", // no mmap: each connection would map the file again into resident memory
	}
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("db: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open sqlite %s: %w", path, err)
	}
	q.Add("_pragma", "query_only(ON)")
	// Readers keep a smaller page cache each: there are several of them,
	// and the operating system's file cache serves what they miss.
	q.Del("_pragma")
	for _, p := range pragmas {
		if strings.HasPrefix(p, "cache_size") {
			p = "cache_size(-4000)" // 4 MB per reader
		}
		q.Add("_pragma", p)
	}
	q.Add("_pragma", "query_only(ON)")
	q.Del("_txlock")
	r, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open sqlite readers: %w", err)
	}
	n := max(4, runtime.NumCPU()*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(0)
	r.SetConnMaxLifetime(0)
	d := &DB{Dialect: SQLite, write: w, read: r, wstmts: newStmtCache(w), rstmts: newStmtCache(r),
		jobs: make(chan writeJob, 256), writerDone: make(chan struct{}), sqliteDSN: dsn}
	go d.writer()
	return d, nil
}

func openPostgres(ctx context.Context, o Options) (*DB, error) {
	n := o.MaxConns
	if n <= 0 {
		n = 16
	}
	// Two pools: reads made while a write transaction holds a connection
	// (a calendar or organisation lookup) must never wait for the pool that
	// transaction drew from, or a full pool waits on itself.
	open := func() (*sql.DB, error) {
		p, err := sql.Open("pgx", o.URL)
		if err != nil {
			return nil, fmt.Errorf("db: open postgres: %w", err)
		}
		p.SetMaxOpenConns(n)
		p.SetMaxIdleConns(n)
		p.SetConnMaxIdleTime(5 * time.Minute)
		return p, nil
	}
	w, err := open()
	if err != nil {
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := w.PingContext(pingCtx); err != nil {
		w.Close()
		return nil, fmt.Errorf("db: connect to postgres: %w", err)
	}
	r, err := open()
	if err != nil {
		w.Close()
		return nil, err
	}
	sq, err := sql.Open("pgx", o.URL)
	if err != nil {
		w.Close()
		r.Close()
		return nil, err
	}
	sq.SetMaxOpenConns(4)
	sq.SetMaxIdleConns(4)
	return &DB{Dialect: Postgres, write: w, read: r, seq: sq, pgURL: o.URL}, nil
}

// Close closes the connections.
func (db *DB) Close() error {
	if db.jobs != nil {
		db.jmu.Lock()
		if !db.closed {
			db.closed = true
			close(db.jobs)
		}
		db.jmu.Unlock()
		<-db.writerDone
	}
	db.wstmts.close()
	db.rstmts.close()
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	if db.seq != nil {
		err = errors.Join(err, db.seq.Close())
	}
	return err
}

// SQL returns the writer *sql.DB, for libraries that need one (migrations,
// the job queue).
func (db *DB) SQL() *sql.DB { return db.write }

// QueueConn opens the connection the job queue uses beside the
// application's own. On SQLite it is a second *sql.DB on the same file
// with one connection (SQLite has one writer at a time; busy_timeout makes
// the queue and the application's writer wait for each other instead of
// failing) and immediate transactions. On PostgreSQL it returns the URL,
// search_path included, for the queue to build its own pgx pool. The
// caller closes the *sql.DB.
func (db *DB) QueueConn(ctx context.Context) (*sql.DB, string, error) {
	if db.Dialect == Postgres {
		return nil, db.pgURL, nil
	}
	c, err := sql.Open("sqlite", db.sqliteDSN)
	if err != nil {
		return nil, "", fmt.Errorf("db: open queue connection: %w", err)
	}
	c.SetMaxOpenConns(1)
	c.SetMaxIdleConns(1)
	c.SetConnMaxLifetime(0)
	c.SetConnMaxIdleTime(0)
	if err := c.PingContext(ctx); err != nil {
		c.Close()
		return nil, "", fmt.Errorf("db: open queue connection: %w", err)
	}
	return c, "", nil
}

// SQLTx returns the transaction's *sql.Tx, for a library that writes in
// the caller's transaction (the job queue's InsertTx).
func (t *Tx) SQLTx() *sql.Tx { return t.tx }

// Ping checks the database answers (readiness).
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
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

// Tx is a write transaction.
type Tx struct {
	tx       *sql.Tx
	db       *DB
	pending  []string // statements to prepare once the writer is free again
	detached bool     // part of a group commit: a caller's cancelled context must not interrupt the others' statements
}

// c returns the context statements run under.
func (t *Tx) c(ctx context.Context) context.Context {
	if t.detached {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// stmt returns the cached statement for q bound to the transaction, or nil.
// A statement not cached yet runs unprepared this time and is prepared
// after the transaction: preparing now would wait for the very connection
// this transaction holds.
func (t *Tx) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if t.db.wstmts == nil {
		return nil, nil
	}
	st := t.db.wstmts.lookup(q)
	if st == nil {
		t.pending = append(t.pending, q)
		return nil, nil
	}
	return t.tx.StmtContext(ctx, st), nil
}

func (t *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	ctx = t.c(ctx)
	q = t.db.Rebind(q)
	st, err := t.stmt(ctx, q)
	if err != nil {
		return nil, MapError(err)
	}
	var r sql.Result
	if st != nil {
		r, err = st.ExecContext(ctx, args...)
	} else {
		r, err = t.tx.ExecContext(ctx, q, args...)
	}
	return r, MapError(err)
}

func (t *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	ctx = t.c(ctx)
	q = t.db.Rebind(q)
	st, err := t.stmt(ctx, q)
	if err != nil {
		return nil, MapError(err)
	}
	var r *sql.Rows
	if st != nil {
		r, err = st.QueryContext(ctx, args...)
	} else {
		r, err = t.tx.QueryContext(ctx, q, args...)
	}
	return r, MapError(err)
}

func (t *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	ctx = t.c(ctx)
	q = t.db.Rebind(q)
	if st, err := t.stmt(ctx, q); err == nil && st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, q, args...)
}

func (t *Tx) Dialect() Dialect { return t.db.Dialect }

// ReadTx runs fn in one read-only transaction on the read pool: the reads
// see one snapshot, and on SQLite the WAL read lock is taken once instead of
// once per statement.
func (db *DB) ReadTx(ctx context.Context, fn func(q Querier) error) error {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: db.Dialect == Postgres})
	if err != nil {
		return MapError(err)
	}
	defer tx.Rollback()
	return fn(&readTx{tx: tx, db: db})
}

// readTx runs cached statements inside a read transaction.
type readTx struct {
	tx *sql.Tx
	db *DB
}

func (t *readTx) stmt(ctx context.Context, q string) *sql.Stmt {
	if st := t.db.rstmts.lookup(q); st != nil {
		return t.tx.StmtContext(ctx, st)
	}
	return nil
}

func (t *readTx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return nil, errors.New("db: write in a read transaction")
}

func (t *readTx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = t.db.Rebind(q)
	if st := t.stmt(ctx, q); st != nil {
		r, err := st.QueryContext(ctx, args...)
		return r, MapError(err)
	}
	// Prepare for next time on another connection of the pool; this
	// transaction holds one, and the pool has more.
	go func() { _, _ = t.db.rstmts.get(context.Background(), q) }()
	r, err := t.tx.QueryContext(ctx, q, args...)
	return r, MapError(err)
}

func (t *readTx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	q = t.db.Rebind(q)
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	go func() { _, _ = t.db.rstmts.get(context.Background(), q) }()
	return t.tx.QueryRowContext(ctx, q, args...)
}

func (t *readTx) Dialect() Dialect { return t.db.Dialect }

// InTx runs fn in one write transaction: committed when fn returns nil,
// rolled back otherwise, so nothing is half-written.
//
// On SQLite one writer goroutine runs every write transaction (SQLite
// allows one writer at a time anyway). Transactions that arrive while it is
// busy are run together, each in its own savepoint, and committed at once
// (group commit): a failing one is rolled back to its savepoint and only its
// caller sees the error. Each caller still sees its own changes committed,
// or none of them, when InTx returns. On PostgreSQL each call is its own
// transaction on the pool.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	if db.jobs == nil {
		return db.inTx(ctx, fn)
	}
	j := writeJob{ctx: ctx, fn: fn, done: make(chan error, 1)}
	db.jmu.RLock()
	if db.closed {
		db.jmu.RUnlock()
		return errors.New("db: database closed")
	}
	select {
	case db.jobs <- j:
	case <-ctx.Done():
		db.jmu.RUnlock()
		return ctx.Err()
	}
	db.jmu.RUnlock()
	return <-j.done // even when ctx ends: the job may already be running
}

// inTx is one transaction on the pool (PostgreSQL).
func (db *DB) inTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", MapError(err))
	}
	tx := &Tx{tx: sqlTx, db: db}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
				slog.Warn("db: rollback failed", "err", rbErr)
			}
			return
		}
		if cErr := sqlTx.Commit(); cErr != nil {
			err = fmt.Errorf("db: commit: %w", MapError(cErr))
		}
	}()
	return fn(tx)
}

// writeJob is one caller's transaction waiting for the SQLite writer.
type writeJob struct {
	ctx  context.Context
	fn   func(tx *Tx) error
	done chan error
}

// maxBatch bounds how many transactions one commit carries.
const maxBatch = 64

// writer runs the write transactions of a SQLite database, in batches.
func (db *DB) writer() {
	defer close(db.writerDone)
	for j := range db.jobs {
		batch := []writeJob{j}
	more:
		for len(batch) < maxBatch {
			select {
			case j, ok := <-db.jobs:
				if !ok {
					break more
				}
				batch = append(batch, j)
			default:
				break more
			}
		}
		db.runBatch(batch)
	}
}

func (db *DB) runBatch(batch []writeJob) {
	ctx := context.Background()
	errs := make([]error, len(batch))
	defer func() {
		for i, j := range batch {
			j.done <- errs[i]
		}
	}()
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		for i := range errs {
			errs[i] = fmt.Errorf("db: begin: %w", MapError(err))
		}
		return
	}
	tx := &Tx{tx: sqlTx, db: db, detached: true}
	committed := 0
	var broken error
	for i, j := range batch {
		switch {
		case broken != nil:
			errs[i] = broken
		case j.ctx.Err() != nil:
			errs[i] = j.ctx.Err()
		default:
			errs[i], broken = tx.job(j.ctx, j.fn)
			if errs[i] == nil {
				committed++
			}
		}
	}
	if broken != nil {
		_ = sqlTx.Rollback()
		for i := range errs {
			if errs[i] == nil {
				errs[i] = broken
			}
		}
	} else if committed == 0 {
		_ = sqlTx.Rollback()
	} else if err := sqlTx.Commit(); err != nil {
		cerr := fmt.Errorf("db: commit: %w", MapError(err))
		for i := range errs {
			if errs[i] == nil {
				errs[i] = cerr
			}
		}
	}
	for _, q := range tx.pending {
		if _, err := db.wstmts.get(ctx, q); err != nil {
			slog.Debug("db: prepare", "err", err)
		}
	}
}

// job runs one caller's fn in a savepoint of the batch's transaction. It
// returns fn's error, and a second error when the whole transaction can no
// longer be trusted (the savepoint could not be rolled back).
func (t *Tx) job(ctx context.Context, fn func(tx *Tx) error) (err, broken error) {
	if _, err := t.tx.ExecContext(context.WithoutCancel(ctx), "SAVEPOINT zwfw_job"); err != nil {
		return MapError(err), fmt.Errorf("db: savepoint: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			slog.Error("db: panic in a transaction", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("db: panic in transaction: %v", p)
		}
		bg := context.Background()
		if err != nil {
			if _, rbErr := t.tx.ExecContext(bg, "ROLLBACK TO SAVEPOINT zwfw_job"); rbErr != nil {
				broken = fmt.Errorf("db: rollback to savepoint: %w", rbErr)
				return
			}
		}
		if _, relErr := t.tx.ExecContext(bg, "RELEASE SAVEPOINT zwfw_job"); relErr != nil {
			broken = fmt.Errorf("db: release savepoint: %w", relErr)
		}
	}()
	return fn(t), nil
}

// Savepoint runs fn inside a savepoint of the transaction: when fn fails,
// only its own writes are undone and the transaction can go on (PostgreSQL
// otherwise refuses every statement after an error).
func (t *Tx) Savepoint(ctx context.Context, fn func() error) error {
	ctx = t.c(ctx)
	if _, err := t.tx.ExecContext(ctx, "SAVEPOINT zwfw_sp"); err != nil {
		return MapError(err)
	}
	if err := fn(); err != nil {
		if _, rbErr := t.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT zwfw_sp"); rbErr != nil {
			return errors.Join(err, rbErr)
		}
		_, _ = t.tx.ExecContext(ctx, "RELEASE SAVEPOINT zwfw_sp")
		return err
	}
	_, err := t.tx.ExecContext(ctx, "RELEASE SAVEPOINT zwfw_sp")
	return MapError(err)
}

// Next increments the named counter and returns its new value: serial and
// document numbers, unique across processes and never reused.
//
// On SQLite the increment is part of tx (the single writer serialises it
// anyway, and a rolled-back transaction leaves no gap). On PostgreSQL it is
// committed at once in a transaction of its own, like a sequence: holding
// the counter's row lock until the caller commits would make every case of
// a centre wait for the one before it. A rolled-back caller leaves a gap.
func (t *Tx) Next(ctx context.Context, name string) (int64, error) {
	const q = `INSERT INTO counters (name, value) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value`
	var n int64
	var err error
	if t.db.seq != nil {
		err = t.db.seq.QueryRowContext(ctx, t.db.Rebind(q), name).Scan(&n)
	} else {
		err = t.QueryRow(ctx, q, name).Scan(&n)
	}
	if err != nil {
		return 0, fmt.Errorf("db: counter %s: %w", name, MapError(err))
	}
	return n, nil
}

// InsertID runs an INSERT … RETURNING id and returns the new id.
func InsertID(ctx context.Context, q Querier, query string, args ...any) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, query+" RETURNING id", args...).Scan(&id)
	return id, MapError(err)
}

// Errors the rest of the platform can test for with errors.Is.
var (
	ErrUnique     = errors.New("db: unique constraint violated")
	ErrForeignKey = errors.New("db: foreign key constraint violated")
	ErrBusy       = errors.New("db: database busy")
)

// MapError turns driver errors into ErrUnique, ErrForeignKey or ErrBusy
// (wrapped, keeping the original text) and sql.ErrNoRows into a zwfw
// ENOTFOUND. Other errors pass through.
func MapError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", ErrUnique, err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("%w: %v", ErrForeignKey, err)
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("%w: %v", ErrBusy, err)
		}
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return fmt.Errorf("%w: %v", ErrUnique, err)
		case "23503":
			return fmt.Errorf("%w: %v", ErrForeignKey, err)
		case "40001", "40P01", "55P03":
			return fmt.Errorf("%w: %v", ErrBusy, err)
		}
	}
	return err
}

// NotFound converts sql.ErrNoRows into a zwfw ENOTFOUND with msg; other
// errors are returned unchanged.
func NotFound(err error, msg string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return &zwfw.Error{Code: zwfw.ENOTFOUND, Message: msg}
	}
	return err
}

// Conflict converts ErrUnique into a zwfw ECONFLICT with msg.
func Conflict(err error, msg string) error {
	if errors.Is(err, ErrUnique) {
		return &zwfw.Error{Code: zwfw.ECONFLICT, Message: msg}
	}
	return err
}

// Millis is the storage form of a timestamp.
func Millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// Time is the inverse of Millis, in the platform's time zone.
func Time(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).In(Zone)
}

// Zone is China Standard Time, the zone every date in zwfw is counted in.
// It is fixed (China has no daylight saving) so the binary needs no tzdata.
var Zone = time.FixedZone("CST", 8*3600)

// Like escapes s for use inside a LIKE pattern with ESCAPE '\'.
func Like(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// SyncIdentity makes a table's generated ids continue after its largest id,
// once rows were inserted with ids of their own (a bulk load). SQLite's
// INTEGER PRIMARY KEY does this by itself; a PostgreSQL identity column
// keeps a sequence that must be moved on.
func (db *DB) SyncIdentity(ctx context.Context, table string) error {
	if db.Dialect != Postgres {
		return nil
	}
	_, err := db.write.ExecContext(ctx, fmt.Sprintf(
		"SELECT setval(pg_get_serial_sequence('%[1]s', 'id'), COALESCE((SELECT MAX(id) FROM %[1]s), 0) + 1, false)", table))
	return MapError(err)
}
