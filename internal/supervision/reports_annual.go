package supervision

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/attendance"
	"zwfw/internal/audit"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
)

// The annual assessment (年度考评): "评价结果作为部门和个人年度考核的重要依据"
// (附件2（五）6) and "考核情况计入年终考评内容" (附件2（九）2). Per department,
// centre, window and person it combines the year's four quarterly
// assessments (each computed by the quarterly kind's own function and
// formula), the year's on-time completion and satisfaction, the public's
// voice (差评整改率, 回访率, complaints — from the modules that keep them,
// through VoiceFigures), the confirmed errors, the approved sanctions and
// the attendance, by the weights the county sets.

// Annual is the annual assessment's kind code.
const Annual = "annual" // 年度考评

// VoiceFigures gives the annual assessment the public's voice over a
// period: per unit, keyed by the organisation's code (department, centre,
// window) or the staff member's username. The 差评整改 and complaint
// registers implement it; Reports.SetVoice wires one in. Without one the
// assessment says "暂无数据" for these columns and gives them no weight.
type VoiceFigures interface {
	Voice(ctx context.Context, path string, from, to time.Time) (map[string]VoiceCounts, error)
}

// VoiceCounts are one unit's figures of the public's voice.
type VoiceCounts struct {
	BadReviews  int // 差评 that became rectification work orders
	Rectified   int // of them, rectified (整改完成)
	CallbackDue int // evaluations and complaints owing a call-back (回访)
	CalledBack  int // of them, called back
	Complaints  int // complaints found justified against the unit
}

// SetVoice gives the reports the public's voice (the annual assessment).
func (r *Reports) SetVoice(v VoiceFigures) { r.voice = v }

// AnnualWeights are the annual formula's weights, set by a county (or the
// city) for its subtree like the quarterly ones: points for full marks of
// the positive components (together 100) and the points deducted per
// confirmed error, approved sanction, complaint, day of absence (旷工) and
// day late, early or missing a punch.
type AnnualWeights struct {
	Quarters      int `json:"quarters"`      // the mean of the quarterly totals
	OnTime        int `json:"on_time"`       // 按时办结率
	Satisfaction  int `json:"satisfaction"`  // 满意率 (好评率)
	Rectification int `json:"rectification"` // 差评整改率
	Callback      int `json:"callback"`      // 回访率
	Error         int `json:"error"`         // per confirmed error
	Sanction      int `json:"sanction"`      // per approved sanction
	Complaint     int `json:"complaint"`     // per complaint
	Absent        int `json:"absent"`        // per day absent
	Late          int `json:"late"`          // per day late, early or missing a punch
}

// DefaultAnnualWeights apply until a county sets others.
var DefaultAnnualWeights = AnnualWeights{Quarters: 40, OnTime: 20, Satisfaction: 20, Rectification: 10, Callback: 10,
	Error: 3, Sanction: 5, Complaint: 2, Absent: 2, Late: 1}

var annualNames = []string{"annual_quarters", "annual_on_time", "annual_satisfaction", "annual_rectification", "annual_callback",
	"annual_error", "annual_sanction", "annual_complaint", "annual_absent", "annual_late"}

var annualPositive = []string{"annual_quarters", "annual_on_time", "annual_satisfaction", "annual_rectification", "annual_callback"}

func (w *AnnualWeights) field(name string) *int {
	switch name {
	case "annual_quarters":
		return &w.Quarters
	case "annual_on_time":
		return &w.OnTime
	case "annual_satisfaction":
		return &w.Satisfaction
	case "annual_rectification":
		return &w.Rectification
	case "annual_callback":
		return &w.Callback
	case "annual_error":
		return &w.Error
	case "annual_sanction":
		return &w.Sanction
	case "annual_complaint":
		return &w.Complaint
	case "annual_absent":
		return &w.Absent
	case "annual_late":
		return &w.Late
	}
	return nil
}

