package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/scope"
)

// Searching the catalog: a Query's filters and words, the matching items
// and their count.

// Query filters the catalog. Empty fields do not filter.
type Query struct {
	Q        string // words: see search.go
	Dept     string // department org code
	Level    string // county, town, village
	Type     string // type code or name
	Kind     string // kind code or name
	Audience string // person or enterprise
	Theme    string
	Status   string // active (default), cancelled, all
	Within   string // an organisation's path: only items of departments in its subtree ("" all)
	Limit    int    // default 50, at most 500
	Offset   int
}

// Search lists current items matching q and the total count of matches:
// without words in catalogue order (department, code); with words ranked by
// how well they match (see search.go).
func (s *Service) Search(ctx context.Context, q Query) ([]*Item, int, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if q.Limit > 500 {
		q.Limit = 500
	}
	if q.Offset < 0 {
		q.Offset = 0
	}
	if len(Terms(q.Q)) > 0 {
		items, n, err := s.search(ctx, q)
		if err == nil {
			err = markShared(ctx, s.db.Reader(), items)
		}
		return items, n, err
	}
	where, args, err := q.filters()
	if err != nil {
		return nil, 0, err
	}
	from := " FROM items i JOIN orgs d ON d.id = i.dept_id WHERE " + where
	var total int
	if err := s.db.QueryRow(ctx, "SELECT COUNT(*)"+from, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("catalog: count: %w", err)
	}
	rows, err := s.db.Query(ctx, "SELECT i.doc"+from+" ORDER BY d.sort, d.code, i.code, i.impl_code LIMIT ? OFFSET ?", append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("catalog: search: %w", err)
	}
	defer rows.Close()
	out := []*Item{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, 0, err
		}
		var it Item
		if err := json.Unmarshal([]byte(doc), &it); err != nil {
			return nil, 0, err
		}
		out = append(out, &it)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	return out, total, markShared(ctx, s.db.Reader(), out)
}

// filters is the WHERE clause of q's filters other than its words.
func (q Query) filters() (string, []any, error) {
	where := []string{"1=1"}
	var args []any
	if q.Dept != "" {
		where = append(where, "d.code = ?")
		args = append(args, q.Dept)
	}
	if q.Within != "" {
		cond, cargs := scope.Subtree(q.Within).Cond("d.path")
		where = append(where, cond)
		args = append(args, cargs...)
	}
	if q.Level != "" {
		lv := q.Level
		if c, ok := Levels.lookup(lv); ok {
			lv = c
		}
		where = append(where, "i.levels LIKE ?")
		args = append(args, "%,"+db.Like(lv)+",%")
	}
	if q.Type != "" {
		t := q.Type
		if c, ok := Types.lookup(t); ok {
			t = c
		}
		where = append(where, "i.type = ?")
		args = append(args, t)
	}
	if q.Kind != "" {
		k := q.Kind
		if c, ok := Kinds.lookup(k); ok {
			k = c
		}
		where = append(where, "i.kind = ?")
		args = append(args, k)
	}
	if q.Audience != "" {
		a := q.Audience
		if c, ok := Audiences.lookup(a); ok {
			a = c
		}
		where = append(where, "i.audience LIKE ?")
		args = append(args, "%,"+db.Like(a)+",%")
	}
	if q.Theme != "" {
		where = append(where, "i.themes LIKE ?")
		args = append(args, "%,"+db.Like(q.Theme)+",%")
	}
	switch q.Status {
	case "", StatusActive:
		where = append(where, "i.status = 'active'")
	case StatusCancelled:
		where = append(where, "i.status = 'cancelled'")
	case "all":
	default:
		return "", nil, zwfw.Errorf(zwfw.EINVALID, "status 应为 active、cancelled 或 all")
	}
	return strings.Join(where, " AND "), args, nil
}
