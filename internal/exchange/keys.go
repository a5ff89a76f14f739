package exchange

import (
	"crypto/ecdsa"
	"encoding/pem"
	"fmt"

	"github.com/emmansun/gmsm/smx509"

	"zwfw/internal/esign"
)

// publicPEM writes pub as SubjectPublicKeyInfo PEM and names it as esign
// does (esign.KeyID).
func publicPEM(pub *ecdsa.PublicKey) (string, string, error) {
	der, err := smx509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", "", fmt.Errorf("exchange: public key: %w", err)
	}
	id, err := esign.KeyID(pub)
	if err != nil {
		return "", "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), id, nil
}
