package catalog_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"zwfw/internal/catalog"
)

type towns map[string]string

func (t towns) Division(code string) (string, bool) { n, ok := t[code]; return n, ok }

var county = towns{"610923100": "城关镇", "610923100001": "城关镇 东关社区"}

func lowIncomeForm() *catalog.FormDef {
	zero, ten := 0.0, 10.0
	return &catalog.FormDef{Title: "最低生活保障申请书", Material: "食品经营许可申请书", Signature: true, Fields: []catalog.FormField{
		{Key: "name", Label: "申请人姓名", Type: "text", Required: true, MaxLen: 30, Prefill: "name"},
		{Key: "idn", Label: "身份证号码", Type: "id_number", Required: true, Prefill: "id_number"},
		{Key: "born", Label: "出生日期", Type: "date"},
		{Key: "kind", Label: "申请类别", Type: "choice", Required: true, Options: []string{"城市最低生活保障", "农村最低生活保障"}},
		{Key: "size", Label: "家庭人口数", Type: "number", Required: true, Min: &zero, Max: &ten},
		{Key: "tel", Label: "联系电话", Type: "phone", Required: true},
		{Key: "home", Label: "户籍地址", Type: "address", Required: true},
		{Key: "family", Label: "共同生活家庭成员", Type: "table", Required: true, MaxRows: 2, Columns: []catalog.FormField{
			{Key: "name", Label: "姓名", Type: "text", Required: true},
			{Key: "idn", Label: "身份证号码", Type: "id_number", Required: true},
		}},
	}}
}

var today = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

// An empty form answers every required field at once, each under its own
// key (issue 12 item 4: one pass).
func TestFormCheckDataReportsEverythingAtOnce(t *testing.T) {
	f := lowIncomeForm()
	_, probs := f.CheckData(catalog.FormData{}, county, today)
	got := map[string]string{}
	for _, p := range probs {
		got[p.Field] = p.Message
	}
	for _, k := range []string{"name", "idn", "kind", "size", "tel", "home", "family"} {
		if got["form.data."+k] == "" {
			t.Errorf("no problem reported for %s; got %v", k, got)
		}
	}
	if _, ok := got["form.data.born"]; ok {
		t.Errorf("an optional empty date was refused: %v", got)
	}
}

func TestFormCheckDataRules(t *testing.T) {
	good := func() catalog.FormData {
		return catalog.FormData{"name": " 王秀兰 ", "idn": "610923198008210285", "kind": "城市最低生活保障", "size": 3.0,
			"tel": "13991567352", "home": map[string]any{"division": "610923100001", "detail": "北街18号"},
			"family": []any{map[string]any{"name": "王秀兰", "idn": "610923198008210285"}, map[string]any{"name": "", "idn": ""}}}
	}
	out, probs := lowIncomeForm().CheckData(good(), county, today)
	if len(probs) != 0 {
		t.Fatalf("a good form was refused: %+v", probs)
	}
	if out.Text("name") != "王秀兰" || out.Text("size") != "3" || len(catalog.RowsOf(out["family"])) != 1 {
		t.Fatalf("not normalised (trimmed, number as text, empty rows dropped): %#v", out)
	}
	cases := []struct {
		field string
		set   func(d catalog.FormData)
		want  string
	}{
		{"form.data.idn", func(d catalog.FormData) { d["idn"] = "610923198008210284" }, "校验"},
		{"form.data.kind", func(d catalog.FormData) { d["kind"] = "特困供养" }, "选项"},
		{"form.data.size", func(d catalog.FormData) { d["size"] = "11" }, "不能大于 10"},
		{"form.data.size", func(d catalog.FormData) { d["size"] = "三" }, "数字"},
		{"form.data.born", func(d catalog.FormData) { d["born"] = "2026-02-30" }, "日期"},
		{"form.data.tel", func(d catalog.FormData) { d["tel"] = "12345" }, "手机号"},
		{"form.data.home", func(d catalog.FormData) { d["home"] = map[string]any{"division": "110101", "detail": "x"} }, "不在本县"},
		{"form.data.home", func(d catalog.FormData) { d["home"] = map[string]any{"division": "610923100"} }, "详细地址"},
		{"form.data.name", func(d catalog.FormData) { d["name"] = strings.Repeat("王", 31) }, "不超过 30"},
		{"form.data.family[0].idn", func(d catalog.FormData) { d["family"] = []any{map[string]any{"name": "李", "idn": "1"}} }, "第 1 行"},
		{"form.data.family", func(d catalog.FormData) {
			r := map[string]any{"name": "李", "idn": "610923198008210285"}
			d["family"] = []any{r, r, r}
		}, "最多 2 行"},
	}
	for _, c := range cases {
		d := good()
		c.set(d)
		_, probs := lowIncomeForm().CheckData(d, county, today)
		ok := false
		for _, p := range probs {
			if p.Field == c.field && strings.Contains(p.Message, c.want) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s: want a problem containing %q, got %+v", c.field, c.want, probs)
		}
	}
}

