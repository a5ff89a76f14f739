// Package files stores uploaded and generated files: the bytes on disk under
// the data directory, named by their SHA-256 digest (so a file is stored once
// however often it is referenced), and a row per upload in the files table
// saying who stored what for which use. The content type is sniffed from the
// bytes, never taken from the client.
package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/db"
)

// File describes one stored upload.
type File struct {
	ID          int64     `json:"id"`
	SHA256      string    `json:"sha256"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	Purpose     string    `json:"purpose"`
	OwnerID     int64     `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
}

// Purposes.
const (
	PurposeCatalog  = "catalog"  // blank forms, samples and guides of service items (public)
	PurposeCase     = "case"     // application materials (scoped to the case)
	PurposeEvidence = "evidence" // evidence of a registered error (差错登记), scoped to the error
	PurposePhoto    = "photo"    // a window staff member's photo on the public board (公示牌), resized by the server
	PurposeNotice   = "notice"   // a case notice's sealed PDF (电子文书), scoped to the case (casework.NoticePDF)
)

// Store keeps files under dir.
type Store struct {
	dir string
	db  *db.DB
	now func() time.Time
}

// NewStore returns a Store keeping bytes under dir (created when missing).
func NewStore(dir string, d *db.DB, now func() time.Time) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("files: create %s: %w", dir, err)
	}
	return &Store{dir: dir, db: d, now: now}, nil
}

var shaRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ValidSHA reports whether s looks like a lower-case hex SHA-256.
func ValidSHA(s string) bool { return shaRE.MatchString(s) }

func (s *Store) path(sha string) string {
	return filepath.Join(s.dir, sha[:2], sha)
}

// allowed maps a sniffed type and the file name's extension to the type we
// store and serve. Anything else is refused.
func allowed(sniffed, name string) (string, bool) {
	ext := strings.ToLower(filepath.Ext(name))
	base, _, _ := strings.Cut(sniffed, ";")
	switch base {
	case "application/pdf":
		return "application/pdf", true
	case "image/png", "image/jpeg":
		return base, true
	case "application/zip":
		switch ext {
		case ".xlsx":
			return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", true
		case ".docx":
			return "application/vnd.openxmlformats-officedocument.wordprocessingml.document", true
		case ".ofd":
			return "application/ofd", true
		}
	case "text/plain":
		if ext == ".txt" {
			return "text/plain; charset=utf-8", true
		}
	}
	return "", false
}

// AllowedText lists the accepted kinds for error messages.
const AllowedText = "PDF、PNG、JPEG 图片、Excel（.xlsx）、Word（.docx）、OFD 版式文件或 UTF-8 文本（.txt）"

