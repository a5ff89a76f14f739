package complaint

import (
	"context"
	"time"

	"zwfw/internal/db"
	"zwfw/internal/org"
	orgscope "zwfw/internal/scope"
	"zwfw/internal/supervision"
)

// Voice is the complaints part of the public's voice in the annual
// assessment (supervision.VoiceFigures): the 投诉 (not suggestions,
// questions or praise) filed in [from, to) under path and assigned to a
// unit, counted against that unit — a window, and its centre too, or a
// department or centre.
func (s *Service) Voice(ctx context.Context, path string, from, to time.Time) (map[string]supervision.VoiceCounts, error) {
	cond, args := orgscope.Subtree(path).Cond("c.org_path")
	out := map[string]supervision.VoiceCounts{}
	err := s.db.ReadTx(ctx, func(q db.Querier) error {
		rows, err := q.Query(ctx, `SELECT u.code, u.kind, COALESCE(p.code, '')
			FROM complaints c JOIN orgs u ON u.id = c.unit_id LEFT JOIN orgs p ON p.id = u.parent_id
			WHERE `+cond+` AND c.kind = ? AND c.created_at >= ? AND c.created_at < ?`,
			append(args, KindComplaint, db.Millis(from), db.Millis(to))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var code, kind, parent string
			if err := rows.Scan(&code, &kind, &parent); err != nil {
				return err
			}
			keys := []string{code}
			if kind == org.KindWindow && parent != "" {
				keys = append(keys, parent)
			}
			for _, k := range keys {
				v := out[k]
				v.Complaints++
				out[k] = v
			}
		}
		return rows.Err()
	})
	return out, err
}
