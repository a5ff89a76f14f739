package inputlimit

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"zwfw"
)

// FuzzCheck: any query string or form body, as url.ParseQuery reads it, is
// passed exactly when every name is at most 200 characters and every value
// at most its field's limit (counted in characters, not bytes), and all of
// them are UTF-8 without NUL (which PostgreSQL cannot store); a refusal is a
// 400 that names a field of the input, in readable Chinese.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"q=食品", "q=" + strings.Repeat("食", 1000), "q=" + strings.Repeat("食", 1001), "next=/work&q=",
		"description=" + strings.Repeat("a", 4001), "basis[3].text=" + strings.Repeat("法", 4000), "basis[x].text=" + strings.Repeat("法", 2001),
		strings.Repeat("n", 201) + "=1", strings.Repeat("名", 201) + "=1", "%ff%fe=%ff", "a=1&a=" + strings.Repeat("b", 3000), "materials[12][3].guide=x", "note=%00停电", "note=%ff", "%00=1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, _ := url.ParseQuery(raw)
		for _, l := range []Limits{Query, Form} {
			err := l.Check(v, "字段")
			ok := true
			for k, vals := range v {
				if utf8.RuneCountInString(k) > 200 {
					ok = false
				}
				if !utf8.ValidString(k) || strings.Contains(k, "\x00") {
					ok = false
				}
				for _, val := range vals {
					if utf8.RuneCountInString(val) > l.Max(k) || !utf8.ValidString(val) || strings.Contains(val, "\x00") {
						ok = false
					}
				}
			}
			if (err == nil) != ok {
				t.Fatalf("Check(%q) = %v, want passed %v", raw, err, ok)
			}
			if err == nil {
				continue
			}
			var e *zwfw.Error
			if zwfw.ErrorCode(err) != zwfw.EBADREQUEST || !utf8.ValidString(zwfw.ErrorMessage(err)) {
				t.Fatalf("Check(%q): %v", raw, err)
			}
			if e, _ = err.(*zwfw.Error); e == nil || len(e.Details) != 1 {
				t.Fatalf("Check(%q): %v without the field", raw, err)
			}
			field := e.Details[0].Field
			named := false
			for k := range v {
				clean := strings.ToValidUTF8(k, "\uFFFD")
				if cut := []rune(k); field == clean || field == strings.ToValidUTF8(strings.ReplaceAll(k, "\x00", ""), "\uFFFD") || len(cut) > 40 && field == string(cut[:40])+"…" {
					named = true
				}
			}
			if !named || !utf8.ValidString(field) {
				t.Fatalf("Check(%q) names %q, not a field of the input", raw, field)
			}
		}
		for k := range v {
			if Key(Key(k)) != Key(k) {
				t.Fatalf("Key(%q) = %q, then %q", k, Key(k), Key(Key(k)))
			}
		}
	})
}
