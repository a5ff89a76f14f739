package catalog

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mozillazg/go-pinyin"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/org"
)

// Changes recorded in the version log (dynamic management, §2(2): 新设、减少、
// 变更要素 … 按程序及时调整，并向社会公开).
const (
	ChangeCreate = "create" // 新设
	ChangeUpdate = "update" // 变更
	ChangeCancel = "cancel" // 取消
)

// ChangeName is the Chinese name of a change.
func ChangeName(c string) string {
	switch c {
	case ChangeCreate:
		return "新设"
	case ChangeUpdate:
		return "变更"
	case ChangeCancel:
		return "取消"
	}
	return c
}

// Version is one entry of an item's public change log.
type Version struct {
	Version   int       `json:"version"`
	Change    string    `json:"change"`
	Reason    string    `json:"reason"`
	Changed   []string  `json:"changed"` // element keys, see Labels
	ActorName string    `json:"actor_name"`
	At        time.Time `json:"at"`
}

// ChangeName is the Chinese name of the change.
func (v *Version) ChangeName() string { return ChangeName(v.Change) }

// ChangedLabels are the Chinese names of the changed elements.
func (v *Version) ChangedLabels() []string {
	out := make([]string, len(v.Changed))
	for i, c := range v.Changed {
		out[i] = label(c)
	}
	return out
}

// Service keeps the catalog.
type Service struct {
	db    *db.DB
	orgs  *org.Service
	files FileStore
	now   func() time.Time
	idx   *searchIndex
}

// NewService returns a catalog Service.
// FileStore is what the catalog asks of the file store: is this file stored
// as a catalog attachment? (A case's upload — an applicant's ID card scan —
// must never become a public download by being named in an item.)
type FileStore interface {
	HasFor(ctx context.Context, sha, purpose string) bool
}

func NewService(d *db.DB, orgs *org.Service, files FileStore, now func() time.Time) *Service {
	return &Service{db: d, orgs: orgs, files: files, now: now, idx: &searchIndex{entries: map[string]*entry{}}}
}

// refs answers validation's questions, remembering departments it has seen.
type refs struct {
	ctx   context.Context
	s     *Service
	q     db.Querier
	depts map[string]*org.Org
}

func (s *Service) refs(ctx context.Context, q db.Querier) *refs {
	return &refs{ctx: ctx, s: s, q: q, depts: map[string]*org.Org{}}
}

func (r *refs) dept(code string) *org.Org {
	if o, ok := r.depts[code]; ok {
		return o
	}
	o, err := org.Lookup(r.ctx, r.q, code)
	if err != nil || o.Kind != org.KindDept {
		o = nil
	}
	r.depts[code] = o
	return o
}

func (r *refs) IsDept(code string) bool { return r.dept(code) != nil }
func (r *refs) HasFile(sha string) bool {
	return r.s.files != nil && r.s.files.HasFor(r.ctx, sha, "catalog")
}

// MayMaintain reports whether the actor maintains the item catalog at all
// (catalog administrators and system administrators; which items, their
// subtree decides): the service's check, and the pages' 事项管理 entry.
func MayMaintain(actor *zwfw.Actor) error {
	if actor == nil || !actor.HasAny(zwfw.RoleCatalogAdmin, zwfw.RoleAdmin) && actor.Kind != zwfw.KindSystem {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有事项管理员可以维护事项清单")
	}
	return nil
}

// canEdit checks the actor may change items of dept: catalog administrators
// (and system administrators) whose subtree holds the department.
func canEdit(actor *zwfw.Actor, dept *org.Org) error {
	if err := MayMaintain(actor); err != nil {
		return err
	}
	if dept != nil && !actor.InScope(dept.Path) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "%s的事项不在您的管辖范围内", dept.DisplayName())
	}
	return nil
}

func checkReason(reason string) error {
	if n := runes(strings.TrimSpace(reason)); n < 2 || n > 500 {
		return &zwfw.Error{Code: zwfw.EINVALID, Message: "请填写变更原因（2–500 字）", Details: []zwfw.ErrorDetail{{Field: "reason", Message: "请填写变更原因"}}}
	}
	return nil
}

