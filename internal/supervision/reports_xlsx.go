package supervision

import (
	"bytes"
	"fmt"

	"github.com/xuri/excelize/v2"

	"zwfw/internal/db"
)

// sheet is one sheet of a report's Excel export: a header row, then rows.
type sheet struct {
	name   string
	header []string
	rows   [][]any
}

// XLSX exports a published report as an Excel workbook: a sheet 概况 with
// the heading, then the kind's sheets (one per section of the report),
// figures as numbers.
func (rep *Report) XLSX() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DCE6F2"}, Pattern: 1}})
	write := func(s sheet) error {
		if _, err := f.NewSheet(s.name); err != nil {
			return err
		}
		for c, h := range s.header {
			cell, _ := excelize.CoordinatesToCellName(c+1, 1)
			if err := f.SetCellValue(s.name, cell, h); err != nil {
				return err
			}
		}
		for r, row := range s.rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
				if err := f.SetCellValue(s.name, cell, v); err != nil {
					return err
				}
			}
		}
		if len(s.header) > 0 {
			last, _ := excelize.CoordinatesToCellName(len(s.header), 1)
			_ = f.SetCellStyle(s.name, "A1", last, bold)
			lastCol, _ := excelize.ColumnNumberToName(len(s.header))
			_ = f.SetColWidth(s.name, "A", lastCol, 14)
		}
		return nil
	}
	gen := rep.GeneratedBy
	if gen == "system" {
		gen = "系统定时生成"
	}
	sheets := []sheet{{"概况", []string{"项目", "内容"}, [][]any{{"标题", rep.Title}, {"编号", rep.Number}, {"版次", rep.Revision},
		{"统计范围", rep.OrgName}, {"统计期间", rep.PeriodName}, {"起止日期", rep.From + " 至 " + rep.To}, {"发布单位", rep.Centre},
		{"生成", gen + " " + rep.GeneratedAt.In(db.Zone).Format("2006-01-02 15:04")}}}}
	if k := findKind(rep.Kind); k != nil {
		sheets = append(sheets, k.sheets(rep)...)
	}
	for _, s := range sheets {
		if err := write(s); err != nil {
			return nil, fmt.Errorf("supervision: xlsx: %w", err)
		}
	}
	f.DeleteSheet("Sheet1")
	if idx, err := f.GetSheetIndex("概况"); err == nil {
		f.SetActiveSheet(idx)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// FileName is the download name of a report's export: 月通报〔2026〕3号.xlsx.
func (rep *Report) FileName(ext string) string {
	return rep.Number + "." + ext
}

// rate is a percentage as a number, or a dash without data.
func xlsxRate(r *float64) any {
	if r == nil {
		return "—"
	}
	return *r
}

var caseHeader = []string{"序号", "办件编号", "事项", "承办部门", "受理机构", "状态", "办结期限", "说明"}

// caseSheet lists the cases of a report's list.
func caseSheet(name string, l CaseList) sheet {
	var rows [][]any
	for i, c := range l.Cases {
		rows = append(rows, []any{i + 1, c.Serial, c.ItemName, c.DeptName, c.OrgName, c.StatusName, c.Deadline, c.Note})
	}
	return sheet{name, caseHeader, rows}
}

var unitHeader = []string{"排名", "代码", "名称", "收件", "办结", "按时办结", "按时办结率(%)", "评价", "满意", "满意率(%)", "差评", "确认差错"}

// unitSheet lists the figures of units.
func unitSheet(name string, us []*Unit) sheet {
	var rows [][]any
	for _, u := range us {
		rows = append(rows, []any{u.Rank, u.Code, u.Name, u.Received, u.Completed, u.OnTime, xlsxRate(u.OnTimeRate), u.Evaluated, u.Satisfied, xlsxRate(u.Satisfaction), u.Complaints, u.Errors})
	}
	return sheet{name, unitHeader, rows}
}

var scoreHeader = []string{"排名", "代码", "名称", "办结", "按时办结率(%)", "按时办结得分", "评价", "满意率(%)", "满意得分", "确认差错", "差错扣分", "差评", "差评扣分", "总分"}

// scoreSheet lists the assessment scores of units.
func scoreSheet(name string, us []*Unit) sheet {
	var rows [][]any
	for _, u := range us {
		rows = append(rows, []any{u.Rank, u.Code, u.Name, u.Completed, xlsxRate(u.OnTimeRate), u.Score.OnTime, u.Evaluated, xlsxRate(u.Satisfaction),
			u.Score.Satisfaction, u.Errors, u.Score.Errors, u.Complaints, u.Score.Complaints, u.Score.Total})
	}
	return sheet{name, scoreHeader, rows}
}
