package web

import (
	"encoding/xml"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/config"
	"zwfw/internal/disclosure"
	"zwfw/internal/files"
	"zwfw/internal/org"
)

// 政务公开 (实施方案 §2(4)): the public index, list and search, one
// document, its attachments and the feed of notices; the staff's pages
// under /admin/gongkai to draft, submit, publish, return and withdraw
// (internal/disclosure decides who may), and the county's footer marks.

func init() {
	pages = append(pages, "gongkai", "gongkai_docs", "gongkai_doc", "admin_gongkai", "admin_gongkai_new", "admin_gongkai_doc", "admin_gongkai_site")
}

// GongkaiCSS loads gongkai.css on the 政务公开 pages.
func (b base) GongkaiCSS() bool {
	p, _, _ := strings.Cut(b.Path, "?")
	return p == "/gongkai" || strings.HasPrefix(p, "/gongkai/") || strings.HasPrefix(p, "/admin/gongkai")
}

// CanGongkai shows 政务公开 in the staff menu to those who manage it.
func (b base) CanGongkai() bool { return disclosure.MayManage(b.Actor) == nil }

// withMarks puts the county's government-site marks, where set, over the
// configured ones (the footer and the SiteIDCode meta read Site).
func (s *server) withMarks(r *http.Request, site config.Site) config.Site {
	if s.d.Disclosure == nil {
		return site
	}
	m, err := s.d.Disclosure.Site(r.Context(), site.RegionCode)
	if err != nil {
		s.d.Log.Warn("site marks", "err", err)
		return site
	}
	if m.IDCode != "" {
		site.IDCode = m.IDCode
	}
	if m.ICP != "" {
		site.ICP = m.ICP
	}
	if m.PSB != "" {
		site.PublicSec = m.PSB
	}
	return site
}

// ---- Public pages ----

type gongkaiSection struct {
	Kind disclosure.Kind
	Docs []disclosure.Ref
}

type gongkaiPage struct {
	base
	Sections []gongkaiSection
}

// gongkaiHome is the index: the newest of each kind, the search and the
// reports of issue 11.
func (s *server) gongkaiHome(w http.ResponseWriter, r *http.Request) error {
	p := gongkaiPage{base: s.base(w, r, "政务公开")}
	p.Nav = "gongkai"
	for _, k := range disclosure.Kinds {
		list, _, err := s.d.Disclosure.Search(r.Context(), disclosure.Query{Kind: k.Code, Limit: 5})
		if err != nil {
			return err
		}
		p.Sections = append(p.Sections, gongkaiSection{Kind: k, Docs: list})
	}
	s.render(w, r, http.StatusOK, "gongkai", p)
	return nil
}

type gongkaiDocsPage struct {
	base
	Q, Kind  string
	KindName string
	Kinds    []disclosure.Kind
	Docs     []disclosure.Ref
	Total    int
	Page     int
	LastPage int
}

// PageURL is the address of page n of the same search.
func (p gongkaiDocsPage) PageURL(n int) string {
	v := url.Values{}
	if p.Q != "" {
		v.Set("q", p.Q)
	}
	if p.Kind != "" {
		v.Set("kind", p.Kind)
	}
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	if len(v) == 0 {
		return "/gongkai/docs"
	}
	return "/gongkai/docs?" + v.Encode()
}

const gongkaiPageSize = 20

