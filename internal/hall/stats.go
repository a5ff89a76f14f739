package hall

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/org"
	orgscope "zwfw/internal/scope"
)

// Queue statistics (排队统计, issue 10 item 9): how many took a number, how
// long they waited to be called and how long the window served them, per
// category, window, staff member and hour of the day, and how many were
// missed (过号). The hall's public display and the supervision of the
// windows (附件2（八）) read them; the supervision dashboard shows them
// beside the cases.

// MaxStatsDays bounds the period of one statistics request.
const MaxStatsDays = 366

// MayReadStats says whether the actor may read the queue statistics of an
// organisation at path: the same readers as the hall's attendance —
// centre managers (大厅管理员), administrators and supervisors (电子监察)
// whose subtree holds it. Centres are public (the screens name them), so a
// centre out of reach is refused (403), not hidden. path "" asks whether
// the actor reads any centre's statistics at all.
func MayReadStats(actor *zwfw.Actor, path string) error {
	if actor == nil {
		return zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if actor.Kind != zwfw.KindSystem && (actor.Kind != zwfw.KindStaff || !actor.HasAny(zwfw.RoleHallManager, zwfw.RoleAdmin, zwfw.RoleSupervisor)) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有中心负责人（大厅管理员）、系统管理员和电子监察可以查看排队统计")
	}
	if path != "" && !actor.InScope(path) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "该机构不在您的管辖范围内，不能查看其排队统计")
	}
	return nil
}

// StatsQuery chooses what the statistics cover: a centre, or a region (the
// centres below it), and a period of days in China time. Empty fields
// mean the actor's organisation and today.
type StatsQuery struct {
	Org  string `json:"org"`
	From string `json:"from"`
	To   string `json:"to"`
}

// Timing is an average, median and 90th percentile of durations, in
// seconds, over N tickets (all zero when N is 0).
type Timing struct {
	N      int   `json:"n"`
	Avg    int64 `json:"avg_seconds"`
	Median int64 `json:"median_seconds"`
	P90    int64 `json:"p90_seconds"`
}

// Minutes is the average in minutes, for pages ("—" when nothing was
// measured).
func (t Timing) Minutes() string { return minutes(t.N, t.Avg) }

// MedianMinutes and P90Minutes are the median and the 90th percentile in
// minutes.
func (t Timing) MedianMinutes() string { return minutes(t.N, t.Median) }
func (t Timing) P90Minutes() string    { return minutes(t.N, t.P90) }

func minutes(n int, sec int64) string {
	if n == 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(sec)/60, 'f', 1, 64)
}

// StatRow is the figures of one category, window, staff member, centre or
// hour. Tickets counts the numbers taken, Served those finished (办结),
// Missed those marked 过号. Wait is from taking the number to the first
// call; Serve from the start of service to its end.
type StatRow struct {
	Key     string `json:"key"`
	Name    string `json:"name"`
	Centre  string `json:"centre,omitempty"` // the centre's name, when several are covered
	Tickets int    `json:"tickets"`
	Served  int    `json:"served"`
	Missed  int    `json:"missed"`
	Wait    Timing `json:"wait"`
	Serve   Timing `json:"serve"`
	// PerDay (hours only) is the tickets taken in the hour, averaged over
	// the days on which the covered halls issued tickets.
	PerDay float64 `json:"per_day,omitempty"`

	waits, serves []int64
	code          string // a centre's code
}

// Label is the row's name with its centre when several are covered.
func (r *StatRow) Label() string {
	if r.Centre == "" {
		return r.Name
	}
	return r.Centre + " · " + r.Name
}

// DayRow is one day of the period.
type DayRow struct {
	Day     string `json:"day"`
	Tickets int    `json:"tickets"`
	Served  int    `json:"served"`
	Missed  int    `json:"missed"`
}

