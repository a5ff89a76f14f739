package catalog

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// The Excel workbook has one sheet of items (one row each) and one sheet per
// repeated element (设定依据, 申请材料, 办理流程, 收费, 常见问题), whose rows
// name their item by 基本编码 and their place by 序号. Code sets are written
// as their Chinese names and read back as either names or codes.

const (
	sheetItems     = "事项"
	sheetBasis     = "设定依据"
	sheetMaterials = "申请材料"
	sheetSteps     = "办理流程"
	sheetFees      = "收费"
	sheetFAQ       = "常见问题"
	sheetReadme    = "填写说明"
)

// column describes one column: its header, how to write it from an item (or
// a nested entry) and how to read it back.
type column[T any] struct {
	key    string // field path segment used in error locations
	header string
	get    func(*T) string
	set    func(*T, string) error
}

func strCol[T any](key, header string, p func(*T) *string) column[T] {
	return column[T]{key, header, func(t *T) string { return *p(t) }, func(t *T, v string) error { *p(t) = v; return nil }}
}

func intCol[T any](key, header string, p func(*T) *int) column[T] {
	return column[T]{key, header, func(t *T) string { return strconv.Itoa(*p(t)) }, func(t *T, v string) error {
		if v == "" {
			*p(t) = 0
			return nil
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("应为整数，而不是“%s”", v)
		}
		*p(t) = n
		return nil
	}}
}

func boolCol[T any](key, header string, p func(*T) *bool) column[T] {
	return column[T]{key, header, func(t *T) string {
		if *p(t) {
			return "是"
		}
		return "否"
	}, func(t *T, v string) error {
		switch strings.TrimSpace(v) {
		case "是", "true", "TRUE", "1", "Y", "y":
			*p(t) = true
		case "否", "false", "FALSE", "0", "N", "n", "":
			*p(t) = false
		default:
			return fmt.Errorf("应填“是”或“否”，而不是“%s”", v)
		}
		return nil
	}}
}

// codeCol writes a code as its Chinese name and reads either.
func codeCol[T any](key, header string, set codeSet, p func(*T) *string) column[T] {
	return column[T]{key, header, func(t *T) string {
		if n := set.name(*p(t)); n != "" {
			return n
		}
		return *p(t)
	}, func(t *T, v string) error {
		v = strings.TrimSpace(v)
		if c, ok := set.lookup(v); ok {
			*p(t) = c
		} else {
			*p(t) = v // validation reports it with the right message
		}
		return nil
	}}
}

const listSep = "、"

