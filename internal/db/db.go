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
	"sync"
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

	changes *changes // cache invalidation across processes (changes.go)

	jobs       chan writeJob // SQLite: write transactions for the writer goroutine
	jmu        sync.RWMutex  // guards closing jobs
	closed     bool
	writerDone chan struct{}
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

// Close closes the connections.
func (db *DB) Close() error {
	db.changes.close()
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

// SingleProcess reports whether one process uses the database: SQLite,
// whose file one server process owns. State a killed process left behind
// (a lease on work it was doing) may then be cleared when the next one
// starts; on PostgreSQL other live processes may hold it.
func (db *DB) SingleProcess() bool { return db.Dialect == SQLite }

// Ping checks the database answers (readiness).
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}