// Stats are the queue statistics of a centre, or of the centres below a
// region, over a period.
type Stats struct {
	Org      Ref     `json:"org"`
	Centre   bool    `json:"centre"` // the organisation is one centre
	From     string  `json:"from"`
	To       string  `json:"to"`
	OpenDays int     `json:"open_days"` // days on which a ticket was taken
	Totals   StatRow `json:"totals"`
	// NoShows are the appointments not kept (爽约, 未到) in the period.
	NoShows    int        `json:"no_shows"`
	ByCentre   []*StatRow `json:"by_centre"`
	ByCategory []*StatRow `json:"by_category"`
	ByWindow   []*StatRow `json:"by_window"`
	ByStaff    []*StatRow `json:"by_staff"`
	ByHour     []*StatRow `json:"by_hour"` // key "09" for 09:00–10:00, by the hour the number was taken
	ByDay      []*DayRow  `json:"by_day"`
	Busiest    []string   `json:"busiest_hours"` // up to three hours, busiest first
}

// Ref names an organisation.
type Ref struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Stats computes the queue statistics the query asks for, if the actor may
// read them (MayReadStats). A period longer than MaxStatsDays, or dates
// not written YYYY-MM-DD, are refused.
func (s *Service) Stats(ctx context.Context, actor *zwfw.Actor, q StatsQuery) (*Stats, error) {
	if err := MayReadStats(actor, ""); err != nil {
		return nil, err
	}
	code := cmp.Or(q.Org, actor.OrgCode)
	if code == "" {
		return nil, zwfw.Errorf(zwfw.EINVALID, "请选择服务中心或区域")
	}
	o, err := org.Lookup(ctx, s.db.Reader(), code)
	if err != nil && !org.ErrNotFound(err) {
		return nil, err
	}
	if o == nil || err != nil || !o.Active {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "机构 %s 不存在", code)
	}
	if err := MayReadStats(actor, o.Path); err != nil {
		return nil, err
	}
	today, _ := s.today()
	from, to, err := StatsPeriod(cmp.Or(q.From, today), cmp.Or(q.To, q.From, today))
	if err != nil {
		return nil, err
	}
	return s.StatsOf(ctx, o, from, to)
}

// StatsPeriod parses a period of days and checks its length.
func StatsPeriod(from, to string) (time.Time, time.Time, error) {
	f, err1 := calendar.ParseDate(from)
	t, err2 := calendar.ParseDate(to)
	var v zwfw.Invalid
	if err1 != nil {
		v.Add("from", "开始日期应为 YYYY-MM-DD")
	}
	if err2 != nil {
		v.Add("to", "结束日期应为 YYYY-MM-DD")
	}
	if err := v.Err(); err != nil {
		return f, t, err
	}
	if t.Before(f) {
		v.Add("to", "结束日期不能早于开始日期")
	} else if t.Sub(f) >= MaxStatsDays*24*time.Hour {
		v.Add("from", "统计期间不能超过 %d 天", MaxStatsDays)
	}
	return f, t, v.Err()
}

// ticketFacts is what the statistics read of a ticket: ids and times only,
// nothing about the person who took it (a ticket carries nothing anyway).
type ticketFacts struct {
	centre, category, window, staff int64
	day                             string
	status                          string
	taken, called, started, ended   int64 // Unix ms, 0 when not reached
}

