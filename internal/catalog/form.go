package catalog

// The online application form (申请表) of an item: its fields, the rules of
// each, and the one function that checks a filled-in form. Issue 12 item 3:
// the 申请书 is filled in the browser instead of a downloaded spreadsheet,
// "网上申请、网上受理" (§2(3)); the form is part of the item document, so it
// is versioned, exported and imported with the catalog.

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/account/ident"
)

// FormDef is an item's online application form (申请表).
type FormDef struct {
	Title string `json:"title"` // 最低生活保障申请书
	// Material names the 申请材料 the filled-in form stands for: an online
	// application with the form needs no upload of it.
	Material string `json:"material,omitempty"`
	// Signature: the law needs the applicant's signature, so the staff
	// print the 申请书 for signing (申请人（签字）/日期).
	Signature bool        `json:"signature,omitempty"`
	Fields    []FormField `json:"fields"`
}

// FormField is one field of a form. A table field's Columns are its
// sub-fields (never tables themselves).
type FormField struct {
	Key      string      `json:"key"`   // f1, members …: letters, digits, _
	Label    string      `json:"label"` // 申请人姓名
	Type     string      `json:"type"`  // one of FieldTypes
	Required bool        `json:"required,omitempty"`
	Hint     string      `json:"hint,omitempty"`
	MinLen   int         `json:"min_len,omitempty"` // text: characters
	MaxLen   int         `json:"max_len,omitempty"` // text: characters; 0 = 200
	Min      *float64    `json:"min,omitempty"`     // number
	Max      *float64    `json:"max,omitempty"`     // number
	Options  []string    `json:"options,omitempty"` // choice
	Columns  []FormField `json:"columns,omitempty"` // table
	MinRows  int         `json:"min_rows,omitempty"`
	MaxRows  int         `json:"max_rows,omitempty"` // 0 = 20
	// Prefill takes the value from the applicant's account: name,
	// id_number, credit_code, phone or address (Prefills).
	Prefill string `json:"prefill,omitempty"`
}

// Field types.
const (
	FieldText     = "text"
	FieldLongText = "textarea"
	FieldNumber   = "number"
	FieldDate     = "date"
	FieldChoice   = "choice"
	FieldIDNumber = "id_number" // 居民身份证号, GB 11643
	FieldPhone    = "phone"
	FieldAddress  = "address" // a town or village of the county, and the rest
	FieldTable    = "table"
)

// FieldTypes is the field type code set, in the builder's order.
var FieldTypes = codeSet{{FieldText, "文字"}, {FieldLongText, "多行文字"}, {FieldNumber, "数字"}, {FieldDate, "日期"},
	{FieldChoice, "选择"}, {FieldIDNumber, "身份证号"}, {FieldPhone, "电话"}, {FieldAddress, "地址"}, {FieldTable, "表格"}}

// Prefills is the code set of what a field may take from the account.
var Prefills = codeSet{{"name", "姓名/名称"}, {"id_number", "居民身份证号"}, {"credit_code", "统一社会信用代码"}, {"phone", "联系电话"}, {"address", "联系地址"}}

// FieldTypeName is the Chinese name of a field type.
func FieldTypeName(c string) string { return FieldTypes.name(c) }

const (
	maxFormFields = 60
	maxTableRows  = 20
	defMaxLen     = 200
)

var (
	fieldKeyRE  = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	formPhoneRE = regexp.MustCompile(`^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$`)
	numberRE    = regexp.MustCompile(`^-?[0-9]{1,12}(\.[0-9]{1,4})?$`)
)

// Normalise trims the definition's text.
func (f *FormDef) Normalise() {
	f.Title, f.Material = strings.TrimSpace(f.Title), strings.TrimSpace(f.Material)
	var norm func(fs []FormField)
	norm = func(fs []FormField) {
		for i := range fs {
			x := &fs[i]
			x.Key, x.Label, x.Type, x.Hint, x.Prefill = strings.TrimSpace(x.Key), strings.TrimSpace(x.Label), strings.TrimSpace(x.Type), strings.TrimSpace(x.Hint), strings.TrimSpace(x.Prefill)
			if c, ok := FieldTypes.lookup(x.Type); ok {
				x.Type = c
			}
			opts := x.Options[:0:0]
			for _, o := range x.Options {
				if o = strings.TrimSpace(o); o != "" {
					opts = append(opts, o)
				}
			}
			x.Options = opts
			norm(x.Columns)
		}
	}
	norm(f.Fields)
}

