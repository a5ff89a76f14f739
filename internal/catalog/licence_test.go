package catalog_test

import (
	"bytes"
	"strings"
	"testing"

	"zwfw/internal/catalog"
)

func foodLicenceType() *catalog.LicenceType {
	return &catalog.LicenceType{Name: "食品经营许可证", Code: "11100000MB0143028R001", Ministry: "国家市场监督管理总局", Level: "县级",
		ValidYears: 5, Layout: "许可证", Fields: []catalog.LicenceField{{Label: "经营者名称", Source: "holder"}, {Label: "许可证编号", Source: "number"}}}
}

// TestLicenceTypeRules: a licence type's code must carry a valid unified
// social credit code (GB 32100 check characters) and a 3-digit number; its
// fields name a known source; only a certificate result has one. Every
// problem is reported at its field, in Chinese.
func TestLicenceTypeRules(t *testing.T) {
	it := foodLicence()
	it.Licence = foodLicenceType()
	it.Normalise()
	if err := it.Validate(nil); err != nil {
		t.Fatalf("a good licence type was refused: %v", err)
	}
	if it.Licence.Level != "county" || it.Licence.Layout != "permit" {
		t.Errorf("names not stored as codes: %+v", it.Licence)
	}
	it.Licence.Code = "11100000MB0143028X001" // wrong check character
	it.Licence.Fields = append(it.Licence.Fields, catalog.LicenceField{Label: "经营者名称", Source: "holder"},
		catalog.LicenceField{Label: "其他", Source: "nowhere"}, catalog.LicenceField{Label: "表", Source: "form:Bad Key"})
	it.Licence.ValidYears = 99
	it.Licence.Level = "乡级"
	want := map[string]string{"licence.code": "统一社会信用代码", "licence.fields[2].label": "重复", "licence.fields[3].source": "无效",
		"licence.fields[4].source": "form:", "licence.valid_years": "长期", "licence.level": "颁发层级"}
	probs := it.Problems(nil)
	for field, words := range want {
		found := false
		for _, p := range probs {
			found = found || p.Field == field && strings.Contains(p.Message, words)
		}
		if !found {
			t.Errorf("no problem at %s saying %q; got %+v", field, words, probs)
		}
	}
	it = foodLicence()
	it.Licence = foodLicenceType()
	it.Normalise()
	it.ResultType = "批文"
	if p := it.Problems(nil); len(p) != 1 || p[0].Field != "licence" {
		t.Errorf("a licence type on a 批文 item: %+v", p)
	}
	it.ResultType = "证照"
	it.Licence.Code = "11100000MB0143028R01A"
	if p := it.Problems(nil); len(p) != 1 || !strings.Contains(p[0].Message, "3 位应为数字") {
		t.Errorf("type number not digits: %+v", p)
	}
}

// The licence type travels with the JSON and Excel exports.
func TestLicenceTypeExportImport(t *testing.T) {
	it := foodLicence()
	it.Licence = foodLicenceType()
	it.Normalise()
	var x bytes.Buffer
	if err := catalog.WriteXLSX(&x, []*catalog.Item{it}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	items, _, err := catalog.ReadXLSX(&x)
	if err != nil {
		t.Fatal(err)
	}
	if l := items[0].Licence; l == nil || l.Code != "11100000MB0143028R001" || l.ValidYears != 5 || len(l.Fields) != 2 || l.Fields[1].Source != "number" {
		t.Fatalf("Excel lost the licence type: %+v", items[0].Licence)
	}
	var buf bytes.Buffer
	if err := catalog.EncodeJSON(&buf, []*catalog.Item{it}); err != nil {
		t.Fatal(err)
	}
	back, err := catalog.DecodeJSON(&buf)
	if err != nil || back[0].Licence == nil || back[0].Licence.Name != "食品经营许可证" {
		t.Fatalf("JSON lost the licence type: %v %+v", err, back)
	}
}
