package catalog_test

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/catalog"
)

// anyRefs accepts every department and file: the fuzz tests look at the
// reading of import files, not at what the database holds.
type anyRefs struct{}

func (anyRefs) IsDept(code string) bool { return code != "" }
func (anyRefs) HasFile(string) bool     { return true }

// seedCatalog is the county's catalog as shipped (internal/seed/data),
// one item per seed, and the test's food licence.
func seedCatalog(f *testing.F) [][]byte {
	f.Helper()
	b, err := os.ReadFile("../seed/data/catalog-1.json")
	if err != nil {
		f.Fatal(err)
	}
	var raw []map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		f.Fatal(err)
	}
	var docs [][]byte
	for _, it := range raw[:min(len(raw), 6)] {
		// The seed names a material's blank form by file ("template");
		// an import file carries it as an uploaded attachment. The seeder
		// makes the implementation code, an export carries it.
		ms, _ := it["materials"].([]any)
		if it["impl_code"] == "" {
			it["impl_code"] = it["code"].(string) + "-610923000000-000-11610923MB00001700-1-00"
		}
		for _, m := range ms {
			delete(m.(map[string]any), "template")
		}
		doc, err := json.Marshal([]any{it})
		if err != nil {
			f.Fatal(err)
		}
		docs = append(docs, doc)
	}
	var buf bytes.Buffer
	if err := catalog.EncodeJSON(&buf, []*catalog.Item{foodLicence()}); err != nil {
		f.Fatal(err)
	}
	return append(docs, buf.Bytes())
}

// importError checks a refused import file: an EINVALID error with a
// readable Chinese message, never a panic or an internal error.
func importError(t *testing.T, what string, err error) {
	t.Helper()
	if zwfw.ErrorCode(err) != zwfw.EINVALID || !utf8.ValidString(zwfw.ErrorMessage(err)) {
		t.Fatalf("%s: %v (%s), want an EINVALID error", what, err, zwfw.ErrorCode(err))
	}
}

// FuzzDecodeJSON: an import file in JSON is read or refused as invalid;
// what is read survives export and import again unchanged, and items that
// validate hold no NUL (PostgreSQL cannot store it) and survive the Excel
// workbook too (JSON → xlsx → JSON, as an administrator editing the
// catalog in Excel does).
func FuzzDecodeJSON(f *testing.F) {
	valid := 0
	for _, s := range seedCatalog(f) {
		f.Add(s)
		if items, err := catalog.DecodeJSON(bytes.NewReader(s)); err == nil {
			items[0].Normalise()
			if items[0].Validate(anyRefs{}) == nil {
				valid++
			}
		}
	}
	var nul bytes.Buffer
	it := foodLicence()
	it.Conditions += "\x00"
	if err := catalog.EncodeJSON(&nul, []*catalog.Item{it}); err != nil {
		f.Fatal(err)
	}
	f.Add(nul.Bytes())
	if valid < 2 {
		f.Fatalf("%d seeds validate: the Excel round trip would hardly be tried", valid)
	}
	for _, s := range []string{`[]`, `{"format":"zwfw-catalog/9","items":[{}]}`, `[{"code": 1}]`, "\xef\xbb\xbf[{\"nmae\":\"x\"}]",
		`{"items":[{"code":"1","name":"x","materials":[{"name":"a","copies":-1}]}]}`, `[{"code":"1"}] trailing`, `[`, "[\n{\"code\":\"\\u0000\"}]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		items, err := catalog.DecodeJSON(bytes.NewReader(b))
		if err != nil {
			importError(t, "DecodeJSON", err)
			return
		}
		for _, it := range items {
			it.Normalise()
		}
		var first bytes.Buffer
		if err := catalog.EncodeJSON(&first, items); err != nil {
			t.Fatalf("EncodeJSON of what DecodeJSON read: %v", err)
		}
		back, err := catalog.DecodeJSON(bytes.NewReader(first.Bytes()))
		if err != nil {
			t.Fatalf("DecodeJSON of its own export: %v\n%s", err, first.Bytes())
		}
		for _, it := range back {
			it.Normalise()
		}
		if !reflect.DeepEqual(items, back) {
			t.Fatalf("JSON → JSON changed the items:\n%s", first.Bytes())
		}
		for _, it := range items {
			if it.Validate(anyRefs{}) != nil {
				return
			}
		}
		if bytes.Contains(first.Bytes(), []byte(`\u0000`)) {
			t.Fatalf("items with a NUL validate, which PostgreSQL cannot store:\n%s", first.Bytes())
		}
		var x bytes.Buffer
		if err := catalog.WriteXLSX(&x, items, nil); err != nil {
			t.Fatalf("WriteXLSX of valid items: %v", err)
		}
		fromX, _, err := catalog.ReadXLSX(bytes.NewReader(x.Bytes()))
		if err != nil {
			t.Fatalf("ReadXLSX of its own workbook: %v\n%s", err, first.Bytes())
		}
		var second bytes.Buffer
		if err := catalog.EncodeJSON(&second, fromX); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatalf("JSON → xlsx → JSON differs:\n%s\n---\n%s", first.Bytes(), second.Bytes())
		}
	})
}

// FuzzReadXLSX: any uploaded file is read as a workbook or refused as
// invalid, never a panic; what is read can be located (the Locator answers
// for every item) and exported again.
func FuzzReadXLSX(f *testing.F) {
	for _, s := range seedCatalog(f)[:3] {
		items, err := catalog.DecodeJSON(bytes.NewReader(s))
		if err != nil {
			f.Fatal(err)
		}
		var x bytes.Buffer
		if err := catalog.WriteXLSX(&x, items, nil); err != nil {
			f.Fatal(err)
		}
		f.Add(x.Bytes())
	}
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte("not a workbook"))
	f.Fuzz(func(t *testing.T, b []byte) {
		items, loc, err := catalog.ReadXLSX(bytes.NewReader(b))
		if err != nil {
			importError(t, "ReadXLSX", err)
			return
		}
		for i := range items {
			if row, col := loc(i, "materials[0].form"); row < 1 || col == "" {
				t.Fatalf("item %d located at %d %q", i, row, col)
			}
		}
		var buf bytes.Buffer
		if err := catalog.EncodeJSON(&buf, items); err != nil {
			t.Fatal(err)
		}
	})
}
