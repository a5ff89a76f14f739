package org

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/audit"
	"zwfw/internal/casework/rollup"
	"zwfw/internal/db"
	"zwfw/internal/scope"
)

// Changing the tree: creating nodes, and changing, moving and deactivating
// them (a move re-scopes everything under the node in one transaction).

var codeRE = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z-]{0,35}$`)
var phoneRE = regexp.MustCompile(`^[0-9][0-9 ()+\-、,，转]{4,40}$`)

// Input is what an administrator gives to create or change a node.
type Input struct {
	Code       string `json:"code"`
	ParentCode string `json:"parent_code"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	FullName   string `json:"full_name"`
	Sort       int    `json:"sort"`
	CreditCode string `json:"credit_code"`
	DeptCode   string `json:"dept_code"`
	WindowType string `json:"window_type"`
	Phone      string `json:"phone"`
	Address    string `json:"address"`
	Hours      string `json:"hours"`
	Active     *bool  `json:"active"`
}

func (in *Input) normalise() {
	for _, p := range []*string{&in.Code, &in.ParentCode, &in.Kind, &in.Name, &in.FullName, &in.CreditCode, &in.DeptCode, &in.WindowType, &in.Phone, &in.Address, &in.Hours} {
		*p = strings.TrimSpace(*p)
	}
	in.CreditCode = strings.ToUpper(in.CreditCode)
}

func (in *Input) check(v *zwfw.Invalid) {
	if !codeRE.MatchString(in.Code) {
		v.Add("code", "机构代码须为 1–36 位字母、数字或连字符")
	}
	if _, ok := parentKinds[in.Kind]; !ok {
		v.Add("kind", "机构类型无效：%q", in.Kind)
	}
	if n := utf8.RuneCountInString(in.Name); n == 0 || n > 64 {
		v.Add("name", "名称不能为空，且不超过 64 个字")
	}
	if utf8.RuneCountInString(in.FullName) > 128 {
		v.Add("full_name", "全称不超过 128 个字")
	}
	if in.CreditCode != "" {
		if err := ident.CheckCreditCode(in.CreditCode); err != nil {
			v.Add("credit_code", "%s", err.Error())
		}
	}
	if in.Phone != "" && !phoneRE.MatchString(in.Phone) {
		v.Add("phone", "电话号码格式不正确")
	}
	if in.Kind == KindWindow {
		if in.WindowType != WindowComprehensive && in.WindowType != WindowSpecialised && in.WindowType != WindowPayment {
			v.Add("window_type", "窗口类型须为综合窗口（comprehensive）、专业窗口（specialised）或收费窗口（payment）")
		}
		if in.WindowType == WindowSpecialised && in.DeptCode == "" {
			v.Add("dept_code", "专业窗口须指明所服务的部门")
		}
	} else if in.WindowType != "" || in.DeptCode != "" {
		v.Add("window_type", "只有窗口才有窗口类型和服务部门")
	}
	for _, f := range []struct{ name, val string }{{"address", in.Address}, {"hours", in.Hours}} {
		if utf8.RuneCountInString(f.val) > 200 {
			v.Add(f.name, "内容过长（不超过 200 个字）")
		}
	}
}

// admit: only administrators (and the system) maintain the tree, and what
// they give is normalised and valid.
func admit(actor *zwfw.Actor, in *Input) error {
	in.normalise()
	if !actor.Has(zwfw.RoleAdmin) && actor.Kind != zwfw.KindSystem {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有系统管理员可以维护机构")
	}
	var v zwfw.Invalid
	in.check(&v)
	return v.Err()
}

// Create adds a node under in.ParentCode. Only administrators may, and only
// inside their own subtree.
func (s *Service) Create(ctx context.Context, actor *zwfw.Actor, in Input) (*Org, error) {
	if err := admit(actor, &in); err != nil {
		return nil, err
	}
	var created *Org
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		o, err := s.CreateTx(ctx, tx, actor, in)
		created = o
		return err
	})
	return created, err
}