// check adds the problems of the definition, under the field path "form".
func (f *FormDef) check(v *zwfw.Invalid, it *Item) {
	if f == nil {
		return
	}
	if n := runes(f.Title); n < 2 || n > 60 {
		v.Add("form.title", "申请表的名称应为 2–60 个字")
	}
	if f.Material != "" && !slices.ContainsFunc(it.Materials, func(m Material) bool { return m.Name == f.Material }) {
		v.Add("form.material", "申请表代替的材料“%s”不是本事项的申请材料", f.Material)
	}
	if len(f.Fields) == 0 {
		v.Add("form.fields", "申请表至少要有一个栏目")
	}
	if len(f.Fields) > maxFormFields {
		v.Add("form.fields", "申请表的栏目不超过 %d 个", maxFormFields)
	}
	checkFields(v, "form.fields", f.Fields, true)
}

func checkFields(v *zwfw.Invalid, path string, fs []FormField, top bool) {
	keys := map[string]bool{}
	for i, x := range fs {
		p := fmt.Sprintf("%s[%d]", path, i)
		n := i + 1
		switch {
		case !fieldKeyRE.MatchString(x.Key):
			v.Add(p+".key", "第 %d 个栏目的标识须以小写字母开头，只含小写字母、数字和下划线（不超过 40 个）", n)
		case keys[x.Key]:
			v.Add(p+".key", "栏目标识“%s”重复", x.Key)
		}
		keys[x.Key] = true
		if m := runes(x.Label); m == 0 || m > 60 {
			v.Add(p+".label", "第 %d 个栏目的名称不能为空（不超过 60 字）", n)
		}
		if runes(x.Hint) > 200 {
			v.Add(p+".hint", "第 %d 个栏目的填写提示不超过 200 字", n)
		}
		if FieldTypes.name(x.Type) == "" || (!top && x.Type == FieldTable) {
			v.Add(p+".type", "第 %d 个栏目“%s”的类型“%s”无效", n, x.Label, x.Type)
			continue
		}
		if x.Prefill != "" && Prefills.name(x.Prefill) == "" {
			v.Add(p+".prefill", "第 %d 个栏目的预填来源“%s”无效（name、id_number、credit_code、phone、address）", n, x.Prefill)
		}
		if x.MinLen < 0 || x.MaxLen < 0 || x.MaxLen > 2000 || (x.MaxLen > 0 && x.MinLen > x.MaxLen) {
			v.Add(p+".max_len", "第 %d 个栏目的长度限制不正确（0–2000，最少不大于最多）", n)
		}
		if x.Min != nil && x.Max != nil && *x.Min > *x.Max {
			v.Add(p+".min", "第 %d 个栏目的最小值大于最大值", n)
		}
		switch x.Type {
		case FieldChoice:
			if len(x.Options) < 2 || len(x.Options) > 30 {
				v.Add(p+".options", "第 %d 个栏目“%s”是选择题，须有 2–30 个选项", n, x.Label)
			}
			seen := map[string]bool{}
			for _, o := range x.Options {
				if seen[o] || runes(o) > 40 {
					v.Add(p+".options", "第 %d 个栏目的选项“%s”重复或过长", n, o)
				}
				seen[o] = true
			}
		case FieldTable:
			if len(x.Columns) == 0 || len(x.Columns) > 10 {
				v.Add(p+".columns", "第 %d 个栏目“%s”是表格，须有 1–10 列", n, x.Label)
			}
			if x.MinRows < 0 || x.MaxRows < 0 || x.MaxRows > maxTableRows || (x.MaxRows > 0 && x.MinRows > x.MaxRows) {
				v.Add(p+".max_rows", "第 %d 个栏目的行数限制不正确（0–%d）", n, maxTableRows)
			}
			checkFields(v, p+".columns", x.Columns, false)
		}
	}
}

// FormData is a filled-in form: field key → value. A scalar field's value
// is a string; an address is {"division": code, "detail": text}; a table is
// a list of rows, each column key → string.
type FormData map[string]any

// Divisions answers what the county's divisions (towns and villages, from
// internal/org) are called.
type Divisions interface {
	// Division names a town or village of the county by its code
	// ("城关镇 东街社区"), or reports that it is none.
	Division(code string) (string, bool)
}

