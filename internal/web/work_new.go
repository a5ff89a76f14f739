package web

import (
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/casework"
	"zwfw/internal/catalog"
	"zwfw/internal/files"
	"zwfw/internal/org"
)

// A walk-in application (窗口收件): the clerk picks the item, types in the
// applicant, ticks how each material was handed in (or scans it), and
// either files and accepts the case at once or only registers it.

type newMaterial struct {
	catalog.Material
	Index    int
	How      string // window, post, upload, none
	FileID   int64  // a scan already uploaded (kept when the form comes back)
	FileName string
}

type newPage struct {
	base
	Q        string
	Results  []*catalog.Item
	Total    int
	Level    string
	Item     *catalog.Item
	Centres  []option
	Org      string
	Name     string
	IDType   string // id or credit
	Ident    string
	Phone    string
	Address  string
	Desc     string
	Project  string // 全国投资项目统一代码, for items concerning investment projects
	Delivery string
	Quantity string
	Mats     []newMaterial
	Errors   fieldErrors
	Error    string
	MaxSize  string
}

// Fees reports whether the item charges a fee counted in units.
func (p *newPage) Fees() bool { return p.Item != nil && len(p.Item.Fees) > 0 }

func (s *server) workNew(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	if err := casework.MayFileAtWindow(a); err != nil {
		return err
	}
	p, err := s.newPage(w, r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if code := strings.TrimSpace(q.Get("item")); code != "" {
		it, err := s.d.Catalog.Resolve(ctx, code, actor(r).OrgPath) // the window's own county's item of a shared code
		if err != nil {
			return notFoundItem(err)
		}
		p.setItem(it)
		p.IDType, p.Delivery = "id", "onsite"
		s.render(w, r, http.StatusOK, "work_new", p)
		return nil
	}
	p.Q = strings.TrimSpace(q.Get("q"))
	p.Results, p.Total, err = s.d.Catalog.Search(ctx, catalog.Query{Q: p.Q, Level: p.Level, Limit: 60})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "work_new", p)
	return nil
}

// newPage is the page with the clerk's centres (their own first and
// chosen) and the level the centre works at.
func (s *server) newPage(w http.ResponseWriter, r *http.Request) (*newPage, error) {
	ctx := r.Context()
	a := actor(r)
	p := &newPage{base: s.workBase(w, r, "窗口收件"), Errors: fieldErrors{}, MaxSize: files.HumanSize(s.maxUpload())}
	centres, err := s.centres(ctx, a.OrgPath)
	if err != nil {
		return nil, err
	}
	for _, o := range centres {
		p.Centres = append(p.Centres, option{o.Code, o.DisplayName()})
	}
	if own, err := s.d.Orgs.ByCode(ctx, a.OrgCode); err == nil {
		if own.Kind == org.KindWindow {
			own, err = s.d.Orgs.ByID(ctx, own.ParentID)
		}
		if err == nil && own.Kind == org.KindCentre {
			p.Org = own.Code
			if region, err := s.d.Orgs.RegionOf(ctx, own); err == nil {
				p.Level = levelOfRegion(region.Kind)
			}
		}
	}
	if p.Org == "" && len(p.Centres) > 0 {
		p.Org = p.Centres[0].Value
	}
	return p, nil
}

// levelOfRegion is the catalog level of a centre under a region of kind.
func levelOfRegion(kind string) string {
	switch kind {
	case org.KindCounty:
		return catalog.LevelCounty
	case org.KindTown:
		return catalog.LevelTown
	case org.KindVillage:
		return catalog.LevelVillage
	}
	return ""
}

func (p *newPage) setItem(it *catalog.Item) {
	p.Item = it
	p.Title = "窗口收件：" + it.Name
	p.Mats = nil
	for i, m := range it.Materials {
		p.Mats = append(p.Mats, newMaterial{Material: m, Index: i, How: "window"})
	}
}

