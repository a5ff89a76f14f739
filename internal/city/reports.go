package city

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"zwfw"
	"zwfw/internal/calendar"
)

// Report is the city-wide report of a month or a quarter (全市政务服务
// 月报、季报): the figures of every county and of every department of each
// county, as the dashboard computes them, downloadable as Excel.
type Report struct {
	Period   string  `json:"period"` // 2026-11 or 2026-Q4
	Title    string  `json:"title"`
	From     string  `json:"from"`
	To       string  `json:"to"`
	Made     string  `json:"generated_at"`
	Totals   Figures `json:"totals"`
	ByCounty []Row   `json:"by_county"`
	ByDept   []Row   `json:"by_dept"` // each county's departments, by county
}

var (
	monthRE   = regexp.MustCompile(`^(\d{4})-(0[1-9]|1[0-2])$`)
	quarterRE = regexp.MustCompile(`^(\d{4})-Q([1-4])$`)
)

// ReportPeriod is the first and last day and the title of a report period:
// a month (2026-11) or a quarter (2026-Q4).
func ReportPeriod(p string) (from, to time.Time, title string, err error) {
	if m := monthRE.FindStringSubmatch(p); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		from = time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, zwfw.Zone)
		return from, from.AddDate(0, 1, -1), fmt.Sprintf("%d年%d月", y, mo), nil
	}
	if m := quarterRE.FindStringSubmatch(p); m != nil {
		y, _ := strconv.Atoi(m[1])
		q, _ := strconv.Atoi(m[2])
		from = time.Date(y, time.Month(q*3-2), 1, 0, 0, 0, 0, zwfw.Zone)
		return from, from.AddDate(0, 3, -1), fmt.Sprintf("%d年第%s季度", y, []string{"", "一", "二", "三", "四"}[q]), nil
	}
	return from, to, "", zwfw.Errorf(zwfw.EINVALID, "报表期间应为月份（如 2026-11）或季度（如 2026-Q4），而不是“%s”", p)
}

// ReportPeriods are the months and quarters offered for download: the
// last twelve months and the last four quarters, the current ones first.
func (s *Service) ReportPeriods() (months, quarters []string) {
	today := calendar.Date(s.now().In(zwfw.Zone))
	m := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, today.Location())
	for i := 0; i < 12; i++ {
		months = append(months, m.AddDate(0, -i, 0).Format("2006-01"))
	}
	q := time.Date(today.Year(), (today.Month()-1)/3*3+1, 1, 0, 0, 0, 0, today.Location())
	for i := 0; i < 4; i++ {
		d := q.AddDate(0, -3*i, 0)
		quarters = append(quarters, fmt.Sprintf("%d-Q%d", d.Year(), (int(d.Month())-1)/3+1))
	}
	return months, quarters
}

// Report computes the city-wide report of a month or quarter.
func (s *Service) Report(ctx context.Context, a *zwfw.Actor, period string) (*Report, error) {
	from, to, title, err := ReportPeriod(period)
	if err != nil {
		return nil, err
	}
	f := Filter{Period: PeriodCustom, From: from.Format(calendar.DateLayout), To: to.Format(calendar.DateLayout)}
	ov, err := s.Overview(ctx, a, f)
	if err != nil {
		return nil, err
	}
	rep := &Report{Period: period, Title: "全市政务服务" + title + "统计报表", From: ov.From, To: ov.To,
		Made: s.now().In(zwfw.Zone).Format("2006-01-02 15:04"), Totals: ov.Totals, ByCounty: ov.ByCounty}
	byDept, err := s.rollup(ctx, from, to, "")
	if err != nil {
		return nil, err
	}
	warn, err := s.warnings(ctx, "")
	if err != nil {
		return nil, err
	}
	all := map[deptKey]*Row{}
	for _, m := range []map[deptKey]*Row{byDept, warn} {
		for k, r := range m {
			d := all[k]
			if d == nil {
				d = &Row{County: k.county, Code: k.dept, Name: r.Name}
				all[k] = d
			}
			d.add(&r.Figures)
		}
	}
	for _, d := range all {
		d.rates()
		if d.Name == "" {
			d.Name = "未注明部门"
		}
		rep.ByDept = append(rep.ByDept, *d)
	}
	slices.SortFunc(rep.ByDept, func(a, b Row) int {
		if c := strings.Compare(a.County, b.County); c != 0 {
			return c
		}
		return strings.Compare(a.Code, b.Code)
	})
	return rep, nil
}

