package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// What a backup needs of the database, on either dialect: a consistent copy
// made while the platform runs (SQLite: VACUUM INTO; PostgreSQL: pg_dump
// on an exported snapshot), every table's row count and content digest of
// that same copy, and loading a copy into an empty database.

// TableSum is one table's row count and content digest (SM3, independent of
// the order the rows come in).
type TableSum struct {
	Name   string `json:"name"`
	Rows   int64  `json:"rows"`
	Digest string `json:"sm3"`
}

// Dump is a consistent copy of the database written by DB.Dump.
type Dump struct {
	Dialect Dialect    // the database it came from
	File    string     // the copy's file name in the directory given to Dump
	Schema  string     // PostgreSQL: the schema dumped
	Tables  []TableSum // of the copy, sorted by name
}

// SnapshotQuerier reads inside the copy's snapshot (no placeholders: the
// query text is sent as written).
type SnapshotQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// ErrNotEmpty is returned by CheckEmpty and Restore for a database that
// already holds tables.
var ErrNotEmpty = errors.New("目标数据库不是空的")

// sqliteFile is the path of the SQLite database file behind the DSN.
func sqliteFile(dsn string) string {
	p, _, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	if u, err := url.PathUnescape(p); err == nil { // uriPath's escapes
		return u
	}
	return p
}

// Dump writes a consistent copy of the database into dir while writers go
// on, sums its tables, and calls also inside the same snapshot (for what
// a caller wants recorded of exactly this copy).
func (db *DB) Dump(ctx context.Context, dir string, also func(SnapshotQuerier) error) (*Dump, error) {
	if db.Dialect == Postgres {
		return db.dumpPostgres(ctx, dir, also)
	}
	d := &Dump{Dialect: SQLite, File: "zwfw.db"}
	out := filepath.Join(dir, d.File)
	// A connection of its own: VACUUM INTO reads in one transaction (a
	// consistent copy, WAL included) without holding the writer.
	c, err := sql.Open("sqlite", db.sqliteDSN)
	if err != nil {
		return nil, fmt.Errorf("db: dump: %w", err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "VACUUM INTO ?", out); err != nil {
		return nil, fmt.Errorf("db: dump: VACUUM INTO: %w", err)
	}
	cp, err := sql.Open("sqlite", "file:"+uriPath(out)+"?mode=ro")
	if err != nil {
		return nil, fmt.Errorf("db: dump: %w", err)
	}
	defer cp.Close()
	if d.Tables, err = sums(ctx, cp, SQLite); err != nil {
		return nil, err
	}
	if also != nil {
		if err := also(cp); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (db *DB) dumpPostgres(ctx context.Context, dir string, also func(SnapshotQuerier) error) (*Dump, error) {
	d := &Dump{Dialect: Postgres, File: "zwfw.pgdump"}
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		return nil, fmt.Errorf("db: dump: 找不到 pg_dump（请安装与服务器同版本的 PostgreSQL 客户端）: %w", err)
	}
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: dump: %w", err)
	}
	defer conn.Close()
	// pg_dump reads the snapshot this transaction exports, so the dump,
	// the sums and also see the same committed state.
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("db: dump: %w", err)
	}
	defer tx.Rollback()
	var snap string
	if err := tx.QueryRowContext(ctx, "SELECT pg_export_snapshot(), current_schema()").Scan(&snap, &d.Schema); err != nil {
		return nil, fmt.Errorf("db: dump: export snapshot: %w", err)
	}
	dsn, env, err := libpq(db.pgURL, "")
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "--format=custom", "--snapshot="+snap, "--schema="+quoteIdent(d.Schema),
		"--no-owner", "--no-privileges", "--file="+filepath.Join(dir, d.File), "--dbname="+dsn)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("db: pg_dump: %w: %s", err, strings.TrimSpace(string(out)))
	}
	if d.Tables, err = sums(ctx, tx, Postgres); err != nil {
		return nil, err
	}
	if also != nil {
		if err := also(tx); err != nil {
			return nil, err
		}
	}
	return d, tx.Commit()
}

