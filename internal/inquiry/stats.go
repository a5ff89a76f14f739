package inquiry

import (
	"bytes"
	"context"

	"zwfw"

	"github.com/xuri/excelize/v2"
)

// StatRow is one organisation's figures (or the total): how many
// inquiries by channel, how many answered on the spot, referred and still
// open, and the average time to the answer or referral.
type StatRow struct {
	OrgCode    string  `json:"org_code,omitempty"`
	OrgName    string  `json:"org_name"`
	Total      int     `json:"total"`
	Visit      int     `json:"visit"`
	Phone      int     `json:"phone"`
	Letter     int     `json:"letter"`
	Online     int     `json:"online"`
	Answered   int     `json:"answered"`
	Referred   int     `json:"referred"`
	Open       int     `json:"open"`
	AvgSeconds float64 `json:"avg_seconds"` // over the answered and referred ones
	timed      int
	sumSec     int64
}

// Stats are the register's statistics over a period.
type Stats struct {
	From  string     `json:"from,omitempty"`
	To    string     `json:"to,omitempty"`
	Rows  []*StatRow `json:"rows"`
	Total *StatRow   `json:"total"`
}

// Stats counts the records in the actor's reach (by the organisation that
// answered first) in the period f.From–f.To (other filters apply too).
func (s *Service) Stats(ctx context.Context, actor *zwfw.Actor, f Query) (*Stats, error) {
	if err := MayRead(actor); err != nil {
		return nil, err
	}
	where, args, err := s.where(actor, f)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT o.code, CASE WHEN o.full_name = '' THEN o.name ELSE o.full_name END, q.channel, q.status, q.seconds
		FROM inquiries q JOIN orgs o ON o.id = q.org_id
		LEFT JOIN inquiry_referrals rf ON rf.inquiry_id = q.id LEFT JOIN orgs t ON t.id = rf.to_org_id
		WHERE `+where+` ORDER BY o.sort, o.code`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	st := &Stats{From: f.From, To: f.To, Rows: []*StatRow{}, Total: &StatRow{OrgName: "合计"}}
	byOrg := map[string]*StatRow{}
	for rows.Next() {
		var code, name, channel, status string
		var sec int64
		if err := rows.Scan(&code, &name, &channel, &status, &sec); err != nil {
			return nil, err
		}
		r := byOrg[code]
		if r == nil {
			r = &StatRow{OrgCode: code, OrgName: name}
			byOrg[code] = r
			st.Rows = append(st.Rows, r)
		}
		r.add(channel, status, sec)
		st.Total.add(channel, status, sec)
	}
	return st, rows.Err()
}

func (r *StatRow) add(channel, status string, seconds int64) {
	r.Total++
	switch channel {
	case Visit:
		r.Visit++
	case Phone:
		r.Phone++
	case Letter:
		r.Letter++
	case Online:
		r.Online++
	}
	switch status {
	case Answered:
		r.Answered++
	case Referred:
		r.Referred++
	default:
		r.Open++
	}
	if status != Open {
		r.timed++
		r.sumSec += seconds
		r.AvgSeconds = float64(r.sumSec) / float64(r.timed)
	}
}

// AvgText is the average time as people read it: 3分20秒.
func (r *StatRow) AvgText() string { return Duration(int64(r.AvgSeconds + 0.5)) }

// Duration writes seconds as 1小时2分3秒 (the largest units that apply).
func Duration(sec int64) string {
	if sec <= 0 {
		return "—"
	}
	h, m, s := sec/3600, sec%3600/60, sec%60
	out := ""
	if h > 0 {
		out += itoa(h) + "小时"
	}
	if m > 0 {
		out += itoa(m) + "分"
	}
	if s > 0 && h == 0 {
		out += itoa(s) + "秒"
	}
	return out
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// XLSX exports the statistics as an Excel workbook.
func (st *Stats) XLSX(title string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "首问登记统计"
	if _, err := f.NewSheet(sheet); err != nil {
		return nil, err
	}
	_ = f.DeleteSheet("Sheet1")
	period := "全部"
	if st.From != "" || st.To != "" {
		period = st.From + " 至 " + st.To
	}
	rows := [][]any{{title + "（" + period + "）"},
		{"机构", "合计", "来访", "来电", "来信", "网上", "当场答复", "转办", "待答复", "平均用时（秒）", "平均用时"}}
	for _, r := range append(append([]*StatRow{}, st.Rows...), st.Total) {
		rows = append(rows, []any{r.OrgName, r.Total, r.Visit, r.Phone, r.Letter, r.Online, r.Answered, r.Referred, r.Open,
			int64(r.AvgSeconds + 0.5), r.AvgText()})
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			return nil, err
		}
	}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DCE6F2"}, Pattern: 1}})
	_ = f.SetCellStyle(sheet, "A2", "K2", bold)
	_ = f.SetColWidth(sheet, "A", "A", 28)
	_ = f.SetColWidth(sheet, "B", "K", 12)
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
