package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/catalog"
	"zwfw/internal/exchange"
	"zwfw/internal/org"
)

// canCatalog: catalog administrators and system administrators keep the
// catalog; canAdmin: system administrators keep the tree and the accounts.
// The services decide; these only choose what the pages offer.
func canCatalog(a *zwfw.Actor) bool { return catalog.MayMaintain(a) == nil }
func canAdmin(a *zwfw.Actor) bool   { return account.MayManageAccounts(a) == nil }

func needAdmin(a *zwfw.Actor) error {
	if !canAdmin(a) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有系统管理员可以管理机构和账户。")
	}
	return nil
}

func needCatalog(a *zwfw.Actor) error {
	if !canCatalog(a) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有事项管理员可以维护事项清单。")
	}
	return nil
}

type adminHomePage struct {
	base
	User       *account.User
	CanCatalog bool
	CanAdmin   bool
	Active     int
	Cancelled  int
	Orgs       int
	Users      int
	// CanExchange: the platform's administrators manage the county ↔
	// city exchange (exchange.MayManage).
	CanExchange bool
	Exchange    []exchange.PeerStatus
}

func (s *server) adminHome(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	u, err := s.d.Users.ByUsername(ctx, a.Username)
	if err != nil {
		return err
	}
	p := adminHomePage{base: s.base(w, r, "工作台"), User: u, CanCatalog: canCatalog(a), CanAdmin: canAdmin(a)}
	p.Nav = "admin"
	if s.d.Exchange != nil && s.d.Exchange.May(ctx, a) == nil {
		p.CanExchange = true
		if p.Exchange, err = s.d.Exchange.Status(ctx, false); err != nil {
			return err
		}
	}
	if p.CanCatalog {
		if _, p.Active, err = s.d.Catalog.Search(ctx, catalog.Query{Limit: 1}); err != nil {
			return err
		}
		if _, p.Cancelled, err = s.d.Catalog.Search(ctx, catalog.Query{Status: catalog.StatusCancelled, Limit: 1}); err != nil {
			return err
		}
	}
	if p.CanAdmin {
		all, err := s.d.Orgs.List(ctx, a.OrgPath)
		if err != nil {
			return err
		}
		p.Orgs = len(all)
		if _, p.Users, err = s.d.Users.List(ctx, a, account.UserQuery{Limit: 1}); err != nil {
			return err
		}
	}
	s.render(w, r, http.StatusOK, "admin_home", p)
	return nil
}

// childKinds says which kinds of node may be created under each kind (the
// org service's placement rule, inverted for the "新建下级" menu).
var childKinds = map[string][]string{
	org.KindCity:    {org.KindCounty, org.KindDept, org.KindCentre},
	org.KindCounty:  {org.KindTown, org.KindDept, org.KindCentre},
	org.KindTown:    {org.KindVillage, org.KindDept, org.KindCentre},
	org.KindVillage: {org.KindCentre},
	org.KindCentre:  {org.KindWindow},
}

type orgsPage struct {
	base
	Roots []*org.Org
	Count int
	Depth int // the actor's own depth; two levels below it start open
}

// orgNode is one node of the tree as its template sees it.
type orgNode struct {
	O     *org.Org
	P     *orgsPage
	Kids  []string
	Above bool // the actor administers it from above: may edit, re-code and deactivate it (org.Above)
}

// Node wraps o for the recursive tree template.
func (p *orgsPage) Node(o *org.Org) orgNode {
	return orgNode{O: o, P: p, Kids: childKinds[o.Kind], Above: org.Above(p.Actor, o)}
}

// Open reports whether the node starts unfolded.
func (n orgNode) Open() bool { return n.O.Depth < n.P.Depth+2 }

func (s *server) adminOrgs(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	if err := needAdmin(a); err != nil {
		return err
	}
	all, err := s.d.Orgs.List(r.Context(), a.OrgPath)
	if err != nil {
		return err
	}
	p := &orgsPage{base: s.base(w, r, "机构管理"), Roots: org.BuildTree(all), Count: len(all), Depth: strings.Count(a.OrgPath, "/") - 2}
	p.Nav = "orgs"
	s.render(w, r, http.StatusOK, "admin_orgs", p)
	return nil
}

