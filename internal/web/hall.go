package web

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/catalog"
	"zwfw/internal/httpauth"
	"zwfw/internal/org"
)

// orgIndex is the organisation tree of one request, indexed.
type orgIndex struct {
	all    []*org.Org
	byCode map[string]*org.Org
	byID   map[int64]*org.Org
}

func (s *server) orgIndex(ctx context.Context) (*orgIndex, error) {
	all, err := s.d.Orgs.List(ctx, "/")
	if err != nil {
		return nil, err
	}
	x := &orgIndex{all: all, byCode: make(map[string]*org.Org, len(all)), byID: make(map[int64]*org.Org, len(all))}
	for _, o := range all {
		x.byCode[o.Code], x.byID[o.ID] = o, o
	}
	return x, nil
}

// name is the display name of the node with code, or the code itself.
func (x *orgIndex) name(code string) string {
	if o := x.byCode[code]; o != nil {
		return o.DisplayName()
	}
	return code
}

// children lists the active children of o of kind ("" for any), in display
// order.
func (x *orgIndex) children(o *org.Org, kind string) []*org.Org {
	var out []*org.Org
	for _, c := range x.all {
		if c.ParentID == o.ID && c.Active && (kind == "" || c.Kind == kind) {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b *org.Org) int {
		if a.Sort != b.Sort {
			return a.Sort - b.Sort
		}
		return strings.Compare(a.Code, b.Code)
	})
	return out
}

// towns are the towns of the deploying county (宁陕县: 11).
func (s *server) towns(x *orgIndex) []*org.Org {
	county := x.byCode[s.d.Config.Site.RegionCode]
	if county == nil {
		return nil
	}
	return x.children(county, org.KindTown)
}

// hallStats are the catalog's counters on the home page.
type hallStats struct {
	at        time.Time
	Total     int            // 事项总数
	Depts     int            // 实施部门
	Online    int            // 可网办: online depth reaches 收件 or beyond
	OneVisit  int            // 最多跑一次
	ZeroVisit int            // 全程网办, 0 trips
	TownLevel int            // 镇级可办
	Themes    map[string]int // items per theme
	ByDept    []catalog.DeptCount
}

const statsTTL = 30 * time.Second

// hallStats counts the catalog; the counts are kept for statsTTL, the home
// page being the busiest page of the hall.
func (s *server) hallStats(ctx context.Context) (*hallStats, error) {
	s.mu.Lock()
	st := s.stats
	s.mu.Unlock()
	now := s.now()
	if st != nil && now.Sub(st.at) < statsTTL && now.After(st.at) {
		return st, nil
	}
	items, _, err := s.d.Catalog.Search(ctx, catalog.Query{Limit: 500})
	if err != nil {
		return nil, err
	}
	for off := 500; len(items) == off; off += 500 {
		more, _, err := s.d.Catalog.Search(ctx, catalog.Query{Limit: 500, Offset: off})
		if err != nil {
			return nil, err
		}
		items = append(items, more...)
	}
	byDept, err := s.d.Catalog.CountByDept(ctx)
	if err != nil {
		return nil, err
	}
	st = &hallStats{at: now, Total: len(items), Depts: len(byDept), Themes: map[string]int{}, ByDept: byDept}
	for _, it := range items {
		if slices.ContainsFunc(it.OnlineDepth, func(d int) bool { return d >= 2 && d <= 7 }) {
			st.Online++
		}
		if it.Visits <= 1 {
			st.OneVisit++
		}
		if it.Visits == 0 {
			st.ZeroVisit++
		}
		if it.HasLevel(catalog.LevelTown) {
			st.TownLevel++
		}
		for _, t := range it.Themes {
			st.Themes[t]++
		}
	}
	s.mu.Lock()
	s.stats = st
	s.mu.Unlock()
	return st, nil
}

// dropStats forgets the counters after a change made through the pages
// (other processes catch up within statsTTL).
func (s *server) dropStats() {
	s.mu.Lock()
	s.stats = nil
	s.mu.Unlock()
}

