package catalog

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"zwfw"

	"github.com/xuri/excelize/v2"
)

// Reading a catalog workbook back (ReadXLSX), with where each value came
// from for the errors.

// cellRef is where a value came from.
type cellRef struct {
	sheet string
	row   int
	col   int
	head  string
}

func (c cellRef) column() string {
	return fmt.Sprintf("%s!%s列（%s）", c.sheet, colName(c.col), c.head)
}

// xlsxLocator remembers where every element of every item was read from.
type xlsxLocator struct {
	itemRow  []int                        // item index → row on the items sheet
	itemCol  map[string]cellRef           // field key → column on the items sheet
	children map[string][]map[int]cellRef // "materials" → item index → entry index → row (col unset)
	childCol map[string]map[string]cellRef
}

var pathRE = regexp.MustCompile(`^([a-z_]+)(?:\[(\d+)\](?:\.([a-z_]+))?)?`)

func (l *xlsxLocator) locate(item int, field string) (int, string) {
	g := pathRE.FindStringSubmatch(field)
	if g == nil || item < 0 || item >= len(l.itemRow) {
		return item + 2, field
	}
	key := g[1]
	if per, ok := l.children[key]; ok && g[2] != "" {
		idx, _ := strconv.Atoi(g[2])
		if ref, ok := per[item][idx]; ok {
			col := "序号"
			if c, ok := l.childCol[key][g[3]]; ok {
				ref.col, ref.head = c.col, c.head
				return ref.row, ref.column()
			}
			return ref.row, ref.sheet + "!" + col
		}
	}
	if per, ok := l.children[key]; ok {
		_ = per
		for _, ch := range children {
			if ch.field == key {
				return l.itemRow[item], sheetItems + "!基本编码（" + ch.sheet + "）"
			}
		}
	}
	if c, ok := l.itemCol[key]; ok {
		c.row = l.itemRow[item]
		return c.row, c.column()
	}
	return l.itemRow[item], sheetItems + "!" + label(key)
}

// ReadXLSX reads a workbook written by WriteXLSX (or filled in by hand in
// the same layout). Cells that cannot be read are reported with their sheet,
// row and column; on success it returns the items and a Locator for the
// validation errors of the import that follows.
func ReadXLSX(r io.Reader) ([]*Item, Locator, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, nil, zwfw.Errorf(zwfw.EINVALID, "无法读取 Excel 文件：请上传 .xlsx 格式的事项清单")
	}
	defer f.Close()
	var problems []zwfw.ErrorDetail
	bad := func(ref cellRef, msg string) {
		problems = append(problems, zwfw.ErrorDetail{Row: ref.row, Column: ref.column(), Message: msg})
	}
	loc := &xlsxLocator{itemCol: map[string]cellRef{}, children: map[string][]map[int]cellRef{}, childCol: map[string]map[string]cellRef{}}

	rows, err := f.GetRows(sheetItems)
	if err != nil || len(rows) < 2 {
		return nil, nil, zwfw.Errorf(zwfw.EINVALID, "Excel 文件中没有“%s”工作表或其中没有事项", sheetItems)
	}
	idx, missing := headerIndex(rows[0], len(itemCols), func(i int) string { return itemCols[i].header })
	if missing != "" {
		return nil, nil, &zwfw.Error{Code: zwfw.EINVALID, Message: fmt.Sprintf("“%s”工作表缺少“%s”列", sheetItems, missing),
			Details: []zwfw.ErrorDetail{{Row: 1, Column: sheetItems + "!" + missing, Message: "缺少列"}}}
	}
	for i, c := range itemCols {
		loc.itemCol[c.key] = cellRef{sheet: sheetItems, col: idx[i], head: c.header}
	}
	var items []*Item
	byCode := map[string]int{}
	keys := childKeys{impl: map[string]int{}, shared: map[string]bool{}}
	for r := 1; r < len(rows); r++ {
		row := rows[r]
		if blank(row) {
			continue
		}
		it := &Item{}
		for i, c := range itemCols {
			if err := c.set(it, cell(row, idx[i])); err != nil {
				bad(cellRef{sheetItems, r + 1, idx[i], c.header}, err.Error())
			}
		}
		items = append(items, it)
		loc.itemRow = append(loc.itemRow, r+1)
		if _, dup := byCode[it.Code]; !dup {
			byCode[it.Code] = len(items) - 1
		} else {
			keys.shared[it.Code] = true
		}
		if _, dup := keys.impl[it.ImplCode]; !dup {
			keys.impl[it.ImplCode] = len(items) - 1
		}
	}
	keys.code = byCode
	readChild(f, sheetBasis, "basis", basisCols, items, keys, loc, bad, func(it *Item, e Basis) { it.Basis = append(it.Basis, e) })
	readChild(f, sheetMaterials, "materials", materialCols, items, keys, loc, bad, func(it *Item, e Material) { it.Materials = append(it.Materials, e) })
	readChild(f, sheetSteps, "steps", stepCols, items, keys, loc, bad, func(it *Item, e Step) { it.Steps = append(it.Steps, e) })
	readChild(f, sheetFees, "fees", feeCols, items, keys, loc, bad, func(it *Item, e Fee) { it.Fees = append(it.Fees, e) })
	readChild(f, sheetFAQ, "faq", faqCols, items, keys, loc, bad, func(it *Item, e FAQ) { it.FAQ = append(it.FAQ, e) })
	if len(problems) > 0 {
		return nil, nil, importError(problems)
	}
	if len(items) == 0 {
		return nil, nil, zwfw.Errorf(zwfw.EINVALID, "Excel 文件中没有事项")
	}
	for _, it := range items {
		it.Normalise()
	}
	return items, loc.locate, nil
}

