package supervision

// 减少提交: the materials residents and enterprises did not have to submit
// because a valid electronic licence or a material accepted earlier
// provided them (§2(3): "凡是能通过网络共享复用的材料，不得要求群众重复提交").
// Each provided material is one one-time authorisation
// (material_authorisations, internal/materials); they are counted per item
// and per month, within the viewer's organisation subtree, over the
// dashboard's period.

import (
	"context"
	"sort"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
	orgscope "zwfw/internal/scope"
)

// Saved is the submissions-saved statistic of an organisation and period.
type Saved struct {
	Org       Ref           `json:"org"`
	From      string        `json:"from"`
	To        string        `json:"to"`
	Total     int64         `json:"total"`      // materials provided instead of submitted
	ByLicence int64         `json:"by_licence"` // of them, by an electronic licence
	ByLibrary int64         `json:"by_library"` // of them, by an earlier accepted material
	Cases     int64         `json:"cases"`      // applications that reused at least one material
	ByItem    []SavedFigure `json:"by_item"`    // most first
	ByMonth   []SavedFigure `json:"by_month"`   // in order, YYYY-MM
}

// SavedFigure is one line of the statistic.
type SavedFigure struct {
	Code      string `json:"code"` // item code, or month YYYY-MM
	Name      string `json:"name"`
	Saved     int64  `json:"saved"`
	ByLicence int64  `json:"by_licence"`
	ByLibrary int64  `json:"by_library"`
}

// Saved computes the statistic for the dashboard's organisation and period
// (Scope: the viewer's subtree only). A material counts for the centre it
// was filed at and for the department of its item.
func (s *Service) Saved(ctx context.Context, actor *zwfw.Actor, f Filter) (*Saved, error) {
	o, from, to, err := s.Scope(ctx, actor, f)
	if err != nil {
		return nil, err
	}
	out := &Saved{Org: Ref{Code: o.Code, Name: o.DisplayName()}, From: from.Format(calendar.DateLayout), To: to.Format(calendar.DateLayout),
		ByItem: []SavedFigure{}, ByMonth: []SavedFigure{}}
	end := to.AddDate(0, 0, 1)
	where, args := orgscope.Subtree(o.Path).Where("a.org_path", "a.dept_path").
		And("a.created_at >= ? AND a.created_at < ?", db.Millis(from), db.Millis(end)).SQL()
	rows, err := s.db.Query(ctx, `SELECT a.item_code, MAX(a.item_name), a.month, a.source, COUNT(*)
		FROM material_authorisations a`+where+` GROUP BY a.item_code, a.month, a.source`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	items, months := map[string]*SavedFigure{}, map[string]*SavedFigure{}
	for rows.Next() {
		var code, name, month, source string
		var n int64
		if err := rows.Scan(&code, &name, &month, &source, &n); err != nil {
			return nil, err
		}
		for _, fig := range []*SavedFigure{savedFigure(items, code, name), savedFigure(months, month, month)} {
			fig.Saved += n
			if source == "licence" {
				fig.ByLicence += n
			} else {
				fig.ByLibrary += n
			}
		}
		out.Total += n
		if source == "licence" {
			out.ByLicence += n
		} else {
			out.ByLibrary += n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	cw, cargs := orgscope.Subtree(o.Path).Where("a.org_path", "a.dept_path").
		And("a.created_at >= ? AND a.created_at < ?", db.Millis(from), db.Millis(end)).SQL()
	if err := s.db.QueryRow(ctx, "SELECT COUNT(DISTINCT a.case_id) FROM material_authorisations a"+cw, cargs...).Scan(&out.Cases); err != nil {
		return nil, err
	}
	for _, f := range items {
		out.ByItem = append(out.ByItem, *f)
	}
	sort.Slice(out.ByItem, func(i, j int) bool {
		a, b := out.ByItem[i], out.ByItem[j]
		return a.Saved > b.Saved || a.Saved == b.Saved && a.Code < b.Code
	})
	for _, f := range months {
		out.ByMonth = append(out.ByMonth, *f)
	}
	sort.Slice(out.ByMonth, func(i, j int) bool { return out.ByMonth[i].Code < out.ByMonth[j].Code })
	return out, nil
}

func savedFigure(m map[string]*SavedFigure, code, name string) *SavedFigure {
	f := m[code]
	if f == nil {
		f = &SavedFigure{Code: code, Name: name}
		m[code] = f
	}
	return f
}
