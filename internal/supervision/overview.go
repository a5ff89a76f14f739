package supervision

import (
	"context"
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/casework/rollup"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/org"
)

// Service computes the supervision figures.
type Service struct {
	db    *db.DB
	cases *casework.Service
	orgs  *org.Service
	now   func() time.Time

	mu      sync.Mutex
	tree    *tree
	treeAt  time.Time
	treeOf  uint64        // treeGen when tree was read
	treeGen atomic.Uint64 // bumped by every change to the organisation tree (treewatch.go)

	// CacheTTL is how long a computed dashboard is served again to every
	// viewer of the same organisation and period (0: never). The large
	// screens of a county refresh every minute; a few seconds' lag spares
	// the database one computation per screen.
	CacheTTL time.Duration
	cacheMu  sync.Mutex
	cache    map[string]*cachedOverview
}

// cachedOverview is one computed dashboard; done is closed when it is ready,
// so concurrent viewers wait for one computation instead of starting many.
type cachedOverview struct {
	done chan struct{}
	ov   *Overview
	err  error
	at   time.Time
}

// NewService returns a supervision Service.
func NewService(d *db.DB, cases *casework.Service, now func() time.Time) *Service {
	s := &Service{db: d, cases: cases, orgs: org.NewService(d, now), now: now, CacheTTL: 10 * time.Second}
	s.watch()
	return s
}

// tree is the organisation tree, for scoping the rollup and naming its keys.
type tree struct {
	all  []*org.Org
	byID map[int64]*org.Org
}

// treeTTL bounds how long a change to the organisation tree takes to show.
const treeTTL = 30 * time.Second

func (s *Service) orgTree(ctx context.Context) (*tree, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	gen := s.treeGen.Load()
	if s.tree != nil && time.Since(s.treeAt) < treeTTL && s.treeOf == gen {
		return s.tree, nil
	}
	all, err := s.orgs.List(ctx, "/")
	if err != nil {
		return nil, err
	}
	t := &tree{all: all, byID: make(map[int64]*org.Org, len(all))}
	for _, o := range all {
		t.byID[o.ID] = o
	}
	s.tree, s.treeAt, s.treeOf = t, time.Now(), gen
	return t, nil
}

// town is the town (镇) a centre lies in, or the centre itself when it is
// above the towns (the county centre: 县本级).
func (t *tree) town(o *org.Org) *org.Org {
	for cur := o; cur != nil; cur = t.byID[cur.ParentID] {
		if cur.Kind == org.KindTown {
			return cur
		}
		if cur.Kind == org.KindCounty || cur.Kind == org.KindCity {
			break
		}
	}
	return o
}

// Filter chooses the organisation and the submission dates a dashboard
// covers. Empty fields mean the viewer's organisation and this year.
type Filter struct {
	Org  string `json:"org"`
	From string `json:"from"`
	To   string `json:"to"`
}

// Ref names an organisation.
type Ref struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Figure is one bar of a breakdown: how many cases, how many of them were
// completed and how many on time, and the link to the cases behind it.
type Figure struct {
	Code       string   `json:"code"`
	Name       string   `json:"name"`
	Cases      int64    `json:"cases"`
	Done       int64    `json:"done"`
	OnTime     int64    `json:"on_time"`
	OnTimeRate *float64 `json:"on_time_rate"` // percent of completed cases; null when none completed
	Link       string   `json:"link"`
}

// Totals are the figures of the whole scope and period.
type Totals struct {
	Cases            int64    `json:"cases"`
	Done             int64    `json:"done"`
	OnTime           int64    `json:"on_time"`
	Late             int64    `json:"late"`
	OnTimeRate       *float64 `json:"on_time_rate"`      // percent of completed cases completed by the deadline
	AvgHandledDays   *float64 `json:"avg_handled_days"`  // working days from acceptance to completion, on average
	AvgPromisedDays  *float64 `json:"avg_promised_days"` // promised working days of the same cases, on average
	Evaluations      int64    `json:"evaluations"`       // 好差评 given
	Satisfied        int64    `json:"satisfied"`         // 非常满意, 满意 or 基本满意
	SatisfactionRate *float64 `json:"satisfaction_rate"` // percent
	Overdue          int      `json:"overdue"`           // open cases past their deadline, now
	Warned           int      `json:"warned"`            // open cases near their deadline (yellow), now
	Links            Links    `json:"links"`             // drill-down to the cases behind each figure
	Today            int64    `json:"cases_today"`       // cases submitted today
	Month            int64    `json:"cases_this_month"`  // … this month
	Year             int64    `json:"cases_this_year"`   // … this year
}

