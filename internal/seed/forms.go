package seed

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/xuri/excelize/v2"

	"zwfw"
	"zwfw/internal/catalog"
	"zwfw/internal/files"
)

// attachForms renders a material's form template into its three downloads —
// the blank form and the filled-in sample as Excel workbooks, the fill-in
// guide as text — stores them and points the material at them.
func attachForms(ctx context.Context, d Deps, m *catalog.Material, t *template) error {
	blank, err := renderedForm(t, false)
	if err != nil {
		return err
	}
	sample, err := renderedForm(t, true)
	if err != nil {
		return err
	}
	put := func(name string, b []byte) (*catalog.Attachment, error) {
		f, err := d.Files.PutBytes(ctx, zwfw.System, name, b, files.PurposeCatalog)
		if err != nil {
			return nil, err
		}
		return &catalog.Attachment{Name: f.Name, SHA256: f.SHA256, Size: f.Size, ContentType: f.ContentType}, nil
	}
	if m.BlankForm, err = put(t.Title+"（空白表格）.xlsx", blank); err != nil {
		return err
	}
	if m.Sample, err = put(t.Title+"（示例样表）.xlsx", sample); err != nil {
		return err
	}
	if len(t.Notes) > 0 {
		if m.GuideFile, err = put(t.Title+"填报须知.txt", guideText(t)); err != nil {
			return err
		}
	}
	return nil
}

// forms keeps each form as rendered: a form is a pure function of its
// embedded template, and rendering the county's forms with excelize was
// most of a first start's seeding (and of every test that seeds a
// database). Bounded by the templates compiled in.
var forms sync.Map // formKey → []byte

type formKey struct {
	t      string // the template, as JSON
	sample bool
}

// renderedForm is formXLSX, once per template and kind in a process.
func renderedForm(t *template, sample bool) ([]byte, error) {
	j, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	k := formKey{string(j), sample}
	if b, ok := forms.Load(k); ok {
		return b.([]byte), nil
	}
	b, err := formXLSX(t, sample)
	if err != nil {
		return nil, err
	}
	forms.Store(k, b)
	return b, nil
}

// formXLSX lays a form out for A4: a title, one row per field (label and a
// wide cell to write in), the notes, and the signature line.
func formXLSX(t *template, sample bool) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sh := "Sheet1"
	title := t.Title
	if sample {
		title += "（示例样表）"
	}
	f.SetSheetName(sh, "申请表")
	sh = "申请表"
	border := []excelize.Border{{Type: "left", Color: "000000", Style: 1}, {Type: "right", Color: "000000", Style: 1},
		{Type: "top", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1}}
	titleStyle, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 16, Family: "宋体"},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	labelStyle, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Size: 11, Family: "宋体"}, Border: border,
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	valueStyle, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Size: 11, Family: "宋体", Color: sampleColour(sample)}, Border: border,
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})
	noteStyle, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Size: 10, Family: "宋体"}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	_ = f.SetColWidth(sh, "A", "A", 22)
	_ = f.SetColWidth(sh, "B", "D", 22)
	_ = f.MergeCell(sh, "A1", "D1")
	_ = f.SetCellStr(sh, "A1", title)
	_ = f.SetCellStyle(sh, "A1", "D1", titleStyle)
	_ = f.SetRowHeight(sh, 1, 36)
	row := 2
	for _, fld := range t.Fields {
		a, b, dcell := fmt.Sprintf("A%d", row), fmt.Sprintf("B%d", row), fmt.Sprintf("D%d", row)
		_ = f.SetCellStr(sh, a, fld.Label)
		_ = f.SetCellStyle(sh, a, a, labelStyle)
		_ = f.MergeCell(sh, b, dcell)
		if sample {
			_ = f.SetCellStr(sh, b, fld.Sample)
		}
		_ = f.SetCellStyle(sh, b, dcell, valueStyle)
		_ = f.SetRowHeight(sh, row, 28)
		row++
	}
	row++
	sign := "申请人（签字或盖章）：                          年    月    日"
	if sample {
		sign = "申请人（签字或盖章）：" + firstSample(t) + "                    2026 年 11 月 20 日"
	}
	_ = f.MergeCell(sh, fmt.Sprintf("A%d", row), fmt.Sprintf("D%d", row))
	_ = f.SetCellStr(sh, fmt.Sprintf("A%d", row), sign)
	row += 2
	if len(t.Notes) > 0 {
		_ = f.SetCellStr(sh, fmt.Sprintf("A%d", row), "填报须知：")
		row++
		for i, n := range t.Notes {
			c1, c2 := fmt.Sprintf("A%d", row), fmt.Sprintf("D%d", row)
			_ = f.MergeCell(sh, c1, c2)
			_ = f.SetCellStr(sh, c1, fmt.Sprintf("%d. %s", i+1, n))
			_ = f.SetCellStyle(sh, c1, c2, noteStyle)
			_ = f.SetRowHeight(sh, row, 30)
			row++
		}
	}
	_ = f.SetPageLayout(sh, &excelize.PageLayoutOptions{Size: intp(9), Orientation: strp("portrait"), FitToWidth: intp(1)})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func sampleColour(sample bool) string {
	if sample {
		return "1D5FBF"
	}
	return "000000"
}