// formHeader and licenceHeader are the headers of the optional columns
// (workbooks made before forms or licence types existed still import).
const (
	formHeader    = "申请表（JSON）"
	licenceHeader = "证照类型（JSON）"
	// investmentHeader is 涉及投资项目's (issue 14 item 6), optional too.
	investmentHeader = "涉及投资项目"
)

func headerIndex(header []string, n int, name func(int) string) ([]int, string) {
	pos := map[string]int{}
	for i, h := range header {
		pos[strings.TrimSpace(h)] = i
	}
	idx := make([]int, n)
	for i := 0; i < n; i++ {
		p, ok := pos[name(i)]
		if !ok && (name(i) == formHeader || name(i) == licenceHeader || name(i) == investmentHeader) {
			p = 1 << 30 // read as empty
		} else if !ok {
			return nil, name(i)
		}
		idx[i] = p
	}
	return idx, ""
}

func cell(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}

func blank(row []string) bool {
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// childImplHeader heads the child sheets' optional last column.
const childImplHeader = "实施编码"

// childKeys find the item a child sheet's row belongs to: by its 实施编码
// when the row has one, else by its 基本编码 unless several items share it.
type childKeys struct {
	code, impl map[string]int
	shared     map[string]bool
}

func readChild[T any](f *excelize.File, sheet, field string, cols []column[T], items []*Item, keys childKeys,
	loc *xlsxLocator, bad func(cellRef, string), add func(*Item, T)) {
	rows, err := f.GetRows(sheet)
	if err != nil || len(rows) == 0 {
		return // an absent sheet means no entries of that kind
	}
	names := append([]string{"基本编码", "序号"}, func() []string {
		var h []string
		for _, c := range cols {
			h = append(h, c.header)
		}
		return h
	}()...)
	idx, missing := headerIndex(rows[0], len(names), func(i int) string { return names[i] })
	if missing != "" {
		bad(cellRef{sheet, 1, 0, missing}, fmt.Sprintf("“%s”工作表缺少“%s”列", sheet, missing))
		return
	}
	implCol := -1
	for i, h := range rows[0] {
		if strings.TrimSpace(h) == childImplHeader {
			implCol = i
		}
	}
	loc.childCol[field] = map[string]cellRef{}
	for i, c := range cols {
		loc.childCol[field][c.key] = cellRef{sheet: sheet, col: idx[i+2], head: c.header}
	}
	per := make([]map[int]cellRef, len(items))
	for i := range per {
		per[i] = map[int]cellRef{}
	}
	loc.children[field] = per
	last := map[int]int{}
	for r := 1; r < len(rows); r++ {
		row := rows[r]
		if blank(row) {
			continue
		}
		code := strings.TrimSpace(cell(row, idx[0]))
		i, ok := keys.code[code]
		impl := ""
		if implCol >= 0 {
			impl = strings.TrimSpace(cell(row, implCol))
		}
		if impl != "" {
			if i, ok = keys.impl[impl]; !ok {
				bad(cellRef{sheet, r + 1, implCol, childImplHeader}, fmt.Sprintf("实施编码 %s 在“%s”工作表中不存在", impl, sheetItems))
				continue
			}
		} else if ok && keys.shared[code] {
			bad(cellRef{sheet, r + 1, idx[0], "基本编码"}, fmt.Sprintf("基本编码 %s 在“%s”工作表中有多个实施机构，请填写实施编码", code, sheetItems))
			continue
		}
		if !ok {
			bad(cellRef{sheet, r + 1, idx[0], "基本编码"}, fmt.Sprintf("基本编码 %s 在“%s”工作表中不存在", code, sheetItems))
			continue
		}
		seq, err := strconv.Atoi(strings.TrimSpace(cell(row, idx[1])))
		if err != nil || seq != last[i]+1 {
			bad(cellRef{sheet, r + 1, idx[1], "序号"}, fmt.Sprintf("序号应为 %d（同一事项的条目须从 1 起连续编号）", last[i]+1))
			continue
		}
		last[i] = seq
		var e T
		for k, c := range cols {
			if err := c.set(&e, cell(row, idx[k+2])); err != nil {
				bad(cellRef{sheet, r + 1, idx[k+2], c.header}, err.Error())
			}
		}
		per[i][seq-1] = cellRef{sheet: sheet, row: r + 1}
		add(items[i], e)
	}
}