func splitList(v string) []string {
	v = strings.NewReplacer("，", listSep, ",", listSep, ";", listSep, "；", listSep).Replace(v)
	var out []string
	for _, s := range strings.Split(v, listSep) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func listCol[T any](key, header string, set codeSet, p func(*T) *[]string) column[T] {
	return column[T]{key, header, func(t *T) string {
		names := make([]string, len(*p(t)))
		for i, c := range *p(t) {
			names[i] = c
			if set != nil {
				if n := set.name(c); n != "" {
					names[i] = n
				}
			}
		}
		return strings.Join(names, listSep)
	}, func(t *T, v string) error {
		l := splitList(v)
		for i, s := range l {
			if set != nil {
				if c, ok := set.lookup(s); ok {
					l[i] = c
				}
			}
		}
		*p(t) = l
		return nil
	}}
}

var attachRE = regexp.MustCompile(`^(.+?) \| ([0-9a-f]{64}) \| (\d+) \| (.+)$`)

func attachCol(key, header string, p func(*Material) **Attachment) column[Material] {
	return column[Material]{key, header, func(m *Material) string {
		a := *p(m)
		if a == nil {
			return ""
		}
		return fmt.Sprintf("%s | %s | %d | %s", a.Name, a.SHA256, a.Size, a.ContentType)
	}, func(m *Material, v string) error {
		v = strings.TrimSpace(v)
		if v == "" {
			*p(m) = nil
			return nil
		}
		g := attachRE.FindStringSubmatch(v)
		if g == nil {
			return fmt.Errorf("附件应写作“文件名 | SHA-256 | 字节数 | 类型”")
		}
		size, _ := strconv.ParseInt(g[3], 10, 64)
		*p(m) = &Attachment{Name: g[1], SHA256: g[2], Size: size, ContentType: g[4]}
		return nil
	}}
}

var itemCols = []column[Item]{
	strCol("code", "基本编码", func(t *Item) *string { return &t.Code }),
	strCol("impl_code", "实施编码", func(t *Item) *string { return &t.ImplCode }),
	strCol("name", "事项名称", func(t *Item) *string { return &t.Name }),
	listCol("aliases", "俗称", nil, func(t *Item) *[]string { return &t.Aliases }),
	codeCol("type", "事项类型", Types, func(t *Item) *string { return &t.Type }),
	codeCol("kind", "办件类型", Kinds, func(t *Item) *string { return &t.Kind }),
	strCol("dept", "实施主体代码", func(t *Item) *string { return &t.Dept }),
	strCol("impl_body", "实施主体说明", func(t *Item) *string { return &t.ImplBody }),
	listCol("co_depts", "联办部门代码", nil, func(t *Item) *[]string { return &t.CoDepts }),
	strCol("upper_body", "上报机关", func(t *Item) *string { return &t.UpperBody }),
	listCol("levels", "适用层级", Levels, func(t *Item) *[]string { return &t.Levels }),
	listCol("audience", "服务对象", Audiences, func(t *Item) *[]string { return &t.Audience }),
	listCol("themes", "服务主题", nil, func(t *Item) *[]string { return &t.Themes }),
	strCol("source", "权力来源", func(t *Item) *string { return &t.Source }),
	strCol("conditions", "受理条件", func(t *Item) *string { return &t.Conditions }),
	intCol("legal_limit_days", "法定办结时限（工作日）", func(t *Item) *int { return &t.LegalLimitDays }),
	intCol("promised_limit_days", "承诺办结时限（工作日）", func(t *Item) *int { return &t.PromisedLimitDays }),
	strCol("limit_note", "时限说明", func(t *Item) *string { return &t.LimitNote }),
	intCol("visits", "到现场次数", func(t *Item) *int { return &t.Visits }),
	{"online_depth", "网上办理深度", func(t *Item) string {
		names := make([]string, len(t.OnlineDepth))
		for i, d := range t.OnlineDepth {
			names[i] = DepthName(d)
		}
		return strings.Join(names, listSep)
	}, func(t *Item, v string) error {
		t.OnlineDepth = []int{}
		for _, s := range splitList(v) {
			c, ok := OnlineDepths.lookup(s)
			if !ok {
				return fmt.Errorf("网上办理深度“%s”无效（咨询、收件、预审、受理、办理、结果反馈、电子证照反馈、其他）", s)
			}
			n, _ := strconv.Atoi(c)
			t.OnlineDepth = append(t.OnlineDepth, n)
		}
		return nil
	}},
	boolCol("booking", "预约办理", func(t *Item) *bool { return &t.Booking }),
	boolCol("courier", "物流快递", func(t *Item) *bool { return &t.Courier }),
	boolCol("online_pay", "网上支付", func(t *Item) *bool { return &t.OnlinePay }),
	strCol("place", "办理地点", func(t *Item) *string { return &t.Place }),
	strCol("hours", "办理时间", func(t *Item) *string { return &t.Hours }),
	strCol("consult_phone", "咨询电话", func(t *Item) *string { return &t.ConsultPhone }),
	strCol("complaint_phone", "监督投诉电话", func(t *Item) *string { return &t.ComplaintPhone }),
	strCol("result_name", "审批结果名称", func(t *Item) *string { return &t.ResultName }),
	codeCol("result_type", "审批结果类型", ResultTypes, func(t *Item) *string { return &t.ResultType }),
	strCol("result_number", "结果编号规则", func(t *Item) *string { return &t.ResultNumber }),
	codeCol("status", "事项状态", codeSet{{StatusActive, "在用"}, {StatusCancelled, "已取消"}}, func(t *Item) *string { return &t.Status }),
	intCol("version", "版本", func(t *Item) *int { return &t.Version }),
	// The online form (申请表) as its JSON: fields nest (table columns), so
	// they keep the import format's shape in one cell. Optional, so that
	// workbooks made before forms existed still import.
	{"form", formHeader, func(t *Item) string {
		if t.Form == nil {
			return ""
		}
		b, _ := json.Marshal(t.Form)
		return string(b)
	}, func(t *Item, v string) error {
		t.Form = nil
		if strings.TrimSpace(v) == "" {
			return nil
		}
		var f FormDef
		dec := json.NewDecoder(strings.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			return fmt.Errorf("申请表应为导出时的 JSON 格式：%v", err)
		}
		t.Form = &f
		return nil
	}},
	// The licence type (证照类型) as its JSON, like the form: optional.
	{"licence", licenceHeader, func(t *Item) string {
		if t.Licence == nil {
			return ""
		}
		b, _ := json.Marshal(t.Licence)
		return string(b)
	}, func(t *Item, v string) error {
		t.Licence = nil
		if strings.TrimSpace(v) == "" {
			return nil
		}
		var l LicenceType
		dec := json.NewDecoder(strings.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return fmt.Errorf("证照类型应为导出时的 JSON 格式：%v", err)
		}
		t.Licence = &l
		return nil
	}},
	// 涉及投资项目 (issue 14 item 6): optional, like the form.
	boolCol("investment", investmentHeader, func(t *Item) *bool { return &t.Investment }),
	{"updated_at", "更新时间", func(t *Item) string {
		if t.UpdatedAt.IsZero() {
			return ""
		}
		return t.UpdatedAt.Format(time.RFC3339Nano)
	}, func(t *Item, v string) error {
		if v == "" {
			return nil
		}
		ts, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("时间格式应为 RFC 3339（如 2026-11-26T09:30:00+08:00）")
		}
		t.UpdatedAt = ts
		return nil
	}},
}

