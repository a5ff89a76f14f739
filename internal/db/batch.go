package db

// Statements whose results the caller does not read — the audit entry,
// the notification, the rollup's queued change, a case's steps — need not
// each wait for the database. On PostgreSQL, Later queues them and they
// are sent together, as one pgx batch (one round trip), just before the
// transaction's next statement or its commit; a statement's failure fails
// the transaction as it would have at once. On SQLite, in the process,
// there is no round trip to save: Later runs the statement at once.

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

type laterStmt struct {
	q     string
	args  []any
	check func(rows int64) error
}

// Later runs q in the transaction, now on SQLite, batched with the
// statements after it on PostgreSQL. check, when not nil, is given the
// number of rows q affected, and its error fails the transaction (a version
// check: UPDATE … WHERE version = ? must change one row).
func (t *Tx) Later(ctx context.Context, check func(rows int64) error, q string, args ...any) error {
	if t.conn == nil {
		res, err := t.Exec(ctx, q, args...)
		if err != nil || check == nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		return check(n)
	}
	t.later = append(t.later, laterStmt{q: t.db.Rebind(q), args: args, check: check})
	return nil
}

// flush sends the queued statements as one batch.
func (t *Tx) flush(ctx context.Context) error {
	if len(t.later) == 0 {
		return nil
	}
	later := t.later
	t.later = nil
	err := t.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("db: batch on a %T connection", dc)
		}
		b := &pgx.Batch{}
		for _, l := range later {
			b.Queue(l.q, l.args...)
		}
		br := c.Conn().SendBatch(ctx, b)
		var first error
		for _, l := range later {
			tag, err := br.Exec()
			if err != nil {
				first = MapError(err)
				break
			}
			if l.check != nil {
				if err := l.check(tag.RowsAffected()); err != nil {
					first = err
					break
				}
			}
		}
		if err := br.Close(); err != nil && first == nil {
			first = MapError(err)
		}
		return first
	})
	if err != nil && t.failed == nil {
		t.failed = err
	}
	return err
}
