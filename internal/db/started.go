package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// startedKey is the meta row holding when the platform was first started on
// this database (RFC 3339).
const startedKey = "platform.started"

// MarkStarted records at as the platform's first start, inside tx, unless a
// first start is recorded already.
func MarkStarted(ctx context.Context, tx *Tx, at time.Time) error {
	_, err := tx.Exec(ctx, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", startedKey, at.Format(time.RFC3339))
	if err != nil {
		return fmt.Errorf("db: record the first start: %w", err)
	}
	return nil
}

// Started returns when the platform was first started on this database;
// the zero time when that is not recorded.
func (db *DB) Started(ctx context.Context) (time.Time, error) {
	var v string
	err := db.QueryRow(ctx, "SELECT value FROM meta WHERE key = ?", startedKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("db: read the first start: %w", err)
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("db: first start %q: %w", v, err)
	}
	return t, nil
}
