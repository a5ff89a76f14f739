package supervision

import (
	"context"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/casework/rollup"
	"zwfw/internal/db"
	"zwfw/internal/org"
)

// Rolling is a centre's public rolling display (信息查询机、电子显示屏实时
// 滚动公示, 附件2（八）1): the cases accepted and completed lately (the
// applicant masked), today's counts, and the centre's on-time and
// satisfaction rates of the year as the supervision dashboard computes them.
// Public: only what may hang in the hall.
type Rolling struct {
	CentreCode string `json:"centre_code"`
	CentreName string `json:"centre_name"`
	Date       string `json:"date"` // today
	Accepted   int    `json:"accepted_today"`
	Completed  int    `json:"completed_today"`
	// The year's rates (to date), over the centre's cases as the
	// dashboard scopes them; null when nothing was completed or evaluated.
	Year             int                   `json:"year"`
	OnTimeRate       *float64              `json:"on_time_rate"`
	SatisfactionRate *float64              `json:"satisfaction_rate"`
	Cases            []casework.PublicCase `json:"cases"` // newest first
	Updated          time.Time             `json:"updated"`
}

// Rolling shows the cases of the last rollingDays days, at most rollingCases.
const (
	rollingDays  = 7
	rollingCases = 30
)

// Rolling computes the public display of the centre with code.
func (s *Service) Rolling(ctx context.Context, code string) (*Rolling, error) {
	o, err := s.orgs.ByCode(ctx, strings.TrimSpace(code))
	if err != nil || o.Kind != org.KindCentre || !o.Active {
		if err == nil || org.ErrNotFound(err) {
			return nil, zwfw.Errorf(zwfw.ENOTFOUND, "服务中心 %s 不存在", code)
		}
		return nil, err
	}
	now := s.now()
	today := calendar.Date(now)
	tomorrow := today.AddDate(0, 0, 1)
	r := &Rolling{CentreCode: o.Code, CentreName: o.DisplayName(), Date: today.Format(calendar.DateLayout), Year: today.Year(), Updated: now}
	if r.Accepted, r.Completed, err = s.cases.DayCounts(ctx, o.ID, today, tomorrow); err != nil {
		return nil, err
	}
	if r.Cases, err = s.cases.Recent(ctx, o.ID, today.AddDate(0, 0, 1-rollingDays), rollingCases); err != nil {
		return nil, err
	}
	// The rates: the rollup of the year's cases submitted to date, as the
	// centre's dashboard reads it (overview), without folding the pending
	// changes first — a public screen must not write; they lag by the
	// folder's interval at most.
	t, err := s.orgTree(ctx)
	if err != nil {
		return nil, err
	}
	var total rollup.Measures
	from := time.Date(today.Year(), 1, 1, 0, 0, 0, 0, db.Zone)
	if err := s.sumStats(ctx, stats, scopeOf(t, o), segments(from, today, rollup.Year, statsWeights), []string{"org_id"},
		func(_ rollup.Key, m rollup.Measures) { total.Add(m) }); err != nil {
		return nil, err
	}
	tt := totals(total)
	r.OnTimeRate, r.SatisfactionRate = tt.OnTimeRate, tt.SatisfactionRate
	return r, nil
}
