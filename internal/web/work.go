package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/casework"
	"zwfw/internal/catalog"
	"zwfw/internal/hall"
	"zwfw/internal/org"
)

// The staff's case pages (办件工作台): the window's queues, the reviewer's
// inbox, the cashier's and the supervisor's lists (this file); one case
// with its action forms (work_case.go); a walk-in application at the
// window (work_new.go). The casework service decides every action — state
// (409), role (403), scope (404), input (422) and concurrency (409); these
// pages offer what it allows (casework.Allowed) and say what happened.

// workPages are the templates of the workbench, registered with the rest
// at start (a missing one fails the start).
var workPages = []string{"work_home", "work_case", "work_evaluate", "work_new"}

func init() { pages = append(pages, workPages...) }

// workBase is the base of a workbench page: the administration's
// navigation, with 办件工作台 current.
func (s *server) workBase(w http.ResponseWriter, r *http.Request, title string) base {
	b := s.base(w, r, title)
	b.admin = true
	b.Nav = "work"
	return b
}

// Deadline colours (限时办结): casework decides where a case stands (Due:
// red once the deadline has passed, yellow by the warning rule of
// ZWFW_WARN_DAYS and ZWFW_WARN_SHARE, paused while a special procedure
// stops the clock) — the same answer the warning job and the dashboard
// get. Every list and the case page show it with deadlineOf; the words
// always say the same as the colour.

// deadlineView is how a deadline shows: a class for the colour and words
// that carry the same meaning without it.
type deadlineView struct {
	Class string // due-ok, due-warn, due-late, due-pause; "" when not running
	Text  string // 剩余 3 个工作日, 今日到期, 已超期 2 个工作日 …
	Date  string // the deadline, YYYY-MM-DD
}

// dueClass is the colour of each level.
var dueClass = map[string]string{casework.DueOK: "due-ok", casework.DueYellow: "due-warn", casework.DueRed: "due-late", casework.DuePaused: "due-pause"}

// deadlineOf shows where a case with deadline date stands (due is nil when
// it does not run against a deadline). A deadline counted on days beyond
// the known holiday calendar says 暂定.
func deadlineOf(due *casework.Due, date string) deadlineView {
	d := deadlineView{Date: date}
	if due == nil || date == "" {
		return d
	}
	n := due.Remaining
	switch {
	case due.Overdue:
		d.Text = "已超期"
		if n < 0 {
			d.Text += " " + strconv.Itoa(-n) + " 个工作日"
		}
	case n == 0:
		d.Text = "今日到期"
	case due.Level == casework.DueYellow:
		d.Text = "即将到期 · 剩余 " + strconv.Itoa(n) + " 个工作日"
	default:
		d.Text = "剩余 " + strconv.Itoa(n) + " 个工作日"
	}
	d.Class = dueClass[due.Level]
	if due.Level == casework.DuePaused {
		d.Text = "计时暂停 · " + d.Text
	}
	if due.Provisional {
		d.Text += "（暂定）"
	}
	return d
}

// caseRow is one case in a queue.
type caseRow struct {
	casework.Summary
	DL   deadlineView
	Next string // what waits to be done, in words
}

// queue is one table of the workbench.
type queue struct {
	Key   string
	Title string
	Hint  string
	Empty string
	Rows  []caseRow
	Total int    // cases matching, of which Rows are the first
	More  string // the full list, when Rows are not all
}

// workFilter is the filter bar: every queue is narrowed by it.
type workFilter struct {
	View   string // "" (my to-do) or all
	Status string
	Kind   string
	Item   string
	Org    string
	Q      string
	Page   int
}

func (f workFilter) query() casework.Query {
	q := casework.Query{Kind: f.Kind, Item: f.Item, Org: f.Org, Q: f.Q}
	if f.Status != "" {
		q.Status = []string{f.Status}
	}
	return q
}

// Set reports whether any filter is set.
func (f workFilter) Set() bool {
	return f.Status != "" || f.Kind != "" || f.Item != "" || f.Org != "" || f.Q != ""
}

// URL is the workbench with the filter and the given view and page.
func (f workFilter) URL(view string, page int) string {
	v := url.Values{}
	for k, val := range map[string]string{"view": view, "status": f.Status, "kind": f.Kind, "item": f.Item, "org": f.Org, "q": f.Q} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/work"
	}
	return "/work?" + v.Encode()
}