// A form definition is checked with the item (versioned with it): bad
// keys, a table inside a table, a choice without options and a material
// that is not the item's are refused.
func TestFormDefinitionRules(t *testing.T) {
	it := foodLicence()
	it.Form = lowIncomeForm()
	if err := it.Validate(nil); err != nil {
		t.Fatalf("a good form was refused: %v", err)
	}
	it.Form.Material = "不存在的材料"
	it.Form.Fields = append(it.Form.Fields,
		catalog.FormField{Key: "name", Label: "重复", Type: "text"},
		catalog.FormField{Key: "Bad Key", Label: "坏", Type: "text"},
		catalog.FormField{Key: "c", Label: "选择", Type: "choice", Options: []string{"只有一个"}},
		catalog.FormField{Key: "t", Label: "表", Type: "table", Columns: []catalog.FormField{{Key: "in", Label: "内", Type: "table"}}},
	)
	probs := it.Problems(nil)
	want := []string{"form.material", "form.fields[8].key", "form.fields[9].key", "form.fields[10].options", "form.fields[11].columns[0].type"}
	for _, w := range want {
		found := false
		for _, p := range probs {
			found = found || p.Field == w
		}
		if !found {
			t.Errorf("no problem at %s; got %+v", w, probs)
		}
	}
}

// The form travels with the catalog's JSON and Excel exports and comes back
// unchanged.
func TestFormExportImport(t *testing.T) {
	it := foodLicence()
	it.Form = lowIncomeForm()
	var buf bytes.Buffer
	if err := catalog.EncodeJSON(&buf, []*catalog.Item{it}); err != nil {
		t.Fatal(err)
	}
	back, err := catalog.DecodeJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if back[0].Form == nil || len(back[0].Form.Fields) != 8 || back[0].Form.Fields[7].Columns[1].Type != "id_number" {
		t.Fatalf("JSON lost the form: %+v", back[0].Form)
	}
	var x bytes.Buffer
	if err := catalog.WriteXLSX(&x, []*catalog.Item{it}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	items, _, err := catalog.ReadXLSX(&x)
	if err != nil {
		t.Fatal(err)
	}
	if items[0].Form == nil || items[0].Form.Title != "最低生活保障申请书" || *items[0].Form.Fields[4].Max != 10 {
		t.Fatalf("Excel lost the form: %+v", items[0].Form)
	}
}

// Staff read the data in the form's order; masked views hide ID numbers,
// in tables too.
func TestFormLinesAndMask(t *testing.T) {
	f := lowIncomeForm()
	d := catalog.FormData{"name": "王秀兰", "idn": "610923198008210285", "home": map[string]any{"division": "610923100001", "detail": "北街18号"},
		"family": []any{map[string]any{"name": "王秀兰", "idn": "610923198008210285"}}}
	lines := f.Lines(d, county, true)
	if lines[0].Value != "王秀兰" || strings.Contains(lines[1].Value, "19800821") || lines[6].Value != "城关镇 东关社区 北街18号" {
		t.Fatalf("lines: %+v", lines)
	}
	if !lines[7].Table || strings.Contains(lines[7].Rows[0][1], "19800821") {
		t.Fatalf("table line: %+v", lines[7])
	}
	m := f.MaskData(d)
	if strings.Contains(m.Text("idn"), "19800821") || strings.Contains(catalog.RowsOf(m["family"])[0]["idn"], "19800821") {
		t.Fatalf("mask: %+v", m)
	}
	if d.Text("idn") != "610923198008210285" {
		t.Fatal("MaskData changed its input")
	}
}