type orgForm struct {
	base
	IsNew       bool
	Code        string // the node being edited
	In          org.Input
	Active      bool
	Parent      *org.Org
	Kinds       []string
	Depts       []*org.Org
	WindowTypes []string
	Errors      fieldErrors
	Error       string
}

func (s *server) orgFormPage(w http.ResponseWriter, r *http.Request, f *orgForm, st int) error {
	x, err := s.orgIndex(r.Context())
	if err != nil {
		return err
	}
	for _, o := range x.all {
		if o.Kind == org.KindDept && o.Active {
			f.Depts = append(f.Depts, o)
		}
	}
	f.WindowTypes = []string{org.WindowComprehensive, org.WindowSpecialised, org.WindowPayment}
	if f.Parent == nil && f.In.ParentCode != "" {
		f.Parent = x.byCode[f.In.ParentCode]
	}
	if f.Parent != nil && f.IsNew {
		f.Kinds = childKinds[f.Parent.Kind]
	}
	f.base = s.base(w, r, f.Title)
	f.Nav = "orgs"
	if f.Errors == nil {
		f.Errors = fieldErrors{}
	}
	s.render(w, r, st, "admin_org_form", f)
	return nil
}

func (s *server) adminOrgNew(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	if err := needAdmin(a); err != nil {
		return err
	}
	parent, err := s.d.Orgs.ByCode(r.Context(), r.URL.Query().Get("parent"))
	if err != nil {
		return zwfw.Errorf(zwfw.ENOTFOUND, "请先在机构树中选择上级机构，再点“新建下级”。")
	}
	if !a.InScope(parent.Path) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "机构“%s”不在您的管辖范围内。", parent.DisplayName())
	}
	kinds := childKinds[parent.Kind]
	if len(kinds) == 0 {
		return zwfw.Errorf(zwfw.EINVALID, "%s之下不能再设下级机构。", org.KindName(parent.Kind))
	}
	in := org.Input{ParentCode: parent.Code, Kind: kinds[0], Code: parent.Code}
	if k := r.URL.Query().Get("kind"); slices.Contains(kinds, k) {
		in.Kind = k
	}
	if in.Kind == org.KindWindow {
		in.WindowType = org.WindowComprehensive
	}
	f := &orgForm{base: base{Title: "新建下级机构"}, IsNew: true, In: in, Active: true, Parent: parent}
	return s.orgFormPage(w, r, f, http.StatusOK)
}

func readOrgInput(r *http.Request) org.Input {
	v := r.PostForm
	sort, _ := strconv.Atoi(strings.TrimSpace(v.Get("sort")))
	active := v.Get("active") == "1"
	in := org.Input{
		Code: v.Get("code"), ParentCode: v.Get("parent_code"), Kind: v.Get("kind"), Name: v.Get("name"),
		FullName: v.Get("full_name"), Sort: sort, CreditCode: v.Get("credit_code"), Phone: v.Get("phone"),
		Address: v.Get("address"), Hours: v.Get("hours"), Active: &active,
	}
	if in.Kind == org.KindWindow {
		in.WindowType, in.DeptCode = v.Get("window_type"), v.Get("dept_code")
	}
	return in
}