// gongkaiDocs lists and searches published documents.
func (s *server) gongkaiDocs(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p := gongkaiDocsPage{Q: strings.TrimSpace(q.Get("q")), Kind: q.Get("kind"), Kinds: disclosure.Kinds, Page: 1}
	if disclosure.KindOf(p.Kind) == nil {
		p.Kind = ""
	}
	p.KindName = disclosure.KindName(p.Kind)
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 && n < 1000 {
		p.Page = n
	}
	var err error
	p.Docs, p.Total, err = s.d.Disclosure.Search(r.Context(), disclosure.Query{Q: p.Q, Kind: p.Kind, Limit: gongkaiPageSize, Offset: (p.Page - 1) * gongkaiPageSize})
	if err != nil {
		return err
	}
	p.LastPage = (p.Total + gongkaiPageSize - 1) / gongkaiPageSize
	title := "政务公开"
	if p.KindName != "" {
		title += " · " + p.KindName
	}
	if p.Q != "" {
		title = "“" + p.Q + "”的搜索结果 · 政务公开"
	}
	p.base = s.base(w, r, title)
	p.Nav = "gongkai"
	s.render(w, r, http.StatusOK, "gongkai_docs", p)
	return nil
}

type gongkaiDocPage struct {
	base
	D     *disclosure.Doc
	Kind  *disclosure.Kind
	Items []gongkaiItem
}

// gongkaiItem is an item a document names, with its name for the link.
type gongkaiItem struct{ Code, Name string }

func docID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, zwfw.Errorf(zwfw.ENOTFOUND, "没有找到这份公开文件")
	}
	return id, nil
}

// itemsOf names the items of a document (a cancelled or unknown code is
// shown as it is).
func (s *server) itemsOf(r *http.Request, codes []string) []gongkaiItem {
	var out []gongkaiItem
	for _, c := range codes {
		it := gongkaiItem{Code: c, Name: c}
		if item, err := s.d.Catalog.Get(r.Context(), c); err == nil {
			it.Name = item.Name
		}
		out = append(out, it)
	}
	return out
}

func (s *server) gongkaiDoc(w http.ResponseWriter, r *http.Request) error {
	id, err := docID(r)
	if err != nil {
		return err
	}
	d, err := s.d.Disclosure.Public(r.Context(), id)
	if err != nil {
		return err
	}
	p := gongkaiDocPage{base: s.base(w, r, d.Title+" · 政务公开"), D: d, Kind: disclosure.KindOf(d.Kind), Items: s.itemsOf(r, d.Items)}
	p.Nav = "gongkai"
	s.render(w, r, http.StatusOK, "gongkai_doc", p)
	return nil
}

// serveAttachment writes a stored PDF or OFD file.
func (s *server) serveAttachment(w http.ResponseWriter, a *disclosure.Attachment) error {
	f, err := s.d.Files.Open(a.SHA256)
	if err != nil {
		return err
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("Content-Disposition", files.Disposition(a.Name, a.ContentType, ""))
	h.Set("X-Content-Type-Options", "nosniff")
	_, err = io.Copy(w, f)
	return err
}

func (s *server) gongkaiFile(w http.ResponseWriter, r *http.Request) error {
	id, err := docID(r)
	if err != nil {
		return err
	}
	if !files.ValidSHA(r.PathValue("sha")) {
		return zwfw.Errorf(zwfw.ENOTFOUND, "没有这个附件")
	}
	a, err := s.d.Disclosure.PublicFile(r.Context(), id, r.PathValue("sha"))
	if err != nil {
		return err
	}
	return s.serveAttachment(w, a)
}

// The feed of notices (RSS 2.0).
type rss struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title       string    `xml:"title"`
	Link        string    `xml:"link"`
	Description string    `xml:"description"`
	Language    string    `xml:"language"`
	Items       []rssItem `xml:"item"`
}

type rssItem struct {
	Title   string `xml:"title"`
	Link    string `xml:"link"`
	GUID    string `xml:"guid"`
	PubDate string `xml:"pubDate"`
	Desc    string `xml:"description,omitempty"`
}