// FileName is the report's download name.
func (rep *Report) FileName() string { return rep.Title + ".xlsx" }

func rate(v *float64) any {
	if v == nil {
		return "—"
	}
	return *v
}

func figureCells(f Figures) []any {
	avg := any("—")
	if f.AvgHandledDays != nil {
		avg = *f.AvgHandledDays
	}
	return []any{f.Filed, f.Accepted, f.Rejected, f.Completed, f.OnTime, f.Late, rate(f.OnTimeRate), avg,
		f.Ratings, f.Good, rate(f.GoodRate), rate(f.SatisfiedRate), f.Open, f.Yellow, f.Red}
}

var figureHeader = []string{"申报（件）", "受理（件）", "不予受理（件）", "办结（件）", "按期办结（件）", "超期办结（件）", "按期办结率（%）",
	"平均办理用时（工作日）", "评价（次）", "好评（次）", "好评率（%）", "满意率（%）", "在办（件）", "黄牌预警（件）", "红牌超期（件）"}

// XLSX is the report as an Excel workbook: 概况, 按县区, 按部门.
func (rep *Report) XLSX(counties map[string]string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	head, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DCE6F2"}, Pattern: 1},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"}})
	write := func(name string, header []string, rows [][]any) error {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
		if err := f.SetSheetRow(name, "A1", &header); err != nil {
			return err
		}
		for i, row := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				return err
			}
		}
		last, _ := excelize.CoordinatesToCellName(len(header), 1)
		_ = f.SetCellStyle(name, "A1", last, head)
		lastCol, _ := excelize.ColumnNumberToName(len(header))
		_ = f.SetColWidth(name, "A", lastCol, 13)
		_ = f.SetRowHeight(name, 1, 32)
		return f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	}
	t := rep.Totals
	summary := [][]any{{"标题", rep.Title}, {"统计期间", rep.From + " 至 " + rep.To}, {"生成时间", rep.Made},
		{"县区数", len(rep.ByCounty)}, {"申报（件）", t.Filed}, {"受理（件）", t.Accepted}, {"办结（件）", t.Completed},
		{"按期办结率（%）", rate(t.OnTimeRate)}, {"好评率（%）", rate(t.GoodRate)}, {"满意率（%）", rate(t.SatisfiedRate)},
		{"在办（件，生成时）", t.Open}, {"黄牌预警（件，生成时）", t.Yellow}, {"红牌超期（件，生成时）", t.Red},
		{"说明", "申报、受理、办结、评价按事件发生日期统计；在办、黄牌、红牌为生成报表时的在办件。数据来自各县区平台经数据交换推送的办件事件。"}}
	if err := write("概况", []string{"项目", "内容"}, summary); err != nil {
		return nil, err
	}
	_ = f.SetColWidth("概况", "B", "B", 60)
	var rows [][]any
	for _, c := range rep.ByCounty {
		rows = append(rows, append([]any{c.Code, c.Name}, figureCells(c.Figures)...))
	}
	rows = append(rows, append([]any{"", "合计"}, figureCells(t)...))
	if err := write("按县区", append([]string{"区划代码", "县区"}, figureHeader...), rows); err != nil {
		return nil, err
	}
	rows = nil
	for _, d := range rep.ByDept {
		rows = append(rows, append([]any{counties[d.County], d.Code, d.Name}, figureCells(d.Figures)...))
	}
	if err := write("按部门", append([]string{"县区", "部门代码", "部门"}, figureHeader...), rows); err != nil {
		return nil, err
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

// Counties are the names of the counties heard from, by code.
func (s *Service) Counties(ctx context.Context) (map[string]string, error) {
	m, _, err := s.counties(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(m))
	for k, r := range m {
		out[k] = r.Name
	}
	return out, nil
}
