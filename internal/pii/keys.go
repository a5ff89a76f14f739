package pii

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"zwfw/internal/keyfile"
)

// KeyFile is the file in the data directory that holds the data keys when
// ZWFW_DATA_KEY is not set: one secret a line, the current one first. It is
// created (0600, 32 random bytes in hex) at the first start. Keep it apart
// from the backups of the database: whoever holds both reads everything.
const KeyFile = "data.key"

// splitSecrets splits a list of secrets given in one string (lines, commas
// or spaces between them).
func splitSecrets(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ' ' || r == '\t' })
}

// LoadRing takes the keys from env (ZWFW_DATA_KEY: secrets separated by
// commas, the current first) when it is set, and otherwise from the key
// file in dataDir, which it creates when there is none.
func LoadRing(dataDir, env string) (*Ring, error) {
	if strings.TrimSpace(env) != "" {
		r, err := NewRing(splitSecrets(env)...)
		if err != nil {
			return nil, fmt.Errorf("ZWFW_DATA_KEY: %w", err)
		}
		return r, nil
	}
	path := filepath.Join(dataDir, KeyFile)
	b, err := keyfile.ReadOrCreate(path, func() ([]byte, error) { return []byte(newSecret() + "\n"), nil })
	if err != nil {
		return nil, fmt.Errorf("pii: key file %s: %w", path, err)
	}
	r, err := NewRing(splitSecrets(string(b))...)
	if err != nil {
		return nil, fmt.Errorf("pii: key file %s: %w", path, err)
	}
	return r, nil
}

func newSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("pii: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// writeKeys replaces the key file with secrets (the current first),
// atomically and readable by its owner only.
func writeKeys(path string, secrets []string) error {
	tmp := path + ".new"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(strings.Join(secrets, "\n") + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// AddFileKey puts a new secret at the top of the key file in dataDir,
// keeping the old ones after it (they still open what they sealed), and
// returns the new ring.
func AddFileKey(dataDir string) (*Ring, error) {
	path := filepath.Join(dataDir, KeyFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pii: key file: %w", err)
	}
	secrets := append([]string{newSecret()}, splitSecrets(string(b))...)
	r, err := NewRing(secrets...)
	if err != nil {
		return nil, err
	}
	if err := writeKeys(path, secrets); err != nil {
		return nil, fmt.Errorf("pii: key file: %w", err)
	}
	return r, nil
}

// DropOldFileKeys leaves only the current (first) secret in the key file:
// called once no row is sealed under the others any more.
func DropOldFileKeys(dataDir string) error {
	path := filepath.Join(dataDir, KeyFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("pii: key file: %w", err)
	}
	secrets := splitSecrets(string(b))
	if len(secrets) <= 1 {
		return nil
	}
	return writeKeys(path, secrets[:1])
}