// gongkaiFeed is the RSS 2.0 feed of the newest notices (通知公告).
func (s *server) gongkaiFeed(w http.ResponseWriter, r *http.Request) error {
	list, _, err := s.d.Disclosure.Search(r.Context(), disclosure.Query{Kind: disclosure.KindNotice, Limit: 50})
	if err != nil {
		return err
	}
	site := "http://" + r.Host
	if s.d.Config.Site.Domain != "" {
		site = "https://" + s.d.Config.Site.Domain
	}
	feed := rss{Version: "2.0", Channel: rssChannel{Title: s.d.Config.Site.Name + " · 通知公告", Link: site + "/gongkai/docs?kind=notice",
		Description: "政务公开 · 通知公告", Language: "zh-cn"}}
	for _, d := range list {
		link := fmt.Sprintf("%s/gongkai/docs/%d", site, d.ID)
		feed.Channel.Items = append(feed.Channel.Items, rssItem{Title: d.Title, Link: link, GUID: link,
			PubDate: d.PublishedAt.In(zwfw.Zone).Format(time.RFC1123Z), Desc: d.Number})
	}
	b, err := xml.MarshalIndent(feed, "", " ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = io.WriteString(w, xml.Header)
	_, err = w.Write(b)
	return err
}

// ---- Staff pages ----

type adminGongkaiPage struct {
	base
	List   []disclosure.Summary
	State  string
	States []string
	MayNew bool
}

// StateName is the Chinese name of a state.
func (adminGongkaiPage) StateName(s string) string { return disclosure.StateName(s) }

func (s *server) gongkaiBase(w http.ResponseWriter, r *http.Request, title string) base {
	b := s.base(w, r, title)
	b.Nav = "gongkai-admin"
	return b
}

func (s *server) adminGongkai(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	st := r.URL.Query().Get("state")
	if disclosure.StateName(st) == "" {
		st = ""
	}
	list, err := s.d.Disclosure.List(r.Context(), a, st)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "admin_gongkai", adminGongkaiPage{base: s.gongkaiBase(w, r, "政务公开管理"), List: list, State: st,
		States: []string{disclosure.Draft, disclosure.Review, disclosure.Published, disclosure.Withdrawn}, MayNew: disclosure.May(a, nil, disclosure.ActCreate) == nil})
	return nil
}

// gongkaiForm is the form of a version: the new page and the edit part of
// a document's page share it.
type gongkaiForm struct {
	Kind     *disclosure.Kind
	Org      string
	Orgs     []*org.Org // where a new document may be issued
	C        disclosure.Content
	Items    string
	Version  int
	Policies []disclosure.Ref // what a 政策解读 may interpret
	Errors   []zwfw.ErrorDetail
	Message  string
	Action   string
}

// FieldError is the message of a field's problem ("" when none).
func (f gongkaiForm) FieldError(field string) string {
	for _, d := range f.Errors {
		if d.Field == field {
			return d.Message
		}
	}
	return ""
}

type adminGongkaiNewPage struct {
	base
	Kinds []disclosure.Kind
	F     *gongkaiForm
}

func (s *server) newForm(r *http.Request, kind *disclosure.Kind, c disclosure.Content, err error) (*gongkaiForm, error) {
	f := &gongkaiForm{Kind: kind, C: c, Items: strings.Join(c.Items, " ")}
	if kind.Interprets {
		laws, _, err := s.d.Disclosure.Search(r.Context(), disclosure.Query{Kind: disclosure.KindPolicy, Limit: 100})
		if err != nil {
			return nil, err
		}
		f.Policies = laws
	}
	if err != nil {
		f.Message = zwfw.ErrorMessage(err)
		var e *zwfw.Error
		if asError(err, &e) {
			f.Errors = e.Details
		}
	}
	return f, nil
}

