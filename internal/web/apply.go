package web

import (
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/account/ident"
	"zwfw/internal/casework"
	"zwfw/internal/catalog"
	"zwfw/internal/files"
	"zwfw/internal/materials"
	"zwfw/internal/org"
)

// The applicant's pages register their templates here, beside their
// handlers, so that the page list in render.go stays the hall's own.
func init() {
	pages = append(pages, "apply_form", "apply_done", "apply_staff",
		"mycases", "mycase", "mycase_withdraw", "mycase_messages", "progress", "notice")
}

// applicant admits applicants (residents and enterprises) only; a staff
// account is pointed to the window workbench, where staff file cases on an
// applicant's behalf.
func (s *server) applicant(fn handlerFunc) handlerFunc {
	return s.signedIn(func(w http.ResponseWriter, r *http.Request) error {
		if actor(r).IsStaff() {
			p := staffNotePage{base: s.base(w, r, "请使用窗口工作台"), Code: r.PathValue("code")}
			s.render(w, r, http.StatusForbidden, "apply_staff", p)
			return nil
		}
		return fn(w, r)
	})
}

type staffNotePage struct {
	base
	Code string // the item, when the note answers 在线办理
}

// centreGroup is one group of the 受理地点 choice.
type centreGroup struct {
	Label   string
	Centres []*org.Org
}

// applyCentres lists where the item can be applied for: the county centre
// for county items, each town's 便民服务中心 for town items, the village
// stations (by town) for village items — active ones only.
func (s *server) applyCentres(x *orgIndex, it *catalog.Item) []centreGroup {
	county := x.byCode[s.d.Config.Site.RegionCode]
	if county == nil {
		return nil
	}
	var out []centreGroup
	if it.HasLevel(catalog.LevelCounty) {
		if cs := x.children(county, org.KindCentre); len(cs) > 0 {
			out = append(out, centreGroup{Label: "县级", Centres: cs})
		}
	}
	towns := x.children(county, org.KindTown)
	if it.HasLevel(catalog.LevelTown) {
		var cs []*org.Org
		for _, t := range towns {
			cs = append(cs, x.children(t, org.KindCentre)...)
		}
		if len(cs) > 0 {
			out = append(out, centreGroup{Label: "镇便民服务中心", Centres: cs})
		}
	}
	if it.HasLevel(catalog.LevelVillage) {
		for _, t := range towns {
			var cs []*org.Org
			for _, v := range x.children(t, org.KindVillage) {
				cs = append(cs, x.children(v, org.KindCentre)...)
			}
			if len(cs) > 0 {
				out = append(out, centreGroup{Label: t.Name + " · 村（社区）便民服务站", Centres: cs})
			}
		}
	}
	return out
}

// matRow is one material of the application form (or of a supplement):
// how it is handed in, and the file already uploaded for it.
type matRow struct {
	Index    int
	M        catalog.Material
	How      string // upload, window, post; "" not handed in (now)
	FileID   int64
	FileName string // known while the form goes back and forth
	FileSize int64
	Flagged  bool // the one-time notice names it (supplement)
	Replaced bool // the online form stands in for it (申请书)
	Errors   []string
	// 免提交 (§2(3)): what can provide the material for this applicant —
	// their valid licences, then earlier accepted materials — and the one
	// picked (How "reuse"; Pick a candidate's key).
	Offers []materials.Candidate
	Pick   string
}

// candidateKey names a reuse candidate in the form: licence:<identifier>
// or library:<id>.
func candidateKey(c materials.Candidate) string {
	if c.Source == casework.ByLicence {
		return "licence:" + c.Licence
	}
	return "library:" + strconv.FormatInt(c.LibraryID, 10)
}

// Key is the candidate's key (for the template).
func (m matRow) CandidateKey(c materials.Candidate) string { return candidateKey(c) }

// Picked is the candidate chosen, or nil.
func (m matRow) Picked() *materials.Candidate {
	for i := range m.Offers {
		if candidateKey(m.Offers[i]) == m.Pick {
			return &m.Offers[i]
		}
	}
	return nil
}

