package catalog

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// A certificate's number where the law sets its format, written as a rule
// in the item: letters and digits as they stand, and
//
//	{division}  the 6-digit division code of the issuing county (610923)
//	{seq:N}     the issuer's sequence of this certificate, N digits
//	{check}     a check digit over the digits before it
//
// 食品经营许可证 (《食品经营许可和备案管理办法》§32, 2023; §24 of the 2015
// 办法): JY + 1-digit 主体业态 (1 食品销售, 2 餐饮服务, 3 单位食堂) + the
// 2-digit province, 2-digit city and 2-digit county codes + a 6-digit
// sequence + 1 check digit: JY2{division}{seq:6}{check}. The check digit's
// algorithm is not published; Luhn (ISO/IEC 7812) is used here
// (unconfirmed).

var ruleRE = regexp.MustCompile(`\{[a-z]+(?::[0-9])?\}|[A-Z0-9-]`)

// CheckResultNumber validates a rule.
func CheckResultNumber(rule string) error {
	if len(rule) > 50 {
		return errors.New("结果编号规则不超过 50 个字符")
	}
	rest, seq := rule, false
	for rest != "" {
		m := ruleRE.FindString(rest)
		if m == "" || !strings.HasPrefix(rest, m) {
			return fmt.Errorf("结果编号规则只能由大写字母、数字和 {division}、{seq:N}、{check} 组成：%q", rule)
		}
		switch {
		case m == "{division}", m == "{check}":
		case strings.HasPrefix(m, "{seq:") && m != "{seq:0}":
			seq = true
		case len(m) > 1:
			return fmt.Errorf("结果编号规则中的 %s 无效（可用 {division}、{seq:N}、{check}）", m)
		}
		rest = rest[len(m):]
	}
	if !seq {
		return errors.New("结果编号规则须含顺序码 {seq:N}")
	}
	return nil
}

// ResultNumber writes the number of rule for division and sequence n.
func ResultNumber(rule, division string, n int64) (string, error) {
	if err := CheckResultNumber(rule); err != nil {
		return "", err
	}
	var b strings.Builder
	for _, m := range ruleRE.FindAllString(rule, -1) {
		switch {
		case m == "{division}":
			b.WriteString(division)
		case m == "{check}":
			b.WriteByte(luhn(b.String()))
		case strings.HasPrefix(m, "{seq:"):
			w, _ := strconv.Atoi(m[5:6])
			s := fmt.Sprintf("%0*d", w, n)
			if len(s) > w {
				return "", fmt.Errorf("顺序码已超过 %d 位", w)
			}
			b.WriteString(s)
		default:
			b.WriteString(m)
		}
	}
	return b.String(), nil
}

// luhn is the Luhn check digit of the digits in s.
func luhn(s string) byte {
	sum, double := 0, true
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			continue
		}
		d := int(c - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return byte('0' + (10-sum%10)%10)
}
