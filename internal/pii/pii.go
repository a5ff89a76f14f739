// Package pii keeps applicants' personal data — identity numbers, phone
// numbers, addresses — encrypted at rest (§2(7): 加大对……个人隐私等重要数据
// 的保护力度; attachment 2 (5)5: 保证办事人员的信息安全). Values are sealed
// with SM4-GCM under a key ring held outside the database (ZWFW_DATA_KEY or
// data.key in the data directory); every ciphertext names the key that
// sealed it, so that a rotation can re-encrypt row by row while old and new
// keys coexist. Equality lookups (an identity number at registration, in
// the case list, in the account list) go through a keyed SM3 digest
// (HMAC-SM3 under a key derived apart from the encryption key), which an
// index can serve without the value ever being stored in clear.
//
// The services seal on write and open on read through the ring left on the
// database handle (Use, Of), as the audit log's keys are. columns.go lists
// every encrypted column; Open checks the ring against the database at
// start-up, and Reseal converts clear rows and re-encrypts under a new key.
package pii

import (
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"zwfw/internal/keyfile"

	"github.com/emmansun/gmsm/sm3"
)

// prefix starts every sealed value: "pii1:<key id>:<base64 nonce|ciphertext|tag>".
const prefix = "pii1:"

// minSecret is the shortest secret accepted, in characters.
const minSecret = 32

// key is one secret's derived keys.
type key struct {
	id     string      // names the secret in ciphertexts without revealing it
	aead   cipher.AEAD // SM4-GCM
	digest []byte      // HMAC-SM3 key of the lookup digests
}

// Ring is the set of data keys a process holds: the current one seals, every
// one opens (a rotation keeps the old ones until all rows are re-sealed).
type Ring struct {
	keys []*key // keys[0] is current
}

// ErrUnknownKey reports a ciphertext sealed with a key the ring lacks.
var ErrUnknownKey = errors.New("pii: value sealed with a data key this process does not hold")

// NewRing derives a ring from secrets (each at least 32 characters); the
// first is the current key.
func NewRing(secrets ...string) (*Ring, error) {
	r := &Ring{}
	seen := map[string]bool{}
	for _, s := range secrets {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if len(s) < minSecret {
			return nil, fmt.Errorf("pii: a data key must be at least %d characters long (数据密钥至少 %d 个字符)", minSecret, minSecret)
		}
		k, err := derive(s)
		if err != nil {
			return nil, err
		}
		if seen[k.id] {
			continue
		}
		seen[k.id] = true
		r.keys = append(r.keys, k)
	}
	if len(r.keys) == 0 {
		return nil, errors.New("pii: no data key given (未提供数据密钥)")
	}
	return r, nil
}

func derive(secret string) (*key, error) {
	aead, err := keyfile.SM4GCM(keyfile.Derive(secret, "zwfw pii SM4-GCM v1"))
	if err != nil {
		return nil, err
	}
	return &key{id: hex.EncodeToString(keyfile.Derive(secret, "zwfw pii key id v1"))[:12], aead: aead,
		digest: keyfile.Derive(secret, "zwfw pii lookup digest v1")}, nil
}

// Join makes one ring of several: the first ring's current key seals, and
// every key of each opens.
func Join(rings ...*Ring) *Ring {
	out := &Ring{}
	for _, r := range rings {
		for _, k := range r.keys {
			if out.find(k.id) == nil {
				out.keys = append(out.keys, k)
			}
		}
	}
	return out
}

// Current is the id of the key that seals.
func (r *Ring) Current() string { return r.keys[0].id }

// IDs lists the ring's key ids, the current one first.
func (r *Ring) IDs() []string {
	out := make([]string, len(r.keys))
	for i, k := range r.keys {
		out[i] = k.id
	}
	return out
}

// Has reports whether the ring holds the key id.
func (r *Ring) Has(id string) bool { return r.find(id) != nil }

func (r *Ring) find(id string) *key {
	for _, k := range r.keys {
		if k.id == id {
			return k
		}
	}
	return nil
}

// Seal encrypts v under the current key; label names the column (it is
// authenticated, so a value cannot be moved to another column). The empty
// string stays empty: there is nothing to hide.
func (r *Ring) Seal(label, v string) string {
	if v == "" {
		return ""
	}
	k := r.keys[0]
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(v)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("pii: no randomness: " + err.Error()) // crypto/rand does not fail on supported systems
	}
	out := k.aead.Seal(nonce, nonce, []byte(v), []byte(label))
	return prefix + k.id + ":" + base64.RawStdEncoding.EncodeToString(out)
}

// Sealed reports whether v is a sealed value, and under which key.
func Sealed(v string) (keyID string, ok bool) {
	rest, ok := strings.CutPrefix(v, prefix)
	if !ok {
		return "", false
	}
	id, _, ok := strings.Cut(rest, ":")
	return id, ok
}

// Open decrypts what Seal made. A value that is not sealed (a row written
// before encryption, not converted yet) is returned as it is; a value
// sealed under a key the ring lacks, or altered, is an error — never
// garbage.
func (r *Ring) Open(label, v string) (string, error) {
	rest, ok := strings.CutPrefix(v, prefix)
	if !ok {
		return v, nil
	}
	id, body, ok := strings.Cut(rest, ":")
	if !ok {
		return "", fmt.Errorf("pii: %s: malformed sealed value", label)
	}
	k := r.find(id)
	if k == nil {
		return "", fmt.Errorf("%w: %s is sealed with key %s, this process holds %s", ErrUnknownKey, label, id, strings.Join(r.IDs(), ", "))
	}
	b, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil || len(b) < k.aead.NonceSize() {
		return "", fmt.Errorf("pii: %s: malformed sealed value", label)
	}
	p, err := k.aead.Open(nil, b[:k.aead.NonceSize()], b[k.aead.NonceSize():], []byte(label))
	if err != nil {
		return "", fmt.Errorf("pii: %s: sealed value fails authentication (altered, or moved from another column)", label)
	}
	return string(p), nil
}

// OpenAll opens several values in place, stopping at the first error.
func (r *Ring) OpenAll(pairs ...*Field) error {
	for _, f := range pairs {
		v, err := r.Open(f.Label, *f.Value)
		if err != nil {
			return err
		}
		*f.Value = v
	}
	return nil
}

// Field is a value to open with its column's label.
type Field struct {
	Label string
	Value *string
}

// F makes a Field.
func F(label string, v *string) *Field { return &Field{label, v} }

// Digest is the lookup digest of v under the current key: HMAC-SM3 with a
// key derived apart from the encryption key, so the digest says nothing
// about v to whoever lacks the secret. Empty stays empty (NULL-able
// columns store NULL for it: see DigestOrNil).
func (r *Ring) Digest(v string) string { return r.keys[0].digestOf(v) }

func (k *key) digestOf(v string) string {
	if v == "" {
		return ""
	}
	m := hmac.New(sm3.New, k.digest)
	m.Write([]byte(v))
	return k.id + ":" + hex.EncodeToString(m.Sum(nil))
}

// Digests are v's digests under every key of the ring, for a lookup that
// must find rows not yet re-sealed during a rotation (WHERE col IN (…)).
func (r *Ring) Digests(v string) []any {
	out := make([]any, len(r.keys))
	for i, k := range r.keys {
		out[i] = k.digestOf(v)
	}
	return out
}

// In is the SQL list of placeholders for Digests ("?, ?").
func (r *Ring) In() string { return strings.TrimSuffix(strings.Repeat("?, ", len(r.keys)), ", ") }