// formStatus is the status of a form sent back for correction: 422, or
// 409 for a conflict (a duplicate code, a stale version).
func formStatus(err error) int {
	if zwfw.ErrorCode(err) == zwfw.ECONFLICT {
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}

// formError turns a service error into the form's state, or returns it
// when it is not about the input (403, 404, internal).
func formError(err error) (fieldErrors, string, error) {
	switch zwfw.ErrorCode(err) {
	case zwfw.EINVALID, zwfw.ECONFLICT:
		fe, msg := fromError(err)
		if msg == "" {
			msg = "请按提示修改后重新提交。"
		}
		return fe, msg, nil
	}
	return nil, "", err
}

func (s *server) adminOrgCreate(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	in := readOrgInput(r)
	o, err := s.d.Orgs.Create(r.Context(), a, in)
	if err != nil {
		st := formStatus(err)
		fe, msg, err := formError(err)
		if err != nil {
			return err
		}
		f := &orgForm{base: base{Title: "新建下级机构"}, IsNew: true, In: in, Active: *in.Active, Errors: fe, Error: msg}
		return s.orgFormPage(w, r, f, st)
	}
	s.redirect(w, r, "/admin/orgs#org-"+url.PathEscape(o.Code), "ok", "已新建"+o.KindName()+"“"+o.DisplayName()+"”。")
	return nil
}

func (s *server) adminOrgEdit(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	if err := needAdmin(a); err != nil {
		return err
	}
	o, err := s.d.Orgs.ByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	if !a.InScope(o.Path) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "机构“%s”不在您的管辖范围内。", o.DisplayName())
	}
	f := &orgForm{base: base{Title: "编辑机构：" + o.Name}, Code: o.Code, In: inputOf(o), Active: o.Active}
	return s.orgFormPage(w, r, f, http.StatusOK)
}

func inputOf(o *org.Org) org.Input {
	active := o.Active
	return org.Input{Code: o.Code, ParentCode: o.ParentCode, Kind: o.Kind, Name: o.Name, FullName: o.FullName, Sort: o.Sort,
		CreditCode: o.CreditCode, DeptCode: o.DeptCode, WindowType: o.WindowType, Phone: o.Phone, Address: o.Address,
		Hours: o.Hours, Active: &active}
}

func (s *server) adminOrgUpdate(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	code := r.PathValue("code")
	cur, err := s.d.Orgs.ByCode(r.Context(), code)
	if err != nil {
		return err
	}
	in := readOrgInput(r)
	in.Kind, in.ParentCode = cur.Kind, cur.ParentCode // the form moves nothing
	o, err := s.d.Orgs.Update(r.Context(), a, code, in)
	if err != nil {
		st := formStatus(err)
		fe, msg, err := formError(err)
		if err != nil {
			return err
		}
		f := &orgForm{base: base{Title: "编辑机构：" + cur.Name}, Code: code, In: in, Active: *in.Active, Errors: fe, Error: msg}
		return s.orgFormPage(w, r, f, st)
	}
	s.redirect(w, r, "/admin/orgs#org-"+url.PathEscape(o.Code), "ok", "已保存“"+o.DisplayName()+"”。")
	return nil
}

func (s *server) adminOrgActive(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	cur, err := s.d.Orgs.ByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	in := inputOf(cur)
	on := r.PostFormValue("active") == "1"
	in.Active = &on
	if _, err := s.d.Orgs.Update(r.Context(), a, cur.Code, in); err != nil {
		if zwfw.ErrorCode(err) == zwfw.EINVALID {
			s.redirect(w, r, "/admin/orgs#org-"+url.PathEscape(cur.Code), "warn", zwfw.ErrorMessage(err))
			return nil
		}
		return err
	}
	msg := "已停用“" + cur.DisplayName() + "”。"
	if on {
		msg = "已启用“" + cur.DisplayName() + "”。"
	}
	s.redirect(w, r, "/admin/orgs#org-"+url.PathEscape(cur.Code), "ok", msg)
	return nil
}

// Users.

type usersPage struct {
	base
	Users    []*account.User
	Total    int
	Q        string
	Role     string
	OrgCode  string
	Kind     string
	Page     int
	LastPage int
	Roles    []string
	Orgs     []*org.Org
}

// PageURL is the link to page n of the list with the same filters.
func (p *usersPage) PageURL(n int) string {
	v := url.Values{}
	for k, val := range map[string]string{"q": p.Q, "role": p.Role, "org": p.OrgCode, "kind": p.Kind} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	return "/admin/users?" + v.Encode()
}

// Locked reports whether u is locked out now.
func (p *usersPage) Locked(u *account.User) bool { return u.LockedUntil.After(p.Now) }

const usersPerPage = 50