func (s *server) renderGongkaiNew(w http.ResponseWriter, r *http.Request, st int, kind, orgCode string, c disclosure.Content, err error) error {
	a := actor(r)
	if err := disclosure.May(a, nil, disclosure.ActCreate); err != nil {
		return err
	}
	p := adminGongkaiNewPage{base: s.gongkaiBase(w, r, "起草政务公开内容"), Kinds: disclosure.Kinds}
	if k := disclosure.KindOf(kind); k != nil {
		f, ferr := s.newForm(r, k, c, err)
		if ferr != nil {
			return ferr
		}
		f.Org, f.Action = orgCode, "/admin/gongkai"
		if f.Org == "" {
			f.Org = a.OrgCode
		}
		all, lerr := s.d.Orgs.List(r.Context(), a.OrgPath)
		if lerr != nil {
			return lerr
		}
		for _, o := range all {
			if o.Active && (org.IsRegion(o.Kind) || o.Kind == org.KindDept || o.Kind == org.KindCentre) {
				f.Orgs = append(f.Orgs, o)
			}
		}
		p.F = f
	}
	s.render(w, r, st, "admin_gongkai_new", p)
	return nil
}

func (s *server) adminGongkaiNew(w http.ResponseWriter, r *http.Request) error {
	return s.renderGongkaiNew(w, r, http.StatusOK, r.URL.Query().Get("kind"), "", disclosure.Content{}, nil)
}

// contentOf reads a version from the form; new attachments are stored
// through internal/files (its type and size checks), the kept ones
// carried over from keep.
func (s *server) contentOf(r *http.Request, kind *disclosure.Kind, keep []disclosure.Attachment) (disclosure.Content, error) {
	f := r.PostForm
	c := disclosure.Content{Title: f.Get("title"), Number: f.Get("number"), Body: f.Get("body"), Items: disclosure.SplitCodes(f.Get("items")),
		Fields: map[string]string{}}
	if kind == nil {
		return c, nil
	}
	for _, fl := range kind.Fields {
		c.Fields[fl.Key] = f.Get("f_" + fl.Key)
	}
	if kind.Interprets {
		c.Interprets, _ = strconv.ParseInt(f.Get("interprets"), 10, 64)
	}
	for _, a := range keep {
		for _, sha := range f["keep"] {
			if sha == a.SHA256 {
				c.Attachments = append(c.Attachments, a)
			}
		}
	}
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["files"] {
			a, err := s.storeAttachment(r, fh)
			if err != nil {
				return c, err
			}
			c.Attachments = append(c.Attachments, a)
		}
	}
	return c, nil
}

func (s *server) storeAttachment(r *http.Request, fh *multipart.FileHeader) (disclosure.Attachment, error) {
	src, err := fh.Open()
	if err != nil {
		return disclosure.Attachment{}, err
	}
	defer src.Close()
	f, err := s.d.Files.Put(r.Context(), actor(r), fh.Filename, src, s.maxUpload(), "disclosure")
	if err != nil {
		return disclosure.Attachment{}, err
	}
	return disclosure.Attachment{SHA256: f.SHA256, Name: f.Name, ContentType: f.ContentType, Size: f.Size}, nil
}

// gongkaiRefused: the error is the user's to correct on the form again.
func gongkaiRefused(err error) bool {
	c := zwfw.ErrorCode(err)
	return c == zwfw.EINVALID || c == zwfw.ETOOLARGE || c == zwfw.ECONFLICT
}

func (s *server) adminGongkaiCreate(w http.ResponseWriter, r *http.Request) error {
	kind, orgCode := r.PostFormValue("kind"), r.PostFormValue("org")
	c, err := s.contentOf(r, disclosure.KindOf(kind), nil)
	var d *disclosure.Doc
	if err == nil {
		d, err = s.d.Disclosure.Create(r.Context(), actor(r), kind, orgCode, c)
	}
	if gongkaiRefused(err) {
		return s.renderGongkaiNew(w, r, http.StatusUnprocessableEntity, kind, orgCode, c, err)
	}
	if err != nil {
		return err
	}
	s.redirect(w, r, fmt.Sprintf("/admin/gongkai/%d", d.ID), "ok", "已保存草稿（第 1 版）；检查无误后请“提交审核”，由起草人以外的电子监察或系统管理员审核发布。")
	return nil
}

type adminGongkaiDocPage struct {
	base
	D       *disclosure.Doc
	Kind    *disclosure.Kind
	Items   []gongkaiItem
	F       *gongkaiForm // the edit form, when the reader may edit
	Acts    []string     // the workflow buttons
	Message string
	Old     bool // an earlier version is shown
}

