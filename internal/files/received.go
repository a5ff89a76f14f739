package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/db"
)

// PutReceived stores bytes that came from another platform with their
// digest (a forwarded case's materials, internal/forward), recording the
// file in tx: refused when the bytes do not hash to sha — the material
// is not what the sender described — or are of a type not accepted here,
// or larger than max. The file has no owner (the applicant's account is at
// the other platform).
func (s *Store) PutReceived(ctx context.Context, tx *db.Tx, name, sha string, b []byte, max int64, purpose string) (*File, error) {
	name = cleanName(name)
	if name == "" {
		name = "material"
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); !ValidSHA(sha) || got != sha {
		return nil, zwfw.Errorf(zwfw.EINVALID, "文件“%s”的内容与其摘要不符（摘要 %.12s…，内容 %.12s…），拒收", name, sha, got)
	}
	if int64(len(b)) > max {
		return nil, zwfw.Errorf(zwfw.ETOOLARGE, "文件“%s”超过大小上限 %s", name, HumanSize(max))
	}
	if len(b) == 0 {
		return nil, zwfw.Errorf(zwfw.EINVALID, "文件“%s”是空文件", name)
	}
	head := b[:min(len(b), 512)]
	ct, ok := allowed(http.DetectContentType(head), name)
	if ok && strings.HasPrefix(ct, "text/plain") && !utf8.Valid(head[:validPrefix(head)]) {
		ok = false
	}
	if !ok {
		return nil, zwfw.Errorf(zwfw.EINVALID, "文件“%s”的类型不被接受（%s）", name, AllowedText)
	}
	dst := s.path(sha)
	if _, err := os.Stat(dst); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return nil, err
		}
		tmp, err := os.CreateTemp(s.dir, ".received-*")
		if err != nil {
			return nil, fmt.Errorf("files: temp: %w", err)
		}
		defer os.Remove(tmp.Name())
		if _, err := tmp.ReadFrom(bytes.NewReader(b)); err != nil {
			tmp.Close()
			return nil, err
		}
		if err := tmp.Sync(); err != nil {
			tmp.Close()
			return nil, err
		}
		if err := tmp.Close(); err != nil {
			return nil, err
		}
		if err := os.Rename(tmp.Name(), dst); err != nil {
			return nil, fmt.Errorf("files: store: %w", err)
		}
	}
	f := &File{SHA256: sha, Name: name, ContentType: ct, Size: int64(len(b)), Purpose: purpose, CreatedAt: s.now()}
	id, err := db.InsertID(ctx, tx, `INSERT INTO files (sha256, name, content_type, size, purpose, owner_id, created_at)
		VALUES (?, ?, ?, ?, ?, NULL, ?)`, sha, name, ct, f.Size, purpose, db.Millis(f.CreatedAt))
	if err != nil {
		return nil, fmt.Errorf("files: record: %w", err)
	}
	f.ID = id
	return f, nil
}

// Bytes reads the stored bytes of sha whole, at most max of them.
func (s *Store) Bytes(sha string, max int64) ([]byte, error) {
	f, err := s.Open(sha)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > max {
		return nil, zwfw.Errorf(zwfw.ETOOLARGE, "文件超过大小上限 %s", HumanSize(max))
	}
	b := make([]byte, st.Size())
	if _, err := f.ReadAt(b, 0); err != nil && st.Size() > 0 {
		return nil, err
	}
	return b, nil
}