type theme struct {
	Name  string
	Count int
	URL   template.URL
}

type homePage struct {
	base
	Stats            *hallStats
	PersonThemes     []theme
	EnterpriseThemes []theme
	LifeEvents       []theme // 人生事件
	EnterpriseStages []theme // 企业生命周期
	Towns            []*org.Org
	Centre           *org.Org // 县政务服务中心
}

func (s *server) home(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	st, err := s.hallStats(ctx)
	if err != nil {
		return err
	}
	x, err := s.orgIndex(ctx)
	if err != nil {
		return err
	}
	p := homePage{base: s.base(w, r, ""), Stats: st, Towns: s.towns(x)}
	p.Nav = "home"
	themes := func(names []string, audience string) []theme {
		out := make([]theme, len(names))
		for i, n := range names {
			v := url.Values{"theme": {n}, "audience": {audience}}
			out[i] = theme{Name: n, Count: st.Themes[n], URL: template.URL("/items?" + v.Encode())}
		}
		return out
	}
	p.PersonThemes = themes(catalog.PersonThemes, catalog.AudiencePerson)
	p.LifeEvents, p.EnterpriseStages = stageTiles(catalog.LifeEvents, st.Themes), stageTiles(catalog.EnterpriseStages, st.Themes)
	p.EnterpriseThemes = themes(catalog.EnterpriseThemes, catalog.AudienceEnterprise)
	if county := x.byCode[s.d.Config.Site.RegionCode]; county != nil {
		if cs := x.children(county, org.KindCentre); len(cs) > 0 {
			p.Centre = cs[0]
		}
	}
	s.render(w, r, http.StatusOK, "home", p)
	return nil
}

// stageTiles are the tiles of life events or enterprise stages: each opens
// the search page on its theme.
func stageTiles(stages []catalog.Stage, counts map[string]int) []theme {
	out := make([]theme, len(stages))
	for i, st := range stages {
		out[i] = theme{Name: st.Name, Count: counts[st.Theme], URL: stageURL(st)}
	}
	return out
}

func stageURL(st catalog.Stage) template.URL {
	return template.URL("/items?" + url.Values{"theme": {st.Theme}, "audience": {st.Audience}}.Encode())
}

// stageLink is a life event or enterprise stage on the search page.
type stageLink struct {
	Name    string
	URL     template.URL
	Current bool
}

// stageLinks links the stages; the one being browsed (its theme and
// audience chosen) is current and stored in *cur.
func stageLinks(stages []catalog.Stage, f filters, cur **catalog.Stage) []stageLink {
	out := make([]stageLink, len(stages))
	for i, st := range stages {
		out[i] = stageLink{Name: st.Name, URL: stageURL(st), Current: f.Theme == st.Theme && f.Audience == st.Audience}
		if out[i].Current {
			*cur = &stages[i]
		}
	}
	return out
}

// filters are the search page's query parameters.
type filters struct {
	Q, Dept, Theme, Audience, Level, Type, Kind string
	Page                                        int
}

func readFilters(v url.Values) filters {
	f := filters{
		Q: strings.TrimSpace(v.Get("q")), Dept: v.Get("dept"), Theme: v.Get("theme"), Audience: v.Get("audience"),
		Level: v.Get("level"), Type: v.Get("type"), Kind: v.Get("kind"),
	}
	if len([]rune(f.Q)) > 50 {
		f.Q = string([]rune(f.Q)[:50])
	}
	f.Page, _ = strconv.Atoi(v.Get("page"))
	if f.Page < 1 {
		f.Page = 1
	}
	return f
}

func (f filters) values() url.Values {
	v := url.Values{}
	for k, val := range map[string]string{"q": f.Q, "dept": f.Dept, "theme": f.Theme, "audience": f.Audience, "level": f.Level, "type": f.Type, "kind": f.Kind} {
		if val != "" {
			v.Set(k, val)
		}
	}
	return v
}