// pickOf is the key of a material input that names a source.
func pickOf(in casework.MaterialInput) string {
	switch {
	case in.Licence != "":
		return "licence:" + in.Licence
	case in.Library != 0:
		return "library:" + strconv.FormatInt(in.Library, 10)
	}
	return ""
}

// reuseInput is the input of a row that reuses its pick.
func reuseInput(name, pick string) (casework.MaterialInput, bool) {
	kind, ref, _ := strings.Cut(pick, ":")
	switch kind {
	case casework.ByLicence:
		if ref != "" {
			return casework.MaterialInput{Name: name, Licence: ref}, true
		}
	case casework.ByLibrary:
		if id, err := strconv.ParseInt(ref, 10, 64); err == nil && id > 0 {
			return casework.MaterialInput{Name: name, Library: id}, true
		}
	}
	return casework.MaterialInput{}, false
}

// ID is the row's element id prefix (f-m-2).
func (m matRow) ID() string { return fmt.Sprintf("f-m-%d", m.Index) }

// Key is the row's field name prefix (m2).
func (m matRow) Key() string { return fmt.Sprintf("m%d", m.Index) }

// Required reports whether the material is a 必要 one.
func (m matRow) Required() bool { return m.M.Required == "required" && !m.Replaced }

type applyPage struct {
	base
	Item      *catalog.Item
	DeptName  string
	Groups    []centreGroup
	OrgCode   string
	Agree     bool
	User      *account.User
	Ident     string // masked ID number or credit code
	Form      casework.Form
	Quantity  string
	Unit      string // the fee's unit, when the item charges per unit
	Mats      []matRow
	DraftID   int64
	Errors    fieldErrors
	Error     string
	Problems  []problem
	MaxUpload string
	MaxPost   string
	Allowed   string
	Required  int
	Online    []onlineField   // the item's online form (申请表), when it has one
	Divisions []divisionGroup // the county's towns and villages, for its addresses
	// ProjectCode is the 全国投资项目统一代码 of an item concerning
	// investment projects (catalog.Item.Investment).
	ProjectCode string
}

