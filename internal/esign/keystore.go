package esign

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"zwfw/internal/keyfile"
)

// MasterKeyFile is the file of the data directory that holds the
// keystore's master secret when ZWFW_ESIGN_KEY is not set; it is created,
// readable by its owner only, at the first start.
const MasterKeyFile = "esign.key"

// KeystoreDir is the directory of the data directory holding one file per
// private key (<key id>.key), each SM4-GCM-encrypted under the master key.
const KeystoreDir = "keystore"

// minSecret is the shortest master secret accepted, in characters.
const minSecret = 32

// keystore keeps the private keys in files: SM4-GCM under a key derived
// from the master secret, the key id as associated data (a file renamed to
// another key's name does not open).
type keystore struct {
	dir      string
	aead     cipher.AEAD
	masterID string // names the master secret without revealing it
}

const fileMagic = "zwfw-esign-key v1"

// openKeystore derives the keystore's key from env (ZWFW_ESIGN_KEY) when
// set, else from <dataDir>/esign.key (created 0600 with 32 random bytes in
// hex when missing), as the audit key is (audit.LoadKeys).
func openKeystore(dataDir, env string) (*keystore, error) {
	secret := strings.TrimSpace(env)
	if secret == "" {
		b, err := keyfile.ReadOrCreate(filepath.Join(dataDir, MasterKeyFile), func() ([]byte, error) {
			var k [32]byte
			if _, err := rand.Read(k[:]); err != nil {
				return nil, err
			}
			return []byte(hex.EncodeToString(k[:]) + "\n"), nil
		})
		if err != nil {
			return nil, fmt.Errorf("esign: master key file: %w", err)
		}
		secret = strings.TrimSpace(string(b))
	}
	if len(secret) < minSecret {
		return nil, fmt.Errorf("esign: 电子签章密钥库的主密钥（ZWFW_ESIGN_KEY 或数据目录下的 %s）至少 %d 个字符", MasterKeyFile, minSecret)
	}
	aead, err := keyfile.SM4GCM(keyfile.Derive(secret, "zwfw esign keystore SM4 v1"))
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(dataDir, KeystoreDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("esign: keystore: %w", err)
	}
	return &keystore{dir: dir, aead: aead, masterID: hex.EncodeToString(keyfile.Derive(secret, "zwfw esign master id v1"))[:16]}, nil
}

var keyIDRE = regexp.MustCompile(`^[0-9a-f]{16}$`)

func (k *keystore) path(keyID string) string { return filepath.Join(k.dir, keyID+".key") }

// seal is the file content holding priv.
func (k *keystore) seal(keyID string, priv *sm2.PrivateKey) ([]byte, error) {
	der, err := smx509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	ct := k.aead.Seal(nonce, nonce, der, []byte(keyID))
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\nkey: %s\nmaster: %s\nsealed: %s\n", fileMagic, keyID, k.masterID, base64.StdEncoding.EncodeToString(ct))
	return b.Bytes(), nil
}

// store writes priv's file (0600); a file already there is an error.
func (k *keystore) store(keyID string, priv *sm2.PrivateKey) error {
	b, err := k.seal(keyID, priv)
	if err != nil {
		return err
	}
	got, err := keyfile.ReadOrCreate(k.path(keyID), func() ([]byte, error) { return b, nil })
	if err != nil {
		return fmt.Errorf("esign: write key %s: %w", keyID, err)
	}
	if !bytes.Equal(got, b) {
		return fmt.Errorf("esign: key file %s exists already", k.path(keyID))
	}
	return nil
}

// errNoKeyFile: this process's keystore lacks the key's file.
var errNoKeyFile = errors.New("esign: key file missing")

// load reads and opens the private key keyID.
func (k *keystore) load(keyID string) (*sm2.PrivateKey, error) {
	if !keyIDRE.MatchString(keyID) {
		return nil, fmt.Errorf("esign: bad key id %q", keyID)
	}
	p := k.path(keyID)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", errNoKeyFile, p)
	}
	if err != nil {
		return nil, err
	}
	fields := map[string]string{}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) == 0 || lines[0] != fileMagic {
		return nil, fmt.Errorf("esign: %s is not a zwfw signing key file", p)
	}
	for _, l := range lines[1:] {
		if name, v, ok := strings.Cut(l, ": "); ok {
			fields[name] = strings.TrimSpace(v)
		}
	}
	if fields["key"] != keyID {
		return nil, fmt.Errorf("esign: %s holds key %q, not %s", p, fields["key"], keyID)
	}
	if m := fields["master"]; m != k.masterID {
		return nil, fmt.Errorf("esign: 密钥文件 %s 是用另一个主密钥（%s）加密的，本进程的主密钥是 %s：请使用同一个 ZWFW_ESIGN_KEY 或同一个数据目录下的 %s", p, m, k.masterID, MasterKeyFile)
	}
	ct, err := base64.StdEncoding.DecodeString(fields["sealed"])
	if err != nil || len(ct) < k.aead.NonceSize() {
		return nil, fmt.Errorf("esign: %s is damaged", p)
	}
	der, err := k.aead.Open(nil, ct[:k.aead.NonceSize()], ct[k.aead.NonceSize():], []byte(keyID))
	if err != nil {
		return nil, fmt.Errorf("esign: 密钥文件 %s 无法解密（已损坏，或主密钥不对）", p)
	}
	key, err := smx509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("esign: %s: %w", p, err)
	}
	priv, ok := key.(*sm2.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("esign: %s is not an SM2 key", p)
	}
	return priv, nil
}

// remove deletes keyID's file (a key that lost the race to be an
// organisation's first, or was never recorded).
func (k *keystore) remove(keyID string) {
	if keyIDRE.MatchString(keyID) {
		_ = os.Remove(k.path(keyID))
	}
}
