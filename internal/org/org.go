// Package org keeps the organisation tree (§2(1), attachment 2 (1)(2)):
// regions 市 → 县 → 镇 → 村/社区 with their national division codes, and
// attached to them the departments, the service centres (县政务服务中心,
// 镇便民服务中心, 村便民服务站) and the centres' windows. A staff account
// belongs to one node and sees that node's subtree.
package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/scope"
)

// Kinds of node.
const (
	KindCity    = "city"    // 市
	KindCounty  = "county"  // 县
	KindTown    = "town"    // 镇 (乡、街道)
	KindVillage = "village" // 村 (社区)
	KindDept    = "dept"    // 部门 (县直部门, 镇站所)
	KindCentre  = "centre"  // 政务服务中心 / 便民服务中心 / 便民服务站
	KindWindow  = "window"  // 窗口
)

// Window types (attachment 2 (2)2: 综合窗口 and 专业窗口).
const (
	WindowComprehensive = "comprehensive" // 综合窗口
	WindowSpecialised   = "specialised"   // 专业窗口
	WindowPayment       = "payment"       // 银行收费窗口 (收缴分离, attachment 2 (5)4)
)

// KindName is the Chinese name of a kind.
func KindName(k string) string {
	switch k {
	case KindCity:
		return "市"
	case KindCounty:
		return "县"
	case KindTown:
		return "镇"
	case KindVillage:
		return "村（社区）"
	case KindDept:
		return "部门"
	case KindCentre:
		return "服务中心"
	case KindWindow:
		return "窗口"
	}
	return k
}

// WindowTypeName is the Chinese name of a window type.
func WindowTypeName(t string) string {
	switch t {
	case WindowComprehensive:
		return "综合窗口"
	case WindowSpecialised:
		return "专业窗口"
	case WindowPayment:
		return "收费窗口"
	}
	return ""
}

// IsRegion reports whether kind is an administrative division.
func IsRegion(kind string) bool {
	return kind == KindCity || kind == KindCounty || kind == KindTown || kind == KindVillage
}

// parentKinds says under which kinds of node each kind may hang.
var parentKinds = map[string][]string{
	KindCity:    {""},
	KindCounty:  {KindCity},
	KindTown:    {KindCounty},
	KindVillage: {KindTown},
	KindDept:    {KindCity, KindCounty, KindTown},
	KindCentre:  {KindCity, KindCounty, KindTown, KindVillage},
	KindWindow:  {KindCentre},
}