// OrgAnnualWeights are the annual weights in force for an organisation.
type OrgAnnualWeights struct {
	AnnualWeights
	Org       string `json:"org"`
	OrgName   string `json:"org_name"`
	SetBy     string `json:"set_by,omitempty"`
	SetByName string `json:"set_by_name,omitempty"`
}

func (r *Reports) annualWeightsFor(ctx context.Context, path string) (OrgAnnualWeights, error) {
	out := OrgAnnualWeights{AnnualWeights: DefaultAnnualWeights}
	var err error
	out.SetBy, out.SetByName, err = r.loadWeights(ctx, path, annualNames, func(name string, v int) {
		if f := out.field(name); f != nil {
			*f = v
		}
	})
	return out, err
}

// AnnualWeightsOf returns the annual weights in force for the organisation
// with code (the actor's own when empty), to the staff who may read the
// quarterly ones.
func (r *Reports) AnnualWeightsOf(ctx context.Context, actor *zwfw.Actor, code string) (OrgAnnualWeights, error) {
	ow, err := r.Weights(ctx, actor, code) // the same reading rule
	if err != nil {
		return OrgAnnualWeights{}, err
	}
	w, err := r.annualWeightsFor(ctx, ow.path)
	w.Org, w.OrgName = ow.Org, ow.OrgName
	return w, err
}

