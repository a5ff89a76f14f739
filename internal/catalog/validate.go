package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/account/ident"
)

var (
	codeRE     = regexp.MustCompile(`^[0-9A-Za-z]{1,20}$`)
	implCodeRE = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z-]{0,63}$`)
	phoneRE    = regexp.MustCompile(`^[0-9][0-9 ()+\-、,，转]{2,40}$`)
)

// Labels are the Chinese names of the elements, used in error messages, in
// the change log ("which elements changed") and as Excel headers.
var Labels = map[string]string{
	"code": "基本编码", "impl_code": "实施编码", "name": "事项名称", "aliases": "俗称", "type": "事项类型", "kind": "办件类型",
	"dept": "实施主体", "impl_body": "实施主体说明", "co_depts": "联办部门", "upper_body": "上报机关",
	"levels": "适用层级", "audience": "服务对象", "themes": "服务主题", "source": "权力来源",
	"basis": "设定依据", "conditions": "受理条件", "materials": "申请材料",
	"legal_limit_days": "法定办结时限", "promised_limit_days": "承诺办结时限", "limit_note": "时限说明",
	"steps": "办理流程", "fees": "收费", "visits": "到现场次数", "online_depth": "网上办理深度",
	"booking": "预约办理", "courier": "物流快递", "online_pay": "网上支付", "place": "办理地点", "hours": "办理时间",
	"consult_phone": "咨询电话", "complaint_phone": "监督投诉电话", "result_name": "审批结果名称",
	"result_type": "审批结果类型", "faq": "常见问题", "status": "事项状态", "form": "申请表",
	"licence": "证照类型", "investment": "涉及投资项目",
}

// Normalise trims text, drops empty list entries and sorts nothing: the
// order of materials and steps is meaningful.
func (it *Item) Normalise() {
	for _, p := range []*string{&it.Code, &it.ImplCode, &it.Name, &it.Type, &it.Kind, &it.Dept, &it.ImplBody, &it.UpperBody,
		&it.Source, &it.Conditions, &it.LimitNote, &it.Place, &it.Hours, &it.ConsultPhone, &it.ComplaintPhone, &it.ResultName, &it.ResultType} {
		*p = strings.TrimSpace(*p)
	}
	trimList := func(l []string) []string {
		out := l[:0:0]
		for _, s := range l {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	it.CoDepts, it.Levels, it.Audience, it.Themes = trimList(it.CoDepts), trimList(it.Levels), trimList(it.Audience), trimList(it.Themes)
	it.Aliases = trimList(it.Aliases)
	for i := range it.Basis {
		b := &it.Basis[i]
		b.Law, b.Article, b.Text = strings.TrimSpace(b.Law), strings.TrimSpace(b.Article), strings.TrimSpace(b.Text)
	}
	for i := range it.Materials {
		m := &it.Materials[i]
		for _, p := range []*string{&m.Name, &m.Basis, &m.Form, &m.Spec, &m.Source, &m.Issuer, &m.Required, &m.Notes, &m.Guide} {
			*p = strings.TrimSpace(*p)
		}
		m.FromMaterials = trimList(m.FromMaterials)
		var lics []LicenceRef
		for _, l := range m.FromLicences {
			l.Code, l.Name = strings.ToUpper(strings.TrimSpace(l.Code)), strings.TrimSpace(l.Name)
			if l.Code != "" || l.Name != "" {
				lics = append(lics, l)
			}
		}
		m.FromLicences = lics
	}
	for i := range it.Steps {
		s := &it.Steps[i]
		s.Name, s.Post, s.Person, s.Phone, s.Note = strings.TrimSpace(s.Name), strings.TrimSpace(s.Post), strings.TrimSpace(s.Person), strings.TrimSpace(s.Phone), strings.TrimSpace(s.Note)
	}
	for i := range it.Fees {
		f := &it.Fees[i]
		f.Name, f.Standard, f.Basis, f.Unit, f.Relief = strings.TrimSpace(f.Name), strings.TrimSpace(f.Standard), strings.TrimSpace(f.Basis), strings.TrimSpace(f.Unit), strings.TrimSpace(f.Relief)
	}
	for i := range it.FAQ {
		it.FAQ[i].Q, it.FAQ[i].A = strings.TrimSpace(it.FAQ[i].Q), strings.TrimSpace(it.FAQ[i].A)
	}
	if it.Form != nil {
		it.Form.Normalise()
	}
	if it.Licence != nil {
		it.Licence.normalise()
	}
	if it.Basis == nil {
		it.Basis = []Basis{}
	}
	if it.Materials == nil {
		it.Materials = []Material{}
	}
	if it.Steps == nil {
		it.Steps = []Step{}
	}
	if it.Fees == nil {
		it.Fees = []Fee{}
	}
	if it.OnlineDepth == nil {
		it.OnlineDepth = []int{}
	}
	// Codes given as Chinese names are accepted and stored as codes.
	if c, ok := Types.lookup(it.Type); ok {
		it.Type = c
	}
	if c, ok := Kinds.lookup(it.Kind); ok {
		it.Kind = c
	}
	for i, l := range it.Levels {
		if c, ok := Levels.lookup(l); ok {
			it.Levels[i] = c
		}
	}
	for i, a := range it.Audience {
		if c, ok := Audiences.lookup(a); ok {
			it.Audience[i] = c
		}
	}
}

// Refs answers the questions validation asks about the world outside the
// item: does a department exist, is a file stored.
type Refs interface {
	IsDept(code string) bool
	HasFile(sha string) bool
}

// Validate checks every rule of an item and returns an EINVALID *zwfw.Error
// listing every problem with its field path (materials[2].form), or nil.
func (it *Item) Validate(refs Refs) error {
	var v zwfw.Invalid
	it.check(&v, refs)
	return v.Err()
}

// Problems is Validate's list of problems, for the importer.
func (it *Item) Problems(refs Refs) []zwfw.ErrorDetail {
	var v zwfw.Invalid
	it.check(&v, refs)
	return v.Details
}

func runes(s string) int { return utf8.RuneCountInString(s) }

func (it *Item) check(v *zwfw.Invalid, refs Refs) {
	// PostgreSQL cannot store a NUL in text (SQLSTATE 22021): a "\u0000"
	// in an import file is refused here, not left to fail the import as a
	// 500 (and be kept on SQLite).
	if b, err := json.Marshal(it); err == nil && bytes.Contains(b, []byte(`\u0000`)) {
		v.Add("", "事项的文字中含有空字符（\\u0000），无法保存")
	}
	text := func(field, val string, min, max int) {
		switch n := runes(val); {
		case n == 0 && min > 0:
			v.Add(field, "%s不能为空", label(field))
		case n < min:
			v.Add(field, "%s至少 %d 个字", label(field), min)
		case n > max:
			v.Add(field, "%s不超过 %d 个字（现有 %d 个）", label(field), max, n)
		}
	}
	if !codeRE.MatchString(it.Code) {
		v.Add("code", "基本编码须为 1–20 位字母或数字")
	}
	if !implCodeRE.MatchString(it.ImplCode) {
		v.Add("impl_code", "实施编码须为 1–64 位字母、数字或连字符")
	}
	text("name", it.Name, 2, 100)
	checkAliases(v, it)
	if Types.name(it.Type) == "" {
		v.Add("type", "事项类型“%s”不在 GB/T 39046 代码集中（如 01 行政许可、07 行政确认、20 公共服务）", it.Type)
	}
	if Kinds.name(it.Kind) == "" {
		v.Add("kind", "办件类型“%s”无效：应为即办件、承诺件、联办件或上报件", it.Kind)
	}
	if it.Dept == "" {
		v.Add("dept", "实施主体不能为空")
	} else if refs != nil && !refs.IsDept(it.Dept) {
		v.Add("dept", "实施主体 %s 不是已登记的部门", it.Dept)
	}
	text("impl_body", it.ImplBody, 0, 100)
	seen := map[string]bool{}
	for i, c := range it.CoDepts {
		f := fmt.Sprintf("co_depts[%d]", i)
		switch {
		case c == it.Dept:
			v.Add(f, "联办部门不能是实施主体本身")
		case seen[c]:
			v.Add(f, "联办部门 %s 重复", c)
		case refs != nil && !refs.IsDept(c):
			v.Add(f, "联办部门 %s 不是已登记的部门", c)
		}
		seen[c] = true
	}
	if it.Kind == KindJoint && len(it.CoDepts) == 0 {
		v.Add("co_depts", "联办件须写明联办部门")
	}
	if it.Kind != KindJoint && len(it.CoDepts) > 0 {
		v.Add("co_depts", "只有联办件才有联办部门")
	}
	if it.Kind == KindUpward && it.UpperBody == "" {
		v.Add("upper_body", "上报件须写明上报的上级机关")
	}
	text("upper_body", it.UpperBody, 0, 100)
	checkSet(v, "levels", it.Levels, Levels, true)
	checkSet(v, "audience", it.Audience, Audiences, true)
	for i, t := range it.Themes {
		if !slices.Contains(PersonThemes, t) && !slices.Contains(EnterpriseThemes, t) {
			v.Add(fmt.Sprintf("themes[%d]", i), "服务主题“%s”不在主题列表中", t)
		}
	}
	text("source", it.Source, 0, 50)
	if len(it.Basis) == 0 {
		v.Add("basis", "设定依据不能为空：至少写明一部法律法规")
	}
	for i, b := range it.Basis {
		if runes(b.Law) < 2 || runes(b.Law) > 200 {
			v.Add(fmt.Sprintf("basis[%d].law", i), "第 %d 条设定依据的法律法规名称不能为空（不超过 200 字）", i+1)
		}
		if runes(b.Article) > 100 || runes(b.Text) > 2000 {
			v.Add(fmt.Sprintf("basis[%d].article", i), "第 %d 条设定依据的条款或内容过长", i+1)
		}
	}
	text("conditions", it.Conditions, 4, 4000)
	it.checkMaterials(v, refs)
	it.Form.check(v, it)
	it.checkLicence(v)
	it.checkLimits(v)
	it.checkSteps(v)
	for i, f := range it.Fees {
		p := fmt.Sprintf("fees[%d]", i)
		if f.Name == "" || f.Standard == "" || f.Basis == "" || f.Unit == "" {
			v.Add(p, "第 %d 项收费须写明收费项目、收费标准、收费依据和计费单位", i+1)
		}
		if f.AmountCents < 0 || f.AmountCents > 1e10 {
			v.Add(p+".amount_cents", "第 %d 项收费的金额不正确", i+1)
		}
	}
	if it.Visits < 0 || it.Visits > 3 {
		v.Add("visits", "到现场次数应为 0、1、2 或 3（3 表示 3 次及以上）")
	}
	seenDepth := map[int]bool{}
	for i, d := range it.OnlineDepth {
		if d < 1 || d > 8 || seenDepth[d] {
			v.Add(fmt.Sprintf("online_depth[%d]", i), "网上办理深度代码 %d 无效或重复（1 咨询 … 8 其他）", d)
		}
		seenDepth[d] = true
	}
	text("place", it.Place, 2, 300)
	text("hours", it.Hours, 2, 200)
	for _, f := range []struct{ name, val string }{{"consult_phone", it.ConsultPhone}, {"complaint_phone", it.ComplaintPhone}} {
		if !phoneRE.MatchString(f.val) {
			v.Add(f.name, "%s须为有效的电话号码", label(f.name))
		}
	}
	text("result_name", it.ResultName, 2, 100)
	if ResultTypes.name(it.ResultType) == "" {
		v.Add("result_type", "审批结果类型应为证照、批文或其他")
	}
	if it.ResultNumber != "" {
		if err := CheckResultNumber(it.ResultNumber); err != nil {
			v.Add("result_number", "%s", err.Error())
		}
	}
	for i, q := range it.FAQ {
		if q.Q == "" || q.A == "" || runes(q.Q) > 500 || runes(q.A) > 4000 {
			v.Add(fmt.Sprintf("faq[%d]", i), "第 %d 条常见问题须有问题和解答", i+1)
		}
	}
}

func label(field string) string {
	if l, ok := Labels[field]; ok {
		return l
	}
	return field
}

func checkSet(v *zwfw.Invalid, field string, vals []string, set codeSet, required bool) {
	if required && len(vals) == 0 {
		v.Add(field, "%s至少选择一项", label(field))
	}
	seen := map[string]bool{}
	for i, x := range vals {
		if set.name(x) == "" || seen[x] {
			v.Add(fmt.Sprintf("%s[%d]", field, i), "%s“%s”无效或重复", label(field), x)
		}
		seen[x] = true
	}
}

func (it *Item) checkMaterials(v *zwfw.Invalid, refs Refs) {
	if len(it.Materials) == 0 {
		v.Add("materials", "申请材料不能为空（attachment 2 (3)3: 明确每一项进驻事项的申报材料）")
	}
	names := map[string]bool{}
	for i, m := range it.Materials {
		p := fmt.Sprintf("materials[%d]", i)
		n := i + 1
		switch {
		case m.Name == "" || runes(m.Name) > 200:
			v.Add(p+".name", "第 %d 项材料的名称不能为空（不超过 200 字）", n)
		case names[m.Name]:
			v.Add(p+".name", "材料“%s”重复", m.Name)
		case strings.Contains(m.Name, "其他材料") || strings.Contains(m.Name, "其它材料"):
			// §2(2): 除办事指南明确的条件外，不得自行增加办事要求.
			v.Add(p+".name", "第 %d 项材料“%s”不明确：不得以“其他材料”兜底，须写明具体材料", n, m.Name)
		}
		names[m.Name] = true
		if MaterialForms.name(m.Form) == "" {
			v.Add(p+".form", "第 %d 项材料的形式“%s”无效（原件、复印件、原件和复印件、电子）", n, m.Form)
		}
		if m.Copies < 0 || m.Copies > 99 || (m.Form != "electronic" && m.Copies == 0) {
			v.Add(p+".copies", "第 %d 项材料的份数应为 1–99（电子材料可为 0）", n)
		}
		if MaterialSources.name(m.Source) == "" {
			v.Add(p+".source", "第 %d 项材料的来源渠道“%s”无效（申请人自备、政府部门核发、其他）", n, m.Source)
		}
		if m.Source == "government" && m.Issuer == "" {
			v.Add(p+".issuer", "第 %d 项材料由政府部门核发，须写明出具机构", n)
		}
		if Necessities.name(m.Required) == "" {
			v.Add(p+".required", "第 %d 项材料的必要性“%s”无效（必要、非必要、容缺）", n, m.Required)
		}
		if runes(m.Notes) > 2000 || runes(m.Guide) > 4000 || runes(m.Basis) > 500 || runes(m.Spec) > 100 || runes(m.Issuer) > 100 {
			v.Add(p, "第 %d 项材料的说明文字过长", n)
		}
		m.checkReuse(v, p, n)
		for _, a := range []struct {
			f string
			a *Attachment
		}{{"blank_form", m.BlankForm}, {"sample", m.Sample}, {"guide_file", m.GuideFile}} {
			if a.a == nil {
				continue
			}
			switch {
			case a.a.Name == "" || !validSHA(a.a.SHA256) || a.a.Size <= 0 || a.a.ContentType == "":
				v.Add(p+"."+a.f, "第 %d 项材料的附件信息不完整（须有文件名、SHA-256、大小和类型）", n)
			case refs != nil && !refs.HasFile(a.a.SHA256):
				v.Add(p+"."+a.f, "第 %d 项材料的附件“%s”在文件库中不存在，请先上传", n, a.a.Name)
			}
		}
	}
}

func validSHA(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// checkLimits enforces the time-limit rules: attachment 2 (3)4 asks that the
// promised limit be at least 30% shorter than the legal one (原则上不低于30%),
// so an exception must be explained; a 即办件 is done the same day.
func (it *Item) checkLimits(v *zwfw.Invalid) {
	l, p := it.LegalLimitDays, it.PromisedLimitDays
	if l < 0 || l > 365 {
		v.Add("legal_limit_days", "法定办结时限应为 0–365 个工作日")
	}
	if p < 0 || p > 365 {
		v.Add("promised_limit_days", "承诺办结时限应为 0–365 个工作日")
	}
	text := runes(it.LimitNote)
	if text > 500 {
		v.Add("limit_note", "时限说明不超过 500 字")
	}
	if it.Kind == KindImmediate {
		if p != 0 {
			v.Add("promised_limit_days", "即办件的承诺办结时限应为 0（当场或当日办结），现为 %d 个工作日", p)
		}
		return
	}
	if p < 1 {
		v.Add("promised_limit_days", "%s的承诺办结时限至少 1 个工作日；当日办结的事项请设为即办件", KindName(it.Kind))
		return
	}
	if l == 0 {
		if text == 0 {
			v.Add("limit_note", "法律法规未规定办结时限时，须在时限说明中写明承诺时限的依据")
		}
		return
	}
	if p > l {
		v.Add("promised_limit_days", "承诺办结时限（%d 个工作日）不能超过法定办结时限（%d 个工作日）", p, l)
		return
	}
	if p*10 > l*7 && text == 0 {
		v.Add("promised_limit_days", "承诺办结时限（%d 个工作日）应比法定时限（%d 个工作日）压缩 30%% 以上，即不超过 %d 个工作日；确实不能压缩的，须在时限说明中写明理由",
			p, l, l*7/10)
	}
}

func (it *Item) checkSteps(v *zwfw.Invalid) {
	if len(it.Steps) == 0 {
		v.Add("steps", "办理流程不能为空")
	}
	sum := 0
	for i, s := range it.Steps {
		p := fmt.Sprintf("steps[%d]", i)
		n := i + 1
		if s.Name == "" || runes(s.Name) > 50 {
			v.Add(p+".name", "第 %d 个环节须有名称（不超过 50 字）", n)
		}
		// Attachment 2 (3)7: 事项办理流程的各个环节要明确到人，并公布各办理环节人员电话.
		if s.Post == "" || s.Person == "" {
			v.Add(p+".person", "第 %d 个环节“%s”须写明责任岗位和责任人（办理环节要明确到人）", n, s.Name)
		}
		if !phoneRE.MatchString(s.Phone) {
			v.Add(p+".phone", "第 %d 个环节“%s”须公布责任人联系电话", n, s.Name)
		}
		if s.LimitDays < 0 {
			v.Add(p+".limit_days", "第 %d 个环节的时限不能为负", n)
		}
		sum += s.LimitDays
	}
	if it.Kind != KindImmediate && it.PromisedLimitDays > 0 && sum > it.PromisedLimitDays {
		v.Add("steps", "各环节时限之和（%d 个工作日）超过了承诺办结时限（%d 个工作日）", sum, it.PromisedLimitDays)
	}
	if it.Kind == KindImmediate && sum > 0 {
		v.Add("steps", "即办件各环节时限应为 0")
	}
}

// MaxAliases is how many everyday names (俗称) an item may carry.
const MaxAliases = 20

// checkAliases: each 俗称 is a short phrase (1–20 characters) that is
// neither the item's own name nor given twice — search ranks a 俗称 just
// below the name, so a long sentence or a repeated name would only add noise.
func checkAliases(v *zwfw.Invalid, it *Item) {
	if len(it.Aliases) > MaxAliases {
		v.Add("aliases", "俗称最多 %d 个（现有 %d 个）", MaxAliases, len(it.Aliases))
	}
	seen := map[string]bool{}
	for i, a := range it.Aliases {
		f := fmt.Sprintf("aliases[%d]", i)
		switch n := runes(a); {
		case n > 20:
			v.Add(f, "俗称“%s”太长：每个俗称不超过 20 个字", a)
		case strings.ContainsAny(a, "、，,;；\n"):
			v.Add(f, "俗称“%s”中有分隔符：每个俗称单独填写", a)
		case a == it.Name:
			v.Add(f, "俗称“%s”与事项名称相同，无需填写", a)
		case seen[strings.ToLower(a)]:
			v.Add(f, "俗称“%s”重复", a)
		}
		seen[strings.ToLower(a)] = true
	}
}

// checkReuse checks the 免提交 marks of material n (at path p): each licence
// type by a well-formed type code (a unified social credit code, GB 32100,
// and a 3-digit number) and a name; each earlier material by a name, not
// the material's own twice.
func (m *Material) checkReuse(v *zwfw.Invalid, p string, n int) {
	if len(m.FromLicences) > 20 || len(m.FromMaterials) > 20 {
		v.Add(p, "第 %d 项材料的免提交来源过多（各不超过 20 项）", n)
		return
	}
	seen := map[string]bool{}
	for i, l := range m.FromLicences {
		f := fmt.Sprintf("%s.from_licences[%d]", p, i)
		switch {
		case !LicenceTypeCodeRE.MatchString(l.Code):
			v.Add(f+".code", "第 %d 项材料的可用电子证照“%s”的证照类型代码“%s”应为 18 位统一社会信用代码加 3 位数字", n, l.Name, l.Code)
		case ident.CheckCreditCode(l.Code[:18]) != nil:
			v.Add(f+".code", "第 %d 项材料的可用电子证照“%s”的证照类型代码中，统一社会信用代码“%s”不正确", n, l.Name, l.Code[:18])
		case seen[l.Code]:
			v.Add(f+".code", "第 %d 项材料的可用电子证照“%s”重复", n, l.Name)
		}
		seen[l.Code] = true
		if runes(l.Name) < 2 || runes(l.Name) > 50 {
			v.Add(f+".name", "第 %d 项材料的可用电子证照须写明证照名称（2–50 字）", n)
		}
	}
	names := map[string]bool{}
	for i, name := range m.FromMaterials {
		f := fmt.Sprintf("%s.from_materials[%d]", p, i)
		switch {
		case runes(name) > 200:
			v.Add(f, "第 %d 项材料的可复用材料名称过长", n)
		case names[name]:
			v.Add(f, "第 %d 项材料的可复用材料“%s”重复", n, name)
		}
		names[name] = true
	}
}

// LicenceTypeCodeRE is the shape of a licence type code (证照类型代码).
var LicenceTypeCodeRE = regexp.MustCompile(`^[0-9A-HJ-NPQRTUWXY]{18}[0-9]{3}$`)
