package complaint

import (
	"bytes"

	"github.com/xuri/excelize/v2"
)

// XLSX exports the statistics as a workbook with the sheets 按承办单位,
// 按类别 and 按评价结果. No complainant appears in it.
func (st *Stats) XLSX() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DCE6F2"}, Pattern: 1}})
	title := "投诉建议统计（" + st.From + " 至 " + st.To + "）"
	header := []string{"", "合计", "投诉", "建议", "咨询", "表扬", "已答复", "按期答复", "超期", "满意", "基本满意", "不满意", "重新办理", "未办结"}
	line := func(name string, c Counts) []any {
		return []any{name, c.Total, c.Complaints, c.Suggestions, c.Inquiries, c.Praise, c.Answered, c.OnTime, c.Overdue,
			c.Satisfied, c.Basic, c.Dissatisfied, c.Reopened, c.Open}
	}
	sheets := []struct {
		name, first string
		lines       []Line
	}{
		{"按承办单位", "承办单位", st.ByUnit},
		{"按类别", "所涉方面", st.ByCategory},
		{"按评价结果", "评价结果", st.ByOutcome},
	}
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(sh.name); err != nil {
			return nil, err
		}
		h := append([]string{sh.first}, header[1:]...)
		rows := [][]any{{title}, toAny(h)}
		for _, l := range sh.lines {
			rows = append(rows, line(l.Name, l.Counts))
		}
		rows = append(rows, line("合计", st.All))
		for r, row := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(sh.name, cell, &row); err != nil {
				return nil, err
			}
		}
		last, _ := excelize.CoordinatesToCellName(len(h), 2)
		_ = f.SetCellStyle(sh.name, "A2", last, bold)
		_ = f.SetColWidth(sh.name, "A", "A", 28)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}
