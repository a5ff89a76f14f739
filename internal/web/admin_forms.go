package web

// The form builder (issue 12 item 3): catalog administrators build an
// item's online 申请表 on a page — add, reorder and remove fields, preview
// the form as applicants see it — and save it as a new version of the item
// (catalog.Update; the rules are catalog.FormDef's). Server-rendered; a
// small script (forms.js) moves rows up and down.

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/catalog"
)

func init() { pages = append(pages, "admin_item_formdef") }

// builderRow is one field of the builder.
type builderRow struct {
	Index   int
	Order   int
	F       catalog.FormField
	Options string // 、-separated
	Columns string // one column a line: 标识|名称|类型|必填
	Min     string
	Max     string
	Errors  []string
}

// Name is the row's input name (fl.3.label).
func (b builderRow) Name(f string) string { return fmt.Sprintf("fl.%d.%s", b.Index, f) }

// ID is the row's input id (fl-3-label).
func (b builderRow) ID(f string) string { return fmt.Sprintf("fl-%d-%s", b.Index, f) }

type formBuilderPage struct {
	base
	Item      *catalog.Item
	Title     string
	Material  string
	Signature bool
	Rows      []builderRow
	Reason    string
	BaseVer   int
	Errors    fieldErrors
	Error     string
	Preview   []onlineField
	Types     []option
	Prefills  []option
	Saved     bool
}

func (s *server) newBuilder(w http.ResponseWriter, r *http.Request, it *catalog.Item) *formBuilderPage {
	p := &formBuilderPage{base: s.workBase(w, r, "在线申请表："+it.Name), Item: it, BaseVer: it.Version, Errors: fieldErrors{}}
	p.FormsCSS = true
	p.Nav = "items-admin"
	for _, t := range catalog.FieldTypes {
		p.Types = append(p.Types, option{t.Code, t.Name})
	}
	p.Prefills = []option{{"", "不预填"}}
	for _, t := range catalog.Prefills {
		p.Prefills = append(p.Prefills, option{t.Code, t.Name})
	}
	return p
}