// Org is one node of the tree.
type Org struct {
	ID         int64  `json:"-"`
	Code       string `json:"code"`
	ParentCode string `json:"parent_code,omitempty"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	FullName   string `json:"full_name,omitempty"`
	Sort       int    `json:"sort,omitempty"`
	CreditCode string `json:"credit_code,omitempty"`
	DeptCode   string `json:"dept_code,omitempty"`   // window: the department it serves
	WindowType string `json:"window_type,omitempty"` // window: comprehensive or specialised
	Phone      string `json:"phone,omitempty"`
	Address    string `json:"address,omitempty"`
	Hours      string `json:"hours,omitempty"`
	Active     bool   `json:"active"`

	ParentID int64  `json:"-"`
	Path     string `json:"-"`
	Depth    int    `json:"depth"`
	Children []*Org `json:"children,omitempty"`
}

// DisplayName is the full name when one is set, else the name.
func (o *Org) DisplayName() string {
	if o.FullName != "" {
		return o.FullName
	}
	return o.Name
}

// KindName is the Chinese name of the node's kind.
func (o *Org) KindName() string { return KindName(o.Kind) }

// Topic is what db.OnChange calls a change to the tree: a node's code,
// name, state or place (key: the node's code before the change). Caches of
// anything that carries an organisation's code or path listen to it.
const Topic = "org"

// Service reads and edits the tree.
type Service struct {
	db  *db.DB
	now func() time.Time
}

// NewService returns a Service on d; now is the clock.
func NewService(d *db.DB, now func() time.Time) *Service {
	return &Service{db: d, now: now}
}

const selectOrg = `SELECT o.id, o.code, COALESCE(p.code, ''), COALESCE(o.parent_id, 0), o.kind, o.name, o.full_name,
	o.path, o.depth, o.sort, o.credit_code, COALESCE(d.code, ''), o.window_type, o.phone, o.address, o.hours, o.active
	FROM orgs o LEFT JOIN orgs p ON p.id = o.parent_id LEFT JOIN orgs d ON d.id = o.dept_id`

func scanOrg(row interface{ Scan(...any) error }) (*Org, error) {
	var o Org
	err := row.Scan(&o.ID, &o.Code, &o.ParentCode, &o.ParentID, &o.Kind, &o.Name, &o.FullName,
		&o.Path, &o.Depth, &o.Sort, &o.CreditCode, &o.DeptCode, &o.WindowType, &o.Phone, &o.Address, &o.Hours, &o.Active)
	return &o, err
}

// List returns every node under path ("/" or "" for all), ordered for a
// depth-first display: by path of sort keys.
func (s *Service) List(ctx context.Context, path string) ([]*Org, error) {
	return s.list(ctx, s.db.Reader(), path)
}

func (s *Service) list(ctx context.Context, q db.Querier, path string) ([]*Org, error) {
	under := scope.All
	if path != "" && path != "/" {
		under = scope.Subtree(path)
	}
	where, args := under.Where("o.path").SQL()
	query := selectOrg + where + " ORDER BY o.depth, o.sort, o.code"
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("org: list: %w", err)
	}
	defer rows.Close()
	var out []*Org
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// Tree returns the nodes under path as a forest, children in display order.
func (s *Service) Tree(ctx context.Context, path string) ([]*Org, error) {
	all, err := s.List(ctx, path)
	if err != nil {
		return nil, err
	}
	return BuildTree(all), nil
}

// BuildTree links a flat list (as List returns it) into a forest.
func BuildTree(all []*Org) []*Org {
	byID := make(map[int64]*Org, len(all))
	for _, o := range all {
		o.Children = nil
		byID[o.ID] = o
	}
	var roots []*Org
	for _, o := range all {
		if p, ok := byID[o.ParentID]; ok {
			p.Children = append(p.Children, o)
		} else {
			roots = append(roots, o)
		}
	}
	return roots
}

// Flatten walks a forest depth-first.
func Flatten(forest []*Org) []*Org {
	var out []*Org
	var walk func([]*Org)
	walk = func(os []*Org) {
		for _, o := range os {
			out = append(out, o)
			walk(o.Children)
		}
	}
	walk(forest)
	return out
}

// ByCode returns the node with code.
func (s *Service) ByCode(ctx context.Context, code string) (*Org, error) {
	return byCode(ctx, s.db.Reader(), code)
}

// Lookup returns the node with code through q (inside a transaction, it sees
// the transaction's own writes).
func Lookup(ctx context.Context, q db.Querier, code string) (*Org, error) {
	return byCode(ctx, q, code)
}

func byCode(ctx context.Context, q db.Querier, code string) (*Org, error) {
	o, err := scanOrg(q.QueryRow(ctx, selectOrg+" WHERE o.code = ?", code))
	if err != nil {
		return nil, db.NotFound(err, fmt.Sprintf("机构代码 %s 不存在", code))
	}
	return o, nil
}

// ByID returns the node with id.
func (s *Service) ByID(ctx context.Context, id int64) (*Org, error) {
	o, err := scanOrg(s.db.QueryRow(ctx, selectOrg+" WHERE o.id = ?", id))
	if err != nil {
		return nil, db.NotFound(err, "机构不存在")
	}
	return o, nil
}

// Ancestors returns the chain from the root down to o (inclusive).
func (s *Service) Ancestors(ctx context.Context, o *Org) ([]*Org, error) {
	ids := PathIDs(o.Path)
	out := make([]*Org, 0, len(ids))
	for _, id := range ids {
		if id == o.ID {
			out = append(out, o)
			continue
		}
		a, err := s.ByID(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// PathIDs splits a materialised path into ids, root first.
func PathIDs(path string) []int64 {
	var ids []int64
	for _, p := range strings.Split(strings.Trim(path, "/"), "/") {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// ErrNotFound tells whether err is a not-found error.
func ErrNotFound(err error) bool {
	return errors.Is(err, sql.ErrNoRows) || zwfw.ErrorCode(err) == zwfw.ENOTFOUND
}

// RegionOf returns the nearest region node at or above o (a department or
// centre belongs to the region it hangs under).
func (s *Service) RegionOf(ctx context.Context, o *Org) (*Org, error) {
	for cur := o; ; {
		if IsRegion(cur.Kind) {
			return cur, nil
		}
		if cur.ParentID == 0 {
			return cur, nil
		}
		p, err := s.ByID(ctx, cur.ParentID)
		if err != nil {
			return nil, err
		}
		cur = p
	}
}