// Create adds a new item (新设) as version 1.
func (s *Service) Create(ctx context.Context, actor *zwfw.Actor, it *Item, reason string) (*Item, error) {
	var out *Item
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.create(ctx, tx, s.refs(ctx, tx), actor, it, reason)
		return err
	})
	return out, err
}

func (s *Service) create(ctx context.Context, tx *db.Tx, r *refs, actor *zwfw.Actor, in *Item, reason string) (*Item, error) {
	it := *in
	it.Normalise()
	if err := canEdit(actor, r.dept(it.Dept)); err != nil {
		return nil, err
	}
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	if err := it.Validate(r); err != nil {
		return nil, err
	}
	it.Status, it.Version, it.UpdatedAt = StatusActive, 1, s.now().In(db.Zone).Truncate(time.Millisecond)
	dept := r.dept(it.Dept)
	doc, err := json.Marshal(&it)
	if err != nil {
		return nil, err
	}
	// Check for duplicates before inserting: after a failed INSERT a
	// PostgreSQL transaction accepts no more statements, not even the
	// query that would say which code clashed.
	if err := s.duplicate(ctx, tx, &it, dept.ID); err != nil {
		return nil, err
	}
	now := db.Millis(it.UpdatedAt)
	id, err := db.InsertID(ctx, tx, `INSERT INTO items (code, impl_code, name, search, type, kind, dept_id, levels, audience, themes,
		status, version, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		it.Code, it.ImplCode, it.Name, searchText(&it, dept), it.Type, it.Kind, dept.ID, setCol(it.Levels), setCol(it.Audience),
		setCol(it.Themes), it.Status, it.Version, string(doc), now, now)
	if err != nil {
		// A concurrent insert got in between the check and the insert.
		return nil, db.Conflict(err, fmt.Sprintf("基本编码 %s 或实施编码 %s 已被其他事项使用", it.Code, it.ImplCode))
	}
	if err := s.logVersion(ctx, tx, actor, id, &it, ChangeCreate, reason, allElements(), doc); err != nil {
		return nil, err
	}
	return &it, nil
}

// duplicate returns an ECONFLICT naming the code that another item already
// uses, or nil: the 基本编码 once per region (sameRegion, resolve.go), the
// 实施编码 once in all.
func (s *Service) duplicate(ctx context.Context, q db.Querier, it *Item, deptID int64) error {
	if err := sameRegion(ctx, q, it.Code, deptID, 0); err != nil {
		return err
	}
	var n int
	if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM items WHERE impl_code = ?", it.ImplCode).Scan(&n); err != nil {
		return err
	} else if n > 0 {
		return implCodeTaken(it.ImplCode)
	}
	return nil
}

func implCodeTaken(code string) error {
	return &zwfw.Error{Code: zwfw.ECONFLICT, Message: fmt.Sprintf("实施编码 %s 已被其他事项使用", code),
		Details: []zwfw.ErrorDetail{{Field: "impl_code", Message: "实施编码重复"}}}
}

func (s *Service) logVersion(ctx context.Context, tx *db.Tx, actor *zwfw.Actor, id int64, it *Item, change, reason string, changed []string, doc []byte) error {
	ch, _ := json.Marshal(changed)
	var actorID any
	if actor.UserID != 0 {
		actorID = actor.UserID
	}
	name := actor.Name
	if name == "" {
		name = actor.Username
	}
	if _, err := tx.Exec(ctx, `INSERT INTO item_versions (item_id, version, change, reason, changed, doc, actor_id, actor_name, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, it.Version, change, strings.TrimSpace(reason), string(ch), string(doc), actorID, name, db.Millis(it.UpdatedAt)); err != nil {
		return db.Conflict(err, "事项已被他人修改，请刷新后重试")
	}
	return audit.Record(ctx, tx, it.UpdatedAt, actor, "catalog."+change, "item:"+it.Code,
		map[string]any{"version": it.Version, "reason": reason, "changed": changed})
}

// Update records a new version (变更) of the item with code. base is the
// version the editor started from: when someone else saved in between, the
// update is refused with ECONFLICT rather than silently overwriting.
func (s *Service) Update(ctx context.Context, actor *zwfw.Actor, code string, in *Item, reason string, base int) (*Item, error) {
	var out *Item
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.update(ctx, tx, s.refs(ctx, tx), actor, code, in, reason, base)
		return err
	})
	return out, err
}

