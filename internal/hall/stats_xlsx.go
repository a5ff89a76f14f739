package hall

import (
	"bytes"

	"github.com/xuri/excelize/v2"
)

// XLSX exports the statistics as an Excel workbook with the sheets 按类别,
// 按窗口, 按人员, 按时段 and 按日. Staff appear by name; nothing about
// the people who took the numbers is in it (a ticket carries nothing).
func (st *Stats) XLSX() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DCE6F2"}, Pattern: 1}})
	title := st.Org.Name + " 排队统计（" + st.From + " 至 " + st.To + "）"
	write := func(name string, header []string, rows [][]any) error {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
		all := append([][]any{{title}}, append([][]any{toAny(header)}, rows...)...)
		for r, row := range all {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				return err
			}
		}
		last, _ := excelize.CoordinatesToCellName(len(header), 2)
		_ = f.SetCellStyle(name, "A2", last, bold)
		lastCol, _ := excelize.ColumnNumberToName(len(header))
		_ = f.SetColWidth(name, "A", "A", 24)
		return f.SetColWidth(name, "B", lastCol, 12)
	}
	header := func(first ...string) []string {
		return append(first, "取号数", "办结数", "过号数", "平均等候（分）", "等候中位数（分）", "等候P90（分）", "平均办理（分）", "办理中位数（分）", "办理P90（分）")
	}
	figures := func(r *StatRow) []any {
		m := func(n int, sec int64) any {
			if n == 0 {
				return ""
			}
			return float64(sec*10/60) / 10
		}
		return []any{r.Tickets, r.Served, r.Missed, m(r.Wait.N, r.Wait.Avg), m(r.Wait.N, r.Wait.Median), m(r.Wait.N, r.Wait.P90),
			m(r.Serve.N, r.Serve.Avg), m(r.Serve.N, r.Serve.Median), m(r.Serve.N, r.Serve.P90)}
	}
	table := func(rs []*StatRow, first func(r *StatRow) []any) [][]any {
		var out [][]any
		for _, r := range rs {
			out = append(out, append(first(r), figures(r)...))
		}
		return append(out, append([]any{"合计"}, append(make([]any, len(first(&st.Totals))-1), figures(&st.Totals)...)...))
	}
	named := func(r *StatRow) []any { return []any{r.Name, r.Centre} }
	sheets := []struct {
		name   string
		header []string
		rows   [][]any
	}{
		{"按类别", header("业务类别", "服务中心"), table(st.ByCategory, named)},
		{"按窗口", header("窗口", "服务中心"), table(st.ByWindow, named)},
		{"按人员", header("姓名", "服务中心"), table(st.ByStaff, named)},
	}
	var hours [][]any
	for _, r := range st.ByHour {
		hours = append(hours, append([]any{r.Name, float64(int(r.PerDay*10+0.5)) / 10}, figures(r)...))
	}
	sheets = append(sheets, struct {
		name   string
		header []string
		rows   [][]any
	}{"按时段", header("时段（取号时间）", "日均取号"), hours})
	var days [][]any
	for _, d := range st.ByDay {
		days = append(days, []any{d.Day, d.Tickets, d.Served, d.Missed})
	}
	days = append(days, []any{"合计", st.Totals.Tickets, st.Totals.Served, st.Totals.Missed})
	sheets = append(sheets, struct {
		name   string
		header []string
		rows   [][]any
	}{"按日", []string{"日期", "取号数", "办结数", "过号数"}, days})
	for _, s := range sheets {
		if err := write(s.name, s.header, s.rows); err != nil {
			return nil, err
		}
	}
	_ = f.DeleteSheet("Sheet1")
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