// ActionName and NeedsReason label the workflow buttons.
func (adminGongkaiDocPage) ActionName(a string) string { return disclosure.ActionName(a) }
func (adminGongkaiDocPage) NeedsReason(a string) bool  { return disclosure.NeedsReason(a) }

func (s *server) renderGongkaiDoc(w http.ResponseWriter, r *http.Request, st int, id int64, c *disclosure.Content, err error) error {
	a := actor(r)
	d, gerr := s.d.Disclosure.Get(r.Context(), a, id)
	if gerr != nil {
		return gerr
	}
	p := adminGongkaiDocPage{Kind: disclosure.KindOf(d.Kind)}
	if v := r.URL.Query().Get("v"); v != "" && r.Method == http.MethodGet {
		n, _ := strconv.Atoi(v)
		if n != d.Version {
			if d, gerr = s.d.Disclosure.GetVersion(r.Context(), a, id, n); gerr != nil {
				return gerr
			}
			p.Old = true
		}
	}
	p.D, p.Items = d, s.itemsOf(r, d.Items)
	for _, act := range d.Actions {
		if act != disclosure.ActEdit {
			p.Acts = append(p.Acts, act)
		}
	}
	if disclosure.May(a, d, disclosure.ActEdit) == nil && !p.Old {
		content := d.Content
		var ferr error
		if c != nil {
			content = *c
		}
		if p.F, ferr = s.newForm(r, p.Kind, content, err); ferr != nil {
			return ferr
		}
		p.F.Version, p.F.Action = d.Version, fmt.Sprintf("/admin/gongkai/%d", d.ID)
	} else if err != nil {
		p.Message = zwfw.ErrorMessage(err)
	}
	p.base = s.gongkaiBase(w, r, d.Title)
	s.render(w, r, st, "admin_gongkai_doc", p)
	return nil
}

func (s *server) adminGongkaiDoc(w http.ResponseWriter, r *http.Request) error {
	id, err := docID(r)
	if err != nil {
		return err
	}
	return s.renderGongkaiDoc(w, r, http.StatusOK, id, nil, nil)
}

// adminGongkaiUpdate saves a new version.
func (s *server) adminGongkaiUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := docID(r)
	if err != nil {
		return err
	}
	d, err := s.d.Disclosure.Get(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	c, err := s.contentOf(r, disclosure.KindOf(d.Kind), d.Attachments)
	if err == nil {
		d, err = s.d.Disclosure.Revise(r.Context(), actor(r), id, version, c)
	}
	if gongkaiRefused(err) {
		return s.renderGongkaiDoc(w, r, http.StatusUnprocessableEntity, id, &c, err)
	}
	if err != nil {
		return err
	}
	s.redirect(w, r, fmt.Sprintf("/admin/gongkai/%d", id), "ok", fmt.Sprintf("已保存第 %d 版（草稿）；此前各版均保留。", d.Version))
	return nil
}

// adminGongkaiAct takes a step of the workflow.
func (s *server) adminGongkaiAct(w http.ResponseWriter, r *http.Request) error {
	id, err := docID(r)
	if err != nil {
		return err
	}
	action := r.PathValue("action")
	if disclosure.ActionName(action) == "" || action == disclosure.ActCreate || action == disclosure.ActEdit {
		return zwfw.Errorf(zwfw.ENOTFOUND, "操作不存在")
	}
	d, err := s.d.Disclosure.Act(r.Context(), actor(r), id, action, r.PostFormValue("reason"))
	if c := zwfw.ErrorCode(err); c == zwfw.EINVALID || c == zwfw.ECONFLICT {
		s.redirect(w, r, fmt.Sprintf("/admin/gongkai/%d", id), "warn", zwfw.ErrorMessage(err))
		return nil
	}
	if err != nil {
		return err
	}
	msg := map[string]string{
		disclosure.ActSubmit:   "已提交审核，待起草人以外的电子监察或系统管理员审核发布。",
		disclosure.ActPublish:  fmt.Sprintf("已发布，公众可在政务公开栏目查到：/gongkai/docs/%d", d.ID),
		disclosure.ActReturn:   "已退回起草人修改。",
		disclosure.ActWithdraw: "已撤回：不再公开，也不再出现在搜索结果和办事指南中；修改后可重新提交审核。",
	}[action]
	s.redirect(w, r, fmt.Sprintf("/admin/gongkai/%d", id), "ok", msg)
	return nil
}

