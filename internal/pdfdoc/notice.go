package pdfdoc

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// NoticeDoc is what a case notice says, as casework fixed it when the notice
// was issued (casework.NoticeContent, with the dates written out); pdfdoc
// takes a plain struct so that casework may call it.
type NoticeDoc struct {
	Kind      string    // casework's notice kind: acceptance, one_time, rejection, payment, receipt, result …
	Title     string    // 受理通知书
	Number    string    // 宁政服受字〔2026〕第1号
	Centre    string    // the issuing centre, in whose name the notice speaks
	Serial    string    // 办件编号
	ItemName  string    // 申请事项
	Applicant string    // 申请人
	Date      string    // 2026年12月7日
	Issued    time.Time // the moment of issue: the PDF's creation date
	Body      []string  // paragraphs; the first is the address line (…：)
	Items     []string  // 一次性告知: everything to fix
	Reason    string    // 不予受理的理由, 延期的理由
	Basis     string    // legal basis of a refusal
	Deadline  string    // 办结期限, written out (2026年12月21日)
	Fees      []Fee
	Amount    int64  // fen, the total
	PaymentNo string // the payment notice's or the receipt's number
	Reference string // the bank's or payment channel's reference
	Footer    string // the remedy (复议、诉讼) of a refusal
	Handler   string // 经办人
	Phone     string // 咨询电话
	Complaint string // 监督投诉电话
	QueryCode string // with the serial, opens the progress page
	// RateURL: the 办结通知书 carries a second QR code, of its rating page
	// (好差评, GB/T 39735 二维码评价).
	RateURL string
}

// Fee is one line of a notice's fee table.
type Fee struct {
	Name, Standard, Basis string
	Quantity              int
	Unit                  string
	Amount                int64 // fen
}

const (
	left   = 25.0
	bodyW  = pageW - 2*left
	lineH  = 7.6   // 12 pt at about 1.8 lines, as notices are set
	footY  = 271.0 // the contact line
	bottom = 275.0 // where flowing text stops on a page
)