// firstSample is the sample value of the first field that names a person or
// body, for the sample's signature line.
func firstSample(t *template) string {
	for _, f := range t.Fields {
		if strings.Contains(f.Label, "姓名") || strings.Contains(f.Label, "名称") || strings.Contains(f.Label, "申请人") {
			return f.Sample
		}
	}
	if len(t.Fields) > 0 {
		return t.Fields[0].Sample
	}
	return ""
}

// guideText is the fill-in guide as a text file that Windows Notepad opens
// correctly: UTF-8 with a byte-order mark and CRLF line ends.
func guideText(t *template) []byte {
	var b strings.Builder
	b.WriteString("\ufeff")
	b.WriteString(t.Title + "填报须知\r\n\r\n")
	for i, n := range t.Notes {
		fmt.Fprintf(&b, "%d. %s\r\n", i+1, n)
	}
	b.WriteString("\r\n需填写的栏目：")
	labels := make([]string, len(t.Fields))
	for i, f := range t.Fields {
		labels[i] = f.Label
	}
	b.WriteString(strings.Join(labels, "、") + "。\r\n")
	return []byte(b.String())
}

func intp(n int) *int       { return &n }
func strp(s string) *string { return &s }

var (
	numberSample = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	dateSample   = regexp.MustCompile(`^[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日$`)
)

