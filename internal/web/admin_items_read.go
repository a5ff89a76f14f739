package web

import (
	"crypto/hmac"
	"fmt"
	"mime/multipart"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/catalog"
	"zwfw/internal/files"
	"zwfw/internal/httpauth"
)

// Reading the submitted item form: its rows, amounts and attachments, and
// the catalog's refusals mapped back onto the inputs.

// itemInput is a submitted item form.
type itemInput struct {
	item     *catalog.Item
	reason   string
	base     int
	raw      map[string]string
	errs     fieldErrors
	order    []string // fields with problems, in the order found
	message  string
	conflict bool
}

func (in *itemInput) add(field, msg string) {
	if !in.errs.Has(field) {
		in.order = append(in.order, field)
	}
	in.errs.add(field, msg)
}

// serviceError takes the service's refusal into the form; it returns the
// error itself when it is not about the input (403, 404, internal).
func (in *itemInput) serviceError(err error) error {
	code := zwfw.ErrorCode(err)
	switch code {
	case zwfw.EINVALID, zwfw.ECONFLICT:
	default:
		return err
	}
	var e *zwfw.Error
	if asError(err, &e) {
		for _, d := range e.Details {
			if d.Field == "" {
				continue
			}
			in.add(formField(d.Field), d.Message)
		}
		if len(e.Details) == 0 || code == zwfw.ECONFLICT {
			in.message = e.Message
		}
	}
	in.conflict = code == zwfw.ECONFLICT && len(in.errs) == 0
	return nil
}

// formOrder is the order of the elements on the form, for the error
// summary.
var formOrder = []string{"code", "impl_code", "name", "aliases", "type", "kind", "dept", "impl_body", "upper_body", "source", "co_depts",
	"levels", "audience", "themes", "conditions", "basis", "materials", "legal_limit_days", "promised_limit_days", "limit_note",
	"steps", "fees", "visits", "online_depth", "booking", "courier", "online_pay", "place", "hours", "consult_phone",
	"complaint_phone", "result_name", "result_type", "faq", "reason"}

// formRank sorts a field path by its place on the form.
func formRank(field string) int {
	key, rest := field, ""
	if i := strings.IndexAny(field, "[."); i >= 0 {
		key, rest = field[:i], field[i:]
	}
	rank := slices.Index(formOrder, key)
	if rank < 0 {
		rank = len(formOrder)
	}
	row := 0
	if strings.HasPrefix(rest, "[") {
		if j := strings.IndexByte(rest, ']'); j > 0 {
			row, _ = strconv.Atoi(rest[1:j])
			row++
		}
	}
	return rank*10000 + row
}

var indexRE = regexp.MustCompile(`^(aliases|levels|audience|themes|co_depts|online_depth)\[\d+\]$`)

// formField maps a validation field path to the input that shows it: a set
// element's problem goes to the set, a fee amount to the yuan input.
func formField(f string) string {
	if m := indexRE.FindStringSubmatch(f); m != nil {
		return m[1]
	}
	if strings.HasPrefix(f, "fees[") && strings.HasSuffix(f, ".amount_cents") {
		return strings.TrimSuffix(f, "_cents")
	}
	return f
}

func (s *server) rerenderItem(w http.ResponseWriter, r *http.Request, in *itemInput, title, code string) error {
	f, err := s.newItemForm(w, r, in.item, title)
	if err != nil {
		return err
	}
	f.IsNew, f.Code, f.BaseVer, f.Reason = code == "", code, in.base, in.reason
	f.Errors, f.Raw, f.Conflict = in.errs, in.raw, in.conflict
	slices.SortStableFunc(in.order, func(a, b string) int { return formRank(a) - formRank(b) })
	for _, field := range in.order {
		for _, m := range in.errs[field] {
			f.Problems = append(f.Problems, problem{ID: fieldID(field), Message: m})
		}
	}
	f.Error = in.message
	if f.Error == "" {
		f.Error = fmt.Sprintf("未保存：有 %d 处需要修改，已在下方逐项标出。您填写的内容都已保留。", len(f.Problems))
	}
	st := http.StatusUnprocessableEntity
	if in.conflict {
		st = http.StatusConflict
	}
	s.render(w, r, st, "admin_item_form", f)
	return nil
}

