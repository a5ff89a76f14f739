package complaint

import (
	"context"
	"fmt"

	"zwfw"
	"zwfw/internal/db"
	orgscope "zwfw/internal/scope"
)

// Place is an organisation a complaint is filed at or assigned to.
type Place struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	Depth int    `json:"depth"`
}

func places(ctx context.Context, q db.Querier, w *orgscope.Where) ([]Place, error) {
	where, args := w.SQL()
	rows, err := q.Query(ctx, `SELECT o.code, CASE WHEN o.full_name = '' THEN o.name ELSE o.full_name END, o.kind, o.path FROM orgs o`+where+` ORDER BY o.path`, args...)
	if err != nil {
		return nil, fmt.Errorf("complaint: places: %w", err)
	}
	defer rows.Close()
	out := []Place{}
	for rows.Next() {
		var p Place
		var path string
		if err := rows.Scan(&p.Code, &p.Name, &p.Kind, &path); err != nil {
			return nil, err
		}
		for _, ch := range path {
			if ch == '/' {
				p.Depth++
			}
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Centre is an active service centre the public may file at, for the
// 意见箱 page (404 when there is none with code).
func (s *Service) Centre(ctx context.Context, code string) (*Place, error) {
	ps, err := places(ctx, s.db.Reader(), orgscope.Unscoped(). // public: any active centre
									And("o.code = ? AND o.kind = 'centre' AND o.active = ?", code, true))
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "服务中心“%s”不存在", code)
	}
	return &ps[0], nil
}

// Centres are the active county and town service centres (and the
// city's), which the public form offers; a village's station files at its
// town's centre.
func (s *Service) Centres(ctx context.Context) ([]Place, error) {
	return places(ctx, s.db.Reader(), orgscope.Unscoped(). // public: the list of centres
								And(`o.kind = 'centre' AND o.active = ? AND o.parent_id IN (SELECT id FROM orgs WHERE kind IN ('city', 'county', 'town'))`, true))
}

// FilePlaces are where the actor may register a complaint: the active
// centres and regions in the actor's subtree.
func (s *Service) FilePlaces(ctx context.Context, actor *zwfw.Actor) ([]Place, error) {
	return places(ctx, s.db.Reader(), orgscope.Of(actor).Where("o.path").
		And("o.kind IN ('centre', 'county', 'town') AND o.active = ?", true))
}

// Units are the departments, centres and windows the actor may assign a
// complaint to: the active ones in the actor's subtree.
func (s *Service) Units(ctx context.Context, actor *zwfw.Actor) ([]Place, error) {
	return places(ctx, s.db.Reader(), orgscope.Of(actor).Where("o.path").
		And("o.kind IN ('dept', 'centre', 'window') AND o.active = ?", true))
}
