package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"zwfw"
	"zwfw/internal/db"
)

// One catalog, the same codes (实施方案 §2(2) "统一事项、统一标准、同一编码";
// issue 14 item 4): a 基本编码 names the same item at every level and in
// every county, so several implementing departments — 宁陕县's and 石泉县's
// in one deployment, or a county's and its towns' — each implement it
// under their own 实施编码. Which implementation a code means is decided
// here, once, for every caller:
//
//   - a code that one item has is that item (a deployment of one county
//     keeps every URL and stored code it had);
//   - a key that is no item's 基本编码 is looked up as a 实施编码 (unique);
//   - a code several items share, seen from an organisation (a case's
//     department, a centre, a staff member's organisation), is the
//     implementation nearest to it: the one whose department shares the
//     longest stretch of the organisation tree with it, and among equals the
//     one whose department hangs under a region containing it (a city
//     department's item for a county with no implementation of its own);
//   - otherwise the code is ambiguous: ECONFLICT naming the implementing
//     departments, and pages link by 实施编码 instead.
//
// The same code may be implemented once per region (one department of a
// county, one of each town): checked by sameRegion on every save, so that
// the nearest implementation is never a tie for the region's own
// organisations.

type implementation struct {
	id                   int64
	implCode, deptName   string
	deptPath, regionPath string
}

func implementations(ctx context.Context, q db.Querier, code string) ([]implementation, error) {
	rows, err := q.Query(ctx, `SELECT i.id, i.impl_code, CASE WHEN d.full_name = '' THEN d.name ELSE d.full_name END, d.path, COALESCE(p.path, '')
		FROM items i JOIN orgs d ON d.id = i.dept_id LEFT JOIN orgs p ON p.id = d.parent_id WHERE i.code = ? ORDER BY d.path`, code)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []implementation
	for rows.Next() {
		var m implementation
		if err := rows.Scan(&m.id, &m.implCode, &m.deptName, &m.deptPath, &m.regionPath); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// locate returns the id of the item key means as seen from the
// organisation at path within ("" when nobody's in particular).
func locate(ctx context.Context, q db.Querier, key, within string) (int64, error) {
	id, _, err := locateShared(ctx, q, key, within)
	return id, err
}

// locateShared is locate that also says whether the item's code is shared.
func locateShared(ctx context.Context, q db.Querier, key, within string) (int64, bool, error) {
	key = strings.TrimSpace(key)
	list, err := implementations(ctx, q, key)
	if err != nil {
		return 0, false, err
	}
	switch len(list) {
	case 0:
		var id int64
		var code string
		err := q.QueryRow(ctx, "SELECT id, code FROM items WHERE impl_code = ?", key).Scan(&id, &code)
		if err != nil {
			return 0, false, db.NotFound(err, fmt.Sprintf("事项 %s 不存在", key))
		}
		var n int
		if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM items WHERE code = ?", code).Scan(&n); err != nil {
			return 0, false, err
		}
		return id, n > 1, nil
	case 1:
		return list[0].id, false, nil
	}
	if m := nearest(list, within); m != nil {
		return m.id, true, nil
	}
	return 0, true, ambiguous(key, list)
}

// markShared sets Shared on the items whose code another item has.
func markShared(ctx context.Context, q db.Querier, items []*Item) error {
	if len(items) == 0 {
		return nil
	}
	codes := make([]any, 0, len(items))
	for _, it := range items {
		codes = append(codes, it.Code)
	}
	rows, err := q.Query(ctx, "SELECT code FROM items WHERE code IN (?"+strings.Repeat(", ?", len(codes)-1)+") GROUP BY code HAVING COUNT(*) > 1", codes...)
	if err != nil {
		return err
	}
	defer rows.Close()
	shared := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return err
		}
		shared[c] = true
	}
	for _, it := range items {
		it.Shared = shared[it.Code]
	}
	return rows.Err()
}

// nearest picks the implementation nearest to within, or nil on a tie.
func nearest(list []implementation, within string) *implementation {
	if within == "" {
		return nil
	}
	var best *implementation
	bestScore, tie := -1, false
	for i := range list {
		m := &list[i]
		score := 2 * commonSegments(m.deptPath, within)
		if m.regionPath != "" && strings.HasPrefix(within, m.regionPath) {
			score++
		}
		switch {
		case score > bestScore:
			best, bestScore, tie = m, score, false
		case score == bestScore:
			tie = true
		}
	}
	if tie {
		return nil
	}
	return best
}

// commonSegments counts the leading path segments a and b share
// ("/1/2/5/" and "/1/2/7/" share 2).
func commonSegments(a, b string) int {
	as, bs := strings.Split(strings.Trim(a, "/"), "/"), strings.Split(strings.Trim(b, "/"), "/")
	n := 0
	for n < len(as) && n < len(bs) && as[n] == bs[n] && as[n] != "" {
		n++
	}
	return n
}

func ambiguous(code string, list []implementation) error {
	var names []string
	e := &zwfw.Error{Code: zwfw.ECONFLICT}
	for _, m := range list {
		names = append(names, fmt.Sprintf("%s（实施编码 %s）", m.deptName, m.implCode))
	}
	e.Message = fmt.Sprintf("基本编码 %s 由 %d 个部门实施：%s；请按实施编码指明", code, len(list), strings.Join(names, "、"))
	e.Details = []zwfw.ErrorDetail{{Field: "code", Message: "基本编码有多个实施机构，请使用实施编码"}}
	return e
}

// Implementation is one implementing department's item of a 基本编码.
type Implementation struct {
	ImplCode string `json:"impl_code"`
	DeptName string `json:"dept_name"`
}

// Implementations lists the items sharing code (one per implementing
// department), for pages that link by 实施编码 when a code is shared.
func (s *Service) Implementations(ctx context.Context, code string) ([]Implementation, error) {
	list, err := implementations(ctx, s.db.Reader(), code)
	if err != nil {
		return nil, err
	}
	out := make([]Implementation, len(list))
	for i, m := range list {
		out[i] = Implementation{ImplCode: m.implCode, DeptName: m.deptName}
	}
	return out, nil
}

// sameRegion returns an ECONFLICT when another item (not id) has code and a
// department in the same region as deptID: one implementation per region.
func sameRegion(ctx context.Context, q db.Querier, code string, deptID, id int64) error {
	var other, name string
	err := q.QueryRow(ctx, `SELECT i.impl_code, CASE WHEN d.full_name = '' THEN d.name ELSE d.full_name END
		FROM items i JOIN orgs d ON d.id = i.dept_id
		WHERE i.code = ? AND i.id <> ? AND d.parent_id = (SELECT parent_id FROM orgs WHERE id = ?)`, code, id, deptID).Scan(&other, &name)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	}
	return &zwfw.Error{Code: zwfw.ECONFLICT, Message: fmt.Sprintf("基本编码 %s 已由%s实施（实施编码 %s）：同一地区的同一事项只能由一个部门实施", code, name, other),
		Details: []zwfw.ErrorDetail{{Field: "code", Message: "基本编码重复"}}}
}

// parentPath is the path of the node above path ("/1/2/5/" → "/1/2/").
func parentPath(path string) string {
	t := strings.TrimSuffix(path, "/")
	if i := strings.LastIndex(t, "/"); i >= 0 {
		return t[:i+1]
	}
	return ""
}
