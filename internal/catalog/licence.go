package catalog

// The licence type (证照类型) of an item whose result is a certificate: what
// the electronic licence issued on completion carries (§2(3): 积极推动电子证照
// …的应用，开展网上验证核对; GB/T 36902 证照类型代码, GB/T 36903 元数据). It is
// part of the item document, so it is versioned, exported and imported with
// the catalog; internal/licence issues licences from it.

import (
	"fmt"
	"strings"

	"zwfw"
	"zwfw/internal/account/ident"
)

// LicenceType is an item's licence type (证照类型).
type LicenceType struct {
	Name string `json:"name"` // 证照名称: 食品经营许可证
	// Code is the type code (证照类型代码, GB/T 36902 as STANDARDS.md gives
	// it): the unified social credit code of the ministry that defines the
	// licence, then a 3-digit type number.
	Code     string `json:"code"`
	Ministry string `json:"ministry,omitempty"` // 证照定义部门: 国家市场监督管理总局
	Level    string `json:"level"`              // 颁发层级: IssueLevels
	// ValidYears is how long a licence is valid from its issue date; 0 is
	// 长期 (no end). A date the staff give at completion wins.
	ValidYears int            `json:"valid_years"`
	Fields     []LicenceField `json:"fields"` // 照面信息, in the layout's order
	Layout     string         `json:"layout"` // LicenceLayouts
}

// LicenceField is one data item (照面信息项) a licence carries: its label
// and where the value comes from (LicenceSources, or "form:<key>" — a field
// of the case's online form or a labelled value the window entered).
type LicenceField struct {
	Label  string `json:"label"`
	Source string `json:"source"`
}

// IssueLevels is the 颁发层级 code set.
var IssueLevels = codeSet{{"national", "国家级"}, {"province", "省级"}, {"city", "市级"}, {LevelCounty, "县级"}, {LevelTown, "乡镇级"}}

// LicenceLayouts is the code set of the licence document's layouts (版式):
// a permit (许可证: a framed sheet, the fields as rows) or a certificate
// (证书: the same, titled and worded as a certificate).
var LicenceLayouts = codeSet{{"permit", "许可证"}, {"certificate", "证书"}}

// LicenceSources is the code set of where a licence field's value comes
// from, besides "form:<key>".
var LicenceSources = codeSet{
	{"holder", "持证者名称（申请人）"}, {"holder_code", "持证者身份代码（身份证号或统一社会信用代码）"},
	{"address", "申请表的联系地址"}, {"description", "申请事项说明"}, {"number", "证照编号（办结结果编号）"},
	{"issue_date", "发证日期"}, {"valid_to", "有效期至"}, {"issuer", "发证机关"}, {"item", "事项名称"}, {"case", "办件编号"},
}

// IssueLevelName, LayoutName and LicenceSourceName give the Chinese names.
func IssueLevelName(c string) string { return IssueLevels.name(c) }
func LayoutName(c string) string     { return LicenceLayouts.name(c) }
func LicenceSourceName(c string) string {
	if k, ok := strings.CutPrefix(c, "form:"); ok {
		return "申请表字段 " + k
	}
	return LicenceSources.name(c)
}

// ValidityText is the validity rule as the guide prints it.
func (t *LicenceType) ValidityText() string {
	if t.ValidYears == 0 {
		return "长期"
	}
	return fmt.Sprintf("%d 年", t.ValidYears)
}

const maxLicenceFields = 30

func (t *LicenceType) normalise() {
	t.Name, t.Code, t.Ministry = strings.TrimSpace(t.Name), strings.ToUpper(strings.TrimSpace(t.Code)), strings.TrimSpace(t.Ministry)
	t.Level, t.Layout = strings.TrimSpace(t.Level), strings.TrimSpace(t.Layout)
	if c, ok := IssueLevels.lookup(t.Level); ok {
		t.Level = c
	}
	if c, ok := LicenceLayouts.lookup(t.Layout); ok {
		t.Layout = c
	}
	for i := range t.Fields {
		t.Fields[i].Label, t.Fields[i].Source = strings.TrimSpace(t.Fields[i].Label), strings.TrimSpace(t.Fields[i].Source)
	}
	if t.Fields == nil {
		t.Fields = []LicenceField{}
	}
}