// workNewPost files the walk-in application and, with 提交并受理, accepts it
// at once: casework does both in one transaction, so a refused acceptance
// files nothing and the form comes back.
func (s *server) workNewPost() handlerFunc {
	upload := s.maxUpload()
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		a := actor(r)
		if err := casework.MayFileAtWindow(a); err != nil {
			return err
		}
		p, err := s.newPage(w, r)
		if err != nil {
			return err
		}
		v := r.PostForm
		it, err := s.d.Catalog.Resolve(ctx, strings.TrimSpace(v.Get("item")), actor(r).OrgPath)
		if err != nil {
			return notFoundItem(err)
		}
		p.setItem(it)
		p.Org, p.Name, p.IDType, p.Ident, p.Phone = v.Get("org"), v.Get("name"), v.Get("id_type"), v.Get("ident"), v.Get("phone")
		p.Address, p.Desc, p.Delivery, p.Quantity = v.Get("address"), v.Get("description"), v.Get("delivery"), v.Get("quantity")
		p.Project = strings.TrimSpace(v.Get("project_code"))
		if p.IDType != "credit" {
			p.IDType = "id"
		}
		// Materials: a scan uploads now (and is kept for a second try if
		// the form comes back); the rest are ticked as handed in.
		var mats []casework.MaterialInput
		var index []int // mats[k] is the item's material index[k]
		for i := range p.Mats {
			m := &p.Mats[i]
			n := strconv.Itoa(i)
			m.How = v.Get("m" + n)
			m.FileID, _ = strconv.ParseInt(v.Get("fid"+n), 10, 64)
			m.FileName = v.Get("fname" + n)
			if fh := formFile(r, "f"+n); fh != nil {
				f, err := fh.Open()
				if err != nil {
					return err
				}
				up, err := s.d.Files.Put(ctx, a, fh.Filename, f, upload, files.PurposeCase)
				f.Close()
				if err != nil {
					if c := zwfw.ErrorCode(err); c != zwfw.EINVALID && c != zwfw.ETOOLARGE {
						return err
					}
					p.Errors.add("m"+n, zwfw.ErrorMessage(err))
					m.How = "upload"
					continue
				}
				m.FileID, m.FileName, m.How = up.ID, up.Name, "upload"
			}
			switch m.How {
			case "upload":
				if m.FileID == 0 {
					p.Errors.add("m"+n, "请选择“"+m.Name+"”的扫描件，或改选窗口收取、邮寄")
					continue
				}
				mats = append(mats, casework.MaterialInput{Name: m.Name, FileID: m.FileID})
			case "window", "post":
				mats = append(mats, casework.MaterialInput{Name: m.Name, HandedIn: m.How})
			default:
				m.How = "none"
				continue
			}
			index = append(index, i)
		}
		if len(p.Errors) > 0 {
			p.Error = "有材料没有上传成功，请按提示处理后重新提交。"
			s.render(w, r, http.StatusUnprocessableEntity, "work_new", p)
			return nil
		}
		in := casework.ApplyInput{ItemCode: it.Key(), OrgCode: p.Org, Materials: mats, Accept: v.Get("then") == "accept",
			Applicant: &casework.ApplicantInput{Name: p.Name, Phone: p.Phone},
			Form:      casework.Form{Address: p.Address, Description: p.Desc, Delivery: p.Delivery}, ProjectCode: p.Project}
		if p.IDType == "credit" {
			in.Applicant.CreditCode = p.Ident
		} else {
			in.Applicant.IDNumber = p.Ident
		}
		if q := strings.TrimSpace(p.Quantity); q != "" {
			if in.Form.Quantity, err = strconv.Atoi(q); err != nil || in.Form.Quantity < 1 {
				p.Errors.add("quantity", "数量应为正整数")
			}
		}
		if len(p.Errors) == 0 {
			c, err := s.d.Cases.Apply(ctx, a, in)
			if err == nil {
				// Filed while the window serves a ticket: linked to it, right
				// after casework's transaction (a failed link is logged; the
				// case stands).
				if _, err := s.d.Hall.LinkCase(ctx, a, c.ID); err != nil {
					s.d.Log.Warn("hall: case not linked to the ticket served", "case", c.Serial, "err", err)
				}
				s.filed(w, r, c)
				return nil
			}
			if code := zwfw.ErrorCode(err); code != zwfw.EINVALID && code != zwfw.ECONFLICT {
				return err
			}
			fe, msg := fromError(err)
			for field, msgs := range fe {
				for _, m := range msgs {
					p.Errors.add(newField(field, index), m)
				}
			}
			p.Error = msg
		}
		if p.Error == "" {
			p.Error = "请按提示修改后重新提交。"
		}
		s.render(w, r, http.StatusUnprocessableEntity, "work_new", p)
		return nil
	}
}

// filed goes to the new case: accepted at once with 提交并受理 (the
// acceptance notice ready to print), or registered only.
func (s *server) filed(w http.ResponseWriter, r *http.Request, c *casework.Case) {
	if c.Status == casework.Accepted {
		s.actDone(w, r, c, "已登记并受理，办件编号 "+c.Serial+"。")
		return
	}
	s.redirect(w, r, "/work/cases/"+url.PathEscape(c.Serial), "ok", "已登记，办件编号 "+c.Serial+"，待受理。")
}

// newField maps a field the service names to the form's: the applicant's
// parts, and materials[k] to the item's material it stands for.
func newField(field string, index []int) string {
	switch field {
	case "applicant.id_number", "applicant.credit_code":
		return "ident"
	case "applicant.name":
		return "name"
	case "applicant.phone":
		return "phone"
	case "org_code":
		return "org"
	case "item_code":
		return "item"
	case "form.quantity":
		return "quantity"
	case "form.delivery":
		return "delivery"
	case "form":
		return "description"
	case "project_code":
		return "project"
	}
	if rest, ok := strings.CutPrefix(field, "materials["); ok {
		if k, err := strconv.Atoi(rest[:max(0, strings.IndexByte(rest, ']'))]); err == nil && k >= 0 && k < len(index) {
			return "m" + strconv.Itoa(index[k])
		}
	}
	return field
}

// formFile is the file posted in field, if one was chosen.
func formFile(r *http.Request, field string) *multipart.FileHeader {
	if r.MultipartForm == nil {
		return nil
	}
	for _, fh := range r.MultipartForm.File[field] {
		if fh.Size > 0 && fh.Filename != "" {
			return fh
		}
	}
	return nil
}
