package review

import (
	"context"
	"time"

	"zwfw/internal/db"
	"zwfw/internal/org"
	orgscope "zwfw/internal/scope"
	"zwfw/internal/supervision"
)

// Voice is the 差评整改 part of the public's voice in the annual assessment
// (supervision.VoiceFigures; "评价结果作为部门和个人年度考核的重要依据"): the
// work orders opened in [from, to) under path, per unit — the window or
// department that owns the order, a window's centre too, and the staff
// member rated. A cleared (invalid) review counts for nothing; a valid one
// is a 差评 owing a call-back; it is rectified once its result was sent
// (待追评 or 已办结); it was called back when a call-back reached the
// evaluator (not 无法回访).
func (s *Service) Voice(ctx context.Context, path string, from, to time.Time) (map[string]supervision.VoiceCounts, error) {
	cond, args := orgscope.Subtree(path).Cond("r.org_path")
	out := map[string]supervision.VoiceCounts{}
	err := s.db.ReadTx(ctx, func(q db.Querier) error {
		rows, err := q.Query(ctx, `SELECT o.code, o.kind, COALESCE(p.code, ''), COALESCE(u.username, ''), r.status,
			CASE WHEN EXISTS (SELECT 1 FROM rectification_events e WHERE e.rectification_id = r.id AND e.action = ? AND e.outcome <> ?) THEN 1 ELSE 0 END
			FROM rectifications r JOIN orgs o ON o.id = r.owner_id LEFT JOIN orgs p ON p.id = o.parent_id LEFT JOIN users u ON u.id = r.staff_id
			WHERE `+cond+` AND r.created_at >= ? AND r.created_at < ? AND r.status <> ?`,
			append(append([]any{ActCallback, "无法回访"}, args...), db.Millis(from), db.Millis(to), StCleared)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var code, kind, parent, staff, status string
			var called int
			if err := rows.Scan(&code, &kind, &parent, &staff, &status, &called); err != nil {
				return err
			}
			keys := []string{code}
			if kind == org.KindWindow && parent != "" {
				keys = append(keys, parent)
			}
			if staff != "" {
				keys = append(keys, staff)
			}
			for _, k := range keys {
				v := out[k]
				v.BadReviews++
				v.CallbackDue++
				if status == StFollowUp || status == StClosed {
					v.Rectified++
				}
				v.CalledBack += called
				out[k] = v
			}
		}
		return rows.Err()
	})
	return out, err
}