// Notice renders one of the case notices on A4: the centre's name (red, as
// an organ's documents are headed, GB/T 9704), the number, the title, the
// applicant, serial and item, the body, the items to fix, the reason and
// basis, the deadline, the fee table, the remedy, a QR code of qrURL (the
// progress page) with the query code, the centre and date under the drawn
// seal, and the contact line. The number, serial and title are in the PDF's
// metadata (Subject, Keywords) so that a verifier can tell what it is.
func Notice(n NoticeDoc, seal Seal, qrURL string) ([]byte, error) {
	if n.Title == "" || n.Number == "" {
		return nil, errors.New("pdfdoc: a notice needs its title and number")
	}
	defer admit()()
	d := newDoc(meta{
		title:    n.Title + " " + n.Number,
		subject:  n.Number,
		keywords: strings.Join(nonEmpty(n.Number, n.Serial, n.Title, n.Kind), " "),
		author:   n.Centre,
		created:  n.Issued,
	})
	d.AliasNbPages("{nb}")
	d.SetFooterFunc(func() {
		if d.PageNo() > 1 || d.PageCount() > 1 {
			pt := d.pt
			d.size(9)
			d.color(grey)
			d.centred(pageH-10, "第 "+strconv.Itoa(d.PageNo())+" 页 共 {nb} 页")
			d.color(black)
			d.size(pt)
		}
	})
	d.AddPage()

	// The head: the centre in red, the number, a red rule, the title.
	d.color(red)
	d.size(22)
	d.bold(true)
	d.centred(32, n.Centre)
	d.bold(false)
	d.SetLineWidth(0.7)
	d.Line(left, 43, pageW-left, 43)
	d.color(black)
	d.size(12)
	d.centred(40, n.Number)
	d.size(20)
	d.bold(true)
	d.spaced(58, n.Title, 1.5)
	d.bold(false)

	// The facts.
	d.size(11)
	d.facts(66, [][2]string{{"申请人", n.Applicant}, {"办件编号", n.Serial}}, n.ItemName)

	// The body.
	d.SetY(d.GetY() + 5)
	d.size(12)
	em := d.em()
	for i, s := range n.Body {
		indent := 2 * em
		if i == 0 && strings.HasSuffix(strings.TrimSpace(s), "：") {
			indent = 0
		}
		d.para(s, left, bodyW, indent, lineH)
	}
	for i, s := range n.Items {
		label := strconv.Itoa(i+1) + ". "
		hang := d.width(label)
		for j, line := range d.wrap(s, bodyW-2*em-hang, 0) {
			y := d.line(lineH)
			if j == 0 {
				d.text(left+2*em, y, label)
			}
			d.text(left+2*em+hang, y, line)
		}
	}
	if n.Reason != "" {
		label := "理由："
		if n.Kind == "rejection" {
			label = "不予受理的理由："
		}
		d.labelled(label, n.Reason)
	}
	if n.Basis != "" {
		d.labelled("法律依据：", n.Basis)
	}
	if n.Deadline != "" {
		d.labelled("办结期限：", n.Deadline)
	}
	if len(n.Fees) > 0 {
		d.SetY(d.GetY() + 2)
		d.fees(n.Fees, n.Amount)
		if n.PaymentNo != "" {
			label := "缴款通知书编号："
			if n.Kind == "receipt" {
				label = "缴费凭证号："
			}
			s := label + n.PaymentNo
			if n.Reference != "" {
				s += "　银行缴款凭证号或支付流水号：" + n.Reference
			}
			d.size(11)
			d.para(s, left, bodyW, 0, 6.5)
			d.size(12)
		}
	}
	if n.Footer != "" {
		d.SetY(d.GetY() + 2)
		d.para(n.Footer, left, bodyW, 2*em, lineH)
	}

	// The foot: QR codes, the centre and the date under the seal. It needs
	// 50 mm above the contact line; else it goes on a new page.
	y := d.GetY() + 6
	if y+50 > footY {
		d.AddPage()
		y = 30
	}
	if err := d.qrBlock(qrURL, left, y, "扫码查询办理进度", "查询码："+n.QueryCode); err != nil {
		return nil, err
	}
	if n.RateURL != "" {
		if err := d.qrBlock(n.RateURL, left+38, y, "扫码评价本次服务", "（好差评）"); err != nil {
			return nil, err
		}
	}
	signX := pageW - left - 30 // the middle of the signature block
	d.size(12)
	issuer := n.Centre
	if seal.Org != "" {
		issuer = seal.Org
	}
	d.text(signX-d.width(issuer)/2, y+15, issuer)
	d.text(signX-d.width(n.Date)/2, y+24, n.Date)
	d.seal(seal, signX, y+17)

	// The contact line, at the foot of the last page.
	d.size(9)
	d.color(grey)
	d.SetLineWidth(0.2)
	d.Line(left, footY, pageW-left, footY)
	contact := "咨询电话：" + n.Phone
	if n.Complaint != "" {
		contact += "　监督投诉电话：" + n.Complaint
	}
	if n.Handler != "" {
		contact += "　经办人：" + n.Handler
	}
	d.text(left, footY+5, d.fit(contact, bodyW))
	d.text(left, footY+10, d.fit("进度查询："+qrURL, bodyW))
	d.color(black)
	return d.output()
}

// line moves down one line of height lh (to a new page if the page is
// full) and returns the baseline to write it at.
func (d *doc) line(lh float64) float64 {
	y := d.GetY()
	if y+lh > bottom {
		d.AddPage()
		y = 25
	}
	d.SetY(y + lh)
	return y + lh/2 + d.em()*0.33
}

// para writes a paragraph at x over width w, its first line indented.
func (d *doc) para(s string, x, w, indent, lh float64) {
	for i, l := range d.wrap(s, w, indent) {
		y := d.line(lh)
		if i == 0 {
			d.text(x+indent, y, l)
		} else {
			d.text(x, y, l)
		}
	}
}

// facts is the table of applicant, serial and item under the title, its top
// at y.
func (d *doc) facts(y float64, pairs [][2]string, item string) {
	const h = 9.0
	lw, vw := 22.0, bodyW/2-22.0
	d.SetLineWidth(0.25)
	x := left
	for _, kv := range pairs {
		d.box(x, y, lw, h, true)
		d.cell(x, y, lw, h, kv[0], "C")
		d.box(x+lw, y, vw, h, false)
		d.cell(x+lw, y, vw, h, d.fit(kv[1], vw-3), "L")
		x += lw + vw
	}
	y += h
	d.box(left, y, lw, h, true)
	d.cell(left, y, lw, h, "申请事项", "C")
	d.box(left+lw, y, bodyW-lw, h, false)
	d.cell(left+lw, y, bodyW-lw, h, d.fit(item, bodyW-lw-3), "L")
	d.SetY(y + h)
}