func asError(err error, e **zwfw.Error) bool {
	for err != nil {
		if x, ok := err.(*zwfw.Error); ok {
			*e = x
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// rowIndices lists the row numbers submitted for a repeated element, in
// order (rows added by app.js may leave gaps).
func rowIndices(r *http.Request, list string) []int {
	seen := map[int]bool{}
	collect := func(key string) {
		rest, ok := strings.CutPrefix(key, list+"[")
		if !ok {
			return
		}
		n, _, ok := strings.Cut(rest, "]")
		if !ok {
			return
		}
		if i, err := strconv.Atoi(n); err == nil && i >= 0 && i < 1000 {
			seen[i] = true
		}
	}
	for k := range r.PostForm {
		collect(k)
	}
	if r.MultipartForm != nil {
		for k := range r.MultipartForm.File {
			collect(k)
		}
	}
	out := make([]int, 0, len(seen))
	for i := range seen {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}

// readItem reads the item form. cur is the item being changed (nil when
// new). Empty rows are dropped; uploads are stored at once so that a form
// sent back for correction keeps them.
func (s *server) readItem(r *http.Request, cur *catalog.Item) *itemInput {
	v := r.PostForm
	in := &itemInput{item: &catalog.Item{}, raw: map[string]string{}, errs: fieldErrors{}}
	it := in.item
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	num := func(field, label, val string) int {
		val = strings.TrimSpace(val)
		if val == "" {
			return 0
		}
		n, err := strconv.Atoi(val)
		if err != nil {
			in.raw[field] = val
			in.add(field, label+"请填写整数（阿拉伯数字），现为“"+val+"”")
		}
		return n
	}
	in.reason = get("reason")
	in.base, _ = strconv.Atoi(get("base"))
	if cur != nil {
		it.Code = cur.Code
	} else {
		it.Code = get("code")
	}
	it.ImplCode, it.Name, it.Type, it.Kind, it.Dept = get("impl_code"), get("name"), get("type"), get("kind"), get("dept")
	it.ImplBody, it.UpperBody, it.Source = get("impl_body"), get("upper_body"), get("source")
	it.Aliases = catalog.SplitAliases(get("aliases"))
	it.Conditions, it.LimitNote = get("conditions"), get("limit_note")
	it.LegalLimitDays = num("legal_limit_days", "法定办结时限", v.Get("legal_limit_days"))
	it.PromisedLimitDays = num("promised_limit_days", "承诺办结时限", v.Get("promised_limit_days"))
	it.Visits = num("visits", "到现场次数", v.Get("visits"))
	it.Place, it.Hours, it.ConsultPhone, it.ComplaintPhone = get("place"), get("hours"), get("consult_phone"), get("complaint_phone")
	it.ResultName, it.ResultType = get("result_name"), get("result_type")
	it.Levels, it.Audience, it.Themes, it.CoDepts = v["levels"], v["audience"], v["themes"], v["co_depts"]
	it.OnlineDepth = []int{}
	for _, d := range v["online_depth"] {
		if n, err := strconv.Atoi(d); err == nil {
			it.OnlineDepth = append(it.OnlineDepth, n)
		}
	}
	if cur != nil {
		// Checkboxes come back in the form's order; a set nobody touched
		// must not show up in the change log as changed.
		it.Levels, it.Audience = keepOrder(it.Levels, cur.Levels), keepOrder(it.Audience, cur.Audience)
		it.Themes, it.CoDepts = keepOrder(it.Themes, cur.Themes), keepOrder(it.CoDepts, cur.CoDepts)
		it.OnlineDepth = keepOrder(it.OnlineDepth, cur.OnlineDepth)
	}
	it.Booking, it.Courier, it.OnlinePay = v.Get("booking") == "1", v.Get("courier") == "1", v.Get("online_pay") == "1"
	it.Investment = v.Get("investment") == "1" // 涉及投资项目审批 (internal/invest)

	row := func(list string, i int, field string) string {
		return strings.TrimSpace(v.Get(fieldName(list, i, field)))
	}
	deleted := func(list string, i int) bool { return v.Get(fieldName(list, i, "delete")) == "1" }

	it.Basis = []catalog.Basis{}
	for _, i := range rowIndices(r, "basis") {
		b := catalog.Basis{Law: row("basis", i, "law"), Article: row("basis", i, "article"), Text: row("basis", i, "text")}
		if deleted("basis", i) || b.Law == "" && b.Article == "" && b.Text == "" {
			continue
		}
		it.Basis = append(it.Basis, b)
	}
	it.Materials = []catalog.Material{}
	for _, i := range rowIndices(r, "materials") {
		if deleted("materials", i) {
			continue
		}
		k := len(it.Materials) // the row's index once empty rows are gone
		m := catalog.Material{
			Name: row("materials", i, "name"), Basis: row("materials", i, "basis"), Form: row("materials", i, "form"),
			Spec: row("materials", i, "spec"), Source: row("materials", i, "source"), Issuer: row("materials", i, "issuer"),
			Required: row("materials", i, "required"), Notes: row("materials", i, "notes"), Guide: row("materials", i, "guide"),
			Signature: row("materials", i, "signature") == "1", Seal: row("materials", i, "seal") == "1",
			FromMaterials: catalog.SplitNames(row("materials", i, "from_materials")),
		}
		// 免提交 marks (§2(3)): the licence types as "名称 | 类型代码".
		if lics, err := catalog.ParseLicenceRefs(row("materials", i, "from_licences")); err != nil {
			in.add(fieldName("materials", k, "from_licences"), err.Error())
		} else {
			m.FromLicences = lics
		}
		var uploadErrs [][2]string
		for _, ak := range attachmentKeys {
			a, msg := s.readAttachment(r, cur, fieldName("materials", i, ak.Key))
			*getAttachment(&m, ak.Key) = a
			if msg != "" {
				uploadErrs = append(uploadErrs, [2]string{fieldName("materials", k, ak.Key), msg})
			}
		}
		empty := m.Name == "" && m.Basis == "" && m.Spec == "" && m.Issuer == "" && m.Notes == "" && m.Guide == "" &&
			m.BlankForm == nil && m.Sample == nil && m.GuideFile == nil &&
			len(m.FromLicences) == 0 && len(m.FromMaterials) == 0
		if empty {
			for _, e := range uploadErrs {
				in.add("materials", "空行中的文件未能保存："+e[1])
			}
			continue
		}
		copies := row("materials", i, "copies")
		if copies == "" {
			if m.Form != "electronic" {
				m.Copies = 1
			}
		} else {
			m.Copies = num(fieldName("materials", k, "copies"), fmt.Sprintf("第 %d 项材料的份数", k+1), copies)
		}
		for _, e := range uploadErrs {
			in.add(e[0], e[1])
		}
		it.Materials = append(it.Materials, m)
	}
	it.Steps = []catalog.Step{}
	for _, i := range rowIndices(r, "steps") {
		st := catalog.Step{Name: row("steps", i, "name"), Post: row("steps", i, "post"), Person: row("steps", i, "person"),
			Phone: row("steps", i, "phone"), Note: row("steps", i, "note")}
		days := row("steps", i, "limit_days")
		if deleted("steps", i) || st.Name == "" && st.Post == "" && st.Person == "" && st.Phone == "" && st.Note == "" && (days == "" || days == "0") {
			continue
		}
		st.LimitDays = num(fieldName("steps", len(it.Steps), "limit_days"), fmt.Sprintf("第 %d 个环节的时限", len(it.Steps)+1), days)
		it.Steps = append(it.Steps, st)
	}
	it.Fees = []catalog.Fee{}
	for _, i := range rowIndices(r, "fees") {
		fee := catalog.Fee{Name: row("fees", i, "name"), Standard: row("fees", i, "standard"), Basis: row("fees", i, "basis"),
			Unit: row("fees", i, "unit"), Relief: row("fees", i, "relief")}
		amount := row("fees", i, "amount")
		if deleted("fees", i) || fee.Name == "" && fee.Standard == "" && fee.Basis == "" && fee.Unit == "" && fee.Relief == "" && amount == "" {
			continue
		}
		field := fieldName("fees", len(it.Fees), "amount")
		if amount != "" {
			c, ok := parseYuan(amount)
			if !ok {
				in.raw[field] = amount
				in.add(field, fmt.Sprintf("第 %d 项收费的单价请填写数字，以元为单位，最多两位小数（如 10 或 12.50）", len(it.Fees)+1))
			}
			fee.AmountCents = c
		}
		it.Fees = append(it.Fees, fee)
	}
	it.FAQ = nil
	for _, i := range rowIndices(r, "faq") {
		q := catalog.FAQ{Q: row("faq", i, "q"), A: row("faq", i, "a")}
		if deleted("faq", i) || q.Q == "" && q.A == "" {
			continue
		}
		it.FAQ = append(it.FAQ, q)
	}
	// The online form (申请表) is built on its own page (admin_forms.go);
	// a change of the other elements keeps it.
	if cur != nil {
		it.Form = cur.Form
		// So is the licence type (证照类型): it is maintained in the JSON
		// and Excel import and the API (catalog.LicenceType).
		it.Licence = cur.Licence
	}
	if in.reason == "" {
		in.add("reason", "请填写变更原因（2–500 字），它将公开在变更记录中")
	}
	if len(in.errs) > 0 {
		// Show the service's other problems now too, not one round later.
		probe := *it
		probe.Normalise()
		for _, p := range probe.Problems(nil) {
			if f := formField(p.Field); !in.errs.Has(f) {
				in.add(f, p.Message)
			}
		}
	}
	return in
}

// keepOrder returns the values of got with those also in was first, in
// was's order, then the new ones in got's order.
func keepOrder[T comparable](got, was []T) []T {
	out := make([]T, 0, len(got))
	for _, w := range was {
		if slices.Contains(got, w) && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	for _, g := range got {
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	if len(out) == 0 && got == nil {
		return got
	}
	return out
}

var yuanRE = regexp.MustCompile(`^([0-9]{1,10})(?:\.([0-9]{1,2}))?$`)

// parseYuan reads an amount in yuan ("12.5", "12.50元") as fen.
func parseYuan(s string) (int64, bool) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "元")
	m := yuanRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, false
	}
	y, _ := strconv.ParseInt(m[1], 10, 64)
	frac := m[2]
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	return y*100 + f, true
}

// readAttachment reads one attachment input group of a material row: a new
// upload, a removal, or the attachment carried in hidden fields. It
// returns the attachment and a problem to show, if any.
func (s *server) readAttachment(r *http.Request, cur *catalog.Item, field string) (*catalog.Attachment, string) {
	v := r.PostForm
	var kept *catalog.Attachment
	if sha := strings.TrimSpace(v.Get(field + ".sha256")); sha != "" {
		size, _ := strconv.ParseInt(v.Get(field+".size"), 10, 64)
		a := &catalog.Attachment{Name: v.Get(field + ".name"), SHA256: sha, Size: size, ContentType: v.Get(field + ".content_type")}
		switch {
		case cur != nil && findAttachment(cur, sha) != nil:
			c := *findAttachment(cur, sha)
			kept = &c
		case hmac.Equal([]byte(v.Get(field+".mac")), []byte(s.mac(httpauth.CSRF(r.Context()), a))):
			kept = a
		default:
			return nil, "附件“" + a.Name + "”的信息无法核验（可能页面已过期），请重新上传"
		}
	}
	if fh := uploaded(r, field+".file"); fh != nil {
		a, err := s.store(r, fh)
		if err != nil {
			return kept, zwfw.ErrorMessage(err)
		}
		return a, ""
	}
	if v.Get(field+".remove") == "1" {
		return nil, ""
	}
	return kept, ""
}

func uploaded(r *http.Request, field string) *multipart.FileHeader {
	if r.MultipartForm == nil {
		return nil
	}
	fhs := r.MultipartForm.File[field]
	if len(fhs) == 0 || fhs[0].Filename == "" {
		return nil
	}
	return fhs[0]
}

// store puts an uploaded catalog file into the file store.
func (s *server) store(r *http.Request, fh *multipart.FileHeader) (*catalog.Attachment, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	stored, err := s.d.Files.Put(r.Context(), actor(r), fh.Filename, f, s.maxUpload(), files.PurposeCatalog)
	if err != nil {
		return nil, err
	}
	return &catalog.Attachment{Name: stored.Name, SHA256: stored.SHA256, Size: stored.Size, ContentType: stored.ContentType}, nil
}

type cancelPage struct {
	base
	Item     *catalog.Item
	DeptName string
	BaseVer  int
	Reason   string
	Errors   fieldErrors
	Error    string
}

func (s *server) adminItemCancelPage(w http.ResponseWriter, r *http.Request) error {
	it, err := s.editableItem(r)
	if err != nil {
		return err
	}
	p := cancelPage{base: s.base(w, r, "取消事项："+it.Name), Item: it, BaseVer: it.Version, Errors: fieldErrors{}}
	p.Nav = "items-admin"
	if d, err := s.d.Orgs.ByCode(r.Context(), it.Dept); err == nil {
		p.DeptName = d.DisplayName()
	}
	s.render(w, r, http.StatusOK, "admin_item_cancel", p)
	return nil
}

func (s *server) adminItemCancel(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	if err := needCatalog(a); err != nil {
		return err
	}
	code := r.PathValue("code")
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	baseVer, _ := strconv.Atoi(r.PostFormValue("base"))
	// The actor's county's item of a shared 基本编码 (catalog.Resolve).
	key := code
	if cur, err := s.d.Catalog.Resolve(r.Context(), code, a.OrgPath); err == nil {
		key = cur.ImplCode
	}
	it, err := s.d.Catalog.Cancel(r.Context(), a, key, reason, baseVer)
	st := formStatus(err)
	if err == nil {
		s.dropStats()
		s.redirect(w, r, "/admin/items?status=cancelled", "ok", "已取消事项“"+it.Name+"”，办事指南上已公告，不再受理新的申请。")
		return nil
	}
	fe, msg, err := formError(err)
	if err != nil {
		return err
	}
	cur, gerr := s.d.Catalog.Resolve(r.Context(), code, a.OrgPath)
	if gerr != nil {
		return notFoundItem(gerr)
	}
	p := cancelPage{base: s.base(w, r, "取消事项："+cur.Name), Item: cur, BaseVer: baseVer, Reason: reason, Errors: fe, Error: msg}
	p.Nav = "items-admin"
	s.render(w, r, st, "admin_item_cancel", p)
	return nil
}

// fieldView is one input of the item form as its template draws it.
type fieldView struct {
	Name, ID, Label, Hint, Value string
	Errs                         []string
	Req                          bool
}

// requiredFields are starred on the form (the catalog refuses them empty).
var requiredFields = map[string]bool{
	"code": true, "impl_code": true, "name": true, "type": true, "kind": true, "dept": true, "conditions": true,
	"place": true, "hours": true, "consult_phone": true, "complaint_phone": true, "result_name": true, "result_type": true,
	"reason": true, "levels": true, "audience": true, "basis": true, "materials": true, "steps": true,
}

// F describes a top-level input.
func (f *itemForm) F(name, label, hint, value string) fieldView {
	return fieldView{Name: name, ID: fieldID(name), Label: label, Hint: hint, Value: value, Errs: f.Errors[name], Req: requiredFields[name]}
}

// R describes an input of row i of list.
func (f *itemForm) R(list string, i int, field, label, hint, value string) fieldView {
	n := fieldName(list, i, field)
	req := field == "name" && list != "fees" || list == "basis" && field == "law" || list == "faq"
	return fieldView{Name: n, ID: fieldID(n), Label: label, Hint: hint, Value: value, Errs: f.Errors[n], Req: req}
}

// RowInvalid reports whether row i of list, or any of its fields, has a
// problem.
func (f *itemForm) RowInvalid(list string, i int) bool {
	p := fieldName(list, i, "")
	for k := range f.Errors {
		if k == p || strings.HasPrefix(k, p+".") {
			return true
		}
	}
	return false
}

// ReasonLabel names the reason field: 新设原因 or 变更原因.
func (f *itemForm) ReasonLabel() string {
	if f.IsNew {
		return "新设原因"
	}
	return "变更原因"
}
