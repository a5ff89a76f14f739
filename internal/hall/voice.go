package hall

import (
	"strconv"
	"strings"
)

// The display screen's voice (显示屏与背景广播, 附件2（二）3). A screen speaks
// each call with the browser's zh-CN speech synthesis; a hall PC whose
// browser has no Mandarin voice plays short recorded clips served by the
// binary instead, one after another. Clips says which, so that the screen
// only plays what the board tells it (and a test can check the sentence).

// Voice clips: the words a call is made of. Each is a file
// voice/<name>.wav among the web's static files, generated once from the
// texts of VoiceTexts (internal/web/voice_gen.go).
const (
	ClipPlease  = "qing"         // 请
	ClipNumber  = "hao"          // 号
	ClipTo      = "dao"          // 到
	ClipWindow  = "haochuangkou" // 号窗口
	ClipHandle  = "banli"        // 办理
	ClipTen     = "shi"          // 十
	ClipHundred = "bai"          // 百
)

// digitClips are 零 to 九, named by the digit.
var digitClips = [10]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// VoiceTexts is every clip with what it says, for the generator.
func VoiceTexts() map[string]string {
	m := map[string]string{ClipPlease: "请", ClipNumber: "号", ClipTo: "到", ClipWindow: "号窗口", ClipHandle: "办理",
		ClipTen: "十", ClipHundred: "百"}
	for i, d := range []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"} {
		m[digitClips[i]] = d
	}
	for c := 'a'; c <= 'z'; c++ {
		m[string(c)] = strings.ToUpper(string(c))
	}
	return m
}

// Clips is the sequence of clips that says Speech(number, windowNo):
// 请 A 零 零 一 号 到 三 号窗口 办理. The ticket's digits are read one by
// one, as halls call them; the window's number as a number (十二, 一百零五).
func Clips(number string, windowNo int) []string {
	out := []string{ClipPlease}
	for _, r := range strings.ToLower(number) {
		switch {
		case r >= 'a' && r <= 'z':
			out = append(out, string(r))
		case r >= '0' && r <= '9':
			out = append(out, digitClips[r-'0'])
		}
	}
	out = append(out, ClipNumber, ClipTo)
	out = append(out, numberClips(windowNo)...)
	return append(out, ClipWindow, ClipHandle)
}

// numberClips reads n (1–999) as Mandarin says a number; larger numbers
// digit by digit.
func numberClips(n int) []string {
	d := func(i int) string { return digitClips[i] }
	switch {
	case n < 0:
		return nil
	case n < 10:
		return []string{d(n)}
	case n < 20: // 十, 十二 (not 一十二)
		if n == 10 {
			return []string{ClipTen}
		}
		return []string{ClipTen, d(n - 10)}
	case n < 100:
		if n%10 == 0 {
			return []string{d(n / 10), ClipTen}
		}
		return []string{d(n / 10), ClipTen, d(n % 10)}
	case n < 1000:
		out := []string{d(n / 100), ClipHundred}
		switch t, u := n/10%10, n%10; {
		case t == 0 && u == 0:
		case t == 0: // 一百零五
			out = append(out, d(0), d(u))
		case u == 0: // 一百一十
			out = append(out, d(t), ClipTen)
		default:
			out = append(out, d(t), ClipTen, d(u))
		}
		return out
	}
	var out []string
	for _, r := range strconv.Itoa(n) {
		out = append(out, d(int(r-'0')))
	}
	return out
}