func (s *Service) update(ctx context.Context, tx *db.Tx, r *refs, actor *zwfw.Actor, code string, in *Item, reason string, base int) (*Item, error) {
	cur, id, err := s.get(ctx, tx, code)
	if err != nil {
		return nil, err
	}
	if err := canEdit(actor, r.dept(cur.Dept)); err != nil {
		return nil, err
	}
	it := *in
	it.Normalise()
	if it.Code != "" && it.Code != cur.Code {
		return nil, &zwfw.Error{Code: zwfw.EINVALID, Message: "基本编码不能变更（统一事项、同一编码）；如需新编码请新设事项并取消原事项",
			Details: []zwfw.ErrorDetail{{Field: "code", Message: "基本编码不能变更"}}}
	}
	it.Code = cur.Code
	if err := canEdit(actor, r.dept(it.Dept)); err != nil {
		return nil, err
	}
	if cur.Cancelled() {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "事项“%s”已取消，不能再变更", cur.Name)
	}
	if base != cur.Version {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "事项“%s”已被他人修改（当前为第 %d 版，您编辑的是第 %d 版），请刷新后重试", cur.Name, cur.Version, base)
	}
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	if err := it.Validate(r); err != nil {
		return nil, err
	}
	changed := Diff(cur, &it)
	if len(changed) == 0 {
		return nil, zwfw.Errorf(zwfw.EINVALID, "没有任何要素发生变化，无需保存新版本")
	}
	if err := sameRegion(ctx, tx, it.Code, r.dept(it.Dept).ID, id); err != nil {
		return nil, err
	}
	it.Status, it.Version, it.UpdatedAt = StatusActive, cur.Version+1, s.now().In(db.Zone).Truncate(time.Millisecond)
	if err := s.store(ctx, tx, id, r.dept(it.Dept), &it, base); err != nil {
		if errors.Is(err, db.ErrUnique) {
			return nil, implCodeTaken(it.ImplCode) // names the field for the importer
		}
		return nil, err
	}
	doc, _ := json.Marshal(&it)
	if err := s.logVersion(ctx, tx, actor, id, &it, ChangeUpdate, reason, changed, doc); err != nil {
		return nil, err
	}
	return &it, nil
}

// store writes the current version of item id, provided it is still at base.
func (s *Service) store(ctx context.Context, tx *db.Tx, id int64, dept *org.Org, it *Item, base int) error {
	doc, err := json.Marshal(it)
	if err != nil {
		return err
	}
	res, err := tx.Exec(ctx, `UPDATE items SET impl_code = ?, name = ?, search = ?, type = ?, kind = ?, dept_id = ?, levels = ?,
		audience = ?, themes = ?, status = ?, version = ?, doc = ?, updated_at = ? WHERE id = ? AND version = ?`,
		it.ImplCode, it.Name, searchText(it, dept), it.Type, it.Kind, dept.ID, setCol(it.Levels), setCol(it.Audience), setCol(it.Themes),
		it.Status, it.Version, string(doc), db.Millis(it.UpdatedAt), id, base)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return zwfw.Errorf(zwfw.ECONFLICT, "事项“%s”已被他人修改，请刷新后重试", it.Name)
	}
	return nil
}

// Cancel cancels (取消) the item: it stays visible with its change log but
// takes no new applications. Cases filed before keep their version.
func (s *Service) Cancel(ctx context.Context, actor *zwfw.Actor, code, reason string, base int) (*Item, error) {
	var out *Item
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.cancel(ctx, tx, s.refs(ctx, tx), actor, code, reason, base)
		return err
	})
	return out, err
}

func (s *Service) cancel(ctx context.Context, tx *db.Tx, r *refs, actor *zwfw.Actor, code, reason string, base int) (*Item, error) {
	cur, id, err := s.get(ctx, tx, code)
	if err != nil {
		return nil, err
	}
	if err := canEdit(actor, r.dept(cur.Dept)); err != nil {
		return nil, err
	}
	if cur.Cancelled() {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "事项“%s”已经取消", cur.Name)
	}
	if base != cur.Version {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "事项“%s”已被他人修改（当前为第 %d 版），请刷新后重试", cur.Name, cur.Version)
	}
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	it := *cur
	it.Status, it.Version, it.UpdatedAt = StatusCancelled, cur.Version+1, s.now().In(db.Zone).Truncate(time.Millisecond)
	if err := s.store(ctx, tx, id, r.dept(it.Dept), &it, base); err != nil {
		return nil, err
	}
	doc, _ := json.Marshal(&it)
	if err := s.logVersion(ctx, tx, actor, id, &it, ChangeCancel, reason, []string{"status"}, doc); err != nil {
		return nil, err
	}
	return &it, nil
}

