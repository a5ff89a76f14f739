package esign

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"zwfw/internal/org"
)

// certYears is how long a key's certificate is valid.
const certYears = 10

// selfSigned is the key's self-signed SM2 certificate (no CA issues the
// county's seals yet): CN the organisation's full name, O the county (its
// region), serialNumber its 统一社会信用代码, valid ten years, for
// signatures only. It goes into every signed PDF and onto the public page.
func selfSigned(priv *sm2.PrivateKey, o *org.Org, region string, now time.Time) ([]byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	subj := pkix.Name{CommonName: o.DisplayName(), SerialNumber: o.CreditCode, Country: []string{"CN"}}
	if region != "" {
		subj.Organization = []string{region}
	}
	// Valid from a day before: a PDF's CMS carries the wall clock's signing
	// time, which a test clock (or a skewed one) may put before now.
	from := now
	if wall := time.Now(); wall.Before(from) {
		from = wall
	}
	from = from.Add(-24 * time.Hour).UTC().Truncate(time.Second)
	tmpl := &smx509.Certificate{
		SerialNumber:          serial,
		Subject:               subj,
		Issuer:                subj,
		NotBefore:             from,
		NotAfter:              now.AddDate(certYears, 0, 0).UTC(),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		BasicConstraintsValid: true,
		SignatureAlgorithm:    smx509.SM2WithSM3,
	}
	return smx509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
}
