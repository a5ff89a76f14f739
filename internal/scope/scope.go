// Package scope decides which organisations a query covers. Every staff
// account sees the subtree of the organisation it belongs to (§2(1)
// 分级使用: a town's staff see only their town); the system sees
// everything; nobody else sees any organisation's data. The condition that
// says so in SQL is written here once: every list, report, warning, export
// and audit read starts from Of(actor) and adds its own filters to the
// Where it returns (in the manner of Miniflux's query builders, which
// cannot forget whose data they read).
package scope

import (
	"strings"

	"zwfw"
	"zwfw/internal/db"
)

// Scope is a part of the organisation tree: the subtree under a
// materialised path ("/1/2/"), everything, or nothing.
type Scope struct {
	path string // the subtree's path; "" with all=false is nothing
	all  bool
}

// All is the whole tree.
var All = Scope{all: true}

// None is no organisation at all.
var None = Scope{}

// Of is the part of the tree an actor's queries cover: a staff account its
// organisation's subtree, the system everything, applicants and the
// anonymous no organisation (they reach their own records by owner, not by
// organisation).
func Of(a *zwfw.Actor) Scope {
	switch {
	case a == nil:
		return None
	case a.Kind == zwfw.KindSystem:
		return All
	case a.Kind == zwfw.KindStaff && a.OrgPath != "":
		return Subtree(a.OrgPath)
	}
	return None
}

// Subtree is the part of the tree under path (the organisation itself
// included). An empty path is nothing.
func Subtree(path string) Scope {
	if path == "" {
		return None
	}
	if path == "/" {
		return All
	}
	return Scope{path: path}
}

// IsAll reports whether the scope is the whole tree.
func (s Scope) IsAll() bool { return s.all }

// IsNone reports whether the scope covers no organisation.
func (s Scope) IsNone() bool { return !s.all && s.path == "" }

// Path is the subtree's path ("/" for everything, "" for nothing).
func (s Scope) Path() string {
	if s.all {
		return "/"
	}
	return s.path
}

// Contains reports whether the organisation with materialised path p lies
// in the scope.
func (s Scope) Contains(p string) bool {
	switch {
	case s.all:
		return true
	case s.path == "" || p == "":
		return false
	}
	return strings.HasPrefix(p, s.path)
}

// ContainsAny reports whether any of paths lies in the scope (empty paths
// are skipped).
func (s Scope) ContainsAny(paths ...string) bool {
	for _, p := range paths {
		if p != "" && s.Contains(p) {
			return true
		}
	}
	return false
}

// Cond is the SQL condition that any of the path columns lies in the scope,
// and its arguments: "1 = 1" for everything, "1 = 0" for nothing. For
// Subtree("/1/2_3/").Cond("c.org_path") it is
//
//	c.org_path LIKE ? ESCAPE '\'   with "/1/2\_3/%"
//
// — the only place the platform writes that condition (a test in this
// package fails if another file does).
func (s Scope) Cond(cols ...string) (string, []any) {
	switch {
	case s.all:
		return "1 = 1", nil
	case s.path == "" || len(cols) == 0:
		return "1 = 0", nil
	}
	p := db.Like(s.path) + "%"
	parts := make([]string, len(cols))
	args := make([]any, len(cols))
	for i, c := range cols {
		parts[i] = c + ` LIKE ? ESCAPE '\'`
		args[i] = p
	}
	if len(parts) == 1 {
		return parts[0], args
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// Where collects the conditions of a query, AND-ed, with their arguments.
// Start one from a scope (Scope.Where) so that the query cannot leave it.
type Where struct {
	conds []string
	args  []any
}

// Where starts the conditions of a query with "any of the path columns lies
// in the scope".
func (s Scope) Where(cols ...string) *Where {
	return (&Where{}).AndIn(s, cols...)
}

// Unscoped starts the conditions of a query that is not about
// organisations' data (an applicant's own records, a public list): the
// caller states why in a comment.
func Unscoped() *Where { return &Where{} }

// And adds a condition and its arguments.
func (w *Where) And(cond string, args ...any) *Where {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
	return w
}

// AndIn adds "col lies in the subtree s".
func (w *Where) AndIn(s Scope, cols ...string) *Where {
	if s.all {
		return w
	}
	cond, args := s.Cond(cols...)
	return w.And(cond, args...)
}

// SQL is " WHERE …" (empty without conditions) and the arguments.
func (w *Where) SQL() (string, []any) {
	if len(w.conds) == 0 {
		return "", w.args
	}
	return " WHERE " + strings.Join(w.conds, " AND "), w.args
}

// Conds are the conditions so far, for callers that join them themselves.
func (w *Where) Conds() ([]string, []any) { return w.conds, w.args }

// Above is the SQL condition that the organisation whose path is in col is
// one of paths or an ancestor of one (the supervisors above a case, say),
// and its arguments. Empty paths are skipped; none left is "1 = 0".
func Above(col string, paths ...string) (string, []any) {
	var parts []string
	var args []any
	for _, p := range paths {
		if p == "" {
			continue
		}
		parts = append(parts, "? LIKE "+col+" || '%'")
		args = append(args, p)
	}
	switch len(parts) {
	case 0:
		return "1 = 0", nil
	case 1:
		return parts[0], args
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}
