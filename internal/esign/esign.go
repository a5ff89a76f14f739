// Package esign is 电子签章's cryptographic core: one SM2 key per issuing
// organisation, its self-signed certificate, signatures over SM3 with the
// standard distinguishing ID, and signed PDFs — what makes "电子证照、电子
// 公文、电子签章…开展网上验证核对" (实施方案 §2(3)) possible: whatever the
// platform issues carries a signature anyone can check, on the public key
// page or with OpenSSL 3.
//
// The private keys live in the data directory's keystore, each file
// SM4-GCM-encrypted under the master key (ZWFW_ESIGN_KEY or esign.key);
// the public keys, certificates and which key is active are in the
// database, so every process sees them. Processes that share a database
// share the data directory's keystore, as they share audit.key: a process
// that lacks the active key's file cannot sign and says so.
//
// An organisation's first key is made on first use. Rotate makes a new
// active key; the old one is retired, never deleted, and what it signed
// still verifies.
package esign

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/org"
)

// UID is the SM2 distinguishing ID of every signature (GB/T 35276's
// default, what `openssl pkeyutl -pkeyopt distid:1234567812345678` uses).
const UID = "1234567812345678"

// Algorithm names the signature scheme of Sign.
const Algorithm = "SM2-SM3"

// Signature is an SM2 signature over SM3 (ASN.1 DER of r and s) and the
// key that made it.
type Signature struct {
	KeyID string
	Value []byte
}

// PublicKey is one organisation's signing key as published (电子签章公钥).
type PublicKey struct {
	KeyID       string
	OrgID       int64
	OrgCode     string
	OrgName     string // the organisation's full name
	CreditCode  string // its 统一社会信用代码
	OrgPath     string
	PEM         string // SubjectPublicKeyInfo, what `openssl -pubin` reads
	CertPEM     string // the self-signed certificate
	Fingerprint string // SM3 of the certificate's DER, hex
	Active      bool
	CreatedAt   time.Time
	RetiredAt   time.Time // zero while active
}

// Errors of Verify (EINVALID, so a page or the API can show them).
var (
	ErrUnknownKey   = &zwfw.Error{Code: zwfw.EINVALID, Message: "签名所用的密钥不是本平台公布的电子签章密钥"}
	ErrBadSignature = &zwfw.Error{Code: zwfw.EINVALID, Message: "签名验证失败：内容与签名不符（内容被改动过，或签名不是这把密钥作出的）"}
)

// Service holds the keystore and the public-key records.
type Service struct {
	db   *db.DB
	orgs *org.Service
	ks   *keystore
	now  func() time.Time

	mu   sync.Mutex
	priv map[string]*sm2.PrivateKey // opened private keys, by key id
	pub  map[string]*keyMaterial    // parsed public parts, by key id (immutable)
}

// keyMaterial is the immutable part of a key, parsed.
type keyMaterial struct {
	orgID int64
	pub   *ecdsa.PublicKey
	cert  *smx509.Certificate
}

