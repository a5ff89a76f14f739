package pdfdoc

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var issued = time.Date(2026, 12, 7, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))

const progress = "https://zwfw.ningshan.gov.cn/progress?serial=NS2026120700012&code=7K3Q9M"

// samples are notices of every kind worth a picture, as casework words them.
func samples() map[string]NoticeDoc {
	base := func(kind, title, no string) NoticeDoc {
		return NoticeDoc{Kind: kind, Title: title, Number: no, Centre: "宁陕县政务服务中心", Serial: "NS2026120700012",
			ItemName: "食品经营许可（新办）", Applicant: "张明远", Date: "2026年12月7日", Issued: issued,
			Handler: "李晓红", Phone: "0915-6821234", Complaint: "12345", QueryCode: "7K3Q9M"}
	}
	acc := base("acceptance", "受理通知书", "宁政服受字〔2026〕第128号")
	acc.Body = []string{"张明远：",
		"您于 2026年12月5日 提交的“食品经营许可（新办）”申请，申请材料齐全、符合法定形式，本机关决定予以受理。",
		"本事项为承诺件，承诺在受理之日起 10 个工作日内（2026年12月21日 前）办结。办理进度可凭办件编号 NS2026120700012 在网上办事大厅查询，或扫描下方二维码查询。"}
	acc.Deadline = "2026年12月21日"

	one := base("one_time", "一次性告知书", "宁政服告字〔2026〕第37号")
	one.Body = []string{"张明远：",
		"您于 2026年12月5日 提交的“食品经营许可（新办）”申请，经审查，申请材料不齐全或者不符合法定形式。根据《中华人民共和国行政许可法》第三十二条，现一次性告知您需要补正的全部内容如下："}
	one.Items = []string{"经营场所平面布局图未标明食品处理区、就餐区及清洗消毒区的面积，请按实际尺寸补充标注并由经营者签字确认。",
		"食品安全管理制度文本缺少“从业人员健康管理制度”。", "法定代表人身份证复印件不清晰，请重新提交。"}
	one.Footer = "请按上述要求补正后，在网上办事大厅“我的办件”中补正提交，或携带材料到窗口办理，无须重新申请。"

	rej := base("rejection", "不予受理通知书", "宁政服不受字〔2026〕第5号")
	rej.Body = []string{"张明远：", "您于 2026年12月5日 提交的“食品经营许可（新办）”申请，经审查，本机关决定不予受理。"}
	rej.Reason = "申请人申请的经营项目为网络食品交易第三方平台，不属于本机关职权范围，应向陕西省市场监督管理局申请。"
	rej.Basis = "《中华人民共和国行政许可法》第三十二条第一款第（二）项"
	rej.Footer = "如不服本决定，可以自收到本通知书之日起六十日内向宁陕县人民政府申请行政复议，或者自收到本通知书之日起六个月内向宁陕县人民法院提起行政诉讼。"

	fees := []Fee{
		{Name: "不动产登记费（住宅）", Standard: "每件 80 元", Basis: "发改价格规〔2016〕2559号", Quantity: 1, Unit: "件", Amount: 8000},
		{Name: "不动产权属证书工本费（第二本起）", Standard: "每本 10 元", Basis: "财税〔2016〕79号", Quantity: 2, Unit: "本", Amount: 2000},
	}
	rec := base("receipt", "缴费凭证", "NSJK2026120700031")
	rec.ItemName = "不动产登记（国有建设用地使用权及房屋所有权首次登记）"
	rec.Body = []string{"今收到 张明远 通过网上支付缴纳“不动产登记（国有建设用地使用权及房屋所有权首次登记）”（办件编号 NS2026120700012）费用 100.00 元。"}
	rec.Fees, rec.Amount, rec.PaymentNo, rec.Reference = fees, 10000, "NSJK2026120700031", "4200002026120712345678901"
	rec.Footer = "本凭证仅证明费用已缴纳；财政票据（陕西省非税收入一般缴款书）由代收银行出具。"

	pay := base("payment", "缴款通知书", "NSJK2026120700031")
	pay.Body = []string{"张明远：", "您申请的事项需缴纳以下费用，请在 2026年12月14日 前通过网上支付或到代收银行缴纳。"}
	pay.Fees, pay.Amount, pay.PaymentNo = fees, 10000, "NSJK2026120700031"

	res := base("result", "办结通知书", "宁政服结字〔2026〕第211号")
	res.Body = []string{"张明远：", "您申请的“食品经营许可（新办）”（办件编号 NS2026120700012）已办结（准予许可），出具食品经营许可证，编号 JY16109230012345。",
		"请携带本人有效身份证件到宁陕县政务服务中心领取。"}
	res.RateURL = "https://zwfw.ningshan.gov.cn/rate/c/NS2026120700012"
	return map[string]NoticeDoc{"acceptance": acc, "one_time": one, "rejection": rej, "receipt": rec, "payment": pay, "result": res}
}

