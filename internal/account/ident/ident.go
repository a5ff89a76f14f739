// Package ident checks the two national identity numbers applicants sign up
// with: the 居民身份证号 (GB 11643-1999) and the 统一社会信用代码
// (GB 32100-2015). Each error message says exactly what is wrong, in Chinese,
// because a resident at a village station has to be able to fix it.
package ident

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idChecks = "10X98765432"

// IDCheckDigit returns the check character for the first 17 digits.
func IDCheckDigit(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * idWeights[i]
	}
	return idChecks[sum%11]
}

// NormaliseID upper-cases a trailing x and trims spaces.
func NormaliseID(s string) string {
	return strings.ToUpper(strings.TrimSpace(s))
}

// CheckID validates an 18-digit resident ID number as of today: length and
// characters, the birth date (a real date, not in the future, not before
// 1900) and the check digit.
func CheckID(id string, today time.Time) error {
	id = NormaliseID(id)
	if len([]rune(id)) != 18 || len(id) != 18 {
		return fmt.Errorf("居民身份证号应为 18 位，您输入了 %d 位", len([]rune(id)))
	}
	for i := 0; i < 17; i++ {
		if id[i] < '0' || id[i] > '9' {
			return fmt.Errorf("居民身份证号前 17 位只能是数字，第 %d 位“%c”不是数字", i+1, id[i])
		}
	}
	last := id[17]
	if (last < '0' || last > '9') && last != 'X' {
		return errors.New("居民身份证号第 18 位（校验码）只能是数字或 X")
	}
	if id[0] == '0' {
		return errors.New("居民身份证号前 6 位（地址码）不正确")
	}
	birth, err := time.Parse("20060102", id[6:14])
	if err != nil {
		return fmt.Errorf("居民身份证号第 7–14 位的出生日期 %s 不是有效日期", id[6:14])
	}
	if birth.Year() < 1900 {
		return fmt.Errorf("居民身份证号中的出生日期 %s 早于 1900 年，不正确", birth.Format("2006-01-02"))
	}
	y, m, d := today.Date()
	if birth.After(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) {
		return fmt.Errorf("居民身份证号中的出生日期 %s 晚于今天，不正确", birth.Format("2006-01-02"))
	}
	if want := IDCheckDigit(id[:17]); want != last {
		return errors.New("居民身份证号校验码不正确，请核对号码是否输错")
	}
	return nil
}

// IDBirthDate returns the birth date encoded in a valid ID number.
func IDBirthDate(id string) time.Time {
	t, _ := time.Parse("20060102", id[6:14])
	return t
}

// IDMale reports whether the 17th digit marks a man (odd).
func IDMale(id string) bool { return (id[16]-'0')%2 == 1 }

const creditChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CreditCheckChar returns the 18th character for the first 17.
func CreditCheckChar(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(creditChars, first17[i]) * creditWeights[i]
	}
	return creditChars[(31-sum%31)%31]
}

var orgWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// OrgCodeCheck returns the GB 11714 check character of an 8-character body.
func OrgCodeCheck(body8 string) byte {
	sum := 0
	for i := 0; i < 8; i++ {
		c := body8[i]
		var v int
		if c >= '0' && c <= '9' {
			v = int(c - '0')
		} else {
			v = int(c-'A') + 10
		}
		sum += v * orgWeights[i]
	}
	switch r := 11 - sum%11; r {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + r)
	}
}

// NormaliseCreditCode upper-cases and trims.
func NormaliseCreditCode(s string) string {
	return strings.ToUpper(strings.TrimSpace(s))
}

// CheckCreditCode validates an 18-character unified social credit code:
// length, its character set (no I, O, S, V, Z), the registering authority
// and category codes, the 6-digit division code, and both check characters
// (GB 32100 over the whole code and GB 11714 over the organisation code in
// positions 9–17).
func CheckCreditCode(code string) error {
	code = NormaliseCreditCode(code)
	if len([]rune(code)) != 18 || len(code) != 18 {
		return fmt.Errorf("统一社会信用代码应为 18 位，您输入了 %d 位", len([]rune(code)))
	}
	for i := 0; i < 18; i++ {
		if strings.IndexByte(creditChars, code[i]) < 0 {
			return fmt.Errorf("统一社会信用代码第 %d 位“%c”不是允许的字符（只用数字和除 I、O、S、V、Z 以外的大写字母）", i+1, code[i])
		}
	}
	if !strings.ContainsRune("123456789ANY", rune(code[0])) {
		return fmt.Errorf("统一社会信用代码第 1 位（登记管理部门代码）“%c”不正确", code[0])
	}
	if !strings.ContainsRune("123459", rune(code[1])) {
		return fmt.Errorf("统一社会信用代码第 2 位（机构类别代码）“%c”不正确", code[1])
	}
	for i := 2; i < 8; i++ {
		if code[i] < '0' || code[i] > '9' {
			return errors.New("统一社会信用代码第 3–8 位（登记管理机关行政区划码）应为数字")
		}
	}
	if want := CreditCheckChar(code[:17]); want != code[17] {
		return errors.New("统一社会信用代码校验码（第 18 位）不正确，请核对代码是否输错")
	}
	for i := 8; i < 16; i++ {
		c := code[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return errors.New("统一社会信用代码第 9–17 位（组织机构代码）不正确")
		}
	}
	if want := OrgCodeCheck(code[8:16]); want != code[16] {
		return errors.New("统一社会信用代码第 9–17 位中的组织机构代码校验位不正确，请核对代码是否输错")
	}
	return nil
}

// MaskID shows the first 3 and last 4 characters of an ID number
// (610***********1234), for lists and logs.
func MaskID(id string) string {
	r := []rune(id)
	if len(r) < 8 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}

// MaskName keeps the first character of a name (张*, 欧阳**).
func MaskName(name string) string {
	r := []rune(strings.TrimSpace(name))
	if len(r) <= 1 {
		return string(r)
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}

// MaskPhone shows the first 3 and last 4 digits of a phone number.
func MaskPhone(p string) string {
	r := []rune(p)
	if len(r) < 8 {
		return p
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}
