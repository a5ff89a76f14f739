package esign

import "testing"

// PrivateScalar returns the private scalar of keyID, big-endian (tests of
// the keystore at rest).
func PrivateScalar(t testing.TB, s *Service, keyID string) []byte {
	t.Helper()
	priv, err := s.privateKey(keyID)
	if err != nil {
		t.Fatal(err)
	}
	return priv.D.FillBytes(make([]byte, 32))
}