var centreSeal = Seal{Org: "宁陕县政务服务中心", Purpose: "业务专用章"}

func sampleLicence() LicenceDoc {
	return LicenceDoc{Title: "食品经营许可证", Number: "JY16109230012345", Holder: "宁陕县秦岭人家农家乐",
		HolderCode: "92610923MA6Y****7K", Issuer: "宁陕县市场监督管理局", IssueDate: "2026年12月7日", ValidTo: "2031年12月6日",
		Identifier:  "1.2.156.3005.2.11100000MB0143154R001.11610923MB2866125X.00000012.001.Q",
		HolderLabel: "经营者名称", HolderCodeLabel: "统一社会信用代码", Issued: issued,
		Fields: []Field{{"法定代表人（负责人）", "张明远"}, {"住所", "陕西省安康市宁陕县城关镇长安路 18 号"},
			{"经营场所", "陕西省安康市宁陕县城关镇长安路 18 号一层"}, {"主体业态", "餐饮服务经营者（小型餐馆）"},
			{"经营项目", "热食类食品制售；冷食类食品制售（不含生食类食品）；自制饮品制售（不含自制生鲜乳饮品）"},
			{"日常监督管理机构", "宁陕县市场监督管理局城关市场监督管理所"}, {"投诉举报电话", "12315"}}}
}

// text is what pdftotext reads from pdf: proof that the glyphs are embedded
// and mapped back to the characters (ToUnicode).
func text(t *testing.T, pdf []byte) string {
	t.Helper()
	poppler(t, "pdftotext")
	cmd := exec.Command("pdftotext", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// poppler skips the test where poppler-utils is missing, except in CI.
func poppler(t *testing.T, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		if os.Getenv("ZWFW_REQUIRE_SERVICES") != "" {
			t.Fatalf("%s (poppler-utils) is required", tool)
		}
		t.Skipf("%s (poppler-utils) not installed", tool)
	}
}

func run(t *testing.T, pdf []byte, name string, args ...string) string {
	t.Helper()
	poppler(t, name)
	f := filepath.Join(t.TempDir(), "x.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(name, append(args, f)...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
	// pdfinfo pads its labels: "Subject:        x" reads "Subject: x".
	return regexp.MustCompile(`: +`).ReplaceAllString(string(out), ": ")
}

// shoot writes a PNG of each page to $ZWFW_SCREENSHOTS (pdftoppm), to be
// looked at.
func shoot(t *testing.T, pdf []byte, name string) {
	dir := os.Getenv("ZWFW_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, "pdf-"+name+".pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-png", "-r", "60", f, filepath.Join(dir, "pdf-"+name)).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
}

// squash drops the spaces and line breaks pdftotext puts in, so a phrase
// that wrapped is still found.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\f' || r == '\u3000' {
			return -1
		}
		return r
	}, s)
}

func TestNoticeEveryKind(t *testing.T) {
	for kind, n := range samples() {
		t.Run(kind, func(t *testing.T) {
			pdf, err := Notice(n, centreSeal, progress)
			if err != nil {
				t.Fatal(err)
			}
			shoot(t, pdf, "notice-"+kind)
			if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Fatalf("not a PDF: %q", pdf[:min(20, len(pdf))])
			}
			// A notice stays well under 1 MB: the font is subset.
			if len(pdf) > 300<<10 {
				t.Errorf("%s is %d bytes; want under 300 KB", kind, len(pdf))
			}
			got := squash(text(t, pdf))
			for _, want := range []string{n.Title, n.Number, n.Serial, n.Applicant, n.Centre, "业务专用章", "查询码：" + n.QueryCode} {
				if !strings.Contains(got, squash(want)) {
					t.Errorf("the %s PDF does not read %q:\n%s", kind, want, got)
				}
			}
			for _, b := range n.Body {
				if !strings.Contains(got, squash(b)) {
					t.Errorf("the %s PDF lacks the paragraph %q:\n%s", kind, b, got)
				}
			}
			if n.Reason != "" && !strings.Contains(got, squash(n.Reason)) {
				t.Errorf("reason missing:\n%s", got)
			}
			if len(n.Fees) > 0 && !strings.Contains(got, "100.00") {
				t.Errorf("the total 100.00 is missing:\n%s", got)
			}
			if kind == "rejection" && !strings.Contains(got, "不予受理的理由") {
				t.Errorf("the refusal's reason is not labelled:\n%s", got)
			}
			// The font is embedded (pdffonts: emb yes) — only its used glyphs,
			// as the size bound shows.
			fonts := run(t, pdf, "pdffonts")
			if !strings.Contains(fonts, "CID TrueType") || !strings.Contains(fonts, "yes yes") && !strings.Contains(fonts, "yes no  yes") {
				t.Errorf("font not embedded:\n%s", fonts)
			}
			// A verifier finds the number in the metadata; the page is A4.
			info := run(t, pdf, "pdfinfo")
			for _, want := range []string{"Subject: " + n.Number, "(A4)", "Pages: 1"} {
				if !strings.Contains(info, want) {
					t.Errorf("pdfinfo lacks %q:\n%s", want, info)
				}
			}
		})
	}
}

