package hall_test

import (
	"slices"
	"testing"

	"zwfw/internal/hall"
)

// A call said with the clips is the sentence of the screen: the ticket's
// letter and digits one by one, the window's number as Mandarin says a
// number; every clip named has a text to be generated from.
func TestClips(t *testing.T) {
	texts := hall.VoiceTexts()
	for _, c := range []struct {
		number string
		window int
		want   []string
	}{
		{"A001", 3, []string{"qing", "a", "0", "0", "1", "hao", "dao", "3", "haochuangkou", "banli"}},
		{"B120", 10, []string{"qing", "b", "1", "2", "0", "hao", "dao", "shi", "haochuangkou", "banli"}},
		{"Z999", 12, []string{"qing", "z", "9", "9", "9", "hao", "dao", "shi", "2", "haochuangkou", "banli"}},
		{"C010", 20, []string{"qing", "c", "0", "1", "0", "hao", "dao", "2", "shi", "haochuangkou", "banli"}},
		{"D002", 35, []string{"qing", "d", "0", "0", "2", "hao", "dao", "3", "shi", "5", "haochuangkou", "banli"}},
		{"E003", 105, []string{"qing", "e", "0", "0", "3", "hao", "dao", "1", "bai", "0", "5", "haochuangkou", "banli"}},
		{"F004", 110, []string{"qing", "f", "0", "0", "4", "hao", "dao", "1", "bai", "1", "shi", "haochuangkou", "banli"}},
		{"G005", 200, []string{"qing", "g", "0", "0", "5", "hao", "dao", "2", "bai", "haochuangkou", "banli"}},
	} {
		got := hall.Clips(c.number, c.window)
		if !slices.Equal(got, c.want) {
			t.Errorf("Clips(%s, %d) = %v, want %v", c.number, c.window, got, c.want)
		}
		for _, n := range got {
			if texts[n] == "" {
				t.Errorf("clip %q has no text", n)
			}
		}
	}
	if len(texts) != 43 || texts["haochuangkou"] != "号窗口" || texts["a"] != "A" || texts["0"] != "零" {
		t.Errorf("voice texts = %v", texts)
	}
}
