package db

import (
	"context"
	"fmt"
)

// The tree lock. Organisation paths are copied into the rows that belong to
// an organisation (cases.org_path, case_tasks.dept_path, …), so that scoped
// lists need no join; moving an organisation rewrites the copies in its
// transaction. A transaction that copies a path takes the tree lock shared
// before it reads the path, and a move takes it exclusively: a move then
// waits for the copies being made to commit (and rewrites them), and a copy
// made while a move runs waits for it and reads the new path.
//
// On SQLite the single writer already runs one write transaction at a time,
// so both are no-ops there. On PostgreSQL it is a transaction-level
// advisory lock: no row is written, and it ends with the transaction.

// treeLockKey is the advisory lock's key ("zwfwtree").
const treeLockKey int64 = 0x7a77667774726565

// ShareTree takes the tree lock shared: organisation paths read after it
// stay current until the transaction ends.
func (t *Tx) ShareTree(ctx context.Context) error {
	if t.db.Dialect != Postgres {
		return nil
	}
	if _, err := t.Exec(ctx, "SELECT pg_advisory_xact_lock_shared(?)", treeLockKey); err != nil {
		return fmt.Errorf("db: share tree lock: %w", err)
	}
	return nil
}

// LockTree takes the tree lock exclusively, for a transaction that
// rewrites organisation paths.
func (t *Tx) LockTree(ctx context.Context) error {
	if t.db.Dialect != Postgres {
		return nil
	}
	if _, err := t.Exec(ctx, "SELECT pg_advisory_xact_lock(?)", treeLockKey); err != nil {
		return fmt.Errorf("db: lock tree: %w", err)
	}
	return nil
}