// SetOrgAnnualWeights sets the annual weights of the organisation with code
// (the actor's own when empty): its own administrators, of the city or a
// county, as for the quarterly weights; with an audit entry. Published
// assessments keep the weights they used.
func (r *Reports) SetOrgAnnualWeights(ctx context.Context, actor *zwfw.Actor, code string, w AnnualWeights) (OrgAnnualWeights, error) {
	if actor == nil {
		return OrgAnnualWeights{}, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if !actor.Has(zwfw.RoleAdmin) && actor.Kind != zwfw.KindSystem {
		return OrgAnnualWeights{}, zwfw.Errorf(zwfw.EFORBIDDEN, "只有系统管理员可以设置考核权重")
	}
	o, err := r.weightsOrg(ctx, actor, code)
	if err != nil {
		return OrgAnnualWeights{}, err
	}
	if err := mayEditWeights(actor, o); err != nil {
		return OrgAnnualWeights{}, err
	}
	var v zwfw.Invalid
	sum := 0
	for _, n := range annualNames {
		if x := *w.field(n); x < 0 || x > 100 {
			v.Add(strings.TrimPrefix(n, "annual_"), "权重应为 0–100 的整数")
		}
	}
	for _, n := range annualPositive {
		sum += *w.field(n)
	}
	if sum != 100 {
		v.Add("quarters", "季考核、按时办结率、满意率、差评整改率、回访率五项权重之和应为 100（现为 %d）", sum)
	}
	if err := v.Err(); err != nil {
		return OrgAnnualWeights{}, err
	}
	old, err := r.annualWeightsFor(ctx, o.Path)
	if err != nil {
		return OrgAnnualWeights{}, err
	}
	now := r.now()
	var by any
	if actor.UserID != 0 {
		by = actor.UserID
	}
	err = r.db.InTx(ctx, func(tx *db.Tx) error {
		for _, n := range annualNames {
			if _, err := tx.Exec(ctx, `INSERT INTO assessment_weights (org_id, name, value, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (org_id, name) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
				o.ID, n, *w.field(n), by, db.Millis(now)); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, actor, "assessment.annual_weights", "assessment:annual_weights:"+o.Code,
			map[string]any{"org": o.Code, "from": old.AnnualWeights, "to": w})
	})
	if err != nil {
		return OrgAnnualWeights{}, err
	}
	return OrgAnnualWeights{AnnualWeights: w, Org: o.Code, OrgName: o.DisplayName(), SetBy: o.Code, SetByName: o.DisplayName()}, nil
}

// AnnualFigs is the annual assessment (年度考评).
type AnnualFigs struct {
	Weights        AnnualWeights   `json:"weights"`
	Quarters       []string        `json:"quarters"` // the quarters' names; "" for a quarter not begun at generation
	Departments    []*AnnualUnit   `json:"departments"`
	Centres        []*AnnualUnit   `json:"centres"`
	Windows        []*AnnualUnit   `json:"windows"`
	Staff          []*AnnualUnit   `json:"staff"`
	Sanctions      []SanctionBrief `json:"sanctions"`
	SanctionCounts []UnitCount     `json:"sanction_counts"`
	VoiceNote      string          `json:"voice_note,omitempty"`      // set when no voice figures: "暂无数据"
	AttendNote     string          `json:"attendance_note,omitempty"` // set when no attendance was recorded
	AttendFrom     string          `json:"attendance_from,omitempty"` // the first day with a punch: days before it are not counted
}

// AnnualUnit is one unit's year.
type AnnualUnit struct {
	Code          string       `json:"code"`
	Name          string       `json:"name"`
	Quarters      [4]*float64  `json:"quarters"`     // the quarterly totals; null when not assessed that quarter
	QuarterMean   *float64     `json:"quarter_mean"` // their mean
	Completed     int          `json:"completed"`
	OnTime        int          `json:"on_time"`
	OnTimeRate    *float64     `json:"on_time_rate"`
	Evaluated     int          `json:"evaluated"`
	Satisfied     int          `json:"satisfied"`
	Satisfaction  *float64     `json:"satisfaction_rate"`
	Rectification *float64     `json:"rectification_rate"` // null: no data
	Callback      *float64     `json:"callback_rate"`      // null: no data
	Complaints    *int         `json:"complaints"`         // null: no data
	Errors        int          `json:"errors"`
	Sanctions     int          `json:"sanctions"`
	Absent        *int         `json:"absent"`    // persons only; null without attendance
	LateDays      *int         `json:"late_days"` // late, early or missing a punch
	Score         *AnnualScore `json:"score"`
	Rank          int          `json:"rank,omitempty"`
	id            int64
	assessed      bool
}

// AnnualScore is the breakdown of an annual score: the points of each
// positive component (scaled to 100 over the components with a source),
// the deductions (≤ 0) and the total.
type AnnualScore struct {
	Quarters      float64 `json:"quarters"`
	OnTime        float64 `json:"on_time"`
	Satisfaction  float64 `json:"satisfaction"`
	Rectification float64 `json:"rectification"`
	Callback      float64 `json:"callback"`
	Errors        float64 `json:"errors"`
	Sanctions     float64 `json:"sanctions"`
	Complaints    float64 `json:"complaints"`
	Attendance    float64 `json:"attendance"`
	Total         float64 `json:"total"`
}

// yearPeriod: 2026.
var yearPeriod = periodRule{
	format: "YYYY",
	read: func(s string) (period, bool) {
		var y int
		if n, err := fmt.Sscanf(s, "%4d", &y); n != 1 || err != nil || len(s) != 4 || y < 2000 {
			return period{}, false
		}
		d := time.Date(y, 1, 1, 0, 0, 0, 0, db.Zone)
		return period{d, d.AddDate(1, 0, -1), fmt.Sprintf("%d年度", y)}, true
	},
	due:    func(today time.Time) string { return fmt.Sprint(today.Year() - 1) },
	manual: true,
}

// annual computes the annual assessment of o for the year p.
func (r *Reports) annual(ctx context.Context, rep *Report, o *scopeOrg, p period) error {
	w, err := r.annualWeightsFor(ctx, o.path)
	if err != nil {
		return err
	}
	a := &AnnualFigs{Weights: w.AnnualWeights, Quarters: make([]string, 4)}
	depts, centres, windows, staff := map[string]*AnnualUnit{}, map[string]*AnnualUnit{}, map[string]*AnnualUnit{}, map[string]*AnnualUnit{}
	get := func(m map[string]*AnnualUnit, u *Unit) *AnnualUnit {
		x := m[u.Code]
		if x == nil {
			x = &AnnualUnit{Code: u.Code, Name: u.Name, id: u.id}
			m[u.Code] = x
		}
		return x
	}
	today := calendar.Date(rep.GeneratedAt)
	// The four quarters, each by the quarterly kind's own computation.
	for q := range 4 {
		qp, _ := quarterPeriod.read(fmt.Sprintf("%d-Q%d", p.from.Year(), q+1))
		if qp.from.After(today) {
			continue
		}
		a.Quarters[q] = qp.name
		qrep := &Report{GeneratedAt: rep.GeneratedAt}
		if err := r.quarterly(ctx, qrep, o, qp); err != nil {
			return err
		}
		qw := qrep.Quarterly.Weights
		cs, err := r.centresOf(ctx, qrep.Quarterly.Windows)
		if err != nil {
			return err
		}
		for _, c := range cs {
			c.Score = qw.score(c)
		}
		for _, lv := range []struct {
			m  map[string]*AnnualUnit
			us []*Unit
		}{{depts, qrep.Quarterly.Departments}, {centres, cs}, {windows, qrep.Quarterly.Windows}, {staff, qrep.Quarterly.Staff}} {
			for _, u := range lv.us {
				if u.Completed+u.Evaluated+u.Errors == 0 {
					continue // not assessed that quarter (the quarterly's rule)
				}
				t := u.Score.Total
				get(lv.m, u).Quarters[q] = &t
			}
		}
	}
	// The year's own counts.
	fig, err := r.figures(ctx, o, p)
	if err != nil {
		return err
	}
	cs, err := r.centresOf(ctx, sortedUnits(fig.windows))
	if err != nil {
		return err
	}
	for _, lv := range []struct {
		m  map[string]*AnnualUnit
		us []*Unit
	}{{depts, sortedUnits(fig.depts)}, {centres, cs}, {windows, sortedUnits(fig.windows)}, {staff, sortedUnits(fig.staff)}} {
		for _, u := range lv.us {
			x := get(lv.m, u)
			x.Completed, x.OnTime, x.OnTimeRate = u.Completed, u.OnTime, u.OnTimeRate
			x.Evaluated, x.Satisfied, x.Satisfaction, x.Errors = u.Evaluated, u.Satisfied, u.Satisfaction, u.Errors
		}
	}
	// Sanctions approved in the year and not withdrawn.
	from, to := p.from.Format(calendar.DateLayout), p.to.Format(calendar.DateLayout)
	if a.Sanctions, err = approvedSanctions(ctx, r.db.Reader(), o.path, from, to); err != nil {
		return err
	}
	if err := r.countSanctions(ctx, a.Sanctions, depts, centres, windows, staff); err != nil {
		return err
	}
	// The public's voice.
	var voice map[string]VoiceCounts
	if r.voice == nil {
		a.VoiceNote = "暂无数据：差评整改、回访和投诉的统计尚未接入，这三项不计分，其余各项按权重折算为百分制。"
	} else if voice, err = r.voice.Voice(ctx, o.path, p.from, p.to); err != nil {
		return err
	}
	// Attendance, persons only.
	var att map[string][2]int
	if r.att != nil {
		sum, err := r.att.Summarize(ctx, o.path, p.from, p.to)
		if err != nil {
			return err
		}
		if sum.Punches > 0 {
			// Days count from the first day anyone in scope punched: before
			// it attendance was not recorded, and no day is an absence.
			for _, pp := range sum.People {
				for _, d := range pp.Days {
					if !d.First.IsZero() && (a.AttendFrom == "" || d.Day < a.AttendFrom) {
						a.AttendFrom = d.Day
					}
				}
			}
			att = map[string][2]int{}
			for _, pp := range sum.People {
				var n [2]int
				for _, d := range pp.Days {
					if d.Day < a.AttendFrom {
						continue
					}
					switch {
					case slices.Contains(d.Statuses, attendance.DayAbsent):
						n[0]++
					case slices.Contains(d.Statuses, attendance.DayLate), slices.Contains(d.Statuses, attendance.DayEarly),
						slices.Contains(d.Statuses, attendance.DayMissing):
						n[1]++
					}
				}
				att[pp.Staff] = n
				if x := staff[pp.Staff]; x == nil && n[0]+n[1] > 0 {
					staff[pp.Staff] = &AnnualUnit{Code: pp.Staff, Name: pp.Name}
				}
			}
		}
	}
	if att == nil {
		a.AttendNote = noAttendance
	}
	for level, m := range []map[string]*AnnualUnit{depts, centres, windows, staff} {
		for code, x := range m {
			if voice != nil {
				vc := voice[code]
				x.Rectification, x.Callback = percent(vc.Rectified, vc.BadReviews), percent(vc.CalledBack, vc.CallbackDue)
				n := vc.Complaints
				x.Complaints = &n
			}
			if level == 3 && att != nil {
				d := att[code]
				x.Absent, x.LateDays = &d[0], &d[1]
			}
			x.Score = a.Weights.score(x, voice != nil)
		}
	}
	a.Departments, a.Centres, a.Windows, a.Staff = rankAnnual(depts), rankAnnual(centres), rankAnnual(windows), rankAnnual(staff)
	if a.Sanctions == nil {
		a.Sanctions = []SanctionBrief{}
	}
	a.SanctionCounts = countByUnit(a.Sanctions)
	rep.Annual = a
	return nil
}

// score is the annual formula. Positive components: the mean of the
// quarterly totals (clamped to 0–100), the on-time rate, the satisfaction
// rate, and — when the public's voice has a source — the rectification
// and call-back rates; each earns weight × rate / 100, a component without
// data (nothing completed, evaluated or owed) its full weight, as in the
// quarterly formula. Their sum is scaled to 100 over the weights of the
// components that have a source. Deductions: per confirmed error, approved
// sanction, complaint (with a source), day absent and day late, early or
// missing a punch (persons, with attendance).
func (w AnnualWeights) score(x *AnnualUnit, voice bool) *AnnualScore {
	s := &AnnualScore{}
	var qs []float64
	for _, q := range x.Quarters {
		if q != nil {
			qs = append(qs, *q)
		}
	}
	if len(qs) > 0 {
		var sum float64
		for _, q := range qs {
			sum += q
		}
		m := round1(sum / float64(len(qs)))
		x.QuarterMean = &m
	}
	x.assessed = x.QuarterMean != nil || x.Completed+x.Evaluated+x.Errors+x.Sanctions > 0
	part := func(weight int, rate *float64) float64 {
		if rate == nil {
			return float64(weight)
		}
		return float64(weight) * *rate / 100
	}
	var qm *float64
	if x.QuarterMean != nil {
		v := math.Max(0, math.Min(100, *x.QuarterMean))
		qm = &v
	}
	s.Quarters, s.OnTime, s.Satisfaction = part(w.Quarters, qm), part(w.OnTime, x.OnTimeRate), part(w.Satisfaction, x.Satisfaction)
	base := w.Quarters + w.OnTime + w.Satisfaction
	if voice {
		s.Rectification, s.Callback = part(w.Rectification, x.Rectification), part(w.Callback, x.Callback)
		base += w.Rectification + w.Callback
	}
	scale := 1.0
	if base > 0 {
		scale = 100 / float64(base)
	}
	positive := (s.Quarters + s.OnTime + s.Satisfaction + s.Rectification + s.Callback) * scale
	s.Quarters, s.OnTime, s.Satisfaction = round1(s.Quarters*scale), round1(s.OnTime*scale), round1(s.Satisfaction*scale)
	s.Rectification, s.Callback = round1(s.Rectification*scale), round1(s.Callback*scale)
	s.Errors = -float64(w.Error * x.Errors)
	s.Sanctions = -float64(w.Sanction * x.Sanctions)
	if x.Complaints != nil {
		s.Complaints = -float64(w.Complaint * *x.Complaints)
	}
	if x.Absent != nil {
		s.Attendance = -float64(w.Absent**x.Absent + w.Late**x.LateDays)
	}
	if s.Errors == 0 {
		s.Errors = 0 // no "-0"
	}
	if s.Sanctions == 0 {
		s.Sanctions = 0
	}
	if s.Complaints == 0 {
		s.Complaints = 0
	}
	if s.Attendance == 0 {
		s.Attendance = 0
	}
	if x.Complaints != nil && *x.Complaints > 0 || x.Absent != nil && *x.Absent+*x.LateDays > 0 {
		x.assessed = true
	}
	s.Total = round1(positive + s.Errors + s.Sanctions + s.Complaints + s.Attendance)
	return s
}

// rankAnnual orders units by total (assessed ones first, ranked), then
// code.
func rankAnnual(m map[string]*AnnualUnit) []*AnnualUnit {
	out := make([]*AnnualUnit, 0, len(m))
	for _, x := range m {
		out = append(out, x)
	}
	slices.SortFunc(out, func(a, b *AnnualUnit) int {
		if a.assessed != b.assessed {
			if a.assessed {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(b.Score.Total, a.Score.Total); c != 0 {
			return c
		}
		return cmp.Compare(a.Code, b.Code)
	})
	rank := 0
	for _, x := range out {
		if x.assessed {
			rank++
			x.Rank = rank
		}
	}
	return out
}

// centresOf sums window units into their service centres' (a window's
// parent centre): completed, on time, evaluated, satisfied, complaints and
// confirmed errors.
func (r *Reports) centresOf(ctx context.Context, windows []*Unit) ([]*Unit, error) {
	if len(windows) == 0 {
		return nil, nil
	}
	byWin := map[int64]*Unit{}
	var marks []string
	var args []any
	for _, u := range windows {
		byWin[u.id] = u
		marks, args = append(marks, "?"), append(args, u.id)
	}
	rows, err := r.db.Query(ctx, `SELECT w.id, c.id, c.code, CASE WHEN c.full_name = '' THEN c.name ELSE c.full_name END, c.path
		FROM orgs w JOIN orgs c ON c.id = w.parent_id WHERE c.kind = 'centre' AND w.id IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("supervision: centres: %w", err)
	}
	defer rows.Close()
	cs := map[int64]*Unit{}
	for rows.Next() {
		var wid, cid int64
		var code, name, path string
		if err := rows.Scan(&wid, &cid, &code, &name, &path); err != nil {
			return nil, err
		}
		c := cs[cid]
		if c == nil {
			c = &Unit{id: cid, Code: code, Name: name, path: path}
			cs[cid] = c
		}
		w := byWin[wid]
		c.Received += w.Received
		c.Completed += w.Completed
		c.OnTime += w.OnTime
		c.Evaluated += w.Evaluated
		c.Satisfied += w.Satisfied
		c.Complaints += w.Complaints
		c.Errors += w.Errors
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := sortedUnits(cs)
	for _, c := range out {
		finish(c)
	}
	return out, nil
}

// countSanctions adds the year's sanctions to their person, window (and its
// centre) and department, creating the units that had no other figure.
func (r *Reports) countSanctions(ctx context.Context, list []SanctionBrief, depts, centres, windows, staff map[string]*AnnualUnit) error {
	for _, b := range list {
		type lvl struct {
			m     map[string]*AnnualUnit
			query string
			id    int64
		}
		levels := []lvl{
			{staff, "SELECT username, name FROM users WHERE id = ?", b.staffID},
			{windows, "SELECT code, name FROM orgs WHERE id = ?", b.windowID},
			{centres, "SELECT c.code, CASE WHEN c.full_name = '' THEN c.name ELSE c.full_name END FROM orgs w JOIN orgs c ON c.id = w.parent_id WHERE w.id = ? AND c.kind = 'centre'", b.windowID},
			{depts, "SELECT code, CASE WHEN full_name = '' THEN name ELSE full_name END FROM orgs WHERE id = ?", b.deptID},
		}
		for _, l := range levels {
			if l.id == 0 {
				continue
			}
			var code, name string
			if err := r.db.QueryRow(ctx, l.query, l.id).Scan(&code, &name); err != nil {
				continue // a window outside a centre
			}
			x := l.m[code]
			if x == nil {
				x = &AnnualUnit{Code: code, Name: name}
				l.m[code] = x
			}
			x.Sanctions++
		}
	}
	return nil
}

func annualScoreRow(x *AnnualUnit, voice bool) []any {
	q := func(v *float64) any {
		if v == nil {
			return "—"
		}
		return *v
	}
	nd := func(v any, ok bool) any {
		if !ok {
			return "暂无数据"
		}
		return v
	}
	var compl any = "暂无数据"
	if x.Complaints != nil {
		compl = *x.Complaints
	}
	var absent, late any = "—", "—"
	if x.Absent != nil {
		absent, late = *x.Absent, *x.LateDays
	}
	return []any{x.Rank, x.Code, x.Name, q(x.Quarters[0]), q(x.Quarters[1]), q(x.Quarters[2]), q(x.Quarters[3]), q(x.QuarterMean), x.Score.Quarters,
		xlsxRate(x.OnTimeRate), x.Score.OnTime, xlsxRate(x.Satisfaction), x.Score.Satisfaction,
		nd(xlsxRate(x.Rectification), voice), nd(x.Score.Rectification, voice), nd(xlsxRate(x.Callback), voice), nd(x.Score.Callback, voice),
		compl, x.Score.Complaints, x.Errors, x.Score.Errors, x.Sanctions, x.Score.Sanctions, absent, late, x.Score.Attendance, x.Score.Total}
}

var annualHeader = []string{"排名", "代码", "名称", "一季度", "二季度", "三季度", "四季度", "季度平均", "季考核得分", "按时办结率(%)", "按时得分",
	"满意率(%)", "满意得分", "差评整改率(%)", "整改得分", "回访率(%)", "回访得分", "投诉", "投诉扣分", "确认差错", "差错扣分", "责任追究", "追究扣分",
	"旷工(天)", "迟到早退缺卡(天)", "考勤扣分", "总分"}

// annualSheets: the weights, the four levels' scores and the sanctions.
func annualSheets(rep *Report) []sheet {
	a := rep.Annual
	if a == nil {
		return nil
	}
	voice := a.VoiceNote == ""
	lv := func(name string, us []*AnnualUnit) sheet {
		var rows [][]any
		for _, x := range us {
			rows = append(rows, annualScoreRow(x, voice))
		}
		return sheet{name, annualHeader, rows}
	}
	w := a.Weights
	return []sheet{
		{"考评权重", []string{"项目", "权重"}, [][]any{{"季考核平均分（满分）", w.Quarters}, {"按时办结率（满分）", w.OnTime}, {"满意率（满分）", w.Satisfaction},
			{"差评整改率（满分）", w.Rectification}, {"回访率（满分）", w.Callback}, {"每起确认差错扣分", w.Error}, {"每起责任追究扣分", w.Sanction},
			{"每件投诉扣分", w.Complaint}, {"每天旷工扣分", w.Absent}, {"每天迟到早退缺卡扣分", w.Late}}},
		lv("部门考评", a.Departments),
		lv("中心考评", a.Centres),
		lv("窗口考评", a.Windows),
		lv("个人考评", a.Staff),
		sanctionSheet(a.Sanctions),
	}
}

// Voices are several sources of the public's voice (the 差评整改 register,
// the complaints register) read as one: their counts added per unit.
type Voices []VoiceFigures

// Voice adds the sources' counts.
func (vs Voices) Voice(ctx context.Context, path string, from, to time.Time) (map[string]VoiceCounts, error) {
	out := map[string]VoiceCounts{}
	for _, v := range vs {
		m, err := v.Voice(ctx, path, from, to)
		if err != nil {
			return nil, err
		}
		for k, c := range m {
			o := out[k]
			o.BadReviews += c.BadReviews
			o.Rectified += c.Rectified
			o.CallbackDue += c.CallbackDue
			o.CalledBack += c.CalledBack
			o.Complaints += c.Complaints
			out[k] = o
		}
	}
	return out, nil
}
