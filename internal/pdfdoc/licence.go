package pdfdoc

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// LicenceDoc is an electronic licence (电子证照) as it is printed: the GB/T
// 36903 metadata and the type's data fields in the type's layout order.
type LicenceDoc struct {
	Title      string // the licence type's name: 食品经营许可证
	Number     string // the licence number (证照编号)
	Holder     string // 持证主体
	HolderCode string // the holder's code, masked as the caller gives it
	Issuer     string // 发证机关
	IssueDate  string // 2026年12月7日
	ValidTo    string // 2031年12月6日, or 长期
	Identifier string // 1.2.156.3005.2.…
	Fields     []Field
	// HolderLabel, HolderCodeLabel: the type's words for the holder and the
	// code (持证人/身份证件号码, 经营者/统一社会信用代码 …); defaults
	// 持证主体 and 持证主体代码.
	HolderLabel, HolderCodeLabel string
	Issued                       time.Time // the PDF's creation date
	// Version: the licence's version when a change made a new one (2, 3 …);
	// printed as 第N版 when above 1.
	Version int
}

// Field is one row of the licence's data.
type Field struct{ Label, Value string }

// Licence renders an electronic licence on A4 inside a double border: the
// title, the number, the holder and the holder's code, the type's data
// fields as label/value rows in order, the validity, the issuer and the date
// under the drawn seal, a QR code of qrURL (the verification page), and the
// identifier in small print. The identifier is the PDF's Subject and among
// its Keywords, so that a verifier reading the file finds it.
func Licence(l LicenceDoc, seal Seal, qrURL string) ([]byte, error) {
	if l.Title == "" || l.Identifier == "" {
		return nil, errors.New("pdfdoc: a licence needs its title and identifier")
	}
	defer admit()()
	d := newDoc(meta{
		title:    l.Title + " " + l.Number,
		subject:  l.Identifier,
		keywords: strings.Join(nonEmpty(l.Identifier, l.Number, l.Title), " "),
		author:   l.Issuer,
		created:  l.Issued,
	})
	d.AddPage()
	d.border()

	// The title and the number.
	d.color(frame)
	d.size(28)
	d.bold(true)
	d.spaced(48, l.Title, 4)
	d.bold(false)
	d.color(black)
	d.size(11)
	no := "编号：" + l.Number
	if l.Version > 1 {
		no += "（第" + strconv.Itoa(l.Version) + "版）"
	}
	d.centred(58, no)

	// The rows.
	holderLabel, codeLabel := l.HolderLabel, l.HolderCodeLabel
	if holderLabel == "" {
		holderLabel = "持证主体"
	}
	if codeLabel == "" {
		codeLabel = "持证主体代码"
	}
	validity := l.IssueDate + " 至 " + l.ValidTo
	if l.ValidTo == "" || l.ValidTo == "长期" {
		validity = "长期"
	}
	rows := append([]Field{{holderLabel, l.Holder}, {codeLabel, l.HolderCode}}, l.Fields...)
	rows = append(rows, Field{"有效期限", validity})

	const x0, labelW, valueW, top, end = 24.0, 50.0, 114.0, 70.0, 214.0
	pt, lh, pad := 12.5, 7.0, 3.0
	// A short licence (a 结婚证: four rows) is set larger and airier, so the
	// sheet does not look half empty; a long one smaller, so that it stays
	// on one sheet.
	for _, try := range [][3]float64{{14, 8, 8}, {12.5, 7, 3}, {11, 6.2, 3}, {9.5, 5.4, 3}} {
		pt, lh, pad = try[0], try[1], try[2]
		limit := end - top
		if pad > 3 {
			limit *= 0.8
		}
		if d.rowsHeight(rows, pt, lh, pad, labelW, valueW) <= limit {
			break
		}
	}
	d.size(pt)
	y, bottom := top, end
	for _, f := range rows {
		values := d.wrap(f.Value, valueW-3, 0)
		labels := d.wrap(f.Label, labelW-6, 0)
		h := float64(max(len(values), len(labels)))*lh + pad
		if y+h > bottom {
			// The sheet is full even in small type: the rest goes on a
			// continuation sheet (续页) rather than under the seal.
			d.AddPage()
			d.border()
			d.size(14)
			d.color(frame)
			d.centred(36, l.Title+"（续页）")
			d.size(9)
			d.color(grey)
			d.centred(43, "编号："+l.Number+"　证照标识："+l.Identifier)
			d.color(black)
			d.size(pt)
			y, bottom = 52, 270
		}
		d.SetDrawColor(205, 205, 205)
		d.SetLineWidth(0.2)
		d.Line(x0, y+h, x0+labelW+valueW, y+h)
		d.color(grey)
		for i, s := range labels {
			d.cell(x0, y+pad/2+float64(i)*lh, labelW-4.5, lh, s, "R")
		}
		d.color(black)
		for i, s := range values {
			d.cell(x0+labelW, y+pad/2+float64(i)*lh, valueW, lh, s, "L")
		}
		y += h
	}

	// The foot of the first sheet: QR on the left, the issuer and the date
	// under the seal on the right.
	// (fpdf writes as many pages as the current page's number: come back
	// to the last before the end.)
	last := d.PageCount()
	d.SetPage(1)
	const qy = 222.0
	if err := d.qr(qrURL, 30, qy, 34); err != nil {
		return nil, err
	}
	d.size(9)
	for i, s := range []string{"扫码核验本证照", "（网上验证核对）"} {
		d.text(30+(34-d.width(s))/2, qy+37.5+float64(i)*4.5, s)
	}
	const signX = 146.0
	d.size(12.5)
	issuer := "发证机关：" + l.Issuer
	d.text(signX-d.width(issuer)/2, qy+12, issuer)
	date := "发证日期：" + l.IssueDate
	d.text(signX-d.width(date)/2, qy+21, date)
	d.seal(seal, signX, qy+14)

	// The identifier in small print, above the inner border.
	d.size(7.5)
	d.color(grey)
	d.centred(271, "证照标识："+l.Identifier)
	d.centred(275.5, "本电子证照由宁陕县政务服务平台签发，以发证机关的电子签章（SM2）签名；可扫描二维码或在“网上验证核对”中核验")
	d.color(black)
	d.SetPage(last)
	return d.output()
}

// frame is the colour of the licence's border and title.
var frame = [3]int{150, 20, 20}

// border draws the licence's frame: a heavy outer line and a thin inner one,
// with small squares at the inner corners.
func (d *doc) border() {
	d.color(frame)
	d.SetLineWidth(1.4)
	d.Rect(12, 12, pageW-24, pageH-24, "D")
	d.SetLineWidth(0.35)
	d.Rect(15.5, 15.5, pageW-31, pageH-31, "D")
	for _, xy := range [][2]float64{{15.5, 15.5}, {pageW - 15.5, 15.5}, {15.5, pageH - 15.5}, {pageW - 15.5, pageH - 15.5}} {
		d.Rect(xy[0]-2, xy[1]-2, 4, 4, "F")
	}
	d.color(black)
}

func (d *doc) rowsHeight(rows []Field, pt, lh, pad, labelW, valueW float64) float64 {
	d.size(pt)
	h := 0.0
	for _, f := range rows {
		n := max(len(d.wrap(f.Value, valueW-3, 0)), len(d.wrap(f.Label, labelW-6, 0)))
		h += float64(n)*lh + pad
	}
	return h
}
