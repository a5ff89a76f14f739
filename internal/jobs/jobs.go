// Package jobs is the durable job queue (github.com/riverqueue/river) on
// whichever database zwfw runs: SQLite through riversqlite, PostgreSQL
// through riverpgxv5. Jobs are rows in the database, so a restart loses
// none, and with several server processes on one PostgreSQL database each
// job is taken by exactly one of them (River locks it with SKIP LOCKED);
// periodic jobs are scheduled by the elected leader alone.
//
// Workers and periodic jobs are registered before Start. Insert (and
// InsertTx, inside the caller's transaction) work whether or not this
// process works jobs itself.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"zwfw/internal/db"
)

// Config tunes the queue. Zero values take the defaults.
type Config struct {
	Workers      int           // jobs worked at once by this process (default 4)
	PollInterval time.Duration // how often idle workers look for new jobs (default 1 s)
	JobTimeout   time.Duration // a job's context ends after this (default 5 min)
	ID           string        // this process's name in River's tables (default: River picks one)
	Log          *slog.Logger
}

// Args are a job's arguments: stored as JSON, named by Kind.
type Args = river.JobArgs

// Job is one job as a worker receives it.
type Job[T Args] = river.Job[T]

// Worker works jobs of one kind. Embed WorkerDefaults[T] and write Work.
type Worker[T Args] = river.Worker[T]

// WorkerDefaults gives a Worker its optional methods.
type WorkerDefaults[T Args] = river.WorkerDefaults[T]

// InsertOpts adjust one insert (schedule, queue, uniqueness).
type InsertOpts = river.InsertOpts

// UniqueOpts make an insert a no-op when an equal job exists.
type UniqueOpts = river.UniqueOpts

// Inserted is what Insert reports.
type Inserted = rivertype.JobInsertResult

// client is what Queue needs of a River client, whichever its transaction
// type.
type client interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Queue is this process's handle on the job queue.
type Queue struct {
	d       *db.DB
	cfg     Config
	log     *slog.Logger
	workers *river.Workers
	nwork   int
	period  []*river.PeriodicJob

	// inserter writes jobs through database/sql, so InsertTx can join the
	// caller's db.Tx on either database.
	inserter *river.Client[*sql.Tx]
	newRun   func() (client, error) // builds the working client at Start

	mu      sync.Mutex
	runner  client
	started bool

	closers []func()
}

// New opens the queue's own connections on d's database and brings River's
// tables up to date (rivermigrate; several processes starting at once are
// serialised by River). It does not work jobs until Start.
func New(ctx context.Context, d *db.DB, cfg Config) (*Queue, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = 5 * time.Minute
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	q := &Queue{d: d, cfg: cfg, log: log, workers: river.NewWorkers()}
	conn, url, err := d.QueueConn(ctx)
	if err != nil {
		return nil, err
	}
	// The only place the queue cares which database it is on: the driver.
	switch d.Dialect {
	case db.SQLite:
		q.closers = append(q.closers, func() { conn.Close() })
		drv := riversqlite.New(conn)
		if err := migrate(ctx, drv, log); err != nil {
			q.Close()
			return nil, err
		}
		q.inserter, err = river.NewClient(drv, q.baseConfig(false))
		q.newRun = func() (client, error) { return river.NewClient(riversqlite.New(conn), q.baseConfig(true)) }
	case db.Postgres:
		pc, perr := pgxpool.ParseConfig(url)
		if perr != nil {
			return nil, fmt.Errorf("jobs: %w", perr)
		}
		pc.MaxConns = int32(max(4, cfg.Workers+2))
		pool, perr := pgxpool.NewWithConfig(ctx, pc)
		if perr != nil {
			return nil, fmt.Errorf("jobs: connect: %w", perr)
		}
		q.closers = append(q.closers, pool.Close)
		drv := riverpgxv5.New(pool)
		if err := migratePostgres(ctx, pool, drv, log); err != nil {
			q.Close()
			return nil, err
		}
		q.inserter, err = river.NewClient(riverdatabasesql.New(d.SQL()), q.baseConfig(false))
		q.newRun = func() (client, error) { return river.NewClient[pgx.Tx](riverpgxv5.New(pool), q.baseConfig(true)) }
	default:
		err = fmt.Errorf("jobs: unknown database %q", d.Dialect)
	}
	if err != nil {
		q.Close()
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return q, nil
}

func migrate[TTx any](ctx context.Context, drv riverdriver.Driver[TTx], log *slog.Logger) error {
	m, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: quiet(log)})
	if err != nil {
		return fmt.Errorf("jobs: migrator: %w", err)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	// One line, not one per version: the first start's log stays short.
	if n := len(res.Versions); n > 0 {
		log.Info("applied job queue migrations", "count", n, "first", res.Versions[0].Version, "last", res.Versions[n-1].Version)
	}
	return nil
}

