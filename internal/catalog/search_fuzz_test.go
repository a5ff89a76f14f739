package catalog

import (
	"testing"
	"unicode/utf8"
)

// FuzzSearchWords: whatever a resident types (mixed scripts, full-width
// letters, broken UTF-8, punctuation only), ranking and suggestions neither
// panic nor invent items, and an item's own name always finds it.
func FuzzSearchWords(f *testing.F) {
	for _, q := range []string{"低保", "dib", "ＤＩＢＡＯ", "我要办低保", "办理", "、、", "a", "\xff\xfe", "食品 jy", "（）", "010100100000"} {
		f.Add(q)
	}
	items := []*Item{
		{Code: "050200100000", Name: "城乡居民最低生活保障（审核确认）", Aliases: []string{"低保", "吃低保"}, Conditions: "家庭人均收入低于低保标准",
			Materials: []Material{{Name: "户口簿"}}, Dept: "610923D02"},
		{Code: "010100100000", Name: "食品经营许可", Aliases: []string{"开饭店"}, Dept: "610923D01"},
	}
	var all []*entry
	for _, it := range items {
		all = append(all, newEntry(it, "宁陕县民政局", 1))
	}
	for _, e := range all {
		if h := rank(all, Terms(e.item.Name)); len(h) == 0 || h[0] != e {
			f.Fatalf("%s does not find itself first", e.item.Name)
		}
	}
	f.Fuzz(func(t *testing.T, q string) {
		hits := rank(all, Terms(q))
		if len(hits) > len(all) {
			t.Fatalf("%q: %d hits from %d items", q, len(hits), len(all))
		}
		if s := suggest(all, q); len(s) > 6 {
			t.Fatalf("%q: %d suggestions", q, len(s))
		}
		if utf8.ValidString(q) && q != "" && len(Terms(q)) == 0 && len(hits) != 0 {
			t.Fatalf("%q: no words, yet %d hits", q, len(hits))
		}
	})
}