// CreateTx is Create inside a caller's transaction (the seed builds the whole
// tree in one). in must already be valid apart from its references.
func (s *Service) CreateTx(ctx context.Context, tx *db.Tx, actor *zwfw.Actor, in Input) (*Org, error) {
	in.normalise()
	var v zwfw.Invalid
	in.check(&v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	var parent *Org
	if in.ParentCode != "" {
		p, err := byCode(ctx, tx, in.ParentCode)
		if err != nil {
			return nil, zwfw.Errorf(zwfw.EINVALID, "上级机构 %s 不存在", in.ParentCode)
		}
		parent = p
	}
	if err := checkPlacement(actor, in.Kind, parent); err != nil {
		return nil, err
	}
	deptID, err := s.deptID(ctx, tx, in.DeptCode)
	if err != nil {
		return nil, err
	}
	now := db.Millis(s.now())
	active := in.Active == nil || *in.Active
	var parentID any
	depth := 0
	if parent != nil {
		parentID, depth = parent.ID, parent.Depth+1
	}
	id, err := db.InsertID(ctx, tx, `INSERT INTO orgs (code, parent_id, kind, name, full_name, depth, sort, credit_code, dept_id,
		window_type, phone, address, hours, active, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.Code, parentID, in.Kind, in.Name, in.FullName, depth, in.Sort, in.CreditCode, deptID,
		in.WindowType, in.Phone, in.Address, in.Hours, active, now, now)
	if err != nil {
		return nil, db.Conflict(err, fmt.Sprintf("机构代码 %s 已被使用", in.Code))
	}
	path := "/" + strconv.FormatInt(id, 10) + "/"
	if parent != nil {
		path = parent.Path + strconv.FormatInt(id, 10) + "/"
	}
	if _, err := tx.Exec(ctx, "UPDATE orgs SET path = ? WHERE id = ?", path, id); err != nil {
		return nil, err
	}
	if err := audit.RecordFor(ctx, tx, id, s.now(), actor, "org.create", "org:"+in.Code, in); err != nil {
		return nil, err
	}
	return byCode(ctx, tx, in.Code)
}

func checkPlacement(actor *zwfw.Actor, kind string, parent *Org) error {
	parentKind := ""
	if parent != nil {
		parentKind = parent.Kind
	}
	ok := false
	for _, k := range parentKinds[kind] {
		if k == parentKind {
			ok = true
		}
	}
	if !ok {
		if parent == nil {
			return zwfw.Errorf(zwfw.EINVALID, "%s必须有上级机构", KindName(kind))
		}
		return zwfw.Errorf(zwfw.EINVALID, "%s不能设在%s（%s）之下", KindName(kind), parent.Name, KindName(parent.Kind))
	}
	if parent == nil {
		if actor.Kind != zwfw.KindSystem && actor.OrgPath != "/" {
			return zwfw.Errorf(zwfw.EFORBIDDEN, "只有最高一级的管理员可以新建顶级机构")
		}
		return nil
	}
	if !actor.InScope(parent.Path) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "机构 %s 不在您的管辖范围内", parent.Name)
	}
	return nil
}

func (s *Service) deptID(ctx context.Context, q db.Querier, code string) (any, error) {
	if code == "" {
		return nil, nil
	}
	d, err := byCode(ctx, q, code)
	if err != nil || d.Kind != KindDept {
		return nil, zwfw.Errorf(zwfw.EINVALID, "服务部门 %s 不存在或不是部门", code)
	}
	return d.ID, nil
}

// Above reports whether the actor administers o from above: o lies inside
// the actor's subtree and is not the actor's own node (or the actor is the
// system). Only an administrator above a node may re-code, deactivate or
// move it: a town's administrator keeps the town's contact details, not its
// identity, which the county gave it.
func Above(actor *zwfw.Actor, o *Org) bool {
	if actor == nil {
		return false
	}
	if actor.Kind == zwfw.KindSystem {
		return true
	}
	return actor.InScope(o.Path) && o.Path != actor.OrgPath
}

// pathCopies are the columns that keep a copy of an organisation's path, so
// that scoped lists need no join. A move rewrites them with the tree, in
// its transaction; TestPathCopiesAreAllKnown fails when the schema gains
// one that is not listed here.
var pathCopies = []struct{ Table, Column string }{
	{"orgs", "path"},
	{"cases", "org_path"},
	{"cases", "dept_path"},
	{"case_tasks", "dept_path"},
	{"case_warnings", "dept_path"},
	{"sup_errors", "org_path"},
	{"reports", "org_path"},
	// Issue 11: the duty warnings, ratings of staff, 差评整改 work orders,
	// complaints and sanctions are filed and answered by organisation.
	{"duty_warnings", "org_path"},
	{"duty_warnings", "dept_path"},
	{"staff_evaluations", "org_path"},
	{"rectifications", "org_path"},
	{"rectifications", "owner_path"},
	{"complaints", "org_path"},
	{"complaints", "unit_path"},
	{"sanctions", "org_path"},
	// Issue 12: 政务公开 documents belong to the organisation that issues them.
	{"disclosure_docs", "org_path"},
	// Issue 13: a licence is listed under the organisation that issued it;
	// a reused material's authorisation under the case's organisation and
	// department (the submissions-saved figures).
	{"licences", "issuer_path"},
	{"material_authorisations", "org_path"},
	{"material_authorisations", "dept_path"},
}

// Update changes the node with code. Moving a node (a new parent) moves its
// whole subtree, and everything filed under it: every copy of a path in it
// is rewritten in the same transaction, so lists, reports and warnings
// follow at once. The node must lie inside the actor's subtree, and so must
// its new parent; its code, state and place change only by an
// administrator above it (Above).
func (s *Service) Update(ctx context.Context, actor *zwfw.Actor, code string, in Input) (*Org, error) {
	if err := admit(actor, &in); err != nil {
		return nil, err
	}
	var updated *Org
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		cur, err := byCode(ctx, tx, code)
		if err != nil {
			return err
		}
		if in.ParentCode != cur.ParentCode {
			// Wait for the transactions copying paths of the tree, and
			// read the node again: a move may have committed meanwhile.
			if err := tx.LockTree(ctx); err != nil {
				return err
			}
			if cur, err = byCode(ctx, tx, code); err != nil {
				return err
			}
		}
		if !actor.InScope(cur.Path) {
			return zwfw.Errorf(zwfw.EFORBIDDEN, "机构 %s 不在您的管辖范围内", cur.Name)
		}
		if cur.Kind != in.Kind {
			return zwfw.Errorf(zwfw.EINVALID, "不能更改机构类型（%s）；请新建机构", KindName(cur.Kind))
		}
		active := cur.Active
		if in.Active != nil {
			active = *in.Active
		}
		if !Above(actor, cur) {
			switch {
			case in.ParentCode != cur.ParentCode:
				return zwfw.Errorf(zwfw.EFORBIDDEN, "不能移动您本人所属的机构；请由上级管理员办理")
			case in.Code != cur.Code:
				return zwfw.Errorf(zwfw.EFORBIDDEN, "不能更改您本人所属机构的代码；请由上级管理员办理")
			case active != cur.Active:
				return zwfw.Errorf(zwfw.EFORBIDDEN, "不能停用或启用您本人所属的机构；请由上级管理员办理")
			}
		}
		var parent *Org
		if in.ParentCode != "" {
			if parent, err = byCode(ctx, tx, in.ParentCode); err != nil {
				return zwfw.Errorf(zwfw.EINVALID, "上级机构 %s 不存在", in.ParentCode)
			}
			if strings.HasPrefix(parent.Path, cur.Path) {
				return zwfw.Errorf(zwfw.EINVALID, "不能把机构移到它自己的下级之下")
			}
		}
		if in.ParentCode != cur.ParentCode {
			if err := checkPlacement(actor, in.Kind, parent); err != nil {
				return err
			}
		}
		deptID, err := s.deptID(ctx, tx, in.DeptCode)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE orgs SET code = ?, name = ?, full_name = ?, sort = ?, credit_code = ?, dept_id = ?,
			window_type = ?, phone = ?, address = ?, hours = ?, active = ?, updated_at = ? WHERE id = ?`,
			in.Code, in.Name, in.FullName, in.Sort, in.CreditCode, deptID, in.WindowType, in.Phone, in.Address, in.Hours,
			active, db.Millis(s.now()), cur.ID); err != nil {
			return db.Conflict(err, fmt.Sprintf("机构代码 %s 已被使用", in.Code))
		}
		detail := map[string]any{"before": cur, "after": in}
		if in.ParentCode != cur.ParentCode {
			moved, err := move(ctx, tx, cur, parent)
			if err != nil {
				return err
			}
			detail["moved"] = moved
		}
		if err := audit.RecordFor(ctx, tx, cur.ID, s.now(), actor, "org.update", "org:"+code, detail); err != nil {
			return err
		}
		// Every process drops what it remembers of the tree: cached nodes,
		// and the sessions and cases that carry their codes and paths.
		if err := tx.Changed(ctx, Topic, code); err != nil {
			return err
		}
		updated, err = byCode(ctx, tx, in.Code)
		return err
	})
	return updated, err
}