// Get returns the current version of the item with key, whatever its
// status. A key is a 基本编码 that one item has (as in a deployment of one
// county: the codes of every URL so far) or an item's 实施编码 (which is
// unique); a 基本编码 that several implementing bodies share is ambiguous
// (ECONFLICT naming them): callers that know whose item they mean use
// Resolve.
func (s *Service) Get(ctx context.Context, key string) (*Item, error) {
	it, _, err := s.get(ctx, s.db.Reader(), key)
	return it, err
}

// Resolve returns the current version of the item with code as seen from
// the organisation at path within (a case's department or centre, a staff
// member's organisation): see locate for the rule. An empty within is Get.
func (s *Service) Resolve(ctx context.Context, code, within string) (*Item, error) {
	it, _, err := s.resolve(ctx, s.db.Reader(), code, within)
	return it, err
}

func (s *Service) get(ctx context.Context, q db.Querier, key string) (*Item, int64, error) {
	return s.resolve(ctx, q, key, "")
}

func (s *Service) resolve(ctx context.Context, q db.Querier, key, within string) (*Item, int64, error) {
	id, shared, err := locateShared(ctx, q, key, within)
	if err != nil {
		return nil, 0, err
	}
	var doc string
	if err := q.QueryRow(ctx, "SELECT doc FROM items WHERE id = ?", id).Scan(&doc); err != nil {
		return nil, 0, db.NotFound(err, fmt.Sprintf("事项 %s 不存在", key))
	}
	var it Item
	if err := json.Unmarshal([]byte(doc), &it); err != nil {
		return nil, 0, fmt.Errorf("catalog: decode %s: %w", key, err)
	}
	it.Shared = shared
	return &it, id, nil
}

// CurrentVersion returns the number of the item's current version: with
// GetVersion (whose result never changes) callers can cache items safely.
func (s *Service) CurrentVersion(ctx context.Context, key string) (int, error) {
	id, err := locate(ctx, s.db.Reader(), key, "")
	if err != nil {
		return 0, err
	}
	var v int
	if err := s.db.QueryRow(ctx, "SELECT version FROM items WHERE id = ?", id).Scan(&v); err != nil {
		return 0, db.NotFound(err, fmt.Sprintf("事项 %s 不存在", key))
	}
	return v, nil
}

// GetVersion returns one stored version of an item (cases keep the version
// they were filed under); key as for Get.
func (s *Service) GetVersion(ctx context.Context, key string, version int) (*Item, error) {
	return s.ResolveVersion(ctx, key, version, "")
}

// ResolveVersion is GetVersion of the item with code as seen from within
// (a case's department path: the case's own item, whichever county's).
func (s *Service) ResolveVersion(ctx context.Context, code string, version int, within string) (*Item, error) {
	id, err := locate(ctx, s.db.Reader(), code, within)
	if err != nil {
		return nil, err
	}
	var doc string
	err = s.db.QueryRow(ctx, `SELECT doc FROM item_versions WHERE item_id = ? AND version = ?`, id, version).Scan(&doc)
	if err != nil {
		return nil, db.NotFound(err, fmt.Sprintf("事项 %s 没有第 %d 版", code, version))
	}
	var it Item
	if err := json.Unmarshal([]byte(doc), &it); err != nil {
		return nil, err
	}
	return &it, nil
}

