package audit

import (
	"context"
	"fmt"

	"zwfw/internal/db"
)

// Head is where the audit chain stood in one snapshot of the database: a
// backup records it, and a restore drill finds it again.
type Head struct {
	Entries int64  `json:"entries"` // rows in the log, chained or not
	Pos     int64  `json:"pos"`     // the last chained position
	Hash    string `json:"hash"`    // its link
	KeyID   string `json:"key_id"`  // names the audit key the chain was sealed with
	Chain   string `json:"chain"`   // the chain's identity
}

// ReadHead reads the chain's head inside q's snapshot.
func ReadHead(ctx context.Context, q db.SnapshotQuerier) (Head, error) {
	var h Head
	if err := q.QueryRowContext(ctx, "SELECT pos, hash, key_id, chain_id FROM audit_head WHERE id = 1").Scan(&h.Pos, &h.Hash, &h.KeyID, &h.Chain); err != nil {
		return h, fmt.Errorf("audit: head: %w", err)
	}
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM audit_log").Scan(&h.Entries); err != nil {
		return h, fmt.Errorf("audit: count: %w", err)
	}
	return h, nil
}
