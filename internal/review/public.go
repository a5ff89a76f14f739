package review

import (
	"context"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
	orgscope "zwfw/internal/scope"
)

// Summary is the public summary of a month's rectifications at a centre
// or department (整改结果公开, issue 11 item 7): counts, and one line for
// each work order closed — no names, no phones.
type Summary struct {
	OrgCode string        `json:"org_code"`
	OrgName string        `json:"org_name"`
	Month   string        `json:"month"`     // 2026-11
	Rows    []SummaryRow  `json:"rows"`      // per centre (where the 差评 was given)
	Owners  []SummaryRow  `json:"owners"`    // per window or department responsible
	Bad     int           `json:"bad"`       // 差评数 (cleared ones not counted)
	Done    int           `json:"rectified"` // 已整改 (result sent)
	Rate    float64       `json:"rate"`      // 整改率, percent
	Cleared int           `json:"cleared"`   // 核销的无效差评 (recorded, not counted)
	Closed  []PublicEntry `json:"closed"`
}

// SummaryRow is one centre or department's figures.
type SummaryRow struct {
	Name string  `json:"name"`
	Bad  int     `json:"bad"`
	Done int     `json:"rectified"`
	Rate float64 `json:"rate"`
}

// PublicEntry is a closed work order as the public sees it.
type PublicEntry struct {
	Number  string `json:"number"`
	Org     string `json:"org"`
	Summary string `json:"summary"`
	Closed  string `json:"closed_on"`
}

// Public is the summary of a month (YYYY-MM) under an organisation (its
// code; "" the whole tree). Anyone may read it.
func (s *Service) Public(ctx context.Context, code, month string) (*Summary, error) {
	if month == "" {
		month = calendar.Date(s.now()).Format("2006-01")
	}
	first, err := time.ParseInLocation("2006-01", month, zwfw.Zone)
	if err != nil {
		return nil, invalid("month", "月份格式应为 2026-11")
	}
	from, to := first.Format(calendar.DateLayout), first.AddDate(0, 1, 0).Format(calendar.DateLayout)
	out := &Summary{Month: month, OrgCode: code, OrgName: "全县"}
	err = s.db.ReadTx(ctx, func(q db.Querier) error {
		sc := orgscope.All
		if code != "" {
			var path string
			if err := q.QueryRow(ctx, "SELECT name, path FROM orgs WHERE code = ?", code).Scan(&out.OrgName, &path); err != nil {
				return db.NotFound(err, "机构 "+code+" 不存在")
			}
			sc = orgscope.Subtree(path)
		}
		cond, args := sc.Cond("r.org_path")
		rows, err := q.Query(ctx, `SELECT o.name,
			SUM(CASE WHEN r.status <> 'cleared' THEN 1 ELSE 0 END),
			SUM(CASE WHEN r.status IN ('followup', 'closed') THEN 1 ELSE 0 END),
			SUM(CASE WHEN r.status = 'cleared' THEN 1 ELSE 0 END)
			FROM rectifications r JOIN orgs o ON o.id = r.org_id
			WHERE `+cond+` AND r.opened_on >= ? AND r.opened_on < ? GROUP BY o.name ORDER BY o.name`, append(args, from, to)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r SummaryRow
			var cleared int
			if err := rows.Scan(&r.Name, &r.Bad, &r.Done, &cleared); err != nil {
				return err
			}
			r.Rate = rate(r.Done, r.Bad)
			out.Bad, out.Done, out.Cleared = out.Bad+r.Bad, out.Done+r.Done, out.Cleared+cleared
			out.Rows = append(out.Rows, r)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		out.Rate = rate(out.Done, out.Bad)
		orows, err := q.Query(ctx, `SELECT w.name,
			SUM(CASE WHEN r.status <> 'cleared' THEN 1 ELSE 0 END),
			SUM(CASE WHEN r.status IN ('followup', 'closed') THEN 1 ELSE 0 END)
			FROM rectifications r JOIN orgs w ON w.id = r.owner_id
			WHERE `+cond+` AND r.opened_on >= ? AND r.opened_on < ? GROUP BY w.name ORDER BY w.name`, append(args, from, to)...)
		if err != nil {
			return err
		}
		for orows.Next() {
			var r SummaryRow
			if err := orows.Scan(&r.Name, &r.Bad, &r.Done); err != nil {
				orows.Close()
				return err
			}
			r.Rate = rate(r.Done, r.Bad)
			out.Owners = append(out.Owners, r)
		}
		orows.Close()
		if err := orows.Err(); err != nil {
			return err
		}
		crows, err := q.Query(ctx, `SELECT r.number, o.name, r.public_summary, COALESCE(NULLIF(r.closed_on, ''), r.opened_on)
			FROM rectifications r JOIN orgs o ON o.id = r.org_id
			WHERE `+cond+` AND r.status IN ('followup', 'closed') AND r.opened_on >= ? AND r.opened_on < ? ORDER BY r.id`, append(args, from, to)...)
		if err != nil {
			return err
		}
		defer crows.Close()
		for crows.Next() {
			var e PublicEntry
			if err := crows.Scan(&e.Number, &e.Org, &e.Summary, &e.Closed); err != nil {
				return err
			}
			out.Closed = append(out.Closed, e)
		}
		return crows.Err()
	})
	return out, err
}

func rate(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n*1000/d) / 10
}

// Counts are the 差评 figures of a subtree: cleared 差评 stay recorded but
// are not counted.
type Counts struct {
	Bad, Cleared, Rectified int
}

// CountsOf counts the work orders in the actor's subtree.
func (s *Service) CountsOf(ctx context.Context, actor *zwfw.Actor) (Counts, error) {
	var c Counts
	cond, args := orgscope.Of(actor).Cond("org_path")
	err := s.db.ReadTx(ctx, func(q db.Querier) error {
		return q.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN status <> 'cleared' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'cleared' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status IN ('followup', 'closed') THEN 1 ELSE 0 END), 0) FROM rectifications WHERE `+cond, args...).
			Scan(&c.Bad, &c.Cleared, &c.Rectified)
	})
	return c, err
}
