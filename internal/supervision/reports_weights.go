package supervision

import (
	"context"
	"fmt"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
)

// Weights are the assessment formula administrators configure: points for a
// 100 % on-time rate and a 100 % satisfaction rate (together 100), and the
// points deducted per confirmed error and per complaint.
type Weights struct {
	OnTime       int `json:"on_time"`
	Satisfaction int `json:"satisfaction"`
	Error        int `json:"error"`
	Complaint    int `json:"complaint"`
}

// DefaultWeights apply until an administrator sets others.
var DefaultWeights = Weights{OnTime: 60, Satisfaction: 40, Error: 5, Complaint: 2}

var weightNames = []string{"on_time", "satisfaction", "error", "complaint"}

func (w *Weights) field(name string) *int {
	switch name {
	case "on_time":
		return &w.OnTime
	case "satisfaction":
		return &w.Satisfaction
	case "error":
		return &w.Error
	case "complaint":
		return &w.Complaint
	}
	return nil
}

// Weights returns the assessment weights in force.
func (r *Reports) Weights(ctx context.Context) (Weights, error) {
	w := DefaultWeights
	rows, err := r.db.Query(ctx, "SELECT name, value FROM assessment_weights")
	if err != nil {
		return w, fmt.Errorf("supervision: weights: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var v int
		if err := rows.Scan(&name, &v); err != nil {
			return w, err
		}
		if p := w.field(name); p != nil {
			*p = v
		}
	}
	return w, rows.Err()
}

// SetWeights changes the assessment weights (administrators only), with an
// audit entry; reports already published keep the weights they used.
func (r *Reports) SetWeights(ctx context.Context, actor *zwfw.Actor, w Weights) (Weights, error) {
	if actor == nil {
		return w, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if !actor.Has(zwfw.RoleAdmin) {
		return w, zwfw.Errorf(zwfw.EFORBIDDEN, "只有系统管理员可以设置考核权重")
	}
	var v zwfw.Invalid
	for _, n := range weightNames {
		if x := *w.field(n); x < 0 || x > 100 {
			v.Add(n, "权重应为 0–100 的整数")
		}
	}
	if w.OnTime+w.Satisfaction != 100 {
		v.Add("on_time", "按时办结率与满意率两项权重之和应为 100（现为 %d）", w.OnTime+w.Satisfaction)
	}
	if err := v.Err(); err != nil {
		return w, err
	}
	old, err := r.Weights(ctx)
	if err != nil {
		return w, err
	}
	now := r.now()
	err = r.db.InTx(ctx, func(tx *db.Tx) error {
		for _, n := range weightNames {
			if _, err := tx.Exec(ctx, `INSERT INTO assessment_weights (name, value, updated_by, updated_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
				n, *w.field(n), actor.UserID, db.Millis(now)); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, actor, "assessment.weights", "assessment:weights", map[string]any{"from": old, "to": w})
	})
	return w, err
}

// pathPrefixes lists the proper ancestors' paths of a materialised path:
// "/1/2/3/" → "/1/", "/1/2/".
func pathPrefixes(p string) []string {
	var out []string
	for i := 1; i < len(p)-1; i++ {
		if p[i] == '/' {
			out = append(out, p[:i+1])
		}
	}
	return out
}