// Put reads at most max bytes from r, refuses anything larger or of a type
// not allowed, and stores it. Nothing is kept on refusal.
func (s *Store) Put(ctx context.Context, actor *zwfw.Actor, name string, r io.Reader, max int64, purpose string) (*File, error) {
	name = cleanName(name)
	if name == "" {
		return nil, zwfw.Errorf(zwfw.EINVALID, "文件名不能为空")
	}
	tmp, err := os.CreateTemp(s.dir, ".upload-*")
	if err != nil {
		return nil, fmt.Errorf("files: temp: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	head := &prefix{max: 512}
	n, err := io.Copy(io.MultiWriter(tmp, h, head), io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("files: read upload: %w", err)
	}
	if n > max {
		return nil, zwfw.Errorf(zwfw.ETOOLARGE, "文件“%s”超过大小上限 %s", name, HumanSize(max))
	}
	if n == 0 {
		return nil, zwfw.Errorf(zwfw.EINVALID, "文件“%s”是空文件", name)
	}
	ct, ok := allowed(http.DetectContentType(head.buf), name)
	if ok && strings.HasPrefix(ct, "text/plain") && !utf8.Valid(head.buf[:validPrefix(head.buf)]) {
		ok = false
	}
	if !ok {
		return nil, zwfw.Errorf(zwfw.EINVALID, "文件“%s”的类型不被接受；请上传%s", name, AllowedText)
	}
	sha := hex.EncodeToString(h.Sum(nil))
	if err := tmp.Sync(); err != nil {
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	dst := s.path(sha)
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return nil, err
	}
	if _, err := os.Stat(dst); errors.Is(err, os.ErrNotExist) {
		if err := os.Rename(tmp.Name(), dst); err != nil {
			return nil, fmt.Errorf("files: store: %w", err)
		}
	}
	f := &File{SHA256: sha, Name: name, ContentType: ct, Size: n, Purpose: purpose, CreatedAt: s.now()}
	var owner any
	if actor != nil && actor.UserID != 0 {
		owner, f.OwnerID = actor.UserID, actor.UserID
	}
	f.ID, err = db.InsertID(ctx, s.db.Writer(), `INSERT INTO files (sha256, name, content_type, size, purpose, owner_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, sha, name, ct, n, purpose, owner, db.Millis(f.CreatedAt))
	if err != nil {
		return nil, fmt.Errorf("files: record: %w", err)
	}
	return f, nil
}

// PutBytes stores generated content (the seed's forms).
func (s *Store) PutBytes(ctx context.Context, actor *zwfw.Actor, name string, b []byte, purpose string) (*File, error) {
	return s.Put(ctx, actor, name, bytes.NewReader(b), int64(len(b)), purpose)
}

// Has reports whether the bytes of sha are stored.
func (s *Store) Has(sha string) bool {
	if !ValidSHA(sha) {
		return false
	}
	_, err := os.Stat(s.path(sha))
	return err == nil
}

// HasFor reports whether the bytes of sha are stored and were uploaded for
// purpose at least once.
func (s *Store) HasFor(ctx context.Context, sha, purpose string) bool {
	if !s.Has(sha) {
		return false
	}
	var one int
	err := s.db.QueryRow(ctx, "SELECT 1 FROM files WHERE sha256 = ? AND purpose = ? LIMIT 1", sha, purpose).Scan(&one)
	return err == nil
}

// Owned describes the file id when actor uploaded it; anyone else's file
// is not found (an applicant's draft names its uploads by id only).
func (s *Store) Owned(ctx context.Context, actor *zwfw.Actor, id int64) (*File, error) {
	if actor == nil || actor.UserID == 0 {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "文件不存在")
	}
	f := &File{ID: id, OwnerID: actor.UserID}
	var created int64
	err := s.db.QueryRow(ctx, "SELECT sha256, name, content_type, size, purpose, created_at FROM files WHERE id = ? AND owner_id = ?",
		id, actor.UserID).Scan(&f.SHA256, &f.Name, &f.ContentType, &f.Size, &f.Purpose, &created)
	if err != nil {
		return nil, db.NotFound(err, "文件不存在")
	}
	f.CreatedAt = db.Time(created)
	return f, nil
}

// Open opens the bytes of sha.
func (s *Store) Open(sha string) (*os.File, error) {
	if !ValidSHA(sha) {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "文件不存在")
	}
	f, err := os.Open(s.path(sha))
	if errors.Is(err, os.ErrNotExist) {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "文件不存在")
	}
	return f, err
}

// cleanName keeps the base name, without path separators or control
// characters, at most 120 characters.
func cleanName(n string) string {
	n = strings.ReplaceAll(n, "\\", "/")
	n = filepath.Base(strings.TrimSpace(n))
	if n == "." || n == "/" {
		return ""
	}
	n = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, n)
	if r := []rune(n); len(r) > 120 {
		n = string(r[len(r)-120:])
	}
	return n
}

// HumanSize prints a byte count for people (20 MB).
func HumanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.0f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d 字节", n)
}

type prefix struct {
	buf []byte
	max int
}

func (p *prefix) Write(b []byte) (int, error) {
	if room := p.max - len(p.buf); room > 0 {
		if len(b) < room {
			room = len(b)
		}
		p.buf = append(p.buf, b[:room]...)
	}
	return len(b), nil
}

// validPrefix trims a possibly cut multi-byte rune at the end of a sniffed
// prefix so that the UTF-8 check does not fail on it.
func validPrefix(b []byte) int {
	n := len(b)
	for i := 0; i < 3 && n > 0; i++ {
		if utf8.Valid(b[:n]) {
			return n
		}
		n--
	}
	return n
}