// Links are the drill-down links of the totals.
type Links struct {
	Cases     string `json:"cases"`
	Done      string `json:"done"`
	OnTime    string `json:"on_time"`
	Late      string `json:"late"`
	Evaluated string `json:"evaluated"`
	Overdue   string `json:"overdue"`
	Warned    string `json:"warned"`
	Today     string `json:"today"`
	Month     string `json:"this_month"`
	Year      string `json:"this_year"`
}

// Overview is the supervision dashboard (监管大屏) of one organisation's
// subtree over a period of submission dates.
type Overview struct {
	Org        Ref      `json:"org"`
	From       string   `json:"from"`
	To         string   `json:"to"`
	Date       string   `json:"date"` // today
	Totals     Totals   `json:"totals"`
	ByStatus   []Figure `json:"by_status"`
	ByDept     []Figure `json:"by_dept"`
	ByTown     []Figure `json:"by_town"`
	ByKind     []Figure `json:"by_kind"`
	ByChannel  []Figure `json:"by_channel"`
	ByWindow   []Figure `json:"by_window"`   // window workload
	TrendGrain string   `json:"trend_grain"` // month or day
	Trend      []Figure `json:"trend"`
}

// CanView reports whether the actor may see the dashboard: supervisors
// (电子监察), administrators (centre leaders) and the platform itself.
func CanView(a *zwfw.Actor) bool {
	return a != nil && (a.Kind == zwfw.KindSystem || (a.IsStaff() && a.HasAny(zwfw.RoleSupervisor, zwfw.RoleAdmin)))
}

// maxRange bounds the period of one dashboard.
const maxRange = 5*366 + 1

// trendDays is the longest period shown day by day; longer ones by month.
const trendDays = 62

// Scope resolves the organisation and period of a filter for the actor.
func (s *Service) Scope(ctx context.Context, actor *zwfw.Actor, f Filter) (*org.Org, time.Time, time.Time, error) {
	var zero time.Time
	if !CanView(actor) {
		return nil, zero, zero, zwfw.Errorf(zwfw.EFORBIDDEN, "只有电子监察人员和管理人员可以查看监管数据")
	}
	code := strings.TrimSpace(f.Org)
	if code == "" {
		code = actor.OrgCode
	}
	var o *org.Org
	if code == "" { // the platform itself: the top of the tree
		t, err := s.orgTree(ctx)
		if err != nil {
			return nil, zero, zero, err
		}
		if len(t.all) == 0 {
			return nil, zero, zero, zwfw.Errorf(zwfw.ENOTFOUND, "尚无机构")
		}
		o = t.all[0]
	} else {
		var err error
		if o, err = s.orgs.ByCode(ctx, code); err != nil {
			return nil, zero, zero, &zwfw.Error{Code: zwfw.EINVALID, Message: fmt.Sprintf("机构 %s 不存在", code),
				Details: []zwfw.ErrorDetail{{Field: "org", Message: "机构不存在"}}}
		}
	}
	if !actor.InScope(o.Path) {
		return nil, zero, zero, zwfw.Errorf(zwfw.EFORBIDDEN, "%s不在您的管辖范围内", o.DisplayName())
	}
	today := calendar.Date(s.now())
	from := time.Date(today.Year(), 1, 1, 0, 0, 0, 0, db.Zone)
	to := time.Date(today.Year(), 12, 31, 0, 0, 0, 0, db.Zone)
	var v zwfw.Invalid
	if f.From != "" {
		t, err := calendar.ParseDate(f.From)
		if err != nil {
			v.Add("from", "开始日期应为 YYYY-MM-DD")
		}
		from = t
	}
	if f.To != "" {
		t, err := calendar.ParseDate(f.To)
		if err != nil {
			v.Add("to", "结束日期应为 YYYY-MM-DD")
		}
		to = t
	}
	if err := v.Err(); err != nil {
		return nil, zero, zero, err
	}
	if to.Before(from) {
		return nil, zero, zero, &zwfw.Error{Code: zwfw.EINVALID, Message: "结束日期不能早于开始日期",
			Details: []zwfw.ErrorDetail{{Field: "to", Message: "结束日期不能早于开始日期"}}}
	}
	if to.Sub(from) > maxRange*24*time.Hour {
		return nil, zero, zero, &zwfw.Error{Code: zwfw.EINVALID, Message: "统计期间不能超过五年",
			Details: []zwfw.ErrorDetail{{Field: "from", Message: "统计期间不能超过五年"}}}
	}
	return o, from, to, nil
}

