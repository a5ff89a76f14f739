package casework

// The electronic licence (电子证照) a completion issues: §2(3) "积极推动电子
// 证照……的应用". The issuing is internal/licence's; casework only calls it,
// through LicenceIssuer, in the completion's transaction (licence imports
// casework, not the other way round).

import (
	"context"
	"time"

	"zwfw"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
)

// LicenceIssuer issues the licence of a case completed approved whose item
// has a licence type (catalog.Item.Licence).
type LicenceIssuer interface {
	// Issue writes the licence in tx and returns its identifier.
	Issue(ctx context.Context, tx *db.Tx, c *Case, it *catalog.Item, r Result, actor *zwfw.Actor, now time.Time) (string, error)
}

// SetLicenceIssuer sets the issuer (app wiring; nil: no licences issued).
func (s *Service) SetLicenceIssuer(l LicenceIssuer) { s.licences = l }

// issueLicence issues the licence of an approved completion, when the item
// has a licence type, and names it in the result.
func (a *act) issueLicence(r *Result) error {
	if !r.Approved || a.it.Licence == nil || a.s.licences == nil {
		return nil
	}
	id, err := a.s.licences.Issue(a.ctx, a.tx, a.c, a.it, *r, a.actor, a.now)
	if err != nil {
		return err
	}
	r.Licence = id
	a.detail["licence"] = id
	return nil
}
