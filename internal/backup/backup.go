// Package backup makes and restores the platform's backups (plan §2(7):
// "提高…数据安全防护能力，做好容灾备份"): an online, consistent copy of
// the database (SQLite: VACUUM INTO; PostgreSQL: pg_dump on an exported
// snapshot) with the data directory (uploaded files, the audit keys and
// checkpoints), written as one tar stream, gzip-compressed and encrypted
// with SM4-GCM in chunks under a key kept outside the backups; with a
// manifest of SM3 digests of every member, every table's row count and
// content digest, and the audit chain's head. Restore goes into an empty
// data directory or database only; a drill restores into a scratch place
// and checks it all against the manifest.
package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/esign"
)

// Format is the version of the archive's layout.
const Format = 1

// Names of the archive's members: the database copy under dbDir, the data
// directory under dataDir, and the manifest last.
const (
	dbDir        = "db/"
	dataDir      = "data/"
	manifestName = "manifest.json"
)

// Manifest describes one backup; it is the archive's last member.
type Manifest struct {
	Format        int            `json:"format"`
	Created       time.Time      `json:"created"`
	Version       string         `json:"version"` // of zwfw
	Dialect       string         `json:"dialect"`
	Schema        string         `json:"schema,omitempty"` // PostgreSQL
	SchemaVersion int64          `json:"schema_version"`   // the goose migration applied
	Database      string         `json:"database"`         // the copy's member name
	Tables        []db.TableSum  `json:"tables"`
	Audit         audit.Head     `json:"audit"`
	Members       []Member       `json:"members"`
	Stats         map[string]int `json:"stats,omitempty"`
}

// Member is one file of the archive with its SM3 digest.
type Member struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
	SM3  string `json:"sm3"`
}

// Rows is the number of rows in every table.
func (m *Manifest) Rows() int64 {
	var n int64
	for _, t := range m.Tables {
		n += t.Rows
	}
	return n
}

// Source is what a backup copies.
type Source struct {
	DB      *db.DB
	DataDir string
	// Skip are paths left out of the data directory: the backup key,
	// the backup directory when it lies inside.
	Skip    []string
	Version string
	Now     func() time.Time
	// Progress receives one line per step (stderr for the command); nil
	// for none.
	Progress io.Writer
}

func (s *Source) say(format string, args ...any) {
	if s.Progress != nil {
		fmt.Fprintf(s.Progress, format+"\n", args...)
	}
}

// databaseFiles are the data directory's own database files: the copy
// stands for them.
var databaseFiles = map[string]bool{"zwfw.db": true, "zwfw.db-wal": true, "zwfw.db-shm": true, "zwfw.db-journal": true}

// Create writes a backup of src to out (a new file; written under a
// temporary name and renamed when complete) encrypted with key, and
// returns its manifest.
func Create(ctx context.Context, src Source, key *Key, out string) (*Manifest, error) {
	now := src.Now
	if now == nil {
		now = time.Now
	}
	if _, err := os.Stat(out); err == nil {
		return nil, fmt.Errorf("备份文件 %s 已存在", out)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o750); err != nil {
		return nil, err
	}
	skip := map[string]bool{}
	for _, p := range append(src.Skip, out) {
		if a, err := filepath.Abs(p); err == nil {
			skip[a] = true
		}
	}
	stage, err := os.MkdirTemp(filepath.Dir(out), ".zwfw-backup-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	if a, err := filepath.Abs(stage); err == nil {
		skip[a] = true
	}
	m := &Manifest{Format: Format, Created: now(), Version: src.Version, Dialect: string(src.DB.Dialect), Stats: map[string]int{}}
	if _, m.SchemaVersion, err = src.DB.SchemaVersion(ctx); err != nil {
		return nil, err
	}

	// The audit keys and the checkpoint file are read before the
	// snapshot, so that no checkpoint in the backup is ahead of the chain
	// it holds; uploaded files after it, so that every file a row of the
	// snapshot names is there.
	src.say("备份：读取数据目录 %s 中的密钥和审计检查点…", src.DataDir)
	small, err := readSmall(src.DataDir, skip)
	if err != nil {
		return nil, err
	}
	src.say("备份：复制数据库（%s，在线一致快照）…", src.DB.Dialect)
	start := time.Now()
	dump, err := src.DB.Dump(ctx, stage, func(q db.SnapshotQuerier) error {
		h, err := audit.ReadHead(ctx, q)
		m.Audit = h
		return err
	})
	if err != nil {
		return nil, err
	}
	m.Schema, m.Tables, m.Database = dump.Schema, dump.Tables, dbDir+dump.File
	// An electronic-seal key made while the snapshot was taken (an
	// organisation's first signature) is in the snapshot: its file goes
	// in too, or the restored platform could not open the key. Key files
	// are written once and never change.
	have := map[string]bool{}
	for _, s := range small {
		have[s.name] = true
	}
	keys, err := readSmall(filepath.Join(src.DataDir, esign.KeystoreDir), skip)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		k.name = esign.KeystoreDir + "/" + k.name
		if !have[k.name] {
			small = append(small, k)
		}
	}
	src.say("备份：数据库快照完成，%d 张表，%d 行，审计日志 %d 条（%s）", len(m.Tables), m.Rows(), m.Audit.Entries, time.Since(start).Round(time.Millisecond))

	tmp := out + ".part"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp)
	ok := false
	defer func() {
		if !ok {
			f.Close()
		}
	}()
	enc, err := key.Encrypt(f)
	if err != nil {
		return nil, err
	}
	zw, err := gzip.NewWriterLevel(enc, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(zw)
	a := &archiver{tw: tw, m: m, at: m.Created, say: src.say}
	if err := a.addFile(ctx, m.Database, filepath.Join(stage, dump.File)); err != nil {
		return nil, err
	}
	for _, s := range small {
		if err := a.addBytes(dataDir+s.name, s.data, s.mode); err != nil {
			return nil, err
		}
	}
	n, err := a.addTree(ctx, src, filepath.Join(src.DataDir, "files"), dataDir+"files/", skip)
	if err != nil {
		return nil, err
	}
	m.Stats["files"] = n
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(mb)), ModTime: m.Created}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(mb); err != nil {
		return nil, err
	}
	for _, c := range []io.Closer{tw, zw, enc} {
		if err := c.Close(); err != nil {
			return nil, err
		}
	}
	if err := f.Sync(); err != nil {
		return nil, err
	}
	ok = true
	if err := f.Close(); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, out); err != nil {
		return nil, err
	}
	st, _ := os.Stat(out)
	if st != nil {
		src.say("备份：完成 %s（%.1f MB，%d 个成员）", out, float64(st.Size())/(1<<20), len(m.Members))
	}
	// A backup carries everything out: the security log notes it (§2(7)).
	if err := audit.Security(ctx, src.DB, audit.SecurityEvent{At: now(), Kind: audit.SecExport, Username: zwfw.System.Username, Name: zwfw.System.Name,
		Object: "backup:" + filepath.Base(out), Detail: fmt.Sprintf("备份数据库和数据目录（%d 行，%d 个文件）", m.Rows(), len(m.Members))}); err != nil {
		return m, fmt.Errorf("backup: security log: %w", err)
	}
	return m, nil
}