// formOf turns a seed template into the item's online form (申请表, issue
// 12 item 3): each label gets the type its county form implies — ID
// numbers checked (GB 11643), phones, dates, numbers where the sample is
// one, the county's divisions for a resident's addresses, a table of
// family members — and the account's details prefill the applicant's own.
func formOf(t *template, m catalog.Material) *catalog.FormDef {
	f := &catalog.FormDef{Title: t.Title, Material: m.Name, Signature: m.Signature}
	var named, ided, credited, phoned, addressed bool
	zero := 0.0
	for i, x := range t.Fields {
		fld := catalog.FormField{Key: fmt.Sprintf("f%d", i+1), Label: x.Label, Type: catalog.FieldText, Required: true}
		l := x.Label
		switch {
		case (strings.Contains(l, "身份证号") || strings.Contains(l, "公民身份号码")) && !strings.Contains(l, "及"):
			fld.Type = catalog.FieldIDNumber
			if !ided && !strings.Contains(l, "代办人") && !strings.Contains(l, "监护人") && !strings.Contains(l, "女方") && !strings.Contains(l, "义务人") {
				fld.Prefill, ided = "id_number", true
			}
		case strings.HasSuffix(l, "联系电话") && !strings.Contains(l, "及"):
			fld.Type = catalog.FieldPhone
			if !phoned && !strings.Contains(l, "义务人") {
				fld.Prefill, phoned = "phone", true
			}
		case l == "性别":
			fld.Type, fld.Options = catalog.FieldChoice, []string{"男", "女"}
		case strings.HasSuffix(l, "婚姻状况"):
			fld.Type, fld.Options = catalog.FieldChoice, []string{"未婚", "离婚", "丧偶"}
		case l == "文化程度":
			fld.Type, fld.Options = catalog.FieldChoice, []string{"小学及以下", "初中", "高中", "中专", "大专", "本科", "研究生"}
		case x.Sample == "是" || x.Sample == "否":
			fld.Type, fld.Options = catalog.FieldChoice, []string{"是", "否"}
		case (strings.HasSuffix(l, "日期") || l == "预产期") && dateSample.MatchString(x.Sample):
			fld.Type = catalog.FieldDate
		case numberSample.MatchString(x.Sample) && !strings.Contains(l, "号") && !strings.Contains(l, "代码"):
			fld.Type, fld.Min = catalog.FieldNumber, &zero
		case (l == "户籍地址" || l == "现居住地址" || l == "家庭住址" || l == "常住地址") && strings.HasPrefix(x.Sample, "宁陕县"):
			fld.Type = catalog.FieldAddress
			fld.Hint = "选择所在镇、村（社区），再填写组、街道和门牌号"
			if !addressed {
				fld.Prefill, addressed = "address", true
			}
		case l == "共同生活家庭成员":
			fld.Type, fld.MinRows, fld.MaxRows = catalog.FieldTable, 1, 10
			fld.Hint = "包括申请人本人，每人一行"
			fld.Columns = []catalog.FormField{
				{Key: "name", Label: "姓名", Type: catalog.FieldText, Required: true, MaxLen: 30},
				{Key: "relation", Label: "与申请人关系", Type: catalog.FieldText, Required: true, MaxLen: 20},
				{Key: "id_number", Label: "身份证号码", Type: catalog.FieldIDNumber, Required: true},
			}
		case strings.Contains(l, "理由") || strings.Contains(l, "说明") || strings.Contains(l, "情况") || strings.Contains(l, "声明") ||
			strings.Contains(l, "措施") || strings.Contains(l, "范围") || strings.Contains(l, "意见"):
			fld.Type = catalog.FieldLongText
		}
		if fld.Type == catalog.FieldText || fld.Type == catalog.FieldLongText {
			fld.Hint = "如：" + x.Sample
			if l == "统一社会信用代码" {
				fld.MinLen, fld.MaxLen = 18, 18
				if !credited {
					fld.Prefill, credited = "credit_code", true
				}
			}
			if !named && i == 0 && (strings.Contains(l, "姓名") || strings.Contains(l, "名称") || l == "举办者") {
				fld.Prefill, named = "name", true
			}
		}
		// What others fill in (the village's opinion) or what not everyone
		// has (an agent, a guardian, an e-mail address) is optional.
		for _, opt := range []string{"代办人", "监护人", "电子邮箱", "收件地址", "意见", "随迁人员"} {
			if strings.Contains(l, opt) {
				fld.Required = false
			}
		}
		f.Fields = append(f.Fields, fld)
	}
	return f
}

// demoFormData fills an item's online form the way its sample does (the
// hints carry the samples), with values its checks accept: the demo cases
// show staff a filled-in 申请书.
func demoFormData(it *catalog.Item) catalog.FormData {
	if it.Form == nil {
		return nil
	}
	const id = "610923198008210285" // the samples' own, valid (GB 11643)
	d := catalog.FormData{}
	value := func(x catalog.FormField) any {
		switch x.Type {
		case catalog.FieldNumber:
			return "1"
		case catalog.FieldDate:
			return "2026-11-02"
		case catalog.FieldChoice:
			return x.Options[0]
		case catalog.FieldIDNumber:
			return id
		case catalog.FieldPhone:
			return "13991567352"
		case catalog.FieldAddress:
			return map[string]string{"division": "610923100", "detail": "东关社区长安路88号"}
		}
		s := strings.TrimPrefix(x.Hint, "如：")
		if s == "" {
			s = x.Label
		}
		if x.MaxLen > 0 && len([]rune(s)) > x.MaxLen {
			s = string([]rune(s)[:x.MaxLen])
		}
		return s
	}
	for _, x := range it.Form.Fields {
		if x.Type != catalog.FieldTable {
			d[x.Key] = value(x)
			continue
		}
		row := map[string]string{}
		for _, c := range x.Columns {
			row[c.Key], _ = value(c).(string)
		}
		d[x.Key] = []map[string]string{row}
	}
	return d
}