// migratePostgres migrates under an advisory lock of the schema: River's
// migrator takes none, and several server processes may start at once.
func migratePostgres(ctx context.Context, pool *pgxpool.Pool, drv *riverpgxv5.Driver, log *slog.Logger) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("jobs: connect: %w", err)
	}
	defer conn.Release()
	const key = "hashtext(current_schema() || '.zwfw_river_migrate')"
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock("+key+")"); err != nil {
		return fmt.Errorf("jobs: migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock("+key+")")
	return migrate(ctx, drv, log)
}

// quiet keeps River's own info lines out of the log; warnings stay.
func quiet(log *slog.Logger) *slog.Logger {
	return slog.New(levelFloor{log.Handler(), slog.LevelWarn})
}

type levelFloor struct {
	slog.Handler
	min slog.Level
}

func (h levelFloor) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}
func (h levelFloor) WithAttrs(a []slog.Attr) slog.Handler {
	return levelFloor{h.Handler.WithAttrs(a), h.min}
}
func (h levelFloor) WithGroup(n string) slog.Handler {
	return levelFloor{h.Handler.WithGroup(n), h.min}
}

func (q *Queue) baseConfig(work bool) *river.Config {
	c := &river.Config{
		Logger:            quiet(q.log),
		JobTimeout:        q.cfg.JobTimeout,
		FetchPollInterval: q.cfg.PollInterval,
		ID:                q.cfg.ID,
	}
	if q.cfg.PollInterval < river.FetchCooldownDefault {
		c.FetchCooldown = q.cfg.PollInterval
	}
	if work {
		c.Workers = q.workers
		c.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: q.cfg.Workers}}
		c.PeriodicJobs = q.period
	} else {
		c.SkipUnknownJobCheck = true
	}
	return c
}

// Register adds the worker of one job kind. Call before Start.
func Register[T Args](q *Queue, w Worker[T]) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.started {
		panic("jobs: Register after Start")
	}
	river.AddWorker(q.workers, w)
	q.nwork++
}

// Every schedules a job made by args every interval (the leader process
// inserts it; a unique key per interval keeps a change of leader from
// inserting it twice). runOnStart also inserts one when the leader starts.
// Call before Start.
func (q *Queue) Every(interval time.Duration, args func() Args, runOnStart bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.started {
		panic("jobs: Every after Start")
	}
	q.period = append(q.period, river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) {
			return args(), &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: interval}}
		}, &river.PeriodicJobOpts{RunOnStart: runOnStart}))
}

// Start works jobs until Stop. Without registered workers it does nothing
// (the process only inserts).
func (q *Queue) Start(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.started {
		return errors.New("jobs: already started")
	}
	q.started = true
	if q.nwork == 0 {
		return nil
	}
	c, err := q.newRun()
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	// River's work runs under ctx; Stop is the way to end it, so a
	// request-scoped ctx must not end it early.
	if err := c.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	q.runner = c
	return nil
}

// Stop lets the jobs in hand finish (until ctx ends) and stops working.
// Jobs not finished stay in the database for the next process.
func (q *Queue) Stop(ctx context.Context) error {
	q.mu.Lock()
	c := q.runner
	q.runner = nil
	q.mu.Unlock()
	if c == nil {
		return nil
	}
	if err := c.Stop(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("jobs: stop: %w", err)
	}
	return nil
}

// Close stops working and releases the queue's connections.
func (q *Queue) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := q.Stop(ctx)
	for _, c := range q.closers {
		c()
	}
	q.closers = nil
	return err
}

// Insert adds a job; opts may be nil.
func (q *Queue) Insert(ctx context.Context, args Args, opts *InsertOpts) (*Inserted, error) {
	r, err := q.inserter.Insert(ctx, args, opts)
	if err != nil {
		return nil, fmt.Errorf("jobs: insert %s: %w", args.Kind(), err)
	}
	return r, nil
}

// InsertTx adds a job inside tx: it exists if and only if tx commits.
func (q *Queue) InsertTx(ctx context.Context, tx *db.Tx, args Args, opts *InsertOpts) (*Inserted, error) {
	r, err := q.inserter.InsertTx(ctx, tx.SQLTx(), args, opts)
	if err != nil {
		return nil, fmt.Errorf("jobs: insert %s: %w", args.Kind(), err)
	}
	return r, nil
}
