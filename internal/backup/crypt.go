package backup

import (
	"bufio"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"

	"zwfw/internal/keyfile"
)

// KeyFile is the backup key's file name in the data directory when
// ZWFW_BACKUP_KEY_FILE does not name another; it is created (0600) at the
// first backup. It must be kept apart from the backups: whoever holds both
// reads every case.
const KeyFile = "backup.key"

var (
	// ErrWrongKey: the backup was encrypted with another key.
	ErrWrongKey = errors.New("备份密钥不符：这个备份不是用该密钥文件加密的（请用备份时的 ZWFW_BACKUP_KEY_FILE），未做任何改动")
	// ErrDamaged: the backup was changed or damaged after it was written.
	ErrDamaged = errors.New("备份文件已损坏或被改动（SM4-GCM 校验失败），拒绝使用，未做任何改动")
	// ErrTruncated: the backup ends before its last block.
	ErrTruncated = errors.New("备份文件不完整（缺少结尾，可能复制时中断），拒绝使用，未做任何改动")
	// ErrNotBackup: the file is not a zwfw backup at all.
	ErrNotBackup = errors.New("这不是 zwfw 的备份文件")
)

// Key is the backup key: a secret from which each backup's SM4 key is
// derived with its own random salt.
type Key struct {
	secret []byte
	id     [8]byte // names the key in each backup's header
}

// NewKey derives the key from secret (at least 32 characters).
func NewKey(secret string) (*Key, error) {
	secret = strings.TrimSpace(secret)
	if len(secret) < 32 {
		return nil, errors.New("备份密钥至少要 32 个字符")
	}
	k := &Key{secret: []byte(secret)}
	copy(k.id[:], k.derive("zwfw backup key id v1"))
	return k, nil
}

func (k *Key) derive(label string, parts ...[]byte) []byte {
	m := hmac.New(sm3.New, k.secret)
	m.Write([]byte(label))
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// ID names the key without revealing it.
func (k *Key) ID() string { return hex.EncodeToString(k.id[:]) }

// LoadKey reads the key file at path. With create set (a backup) it makes
// the file, 0600 with 32 random bytes in hex, when there is none; without
// (a restore, a drill) a missing file is an error, for a new key could
// never open an old backup.
func LoadKey(path string, create bool) (*Key, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		b, err = keyfile.ReadOrCreate(path, func() ([]byte, error) {
			var r [32]byte
			if _, err := rand.Read(r[:]); err != nil {
				return nil, err
			}
			return []byte(hex.EncodeToString(r[:]) + "\n"), nil
		})
		if err != nil {
			return nil, fmt.Errorf("备份密钥文件 %s: %w", path, err)
		}
	} else if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("找不到备份密钥文件 %s：请用 ZWFW_BACKUP_KEY_FILE 指向备份时使用的密钥文件", path)
	} else if err != nil {
		return nil, fmt.Errorf("备份密钥文件 %s: %w", path, err)
	}
	k, err := NewKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("备份密钥文件 %s: %w", path, err)
	}
	return k, nil
}

// The encrypted file: a header (magic, key id, salt), then chunks. Each
// chunk is a 4-byte big-endian length whose top bit marks the last chunk,
// then the chunk sealed with SM4-GCM under a key derived from the secret
// and the salt; its nonce is the chunk's index and its additional data the
// header, the index and the last-chunk mark. So a changed byte anywhere,
// chunks reordered, dropped or cut off at the end all fail to open, and
// memory holds one chunk at a time.
const (
	magic     = "ZWFWBK01"
	headerLen = len(magic) + 8 + 16
	chunkSize = 64 << 10
	lastMark  = 1 << 31
)

