package catalog

// How a material's 免提交 sources are written on one line, in the
// spreadsheet and in the item editor.

import (
	"fmt"
	"strings"
)

// FormatLicenceRefs writes licence types as the spreadsheet and the item
// editor show them: "结婚证 | 11100000000013127D001、残疾人证 | …".
func FormatLicenceRefs(ls []LicenceRef) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = l.Name + " | " + l.Code
	}
	return strings.Join(parts, listSep)
}

// ParseLicenceRefs reads what FormatLicenceRefs writes.
func ParseLicenceRefs(v string) ([]LicenceRef, error) {
	var out []LicenceRef
	for _, e := range splitList(v) {
		name, code, ok := strings.Cut(e, "|")
		if !ok {
			return nil, fmt.Errorf("可用电子证照应写作“证照名称 | 证照类型代码”，多个以“、”分隔")
		}
		out = append(out, LicenceRef{Name: strings.TrimSpace(name), Code: strings.TrimSpace(code)})
	}
	return out, nil
}

// SplitNames reads a list typed on one line, separated by 、，, or ;.
func SplitNames(v string) []string { return splitList(v) }