// New opens the keystore of dataDir with the master secret masterKey
// (ZWFW_ESIGN_KEY; empty: dataDir/esign.key, created when missing).
func New(ctx context.Context, d *db.DB, orgs *org.Service, dataDir, masterKey string, now func() time.Time) (*Service, error) {
	ks, err := openKeystore(dataDir, masterKey)
	if err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	s := &Service{db: d, orgs: orgs, ks: ks, now: now, priv: map[string]*sm2.PrivateKey{}, pub: map[string]*keyMaterial{}}
	// Every active key this process may be asked to sign with must open
	// here: a missing file or a wrong master key fails the start with the
	// reason, not a citizen's request later.
	rows, err := d.Reader().Query(ctx, "SELECT key_id FROM esign_active ORDER BY org_id")
	if err != nil {
		return nil, fmt.Errorf("esign: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, err := s.privateKey(id); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// KeyID names a public key: the first 16 hex digits of SM3 over its
// SubjectPublicKeyInfo DER.
func KeyID(pub *ecdsa.PublicKey) (string, error) {
	der, err := smx509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	sum := sm3.Sum(der)
	return hex.EncodeToString(sum[:])[:16], nil
}

// Sign signs data with the organisation's active key: SM2 over SM3 with
// the distinguishing ID UID, the signature ASN.1 DER — what `openssl
// pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:1234567812345678`
// checks. The organisation's first key is made here on first use, in a
// transaction of its own: inside another write transaction use SignTx.
func (s *Service) Sign(ctx context.Context, orgID int64, data []byte) (Signature, error) {
	keyID, err := s.activeKey(ctx, orgID)
	if err != nil {
		return Signature{}, err
	}
	return s.signWith(keyID, data)
}

// SignTx is Sign inside the caller's write transaction tx (a licence
// issued in the transaction that completes its case): a first key is made
// in tx, and is gone with it if tx rolls back (its file stays behind,
// unused).
func (s *Service) SignTx(ctx context.Context, tx *db.Tx, orgID int64, data []byte) (Signature, error) {
	keyID, err := s.ensureKey(ctx, tx, orgID)
	if err != nil {
		return Signature{}, err
	}
	return s.signWith(keyID, data)
}

// EnsureKey returns the organisation's active key, making its first one
// when it has none.
func (s *Service) EnsureKey(ctx context.Context, orgID int64) (PublicKey, error) {
	keyID, err := s.activeKey(ctx, orgID)
	if err != nil {
		return PublicKey{}, err
	}
	return s.PublicKey(ctx, keyID)
}

// activeKey is the organisation's active key, made in a transaction of its
// own when it has none (outside any other write transaction).
func (s *Service) activeKey(ctx context.Context, orgID int64) (string, error) {
	keyID, err := s.activeKeyID(ctx, s.db.Reader(), orgID)
	if errors.Is(err, sql.ErrNoRows) {
		err = s.db.InTx(ctx, func(tx *db.Tx) error {
			var err error
			keyID, err = s.ensureKey(ctx, tx, orgID)
			return err
		})
	}
	return keyID, err
}

func (s *Service) signWith(keyID string, data []byte) (Signature, error) {
	priv, err := s.privateKey(keyID)
	if err != nil {
		return Signature{}, err
	}
	sig, err := sm2.SignASN1(rand.Reader, priv, data, sm2.NewSM2SignerOption(true, []byte(UID)))
	if err != nil {
		return Signature{}, fmt.Errorf("esign: sign: %w", err)
	}
	return Signature{KeyID: keyID, Value: sig}, nil
}

// Verify checks sig over data against the key it names, active or
// retired. An unknown key is ErrUnknownKey, a wrong signature
// ErrBadSignature.
func (s *Service) Verify(ctx context.Context, keyID string, data, sig []byte) error {
	km, err := s.material(ctx, keyID)
	if err != nil {
		return err
	}
	if !sm2.VerifyASN1WithSM2(km.pub, []byte(UID), data, sig) {
		return ErrBadSignature
	}
	return nil
}

// material returns the parsed public parts of keyID (ErrUnknownKey when
// there is no such key).
func (s *Service) material(ctx context.Context, keyID string) (*keyMaterial, error) {
	s.mu.Lock()
	km := s.pub[keyID]
	s.mu.Unlock()
	if km != nil {
		return km, nil
	}
	if !keyIDRE.MatchString(keyID) {
		return nil, ErrUnknownKey
	}
	var orgID int64
	var certPEM string
	err := s.db.Reader().QueryRow(ctx, "SELECT org_id, certificate FROM esign_keys WHERE key_id = ?", keyID).Scan(&orgID, &certPEM)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrUnknownKey
	}
	if err != nil {
		return nil, fmt.Errorf("esign: key %s: %w", keyID, err)
	}
	km, err = parseMaterial(orgID, certPEM)
	if err != nil {
		return nil, fmt.Errorf("esign: key %s: %w", keyID, err)
	}
	s.mu.Lock()
	s.pub[keyID] = km
	s.mu.Unlock()
	return km, nil
}

func parseMaterial(orgID int64, certPEM string) (*keyMaterial, error) {
	cert, err := smx509.ParseCertificatePEM([]byte(certPEM))
	if err != nil {
		return nil, err
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !sm2.IsSM2PublicKey(pub) {
		return nil, errors.New("certificate key is not SM2")
	}
	return &keyMaterial{orgID: orgID, pub: pub, cert: cert}, nil
}

// privateKey opens keyID's private key from the keystore (once).
func (s *Service) privateKey(keyID string) (*sm2.PrivateKey, error) {
	s.mu.Lock()
	priv := s.priv[keyID]
	s.mu.Unlock()
	if priv != nil {
		return priv, nil
	}
	priv, err := s.ks.load(keyID)
	if errors.Is(err, errNoKeyFile) {
		return nil, fmt.Errorf("esign: 本进程的密钥库中没有电子签章密钥 %s 的私钥文件（%s）。共用一个数据库的所有进程必须共用同一个数据目录下的 %s 目录和主密钥（ZWFW_ESIGN_KEY 或 %s），如同共用 audit.key：%w",
			keyID, s.ks.path(keyID), KeystoreDir, MasterKeyFile, err)
	}
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.priv[keyID] = priv
	s.mu.Unlock()
	return priv, nil
}

// activeKeyID reads the organisation's active key (sql.ErrNoRows: none).
func (s *Service) activeKeyID(ctx context.Context, q db.Querier, orgID int64) (string, error) {
	var id string
	err := q.QueryRow(ctx, "SELECT key_id FROM esign_active WHERE org_id = ?", orgID).Scan(&id)
	return id, err
}

// ensureKey returns the organisation's active key id, making the first key
// in tx when there is none. Two processes making one at once: the primary
// key of esign_active lets one win; the other removes its key and reads
// the winner's.
func (s *Service) ensureKey(ctx context.Context, tx *db.Tx, orgID int64) (string, error) {
	id, err := s.activeKeyID(ctx, tx, orgID)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return id, err
	}
	pk, err := s.newKey(ctx, tx, orgID)
	if err != nil {
		return "", err
	}
	res, err := tx.Exec(ctx, "INSERT INTO esign_active (org_id, key_id, since) VALUES (?, ?, ?) ON CONFLICT (org_id) DO NOTHING",
		orgID, pk.KeyID, db.Millis(pk.CreatedAt))
	if err != nil {
		return "", fmt.Errorf("esign: activate key: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return "", err
	} else if n == 0 {
		// Another process made the first key meanwhile.
		if _, err := tx.Exec(ctx, "DELETE FROM esign_keys WHERE key_id = ?", pk.KeyID); err != nil {
			return "", err
		}
		s.ks.remove(pk.KeyID)
		return s.activeKeyID(ctx, tx, orgID)
	}
	err = audit.RecordFor(ctx, tx, orgID, pk.CreatedAt, zwfw.System, "esign.key.create", "esign_key:"+pk.KeyID,
		map[string]string{"org": pk.OrgCode, "key_id": pk.KeyID, "fingerprint": pk.Fingerprint, "why": "首次签章"})
	return pk.KeyID, err
}

// newKey makes a key for the organisation: the private key into the
// keystore, the public key and certificate into esign_keys (not yet
// active).
func (s *Service) newKey(ctx context.Context, tx *db.Tx, orgID int64) (PublicKey, error) {
	o, err := s.orgs.ByID(ctx, orgID)
	if err != nil {
		return PublicKey{}, fmt.Errorf("esign: organisation %d: %w", orgID, err)
	}
	region := ""
	if r, err := s.orgs.RegionOf(ctx, o); err == nil && r != nil {
		region = r.DisplayName()
	}
	now := s.now()
	priv, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return PublicKey{}, err
	}
	keyID, err := KeyID(&priv.PublicKey)
	if err != nil {
		return PublicKey{}, err
	}
	certDER, err := selfSigned(priv, o, region, now)
	if err != nil {
		return PublicKey{}, fmt.Errorf("esign: certificate: %w", err)
	}
	spki, err := smx509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return PublicKey{}, err
	}
	fp := sm3.Sum(certDER)
	pk := PublicKey{KeyID: keyID, OrgID: o.ID, OrgCode: o.Code, OrgName: o.DisplayName(), CreditCode: o.CreditCode, OrgPath: o.Path,
		PEM:         string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki})),
		CertPEM:     string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER})),
		Fingerprint: hex.EncodeToString(fp[:]), CreatedAt: now}
	if err := s.ks.store(keyID, priv); err != nil {
		return PublicKey{}, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO esign_keys (key_id, org_id, public_key, certificate, fingerprint, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, keyID, o.ID, pk.PEM, pk.CertPEM, pk.Fingerprint, db.Millis(now)); err != nil {
		s.ks.remove(keyID)
		return PublicKey{}, fmt.Errorf("esign: record key: %w", err)
	}
	s.mu.Lock()
	s.priv[keyID] = priv
	s.mu.Unlock()
	return pk, nil
}

