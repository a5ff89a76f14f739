package seed

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
