package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/org"
	"zwfw/internal/supervision"
)

// The supervision pages (电子监察): the list of overdue and warned cases.
// The warnings themselves are computed by a background job
// (supervision.Warnings.Scan); this page only reads and filters them.

func init() { pages = append(pages, "supervision_warnings") }

type warningRow struct {
	supervision.Warning
	Class string // due-late, due-warn
	Text  string
}

type warningsPage struct {
	base
	F        supervision.WarningFilter
	Rows     []warningRow
	Total    int
	Red      int
	Yellow   int
	Page     int
	LastPage int
	Towns    []option
	Depts    []option
	Levels   []option
	Scopes   []option
	// Duties are the other time-limited matters' warnings (差评整改,
	// 投诉): few, listed whole below the cases.
	Duties []dutyRow
}

type dutyRow struct {
	supervision.DutyWarning
	Class string
	Text  string
}

const warningsPerPage = 50

// PageURL is the list with the same filters at page n.
func (p *warningsPage) PageURL(n int) string {
	v := url.Values{}
	for k, val := range map[string]string{"level": p.F.Level, "org": p.F.Org, "dept": p.F.Dept, "kind": p.F.Scope} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	if len(v) == 0 {
		return "/supervision/warnings"
	}
	return "/supervision/warnings?" + v.Encode()
}

// Set reports whether a filter is set.
func (p *warningsPage) Set() bool {
	return p.F.Level != "" || p.F.Org != "" || p.F.Dept != "" || p.F.Scope != ""
}

func (s *server) warningsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	if !supervision.MayViewWarnings(a) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有电子监察、窗口、审核人员和管理员可以查看预警")
	}
	qv := r.URL.Query()
	f := supervision.WarningFilter{Level: qv.Get("level"), Org: strings.TrimSpace(qv.Get("org")), Dept: strings.TrimSpace(qv.Get("dept")),
		Scope: qv.Get("kind"), Limit: warningsPerPage}
	if supervision.LevelName(f.Level) == "" {
		f.Level = ""
	}
	if supervision.ScopeName(f.Scope) == "" {
		f.Scope = ""
	}
	page, _ := strconv.Atoi(qv.Get("page"))
	page = max(page, 1)
	f.Offset = (page - 1) * warningsPerPage
	b := s.workBase(w, r, "预警督办")
	b.Nav = "warnings"
	p := &warningsPage{base: b, F: f, Page: page}
	for _, l := range []string{supervision.Red, supervision.Yellow} {
		p.Levels = append(p.Levels, option{l, supervision.LevelName(l)})
	}
	for _, sc := range []string{supervision.ScopeCase, supervision.ScopeStep, supervision.ScopeTask} {
		p.Scopes = append(p.Scopes, option{sc, supervision.ScopeName(sc)})
	}
	all, err := s.d.Orgs.List(ctx, a.OrgPath)
	if err != nil {
		return err
	}
	for _, o := range all {
		if !o.Active {
			continue
		}
		switch o.Kind {
		case org.KindTown, org.KindCounty:
			p.Towns = append(p.Towns, option{o.Code, o.DisplayName()})
		case org.KindDept:
			p.Depts = append(p.Depts, option{o.Code, o.DisplayName()})
		}
	}
	list, total, err := s.d.Warnings.List(ctx, a, f)
	if err != nil {
		if zwfw.ErrorCode(err) != zwfw.EINVALID {
			return err
		}
		p.Flash = &flash{Kind: "warn", Message: zwfw.ErrorMessage(err)}
	}
	p.Total = total
	p.LastPage = max(1, (total+warningsPerPage-1)/warningsPerPage)
	for _, x := range list {
		row := warningRow{Warning: x}
		row.Class, row.Text = dueText(x.Level, x.Remaining)
		p.Rows = append(p.Rows, row)
	}
	if duties, err := s.d.Warnings.DutyWarnings(ctx, a, "", 200); err == nil {
		for _, x := range duties {
			row := dutyRow{DutyWarning: x}
			row.Class, row.Text = dueText(x.Level, x.Remaining)
			p.Duties = append(p.Duties, row)
		}
	} else {
		return err
	}
	// The counts beside the filter: how many of each level the other
	// filters leave.
	for _, l := range []string{supervision.Red, supervision.Yellow} {
		cf := f
		cf.Level, cf.Limit, cf.Offset = l, 1, 0
		if _, n, err := s.d.Warnings.List(ctx, a, cf); err == nil {
			if l == supervision.Red {
				p.Red = n
			} else {
				p.Yellow = n
			}
		}
	}
	s.render(w, r, http.StatusOK, "supervision_warnings", p)
	return nil
}

// dueText is a warning's colour class and its words: red with the working
// days overdue, yellow with those left.
func dueText(level string, remaining int) (class, text string) {
	if level == supervision.Red {
		text = "已超期"
		if remaining < 0 {
			text += " " + strconv.Itoa(-remaining) + " 个工作日"
		}
		return "due-late", text
	}
	if remaining == 0 {
		return "due-warn", "今日到期"
	}
	return "due-warn", "剩余 " + strconv.Itoa(remaining) + " 个工作日"
}
