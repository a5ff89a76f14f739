// Package cheaphash, imported by a test for its effect, makes the accounts
// that test creates hash their passwords with argon2id at its smallest
// cost (1 MiB, one pass). Tests seed some thirty demo accounts per
// database and sign in often; at the production cost (account.Params, 19
// MiB and two passes) that was a second or more of CPU per database. The
// hashes are real argon2id all the same, and internal/account's
// TestProductionHashCost holds the production parameters. Never import it
// outside tests.
package cheaphash

import (
	"github.com/alexedwards/argon2id"

	"zwfw/internal/account"
)

func init() {
	account.Params = &argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
}