// Overview computes the dashboard of the actor's organisation (or the
// filter's, inside it) from the rollup; overdue and warned cases are counted
// live from the open cases. The same organisation and period is computed
// once per CacheTTL for every viewer allowed to see it (the figures do not
// depend on who looks, only whether they may). The result is shared: do
// not modify it.
func (s *Service) Overview(ctx context.Context, actor *zwfw.Actor, f Filter) (*Overview, error) {
	o, from, to, err := s.Scope(ctx, actor, f)
	if err != nil {
		return nil, err
	}
	if s.CacheTTL <= 0 {
		return s.overview(ctx, actor, o, from, to)
	}
	key := o.Code + "|" + from.Format(calendar.DateLayout) + "|" + to.Format(calendar.DateLayout) + "|" + calendar.Date(s.now()).Format(calendar.DateLayout)
	s.cacheMu.Lock()
	c := s.cache[key]
	if c != nil {
		select {
		case <-c.done:
			if c.err != nil || time.Since(c.at) > s.CacheTTL {
				c = nil
			}
		default: // being computed: wait for it
		}
	}
	mine := c == nil
	if mine {
		if s.cache == nil || len(s.cache) > 500 {
			s.cache = map[string]*cachedOverview{}
		}
		c = &cachedOverview{done: make(chan struct{})}
		s.cache[key] = c
	}
	s.cacheMu.Unlock()
	if mine {
		c.ov, c.err = s.overview(context.WithoutCancel(ctx), actor, o, from, to)
		c.at = time.Now()
		close(c.done)
	}
	select {
	case <-c.done:
		return c.ov, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *Service) overview(ctx context.Context, actor *zwfw.Actor, o *org.Org, from, to time.Time) (*Overview, error) {
	if err := rollup.Flush(ctx, s.db); err != nil {
		return nil, err
	}
	t, err := s.orgTree(ctx)
	if err != nil {
		return nil, err
	}
	sc := scopeOf(t, o)
	today := calendar.Date(s.now())
	fromS, toS := from.Format(calendar.DateLayout), to.Format(calendar.DateLayout)
	ov := &Overview{Org: Ref{o.Code, o.DisplayName()}, From: fromS, To: toS, Date: today.Format(calendar.DateLayout),
		ByStatus: []Figure{}, ByDept: []Figure{}, ByTown: []Figure{}, ByKind: []Figure{}, ByChannel: []Figure{}, ByWindow: []Figure{}}
	link := func(kv ...string) string {
		q := url.Values{"under": {o.Code}, "from": {fromS}, "to": {toS}}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				q.Del(kv[i])
				continue
			}
			q.Set(kv[i], kv[i+1])
		}
		return "/supervision/cases?" + q.Encode()
	}

	// The breakdowns, status included: for a region one query over its
	// breakdown rows in the buckets of the period (periods.go), a few hundred
	// rows summed per dimension and value; for a centre or a department the
	// rows of case_stats in its scope, split the same way.
	var total rollup.Measures
	status, dept, town, kind, channel, window := map[string]*acc{}, map[string]*acc{}, map[string]*acc{}, map[string]*acc{}, map[string]*acc{}, map[string]*acc{}
	node := func(v string) *org.Org {
		id, _ := strconv.ParseInt(v, 10, 64)
		return t.byID[id]
	}
	byDim := func(k rollup.BKey, m rollup.Measures) {
		switch k.Dim {
		case rollup.ByStatusKindChannel:
			if v := rollup.SplitValue(k.Value); len(v) == 3 {
				total.Add(m)
				add(status, v[0], m)
				add(kind, v[1], m)
				add(channel, v[2], m)
			}
		case rollup.ByDept:
			if d := node(k.Value); d != nil {
				add(dept, d.Code, m)
			}
		case rollup.ByCentreWindow:
			if v := rollup.SplitValue(k.Value); len(v) == 2 {
				if c := node(v[0]); c != nil {
					add(town, t.town(c).Code, m)
				}
				if w := node(v[1]); w != nil {
					add(window, w.Code, m)
				} else {
					add(window, "", m)
				}
			}
		}
	}
	if sc.region {
		err = s.sum(ctx, o.ID, "", segments(from, to, rollup.Year, allWeights), []string{"dim", "value"}, byDim)
	} else {
		err = s.sumStats(ctx, stats, sc, segments(from, to, rollup.Year, statsWeights), []string{"org_id", "dept_id", "window_id", "kind", "channel", "status"},
			func(k rollup.Key, m rollup.Measures) { rollup.Facets(k, m, byDim) })
	}
	if err != nil {
		return nil, err
	}
	for _, by := range []map[string]*acc{status, dept, town, kind, channel, window} {
		maps.DeleteFunc(by, func(_ string, a *acc) bool { return a.m.Zero() }) // added, then subtracted
	}
	ov.Totals = totals(total)
	ov.Totals.Links = Links{
		Cases: link(), Done: link("done", "all"), OnTime: link("done", "ontime"), Late: link("done", "late"),
		Evaluated: link("evaluated", "1"), Overdue: link("from", "", "to", "", "overdue", "1"), Warned: link("from", "", "to", "", "warned", "1"),
	}
	for _, st := range casework.Statuses {
		if a := status[st]; a != nil {
			ov.ByStatus = append(ov.ByStatus, a.figure(st, casework.StatusName(st), link("status", st)))
		}
	}
	for _, k := range []string{catalog.KindImmediate, catalog.KindPromised, catalog.KindJoint, catalog.KindUpward} {
		if a := kind[k]; a != nil {
			ov.ByKind = append(ov.ByKind, a.figure(k, catalog.KindName(k), link("kind", k)))
		}
	}
	for _, ch := range []string{casework.ChannelOnline, casework.ChannelWindow} {
		if a := channel[ch]; a != nil {
			ov.ByChannel = append(ov.ByChannel, a.figure(ch, ChannelName(ch), link("channel", ch)))
		}
	}
	for _, n := range t.all { // tree order: departments and towns as the administration lists them
		if a := dept[n.Code]; a != nil && n.Kind == org.KindDept {
			ov.ByDept = append(ov.ByDept, a.figure(n.Code, n.DisplayName(), link("dept", n.Code)))
		}
		if a := town[n.Code]; a != nil {
			name := n.Name
			if n.Kind == org.KindCentre {
				name = n.Name + "（本级）"
			}
			ov.ByTown = append(ov.ByTown, a.figure(n.Code, name, link("org", n.Code)))
		}
		if a := window[n.Code]; a != nil && n.Kind == org.KindWindow {
			name := n.Name
			if c := t.byID[n.ParentID]; c != nil {
				name = c.Name + " " + n.Name
			}
			ov.ByWindow = append(ov.ByWindow, a.figure(n.Code, name, link("window", n.Code)))
		}
	}
	if a := window[""]; a != nil {
		ov.ByWindow = append(ov.ByWindow, a.figure("", "未经窗口（网上申请尚未受理）", ""))
	}
	slices.SortStableFunc(ov.ByDept, func(a, b Figure) int { return int(b.Cases - a.Cases) })
	slices.SortStableFunc(ov.ByWindow, func(a, b Figure) int { return int(b.Cases - a.Cases) })

	// The trend: by month, or by day for a period of up to two months.
	grain := rollup.Month
	ov.TrendGrain = "month"
	if to.Sub(from) < trendDays*24*time.Hour {
		grain, ov.TrendGrain = rollup.Day, "day"
	}
	trend := map[string]*acc{}
	byPeriod := "period"
	if grain == rollup.Month {
		byPeriod = "substr(period, 1, 7)"
	}
	if sc.region {
		err = s.sum(ctx, o.ID, rollup.ByStatusKindChannel, segments(from, to, grain, statusWeights), []string{byPeriod}, func(k rollup.BKey, m rollup.Measures) {
			add(trend, k.Period, m)
		})
	} else {
		err = s.sumStats(ctx, counts, sc, segments(from, to, grain, countsWeights), []string{byPeriod}, func(k rollup.Key, m rollup.Measures) {
			add(trend, k.Period, m)
		})
	}
	if err != nil {
		return nil, err
	}
	for p := from; !p.After(to); {
		key := rollup.Period(grain, p.Format(calendar.DateLayout))
		lo, next := p, p.AddDate(0, 0, 1)
		if grain == rollup.Month {
			next = time.Date(p.Year(), p.Month()+1, 1, 0, 0, 0, 0, db.Zone)
		}
		hi := next.AddDate(0, 0, -1)
		if hi.After(to) {
			hi = to
		}
		a := trend[key]
		if a == nil {
			a = &acc{}
		}
		ov.Trend = append(ov.Trend, a.figure(key, key, link("from", lo.Format(calendar.DateLayout), "to", hi.Format(calendar.DateLayout))))
		p = next
	}

	// Today, this month, this year: one query over three buckets.
	ty := time.Date(today.Year(), 1, 1, 0, 0, 0, 0, db.Zone)
	tm := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, db.Zone)
	todayS := today.Format(calendar.DateLayout)
	var here []segment
	for _, g := range rollup.Grains {
		p := rollup.Period(g, todayS)
		here = append(here, segment{grain: g, lo: p, hi: p})
	}
	count := func(grain string, m rollup.Measures) {
		switch grain {
		case rollup.Day:
			ov.Totals.Today = m.N
		case rollup.Month:
			ov.Totals.Month = m.N
		case rollup.Year:
			ov.Totals.Year = m.N
		}
	}
	if sc.region {
		err = s.sum(ctx, o.ID, rollup.ByStatusKindChannel, here, []string{"grain"}, func(k rollup.BKey, m rollup.Measures) { count(k.Grain, m) })
	} else {
		err = s.sumStats(ctx, counts, sc, here, []string{"grain"}, func(k rollup.Key, m rollup.Measures) { count(k.Grain, m) })
	}
	if err != nil {
		return nil, err
	}
	ov.Totals.Links.Today = link("from", todayS, "to", todayS)
	ov.Totals.Links.Month = link("from", tm.Format(calendar.DateLayout), "to", tm.AddDate(0, 1, -1).Format(calendar.DateLayout))
	ov.Totals.Links.Year = link("from", ty.Format(calendar.DateLayout), "to", ty.AddDate(1, 0, -1).Format(calendar.DateLayout))

	// Overdue and warned: live, from the open cases.
	if ov.Totals.Overdue, err = s.cases.Count(ctx, actor, casework.Query{Under: o.Code, Overdue: true}); err != nil {
		return nil, err
	}
	if ov.Totals.Warned, err = s.cases.Count(ctx, actor, casework.Query{Under: o.Code, Warned: true}); err != nil {
		return nil, err
	}
	return ov, nil
}

