package files_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/files"
)

// FuzzPut: an upload of any name and bytes is stored or refused (invalid,
// or too large), never a panic. What is stored is of an accepted type that
// agrees with both its content and its name's extension (HTML and scripts
// are never stored, whatever they are called), is kept byte for byte under
// its SHA-256, and its name has no path, control characters or quotes.
func FuzzPut(f *testing.F) {
	d := dbtest.SQLite(f)
	now := func() time.Time { return time.Date(2026, 11, 26, 9, 0, 0, 0, db.Zone) }
	fs, err := files.NewStore(filepath.Join(f.TempDir(), "files"), d, now)
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	zip := []byte("PK\x03\x04\x14\x00\x00\x00\x00\x00")
	for _, s := range []struct {
		name string
		b    []byte
	}{
		{"登记表.pdf", []byte("%PDF-1.4\n%%EOF\n")},
		{"照片.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")},
		{"照片.JPG", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")},
		{"清单.xlsx", zip}, {"申请书.docx", zip}, {"证照.ofd", zip}, {"压缩包.zip", zip},
		{"说明.txt", []byte("申请事项说明：开办餐饮店。\n")},
		{"说明.txt", append(bytes.Repeat([]byte("a"), 511), "说"...)},
		{"页面.txt", []byte("<html><script>alert(1)</script>")},
		{"../../etc/passwd.txt", []byte("root:x:0:0")},
		{"C:\\Users\\王\\证明.pdf", []byte("%PDF-1.7")},
		{"", []byte("%PDF-1.4")}, {"空.pdf", nil}, {"a\x00b\".pdf", []byte("%PDF-1.4")},
		{"bad.txt", []byte("\xff\xfe\xfd")},
	} {
		f.Add(s.name, s.b)
	}
	f.Fuzz(func(t *testing.T, name string, b []byte) {
		got, err := fs.PutBytes(ctx, nil, name, b, files.PurposeCase)
		if err != nil {
			if c := zwfw.ErrorCode(err); c != zwfw.EINVALID && c != zwfw.ETOOLARGE {
				t.Fatalf("Put(%q, %d bytes): %v (%s)", name, len(b), err, c)
			}
			return
		}
		sum := sha256.Sum256(b)
		if got.SHA256 != hex.EncodeToString(sum[:]) || got.Size != int64(len(b)) || !files.ValidSHA(got.SHA256) {
			t.Fatalf("stored %q as %s, %d bytes", name, got.SHA256, got.Size)
		}
		if got.Name == "" || strings.ContainsAny(got.Name, "/\\\"\x00") || utf8.RuneCountInString(got.Name) > 120 ||
			strings.IndexFunc(got.Name, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
			t.Fatalf("stored name %q from %q", got.Name, name)
		}
		sniffed, _, _ := strings.Cut(http.DetectContentType(b), ";")
		ext := strings.ToLower(filepath.Ext(got.Name))
		ok := map[string]bool{
			"application/pdf": sniffed == "application/pdf",
			"image/png":       sniffed == "image/png",
			"image/jpeg":      sniffed == "image/jpeg",
			"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":       sniffed == "application/zip" && ext == ".xlsx",
			"application/vnd.openxmlformats-officedocument.wordprocessingml.document": sniffed == "application/zip" && ext == ".docx",
			"application/ofd":           sniffed == "application/zip" && ext == ".ofd",
			"text/plain; charset=utf-8": sniffed == "text/plain" && ext == ".txt",
		}[got.ContentType]
		if !ok {
			t.Fatalf("%q (%d bytes, sniffed %s) stored as %s", name, len(b), sniffed, got.ContentType)
		}
		r, err := fs.Open(got.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		kept, err := io.ReadAll(r)
		r.Close()
		if err != nil || !bytes.Equal(kept, b) {
			t.Fatalf("%q kept as %d other bytes (%v)", name, len(kept), err)
		}
	})
}
