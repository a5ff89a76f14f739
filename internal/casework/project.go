package casework

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"zwfw"
	"zwfw/internal/catalog"
)

// A case of an item that concerns investment projects (catalog.Item.
// Investment; 附件2（五）3: "涉及投资项目审批的联办件，应依托全省投资项目
// 在线审批监管平台") carries the project's 全国投资项目统一代码, given at
// filing online or at the window; other cases carry none. Its events go
// to the province's investment platform (internal/invest).

// projectCode checks the project code of an application for item.
func projectCode(it *catalog.Item, code string, now time.Time) (string, error) {
	if !it.Investment {
		if code != "" {
			return "", invalid("project_code", "“%s”不涉及投资项目，不填项目代码", it.Name)
		}
		return "", nil
	}
	if code == "" {
		return "", invalid("project_code", "“%s”涉及投资项目审批，请填写全国投资项目统一代码", it.Name)
	}
	if _, err := ParseProjectCode(code, now); err != nil {
		return "", invalid("project_code", "%s", err.(*zwfw.Error).Message)
	}
	return code, nil
}

// codeRE is the shape of 全国投资项目统一代码: year, 6-digit 区划, 2-digit
// 行业, 2-digit 类型, 6-digit serial (YYYY-XXXXXX-XX-XX-XXXXXX).
var codeRE = regexp.MustCompile(`^(\d{4})-(\d{6})-(\d{2})-(\d{2})-(\d{6})$`)

// provinces are the first two digits of the 区划代码 (GB/T 2260) of the
// provinces, autonomous regions and municipalities.
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true, "21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true, "61": true, "62": true, "63": true, "64": true, "65": true,
}

// ProjectCode is a parsed 全国投资项目统一代码.
type ProjectCode struct {
	Year     int
	Division string // 区划代码 (000000: a project of the central government)
	Industry string // 行业
	Type     string // 类型: 01 审批, 02 核准, 03 备案
	Serial   string
}

// ParseProjectCode checks a project code's shape and 区划 (a real province, and
// city and county parts that are numbers of GB/T 2260's form; 000000 for a
// project of the central government) and a year not after now's.
func ParseProjectCode(s string, now time.Time) (ProjectCode, error) {
	m := codeRE.FindStringSubmatch(s)
	if m == nil {
		return ProjectCode{}, zwfw.Errorf(zwfw.EINVALID, "项目代码应为全国投资项目统一代码，格式为 年份-区划代码-行业代码-类型-流水号（如 2026-610923-48-01-012345）")
	}
	y, _ := strconv.Atoi(m[1])
	if y < 2000 || y > now.In(zwfw.Zone).Year() {
		return ProjectCode{}, zwfw.Errorf(zwfw.EINVALID, "项目代码的年份 %d 不对", y)
	}
	div := m[2]
	if div != "000000" && !provinces[div[:2]] {
		return ProjectCode{}, zwfw.Errorf(zwfw.EINVALID, "项目代码的区划代码 %s 不是有效的行政区划", div)
	}
	if m[3] == "00" {
		return ProjectCode{}, zwfw.Errorf(zwfw.EINVALID, "项目代码的行业代码不能为 00")
	}
	switch m[4] {
	case "01", "02", "03":
	default:
		return ProjectCode{}, zwfw.Errorf(zwfw.EINVALID, "项目代码的类型 %s 不对（01 审批、02 核准、03 备案）", m[4])
	}
	return ProjectCode{Year: y, Division: div, Industry: m[3], Type: m[4], Serial: m[5]}, nil
}

// TypeName is the Chinese name of a project's type.
func (c ProjectCode) TypeName() string {
	return map[string]string{"01": "审批", "02": "核准", "03": "备案"}[c.Type]
}

// String is the code as written.
func (c ProjectCode) String() string {
	return fmt.Sprintf("%04d-%s-%s-%s-%s", c.Year, c.Division, c.Industry, c.Type, c.Serial)
}