// ChannelName is the Chinese name of a channel of application.
func ChannelName(ch string) string {
	switch ch {
	case casework.ChannelOnline:
		return "网上申请"
	case casework.ChannelWindow:
		return "窗口申请"
	}
	return ch
}

// acc sums the measures of one bar.
type acc struct{ m rollup.Measures }

func add(m map[string]*acc, k string, v rollup.Measures) {
	a := m[k]
	if a == nil {
		a = &acc{}
		m[k] = a
	}
	a.m.Add(v)
}

func (a *acc) figure(code, name, link string) Figure {
	return Figure{Code: code, Name: name, Cases: a.m.N, Done: a.m.Done, OnTime: a.m.OnTime, OnTimeRate: rate(a.m.OnTime, a.m.Done), Link: link}
}

func totals(m rollup.Measures) Totals {
	t := Totals{Cases: m.N, Done: m.Done, OnTime: m.OnTime, Late: m.Done - m.OnTime, OnTimeRate: rate(m.OnTime, m.Done),
		Evaluations: m.Evals, Satisfied: m.Satisfied, SatisfactionRate: rate(m.Satisfied, m.Evals)}
	if m.Done > 0 {
		h := round1(float64(m.HandledDays) / float64(m.Done))
		p := round1(float64(m.PromisedDays) / float64(m.Done))
		t.AvgHandledDays, t.AvgPromisedDays = &h, &p
	}
	return t
}

