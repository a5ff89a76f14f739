package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/catalog"
	"zwfw/internal/disclosure"
	"zwfw/internal/files"
	"zwfw/internal/inquiry"
	"zwfw/internal/org"
)

type guidePage struct {
	base
	Item           *catalog.Item
	Versions       []catalog.Version
	Current        int  // the current version number
	Old            bool // an earlier version is shown (?v=N)
	OldAt          time.Time
	DeptName       string
	CoDeptNames    []string
	CancelledAt    time.Time
	CancelReason   string
	Towns          []*org.Org
	ComplaintPhone string
	// Disclosures are the published 政务公开 documents citing the item.
	Disclosures []disclosure.Ref
	Promise     string
	ApplyURL    string
	BookURL     string // 预约办理: the booking page of the item's centre
	StepDays    int
	Required    int
	// 办事体验 (internal/inquiry): the approved accounts, the signed-in
	// applicant's own, and whether the form is offered.
	Experiences   []*inquiry.Experience
	MyExperiences []*inquiry.Experience
	CanShare      bool
}

// Sections are the guide's sections in UX.md's order, for the index.
func (p *guidePage) Sections() [][2]string {
	return [][2]string{
		{"basic", "基本信息"}, {"conditions", "受理条件"}, {"materials", "申请材料"}, {"process", "办理流程"},
		{"fees", "收费标准及依据"}, {"basis", "设定依据"}, {"window", "窗口办理"}, {"consult", "咨询方式"},
		{"complaint", "监督投诉方式"}, {"faq", "常见问题"}, {"changes", "变更记录"},
		{"ask", "网上咨询"}, {"experiences", "办事体验"}, // internal/inquiry
	}
}

// promise is the one-line promise under the title (UX.md: "窗口申请，最多跑一次").
func promise(it *catalog.Item) string {
	switch {
	case it.Visits <= 0:
		return "全程网上办理，不用跑腿"
	case it.Visits == 1:
		return "窗口申请，最多跑一次"
	case it.Visits == 2:
		return "需到现场 2 次"
	}
	return "需到现场 3 次及以上"
}

func (s *server) itemGuide(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	code := r.PathValue("code")
	cur, err := s.d.Catalog.Get(ctx, code)
	if err != nil {
		return notFoundItem(err)
	}
	versions, err := s.d.Catalog.Versions(ctx, code)
	if err != nil {
		return err
	}
	p := guidePage{Item: cur, Versions: versions, Current: cur.Version}
	if v := r.URL.Query().Get("v"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return zwfw.Errorf(zwfw.ENOTFOUND, "事项 %s 没有这个版本", code)
		}
		if n != cur.Version {
			old, err := s.d.Catalog.GetVersion(ctx, code, n)
			if err != nil {
				return notFoundItem(err)
			}
			p.Item, p.Old, p.OldAt = old, true, old.UpdatedAt
		}
	}
	it := p.Item
	p.base = s.base(w, r, it.Name+" 办事指南")
	p.Nav = "items"
	for _, v := range versions {
		if v.Change == catalog.ChangeCancel && cur.Cancelled() {
			p.CancelledAt, p.CancelReason = v.At, v.Reason
			break
		}
	}
	x, err := s.orgIndex(ctx)
	if err != nil {
		return err
	}
	p.DeptName = x.name(it.Dept)
	for _, c := range it.CoDepts {
		p.CoDeptNames = append(p.CoDeptNames, x.name(c))
	}
	if it.HasLevel(catalog.LevelTown) {
		p.Towns = s.towns(x)
	}
	p.ComplaintPhone = it.ComplaintPhone
	if p.ComplaintPhone == "" {
		p.ComplaintPhone = s.d.Config.Site.ComplaintTel
	}
	p.Promise = promise(it)
	p.ApplyURL = loginURL("/items/" + url.PathEscape(code))
	if it.Booking {
		p.BookURL = s.bookURL(x, it)
	}
	for _, st := range it.Steps {
		p.StepDays += st.LimitDays
	}
	for _, m := range it.Materials {
		if m.Required == "required" {
			p.Required++
		}
	}
	// 政务公开 documents that cite the item (its review rules, policies).
	if p.Disclosures, err = s.d.Disclosure.ForItem(ctx, code); err != nil {
		return err
	}
	if p.Experiences, err = s.d.Inquiries.Published(ctx, code, 20); err != nil {
		return err
	}
	if a := actor(r); a != nil && (a.Kind == zwfw.KindPerson || a.Kind == zwfw.KindEnterprise) {
		p.CanShare = !cur.Cancelled()
		if p.MyExperiences, err = s.d.Inquiries.Mine(ctx, a, code); err != nil {
			return err
		}
	}
	s.render(w, r, http.StatusOK, "guide", &p)
	return nil
}

func notFoundItem(err error) error {
	if catalog.ErrNotFound(err) {
		return zwfw.Errorf(zwfw.ENOTFOUND, "没有找到这个事项，它的编码可能有误。请在事项查询中按名称查找。")
	}
	return err
}

// findAttachment returns the attachment with sha among the item's
// materials.
func findAttachment(it *catalog.Item, sha string) *catalog.Attachment {
	for _, m := range it.Materials {
		for _, a := range []*catalog.Attachment{m.BlankForm, m.Sample, m.GuideFile} {
			if a != nil && a.SHA256 == sha {
				return a
			}
		}
	}
	return nil
}

// referencedAttachment looks for sha in the current version of the item
// and then in its earlier versions (an old guide's forms stay
// downloadable); files the item never referenced are not served.
func (s *server) referencedAttachment(ctx context.Context, code, sha string) (*catalog.Attachment, error) {
	cur, err := s.d.Catalog.Get(ctx, code)
	if err != nil {
		return nil, err
	}
	if a := findAttachment(cur, sha); a != nil {
		return a, nil
	}
	versions, err := s.d.Catalog.Versions(ctx, code)
	if err != nil {
		return nil, err
	}
	for _, v := range versions {
		if v.Version == cur.Version {
			continue
		}
		old, err := s.d.Catalog.GetVersion(ctx, code, v.Version)
		if err != nil {
			return nil, err
		}
		if a := findAttachment(old, sha); a != nil {
			return a, nil
		}
	}
	return nil, nil
}

func (s *server) itemFile(w http.ResponseWriter, r *http.Request) error {
	code, sha := r.PathValue("code"), r.PathValue("sha")
	missing := zwfw.Errorf(zwfw.ENOTFOUND, "没有找到这个文件。办事指南可能已更新，请回到办事指南重新下载。")
	if !files.ValidSHA(sha) {
		return missing
	}
	a, err := s.referencedAttachment(r.Context(), code, sha)
	if err != nil {
		return notFoundItem(err)
	}
	if a == nil {
		return missing
	}
	f, err := s.d.Files.Open(sha)
	if err != nil {
		if zwfw.ErrorCode(err) == zwfw.ENOTFOUND {
			return missing
		}
		return err
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("Content-Disposition", files.Disposition(a.Name, a.ContentType, ""))
	// The bytes behind a digest never change.
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("ETag", `"`+sha+`"`)
	http.ServeContent(w, r, "", time.Time{}, f)
	return nil
}

// contentDisposition names a generated download (an export): an ASCII fallback for old browsers
// and the real (Chinese) name in RFC 5987 form.
func contentDisposition(name string) string {
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i >= 0 && len(name)-i <= 6 && strings.Trim(name[i+1:], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == "" {
		ext = name[i:]
	}
	return files.Attachment("download"+ext, name)
}
