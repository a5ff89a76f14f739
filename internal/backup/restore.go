package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/emmansun/gmsm/sm3"

	"zwfw/internal/db"
)

// Extract decrypts the backup at file with key into dir (which it
// creates), checks every member against the manifest's SM3 digests, and
// returns the manifest. Nothing is trusted before it is checked: a wrong
// key, a changed byte or a cut-off file fails with ErrWrongKey, ErrDamaged
// or ErrTruncated; the caller removes dir on error.
func Extract(ctx context.Context, file string, key *Key, dir string, progress io.Writer) (*Manifest, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("打开备份文件: %w", err)
	}
	defer f.Close()
	dec, err := key.Decrypt(f)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(dec)
	if err != nil {
		return nil, readErr(err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	say(progress, "解密并校验备份 %s…", file)
	tr := tar.NewReader(zr)
	got := map[string]Member{}
	var m *Manifest
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, readErr(err)
		}
		if m != nil {
			return nil, ErrDamaged // nothing follows the manifest
		}
		name := h.Name
		if h.Typeflag != tar.TypeReg || !safeName(name) {
			return nil, fmt.Errorf("%w（成员 %q）", ErrDamaged, name)
		}
		if name == manifestName {
			b, err := io.ReadAll(io.LimitReader(tr, 256<<20))
			if err != nil {
				return nil, readErr(err)
			}
			m = &Manifest{}
			if err := json.Unmarshal(b, m); err != nil {
				return nil, fmt.Errorf("%w（清单）", ErrDamaged)
			}
			continue
		}
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return nil, err
		}
		out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, err
		}
		sum := sm3.New()
		w := io.MultiWriter(out, sum)
		if h.Size > progressEvery && progress != nil {
			w = io.MultiWriter(w, &counter{name: "恢复：" + name, size: h.Size, nextToTell: progressEvery,
				say: func(format string, args ...any) { say(progress, format, args...) }})
		}
		n, err := io.Copy(w, ctxReader{ctx, tr})
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, readErr(err)
		}
		got[name] = Member{Name: name, Size: n, SM3: hex.EncodeToString(sum.Sum(nil))}
		if len(got)%1000 == 0 {
			say(progress, "恢复：已解出 %d 个成员", len(got))
		}
	}
	// Drain to the end, so the last chunk's tag is checked.
	if _, err := io.Copy(io.Discard, dec); err != nil {
		return nil, readErr(err)
	}
	if m == nil {
		return nil, fmt.Errorf("%w（没有清单）", ErrDamaged)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("备份格式 %d 不是本版本能读的（%d）", m.Format, Format)
	}
	if len(got) != len(m.Members) {
		return nil, fmt.Errorf("%w（清单列出 %d 个成员，备份中有 %d 个）", ErrDamaged, len(m.Members), len(got))
	}
	for _, want := range m.Members {
		if got[want.Name] != want {
			return nil, fmt.Errorf("%w（%s 与清单的 SM3 摘要不符）", ErrDamaged, want.Name)
		}
	}
	say(progress, "备份完整：%d 个成员与清单的 SM3 摘要一致，%d 张表，%d 行", len(got), len(m.Tables), m.Rows())
	return m, nil
}

// readErr keeps the decryption's own errors and calls anything the
// decompressor or the tar reader finds damage.
func readErr(err error) error {
	for _, e := range []error{ErrDamaged, ErrTruncated, ErrWrongKey, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, e) {
			return err
		}
	}
	return fmt.Errorf("%w（%v）", ErrDamaged, err)
}

func safeName(name string) bool {
	if name == manifestName {
		return true
	}
	if !strings.HasPrefix(name, dbDir) && !strings.HasPrefix(name, dataDir) {
		return false
	}
	return path.Clean(name) == name && !strings.Contains(name, "..") && !strings.HasPrefix(name, "/")
}

func say(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format+"\n", args...)
	}
}

// Target is where a restore goes: a data directory and, for PostgreSQL,
// a database URL (empty for SQLite, whose database lives in the data
// directory).
type Target struct {
	DataDir     string
	DatabaseURL string
	// KeyFile may already lie in the data directory (the default place of
	// the backup key); everything else makes the directory not empty.
	KeyFile string
}

// ErrNotEmpty is returned when the target is not empty.
var ErrNotEmpty = errors.New("恢复的目标不是空的：只能恢复到空的数据目录和空的数据库，未做任何改动")

// checkEmpty refuses a target that holds anything.
func (t Target) checkEmpty(ctx context.Context) error {
	ents, err := os.ReadDir(t.DataDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	keyAbs, _ := filepath.Abs(t.KeyFile)
	for _, e := range ents {
		if a, _ := filepath.Abs(filepath.Join(t.DataDir, e.Name())); a == keyAbs {
			continue
		}
		return fmt.Errorf("%w（数据目录 %s 中有 %s）", ErrNotEmpty, t.DataDir, e.Name())
	}
	if err := db.CheckEmpty(ctx, t.options()); err != nil {
		if errors.Is(err, db.ErrNotEmpty) {
			return fmt.Errorf("%w（%v）", ErrNotEmpty, err)
		}
		return err
	}
	return nil
}

func (t Target) options() db.Options { return db.Options{URL: t.DatabaseURL, DataDir: t.DataDir} }

// Restore puts the backup at file into the empty target: it checks the
// target is empty, extracts and checks the whole backup beside it, loads
// the database, and moves the data directory's files into place. A
// damaged or wrongly keyed backup, or a target not empty, changes nothing.
func Restore(ctx context.Context, file string, key *Key, t Target, progress io.Writer) (*Manifest, error) {
	if err := t.checkEmpty(ctx); err != nil {
		return nil, err
	}
	parent := filepath.Dir(filepath.Clean(t.DataDir))
	if err := os.MkdirAll(parent, 0o750); err != nil {
		return nil, err
	}
	stage, err := os.MkdirTemp(parent, ".zwfw-restore-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	m, err := Extract(ctx, file, key, stage, progress)
	if err != nil {
		return nil, err
	}
	if err := t.checkEmpty(ctx); err != nil {
		return nil, err
	}
	dump := &db.Dump{Dialect: db.Dialect(m.Dialect), File: path.Base(m.Database), Schema: m.Schema}
	say(progress, "恢复：载入数据库（%s）…", m.Dialect)
	if err := db.Restore(ctx, t.options(), dump, filepath.Join(stage, filepath.FromSlash(m.Database))); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(t.DataDir, 0o750); err != nil {
		return nil, err
	}
	say(progress, "恢复：放回数据目录中的文件…")
	data := filepath.Join(stage, strings.TrimSuffix(dataDir, "/"))
	ents, err := os.ReadDir(data)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, e := range ents {
		if err := os.Rename(filepath.Join(data, e.Name()), filepath.Join(t.DataDir, e.Name())); err != nil {
			return nil, fmt.Errorf("恢复：%w", err)
		}
	}
	say(progress, "恢复完成：%d 张表，%d 行，审计日志 %d 条，文件 %d 个", len(m.Tables), m.Rows(), m.Audit.Entries, m.Stats["files"])
	return m, nil
}