const keyCols = `k.key_id, k.org_id, o.code, o.name, o.full_name, o.credit_code, o.path, k.public_key, k.certificate, k.fingerprint,
	k.created_at, k.retired_at, CASE WHEN a.key_id IS NULL THEN 0 ELSE 1 END`

const keyFrom = ` FROM esign_keys k JOIN orgs o ON o.id = k.org_id LEFT JOIN esign_active a ON a.key_id = k.key_id`

func scanKey(row interface{ Scan(...any) error }) (PublicKey, error) {
	var k PublicKey
	var name, full string
	var created, retired int64
	var active int
	err := row.Scan(&k.KeyID, &k.OrgID, &k.OrgCode, &name, &full, &k.CreditCode, &k.OrgPath, &k.PEM, &k.CertPEM, &k.Fingerprint,
		&created, &retired, &active)
	k.OrgName = full
	if k.OrgName == "" {
		k.OrgName = name
	}
	k.CreatedAt = db.Time(created)
	if retired != 0 {
		k.RetiredAt = db.Time(retired)
	}
	k.Active = active == 1
	return k, err
}

// PublicKey returns the key keyID, active or retired (ENOTFOUND when there
// is none).
func (s *Service) PublicKey(ctx context.Context, keyID string) (PublicKey, error) {
	if !keyIDRE.MatchString(keyID) {
		return PublicKey{}, zwfw.Errorf(zwfw.ENOTFOUND, "没有编号为“%s”的电子签章密钥", keyID)
	}
	k, err := scanKey(s.db.Reader().QueryRow(ctx, "SELECT "+keyCols+keyFrom+" WHERE k.key_id = ?", keyID))
	if err != nil {
		return PublicKey{}, db.NotFound(err, fmt.Sprintf("没有编号为“%s”的电子签章密钥", keyID))
	}
	return k, nil
}

// PublicKeys lists every key, the organisations in tree order, each
// organisation's active key first, then its retired ones, the last retired
// first (the public page and the API).
func (s *Service) PublicKeys(ctx context.Context) ([]PublicKey, error) {
	return s.list(ctx, "", nil)
}

// OrgKeys lists the organisation's keys, the active one first.
func (s *Service) OrgKeys(ctx context.Context, orgID int64) ([]PublicKey, error) {
	return s.list(ctx, " WHERE k.org_id = ?", []any{orgID})
}

func (s *Service) list(ctx context.Context, where string, args []any) ([]PublicKey, error) {
	// Each organisation's active key first, then the retired ones, the
	// last retired first.
	rows, err := s.db.Reader().Query(ctx, "SELECT "+keyCols+keyFrom+where+
		" ORDER BY o.path, CASE WHEN a.key_id IS NULL THEN 1 ELSE 0 END, k.retired_at DESC, k.created_at DESC, k.key_id", args...)
	if err != nil {
		return nil, fmt.Errorf("esign: keys: %w", err)
	}
	defer rows.Close()
	var out []PublicKey
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}