// adminGongkaiFile serves an attachment of the newest version to the
// staff who manage the document.
func (s *server) adminGongkaiFile(w http.ResponseWriter, r *http.Request) error {
	id, err := docID(r)
	if err != nil {
		return err
	}
	d, err := s.d.Disclosure.Get(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	for _, a := range d.Attachments {
		if a.SHA256 == r.PathValue("sha") {
			return s.serveAttachment(w, &a)
		}
	}
	return zwfw.Errorf(zwfw.ENOTFOUND, "没有这个附件")
}

type adminGongkaiSitePage struct {
	base
	Org     *org.Org
	M       disclosure.Marks
	May     bool
	Why     string
	Message string
	Errors  []zwfw.ErrorDetail
}

// FieldError is the message of a field's problem ("" when none).
func (p adminGongkaiSitePage) FieldError(field string) string {
	for _, d := range p.Errors {
		if d.Field == field {
			return d.Message
		}
	}
	return ""
}

// The footer's marks are the deploying county's setting (ZWFW_REGION).
func (s *server) renderGongkaiSite(w http.ResponseWriter, r *http.Request, st int, m *disclosure.Marks, err error) error {
	a := actor(r)
	o, oerr := s.d.Orgs.ByCode(r.Context(), s.d.Config.Site.RegionCode)
	if oerr != nil {
		return oerr
	}
	p := adminGongkaiSitePage{base: s.gongkaiBase(w, r, "网站标识与备案号"), Org: o}
	if merr := org.MaySetSettings(a, o, "网站标识码和备案号"); merr != nil {
		p.Why = zwfw.ErrorMessage(merr)
	} else {
		p.May = true
	}
	if m != nil {
		p.M = *m
	} else if p.M, oerr = s.d.Disclosure.Site(r.Context(), o.Code); oerr != nil {
		return oerr
	}
	if err != nil {
		p.Message = zwfw.ErrorMessage(err)
		var e *zwfw.Error
		if asError(err, &e) {
			p.Errors = e.Details
		}
	}
	s.render(w, r, st, "admin_gongkai_site", p)
	return nil
}

func (s *server) adminGongkaiSite(w http.ResponseWriter, r *http.Request) error {
	return s.renderGongkaiSite(w, r, http.StatusOK, nil, nil)
}

func (s *server) adminGongkaiSitePost(w http.ResponseWriter, r *http.Request) error {
	m := disclosure.Marks{IDCode: r.PostFormValue("id_code"), ICP: r.PostFormValue("icp"), PSB: r.PostFormValue("psb")}
	_, err := s.d.Disclosure.SetSite(r.Context(), actor(r), s.d.Config.Site.RegionCode, m)
	if zwfw.ErrorCode(err) == zwfw.EINVALID {
		return s.renderGongkaiSite(w, r, http.StatusUnprocessableEntity, &m, err)
	}
	if err != nil {
		return err
	}
	s.redirect(w, r, "/admin/gongkai/site", "ok", "已保存网站标识码和备案号；各公开页面的页脚随之更新（一分钟内）。")
	return nil
}

// psbLink is where a public-security filing number is checked.
func psbLink(psb string) string { return disclosure.Marks{PSB: psb}.PSBLink() }

// paragraphs splits a body into its non-empty lines.
func paragraphs(body string) []string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
