package pdfdoc

import (
	"math"

	"codeberg.org/go-pdf/fpdf"
)

// Seal is the drawn seal (电子印章图案) of the issuing organisation: a red
// ring, the organisation's name along the upper arc, a five-pointed star in
// the middle and the seal's purpose (业务专用章, 行政审批专用章 …) across the
// bottom, as the official seals of Chinese organs are cut. It is drawn as
// vectors from the two strings — never a picture from outside — so it is
// sharp at any zoom and the same on every machine. The signature that makes
// a document authentic is esign's; the seal shows whose it is.
type Seal struct {
	Org     string // 宁陕县政务服务中心
	Purpose string // 业务专用章; empty: none
}

// sealDiameter: 40 mm, the size of an organ's seal below provincial level
// (国务院关于国家行政机关和企业事业单位社会团体印章的规定: 县级 4.2 cm; a
// 专用章 is commonly 4.0 cm).
const sealDiameter = 40.0

// seal draws s centred at (cx, cy), multiplied over what is already on the
// page so that the text under it stays legible, as ink does.
func (d *doc) seal(s Seal, cx, cy float64) {
	if s.Org == "" {
		return
	}
	r := sealDiameter / 2
	d.SetAlpha(0.9, "Multiply")
	defer d.SetAlpha(1, "Normal")
	d.color(red)
	// The ring.
	ring := 1.2
	d.SetLineWidth(ring)
	d.Circle(cx, cy, r-ring/2, "D")
	// The star.
	d.star(cx, cy, r*0.3)
	// The name along the upper arc, each character upright towards the
	// centre, compressed sideways as seal characters are cut.
	names := []rune(s.Org)
	n := len(names)
	pt := 16.5
	switch {
	case n > 18:
		pt = 11.5
	case n > 14:
		pt = 13
	case n > 11:
		pt = 15
	}
	d.size(pt)
	em := d.em()
	rc := r - ring - 0.7 - em*0.45 // radius of the characters' middles
	span, step := 0.0, 0.0
	if n > 1 {
		span = math.Min(float64(n-1)*27, 236) * math.Pi / 180
		step = span / float64(n-1)
	}
	// Each character gets the arc between neighbours; squeeze to fit.
	scale := 0.78
	if n > 1 {
		if avail := rc * step * 0.92; em*scale > avail {
			scale = avail / em
		}
	}
	d.bold(true)
	for i, ch := range names {
		theta := -span/2 + float64(i)*step // from the top, clockwise
		d.glyphAt(string(ch), cx+rc*math.Sin(theta), cy-rc*math.Cos(theta), -deg(theta), scale*100)
	}
	// The purpose, straight across below the star.
	if s.Purpose != "" {
		d.size(11)
		w := d.width(s.Purpose)
		sc := 0.85
		if most := r * 1.05; w*sc > most { // clear of the name's two ends
			sc = most / w
		}
		d.glyphAt(s.Purpose, cx, cy+r*0.56, 0, sc*100)
	}
	d.bold(false)
	d.SetLineWidth(0.2)
	d.color(black)
	d.size(12)
}

// glyphAt writes text centred on (gx, gy), rotated by angle degrees
// (counter-clockwise) and scaled sideways by scalePct.
func (d *doc) glyphAt(text string, gx, gy, angle, scalePct float64) {
	d.TransformBegin()
	d.TransformRotate(angle, gx, gy)
	d.TransformScaleX(scalePct, gx, gy)
	// A CJK glyph's body runs from about 0.12 em below the baseline to
	// 0.88 em above it: its middle is 0.38 em above the baseline.
	d.text(gx-d.width(text)/2, gy+d.em()*0.38, text)
	d.TransformEnd()
}

// star fills a five-pointed star of outer radius R centred at (cx, cy),
// one point up.
func (d *doc) star(cx, cy, R float64) {
	inner := R * 0.382 // the regular star's inner radius (golden ratio)
	pts := make([]fpdf.PointType, 0, 10)
	for i := 0; i < 10; i++ {
		rad := R
		if i%2 == 1 {
			rad = inner
		}
		a := float64(i) * math.Pi / 5
		pts = append(pts, fpdf.PointType{X: cx + rad*math.Sin(a), Y: cy - rad*math.Cos(a)})
	}
	d.Polygon(pts, "F")
}
