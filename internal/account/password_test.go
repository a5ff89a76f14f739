package account_test

import (
	"strings"
	"testing"

	"github.com/alexedwards/argon2id"

	"zwfw/internal/account"
)

// Production hashes cost the OWASP minimum for argon2id (19 MiB, two
// passes, one lane). Test instances of the whole app lower the cost
// (apptest); this test binary does not import them, so it sees the
// production value.
func TestProductionHashCost(t *testing.T) {
	p := account.Params
	if p.Memory != 19*1024 || p.Iterations != 2 || p.Parallelism != 1 || p.SaltLength != 16 || p.KeyLength != 32 {
		t.Fatalf("argon2id parameters %+v, want m=19456 t=2 p=1", *p)
	}
	h, err := argon2id.CreateHash("Ningshan@2026", p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %s", h)
	}
}