var basisCols = []column[Basis]{
	strCol("law", "法律法规名称", func(b *Basis) *string { return &b.Law }),
	strCol("article", "条款", func(b *Basis) *string { return &b.Article }),
	strCol("text", "条款内容", func(b *Basis) *string { return &b.Text }),
}

var materialCols = []column[Material]{
	strCol("name", "材料名称", func(m *Material) *string { return &m.Name }),
	strCol("basis", "依据", func(m *Material) *string { return &m.Basis }),
	codeCol("form", "材料形式", MaterialForms, func(m *Material) *string { return &m.Form }),
	intCol("copies", "份数", func(m *Material) *int { return &m.Copies }),
	strCol("spec", "规格", func(m *Material) *string { return &m.Spec }),
	boolCol("signature", "需签字", func(m *Material) *bool { return &m.Signature }),
	boolCol("seal", "需盖章", func(m *Material) *bool { return &m.Seal }),
	codeCol("source", "来源渠道", MaterialSources, func(m *Material) *string { return &m.Source }),
	strCol("issuer", "出具机构", func(m *Material) *string { return &m.Issuer }),
	codeCol("required", "必要性", Necessities, func(m *Material) *string { return &m.Required }),
	strCol("notes", "受理标准及说明", func(m *Material) *string { return &m.Notes }),
	strCol("guide", "填报须知", func(m *Material) *string { return &m.Guide }),
	attachCol("blank_form", "空白表格", func(m *Material) **Attachment { return &m.BlankForm }),
	attachCol("sample", "示例样表", func(m *Material) **Attachment { return &m.Sample }),
	attachCol("guide_file", "填报须知文件", func(m *Material) **Attachment { return &m.GuideFile }),
	{"from_licences", "可用电子证照", func(m *Material) string { return FormatLicenceRefs(m.FromLicences) }, func(m *Material, v string) error {
		var err error
		m.FromLicences, err = ParseLicenceRefs(v)
		return err
	}},
	listCol[Material]("from_materials", "可复用的已交材料", nil, func(m *Material) *[]string { return &m.FromMaterials }),
}

var stepCols = []column[Step]{
	strCol("name", "环节名称", func(s *Step) *string { return &s.Name }),
	strCol("post", "责任岗位", func(s *Step) *string { return &s.Post }),
	strCol("person", "责任人", func(s *Step) *string { return &s.Person }),
	strCol("phone", "联系电话", func(s *Step) *string { return &s.Phone }),
	intCol("limit_days", "时限（工作日）", func(s *Step) *int { return &s.LimitDays }),
	strCol("note", "说明", func(s *Step) *string { return &s.Note }),
}

var feeCols = []column[Fee]{
	strCol("name", "收费项目", func(f *Fee) *string { return &f.Name }),
	strCol("standard", "收费标准", func(f *Fee) *string { return &f.Standard }),
	strCol("basis", "收费依据", func(f *Fee) *string { return &f.Basis }),
	{"amount_cents", "单价（分）", func(f *Fee) string { return strconv.FormatInt(f.AmountCents, 10) }, func(f *Fee, v string) error {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return fmt.Errorf("应为整数（以分为单位），而不是“%s”", v)
		}
		f.AmountCents = n
		return nil
	}},
	strCol("unit", "计费单位", func(f *Fee) *string { return &f.Unit }),
	strCol("relief", "减免政策", func(f *Fee) *string { return &f.Relief }),
}

var faqCols = []column[FAQ]{
	strCol("q", "问题", func(f *FAQ) *string { return &f.Q }),
	strCol("a", "解答", func(f *FAQ) *string { return &f.A }),
}

// child describes a sheet of repeated entries.
type child struct {
	sheet string
	field string // the item's JSON key
}

var children = []child{{sheetBasis, "basis"}, {sheetMaterials, "materials"}, {sheetSteps, "steps"}, {sheetFees, "fees"}, {sheetFAQ, "faq"}}

func colName(i int) string {
	n, _ := excelize.ColumnNumberToName(i + 1)
	return n
}