func num(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

// rowsOf lays a form's fields out as builder rows, with three empty rows
// to add fields in.
func rowsOf(def *catalog.FormDef) []builderRow {
	var out []builderRow
	if def != nil {
		for i, f := range def.Fields {
			b := builderRow{Index: i, Order: i + 1, F: f, Options: strings.Join(f.Options, "、"), Min: num(f.Min), Max: num(f.Max)}
			var cols []string
			for _, c := range f.Columns {
				req := "否"
				if c.Required {
					req = "是"
				}
				cols = append(cols, strings.Join([]string{c.Key, c.Label, c.Type, req}, "|"))
			}
			b.Columns = strings.Join(cols, "\n")
			out = append(out, b)
		}
	}
	for k := 0; k < 3; k++ {
		n := len(out)
		out = append(out, builderRow{Index: n, Order: n + 1, F: catalog.FormField{Type: catalog.FieldText}})
	}
	return out
}

func (s *server) adminFormPage(w http.ResponseWriter, r *http.Request) error {
	it, err := s.editableItem(r)
	if err != nil {
		return err
	}
	p := s.newBuilder(w, r, it)
	if it.Form != nil {
		p.Title, p.Material, p.Signature = it.Form.Title, it.Form.Material, it.Form.Signature
		p.Preview = onlineFields(it.Form, catalog.FormData{}, nil)
	} else {
		p.Title = it.Name + "申请表"
		for _, m := range it.Materials {
			if strings.Contains(m.Name, "申请") {
				p.Material, p.Signature = m.Name, m.Signature
				break
			}
		}
	}
	p.Rows = rowsOf(it.Form)
	p.Saved = r.URL.Query().Get("saved") == "1"
	s.render(w, r, http.StatusOK, "admin_item_formdef", p)
	return nil
}

// readBuilder reads the posted builder: the rows in their order numbers'
// order, empty and deleted rows dropped. idx maps each field back to its
// row, for the catalog's problems.
func readBuilder(v url.Values) (*catalog.FormDef, []builderRow, []int, fieldErrors) {
	errs := fieldErrors{}
	def := &catalog.FormDef{Title: strings.TrimSpace(v.Get("title")), Material: strings.TrimSpace(v.Get("material")), Signature: v.Get("signature") == "1"}
	var rows []builderRow
	for i := 0; i < 100; i++ {
		p := fmt.Sprintf("fl.%d.", i)
		if _, ok := v[p+"label"]; !ok {
			break
		}
		b := builderRow{Index: i}
		b.Order, _ = strconv.Atoi(strings.TrimSpace(v.Get(p + "order")))
		b.F = catalog.FormField{Key: strings.TrimSpace(v.Get(p + "key")), Label: strings.TrimSpace(v.Get(p + "label")),
			Type: v.Get(p + "type"), Required: v.Get(p+"required") == "1", Hint: strings.TrimSpace(v.Get(p + "hint")),
			Prefill: v.Get(p + "prefill")}
		b.F.MaxLen, _ = strconv.Atoi(strings.TrimSpace(v.Get(p + "max_len")))
		b.F.MinRows, _ = strconv.Atoi(strings.TrimSpace(v.Get(p + "min_rows")))
		b.F.MaxRows, _ = strconv.Atoi(strings.TrimSpace(v.Get(p + "max_rows")))
		b.Options, b.Min, b.Max, b.Columns = v.Get(p+"options"), strings.TrimSpace(v.Get(p+"min")), strings.TrimSpace(v.Get(p+"max")), v.Get(p+"columns")
		if v.Get(p+"delete") == "1" || (b.F.Key == "" && b.F.Label == "") {
			continue
		}
		for _, o := range strings.FieldsFunc(b.Options, func(r rune) bool { return r == '、' || r == '\n' || r == ',' || r == '，' }) {
			if o = strings.TrimSpace(o); o != "" {
				b.F.Options = append(b.F.Options, o)
			}
		}
		for _, m := range []struct {
			s string
			p **float64
		}{{b.Min, &b.F.Min}, {b.Max, &b.F.Max}} {
			if m.s == "" {
				continue
			}
			f, err := strconv.ParseFloat(m.s, 64)
			if err != nil {
				b.Errors = append(b.Errors, "最小值、最大值请填写数字")
				continue
			}
			*m.p = &f
		}
		for _, line := range strings.Split(b.Columns, "\n") {
			if line = strings.TrimSpace(line); line == "" {
				continue
			}
			parts := strings.Split(line, "|")
			for len(parts) < 4 {
				parts = append(parts, "")
			}
			c := catalog.FormField{Key: strings.TrimSpace(parts[0]), Label: strings.TrimSpace(parts[1]), Type: strings.TrimSpace(parts[2]),
				Required: strings.TrimSpace(parts[3]) == "是"}
			if c.Type == "" {
				c.Type = catalog.FieldText
			}
			b.F.Columns = append(b.F.Columns, c)
		}
		rows = append(rows, b)
	}
	slices.SortStableFunc(rows, func(a, b builderRow) int { return a.Order - b.Order })
	idx := make([]int, len(rows))
	for i := range rows {
		def.Fields = append(def.Fields, rows[i].F)
		idx[i] = i
		rows[i].Order = i + 1
		for _, m := range rows[i].Errors {
			errs.add(fmt.Sprintf("form.fields[%d]", i), m)
		}
	}
	return def, rows, idx, errs
}

func (s *server) adminFormSave(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	it, err := s.editableItem(r)
	if err != nil {
		return err
	}
	v := r.PostForm
	def, rows, _, errs := readBuilder(v)
	p := s.newBuilder(w, r, it)
	p.Title, p.Material, p.Signature, p.Reason = def.Title, def.Material, def.Signature, strings.TrimSpace(v.Get("reason"))
	p.BaseVer, _ = strconv.Atoi(v.Get("base"))
	var form *catalog.FormDef
	if len(def.Fields) > 0 || def.Title != "" {
		form = def
	}
	if form != nil {
		c := *form
		c.Normalise()
		p.Preview = onlineFields(&c, catalog.FormData{}, nil)
	}
	if v.Get("op") == "save" && len(errs) == 0 {
		next := *it
		next.Form = form
		saved, err := s.d.Catalog.Update(r.Context(), a, it.ImplCode, &next, p.Reason, p.BaseVer)
		if err == nil {
			s.redirect(w, r, "/admin/items/"+url.PathEscape(it.Code)+"/form?saved=1", "ok",
				fmt.Sprintf("已保存“%s”的在线申请表（事项第 %d 版），变更记录已公开。", saved.Name, saved.Version))
			return nil
		}
		if code := zwfw.ErrorCode(err); code != zwfw.EINVALID && code != zwfw.ECONFLICT {
			return err
		}
		fe, msg := fromError(err)
		for k, m := range fe {
			errs[k] = append(errs[k], m...)
		}
		p.Error = msg
	}
	// Problems beside their rows: form.fields[3].key → row 3.
	for field, msgs := range errs {
		k, ok := strings.CutPrefix(field, "form.fields[")
		if j := strings.IndexByte(k, ']'); ok && j > 0 {
			if n, err := strconv.Atoi(k[:j]); err == nil && n < len(rows) {
				rows[n].Errors = append(rows[n].Errors, msgs...)
				continue
			}
		}
		switch field {
		case "form.title", "form.material", "reason", "form.fields", "form":
			p.Errors[strings.TrimPrefix(field, "form.")] = append(p.Errors[strings.TrimPrefix(field, "form.")], msgs...)
		default:
			p.Errors.add("form", strings.Join(msgs, "；"))
		}
	}
	for i := range rows {
		rows[i].Index = i
	}
	n := len(rows)
	for k := 0; k < 3; k++ {
		rows = append(rows, builderRow{Index: n + k, Order: n + k + 1, F: catalog.FormField{Type: catalog.FieldText}})
	}
	p.Rows = rows
	st := http.StatusOK
	if len(p.Errors) > 0 || p.Error != "" || slices.ContainsFunc(rows, func(b builderRow) bool { return len(b.Errors) > 0 }) {
		st = http.StatusUnprocessableEntity
		if p.Error == "" {
			p.Error = "申请表还有问题，请按提示修改后再保存"
		}
	}
	s.render(w, r, st, "admin_item_formdef", p)
	return nil
}