type option struct{ Value, Label string }

type workHomePage struct {
	base
	F        workFilter
	Roles    []string // the actor's case-handling roles, in words
	Queues   []*queue
	All      *queue // view=all
	Page     int
	LastPage int
	Statuses []option
	Kinds    []option
	Items    []option
	Orgs     []option
	Window   bool
	Nothing  bool // the account has no case-handling role
	// Desk is the calling panel of the account's window (叫号), beside
	// today's cases; nil when the account calls no tickets.
	Desk *hall.Desk
}

// PageURL is the list of all cases at page n.
func (p *workHomePage) PageURL(n int) string { return p.F.URL("all", n) }

const (
	queueShown = 30  // rows a queue shows on the workbench
	queueFetch = 100 // rows a queue reads (split queues share one read)
	allPerPage = 50
)

func (s *server) workHome(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	qv := r.URL.Query()
	f := workFilter{View: qv.Get("view"), Status: qv.Get("status"), Kind: qv.Get("kind"), Item: strings.TrimSpace(qv.Get("item")),
		Org: qv.Get("org"), Q: strings.TrimSpace(qv.Get("q"))}
	f.Page, _ = strconv.Atoi(qv.Get("page"))
	f.Page = max(f.Page, 1)
	if f.View != "all" {
		f.View = ""
	}
	if casework.StatusName(f.Status) == "" {
		f.Status = ""
	}
	if catalog.KindName(f.Kind) == "" {
		f.Kind = ""
	}
	p := &workHomePage{base: s.workBase(w, r, "办件工作台"), F: f, Window: casework.MayFileAtWindow(a) == nil}
	for _, d := range casework.DesksOf(a) {
		p.Roles = append(p.Roles, casework.DeskName(d))
	}
	if err := s.workOptions(ctx, a, p); err != nil {
		return err
	}
	var err error
	if f.View == "all" {
		p.All, p.LastPage, err = s.allCases(ctx, a, f)
		p.Title = "全部办件"
	} else {
		p.Queues, err = s.queues(ctx, a, f)
		p.Nothing = len(p.Roles) == 0
	}
	if err != nil {
		if zwfw.ErrorCode(err) != zwfw.EINVALID {
			return err
		}
		// A filter the service does not accept (an unknown centre): say so
		// above an empty list rather than failing the page.
		p.Flash = &flash{Kind: "warn", Message: zwfw.ErrorMessage(err)}
		p.Queues, p.All = nil, nil
	}
	p.Page = f.Page
	if f.View != "all" {
		p.Desk = s.desk(r, a)
	}
	s.render(w, r, http.StatusOK, "work_home", p)
	return nil
}