// box draws a table cell's frame, shaded for a heading.
func (d *doc) box(x, y, w, h float64, shaded bool) {
	d.SetDrawColor(0, 0, 0)
	if shaded {
		d.SetFillColor(242, 242, 242)
		d.Rect(x, y, w, h, "FD")
		return
	}
	d.Rect(x, y, w, h, "D")
}

// labelled writes "label：text" as an indented paragraph with a bold label.
func (d *doc) labelled(label, text string) {
	indent := 2 * d.em()
	lw := d.width(label)
	for i, l := range d.wrap(text, bodyW, indent+lw) {
		y := d.line(lineH)
		if i == 0 {
			d.bold(true)
			d.text(left+indent, y, label)
			d.bold(false)
			d.text(left+indent+lw, y, l)
			continue
		}
		d.text(left, y, l)
	}
}

// fees is the fee table: item (with its basis in small print), standard,
// quantity, amount, and the total.
func (d *doc) fees(fs []Fee, total int64) {
	widths := []float64{64, 46, 22, 28}
	heads := []string{"收费项目", "收费标准", "数量", "金额（元）"}
	d.SetLineWidth(0.25)
	d.size(10.5)
	y := d.GetY()
	x := left
	for i, h := range heads {
		d.box(x, y, widths[i], 8, true)
		d.cell(x, y, widths[i], 8, h, "C")
		x += widths[i]
	}
	y += 8
	const lh = 5.2
	for _, f := range fs {
		d.size(10.5)
		name := d.wrap(f.Name, widths[0]-3, 0)
		std := d.wrap(f.Standard, widths[1]-3, 0)
		d.size(8.5)
		var basis []string
		if f.Basis != "" {
			basis = d.wrap("依据："+f.Basis, widths[0]-3, 0)
		}
		h := float64(max(len(name)+len(basis), len(std), 1))*lh + 3
		if y+h > bottom {
			d.AddPage()
			y = 25
		}
		x := left
		for _, w := range widths {
			d.box(x, y, w, h, false)
			x += w
		}
		ly := y + 1.5
		d.size(10.5)
		for _, l := range name {
			d.cell(left, ly, widths[0], lh, l, "L")
			ly += lh
		}
		d.size(8.5)
		d.color(grey)
		for _, l := range basis {
			d.cell(left, ly, widths[0], lh, l, "L")
			ly += lh
		}
		d.color(black)
		d.size(10.5)
		for i, l := range std {
			d.cell(left+widths[0], y+1.5+float64(i)*lh, widths[1], lh, l, "L")
		}
		d.cell(left+widths[0]+widths[1], y+1.5, widths[2], lh, strconv.Itoa(f.Quantity)+" "+f.Unit, "R")
		d.cell(left+widths[0]+widths[1]+widths[2], y+1.5, widths[3], lh, yuan(f.Amount), "R")
		y += h
	}
	if y+8 > bottom {
		d.AddPage()
		y = 25
	}
	sum := widths[0] + widths[1] + widths[2]
	d.box(left, y, sum, 8, true)
	d.cell(left, y, sum, 8, "合计", "C")
	d.box(left+sum, y, widths[3], 8, false)
	d.bold(true)
	d.cell(left+sum, y, widths[3], 8, yuan(total), "R")
	d.bold(false)
	d.size(12)
	d.SetY(y + 10)
}

// qrBlock draws a 30 mm QR code at (x, y) with two caption lines under it.
func (d *doc) qrBlock(url string, x, y float64, caption1, caption2 string) error {
	if url == "" {
		return nil
	}
	const size = 30.0
	if err := d.qr(url, x, y, size); err != nil {
		return err
	}
	d.size(9)
	d.text(x+(size-d.width(caption1))/2, y+size+3, caption1)
	d.text(x+(size-d.width(caption2))/2, y+size+7.5, caption2)
	d.size(12)
	return nil
}
