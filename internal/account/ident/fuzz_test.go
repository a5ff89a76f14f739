package ident

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCheckID: any input is answered without a panic and with a Chinese
// message; an accepted number normalises to 18 characters whose birth date
// and check digit agree with it and is accepted again as normalised; and
// changing any one character of it to another digit (or X at the end) is
// refused — GB 11643's check catches every single-character error.
func FuzzCheckID(f *testing.F) {
	for _, s := range []string{
		makeID("61092319800101123"), "11010519491231002x", " 11010519491231002X ", "61092319800230123",
		makeID("61092320991231123"), makeID("61092318991231123"), "61092319800101123Y", "６1092319800101123X",
		"", "0", strings.Repeat("9", 18), makeID("01092319800101123"), makeID("61092320000229123"),
		makeID("61092319000101123"), makeID("61092320261126123"), "61092319800101123\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckID(s, today)
		if err != nil {
			if !utf8.ValidString(err.Error()) || err.Error() == "" {
				t.Fatalf("CheckID(%q): unreadable message %q", s, err.Error())
			}
			return
		}
		id := NormaliseID(s)
		if len(id) != 18 {
			t.Fatalf("CheckID(%q) accepted %q of %d bytes", s, id, len(id))
		}
		if err := CheckID(id, today); err != nil {
			t.Fatalf("accepted %q, refused normalised %q: %v", s, id, err)
		}
		if IDCheckDigit(id[:17]) != id[17] {
			t.Fatalf("accepted %q with check digit %c, want %c", id, id[17], IDCheckDigit(id[:17]))
		}
		if b := IDBirthDate(id); b.IsZero() || b.After(today) || b.Format("20060102") != id[6:14] {
			t.Fatalf("accepted %q, birth date %v", id, b)
		}
		_ = IDMale(id)
		if m := MaskID(id); len(m) != 18 || m[:3] != id[:3] || m[14:] != id[14:] {
			t.Fatalf("MaskID(%q) = %q", id, m)
		}
		for i := range 18 {
			for _, c := range "0123456789X" {
				if byte(c) == id[i] || (c == 'X' && i < 17) {
					continue
				}
				changed := id[:i] + string(c) + id[i+1:]
				if CheckID(changed, today) == nil {
					t.Fatalf("accepted %q and also %q (position %d changed)", id, changed, i+1)
				}
			}
		}
	})
}

// FuzzIDCheckDigit: seventeen digits with a real birth date between 1900
// and today, completed with IDCheckDigit, are accepted — whatever the
// address and sequence digits (a first digit of 0 aside).
func FuzzIDCheckDigit(f *testing.F) {
	f.Add("610923", uint16(1980), uint8(1), uint8(1), "123")
	f.Add("110105", uint16(1949), uint8(12), uint8(31), "002")
	f.Add("999999", uint16(2000), uint8(2), uint8(29), "999")
	f.Add("100000", uint16(1900), uint8(1), uint8(1), "000")
	f.Fuzz(func(t *testing.T, addr string, y uint16, m, d uint8, seq string) {
		digits := func(s string, n int) string {
			b := []byte(strings.Repeat("0", n))
			for i := 0; i < n && i < len(s); i++ {
				b[i] = '0' + s[i]%10
			}
			return string(b)
		}
		a := digits(addr, 6)
		if a[0] == '0' {
			a = "6" + a[1:]
		}
		year := 1900 + int(y)%127 // 1900 … 2026
		body := a + pad(year, 4) + pad(1+int(m)%12, 2) + pad(1+int(d)%31, 2) + digits(seq, 3)
		id := body + string(IDCheckDigit(body))
		err := CheckID(id, today)
		valid := IDBirthDate(id).Format("20060102") == body[6:14] && !IDBirthDate(id).After(today)
		if valid && err != nil {
			t.Fatalf("%s (check digit from IDCheckDigit) refused: %v", id, err)
		}
		if !valid && err == nil {
			t.Fatalf("%s with birth date %s accepted", id, body[6:14])
		}
	})
}

// FuzzCheckCreditCode: any input is answered without a panic; an accepted
// code is 18 characters of the GB 32100 set, accepted again as normalised,
// both of its check characters agree with it, and changing any one of its
// characters to another of the set is refused.
func FuzzCheckCreditCode(f *testing.F) {
	for _, s := range []string{
		makeCredit("9161092300000000"), makeCredit("91610923MA6YQ000"), "91110000100000000X", " 91610923ma6yq000 ",
		makeCredit("Y161092300000000"), makeCredit("9I61092300000000"), "", "9", strings.Repeat("0", 18),
		makeCredit("916109230000000S"), makeCredit("91610923ZZZZZZZZ")[:17] + "\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckCreditCode(s)
		if err != nil {
			if !utf8.ValidString(err.Error()) || err.Error() == "" {
				t.Fatalf("CheckCreditCode(%q): unreadable message %q", s, err.Error())
			}
			return
		}
		code := NormaliseCreditCode(s)
		if len(code) != 18 {
			t.Fatalf("accepted %q of %d bytes", code, len(code))
		}
		if err := CheckCreditCode(code); err != nil {
			t.Fatalf("accepted %q, refused normalised %q: %v", s, code, err)
		}
		if CreditCheckChar(code[:17]) != code[17] || OrgCodeCheck(code[8:16]) != code[16] {
			t.Fatalf("accepted %q with check characters that disagree", code)
		}
		for i := range 18 {
			for _, c := range creditChars {
				if byte(c) == code[i] {
					continue
				}
				changed := code[:i] + string(c) + code[i+1:]
				if CheckCreditCode(changed) == nil {
					t.Fatalf("accepted %q and also %q (position %d changed)", code, changed, i+1)
				}
			}
		}
	})
}

// FuzzCreditCheckChar: a code made of valid leading characters, a division
// code and an organisation code body, completed with OrgCodeCheck and
// CreditCheckChar, is accepted.
func FuzzCreditCheckChar(f *testing.F) {
	f.Add(uint8(8), uint8(0), "610923", "MA6YQ000")
	f.Add(uint8(0), uint8(5), "110000", "10000000")
	f.Fuzz(func(t *testing.T, dept, kind uint8, div, body string) {
		pick := func(set string, s string, n int) string {
			b := make([]byte, n)
			for i := range n {
				v := byte(i)
				if i < len(s) {
					v = s[i]
				}
				b[i] = set[int(v)%len(set)]
			}
			return string(b)
		}
		first16 := string("123456789ANY"[int(dept)%12]) + string("123459"[int(kind)%6]) +
			pick("0123456789", div, 6) + pick("0123456789ABCDEFGHJKLMNPQRTUWXY", body, 8)
		code := makeCredit(first16)
		if err := CheckCreditCode(code); err != nil {
			t.Fatalf("%s (check characters computed) refused: %v", code, err)
		}
	})
}

func pad(n, width int) string {
	s := strings.Repeat("0", width) + itoa(n)
	return s[len(s)-width:]
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