// queues builds the actor's to-do lists, role by role (an account may
// hold several roles). Each list is the service's to-do list (Todo, ordered
// by deadline) narrowed to the statuses that belong to the role.
func (s *server) queues(ctx context.Context, a *zwfw.Actor, f workFilter) ([]*queue, error) {
	var out []*queue
	// one reads a list into q; nil rows (ruled out by the status filter)
	// leave the queue out.
	one := func(q *queue, todo bool, statuses ...string) error {
		rows, total, err := s.todo(ctx, a, f, todo, statuses...)
		if err != nil || rows == nil {
			return err
		}
		q.Rows, q.Total = rows, total
		status := ""
		if len(statuses) == 1 {
			status = statuses[0]
		}
		trim(q, f, status)
		out = append(out, q)
		return nil
	}
	// two reads one list and splits it in two by in.
	two := func(first, second *queue, in func(caseRow) bool, statuses ...string) error {
		rows, total, err := s.todo(ctx, a, f, true, statuses...)
		if err != nil || rows == nil {
			return err
		}
		for _, c := range rows {
			if in(c) {
				first.Rows = append(first.Rows, c)
			} else {
				second.Rows = append(second.Rows, c)
			}
		}
		status := ""
		if len(statuses) == 1 {
			status = statuses[0]
		}
		split(first, total, len(rows), f, status)
		split(second, total, len(rows), f, status)
		out = append(out, first, second)
		return nil
	}
	if casework.WorksAt(a, casework.DeskIntake) {
		if err := two(
			&queue{Key: "prereview", Title: "网上预审", Hint: "网上提交的申请：审核材料后受理、一次性告知补正或不予受理",
				Empty: "没有待预审的网上申请。"},
			&queue{Key: "walkin", Title: "窗口收件待受理", Hint: "窗口登记、尚未受理的申请", Empty: "没有待受理的窗口收件。"},
			func(c caseRow) bool { return c.Channel == casework.ChannelOnline }, casework.Submitted); err != nil {
			return nil, err
		}
		if err := one(&queue{Key: "finish", Title: "待办结 · 送达",
			Hint: "即办件当场办结、上报件上报，已决定的出具结果，已办结的送达、归档", Empty: "没有待办结或送达的办件。"},
			true, casework.Accepted, casework.Approved, casework.Denied, casework.Completed); err != nil {
			return nil, err
		}
		if err := one(&queue{Key: "supplement", Title: "已告知待补正",
			Hint: "已出具一次性告知书、等待申请人补正的办件；申请人到窗口补交时在此登记", Empty: "没有等待补正的办件。"},
			false, casework.SupplementRequired); err != nil {
			return nil, err
		}
	}
	if casework.WorksAt(a, casework.DeskReview) {
		own := s.ownDept(ctx, a)
		if err := two(
			&queue{Key: "joint", Title: "联办件 · 本部门意见", Hint: "其他部门主办、需要本部门提出联办意见的办件",
				Empty: "没有待提出意见的联办件。"},
			&queue{Key: "inbox", Title: "待审查 · 决定", Hint: "本部门主办或上报本部门的办件，按办结期限排序，最紧的在前",
				Empty: "收件箱是空的：没有待审查或决定的办件。"},
			func(c caseRow) bool { return c.Kind == catalog.KindJoint && c.DeptName != own },
			casework.Accepted, casework.InProgress, casework.Suspended); err != nil {
			return nil, err
		}
		// The inbox first: it is the reviewer's main list.
		if n := len(out); n >= 2 && out[n-2].Key == "joint" {
			out[n-2], out[n-1] = out[n-1], out[n-2]
		}
	}
	if casework.WorksAt(a, casework.DeskCashier) {
		if err := one(&queue{Key: "payment", Title: "待缴费", Hint: "已批准、等待缴费的办件：收款后凭银行缴款凭证号确认",
			Empty: "没有待缴费的办件。"}, true, casework.AwaitingPayment); err != nil {
			return nil, err
		}
	}
	if casework.WorksAt(a, casework.DeskSupervise) {
		ext := &queue{Key: "extension", Title: "延期待审批", Hint: "承办人员申请延长办理期限：审核理由后批准",
			Empty: "没有待审批的延期申请。"}
		if err := one(ext, true, casework.Accepted, casework.InProgress, casework.Suspended); err != nil {
			return nil, err
		}
		for i := range ext.Rows {
			ext.Rows[i].Next = "审批延期"
		}
		q := &queue{Key: "overdue", Title: "超期办件", Hint: "已过办结期限仍未办结的办件", Empty: "没有超期办件。"}
		query := f.query()
		query.Overdue, query.Limit = true, queueFetch
		list, total, err := s.d.Cases.List(ctx, a, query)
		if err != nil {
			return nil, err
		}
		q.Rows, q.Total = rows(list, a), total
		for i := range q.Rows {
			q.Rows[i].Next = "督办（" + q.Rows[i].Next + "）"
		}
		trim(q, f, "")
		out = append(out, q)
	}
	return out, nil
}

// todo reads the to-do list (or, with todo false, the whole list) of the
// statuses given, narrowed by the filter. It returns nil rows when the
// status filter rules every status out.
func (s *server) todo(ctx context.Context, a *zwfw.Actor, f workFilter, todo bool, statuses ...string) ([]caseRow, int, error) {
	if f.Status != "" {
		if !slices.Contains(statuses, f.Status) {
			return nil, 0, nil
		}
		statuses = []string{f.Status}
	}
	q := f.query()
	q.Status, q.Todo, q.Limit = statuses, todo, queueFetch
	list, total, err := s.d.Cases.List(ctx, a, q)
	if err != nil {
		return nil, 0, err
	}
	return rows(list, a), total, nil
}

// split sets the total of one part of a shared read: exact when the read
// held every case, else what was read.
func split(q *queue, total, read int, f workFilter, status string) {
	q.Total = len(q.Rows)
	if total > read {
		q.Total = -1 // unknown: more than were read
	}
	trim(q, f, status)
}

