package db

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" database/sql driver
)

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
		"cache_size(-8000)", // 8 MB for the writer (the OS caches the file too; readers get less below)
		"temp_store(MEMORY)",
		"mmap_size(0)", // no mmap: each connection would map the file again into resident memory
	}
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + uriPath(path) + "?" + q.Encode()
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
			p = "cache_size(-2000)" // 2 MB per reader (the OS caches the file too): the server's peak memory stays under 150 MB
		}
		q.Add("_pragma", p)
	}
	q.Add("_pragma", "query_only(ON)")
	q.Del("_txlock")
	r, err := sql.Open("sqlite", "file:"+uriPath(path)+"?"+q.Encode())
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
		jobs: make(chan writeJob, 256), writerDone: make(chan struct{}), sqliteDSN: dsn, changes: newChanges()}
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
	// The counters' own transactions commit without waiting for their WAL
	// to reach the disk (synchronous_commit off, like a sequence's
	// nextval): a number is used only by a later transaction of the
	// caller, whose synchronous commit flushes the WAL up to itself and so
	// the counter's increment before it. A crash can lose only increments
	// that no durable transaction used. The caller's commit no longer waits
	// for one flush per number it took (four per case lifecycle).
	sqCfg, err := pgx.ParseConfig(o.URL)
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("db: open postgres: %w", err)
	}
	sqCfg.RuntimeParams["synchronous_commit"] = "off"
	sq := stdlib.OpenDB(*sqCfg)
	sq.SetMaxOpenConns(4)
	sq.SetMaxIdleConns(4)
	return &DB{Dialect: Postgres, write: w, read: r, seq: sq, pgURL: o.URL, changes: newChanges()}, nil
}

// uriPath escapes what would end a path in a "file:" URI: a data directory
// named "办件#2" or "a?b" opened a different file (everything from the '#' on
// was taken for a fragment: two test instances whose directories differed
// only after a '#' shared one database in the parent directory).
func uriPath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}