func (s *server) adminUsers(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	if err := needAdmin(a); err != nil {
		return err
	}
	q := r.URL.Query()
	p := &usersPage{base: s.base(w, r, "用户管理"), Q: strings.TrimSpace(q.Get("q")), Role: q.Get("role"), OrgCode: q.Get("org"),
		Kind: q.Get("kind"), Roles: zwfw.StaffRoles}
	p.Nav = "users"
	if p.Kind != "applicant" {
		p.Kind = ""
	}
	p.Page, _ = strconv.Atoi(q.Get("page"))
	p.Page = max(p.Page, 1)
	users, total, err := s.d.Users.List(r.Context(), a, account.UserQuery{Q: p.Q, Role: p.Role, OrgCode: p.OrgCode, Kind: p.Kind,
		Limit: usersPerPage, Offset: (p.Page - 1) * usersPerPage})
	if err != nil {
		if zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			return err
		}
		p.Flash = &flash{Kind: "warn", Message: "筛选的机构不存在。"}
	}
	p.Users, p.Total = users, total
	p.LastPage = (total + usersPerPage - 1) / usersPerPage
	if p.Orgs, err = s.scopeOrgs(r, false); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "admin_users", p)
	return nil
}

// scopeOrgs lists the nodes in the actor's subtree: the organisations a
// staff account may belong to, or (windows) the windows.
func (s *server) scopeOrgs(r *http.Request, windows bool) ([]*org.Org, error) {
	all, err := s.d.Orgs.List(r.Context(), actor(r).OrgPath)
	if err != nil {
		return nil, err
	}
	var out []*org.Org
	for _, o := range org.Flatten(org.BuildTree(all)) {
		if (o.Kind == org.KindWindow) == windows {
			out = append(out, o)
		}
	}
	return out, nil
}

type userForm struct {
	base
	IsNew    bool
	Username string
	In       account.UserInput
	Active   bool
	User     *account.User // the account being edited
	Locked   bool
	Roles    []string
	Orgs     []*org.Org
	Windows  []windowOption
	Errors   fieldErrors
	Error    string
	Rule     string
}

type windowOption struct {
	Code, Label string
}

// HasRole reports whether the form has role ticked.
func (f *userForm) HasRole(role string) bool { return slices.Contains(f.In.Roles, role) }

func (s *server) userFormPage(w http.ResponseWriter, r *http.Request, f *userForm, st int) error {
	var err error
	if f.Orgs, err = s.scopeOrgs(r, false); err != nil {
		return err
	}
	wins, err := s.scopeOrgs(r, true)
	if err != nil {
		return err
	}
	x, err := s.orgIndex(r.Context())
	if err != nil {
		return err
	}
	for _, win := range wins {
		label := win.Name
		if c := x.byID[win.ParentID]; c != nil {
			label = c.DisplayName() + " · " + win.Name
		}
		f.Windows = append(f.Windows, windowOption{Code: win.Code, Label: label})
	}
	f.Roles = zwfw.StaffRoles
	f.Rule = passwordRule
	if f.Errors == nil {
		f.Errors = fieldErrors{}
	}
	title := f.Title
	f.base = s.base(w, r, title)
	f.Nav = "users"
	if f.User != nil {
		f.Locked = f.User.LockedUntil.After(f.Now)
	}
	s.render(w, r, st, "admin_user_form", f)
	return nil
}

func (s *server) adminUserNew(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	if err := needAdmin(a); err != nil {
		return err
	}
	f := &userForm{base: base{Title: "新建工作人员账户"}, IsNew: true, Active: true, In: account.UserInput{OrgCode: r.URL.Query().Get("org")}}
	return s.userFormPage(w, r, f, http.StatusOK)
}

func readUserInput(r *http.Request) account.UserInput {
	v := r.PostForm
	active := v.Get("active") == "1"
	return account.UserInput{Username: v.Get("username"), Password: v.Get("password"), Name: v.Get("name"), Phone: v.Get("phone"),
		Roles: v["roles"], OrgCode: v.Get("org_code"), WindowCode: v.Get("window_code"), Post: v.Get("post"), Active: &active}
}