// StatsOf computes the statistics of the centres under o (o itself when it
// is a centre) from one day to another, inclusive, with no check of who
// reads them (the caller has decided). The tickets of the period are read
// once, ids and times only, and folded in Go: the medians and percentiles
// need the durations anyway, and a centre's year is about 100,000 rows.
func (s *Service) StatsOf(ctx context.Context, o *org.Org, from, to time.Time) (*Stats, error) {
	st := &Stats{Org: Ref{Code: o.Code, Name: o.DisplayName()}, Centre: o.Kind == org.KindCentre,
		From: from.Format(calendar.DateLayout), To: to.Format(calendar.DateLayout), Totals: StatRow{Key: "all", Name: "合计"}}
	cond, args := orgscope.Subtree(o.Path).Cond("o.path")
	args = append(args, st.From, st.To)
	r := s.db.Reader()
	rows, err := r.Query(ctx, `SELECT t.centre_id, t.category_id, COALESCE(t.window_id, 0), COALESCE(t.staff_id, 0), t.day, t.status,
		t.taken_at, COALESCE(t.called_at, 0), COALESCE(t.started_at, 0), COALESCE(t.ended_at, 0)
		FROM hall_tickets t JOIN orgs o ON o.id = t.centre_id
		WHERE `+cond+` AND t.day >= ? AND t.day <= ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("hall: stats of %s: %w", o.Code, err)
	}
	var facts []ticketFacts
	for rows.Next() {
		var f ticketFacts
		if err := rows.Scan(&f.centre, &f.category, &f.window, &f.staff, &f.day, &f.status, &f.taken, &f.called, &f.started, &f.ended); err != nil {
			rows.Close()
			return nil, err
		}
		facts = append(facts, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	centres := map[int64]*StatRow{}
	cats := map[int64]*StatRow{}
	windows := map[int64]*StatRow{}
	staff := map[int64]*StatRow{}
	hours := map[int]*StatRow{}
	days := map[string]*DayRow{}
	get := func(m map[int64]*StatRow, id int64) *StatRow {
		if r := m[id]; r != nil {
			return r
		}
		r := &StatRow{Key: strconv.FormatInt(id, 10)}
		m[id] = r
		return r
	}
	for _, f := range facts {
		h := time.UnixMilli(f.taken).In(zwfw.Zone).Hour()
		hr := hours[h]
		if hr == nil {
			hr = &StatRow{Key: fmt.Sprintf("%02d", h), Name: fmt.Sprintf("%02d:00–%02d:00", h, h+1)}
			hours[h] = hr
		}
		d := days[f.day]
		if d == nil {
			d = &DayRow{Day: f.day}
			days[f.day] = d
		}
		d.Tickets++
		targets := []*StatRow{&st.Totals, get(centres, f.centre), get(cats, f.category), hr}
		if f.window != 0 {
			targets = append(targets, get(windows, f.window))
		}
		if f.staff != 0 {
			targets = append(targets, get(staff, f.staff))
		}
		for _, t := range targets {
			t.Tickets++
			switch f.status {
			case Done:
				t.Served++
			case Missed:
				t.Missed++
			}
			if f.called != 0 && f.called >= f.taken {
				t.waits = append(t.waits, (f.called-f.taken)/1000)
			}
			if f.status == Done && f.started != 0 && f.ended >= f.started {
				t.serves = append(t.serves, (f.ended-f.started)/1000)
			}
		}
		switch f.status {
		case Done:
			d.Served++
		case Missed:
			d.Missed++
		}
	}
	st.OpenDays = len(days)

	if err := s.nameStats(ctx, o, centres, cats, windows, staff); err != nil {
		return nil, err
	}
	several := len(centres) > 1 || !st.Centre
	finish := func(m map[int64]*StatRow, centreOf map[int64]int64) []*StatRow {
		out := make([]*StatRow, 0, len(m))
		for id, r := range m {
			r.timings()
			if several && centreOf != nil {
				if c := centres[centreOf[id]]; c != nil {
					r.Centre = c.Name
				}
			}
			out = append(out, r)
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].Tickets != out[j].Tickets {
				return out[i].Tickets > out[j].Tickets
			}
			return out[i].Label() < out[j].Label()
		})
		return out
	}
	centreOf := map[int64]int64{}
	for _, f := range facts {
		centreOf[f.category] = f.centre
	}
	st.Totals.timings()
	st.ByCentre = finish(centres, nil)
	st.ByCategory = finish(cats, centreOf)
	wc := map[int64]int64{}
	sc := map[int64]int64{}
	for _, f := range facts {
		wc[f.window], sc[f.staff] = f.centre, f.centre
	}
	st.ByWindow = finish(windows, wc)
	st.ByStaff = finish(staff, sc)
	for _, r := range st.ByCentre {
		r.Key = r.code
	}
	for _, r := range hours {
		r.timings()
		if st.OpenDays > 0 {
			r.PerDay = float64(r.Tickets) / float64(st.OpenDays)
		}
		st.ByHour = append(st.ByHour, r)
	}
	slices.SortFunc(st.ByHour, func(a, b *StatRow) int { return cmp.Compare(a.Key, b.Key) })
	busy := slices.Clone(st.ByHour)
	slices.SortStableFunc(busy, func(a, b *StatRow) int { return cmp.Compare(b.Tickets, a.Tickets) })
	for _, r := range busy[:min(3, len(busy))] {
		st.Busiest = append(st.Busiest, r.Name)
	}
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		k := d.Format(calendar.DateLayout)
		if r := days[k]; r != nil {
			st.ByDay = append(st.ByDay, r)
		} else {
			st.ByDay = append(st.ByDay, &DayRow{Day: k})
		}
	}
	// No-shows: marked ones, and bookings whose slot has lapsed before the
	// sweep marked them (the same rule, read only).
	day, now := s.today()
	lcond, largs := lapsed("a.", day, now)
	cond, args = orgscope.Subtree(o.Path).Cond("o.path")
	args = append(append(append([]any{NoShow}, largs...), args...), st.From, st.To)
	if err := r.QueryRow(ctx, `SELECT COUNT(*) FROM hall_appointments a JOIN orgs o ON o.id = a.centre_id
		WHERE (a.status = ? OR `+lcond+`) AND `+cond+` AND a.day >= ? AND a.day <= ?`, args...).Scan(&st.NoShows); err != nil {
		return nil, fmt.Errorf("hall: no-shows of %s: %w", o.Code, err)
	}
	return st, nil
}

// timings computes the row's wait and serve figures and lets go of the
// durations.
func (r *StatRow) timings() {
	r.Wait, r.Serve = timing(r.waits), timing(r.serves)
	r.waits, r.serves = nil, nil
}

// timing is the average, the median and the 90th percentile (nearest
// rank) of durations in seconds.
func timing(d []int64) Timing {
	if len(d) == 0 {
		return Timing{}
	}
	slices.Sort(d)
	var sum int64
	for _, v := range d {
		sum += v
	}
	n := len(d)
	med := d[(n-1)/2]
	if n%2 == 0 {
		med = (d[n/2-1] + d[n/2]) / 2
	}
	p90 := d[max(0, (9*n+9)/10-1)] // nearest rank: ⌈0.9·n⌉
	return Timing{N: n, Avg: (sum + int64(n)/2) / int64(n), Median: med, P90: p90}
}

// nameStats names the rows: centres and windows by their names, categories
// by theirs, staff by their names (no personal data beyond the name the
// window's board already shows).
func (s *Service) nameStats(ctx context.Context, o *org.Org, centres, cats, windows, staff map[int64]*StatRow) error {
	r := s.db.Reader()
	cond, args := orgscope.Subtree(o.Path).Cond("o.path")
	rows, err := r.Query(ctx, `SELECT o.id, o.code, COALESCE(NULLIF(o.full_name, ''), o.name), o.kind FROM orgs o WHERE `+cond+` AND o.kind IN (?, ?)`,
		append(args, org.KindCentre, org.KindWindow)...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var code, name, kind string
		if err := rows.Scan(&id, &code, &name, &kind); err != nil {
			rows.Close()
			return err
		}
		if row := centres[id]; row != nil && kind == org.KindCentre {
			row.Name, row.code = name, code
		}
		if row := windows[id]; row != nil && kind == org.KindWindow {
			row.Name, row.Key = name, code
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = r.Query(ctx, `SELECT c.id, c.name FROM hall_categories c JOIN orgs o ON o.id = c.centre_id WHERE `+cond, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return err
		}
		if row := cats[id]; row != nil {
			row.Name = name
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for id, row := range staff {
		var username, name string
		if err := r.QueryRow(ctx, "SELECT username, name FROM users WHERE id = ?", id).Scan(&username, &name); err != nil {
			return fmt.Errorf("hall: staff %d: %w", id, err)
		}
		row.Key, row.Name = username, name
	}
	for _, row := range windows {
		if row.Name == "" {
			row.Name = "（已撤销的窗口）"
		}
	}
	return nil
}
