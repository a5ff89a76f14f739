package catalog

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"zwfw"
	"zwfw/internal/db"
)

// Export format marker of the JSON export.
const FormatJSON = "zwfw-catalog/1"

// Document is the JSON export: the whole catalog, cancelled items included.
// It carries no timestamp of its own so that exporting an unchanged catalog
// twice gives the same bytes.
type Document struct {
	Format string  `json:"format"`
	Items  []*Item `json:"items"`
}

// ExportJSON writes the whole catalog as JSON.
func (s *Service) ExportJSON(ctx context.Context, w io.Writer) error {
	items, err := s.All(ctx)
	if err != nil {
		return err
	}
	return EncodeJSON(w, items)
}

// EncodeJSON writes items in the export format.
func EncodeJSON(w io.Writer, items []*Item) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(Document{Format: FormatJSON, Items: items})
}

// DecodeJSON reads an export document (or a bare array of items). Unknown
// keys are errors: a misspelt element must not be silently dropped.
func DecodeJSON(r io.Reader) ([]*Item, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSpace(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")))
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var items []*Item
	if len(b) > 0 && b[0] == '[' {
		err = dec.Decode(&items)
	} else {
		var d Document
		err = dec.Decode(&d)
		if err == nil && d.Format != "" && d.Format != FormatJSON {
			return nil, zwfw.Errorf(zwfw.EINVALID, "不认识的导入格式 %q（应为 %s）", d.Format, FormatJSON)
		}
		items = d.Items
	}
	if err != nil {
		return nil, jsonError(b, err)
	}
	if len(items) == 0 {
		return nil, zwfw.Errorf(zwfw.EINVALID, "导入文件中没有事项")
	}
	return items, nil
}

// jsonError says where a JSON document is broken, as a row (line) number.
func jsonError(b []byte, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	msg := err.Error()
	switch {
	case errors.As(err, &se):
		off, msg = se.Offset, "JSON 格式错误"
	case errors.As(err, &te):
		off, msg = te.Offset, fmt.Sprintf("“%s”的值类型不正确（应为 %s）", te.Field, te.Type)
	case strings.HasPrefix(msg, "json: unknown field "):
		msg = "不认识的要素 " + strings.TrimPrefix(msg, "json: unknown field ")
	}
	d := zwfw.ErrorDetail{Message: msg}
	if off >= 0 {
		d.Row = 1 + bytes.Count(b[:min(int(off), len(b))], []byte("\n"))
	}
	return &zwfw.Error{Code: zwfw.EINVALID, Message: "导入文件无法读取：" + msg, Details: []zwfw.ErrorDetail{d}}
}

// Locator maps an item's field path (as validation names it, e.g.
// "materials[2].form") to where it sits in the imported file.
type Locator func(item int, field string) (row int, column string)

// JSONLocator locates by item number: row is the item's position (1-based)
// in the file, column the field path.
func JSONLocator(item int, field string) (int, string) { return item + 1, field }

// ImportResult counts what an import did.
type ImportResult struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Cancelled int `json:"cancelled"`
	Unchanged int `json:"unchanged"`
}

// Import applies a whole file in one transaction: new codes are created
// (新设), changed items get a new version (变更), items marked cancelled are
// cancelled (取消). If any item has any problem, nothing is imported and the
// error lists every problem with its row and column.
func (s *Service) Import(ctx context.Context, actor *zwfw.Actor, items []*Item, loc Locator, reason string) (*ImportResult, error) {
	var res *ImportResult
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		res, err = s.ImportTx(ctx, tx, actor, items, loc, reason)
		return err
	})
	return res, err
}

// ImportTx is Import inside the caller's transaction (the seed's).
func (s *Service) ImportTx(ctx context.Context, tx *db.Tx, actor *zwfw.Actor, items []*Item, loc Locator, reason string) (*ImportResult, error) {
	if err := canEdit(actor, nil); err != nil {
		return nil, err
	}
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	if loc == nil {
		loc = JSONLocator
	}
	var problems []zwfw.ErrorDetail
	add := func(i int, field, msg string) {
		row, col := loc(i, field)
		problems = append(problems, zwfw.ErrorDetail{Row: row, Column: col, Message: msg})
	}
	r := s.refs(ctx, tx)
	codes, impls := map[string]int{}, map[string]int{}
	for i, it := range items {
		it.Normalise()
		if it.Status != "" && it.Status != StatusActive && it.Status != StatusCancelled {
			add(i, "status", fmt.Sprintf("事项状态“%s”无效（应为在用或已取消）", it.Status))
		}
		for _, p := range it.Problems(r) {
			add(i, p.Field, p.Message)
		}
		// One 基本编码 per implementing department (resolve.go).
		if j, dup := codes[it.Code+"\x00"+it.Dept]; dup && it.Code != "" {
			add(i, "code", fmt.Sprintf("基本编码 %s 与第 %d 个事项重复", it.Code, j+1))
		}
		if j, dup := impls[it.ImplCode]; dup && it.ImplCode != "" {
			add(i, "impl_code", fmt.Sprintf("实施编码 %s 与第 %d 个事项重复", it.ImplCode, j+1))
		}
		codes[it.Code+"\x00"+it.Dept], impls[it.ImplCode] = i, i
		if d := r.dept(it.Dept); d != nil && !actor.InScope(d.Path) {
			add(i, "dept", fmt.Sprintf("%s的事项不在您的管辖范围内", d.DisplayName()))
		}
	}
	if len(problems) > 0 {
		return nil, importError(problems)
	}
	var res ImportResult
	for i, in := range items {
		// Each item in its own savepoint: a failure is reported with its row
		// and the import goes on to find every other problem; the caller's
		// transaction is rolled back at the end when any was found.
		err := tx.Savepoint(ctx, func() error {
			field, err := s.importOne(ctx, tx, r, actor, in, reason, &res)
			if err != nil {
				var e *zwfw.Error
				if !errors.As(err, &e) {
					return err
				}
				add(i, fieldOf(err, field), zwfw.ErrorMessage(err))
				return errSkip
			}
			return nil
		})
		if err != nil && !errors.Is(err, errSkip) {
			return nil, err
		}
	}
	if len(problems) > 0 {
		return nil, importError(problems)
	}
	return &res, nil
}