// trim keeps the first rows of a queue and links to the whole list.
func trim(q *queue, f workFilter, status string) {
	if len(q.Rows) > queueShown || q.Total > len(q.Rows) || q.Total < 0 {
		g := f
		if status != "" {
			g.Status = status
		}
		q.More = g.URL("all", 1)
	}
	if len(q.Rows) > queueShown {
		q.Rows = q.Rows[:queueShown]
	}
}

// allCases is every case in the actor's scope that matches the filter,
// newest first, a page at a time: to find a case that waits for nobody
// (a rejected one whose notice must be printed again, a delivered one).
func (s *server) allCases(ctx context.Context, a *zwfw.Actor, f workFilter) (*queue, int, error) {
	q := f.query()
	q.Limit, q.Offset = allPerPage, (f.Page-1)*allPerPage
	list, total, err := s.d.Cases.List(ctx, a, q)
	if err != nil {
		return nil, 1, err
	}
	return &queue{Key: "all", Title: "全部办件", Rows: rows(list, a), Total: total,
		Empty: "没有符合条件的办件。"}, max(1, (total+allPerPage-1)/allPerPage), nil
}

// ownDept is the display name of the actor's own department, to tell the
// joint cases it leads from those it joins. (Summaries carry the lead
// department's name only; see the report's service gaps.)
func (s *server) ownDept(ctx context.Context, a *zwfw.Actor) string {
	o, err := s.d.Orgs.ByCode(ctx, a.OrgCode)
	if err != nil {
		return ""
	}
	return o.DisplayName()
}

// rows are the listed cases with their deadlines and next steps.
func rows(list []casework.Summary, a *zwfw.Actor) []caseRow {
	out := make([]caseRow, len(list))
	for i, c := range list {
		out[i] = caseRow{Summary: c, DL: deadlineOf(c.Due, c.Deadline), Next: nextStep(a, c)}
	}
	return out
}

// nextStep says in a few words what a listed case waits for.
func nextStep(a *zwfw.Actor, c casework.Summary) string {
	switch c.Status {
	case casework.Submitted:
		if c.Channel == casework.ChannelOnline {
			return "预审：受理 / 告知 / 不予受理"
		}
		return "受理"
	case casework.SupplementRequired:
		return "等待申请人补正"
	case casework.Accepted:
		switch c.Kind {
		case catalog.KindImmediate:
			return "当场办结"
		case catalog.KindUpward:
			return "上报上级"
		case catalog.KindJoint:
			return "联合审查"
		}
		return "审查"
	case casework.InProgress:
		if c.Kind == catalog.KindUpward {
			return "上级审批"
		}
		return "审查 · 决定"
	case casework.Suspended:
		return "特别程序中"
	case casework.Approved:
		return "出具结果 · 办结"
	case casework.Denied:
		return "送达不予批准决定 · 办结"
	case casework.AwaitingPayment:
		if casework.WorksAt(a, casework.DeskCashier) {
			return "收款确认"
		}
		return "等待缴费"
	case casework.Completed:
		return "送达"
	}
	return c.StatusName
}

// workOptions fills the filter bar's choices.
func (s *server) workOptions(ctx context.Context, a *zwfw.Actor, p *workHomePage) error {
	for _, st := range casework.Statuses {
		p.Statuses = append(p.Statuses, option{st, casework.StatusName(st)})
	}
	for _, k := range catalog.Kinds {
		p.Kinds = append(p.Kinds, option{k.Code, k.Name})
	}
	items, _, err := s.d.Catalog.Search(ctx, catalog.Query{Status: "all", Limit: 500})
	if err != nil {
		return err
	}
	for _, it := range items {
		p.Items = append(p.Items, option{it.Code, it.Name})
	}
	centres, err := s.centres(ctx, "")
	if err != nil {
		return err
	}
	for _, o := range centres {
		p.Orgs = append(p.Orgs, option{o.Code, o.DisplayName()})
	}
	return nil
}

// centres lists the active service centres under path ("" for all).
func (s *server) centres(ctx context.Context, path string) ([]*org.Org, error) {
	all, err := s.d.Orgs.List(ctx, path)
	if err != nil {
		return nil, err
	}
	var out []*org.Org
	for _, o := range all {
		if o.Kind == org.KindCentre && o.Active {
			out = append(out, o)
		}
	}
	return out, nil
}