func (s *server) adminUserCreate(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	in := readUserInput(r)
	u, err := s.d.Users.CreateStaff(r.Context(), a, in)
	if err != nil {
		st := formStatus(err)
		conflict := zwfw.ErrorCode(err) == zwfw.ECONFLICT
		fe, msg, err := formError(err)
		if err != nil {
			return err
		}
		if conflict && len(fe) == 0 {
			fe = fieldErrors{"username": {msg}}
		}
		in.Password = ""
		f := &userForm{base: base{Title: "新建工作人员账户"}, IsNew: true, In: in, Active: *in.Active, Errors: fe, Error: msg}
		return s.userFormPage(w, r, f, st)
	}
	s.redirect(w, r, "/admin/users?q="+url.QueryEscape(u.Username), "ok",
		"已创建账户 "+u.Username+"（"+u.Name+"）。首次登录时须修改初始密码。")
	return nil
}

func (s *server) editableUser(r *http.Request) (*account.User, error) {
	return s.d.Users.ManagedStaff(r.Context(), actor(r), r.PathValue("username"))
}

func userInputOf(u *account.User) account.UserInput {
	active := u.Active
	return account.UserInput{Username: u.Username, Name: u.Name, Phone: u.Phone, Roles: u.Roles, OrgCode: u.OrgCode,
		WindowCode: u.WindowCode, Post: u.Post, Active: &active}
}

func (s *server) adminUserEdit(w http.ResponseWriter, r *http.Request) error {
	u, err := s.editableUser(r)
	if err != nil {
		return err
	}
	f := &userForm{base: base{Title: "编辑账户：" + u.Username}, Username: u.Username, User: u, In: userInputOf(u), Active: u.Active}
	return s.userFormPage(w, r, f, http.StatusOK)
}

func (s *server) adminUserUpdate(w http.ResponseWriter, r *http.Request) error {
	u, err := s.editableUser(r)
	if err != nil {
		return err
	}
	in := readUserInput(r)
	in.Username, in.Password = u.Username, "" // the password has its own form
	if _, err := s.d.Users.UpdateStaff(r.Context(), actor(r), u.Username, in); err != nil {
		st := formStatus(err)
		fe, msg, err := formError(err)
		if err != nil {
			return err
		}
		f := &userForm{base: base{Title: "编辑账户：" + u.Username}, Username: u.Username, User: u, In: in, Active: *in.Active, Errors: fe, Error: msg}
		return s.userFormPage(w, r, f, st)
	}
	s.redirect(w, r, "/admin/users/"+url.PathEscape(u.Username)+"/edit", "ok", "已保存账户 "+u.Username+"。")
	return nil
}

func (s *server) adminUserPassword(w http.ResponseWriter, r *http.Request) error {
	u, err := s.editableUser(r)
	if err != nil {
		return err
	}
	in := userInputOf(u)
	in.Password = r.PostFormValue("password")
	fe := fieldErrors{}
	if in.Password == "" {
		fe.add("password", "请填写新密码")
	} else if _, err := s.d.Users.UpdateStaff(r.Context(), actor(r), u.Username, in); err != nil {
		var msg string
		if fe, msg, err = formError(err); err != nil {
			return err
		}
		if len(fe) == 0 {
			fe.add("password", msg)
		}
	} else {
		s.redirect(w, r, "/admin/users/"+url.PathEscape(u.Username)+"/edit", "ok",
			"已重置 "+u.Username+" 的密码并解除锁定；其登录已全部退出，下次登录时须修改密码。")
		return nil
	}
	f := &userForm{base: base{Title: "编辑账户：" + u.Username}, Username: u.Username, User: u, In: userInputOf(u), Active: u.Active,
		Errors: fe, Error: "密码未重置，请按提示更正。"}
	return s.userFormPage(w, r, f, status(zwfw.EINVALID))
}

func (s *server) adminUserUnlock(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	username := r.PathValue("username")
	if err := s.d.Users.Unlock(r.Context(), a, username); err != nil {
		return err
	}
	back := safeNext(r.PostFormValue("next"), "/admin/users/"+url.PathEscape(username)+"/edit")
	s.redirect(w, r, back, "ok", "已解除 "+username+" 的登录锁定。")
	return nil
}
