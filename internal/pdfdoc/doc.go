// Package pdfdoc renders the documents the platform issues as A4 PDF (版式文件):
// the case notices (受理通知书, 一次性告知书, 不予受理通知书, 缴费凭证, 办结通知书 …)
// and electronic licences (电子证照), each with the drawn seal of the issuing
// organisation (电子印章图案) and a QR code. It only renders: numbering,
// storing and signing (esign.SignPDF) belong to the callers.
//
// §2(3) of the county's plan: "积极推动电子证照、电子公文、电子签章…在政务服务中
// 的应用" — what the platform issues is a document that can be signed and
// verified, not only a web page to print.
//
// The fonts are embedded in the binary, so that a fresh machine renders from
// `go build` alone: Droid Sans Fallback (Apache-2.0, fonts/COPYRIGHT-Droid.txt)
// for Chinese and DejaVu Sans Condensed (Bitstream Vera licence,
// fonts/LICENSE-DejaVu.txt) for Latin letters, digits and Western
// punctuation, which Droid Sans Fallback lacks. fpdf embeds only the glyphs a
// document uses (a subset), so a notice is about 25 KB. The Noto CJK fonts the
// machine also has are OpenType/CFF, which fpdf cannot embed; the other free
// CJK fonts in Debian (WenQuanYi, AR PL) come as TrueType collections (.ttc),
// which it cannot read either.
package pdfdoc

import (
	"bytes"
	_ "embed"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

var (
	//go:embed fonts/DroidSansFallbackFull.ttf
	droidSans []byte
	//go:embed fonts/DejaVuSansCondensed.ttf
	dejaVuSans []byte
)

// The names the embedded fonts are registered under in each document.
const (
	cjkFont   = "DroidSansFallback"
	latinFont = "DejaVuSansCondensed"
)

// A4 in millimetres.
const (
	pageW = 210.0
	pageH = 297.0
)

// Colours: text black, the seal and the notice's head red (公文版头).
var (
	black = [3]int{0, 0, 0}
	red   = [3]int{214, 0, 15}
	grey  = [3]int{90, 90, 90}
)

// faces are the two fonts parsed for measuring (which font has a character,
// how wide it is); parsed once per process and only read after.
var faces = sync.OnceValues(func() (*sfnt.Font, *sfnt.Font) {
	cjk, err := sfnt.Parse(droidSans)
	if err != nil {
		panic("pdfdoc: embedded Droid Sans Fallback: " + err.Error())
	}
	latin, err := sfnt.Parse(dejaVuSans)
	if err != nil {
		panic("pdfdoc: embedded DejaVu Sans: " + err.Error())
	}
	return cjk, latin
})

// doc is one document being drawn: fpdf with text set in the two fonts,
// each character in the one that has it.
type doc struct {
	*fpdf.Fpdf
	pt     float64         // the current size in points
	glyphs map[rune]glyphW // what is known of each character used
}

type glyphW struct {
	latin bool
	em    float64 // advance, in ems
}

type meta struct {
	title, subject, keywords, author string
	created                          time.Time
}

// rendering admits two documents at a time into fpdf: each takes ~35 MB
// while it is made (the fonts parsed again, the subset cut), and a burst of
// first downloads — sixteen at once reached 150 MB of RSS — would otherwise
// hold them all at once. Two keep both cores busy. It is the process's one
// limit on this one costly resource, so it lives beside the fonts it guards.
var rendering = make(chan struct{}, 2)

// admit waits for a turn to render; the returned function ends it.
func admit() func() {
	rendering <- struct{}{}
	return func() { <-rendering }
}

// newDoc starts an A4 portrait document with the fonts, the metadata and a
// fixed creation date (the document's issue time), so that what a verifier
// reads in the file's properties is what the document says.
func newDoc(m meta) *doc {
	p := fpdf.New("P", "mm", "A4", "")
	// fpdf parses each TrueType font (≈25 ms for Droid Sans Fallback) for
	// each document: it has no way to share a parsed font between documents.
	p.AddUTF8FontFromBytes(cjkFont, "", droidSans)
	p.AddUTF8FontFromBytes(latinFont, "", dejaVuSans)
	p.SetTitle(m.title, true)
	p.SetSubject(m.subject, true)
	p.SetKeywords(m.keywords, true)
	p.SetAuthor(m.author, true)
	p.SetCreator("zwfw 宁陕县政务服务平台", true)
	p.SetProducer("zwfw pdfdoc (fpdf)", true)
	p.SetLang("zh-CN")
	p.SetCatalogSort(true)
	if !m.created.IsZero() {
		p.SetCreationDate(m.created)
		p.SetModificationDate(m.created)
	}
	p.SetAutoPageBreak(false, 0)
	p.SetLineCapStyle("round")
	d := &doc{Fpdf: p, glyphs: map[rune]glyphW{}}
	d.size(12)
	return d
}

// size sets the type size in points.
func (d *doc) size(pt float64) {
	d.pt = pt
	d.SetFont(cjkFont, "", pt)
}

// em is the current type size in millimetres.
func (d *doc) em() float64 { return d.pt * 25.4 / 72 }

// glyph says which font sets r and how wide it is: Latin letters, digits and
// Western punctuation in DejaVu, everything else (and whatever DejaVu lacks)
// in Droid Sans Fallback.
func (d *doc) glyph(r rune) glyphW {
	if g, ok := d.glyphs[r]; ok {
		return g
	}
	cjk, latin := faces()
	f, g := cjk, glyphW{}
	if r < 0x2E80 {
		if i, err := latin.GlyphIndex(nil, r); err == nil && i != 0 {
			f, g.latin = latin, true
		}
	}
	if i, err := f.GlyphIndex(nil, r); err == nil {
		upem := int(f.UnitsPerEm())
		if adv, err := f.GlyphAdvance(nil, i, fixed.I(upem), font.HintingNone); err == nil {
			g.em = float64(adv) / 64 / float64(upem)
		}
	}
	d.glyphs[r] = g
	return g
}

// width is the width of s at the current size, in millimetres.
func (d *doc) width(s string) float64 {
	w := 0.0
	for _, r := range s {
		w += d.glyph(r).em
	}
	return w * d.em()
}

// text draws s with its baseline at y from x, switching fonts between runs.
func (d *doc) text(x, y float64, s string) {
	runes := []rune(s)
	for i := 0; i < len(runes); {
		latin := d.glyph(runes[i]).latin
		j := i
		w := 0.0
		for j < len(runes) && d.glyph(runes[j]).latin == latin {
			w += d.glyph(runes[j]).em
			j++
		}
		if latin {
			d.SetFont(latinFont, "", d.pt)
		}
		d.Text(x, y, string(runes[i:j]))
		if latin {
			d.SetFont(cjkFont, "", d.pt)
		}
		x += w * d.em()
		i = j
	}
}

// cell draws s in the box (x, y, w, h), vertically centred, aligned "L",
// "C" or "R" with a 1.5 mm padding.
func (d *doc) cell(x, y, w, h float64, s, align string) {
	tw := d.width(s)
	switch align {
	case "C":
		x += (w - tw) / 2
	case "R":
		x += w - tw - 1.5
	default:
		x += 1.5
	}
	d.text(x, y+h/2+d.em()*0.33, s)
}

func (d *doc) color(c [3]int) {
	d.SetTextColor(c[0], c[1], c[2])
	d.SetDrawColor(c[0], c[1], c[2])
	d.SetFillColor(c[0], c[1], c[2])
}

// bold draws the following text filled and stroked (the fonts have one
// weight here).
func (d *doc) bold(on bool) {
	if on {
		d.SetLineWidth(d.pt * 0.012)
		d.SetTextRenderingMode(2)
		return
	}
	d.SetTextRenderingMode(0)
}

// centred writes one line centred on the page with its baseline at y.
func (d *doc) centred(y float64, s string) {
	d.text((pageW-d.width(s))/2, y, s)
}

// spaced writes s centred at y with gap mm between its characters (titles of
// certificates and notices are set so).
func (d *doc) spaced(y float64, s string, gap float64) {
	runes := []rune(s)
	total := d.width(s) + gap*float64(len(runes)-1)
	x := (pageW - total) / 2
	for _, r := range runes {
		d.text(x, y, string(r))
		x += d.width(string(r)) + gap
	}
}

// Characters a line may not start with, and those it may not end with
// (避头尾, the line-breaking rule of Chinese typesetting).
const (
	noStart = "，。、；：？！）》」』】〕”’%.,;:?!)]}·—…"
	noEnd   = "（《「『【〔“‘(["
)

// wrap breaks s into lines no wider than w, the first line first mm
// narrower: at any character, as Chinese is set, but never a closing mark at
// a line's start nor an opening mark at its end, and a run of Latin letters
// or digits (a number, a serial, an address) is kept whole where it fits.
func (d *doc) wrap(s string, w, first float64) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		lines = append(lines, d.wrapOne(para, w, first)...)
		first = 0
	}
	return lines
}

