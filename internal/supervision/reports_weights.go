package supervision

import (
	"context"
	"fmt"
	"strings"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/org"
	orgscope "zwfw/internal/scope" // overview.go has a type scope
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

// OrgWeights are the weights in force for an organisation. Weights belong
// to an organisation — a county's apply to its subtree, the city's to
// every county that has set none — and only that organisation's own
// administrators change them.
type OrgWeights struct {
	Weights
	Org       string `json:"org"`                   // the organisation asked about
	OrgName   string `json:"org_name"`              //
	SetBy     string `json:"set_by,omitempty"`      // the organisation whose weights apply; empty: the defaults
	SetByName string `json:"set_by_name,omitempty"` //
	path      string
}

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

// ownsWeights reports whether an organisation of kind may hold weights:
// the city and the counties, which assess their departments and windows.
func ownsWeights(kind string) bool { return org.HoldsSettings(kind) }

// weightsFor are the weights in force for the organisation at path: those
// of the nearest organisation on its path (itself first) that set some,
// else the defaults.
func (r *Reports) weightsFor(ctx context.Context, path string) (OrgWeights, error) {
	out := OrgWeights{Weights: DefaultWeights}
	var err error
	out.SetBy, out.SetByName, err = r.loadWeights(ctx, path, weightNames, func(name string, v int) {
		if f := out.field(name); f != nil {
			*f = v
		}
	})
	return out, err
}

// loadWeights reads the weights named names in force at path — those of
// the nearest organisation on its path (itself first) that set any of
// them — into set, and says whose they are ("" for none: the defaults).
func (r *Reports) loadWeights(ctx context.Context, path string, names []string, set func(name string, v int)) (string, string, error) {
	paths := append(pathPrefixes(path), path)
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(paths)), ", ")
	args := make([]any, 0, len(paths)+len(names))
	for _, p := range paths {
		args = append(args, p)
	}
	for _, n := range names {
		args = append(args, n)
	}
	rows, err := r.db.Query(ctx, `SELECT o.code, CASE WHEN o.full_name = '' THEN o.name ELSE o.full_name END, o.path, w.name, w.value
		FROM assessment_weights w JOIN orgs o ON o.id = w.org_id WHERE o.path IN (`+marks+`)
		AND w.name IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ")+`) ORDER BY o.depth DESC, w.name`, args...)
	if err != nil {
		return "", "", fmt.Errorf("supervision: weights: %w", err)
	}
	defer rows.Close()
	var by, byName string
	for rows.Next() {
		var code, name, p, field string
		var v int
		if err := rows.Scan(&code, &name, &p, &field, &v); err != nil {
			return "", "", err
		}
		if by != "" && by != code {
			break // a farther organisation's: the nearest one's are in force
		}
		by, byName = code, name
		set(field, v)
	}
	return by, byName, rows.Err()
}

// weightsOrg is the organisation code names, or the actor's own when code
// is empty.
func (r *Reports) weightsOrg(ctx context.Context, actor *zwfw.Actor, code string) (*org.Org, error) {
	if code = strings.TrimSpace(code); code == "" {
		code = actor.OrgCode
	}
	o, err := org.Lookup(ctx, r.db.Reader(), code)
	if err != nil {
		return nil, &zwfw.Error{Code: zwfw.EINVALID, Message: fmt.Sprintf("机构“%s”不存在", code), Details: []zwfw.ErrorDetail{{Field: "org", Message: "机构不存在"}}}
	}
	return o, nil
}

// Weights returns the weights in force for the organisation with code (the
// actor's own when empty): staff may read those of their subtree and those
// that apply to them from above.
func (r *Reports) Weights(ctx context.Context, actor *zwfw.Actor, code string) (OrgWeights, error) {
	if actor == nil {
		return OrgWeights{}, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if !actor.IsStaff() && actor.Kind != zwfw.KindSystem {
		return OrgWeights{}, zwfw.Errorf(zwfw.EFORBIDDEN, "考核权重仅供工作人员查看")
	}
	o, err := r.weightsOrg(ctx, actor, code)
	if err != nil {
		return OrgWeights{}, err
	}
	if !orgscope.Of(actor).Contains(o.Path) && !strings.HasPrefix(actor.OrgPath, o.Path) {
		return OrgWeights{}, zwfw.Errorf(zwfw.EFORBIDDEN, "机构“%s”不在您的管辖范围内", o.DisplayName())
	}
	w, err := r.weightsFor(ctx, o.Path)
	w.Org, w.OrgName, w.path = o.Code, o.DisplayName(), o.Path
	return w, err
}

// MayEditWeights reports whether the actor may set the weights of the
// organisation with code (the actor's own when empty): the administrators
// of that organisation, when it is the city or a county.
func (r *Reports) MayEditWeights(ctx context.Context, actor *zwfw.Actor, code string) bool {
	o, err := r.weightsOrg(ctx, actor, code)
	return err == nil && mayEditWeights(actor, o) == nil
}

func mayEditWeights(actor *zwfw.Actor, o *org.Org) error {
	return org.MaySetSettings(actor, o, "考核权重")
}

// SetWeights sets the assessment weights of the actor's own organisation
// (SetOrgWeights without a code).
func (r *Reports) SetWeights(ctx context.Context, actor *zwfw.Actor, w Weights) (Weights, error) {
	ow, err := r.SetOrgWeights(ctx, actor, "", w)
	if err != nil {
		return w, err
	}
	return ow.Weights, nil
}

// SetOrgWeights sets the assessment weights of the organisation with code
// (the actor's own when empty), with an audit entry; they apply to its
// subtree wherever no organisation below set its own. Reports already
// published keep the weights they used.
func (r *Reports) SetOrgWeights(ctx context.Context, actor *zwfw.Actor, code string, w Weights) (OrgWeights, error) {
	if actor == nil {
		return OrgWeights{}, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if !actor.Has(zwfw.RoleAdmin) && actor.Kind != zwfw.KindSystem {
		return OrgWeights{}, zwfw.Errorf(zwfw.EFORBIDDEN, "只有系统管理员可以设置考核权重")
	}
	o, err := r.weightsOrg(ctx, actor, code)
	if err != nil {
		return OrgWeights{}, err
	}
	if err := mayEditWeights(actor, o); err != nil {
		return OrgWeights{}, err
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
		return OrgWeights{}, err
	}
	old, err := r.weightsFor(ctx, o.Path)
	if err != nil {
		return OrgWeights{}, err
	}
	now := r.now()
	var by any
	if actor.UserID != 0 {
		by = actor.UserID
	}
	err = r.db.InTx(ctx, func(tx *db.Tx) error {
		for _, n := range weightNames {
			if _, err := tx.Exec(ctx, `INSERT INTO assessment_weights (org_id, name, value, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (org_id, name) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
				o.ID, n, *w.field(n), by, db.Millis(now)); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, actor, "assessment.weights", "assessment:weights:"+o.Code,
			map[string]any{"org": o.Code, "from": old.Weights, "to": w})
	})
	if err != nil {
		return OrgWeights{}, err
	}
	return OrgWeights{Weights: w, Org: o.Code, OrgName: o.DisplayName(), SetBy: o.Code, SetByName: o.DisplayName(), path: o.Path}, nil
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