var errSkip = errors.New("skip")

// importOne applies one item; it returns the field to blame on failure.
func (s *Service) importOne(ctx context.Context, tx *db.Tx, r *refs, actor *zwfw.Actor, in *Item, reason string, res *ImportResult) (string, error) {
	cur, err := s.importTarget(ctx, tx, r, in)
	switch {
	case ErrNotFound(err):
		if _, err := s.create(ctx, tx, r, actor, in, reason); err != nil {
			return "code", err
		}
		res.Created++
		if in.Status == StatusCancelled {
			if _, err := s.cancel(ctx, tx, r, actor, in.ImplCode, reason, 1); err != nil {
				return "status", err
			}
			res.Cancelled++
		}
	case err != nil:
		return "", err
	case cur.Cancelled() && in.Status != StatusCancelled:
		return "status", zwfw.Errorf(zwfw.EINVALID, "事项 %s 已取消，不能通过导入恢复；请以新编码新设事项", in.Code)
	case cur.Cancelled():
		res.Unchanged++
	default:
		changed := len(Diff(cur, in)) > 0
		version := cur.Version
		if changed {
			up, err := s.update(ctx, tx, r, actor, cur.ImplCode, in, reason, cur.Version)
			if err != nil {
				return "code", err
			}
			version = up.Version
			res.Updated++
		}
		if in.Status == StatusCancelled {
			if _, err := s.cancel(ctx, tx, r, actor, in.ImplCode, reason, version); err != nil {
				return "status", err
			}
			res.Cancelled++
		} else if !changed {
			res.Unchanged++
		}
	}
	return "", nil
}

// importTarget is the stored item an imported one updates: its
// department's item of its 基本编码 (whose 实施编码 the import may change),
// else the one with its codes (another department: a move), else the region's item of the code (which moves to
// another department of the region); ENOTFOUND when it is new — another
// county's item of the same code is never taken over.
func (s *Service) importTarget(ctx context.Context, tx *db.Tx, r *refs, in *Item) (*Item, error) {
	var id int64
	err := sql.ErrNoRows
	if d := r.dept(in.Dept); d != nil {
		err = tx.QueryRow(ctx, "SELECT id FROM items WHERE code = ? AND dept_id = ?", in.Code, d.ID).Scan(&id)
	}
	if errors.Is(err, sql.ErrNoRows) { // another 实施编码's item is a clash the update reports
		err = tx.QueryRow(ctx, "SELECT id FROM items WHERE impl_code = ? AND code = ?", in.ImplCode, in.Code).Scan(&id)
	}
	if errors.Is(err, sql.ErrNoRows) {
		list, lerr := implementations(ctx, tx, in.Code)
		if lerr != nil {
			return nil, lerr
		}
		if d := r.dept(in.Dept); d != nil {
			for _, m := range list {
				if m.regionPath != "" && m.regionPath == parentPath(d.Path) {
					id, err = m.id, nil
				}
			}
		}
	}
	if err != nil {
		return nil, db.NotFound(err, fmt.Sprintf("事项 %s 不存在", in.Code))
	}
	var doc string
	if err := tx.QueryRow(ctx, "SELECT doc FROM items WHERE id = ?", id).Scan(&doc); err != nil {
		return nil, err
	}
	var it Item
	if err := json.Unmarshal([]byte(doc), &it); err != nil {
		return nil, err
	}
	return &it, nil
}

func fieldOf(err error, def string) string {
	var e *zwfw.Error
	if errors.As(err, &e) && len(e.Details) > 0 && e.Details[0].Field != "" {
		return e.Details[0].Field
	}
	return def
}

func importError(problems []zwfw.ErrorDetail) error {
	first := problems[0]
	where := ""
	if first.Row > 0 {
		where = fmt.Sprintf("第 %d 行", first.Row)
	}
	if first.Column != "" {
		where += "“" + first.Column + "”"
	}
	msg := fmt.Sprintf("导入失败，未导入任何事项：共 %d 处问题，首个问题在%s：%s", len(problems), where, first.Message)
	return &zwfw.Error{Code: zwfw.EINVALID, Message: msg, Details: problems}
}