func (k *Key) aead(salt []byte) (cipher.AEAD, error) {
	b, err := sm4.NewCipher(k.derive("zwfw backup data key v1", salt)[:16])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func nonceFor(i uint64) []byte {
	n := make([]byte, 12)
	binary.BigEndian.PutUint64(n[4:], i)
	return n
}

func aadFor(header []byte, i uint64, last bool) []byte {
	a := append([]byte{}, header...)
	a = binary.BigEndian.AppendUint64(a, i)
	if last {
		return append(a, 1)
	}
	return append(a, 0)
}

// encWriter seals what is written to it in chunks; Close writes the last.
type encWriter struct {
	w      io.Writer
	aead   cipher.AEAD
	header []byte
	buf    []byte
	i      uint64
	closed bool
}

// Encrypt returns a writer that encrypts into w; Close it to finish the
// file (it does not close w).
func (k *Key) Encrypt(w io.Writer) (io.WriteCloser, error) {
	header := make([]byte, 0, headerLen)
	header = append(header, magic...)
	header = append(header, k.id[:]...)
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	header = append(header, salt...)
	a, err := k.aead(salt)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(header); err != nil {
		return nil, err
	}
	return &encWriter{w: w, aead: a, header: header, buf: make([]byte, 0, chunkSize)}, nil
}

func (e *encWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		m := min(chunkSize-len(e.buf), len(p))
		e.buf = append(e.buf, p[:m]...)
		p, n = p[m:], n+m
		if len(e.buf) == chunkSize {
			if err := e.flush(false); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

func (e *encWriter) flush(last bool) error {
	ct := e.aead.Seal(nil, nonceFor(e.i), e.buf, aadFor(e.header, e.i, last))
	l := uint32(len(ct))
	if last {
		l |= lastMark
	}
	var lb [4]byte
	binary.BigEndian.PutUint32(lb[:], l)
	if _, err := e.w.Write(lb[:]); err != nil {
		return err
	}
	if _, err := e.w.Write(ct); err != nil {
		return err
	}
	e.i++
	e.buf = e.buf[:0]
	return nil
}

func (e *encWriter) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	return e.flush(true)
}

// decReader opens the chunks one by one.
type decReader struct {
	r      *bufio.Reader
	aead   cipher.AEAD
	header []byte
	buf    []byte
	i      uint64
	done   bool
	err    error
}

// Decrypt returns a reader of what r holds, encrypted by Encrypt. A wrong
// key fails at once with ErrWrongKey; a changed byte fails the read of its
// chunk with ErrDamaged, and a file cut short with ErrTruncated, so the
// reader never returns a byte that was not authenticated.
func (k *Key) Decrypt(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, chunkSize+64)
	header := make([]byte, headerLen)
	if _, err := io.ReadFull(br, header); err != nil || string(header[:len(magic)]) != magic {
		return nil, ErrNotBackup
	}
	if !hmac.Equal(header[len(magic):len(magic)+8], k.id[:]) {
		return nil, ErrWrongKey
	}
	a, err := k.aead(header[len(magic)+8:])
	if err != nil {
		return nil, err
	}
	return &decReader{r: br, aead: a, header: header}, nil
}

func (d *decReader) Read(p []byte) (int, error) {
	for len(d.buf) == 0 {
		if d.err != nil {
			return 0, d.err
		}
		if d.done {
			return 0, io.EOF
		}
		d.err = d.next()
	}
	n := copy(p, d.buf)
	d.buf = d.buf[n:]
	return n, nil
}

func (d *decReader) next() error {
	var lb [4]byte
	if _, err := io.ReadFull(d.r, lb[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return ErrTruncated
		}
		return err
	}
	l := binary.BigEndian.Uint32(lb[:])
	last := l&lastMark != 0
	l &^= lastMark
	if l < uint32(d.aead.Overhead()) || l > chunkSize+uint32(d.aead.Overhead()) {
		return ErrDamaged
	}
	ct := make([]byte, l)
	if _, err := io.ReadFull(d.r, ct); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return ErrTruncated
		}
		return err
	}
	pt, err := d.aead.Open(ct[:0], nonceFor(d.i), ct, aadFor(d.header, d.i, last))
	if err != nil {
		return ErrDamaged
	}
	d.i++
	d.buf = pt
	if last {
		// Nothing may follow the last chunk.
		if _, err := d.r.ReadByte(); err == nil {
			return ErrDamaged
		}
		d.done = true
	}
	return nil
}
