// Package inputlimit bounds the length of every query parameter and form
// field a request carries, checked once at the edge of each surface (the
// API's serve, the pages' page and form guards) before any handler reads
// them. Without it a 60,000-character search string reached SQLite's LIKE
// and failed there ("LIKE or GLOB pattern too complex") as a 500.
//
// The limits sit above the domain's own rules (a case description of 2,000
// characters, a reason of 500), so that a value a little too long still
// gets the domain's message beside its field, and only what no form can
// produce is refused here, with the field named.
package inputlimit

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"zwfw"
)

// Limits are the longest values accepted, in characters: Default for any
// name, Fields for names long by nature. A field of a repeated row is named
// with its index blanked: "basis[3].text" is looked up as "basis[].text".
type Limits struct {
	Default int
	Fields  map[string]int
}

// Query are the limits of query parameters on both surfaces.
var Query = Limits{Default: 1000, Fields: map[string]int{
	"next": 2000, // the page to return to after sign-in
}}

// Form are the limits of the pages' form fields. Free text is allowed
// about twice what the domain accepts.
var Form = Limits{Default: 2000, Fields: map[string]int{
	"conditions":        8000, // 申请条件 (domain: 4,000)
	"description":       4000, // a case's or an error's description (2,000)
	"text":              4000, // a note on a registered error (2,000)
	"basis[].text":      4000, // the text of a legal basis (2,000)
	"materials[].notes": 4000, // (2,000)
	"materials[].guide": 8000, // 填写指南 (4,000)
	"faq[].a":           8000, // an answer of the item's 常见问题 (4,000)
}}

var index = regexp.MustCompile(`\[[0-9]+\]`)

// Key is the name a field's limit is looked up by.
func Key(name string) string { return index.ReplaceAllString(name, "[]") }

// Max is the limit of the field name.
func (l Limits) Max(name string) int {
	if n, ok := l.Fields[Key(name)]; ok {
		return n
	}
	return l.Default
}

// labels name common fields in the message people read.
var labels = map[string]string{"q": "搜索词", "next": "返回地址", "description": "情况说明", "opinion": "意见",
	"reason": "理由", "comment": "评价", "conditions": "申请条件", "name": "名称", "username": "用户名", "serial": "办件编号"}

// Check returns an EBADREQUEST error naming the first field (in name order)
// whose value is longer than its limit or not Storable, or nil. what says
// what the values are ("参数" for query parameters, "字段" for form fields).
func (l Limits) Check(v url.Values, what string) error {
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		max := l.Max(k)
		if n := utf8.RuneCountInString(k); n > 200 {
			return tooLong(string([]rune(k)[:40])+"…", what+"名", n, 200)
		}
		if !Storable(k) {
			return unstorable(k, what+"名")
		}
		for _, val := range v[k] {
			// Counting stops early: a value of megabytes is refused without
			// being walked through.
			if len(val) > max {
				if n := utf8.RuneCountInString(val); n > max {
					return tooLong(k, what, n, max)
				}
			}
			if !Storable(val) {
				return unstorable(k, what)
			}
		}
	}
	return nil
}

// Storable reports whether text can be kept as it is: UTF-8 without NUL.
// PostgreSQL refuses both in text columns (SQLSTATE 22021), which made a
// form field of "%00" or "%ff" a 500 there and not on SQLite.
func Storable(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

func unstorable(name, what string) error {
	name = strings.ToValidUTF8(strings.ReplaceAll(name, "\x00", ""), "\uFFFD")
	return &zwfw.Error{Code: zwfw.EBADREQUEST,
		Message: fmt.Sprintf("%s“%s”含有空字符或不是 UTF-8 编码的字节，无法保存。请检查后重试。", what, name),
		Details: []zwfw.ErrorDetail{{Field: name, Message: "含有无法保存的字符"}}}
}

func tooLong(name, what string, n, max int) error {
	// The name is shown as it came, but never as broken characters: a
	// name of Chinese characters cut at a byte count, or bytes that are
	// not UTF-8, would print as garbage (and the JSON answer would carry
	// U+FFFD anyway).
	name = strings.ToValidUTF8(name, "\uFFFD")
	label := "“" + name + "”"
	if l, ok := labels[name]; ok {
		label = l + "（" + name + "）"
	}
	return &zwfw.Error{Code: zwfw.EBADREQUEST,
		Message: fmt.Sprintf("%s%s太长：最多 %d 个字符，收到 %d 个。请缩短后重试。", what, label, max, n),
		Details: []zwfw.ErrorDetail{{Field: name, Message: fmt.Sprintf("最多 %d 个字符", max)}}}
}
