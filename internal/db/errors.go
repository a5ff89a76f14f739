package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"zwfw"
)

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

// Zone is zwfw.Zone, China Standard Time, for the storage code that reads
// dates back.
var Zone = zwfw.Zone

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
