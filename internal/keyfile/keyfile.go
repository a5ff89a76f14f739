// Package keyfile keeps the secrets zwfw holds outside its database (the
// audit keys, the personal-data keys, the backup key) in files of the data
// directory, readable by their owner only.
package keyfile

import (
	"crypto/cipher"
	"crypto/hmac"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
)

// ReadOrCreate returns the content of the key file at path, creating it
// (0600, its directory 0750) with what make returns when there is none.
// When several processes start at once exactly one creates it; the others
// wait for its content. A file that cannot be completely written is
// removed.
func ReadOrCreate(path string, make func() ([]byte, error)) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		b, err := make()
		if err == nil {
			_, err = f.Write(b)
		}
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return nil, err
		}
		return b, nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	for i := 0; ; i++ {
		b, err := os.ReadFile(path)
		if err != nil || len(strings.TrimSpace(string(b))) > 0 || i == 20 {
			return b, err
		}
		time.Sleep(50 * time.Millisecond) // another process is writing it
	}
}

// Derive is the key named label derived from secret (HMAC-SM3): one secret
// gives each use its own key, and an identifier that names the secret
// without revealing it.
func Derive(secret, label string) []byte {
	m := hmac.New(sm3.New, []byte(secret))
	m.Write([]byte(label))
	return m.Sum(nil)
}

// SM4GCM is the SM4-GCM cipher keyed by the first 16 bytes of key (a
// Derive result), for what zwfw encrypts at rest.
func SM4GCM(key []byte) (cipher.AEAD, error) {
	block, err := sm4.NewCipher(key[:16])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
