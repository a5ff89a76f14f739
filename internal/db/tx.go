package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
)

// Tx is a write transaction.
type Tx struct {
	tx       *sql.Tx
	db       *DB
	conn     *sql.Conn // PostgreSQL: the connection the transaction runs on (batch.go)
	later    []laterStmt
	failed   error    // a batch of Later statements that failed when sent before a QueryRow
	pending  []string // statements to prepare once the writer is free again
	detached bool     // part of a group commit: a caller's cancelled context must not interrupt the others' statements
	changes  []change // announced with Changed, dispatched after the commit
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
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
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
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
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
	if err := t.flush(ctx); err != nil {
		// A *sql.Row cannot be made to carry an error: run a statement
		// that fails the same way the transaction now does.
		t.failed = err
	}
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
	t.db.rstmts.prepareLater(q)
	r, err := t.tx.QueryContext(ctx, q, args...)
	return r, MapError(err)
}

func (t *readTx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	q = t.db.Rebind(q)
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	t.db.rstmts.prepareLater(q)
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
	// On a connection of its own, so that Later statements can be sent
	// on it as one batch (batch.go).
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("db: begin: %w", MapError(err))
	}
	defer conn.Close()
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", MapError(err))
	}
	tx := &Tx{tx: sqlTx, db: db, conn: conn}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
		if err == nil {
			err = tx.flush(ctx)
		}
		if tx.failed != nil {
			err = tx.failed
		}
		if err != nil {
			if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
				slog.Warn("db: rollback failed", "err", rbErr)
			}
			return
		}
		if cErr := sqlTx.Commit(); cErr != nil {
			err = fmt.Errorf("db: commit: %w", MapError(cErr))
			return
		}
		db.changes.dispatch(tx.changes)
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
	} else {
		db.changes.dispatch(tx.changes) // before any caller hears of its commit
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
	announced := len(t.changes)
	defer func() {
		if p := recover(); p != nil {
			slog.Error("db: panic in a transaction", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("db: panic in transaction: %v", p)
		}
		bg := context.Background()
		if err != nil {
			t.changes = t.changes[:announced]
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
	if err := t.flush(ctx); err != nil {
		return err
	}
	if t.failed != nil {
		return t.failed
	}
	if _, err := t.tx.ExecContext(ctx, "SAVEPOINT zwfw_sp"); err != nil {
		return MapError(err)
	}
	announced := len(t.changes)
	err := fn()
	if err == nil {
		err = t.flush(ctx) // fn's Later statements fail inside the savepoint
	}
	if err != nil {
		t.changes = t.changes[:announced]
		t.later, t.failed = nil, nil
		if _, rbErr := t.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT zwfw_sp"); rbErr != nil {
			return errors.Join(err, rbErr)
		}
		_, _ = t.tx.ExecContext(ctx, "RELEASE SAVEPOINT zwfw_sp")
		return err
	}
	_, err = t.tx.ExecContext(ctx, "RELEASE SAVEPOINT zwfw_sp")
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