// Address is an address field's value.
type Address struct {
	Division string `json:"division"`
	Detail   string `json:"detail"`
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// AddressOf reads an address value.
func AddressOf(v any) Address {
	switch x := v.(type) {
	case Address:
		return x
	case map[string]string:
		return Address{Division: strings.TrimSpace(x["division"]), Detail: strings.TrimSpace(x["detail"])}
	case map[string]any:
		return Address{Division: scalar(x["division"]), Detail: scalar(x["detail"])}
	case string: // free text only
		return Address{Detail: strings.TrimSpace(x)}
	}
	return Address{}
}

// RowsOf reads a table value.
func RowsOf(v any) []map[string]string {
	switch x := v.(type) {
	case []map[string]string:
		return x
	case []any:
		out := make([]map[string]string, 0, len(x))
		for _, r := range x {
			row := map[string]string{}
			if m, ok := r.(map[string]any); ok {
				for k, c := range m {
					row[k] = scalar(c)
				}
			} else if m, ok := r.(map[string]string); ok {
				for k, c := range m {
					row[k] = strings.TrimSpace(c)
				}
			}
			out = append(out, row)
		}
		return out
	}
	return nil
}

// Text is a scalar field's value as text.
func (d FormData) Text(key string) string { return scalar(d[key]) }

// CheckData checks a filled-in form against its definition and returns the
// normalised data (only the form's own keys, values trimmed) and every
// problem at once, each keyed by its field ("form.data.<key>",
// "form.data.<key>[row].<col>"). It is the one place the form's rules are
// decided: the page, the API, drafts and the window use it alike. today
// dates the ID numbers' birth-date check.
func (f *FormDef) CheckData(in FormData, divs Divisions, today time.Time) (FormData, []zwfw.ErrorDetail) {
	var v zwfw.Invalid
	out := FormData{}
	if f == nil {
		return out, nil
	}
	for _, x := range f.Fields {
		p := "form.data." + x.Key
		switch x.Type {
		case FieldTable:
			rows := RowsOf(in[x.Key])
			// Rows left wholly empty are dropped, not refused.
			kept := []map[string]string{}
			for _, r := range rows {
				row, empty := map[string]string{}, true
				for _, c := range x.Columns {
					row[c.Key] = strings.TrimSpace(r[c.Key])
					if row[c.Key] != "" {
						empty = false
					}
				}
				if !empty {
					kept = append(kept, row)
				}
			}
			maxRows := x.MaxRows
			if maxRows == 0 {
				maxRows = maxTableRows
			}
			minRows := x.MinRows
			if x.Required && minRows == 0 {
				minRows = 1
			}
			switch {
			case len(kept) < minRows:
				v.Add(p, "“%s”至少填写 %d 行", x.Label, minRows)
			case len(kept) > maxRows:
				v.Add(p, "“%s”最多 %d 行", x.Label, maxRows)
			}
			for i, row := range kept {
				for _, c := range x.Columns {
					if msg := c.checkValue(row[c.Key], divs, today); msg != "" {
						v.Add(fmt.Sprintf("%s[%d].%s", p, i, c.Key), "第 %d 行%s", i+1, msg)
					}
				}
			}
			if len(kept) > 0 {
				out[x.Key] = kept
			}
		case FieldAddress:
			a := AddressOf(in[x.Key])
			switch {
			case a.Division == "" && a.Detail == "":
				if x.Required {
					v.Add(p, "请填写“%s”", x.Label)
				}
			case a.Division == "":
				v.Add(p, "“%s”请选择所在镇、村（社区）", x.Label)
			case divs != nil && !divsHas(divs, a.Division):
				v.Add(p, "“%s”所选的镇、村（社区）不在本县", x.Label)
			case a.Detail == "":
				v.Add(p, "“%s”请填写门牌号等详细地址", x.Label)
			case runes(a.Detail) > 100:
				v.Add(p, "“%s”的详细地址不超过 100 字", x.Label)
			}
			if a.Division != "" || a.Detail != "" {
				out[x.Key] = map[string]string{"division": a.Division, "detail": a.Detail}
			}
		default:
			s := scalar(in[x.Key])
			if x.Type == FieldIDNumber {
				s = ident.NormaliseID(s)
			}
			if msg := x.checkValue(s, divs, today); msg != "" {
				v.Add(p, "%s", msg)
			}
			if s != "" {
				out[x.Key] = s
			}
		}
	}
	return out, v.Details
}

func divsHas(d Divisions, code string) bool { _, ok := d.Division(code); return ok }

// checkValue checks one scalar value (a field, or a cell of a table) and
// returns what is wrong with it, or "".
func (x *FormField) checkValue(s string, divs Divisions, today time.Time) string {
	if s == "" {
		if x.Required {
			if x.Type == FieldChoice {
				return fmt.Sprintf("请选择“%s”", x.Label)
			}
			return fmt.Sprintf("请填写“%s”", x.Label)
		}
		return ""
	}
	n := runes(s)
	switch x.Type {
	case FieldText, FieldLongText:
		maxLen := x.MaxLen
		if maxLen == 0 {
			maxLen = defMaxLen
			if x.Type == FieldLongText {
				maxLen = 2000
			}
		}
		if n < x.MinLen {
			return fmt.Sprintf("“%s”至少 %d 个字", x.Label, x.MinLen)
		}
		if n > maxLen {
			return fmt.Sprintf("“%s”不超过 %d 个字（现有 %d 个）", x.Label, maxLen, n)
		}
	case FieldNumber:
		if !numberRE.MatchString(s) {
			return fmt.Sprintf("“%s”请填写数字", x.Label)
		}
		f, _ := strconv.ParseFloat(s, 64)
		if x.Min != nil && f < *x.Min {
			return fmt.Sprintf("“%s”不能小于 %s", x.Label, strconv.FormatFloat(*x.Min, 'f', -1, 64))
		}
		if x.Max != nil && f > *x.Max {
			return fmt.Sprintf("“%s”不能大于 %s", x.Label, strconv.FormatFloat(*x.Max, 'f', -1, 64))
		}
	case FieldDate:
		if _, err := time.Parse("2006-01-02", s); err != nil {
			return fmt.Sprintf("“%s”请填写日期，如 2026-11-26", x.Label)
		}
	case FieldChoice:
		if !slices.Contains(x.Options, s) {
			return fmt.Sprintf("“%s”请从选项中选择", x.Label)
		}
	case FieldIDNumber:
		if err := ident.CheckID(ident.NormaliseID(s), today); err != nil {
			return fmt.Sprintf("“%s”%s", x.Label, err.Error())
		}
	case FieldPhone:
		if !formPhoneRE.MatchString(strings.ReplaceAll(s, " ", "")) {
			return fmt.Sprintf("“%s”请填写 11 位手机号或带区号的固定电话", x.Label)
		}
	case FieldAddress: // a table cell: free text
		if n > 100 {
			return fmt.Sprintf("“%s”不超过 100 字", x.Label)
		}
	}
	return ""
}

// FormLine is one field of a filled-in form as staff read it and the
// 申请书 prints it.
type FormLine struct {
	Label string
	Value string     // scalars and addresses
	Head  []string   // a table's column labels
	Rows  [][]string // a table's rows
	Table bool
}

// Lines lays the data out in the form's order. mask hides all but the ends
// of ID numbers (pii), for views that do not need the full number.
func (f *FormDef) Lines(d FormData, divs Divisions, mask bool) []FormLine {
	if f == nil {
		return nil
	}
	show := func(x FormField, s string) string {
		if mask && x.Type == FieldIDNumber && s != "" {
			return ident.MaskID(s)
		}
		return s
	}
	var out []FormLine
	for _, x := range f.Fields {
		l := FormLine{Label: x.Label}
		switch x.Type {
		case FieldTable:
			l.Table = true
			for _, c := range x.Columns {
				l.Head = append(l.Head, c.Label)
			}
			for _, r := range RowsOf(d[x.Key]) {
				row := make([]string, len(x.Columns))
				for i, c := range x.Columns {
					row[i] = show(c, r[c.Key])
				}
				l.Rows = append(l.Rows, row)
			}
		case FieldAddress:
			a := AddressOf(d[x.Key])
			name := a.Division
			if divs != nil && a.Division != "" {
				if n, ok := divs.Division(a.Division); ok {
					name = n
				}
			}
			l.Value = strings.TrimSpace(name + " " + a.Detail)
		default:
			l.Value = show(x, d.Text(x.Key))
		}
		out = append(out, l)
	}
	return out
}

// MaskData returns a copy of the data with ID numbers masked, for the case
// JSON of readers who do not need the full numbers.
func (f *FormDef) MaskData(d FormData) FormData {
	if f == nil || d == nil {
		return d
	}
	out := FormData{}
	for k, v := range d {
		out[k] = v
	}
	for _, x := range f.Fields {
		switch x.Type {
		case FieldIDNumber:
			if s := d.Text(x.Key); s != "" {
				out[x.Key] = ident.MaskID(s)
			}
		case FieldTable:
			rows := RowsOf(d[x.Key])
			masked := make([]map[string]string, len(rows))
			for i, r := range rows {
				m := map[string]string{}
				for k, c := range r {
					m[k] = c
				}
				for _, c := range x.Columns {
					if c.Type == FieldIDNumber && m[c.Key] != "" {
						m[c.Key] = ident.MaskID(m[c.Key])
					}
				}
				masked[i] = m
			}
			if rows != nil {
				out[x.Key] = masked
			}
		}
	}
	return out
}

// ReplacedBy reports whether the material is the one the item's online
// form stands for (so an online application need not upload it).
func (it *Item) ReplacedBy(material string) bool {
	return it.Form != nil && it.Form.Material != "" && it.Form.Material == material
}
