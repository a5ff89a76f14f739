package ident

import (
	"strings"
	"testing"
	"time"
)

var today = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

// makeID completes 17 digits with their check digit.
func makeID(first17 string) string { return first17 + string(IDCheckDigit(first17)) }

func makeCredit(first16 string) string {
	s := first16 + string(OrgCodeCheck(first16[8:16]))
	return s + string(CreditCheckChar(s))
}

func TestCheckID(t *testing.T) {
	valid := makeID("61092319800101123")
	if err := CheckID(valid, today); err != nil {
		t.Fatalf("valid %s: %v", valid, err)
	}
	// The published sample number with an X check digit.
	if err := CheckID("11010519491231002x", today); err != nil {
		t.Fatalf("sample with lower-case x: %v", err)
	}
	wrongCheck := valid[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", valid[17])+1)%11])
	cases := []struct{ name, id, want string }{
		{"short", "61092319800101123", "应为 18 位"},
		{"letter", "6109231980010112A3", "前 17 位只能是数字"},
		{"check digit", wrongCheck, "校验码不正确"},
		{"feb 30", makeID("61092319800230123"), "不是有效日期"},
		{"future", makeID("61092320991231123"), "晚于今天"},
		{"1899", makeID("61092318991231123"), "早于 1900"},
		{"bad last char", "61092319800101123Y", "只能是数字或 X"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckID(c.id, today)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("CheckID(%s) = %v, want message containing %q", c.id, err, c.want)
			}
		})
	}
	if !IDMale(valid) {
		t.Error("17th digit 3 is odd: male")
	}
}

func TestCheckCreditCode(t *testing.T) {
	// A real, published code (国家市场监督管理总局's sample form).
	for _, ok := range []string{"91350100M000100Y43", makeCredit("9161092300000001"), makeCredit("11610923MB000001")} {
		if err := CheckCreditCode(ok); err != nil {
			t.Errorf("valid %s: %v", ok, err)
		}
	}
	good := makeCredit("9161092300000001")
	flip := func(s string, i int, c byte) string { b := []byte(s); b[i] = c; return string(b) }
	last := good[17]
	other := byte('0')
	if last == '0' {
		other = '1'
	}
	cases := []struct{ name, code, want string }{
		{"short", good[:17], "应为 18 位"},
		{"letter I", flip(good, 5, 'I'), "不是允许的字符"},
		{"check char", flip(good, 17, other), "校验码"},
		{"authority", flip(good, 0, '0'), "登记管理部门"},
		{"division", flip(good, 3, 'A'), "行政区划码"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckCreditCode(c.code)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("CheckCreditCode(%s) = %v, want %q", c.code, err, c.want)
			}
		})
	}
}

func TestMask(t *testing.T) {
	if got := MaskName("张三丰"); got != "张**" {
		t.Errorf("MaskName = %q", got)
	}
	if got := MaskID("610923198001011234"); got != "610***********1234" {
		t.Errorf("MaskID = %q", got)
	}
	if got := MaskPhone("13912345678"); got != "139****5678" {
		t.Errorf("MaskPhone = %q", got)
	}
}