func (s *server) newApplyPage(w http.ResponseWriter, r *http.Request, it *catalog.Item) (*applyPage, error) {
	ctx := r.Context()
	x, err := s.orgIndex(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.d.Users.ByUsername(ctx, actor(r).Username)
	if err != nil {
		return nil, err
	}
	p := &applyPage{base: s.base(w, r, "在线办理："+it.Name), Item: it, DeptName: x.name(it.Dept), Groups: s.applyCentres(x, it),
		User: u, Ident: u.MaskedID(), Errors: fieldErrors{}, MaxUpload: files.HumanSize(s.maxUpload()),
		MaxPost: files.HumanSize(4 * s.maxUpload()), Allowed: files.AllowedText}
	p.Nav = "items"
	p.FormsCSS = true
	if !it.Free() {
		p.Unit = it.Fees[0].Unit
	}
	// What the applicant's licences and library can provide is filled in
	// (免提交): each such material starts as provided, nothing to upload.
	offers, err := s.d.Materials.Offers(ctx, actor(r), it)
	if err != nil {
		return nil, err
	}
	for i, m := range it.Materials {
		row := matRow{Index: i, M: m, Replaced: it.ReplacedBy(m.Name)}
		if row.Required() {
			row.How = "upload"
		}
		for _, o := range offers {
			if o.Material == m.Name {
				row.Offers, row.How, row.Pick = o.Candidates, "reuse", candidateKey(o.Candidates[0])
			}
		}
		if m.Required == "required" {
			p.Required++
		}
		p.Mats = append(p.Mats, row)
	}
	if it.Form != nil {
		p.Divisions = s.divisionGroups(x)
		// Prefilled from the account and the applicant's earlier case of
		// this item (casework.PrefillForm).
		data, err := s.d.Cases.PrefillForm(ctx, actor(r), it, accountPrefill(u.Name, u.Kind, u.IDNumber, u.CreditCode, u.Phone))
		if err != nil {
			return nil, err
		}
		p.Form.Data = data
		p.Online = onlineFields(it.Form, data, p.Divisions)
	}
	// One place to apply: chosen for the applicant.
	if len(p.Groups) == 1 && len(p.Groups[0].Centres) == 1 {
		p.OrgCode = p.Groups[0].Centres[0].Code
	}
	p.Form.Delivery = "onsite"
	return p, nil
}

// applyItem is the item of /apply/{code}: it must exist and be in force.
func (s *server) applyItem(w http.ResponseWriter, r *http.Request) (*catalog.Item, bool, error) {
	it, err := s.d.Catalog.Get(r.Context(), r.PathValue("code"))
	if err != nil {
		return nil, false, notFoundItem(err)
	}
	if it.Cancelled() {
		p := errorPage{base: s.base(w, r, "本事项已取消"), Status: http.StatusConflict, Heading: "本事项已取消",
			Message: "“" + it.Name + "”已取消，不再受理新的申请。请查看办事指南中的取消说明，或拨打咨询电话了解现在如何办理。"}
		s.render(w, r, http.StatusConflict, "error", p)
		return nil, false, nil
	}
	return it, true, nil
}

func (s *server) applyPage(w http.ResponseWriter, r *http.Request) error {
	it, ok, err := s.applyItem(w, r)
	if !ok {
		return err
	}
	p, err := s.newApplyPage(w, r, it)
	if err != nil {
		return err
	}
	if v := r.URL.Query().Get("draft"); v != "" {
		id, _ := strconv.ParseInt(v, 10, 64)
		d, err := s.d.Cases.Draft(r.Context(), actor(r), id)
		if err != nil {
			return err
		}
		if d.ItemCode != it.Code {
			http.Redirect(w, r, "/apply/"+url.PathEscape(d.ItemCode)+"?draft="+strconv.FormatInt(d.ID, 10), http.StatusSeeOther)
			return nil
		}
		p.DraftID, p.OrgCode, p.Form = d.ID, d.OrgCode, d.Form
		p.ProjectCode = d.ProjectCode
		p.Online = onlineFields(it.Form, d.Form.Data, p.Divisions)
		if d.Form.Delivery == "" {
			p.Form.Delivery = "onsite"
		}
		if d.Form.Quantity > 0 {
			p.Quantity = strconv.Itoa(d.Form.Quantity)
		}
		for _, m := range d.Materials {
			i := slices.IndexFunc(p.Mats, func(r matRow) bool { return r.M.Name == m.Name })
			if i < 0 {
				continue
			}
			if k := pickOf(m); k != "" {
				p.Mats[i].How, p.Mats[i].Pick = "reuse", k
				continue
			}
			if m.FileID != 0 {
				p.Mats[i].How, p.Mats[i].FileID = "upload", m.FileID
				// The draft keeps the file's id; the applicant knows it by
				// the name it had on their computer.
				if f, err := s.d.Files.Owned(r.Context(), actor(r), m.FileID); err == nil {
					p.Mats[i].FileName, p.Mats[i].FileSize = f.Name, f.Size
				}
			} else {
				p.Mats[i].How = m.HandedIn
			}
		}
	}
	s.render(w, r, http.StatusOK, "apply_form", p)
	return nil
}

// readMaterials reads the material rows of a posted form, storing any new
// upload. It reports whether every upload was accepted; refused ones carry
// their error on the row and store nothing.
func (s *server) readMaterials(r *http.Request, rows []matRow) bool {
	v := r.PostForm
	ok := true
	for i := range rows {
		row := &rows[i]
		k := row.Key()
		if name := v.Get(k + ".name"); name != "" && name != row.M.Name {
			// The guide changed between showing and posting the form.
			row.Errors = append(row.Errors, "办事指南的申请材料已更新，请重新核对本项")
			ok = false
			continue
		}
		row.How = v.Get(k + ".how")
		switch row.How {
		case "upload", "window", "post", "":
		case "reuse":
			if pick := v.Get(k + ".reuse"); pick != "" {
				row.Pick = pick
			}
		default:
			row.How = ""
		}
		row.FileID, _ = strconv.ParseInt(v.Get(k+".file_id"), 10, 64)
		row.FileName = strings.TrimSpace(v.Get(k + ".file_name"))
		row.FileSize, _ = strconv.ParseInt(v.Get(k+".file_size"), 10, 64)
		if fh := uploaded(r, k+".file"); fh != nil {
			f, err := s.putCaseFile(r, fh)
			if err != nil {
				if zwfw.ErrorCode(err) == zwfw.EINTERNAL {
					s.d.Log.Error("web: store upload", "err", err)
				}
				row.Errors = append(row.Errors, zwfw.ErrorMessage(err))
				ok = false
				continue
			}
			row.How, row.FileID, row.FileName, row.FileSize = "upload", f.ID, f.Name, f.Size
		}
	}
	return ok
}

// putCaseFile stores an uploaded application material as the applicant's
// own file: the service accepts only the actor's uploads on a case.
func (s *server) putCaseFile(r *http.Request, fh *multipart.FileHeader) (*files.File, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return s.d.Files.Put(r.Context(), actor(r), fh.Filename, f, s.maxUpload(), files.PurposeCase)
}

// materialInputs turns the rows into the service's input. idx maps each
// input back to its row, so that the service's errors (materials[k]) land
// beside the right material. complete adds the required materials still
// missing, for the service to name them.
func materialInputs(rows []matRow, complete bool) ([]casework.MaterialInput, []int) {
	var in []casework.MaterialInput
	var idx []int
	for i, row := range rows {
		reuse, reusing := reuseInput(row.M.Name, row.Pick)
		switch {
		case row.How == "reuse" && reusing:
			in = append(in, reuse)
		case row.How == "upload" && row.FileID != 0:
			in = append(in, casework.MaterialInput{Name: row.M.Name, FileID: row.FileID})
		case row.How == "window" || row.How == "post":
			in = append(in, casework.MaterialInput{Name: row.M.Name, HandedIn: row.How})
		case complete && row.Required():
			in = append(in, casework.MaterialInput{Name: row.M.Name})
		default:
			continue
		}
		idx = append(idx, i)
	}
	return in, idx
}

// materialErrors spreads a service error over the rows; it returns what
// belongs to no row.
func materialErrors(err error, rows []matRow, idx []int) (fieldErrors, string) {
	fe, msg := fromError(err)
	rest := fieldErrors{}
	for field, msgs := range fe {
		switch {
		case strings.HasPrefix(field, "materials[") && strings.IndexByte(field, ']') > 0:
			k, err := strconv.Atoi(field[len("materials["):strings.IndexByte(field, ']')])
			if err == nil && k >= 0 && k < len(idx) {
				rows[idx[k]].Errors = append(rows[idx[k]].Errors, msgs...)
				continue
			}
			rest[field] = append(rest[field], msgs...)
		case field == "materials":
			// "缺少必要材料“X”": beside X when the message names it.
		next:
			for _, m := range msgs {
				for i := range rows {
					if strings.Contains(m, "“"+rows[i].M.Name+"”") {
						rows[i].Errors = append(rows[i].Errors, m)
						continue next
					}
				}
				rest.add("materials", m)
			}
		default:
			rest[field] = append(rest[field], msgs...)
		}
	}
	return rest, msg
}

// fail puts a service error on the application form.
func (p *applyPage) fail(err error, idx []int) {
	fe, msg := materialErrors(err, p.Mats, idx)
	fe = onlineErrors(p.Online, fe)
	for field, msgs := range fe {
		switch field {
		case "org_code", "item_code":
			p.Errors["org_code"] = append(p.Errors["org_code"], msgs...)
		case "form.address":
			p.Errors["address"] = append(p.Errors["address"], msgs...)
		case "form.description":
			p.Errors["description"] = append(p.Errors["description"], msgs...)
		case "form.quantity":
			p.Errors["quantity"] = append(p.Errors["quantity"], msgs...)
		case "form.delivery":
			p.Errors["delivery"] = append(p.Errors["delivery"], msgs...)
		case "form", "form.fields":
			p.Errors["description"] = append(p.Errors["description"], msgs...)
		case "project_code":
			p.Errors["project_code"] = append(p.Errors["project_code"], msgs...)
		default:
			p.Errors["form"] = append(p.Errors["form"], msgs...)
		}
	}
	if msg != "" && p.Error == "" {
		p.Error = msg
	}
}

// summarise lists the problems for the summary at the top, in the order
// of the form.
func (p *applyPage) summarise() {
	add := func(field, id, label string) {
		for _, m := range p.Errors[field] {
			p.Problems = append(p.Problems, problem{ID: id, Message: label + m})
		}
	}
	add("agree", "f-agree", "")
	add("org_code", "f-org_code", "受理地点：")
	for _, f := range p.Online {
		id := f.ID
		if f.F.Type == catalog.FieldAddress {
			id += "-division"
		} else if f.F.Type == catalog.FieldTable {
			id += "-0-" + f.F.Columns[0].Key
		}
		for _, m := range f.Errors {
			p.Problems = append(p.Problems, problem{ID: id, Message: m})
		}
	}
	add("project_code", "f-project-code", "项目代码：")
	add("description", "f-description", "申请说明：")
	add("address", "f-address", "联系地址：")
	add("delivery", "f-delivery-onsite", "领取方式：")
	add("quantity", "f-quantity", "数量：")
	for _, row := range p.Mats {
		for _, m := range row.Errors {
			p.Problems = append(p.Problems, problem{ID: row.ID() + "-how-upload", Message: "材料“" + row.M.Name + "”：" + m})
		}
	}
	add("form", "s-info", "")
	if p.Error == "" && len(p.Problems) > 0 {
		p.Error = fmt.Sprintf("还有 %d 处需要修改，请按提示补充后再提交", len(p.Problems))
	}
}

func (s *server) applyPost(w http.ResponseWriter, r *http.Request) error {
	it, ok, err := s.applyItem(w, r)
	if !ok {
		return err
	}
	ctx, a := r.Context(), actor(r)
	p, err := s.newApplyPage(w, r, it)
	if err != nil {
		return err
	}
	v := r.PostForm
	submit := v.Get("op") == "submit"
	p.OrgCode = strings.TrimSpace(v.Get("org_code"))
	p.Agree = v.Get("agree") == "1"
	p.DraftID, _ = strconv.ParseInt(v.Get("draft"), 10, 64)
	p.Form = casework.Form{Description: v.Get("description"), Address: v.Get("address"), Delivery: v.Get("delivery"),
		Data: readOnline(it.Form, v)}
	if p.Form.Data == nil {
		// No form posted: the 申请书 is a material like the others.
		for i := range p.Mats {
			p.Mats[i].Replaced = false
		}
	} else {
		p.Online = onlineFields(it.Form, p.Form.Data, p.Divisions)
	}
	p.Quantity = strings.TrimSpace(v.Get("quantity"))
	if p.Quantity != "" {
		n, err := strconv.Atoi(p.Quantity)
		if err != nil || n < 1 {
			p.Errors.add("quantity", "请填写正整数")
		} else {
			p.Form.Quantity = n
		}
	}
	uploads := s.readMaterials(r, p.Mats)
	if submit && !p.Agree {
		p.Errors.add("agree", "请先阅读办事须知，并勾选“我已阅读”")
	}
	p.ProjectCode = strings.TrimSpace(v.Get("project_code"))
	in := casework.ApplyInput{ItemCode: it.Key(), OrgCode: p.OrgCode, Form: p.Form, ProjectCode: p.ProjectCode}
	var idx []int
	if !uploads || len(p.Errors) > 0 {
		// The page's own problems stop the submission; the service's are
		// still shown with them, all at once (issue 12 item 4).
		if submit {
			in.Materials, idx = materialInputs(p.Mats, true)
			if err := s.d.Cases.CheckApply(ctx, a, in); err != nil {
				if code := zwfw.ErrorCode(err); code != zwfw.EINVALID && code != zwfw.ECONFLICT {
					return err
				}
				p.fail(err, idx)
			}
		}
		return s.applyAgain(w, r, p)
	}
	if !submit {
		in.Materials, idx = materialInputs(p.Mats, false)
		d, err := s.d.Cases.SaveDraft(ctx, a, p.DraftID, in)
		if err != nil {
			if code := zwfw.ErrorCode(err); code != zwfw.EINVALID && code != zwfw.ECONFLICT {
				return err
			}
			p.fail(err, idx)
			return s.applyAgain(w, r, p)
		}
		s.redirect(w, r, "/apply/"+url.PathEscape(it.Code)+"?draft="+strconv.FormatInt(d.ID, 10), "ok",
			"草稿已保存。您可以随时在“我的办件 › 草稿”中继续填写，材料齐全后提交申请。")
		return nil
	}
	in.Materials, idx = materialInputs(p.Mats, true)
	var c *casework.Case
	if p.DraftID != 0 {
		// The draft takes what was just typed, then becomes the case (and
		// is removed).
		if _, err = s.d.Cases.SaveDraft(ctx, a, p.DraftID, in); err == nil {
			c, err = s.d.Cases.SubmitDraft(ctx, a, p.DraftID)
		}
	} else {
		c, err = s.d.Cases.Apply(ctx, a, in)
	}
	if err != nil && c == nil {
		if code := zwfw.ErrorCode(err); code != zwfw.EINVALID && code != zwfw.ECONFLICT {
			return err
		}
		p.fail(err, idx)
		return s.applyAgain(w, r, p)
	}
	if err != nil {
		// Filed, but the draft was left behind: the case stands.
		s.d.Log.Warn("web: submitted draft not removed", "serial", c.Serial, "err", err)
	}
	http.Redirect(w, r, "/apply/submitted/"+url.PathEscape(c.Serial), http.StatusSeeOther)
	return nil
}

// applyAgain shows the form again with its problems; what was typed and
// uploaded stays.
func (s *server) applyAgain(w http.ResponseWriter, r *http.Request, p *applyPage) error {
	p.summarise()
	st := http.StatusUnprocessableEntity
	if len(p.Problems) == 0 && p.Error != "" {
		st = http.StatusConflict
	}
	s.render(w, r, st, "apply_form", p)
	return nil
}

type applyDonePage struct {
	base
	Case    *casework.Case
	Centre  *org.Org
	Bring   []casework.Material // handed in at the window
	Post    []casework.Material // sent by post
	Promise string
}

// applyDone confirms a submitted application: the serial number, the query
// code, and what happens next.
func (s *server) applyDone(w http.ResponseWriter, r *http.Request) error {
	c, err := s.d.Cases.Get(r.Context(), actor(r), r.PathValue("serial"))
	if err != nil {
		return err
	}
	p := applyDonePage{base: s.base(w, r, "申请已提交"), Case: c}
	p.Nav = "my"
	if o, err := s.d.Orgs.ByCode(r.Context(), c.OrgCode); err == nil {
		p.Centre = o
	}
	for _, m := range c.Materials {
		switch m.HandedIn {
		case "window":
			p.Bring = append(p.Bring, m)
		case "post":
			p.Post = append(p.Post, m)
		}
	}
	if c.PromisedDays > 0 {
		p.Promise = fmt.Sprintf("受理之日起 %d 个工作日内办结", c.PromisedDays)
	} else {
		p.Promise = "受理后当场或当日办结"
	}
	s.render(w, r, http.StatusOK, "apply_done", p)
	return nil
}

// maskIdent masks an applicant's identity number or credit code for pages.
func maskIdent(s string) string {
	if s == "" {
		return ""
	}
	return ident.MaskID(s)
}