// URL is the search page for f.
func (f filters) URL() template.URL {
	v := f.values()
	if f.Page > 1 {
		v.Set("page", strconv.Itoa(f.Page))
	}
	if len(v) == 0 {
		return "/items"
	}
	return template.URL("/items?" + v.Encode())
}

// Any reports whether a filter other than the words is set.
func (f filters) Any() bool {
	return f.Dept != "" || f.Theme != "" || f.Audience != "" || f.Level != "" || f.Type != "" || f.Kind != ""
}

// chip is an active filter with the link that removes it.
type chip struct {
	Label  string
	Remove template.URL
}

const pageSize = 20

type listPage struct {
	base
	F           filters
	Items       []*catalog.Item
	Total       int
	Pages       []int
	LastPage    int
	Chips       []chip
	DeptNames   map[string]string
	Depts       []catalog.DeptCount
	Themes      []string
	Types       any
	Kinds       any
	Levels      any
	Audiences   any
	Suggest     []catalog.Suggestion // when nothing was found: 您是不是要找
	Stage       *catalog.Stage       // the life event or enterprise stage browsed
	LifeEvents  []stageLink
	BizStages   []stageLink
	CentrePhone string
}

// PageURL is the link to result page n.
func (p *listPage) PageURL(n int) template.URL {
	f := p.F
	f.Page = n
	return f.URL()
}

func (s *server) itemList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f := readFilters(r.URL.Query())
	q := catalog.Query{Q: f.Q, Dept: f.Dept, Theme: f.Theme, Audience: f.Audience, Level: f.Level, Type: f.Type, Kind: f.Kind,
		Limit: pageSize, Offset: (f.Page - 1) * pageSize}
	items, total, err := s.d.Catalog.Search(ctx, q)
	if err != nil {
		return err
	}
	x, err := s.orgIndex(ctx)
	if err != nil {
		return err
	}
	depts, err := s.d.Catalog.CountByDept(ctx)
	if err != nil {
		return err
	}
	title := "事项查询"
	if f.Q != "" {
		title = "“" + f.Q + "”的查询结果"
	}
	p := &listPage{base: s.base(w, r, title), F: f, Items: items, Total: total, Depts: depts,
		Themes: append(slices.Clone(catalog.PersonThemes), catalog.EnterpriseThemes...),
		Types:  catalog.Types, Kinds: catalog.Kinds, Levels: catalog.Levels, Audiences: catalog.Audiences,
		DeptNames: map[string]string{}}
	p.Nav = "items"
	p.LifeEvents, p.BizStages = stageLinks(catalog.LifeEvents, f, &p.Stage), stageLinks(catalog.EnterpriseStages, f, &p.Stage)
	switch f.Audience {
	case catalog.AudiencePerson:
		p.Nav = "person"
	case catalog.AudienceEnterprise:
		p.Nav = "enterprise"
	}
	for _, it := range items {
		p.DeptNames[it.Dept] = x.name(it.Dept)
	}
	p.LastPage = (total + pageSize - 1) / pageSize
	if f.Page > p.LastPage && p.LastPage > 0 {
		http.Redirect(w, r, string(p.PageURL(p.LastPage)), http.StatusSeeOther)
		return nil
	}
	for n := max(1, f.Page-3); n <= min(p.LastPage, f.Page+3); n++ {
		p.Pages = append(p.Pages, n)
	}
	remove := func(label string, clear func(*filters)) {
		g := f
		g.Page = 1
		clear(&g)
		p.Chips = append(p.Chips, chip{Label: label, Remove: g.URL()})
	}
	if f.Audience != "" {
		remove("服务对象："+nameOr(catalog.AudienceName(f.Audience), f.Audience), func(g *filters) { g.Audience = "" })
	}
	if f.Theme != "" {
		remove("主题："+f.Theme, func(g *filters) { g.Theme = "" })
	}
	if f.Dept != "" {
		remove("部门："+x.name(f.Dept), func(g *filters) { g.Dept = "" })
	}
	if f.Level != "" {
		remove("层级："+nameOr(catalog.LevelName(f.Level), f.Level), func(g *filters) { g.Level = "" })
	}
	if f.Type != "" {
		remove("类型："+nameOr(catalog.TypeName(f.Type), f.Type), func(g *filters) { g.Type = "" })
	}
	if f.Kind != "" {
		remove("办件类型："+nameOr(catalog.KindName(f.Kind), f.Kind), func(g *filters) { g.Kind = "" })
	}
	if total == 0 {
		if p.Suggest, err = s.d.Catalog.Suggest(ctx, f.Q); err != nil {
			return err
		}
		if county := x.byCode[s.d.Config.Site.RegionCode]; county != nil {
			if cs := x.children(county, org.KindCentre); len(cs) > 0 {
				p.CentrePhone = cs[0].Phone
			}
		}
		w.Header().Set("X-Robots-Tag", "noindex")
	}
	if r.URL.Query().Get("partial") == "results" {
		s.renderFragment(w, r, "results", p)
		return nil
	}
	s.render(w, r, http.StatusOK, "items", p)
	return nil
}