// A long 一次性告知书 flows onto a second page with page numbers; the seal
// block is whole on the last page.
func TestNoticeLong(t *testing.T) {
	n := samples()["one_time"]
	for i := 0; i < 14; i++ {
		n.Items = append(n.Items, "请补充提交从业人员健康证明（有效期内），并注明从业人员姓名、岗位与健康证编号，由经营者签字确认。第"+strings.Repeat("〇", i%3)+"项")
	}
	pdf, err := Notice(n, centreSeal, progress)
	if err != nil {
		t.Fatal(err)
	}
	shoot(t, pdf, "notice-long")
	got := text(t, pdf)
	if !strings.Contains(squash(got), "第2页共2页") {
		t.Errorf("no page numbers on a two-page notice:\n%s", got)
	}
	if !strings.Contains(squash(got), squash(n.Items[len(n.Items)-1])) {
		t.Errorf("the last item is lost")
	}
}

func TestLicence(t *testing.T) {
	l := sampleLicence()
	pdf, err := Licence(l, Seal{Org: "宁陕县市场监督管理局", Purpose: "行政审批专用章"}, "https://zwfw.ningshan.gov.cn/verify/"+l.Identifier)
	if err != nil {
		t.Fatal(err)
	}
	shoot(t, pdf, "licence")
	if len(pdf) > 300<<10 {
		t.Errorf("licence is %d bytes; want under 300 KB", len(pdf))
	}
	got := squash(text(t, pdf))
	for _, want := range []string{"食品经营许可证", l.Number, l.Holder, l.HolderCode, "统一社会信用代码", "热食类食品制售", "2031年12月6日",
		"宁陕县市场监督管理局", "行政审批专用章", l.Identifier} {
		if !strings.Contains(got, squash(want)) {
			t.Errorf("the licence does not read %q:\n%s", want, got)
		}
	}
	info := run(t, pdf, "pdfinfo")
	for _, want := range []string{"Subject: " + l.Identifier, "Keywords: " + l.Identifier, "Pages: 1", "(A4)"} {
		if !strings.Contains(info, want) {
			t.Errorf("pdfinfo lacks %q:\n%s", want, info)
		}
	}
}

// A licence with many long fields is set smaller, then continued on a
// second sheet (续页); the validity and the seal are not lost.
func TestLicenceManyFields(t *testing.T) {
	l := sampleLicence()
	l.ValidTo = "长期"
	l.Version = 2
	for i := 0; i < 20; i++ {
		l.Fields = append(l.Fields, Field{"备注", "经营场所内不得设置生食类食品加工区域；外卖配送须使用符合食品安全要求的密闭容器并粘贴封签。"})
	}
	pdf, err := Licence(l, Seal{Org: "宁陕县行政审批服务局"}, "https://zwfw.ningshan.gov.cn/verify/x")
	if err != nil {
		t.Fatal(err)
	}
	shoot(t, pdf, "licence-long")
	got := squash(text(t, pdf))
	for _, want := range []string{"有效期限长期", "（第2版）", "食品经营许可证（续页）"} {
		if !strings.Contains(got, want) {
			t.Errorf("licence lacks %q:\n%s", want, got)
		}
	}
}

func TestNeedsTitle(t *testing.T) {
	if _, err := Notice(NoticeDoc{Number: "1"}, centreSeal, progress); err == nil {
		t.Error("a notice without a title rendered")
	}
	if _, err := Licence(LicenceDoc{Title: "x"}, centreSeal, progress); err == nil {
		t.Error("a licence without an identifier rendered")
	}
}

func TestWrapKeepsPunctuation(t *testing.T) {
	d := newDoc(meta{})
	d.AddPage()
	em := d.width("中")
	// Ten characters fit; the 11th is a full stop, which must not open a line.
	lines := d.wrap("一二三四五六七八九十。下一句", em*10+0.01, 0)
	if strings.HasPrefix(lines[1], "。") {
		t.Errorf("a line starts with a full stop: %q", lines)
	}
	// A serial is not cut in two.
	lines = d.wrap("一二三四五六七八NS2026120700012", em*10+0.01, 0)
	if len(lines) != 2 || lines[1] != "NS2026120700012" {
		t.Errorf("the serial was cut: %q", lines)
	}
}

func BenchmarkNotice(b *testing.B) {
	n := samples()["acceptance"]
	for b.Loop() {
		if _, err := Notice(n, centreSeal, progress); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLicence(b *testing.B) {
	l := sampleLicence()
	for b.Loop() {
		if _, err := Licence(l, centreSeal, progress); err != nil {
			b.Fatal(err)
		}
	}
}