// CheckLicenceTypeCode checks a licence type code: 18 characters of a valid
// unified social credit code (GB 32100, both check characters) and 3 digits.
func CheckLicenceTypeCode(code string) error {
	if len(code) != 21 {
		return fmt.Errorf("证照类型代码应为 21 位（发证部门的统一社会信用代码 18 位 + 3 位类型序号），现为 %d 位", len([]rune(code)))
	}
	if err := ident.CheckCreditCode(code[:18]); err != nil {
		return fmt.Errorf("证照类型代码的前 18 位不是有效的统一社会信用代码：%s", err.Error())
	}
	for _, c := range code[18:] {
		if c < '0' || c > '9' {
			return fmt.Errorf("证照类型代码的最后 3 位应为数字")
		}
	}
	return nil
}

func (it *Item) checkLicence(v *zwfw.Invalid) {
	t := it.Licence
	if t == nil {
		return
	}
	if it.ResultType != "证照" {
		v.Add("licence", "只有审批结果类型为“证照”的事项才能设置证照类型")
	}
	if n := runes(t.Name); n < 2 || n > 50 {
		v.Add("licence.name", "证照名称须为 2–50 个字")
	}
	if err := CheckLicenceTypeCode(t.Code); err != nil {
		v.Add("licence.code", "%s", err.Error())
	}
	if runes(t.Ministry) > 100 {
		v.Add("licence.ministry", "证照定义部门不超过 100 个字")
	}
	if IssueLevels.name(t.Level) == "" {
		v.Add("licence.level", "颁发层级“%s”无效（国家级、省级、市级、县级、乡镇级）", t.Level)
	}
	if t.ValidYears < 0 || t.ValidYears > 50 {
		v.Add("licence.valid_years", "有效期应为 0（长期）到 50 年")
	}
	if LicenceLayouts.name(t.Layout) == "" {
		v.Add("licence.layout", "版式“%s”无效（许可证、证书）", t.Layout)
	}
	if len(t.Fields) == 0 || len(t.Fields) > maxLicenceFields {
		v.Add("licence.fields", "证照的照面信息项应为 1–%d 项", maxLicenceFields)
	}
	labels := map[string]bool{}
	for i, f := range t.Fields {
		p := fmt.Sprintf("licence.fields[%d]", i)
		if n := runes(f.Label); n < 1 || n > 20 {
			v.Add(p+".label", "第 %d 项照面信息的名称须为 1–20 个字", i+1)
		} else if labels[f.Label] {
			v.Add(p+".label", "照面信息项“%s”重复", f.Label)
		}
		labels[f.Label] = true
		if key, ok := strings.CutPrefix(f.Source, "form:"); ok {
			if !fieldKeyRE.MatchString(key) {
				v.Add(p+".source", "第 %d 项照面信息的来源“%s”不正确：申请表字段应写作 form:字段代码", i+1, f.Source)
			} else if it.Form != nil && !it.Form.hasKey(key) {
				// Without an online form the value is a labelled one the
				// window enters (Form.Fields); with one, the key must be its.
				v.Add(p+".source", "第 %d 项照面信息取自申请表字段 %s，但本事项的申请表没有这个字段", i+1, key)
			}
			continue
		}
		if LicenceSources.name(f.Source) == "" {
			v.Add(p+".source", "第 %d 项照面信息的来源“%s”无效（如 holder 持证者、number 证照编号、form:字段代码）", i+1, f.Source)
		}
	}
}

// hasKey reports whether the form has a top-level field key.
func (f *FormDef) hasKey(key string) bool {
	for _, fl := range f.Fields {
		if fl.Key == key {
			return true
		}
	}
	return false
}