// move hangs cur under parent (nil: at the top) and rewrites the path of
// everything under it, in the tree and in every copy (pathCopies). It
// returns how many rows of each table were re-scoped, for the audit log.
// The caller holds the tree lock.
func move(ctx context.Context, tx *db.Tx, cur, parent *Org) (map[string]int64, error) {
	newPath := "/" + strconv.FormatInt(cur.ID, 10) + "/"
	depth := 0
	var parentID any
	if parent != nil {
		newPath, depth, parentID = parent.Path+strconv.FormatInt(cur.ID, 10)+"/", parent.Depth+1, parent.ID
	}
	if _, err := tx.Exec(ctx, "UPDATE orgs SET parent_id = ? WHERE id = ?", parentID, cur.ID); err != nil {
		return nil, err
	}
	under, args := scope.Subtree(cur.Path).Cond("path")
	if _, err := tx.Exec(ctx, "UPDATE orgs SET depth = depth + ? WHERE "+under, append([]any{depth - cur.Depth}, args...)...); err != nil {
		return nil, err
	}
	moved := map[string]int64{}
	for _, pc := range pathCopies {
		cond, args := scope.Subtree(cur.Path).Cond(pc.Column)
		set := pc.Column + " = ? || substr(" + pc.Column + ", ?)"
		if pc.Table == "cases" {
			// A re-scoped case is a new version: every process's cached
			// copy (and any page showing the old one) is stale at once,
			// before the change notice arrives.
			set += ", version = version + 1"
		}
		if pc.Table == "case_tasks" {
			// Likewise the cases whose joint sub-tasks move.
			if _, err := tx.Exec(ctx, "UPDATE cases SET version = version + 1 WHERE id IN (SELECT case_id FROM case_tasks WHERE "+cond+")", args...); err != nil {
				return nil, fmt.Errorf("org: move %s: cases of moved sub-tasks: %w", cur.Code, err)
			}
		}
		res, err := tx.Exec(ctx, "UPDATE "+pc.Table+" SET "+set+" WHERE "+cond,
			append([]any{newPath, len(cur.Path) + 1}, args...)...)
		if err != nil {
			return nil, fmt.Errorf("org: move %s: re-scope %s.%s: %w", cur.Code, pc.Table, pc.Column, err)
		}
		n, _ := res.RowsAffected()
		moved[pc.Table+"."+pc.Column] = n
	}
	// The dashboard's breakdowns per organisation: the subtree's cases
	// leave the organisations above it that are no longer, and join the new.
	if err := rollup.Regroup(ctx, tx, cur.Path, newPath); err != nil {
		return nil, fmt.Errorf("org: move %s: %w", cur.Code, err)
	}
	return moved, nil
}