// Versions returns the change log of an item, newest first.
func (s *Service) Versions(ctx context.Context, code string) ([]Version, error) {
	id, err := locate(ctx, s.db.Reader(), code, "")
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT v.version, v.change, v.reason, v.changed, v.actor_name, v.created_at
		FROM item_versions v WHERE v.item_id = ? ORDER BY v.version DESC`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		var v Version
		var changed string
		var at int64
		if err := rows.Scan(&v.Version, &v.Change, &v.Reason, &changed, &v.ActorName, &at); err != nil {
			return nil, err
		}
		v.At = db.Time(at)
		_ = json.Unmarshal([]byte(changed), &v.Changed)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// DeptCount is how many active items a department has.
type DeptCount struct {
	Code  string
	Name  string
	Count int
}

// CountByDept counts active items per department, for browsing.
func (s *Service) CountByDept(ctx context.Context) ([]DeptCount, error) {
	rows, err := s.db.Query(ctx, `SELECT d.code, CASE WHEN d.full_name = '' THEN d.name ELSE d.full_name END, COUNT(*)
		FROM items i JOIN orgs d ON d.id = i.dept_id WHERE i.status = 'active'
		GROUP BY d.code, d.name, d.full_name, d.sort ORDER BY d.sort, d.code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DeptCount
	for rows.Next() {
		var c DeptCount
		if err := rows.Scan(&c.Code, &c.Name, &c.Count); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// All returns every item, cancelled ones included, in export order.
func (s *Service) All(ctx context.Context) ([]*Item, error) {
	items, _, err := s.Search(ctx, Query{Status: "all", Limit: 500})
	if err != nil {
		return nil, err
	}
	for off := 500; len(items) == off; off += 500 {
		more, _, err := s.Search(ctx, Query{Status: "all", Limit: 500, Offset: off})
		if err != nil {
			return nil, err
		}
		items = append(items, more...)
	}
	return items, nil
}

// Diff lists the elements (top-level JSON keys) that differ between a and b,
// ignoring the catalog's own bookkeeping (status, version, updated_at).
func Diff(a, b *Item) []string {
	ma, mb := fields(a), fields(b)
	var out []string
	for _, k := range elementOrder {
		if !bytes.Equal(ma[k], mb[k]) {
			out = append(out, k)
		}
	}
	return out
}

func fields(it *Item) map[string]json.RawMessage {
	c := *it
	c.Status, c.Version, c.UpdatedAt = "", 0, time.Time{}
	b, _ := json.Marshal(&c)
	m := map[string]json.RawMessage{}
	_ = json.Unmarshal(b, &m)
	return m
}

// elementOrder is the order elements are listed in change logs and exports.
var elementOrder = []string{"code", "impl_code", "name", "aliases", "type", "kind", "dept", "impl_body", "co_depts", "upper_body",
	"levels", "audience", "themes", "source", "basis", "conditions", "materials", "legal_limit_days", "promised_limit_days",
	"limit_note", "steps", "fees", "visits", "online_depth", "booking", "courier", "online_pay", "place", "hours",
	"consult_phone", "complaint_phone", "result_name", "result_type", "faq", "form", "licence",
	"investment"}

func allElements() []string {
	return slices.Clone(elementOrder)
}

// setCol stores a set as ",a,b," so that LIKE '%,a,%' finds members.
func setCol(vals []string) string {
	if len(vals) == 0 {
		return ","
	}
	return "," + strings.Join(vals, ",") + ","
}

var pinyinArgs = func() pinyin.Args {
	a := pinyin.NewArgs()
	a.Fallback = func(r rune, a pinyin.Args) []string { return []string{strings.ToLower(string(r))} }
	return a
}()

// searchText fills the items.search column: the name, its pinyin in full and
// as initials, the 俗称, the codes and the department, as plain text for
// whoever reads the table directly. Search itself ranks in Go (search.go).
func searchText(it *Item, dept *org.Org) string {
	syll := pinyin.LazyPinyin(it.Name, pinyinArgs)
	var full, initials strings.Builder
	for _, s := range syll {
		full.WriteString(s)
		for _, r := range s { // the first letter (or the character itself)
			initials.WriteRune(r)
			break
		}
	}
	parts := []string{strings.ToLower(it.Name), full.String(), initials.String(), strings.ToLower(it.Code), strings.ToLower(it.ImplCode)}
	parts = append(parts, it.Aliases...)
	if dept != nil {
		parts = append(parts, dept.Name, dept.FullName)
	}
	for _, t := range it.Themes {
		parts = append(parts, t)
	}
	return strings.Join(parts, " ")
}

// ErrNotFound reports whether err is "no such item".
func ErrNotFound(err error) bool {
	return errors.Is(err, sql.ErrNoRows) || zwfw.ErrorCode(err) == zwfw.ENOTFOUND
}
