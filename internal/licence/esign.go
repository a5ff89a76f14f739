package licence

import (
	"context"

	"zwfw/internal/db"
	"zwfw/internal/esign"
)

// ESign is the Signer of the organisations' keys (internal/esign).
func ESign(e *esign.Service) Signer { return esigner{e} }

type esigner struct{ e *esign.Service }

func (s esigner) SignTx(ctx context.Context, tx *db.Tx, orgID int64, data []byte) (string, []byte, error) {
	sig, err := s.e.SignTx(ctx, tx, orgID, data)
	return sig.KeyID, sig.Value, err
}

func (s esigner) Verify(ctx context.Context, keyID string, data, sig []byte) error {
	return s.e.Verify(ctx, keyID, data, sig)
}