type smallFile struct {
	name string
	data []byte
	mode fs.FileMode
}

// readSmall reads the data directory's files other than the database and
// the uploaded files (the audit keys and checkpoints, …), skipping skip.
// A checkpoint line still being appended is left out (only whole lines).
func readSmall(dir string, skip map[string]bool) ([]smallFile, error) {
	var out []smallFile
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return fs.SkipAll
			}
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if a, _ := filepath.Abs(p); skip[a] {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if rel == "files" {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || databaseFiles[rel] || strings.HasPrefix(d.Name(), ".zwfw-") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if rel == audit.CheckpointFile {
			if i := strings.LastIndexByte(string(b), '\n'); i >= 0 {
				b = b[:i+1]
			} else {
				b = nil
			}
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, smallFile{name: filepath.ToSlash(rel), data: b, mode: info.Mode().Perm()})
		return nil
	})
	return out, err
}

// archiver writes members and records each in the manifest.
type archiver struct {
	tw  *tar.Writer
	m   *Manifest
	at  time.Time
	say func(format string, args ...any)
}

// progressEvery is how often the copy of a large file is reported.
const progressEvery = 64 << 20

// counter reports the progress of one large member.
type counter struct {
	name       string
	size, n    int64
	say        func(format string, args ...any)
	nextToTell int64
}

func (c *counter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	if c.n >= c.nextToTell {
		c.say("%s：%d / %d MB", c.name, c.n>>20, c.size>>20)
		c.nextToTell += progressEvery
	}
	return len(p), nil
}

func (a *archiver) record(name string, size int64, h hash.Hash) {
	a.m.Members = append(a.m.Members, Member{Name: name, Size: size, SM3: hex.EncodeToString(h.Sum(nil))})
}

func (a *archiver) addBytes(name string, b []byte, mode fs.FileMode) error {
	if err := a.tw.WriteHeader(&tar.Header{Name: name, Mode: int64(mode), Size: int64(len(b)), ModTime: a.at}); err != nil {
		return err
	}
	h := sm3.New()
	h.Write(b)
	if _, err := a.tw.Write(b); err != nil {
		return err
	}
	a.record(name, int64(len(b)), h)
	return nil
}

func (a *archiver) addFile(ctx context.Context, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := a.tw.WriteHeader(&tar.Header{Name: name, Mode: int64(st.Mode().Perm()), Size: st.Size(), ModTime: st.ModTime()}); err != nil {
		return err
	}
	h := sm3.New()
	w := io.MultiWriter(a.tw, h)
	if st.Size() > progressEvery && a.say != nil {
		w = io.MultiWriter(w, &counter{name: "备份：" + name, size: st.Size(), say: a.say, nextToTell: progressEvery})
	}
	n, err := io.Copy(w, io.LimitReader(ctxReader{ctx, f}, st.Size()))
	if err != nil {
		return err
	}
	if n != st.Size() {
		return fmt.Errorf("备份：%s 在复制时变短了", path)
	}
	a.record(name, n, h)
	return nil
}

// addTree adds every regular file under root, in name order, as prefix +
// its relative path, and reports progress every 500 files.
func (a *archiver) addTree(ctx context.Context, src Source, root, prefix string, skip map[string]bool) (int, error) {
	var paths []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if a, _ := filepath.Abs(p); skip[a] && d.IsDir() {
			return fs.SkipDir
		}
		if d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	sort.Strings(paths)
	src.say("备份：复制上传的文件，共 %d 个…", len(paths))
	for i, p := range paths {
		rel, _ := filepath.Rel(root, p)
		if err := a.addFile(ctx, prefix+filepath.ToSlash(rel), p); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed since the walk: no row of the snapshot names it
			}
			return i, err
		}
		if (i+1)%500 == 0 {
			src.say("备份：文件 %d/%d", i+1, len(paths))
		}
	}
	return len(paths), nil
}

// ctxReader stops a long copy when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