// WriteXLSX writes items as a workbook. deptName, when given, adds a
// read-only column with the department's name for people reading the file.
func WriteXLSX(w io.Writer, items []*Item, deptName func(code string) string) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DCE6F2"}, Pattern: 1}})
	writeSheet := func(name string, headers []string, rows [][]string) error {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
		for c, h := range headers {
			cell, _ := excelize.CoordinatesToCellName(c+1, 1)
			if err := f.SetCellStr(name, cell, h); err != nil {
				return err
			}
		}
		for r, row := range rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
				if err := f.SetCellStr(name, cell, v); err != nil {
					return err
				}
			}
		}
		last, _ := excelize.CoordinatesToCellName(len(headers), 1)
		_ = f.SetCellStyle(name, "A1", last, bold)
		_ = f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
		_ = f.SetColWidth(name, "A", colName(len(headers)-1), 16)
		return nil
	}
	// Items.
	headers := make([]string, 0, len(itemCols)+1)
	for _, c := range itemCols {
		headers = append(headers, c.header)
	}
	if deptName != nil {
		headers = append(headers, "实施主体名称（仅供查看）")
	}
	var rows [][]string
	for _, it := range items {
		row := make([]string, 0, len(headers))
		for _, c := range itemCols {
			row = append(row, c.get(it))
		}
		if deptName != nil {
			row = append(row, deptName(it.Dept))
		}
		rows = append(rows, row)
	}
	if err := writeSheet(sheetItems, headers, rows); err != nil {
		return err
	}
	if err := writeChild(writeSheet, sheetBasis, basisCols, items, func(it *Item) []Basis { return it.Basis }); err != nil {
		return err
	}
	if err := writeChild(writeSheet, sheetMaterials, materialCols, items, func(it *Item) []Material { return it.Materials }); err != nil {
		return err
	}
	if err := writeChild(writeSheet, sheetSteps, stepCols, items, func(it *Item) []Step { return it.Steps }); err != nil {
		return err
	}
	if err := writeChild(writeSheet, sheetFees, feeCols, items, func(it *Item) []Fee { return it.Fees }); err != nil {
		return err
	}
	if err := writeChild(writeSheet, sheetFAQ, faqCols, items, func(it *Item) []FAQ { return it.FAQ }); err != nil {
		return err
	}
	if err := writeSheet(sheetReadme, []string{"说明"}, readmeRows()); err != nil {
		return err
	}
	_ = f.SetColWidth(sheetReadme, "A", "A", 120)
	f.DeleteSheet("Sheet1")
	idx, _ := f.GetSheetIndex(sheetItems)
	f.SetActiveSheet(idx)
	return f.Write(w)
}

func readmeRows() [][]string {
	names := func(s codeSet) string {
		var l []string
		for _, e := range s {
			l = append(l, e.Name)
		}
		return strings.Join(l, "、")
	}
	lines := []string{
		"本工作簿是宁陕县政务服务事项清单的导出文件，可修改后整体导入；导入时任何一处错误都会导致整个文件不被导入，并逐条列出错误所在的工作表、行和列。",
		"“事项”工作表每行一个事项；“设定依据”“申请材料”“办理流程”“收费”“常见问题”工作表每行一个条目，以“基本编码”关联事项、以“序号”排序。",
		"事项类型：" + names(Types) + "。办件类型：" + names(Kinds) + "。适用层级：" + names(Levels) + "。服务对象：" + names(Audiences) + "。",
		"材料形式：" + names(MaterialForms) + "。来源渠道：" + names(MaterialSources) + "。必要性：" + names(Necessities) + "。网上办理深度：" + names(OnlineDepths) + "。",
		"“俗称”填写群众对该事项的日常说法（如“低保”“开饭店”“盖房”），每个不超过 20 个字，最多 20 个；网上办事大厅按事项名称、俗称及其拼音查找事项。",
		"多个值之间用顿号“、”分隔。是否类的列填“是”或“否”。收费单价以分为单位；不收费的事项在“收费”工作表中没有条目。",
		"承诺办结时限原则上比法定时限压缩 30% 以上；不能压缩的须在“时限说明”中写明理由。即办件的承诺时限为 0。",
		"“版本”和“更新时间”由系统维护，导入时不会改变；把“事项状态”改为“已取消”即取消该事项。",
	}
	rows := make([][]string, len(lines))
	for i, l := range lines {
		rows[i] = []string{l}
	}
	return rows
}

func writeChild[T any](write func(string, []string, [][]string) error, sheet string, cols []column[T], items []*Item, list func(*Item) []T) error {
	headers := []string{"基本编码", "序号"}
	for _, c := range cols {
		headers = append(headers, c.header)
	}
	// The 实施编码 last: the entries of one county's item, when several
	// counties implement the code (resolve.go); optional on reading.
	headers = append(headers, childImplHeader)
	var rows [][]string
	for _, it := range items {
		l := list(it)
		for i := range l {
			row := []string{it.Code, strconv.Itoa(i + 1)}
			for _, c := range cols {
				row = append(row, c.get(&l[i]))
			}
			row = append(row, it.ImplCode)
			rows = append(rows, row)
		}
	}
	return write(sheet, headers, rows)
}