func nameOr(name, code string) string {
	if name != "" {
		return name
	}
	return code
}

// suggest finds items for a search that found nothing: each two-character
// piece of the words is tried on its own (办理食品执照 → 食品, 执照 …), and
// the items matching most pieces come first, so that a near miss still
// leads somewhere.
type stationInfo struct {
	Village *org.Org
	Station *org.Org
}

type windowInfo struct {
	Window   *org.Org
	DeptName string
}

type townPage struct {
	base
	Town      *org.Org
	Centre    *org.Org
	Windows   []windowInfo
	Stations  []stationInfo
	Items     []*catalog.Item
	Village   []*catalog.Item
	DeptNames map[string]string
	Towns     []*org.Org
}

func (s *server) town(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	x, err := s.orgIndex(ctx)
	if err != nil {
		return err
	}
	t := x.byCode[r.PathValue("code")]
	if t == nil || t.Kind != org.KindTown {
		return zwfw.Errorf(zwfw.ENOTFOUND, "没有找到这个镇。请从首页的“按乡镇办事”重新选择。")
	}
	p := townPage{base: s.base(w, r, t.Name+"便民服务"), Town: t, DeptNames: map[string]string{}, Towns: s.towns(x)}
	p.Nav = "towns"
	if cs := x.children(t, org.KindCentre); len(cs) > 0 {
		p.Centre = cs[0]
		for _, win := range x.children(p.Centre, org.KindWindow) {
			p.Windows = append(p.Windows, windowInfo{Window: win, DeptName: x.name(win.DeptCode)})
		}
	}
	for _, v := range x.children(t, org.KindVillage) {
		si := stationInfo{Village: v}
		if cs := x.children(v, org.KindCentre); len(cs) > 0 {
			si.Station = cs[0]
		}
		p.Stations = append(p.Stations, si)
	}
	if p.Items, _, err = s.d.Catalog.Search(ctx, catalog.Query{Level: catalog.LevelTown, Limit: 500}); err != nil {
		return err
	}
	if p.Village, _, err = s.d.Catalog.Search(ctx, catalog.Query{Level: catalog.LevelVillage, Limit: 500}); err != nil {
		return err
	}
	for _, it := range append(slices.Clone(p.Items), p.Village...) {
		p.DeptNames[it.Dept] = x.name(it.Dept)
	}
	s.render(w, r, http.StatusOK, "town", p)
	return nil
}

// setCare switches elder mode (关怀版) on or off and goes back.
func (s *server) setCare(w http.ResponseWriter, r *http.Request) error {
	on := r.PostFormValue("on") == "1"
	c := &http.Cookie{Name: careCookie, Value: "1", Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true,
		Secure: httpauth.Secure(r), SameSite: http.SameSiteLaxMode}
	if !on {
		c.Value, c.MaxAge = "", -1
	}
	http.SetCookie(w, c)
	http.Redirect(w, r, safeNext(r.PostFormValue("next"), "/"), http.StatusSeeOther)
	return nil
}