func (d *doc) wrapOne(s string, w, first float64) []string {
	runes := []rune(s)
	if len(runes) == 0 {
		return []string{""}
	}
	em := d.em()
	var lines []string
	start, width, lineW := 0, 0.0, w-first
	for i := 0; i < len(runes); i++ {
		cw := d.glyph(runes[i]).em * em
		if width+cw <= lineW || i == start {
			width += cw
			continue
		}
		brk := i
		// A closing mark goes with the line before (it may hang a little).
		if strings.ContainsRune(noStart, runes[brk]) {
			brk++
		}
		// An opening mark goes with the line after.
		for brk-1 > start && strings.ContainsRune(noEnd, runes[brk-1]) {
			brk--
		}
		// Keep a Latin word or a number whole.
		if brk < len(runes) && isWord(runes[brk]) && isWord(runes[brk-1]) {
			b := brk
			for b-1 > start && isWord(runes[b-1]) {
				b--
			}
			if b > start {
				brk = b
			}
		}
		lines = append(lines, string(runes[start:brk]))
		start, width, lineW, i = brk, 0, w, brk-1
	}
	if start < len(runes) {
		lines = append(lines, string(runes[start:]))
	}
	return lines
}

func isWord(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '/' || r == '_' || r == '.' || r == ':'
}

// fit shortens s with an ellipsis to width w (an item name of a hundred
// characters must not run out of its table cell).
func (d *doc) fit(s string, w float64) string {
	if d.width(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 1 && d.width(string(r)+"…") > w {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// yuan formats fen as yuan: 80.00.
func yuan(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

func deg(rad float64) float64 { return rad * 180 / math.Pi }

func (d *doc) output() ([]byte, error) {
	var b bytes.Buffer
	if err := d.Output(&b); err != nil {
		return nil, fmt.Errorf("pdfdoc: %w", err)
	}
	return b.Bytes(), nil
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