// rate is part/whole in percent with one decimal, or nil when whole is 0.
func rate(part, whole int64) *float64 {
	if whole == 0 {
		return nil
	}
	r := round1(100 * float64(part) / float64(whole))
	return &r
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// scope is where an organisation's figures are read: a region's (city,
// county, town, village) from its own rows of case_breakdowns; a centre's
// or a department's (or a window's, which holds no cases) from case_stats
// and case_counts under cond: cases filed at one of its centres or owned by
// one of its departments.
type scope struct {
	region bool
	cond   string
	args   []any
}

func scopeOf(t *tree, o *org.Org) scope {
	switch o.Kind {
	case org.KindCity, org.KindCounty, org.KindTown, org.KindVillage:
		return scope{region: true}
	}
	var centres, depts []string
	var cs, ds []any
	for _, n := range t.all {
		if !strings.HasPrefix(n.Path, o.Path) {
			continue
		}
		switch n.Kind {
		case org.KindCentre:
			centres, cs = append(centres, "?"), append(cs, n.ID)
		case org.KindDept:
			depts, ds = append(depts, "?"), append(ds, n.ID)
		}
	}
	var parts []string
	if len(centres) > 0 {
		parts = append(parts, "org_id IN ("+strings.Join(centres, ", ")+")")
	}
	if len(depts) > 0 {
		parts = append(parts, "dept_id IN ("+strings.Join(depts, ", ")+")")
	}
	if len(parts) == 0 {
		return scope{cond: "1 = 0"}
	}
	return scope{cond: "(" + strings.Join(parts, " OR ") + ")", args: append(cs, ds...)}
}