// libpq turns a pgx URL into one pg_dump and pg_restore accept: pgx's own
// parameters (search_path, pool_…) are left out and the password goes to
// the environment rather than the command line. dbname, when given,
// replaces the database.
func libpq(raw, dbname string) (string, []string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", nil, fmt.Errorf("db: database URL: %w", err)
	}
	var env []string
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			env = append(env, "PGPASSWORD="+pw)
			u.User = url.User(u.User.Username())
		}
	}
	q := u.Query()
	for k := range q {
		if k == "search_path" || strings.HasPrefix(k, "pool_") {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	if dbname != "" {
		u.Path = "/" + dbname
	}
	return u.String(), env, nil
}

// searchPath is the schema a pgx URL's connections use: its search_path
// parameter, or public.
func searchPath(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("db: database URL: %w", err)
	}
	s := strings.TrimSpace(strings.Split(u.Query().Get("search_path"), ",")[0])
	if s == "" {
		s = "public"
	}
	return strings.Trim(s, `"`), nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Sums returns every table's row count and content digest, sorted by name.
func (db *DB) Sums(ctx context.Context) ([]TableSum, error) {
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: db.Dialect == Postgres})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return sums(ctx, tx, db.Dialect)
}

type rowsQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func sums(ctx context.Context, q rowsQuerier, d Dialect) ([]TableSum, error) {
	list := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	if d == Postgres {
		list = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	}
	names, err := strs(ctx, q, list)
	if err != nil {
		return nil, fmt.Errorf("db: list tables: %w", err)
	}
	sort.Strings(names)
	out := make([]TableSum, 0, len(names))
	for _, n := range names {
		s, err := sumTable(ctx, q, n)
		if err != nil {
			return nil, fmt.Errorf("db: sum table %s: %w", n, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func strs(ctx context.Context, q rowsQuerier, query string) ([]string, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// sumTable digests a table without sorting it: each row's SM3 (over its
// columns' names and values, each typed and length-prefixed) is added
// into a 256-bit sum, so the digest does not depend on the order the
// database returns rows in, and a large table is read once, row by row.
func sumTable(ctx context.Context, q rowsQuerier, table string) (TableSum, error) {
	s := TableSum{Name: table}
	rows, err := q.QueryContext(ctx, "SELECT * FROM "+quoteIdent(table))
	if err != nil {
		return s, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return s, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var acc [32]byte
	h := sm3.New()
	var buf []byte
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return s, err
		}
		buf = buf[:0]
		for i, v := range vals {
			buf = appendField(buf, 's', []byte(cols[i]))
			buf = appendValue(buf, v)
		}
		h.Reset()
		h.Write(buf)
		add256(&acc, h.Sum(nil))
		s.Rows++
	}
	if err := rows.Err(); err != nil {
		return s, err
	}
	h.Reset()
	fmt.Fprintf(h, "zwfw table v1\x00%s\x00%d\x00", table, s.Rows)
	h.Write(acc[:])
	s.Digest = hex.EncodeToString(h.Sum(nil))
	return s, nil
}

func appendField(b []byte, tag byte, v []byte) []byte {
	b = append(b, tag)
	b = binary.BigEndian.AppendUint64(b, uint64(len(v)))
	return append(b, v...)
}

func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, 'n')
	case int64:
		return appendField(b, 'i', binary.BigEndian.AppendUint64(nil, uint64(x)))
	case float64:
		return appendField(b, 'f', binary.BigEndian.AppendUint64(nil, math.Float64bits(x)))
	case bool:
		if x {
			return appendField(b, 'b', []byte{1})
		}
		return appendField(b, 'b', []byte{0})
	case string:
		return appendField(b, 's', []byte(x))
	case []byte:
		return appendField(b, 'x', x)
	case time.Time:
		return appendField(b, 't', []byte(x.UTC().Format(time.RFC3339Nano)))
	default:
		return appendField(b, '?', fmt.Appendf(nil, "%T:%v", x, x))
	}
}

// add256 adds x into acc, modulo 2^256 (both big-endian).
func add256(acc *[32]byte, x []byte) {
	carry := 0
	for i := 31; i >= 0; i-- {
		s := int(acc[i]) + int(x[i]) + carry
		acc[i], carry = byte(s), s>>8
	}
}

// CheckEmpty reports ErrNotEmpty when the database o names holds tables
// (SQLite: the file exists and is not empty; PostgreSQL: the URL's schema
// holds relations). A database that does not exist yet is empty.
func CheckEmpty(ctx context.Context, o Options) error {
	if o.URL == "" {
		p := sqlitePath(o)
		if st, err := os.Stat(p); err == nil && st.Size() > 0 {
			return fmt.Errorf("%w：%s 已存在", ErrNotEmpty, p)
		} else if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	schema, err := searchPath(o.URL)
	if err != nil {
		return err
	}
	c, err := sql.Open("pgx", o.URL)
	if err != nil {
		return err
	}
	defer c.Close()
	var n int
	if err := c.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = $1)
		+ (SELECT count(*) FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace WHERE s.nspname = $1)`, schema).Scan(&n); err != nil {
		return fmt.Errorf("db: 检查目标数据库: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("%w：schema %s 中已有 %d 个对象", ErrNotEmpty, schema, n)
	}
	return nil
}

func sqlitePath(o Options) string {
	if o.SQLitePath != "" {
		return o.SQLitePath
	}
	return filepath.Join(o.DataDir, "zwfw.db")
}

// Restore loads the copy at path, made by Dump on d.Dialect, into the
// empty database o names; it refuses a database that is not empty. On
// PostgreSQL the URL's search_path must name the schema the copy came
// from (public when it has none), and the load is one transaction.
func Restore(ctx context.Context, o Options, d *Dump, path string) error {
	if (o.URL != "") != (d.Dialect == Postgres) {
		want := "SQLite（不设 ZWFW_DATABASE_URL）"
		if d.Dialect == Postgres {
			want = "PostgreSQL（设置 ZWFW_DATABASE_URL）"
		}
		return fmt.Errorf("这个备份来自 %s，只能恢复到 %s", d.Dialect, want)
	}
	if err := CheckEmpty(ctx, o); err != nil {
		return err
	}
	if o.URL == "" {
		dst := sqlitePath(o)
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return err
		}
		return copyFile(path, dst)
	}
	schema, err := searchPath(o.URL)
	if err != nil {
		return err
	}
	if schema != d.Schema {
		return fmt.Errorf("这个备份的数据在 schema %s 中：目标地址的 search_path 应为 %s（现为 %s）", d.Schema, d.Schema, schema)
	}
	bin, err := exec.LookPath("pg_restore")
	if err != nil {
		return fmt.Errorf("db: 找不到 pg_restore（请安装与服务器同版本的 PostgreSQL 客户端）: %w", err)
	}
	// The empty schema of that name (public in a new database) makes way
	// for the dump's own, which creates it.
	c, err := sql.Open("pgx", o.URL)
	if err != nil {
		return err
	}
	_, err = c.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+quoteIdent(schema))
	c.Close()
	if err != nil {
		return fmt.Errorf("db: restore: %w", err)
	}
	dsn, env, err := libpq(o.URL, "")
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, "--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges", "--dbname="+dsn, path)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("db: pg_restore: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(dst)
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// ScratchDatabase makes an empty place beside o to restore into for a
// drill: on PostgreSQL a new database on the same server (its URL keeps
// o's search_path), dropped by the returned function; on SQLite the file
// zwfw.db in dataDir.
func ScratchDatabase(ctx context.Context, o Options, dataDir string) (Options, func() error, error) {
	if o.URL == "" {
		return Options{DataDir: dataDir}, func() error { return nil }, nil
	}
	var b [6]byte
	rand.Read(b[:])
	name := "zwfw_drill_" + hex.EncodeToString(b[:])
	c, err := sql.Open("pgx", o.URL)
	if err != nil {
		return Options{}, nil, err
	}
	if _, err := c.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(name)); err != nil {
		c.Close()
		return Options{}, nil, fmt.Errorf("db: 建立演练用的数据库: %w", err)
	}
	u, err := url.Parse(o.URL)
	if err != nil {
		c.Close()
		return Options{}, nil, err
	}
	u.Path = "/" + name
	drop := func() error {
		defer c.Close()
		_, err := c.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+quoteIdent(name)+" WITH (FORCE)")
		return err
	}
	return Options{URL: u.String(), DataDir: dataDir, MaxConns: 4}, drop, nil
}
