package attendance

import (
	"bytes"

	"github.com/xuri/excelize/v2"
)

// XLSX exports a summary as an Excel workbook: 汇总 (one row per person)
// and 每日明细 (one row per person and working day, with the punches).
func (s *Summary) XLSX(title string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DCE6F2"}, Pattern: 1}})
	write := func(name string, header []string, rows [][]any) error {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
		all := append([][]any{{title + "（" + s.From + " 至 " + s.To + "）"}}, append([][]any{toAny(header)}, rows...)...)
		for r, row := range all {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				return err
			}
		}
		last, _ := excelize.CoordinatesToCellName(len(header), 2)
		_ = f.SetCellStyle(name, "A2", last, bold)
		lastCol, _ := excelize.ColumnNumberToName(len(header))
		return f.SetColWidth(name, "A", lastCol, 14)
	}
	var sum, daily [][]any
	for _, p := range s.People {
		sum = append(sum, []any{p.Name, p.Staff, p.Centre, p.Window, p.Workdays, p.Normal, p.Late, p.Early, p.Absent, p.Missing, p.Leave})
		for _, d := range p.Days {
			first, last := "", ""
			if !d.First.IsZero() {
				first = d.First.Format("15:04:05")
			}
			if !d.Last.IsZero() && !d.Last.Equal(d.First) {
				last = d.Last.Format("15:04:05")
			}
			daily = append(daily, []any{p.Name, p.Window, d.Day, first, last, d.Names})
		}
	}
	t := s.Totals()
	sum = append(sum, []any{"合计", "", "", "", t.Workdays, t.Normal, t.Late, t.Early, t.Absent, t.Missing, t.Leave})
	if err := write("汇总", []string{"姓名", "账号", "中心", "窗口", "应出勤（天）", "正常", "迟到", "早退", "旷工", "缺卡", "请假"}, sum); err != nil {
		return nil, err
	}
	if err := write("每日明细", []string{"姓名", "窗口", "日期", "首次打卡", "末次打卡", "考勤结果"}, daily); err != nil {
		return nil, err
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
