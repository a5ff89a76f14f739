// Package catalog keeps the government service items (政务服务事项目录清单
// and 实施清单, §2(2), attachment 2 (3)) with their standard elements, their
// versions and public change log, and their import and export.
package catalog

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Item is one service item (政务服务事项) — one version of it. The JSON keys
// are the API's and the JSON import/export format's.
type Item struct {
	Code     string `json:"code"`      // 基本编码, the same at every level (统一事项、统一标准、同一编码)
	ImplCode string `json:"impl_code"` // 实施编码 of the implementing body
	Name     string `json:"name"`      // 事项名称
	// Aliases are the item's everyday names (俗称) — the words residents
	// search with: 低保 for 城乡居民最低生活保障, 开饭店 for 食品经营许可.
	Aliases []string `json:"aliases,omitempty"`
	Type    string   `json:"type"` // 事项类型, GB/T 39046 code: "01" 行政许可 …
	Kind    string   `json:"kind"` // 办件类型: immediate, promised, joint, upward
	Dept    string   `json:"dept"` // 实施主体: org code of the responsible department
	// ImplBody names the implementing body when it is not Dept itself, e.g.
	// "各镇人民政府" for items every town decides.
	ImplBody   string   `json:"impl_body,omitempty"`
	CoDepts    []string `json:"co_depts,omitempty"`   // 联办件: org codes of the co-departments
	UpperBody  string   `json:"upper_body,omitempty"` // 上报件: the upper-level body that decides
	Levels     []string `json:"levels"`               // 适用层级: county, town, village
	Audience   []string `json:"audience"`             // 服务对象: person, enterprise
	Themes     []string `json:"themes,omitempty"`     // 主题: life events and business themes
	Source     string   `json:"source,omitempty"`     // 权力来源: 法定本级行使, 上级下放, 委托
	Basis      []Basis  `json:"basis"`                // 设定依据
	Conditions string   `json:"conditions"`           // 受理条件

	Materials []Material `json:"materials"` // 申请材料

	LegalLimitDays    int    `json:"legal_limit_days"`     // 法定办结时限, working days
	PromisedLimitDays int    `json:"promised_limit_days"`  // 承诺办结时限, working days; 0 = same day
	LimitNote         string `json:"limit_note,omitempty"` // why the promise is not 30% shorter, when it is not

	Steps []Step `json:"steps"` // 办理流程
	Fees  []Fee  `json:"fees"`  // 收费; empty means 不收费

	Visits      int    `json:"visits"`       // 到现场次数: 0 (全程网办) … 3 (3次及以上)
	OnlineDepth []int  `json:"online_depth"` // 网上办理深度 codes 1–8
	Booking     bool   `json:"booking"`      // 支持预约办理
	Courier     bool   `json:"courier"`      // 支持物流快递
	OnlinePay   bool   `json:"online_pay"`   // 支持网上支付
	Place       string `json:"place"`        // 办理地点
	Hours       string `json:"hours"`        // 办理时间

	ConsultPhone   string `json:"consult_phone"`   // 咨询电话
	ComplaintPhone string `json:"complaint_phone"` // 监督投诉电话

	ResultName string `json:"result_name"` // 审批结果名称
	ResultType string `json:"result_type"` // 结果类型: 证照, 批文, 其他
	// ResultNumber is the rule of the certificate's number where the law
	// sets one (ResultNumberRule), e.g. 食品经营许可证 JY2{division}{seq:6}{check};
	// empty: the centre's document number.
	ResultNumber string `json:"result_number,omitempty"`
	FAQ          []FAQ  `json:"faq,omitempty"`
	// Form is the online application form (申请表), when the item has one:
	// it replaces the downloaded 申请书 (form.go).
	Form *FormDef `json:"form,omitempty"`
	// Licence is the licence type (证照类型) of an item whose result is a
	// certificate: completion issues it as an electronic licence (licence.go).
	Licence *LicenceType `json:"licence,omitempty"`
	// Investment marks an item that concerns investment projects (涉及投资
	// 项目审批, 附件2（五）3): its cases carry the 全国投资项目统一代码 and
	// report to the province's investment platform (internal/invest).
	Investment bool `json:"investment,omitempty"`

	// Kept by the catalog, not by editors.
	Status    string    `json:"status"`  // active or cancelled
	Version   int       `json:"version"` // 1 at 新设, +1 per 变更 or 取消
	UpdatedAt time.Time `json:"updated_at"`

	// Shared says another implementing department has the same 基本编码
	// (another county's item, resolve.go): set when read, never stored.
	Shared bool `json:"-"`
}

// Basis is one legal basis (设定依据).
type Basis struct {
	Law     string `json:"law"`            // 《中华人民共和国食品安全法》
	Article string `json:"article"`        // 第三十五条
	Text    string `json:"text,omitempty"` // the article's words, when given
}

// Material is one application material (申请材料).
type Material struct {
	Name      string      `json:"name"`
	Basis     string      `json:"basis,omitempty"`      // 依据
	Form      string      `json:"form"`                 // original, copy, original_and_copy, electronic
	Copies    int         `json:"copies"`               // 份数
	Spec      string      `json:"spec,omitempty"`       // 规格 (A4 …)
	Signature bool        `json:"signature"`            // 需申请人签字
	Seal      bool        `json:"seal"`                 // 需加盖公章
	Source    string      `json:"source"`               // applicant, government, other
	Issuer    string      `json:"issuer,omitempty"`     // 出具机构, for government-issued materials
	Required  string      `json:"required"`             // required, optional, deferrable (容缺)
	Notes     string      `json:"notes,omitempty"`      // 受理标准 / 说明
	Guide     string      `json:"guide,omitempty"`      // 填报须知, shown on the guide
	BlankForm *Attachment `json:"blank_form,omitempty"` // 空白表格
	Sample    *Attachment `json:"sample,omitempty"`     // 示例样表
	GuideFile *Attachment `json:"guide_file,omitempty"` // 填报须知 (downloadable)
	// The marks of 免提交 (§2(3): "凡是能通过网络共享复用的材料，不得要求群众
	// 重复提交"): which electronic licences, and which materials accepted in
	// the applicant's earlier cases (材料库), can provide this material, so
	// that the applicant does not submit it again.
	FromLicences  []LicenceRef `json:"from_licences,omitempty"`  // licence types (证照类型)
	FromMaterials []string     `json:"from_materials,omitempty"` // names of earlier materials
}

// LicenceRef names a licence type (证照类型) by its type code — the issuing
// ministry's unified social credit code and a 3-digit number (GB/T 36904,
// STANDARDS.md) — and its name, as the guide prints it (可用电子证照).
type LicenceRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Reusable reports whether the material carries a 免提交 mark.
func (m *Material) Reusable() bool { return len(m.FromLicences) > 0 || len(m.FromMaterials) > 0 }

// LicenceNames are the names of the licence types that provide the
// material: 结婚证、残疾人证.
func (m *Material) LicenceNames() string {
	names := make([]string, len(m.FromLicences))
	for i, l := range m.FromLicences {
		names[i] = l.Name
	}
	return strings.Join(names, "、")
}

// LicenceCodes are the type codes of the licence types that provide it.
func (m *Material) LicenceCodes() []string {
	codes := make([]string, len(m.FromLicences))
	for i, l := range m.FromLicences {
		codes[i] = l.Code
	}
	return codes
}

// Attachment is a file in the file store, named by its SHA-256.
type Attachment struct {
	Name        string `json:"name"`
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
}

// Step is one step of the process (办理流程); attachment 2 (3)7 requires
// every step to name a responsible person and phone.
type Step struct {
	Name      string `json:"name"`       // 受理, 审查, 决定, 制证 …
	Post      string `json:"post"`       // 责任岗位
	Person    string `json:"person"`     // 责任人
	Phone     string `json:"phone"`      // 联系电话
	LimitDays int    `json:"limit_days"` // 本环节时限, working days
	Note      string `json:"note,omitempty"`
}

// Fee is one charge (收费项目).
type Fee struct {
	Name        string `json:"name"`
	Standard    string `json:"standard"`     // 收费标准, as published: "每证 10 元"
	Basis       string `json:"basis"`        // 收费依据
	AmountCents int64  `json:"amount_cents"` // amount per unit, fen, used to compute the fee
	Unit        string `json:"unit"`         // 件, 证, 平方米 …
	Relief      string `json:"relief,omitempty"`
}

// FAQ is one question and answer (常见问题).
type FAQ struct {
	Q string `json:"q"`
	A string `json:"a"`
}

// Statuses.
const (
	StatusActive    = "active"
	StatusCancelled = "cancelled"
)

// Kinds (四件管理制度, attachment 2 (5)3).
const (
	KindImmediate = "immediate" // 即办件
	KindPromised  = "promised"  // 承诺件
	KindJoint     = "joint"     // 联办件
	KindUpward    = "upward"    // 上报件
)

// Levels (适用层级).
const (
	LevelCounty  = "county"
	LevelTown    = "town"
	LevelVillage = "village"
)

// Audiences (服务对象).
const (
	AudiencePerson     = "person"
	AudienceEnterprise = "enterprise"
)

// code sets, code → Chinese name, in display order.
type codeSet []struct{ Code, Name string }

func (s codeSet) name(code string) string {
	for _, e := range s {
		if e.Code == code {
			return e.Name
		}
	}
	return ""
}

// lookup accepts a code or a Chinese name and returns the code.
func (s codeSet) lookup(v string) (string, bool) {
	v = strings.TrimSpace(v)
	for _, e := range s {
		if e.Code == v || e.Name == v {
			return e.Code, true
		}
	}
	return "", false
}

// Types is the GB/T 39046 事项类型 code set.
var Types = codeSet{
	{"01", "行政许可"}, {"02", "行政处罚"}, {"03", "行政强制"}, {"04", "行政征收"}, {"05", "行政给付"},
	{"06", "行政检查"}, {"07", "行政确认"}, {"08", "行政奖励"}, {"09", "行政裁决"}, {"10", "其他行政权力"},
	{"20", "公共服务"},
}

// Kinds is the 办件类型 code set.
var Kinds = codeSet{{KindImmediate, "即办件"}, {KindPromised, "承诺件"}, {KindJoint, "联办件"}, {KindUpward, "上报件"}}

// Levels is the 适用层级 code set (GB/T 39046 行使层级 4, 5, 6).
var Levels = codeSet{{LevelCounty, "县级"}, {LevelTown, "镇级"}, {LevelVillage, "村级"}}

// Audiences is the 服务对象 code set.
var Audiences = codeSet{{AudiencePerson, "自然人"}, {AudienceEnterprise, "法人"}}

// MaterialForms is the 材料形式 code set.
var MaterialForms = codeSet{{"original", "原件"}, {"copy", "复印件"}, {"original_and_copy", "原件和复印件"}, {"electronic", "电子"}}

// MaterialSources is the 来源渠道 code set.
var MaterialSources = codeSet{{"applicant", "申请人自备"}, {"government", "政府部门核发"}, {"other", "其他"}}

// Necessities is the 必要性 code set.
var Necessities = codeSet{{"required", "必要"}, {"optional", "非必要"}, {"deferrable", "容缺"}}

// OnlineDepths is the 网上办理深度 code set.
var OnlineDepths = codeSet{{"1", "咨询"}, {"2", "收件"}, {"3", "预审"}, {"4", "受理"}, {"5", "办理"}, {"6", "结果反馈"}, {"7", "电子证照反馈"}, {"8", "其他"}}

// ResultTypes is the 结果类型 code set.
var ResultTypes = codeSet{{"证照", "证照"}, {"批文", "批文"}, {"其他", "其他"}}

// Themes offered for browsing (UX.md: by life event for residents, by
// business theme for enterprises).
var PersonThemes = []string{"生育", "入学", "就业", "婚姻", "养老", "残疾", "救助", "住房", "医疗", "农业", "交通", "身后事"}
var EnterpriseThemes = []string{"开办企业", "企业变更", "企业注销", "工程建设", "经营许可", "资源利用", "交通运输", "社会组织", "教育培训"}

// Stage is a way into the catalog by what is happening in a life (人生事件)
// or in a business (企业生命周期) rather than by department: the plan's
// hall that "切实解决群众办事难、办事慢、办事繁" (§2(1)); each lists the items of one theme.
type Stage struct {
	Name     string // 出生
	Theme    string // 生育: the theme whose items it lists
	Audience string
}

// LifeEvents are a resident's life events, in the order they come.
var LifeEvents = []Stage{{"出生", "生育", AudiencePerson}, {"上学", "入学", AudiencePerson}, {"就业", "就业", AudiencePerson},
	{"结婚", "婚姻", AudiencePerson}, {"退休", "养老", AudiencePerson}, {"身后", "身后事", AudiencePerson}}

// EnterpriseStages are the stages of a business.
var EnterpriseStages = []Stage{{"开办", "开办企业", AudienceEnterprise}, {"变更", "企业变更", AudienceEnterprise},
	{"注销", "企业注销", AudienceEnterprise}}

// TypeName, KindName … give the Chinese names for display.
func TypeName(c string) string     { return Types.name(c) }
func KindName(c string) string     { return Kinds.name(c) }
func LevelName(c string) string    { return Levels.name(c) }
func AudienceName(c string) string { return Audiences.name(c) }
func FormName(c string) string     { return MaterialForms.name(c) }
func SourceName(c string) string   { return MaterialSources.name(c) }
func RequiredName(c string) string { return Necessities.name(c) }
func DepthName(c int) string {
	return OnlineDepths.name(string(rune('0' + c)))
}

// TypeName is the Chinese name of the item's type.
func (it *Item) TypeName() string { return TypeName(it.Type) }

// KindName is the Chinese name of the item's kind.
func (it *Item) KindName() string { return KindName(it.Kind) }

// Free reports whether the item charges nothing (不收费).
func (it *Item) Free() bool { return len(it.Fees) == 0 }

// Cancelled reports whether the item was cancelled (取消).
func (it *Item) Cancelled() bool { return it.Status == StatusCancelled }

// HasLevel reports whether the item can be implemented at level.
func (it *Item) HasLevel(level string) bool { return slices.Contains(it.Levels, level) }

// VisitsText is 到现场次数 as the guide prints it.
func (it *Item) VisitsText() string {
	switch {
	case it.Visits <= 0:
		return "0次（全程网办）"
	case it.Visits >= 3:
		return "3次及以上"
	default:
		return string(rune('0'+it.Visits)) + "次"
	}
}

// PromisedText is the promised limit as the guide prints it.
func (it *Item) PromisedText() string {
	if it.PromisedLimitDays == 0 {
		return "即办（当场或当日办结）"
	}
	return itoa(it.PromisedLimitDays) + "个工作日"
}

// LegalText is the legal limit as the guide prints it.
func (it *Item) LegalText() string {
	if it.LegalLimitDays == 0 {
		return "即办"
	}
	return itoa(it.LegalLimitDays) + "个工作日"
}

func itoa(n int) string { return strconv.Itoa(n) }

// LevelNames are the item's levels as the results list prints them: 县级、镇级.
func (it *Item) LevelNames() string {
	names := make([]string, 0, len(it.Levels))
	for _, l := range it.Levels {
		names = append(names, nameOr(LevelName(l), l))
	}
	return strings.Join(names, "、")
}

func nameOr(name, code string) string {
	if name == "" {
		return code
	}
	return name
}

// SplitAliases reads 俗称 typed on one line: separated by 、，, ; or spaces.
func SplitAliases(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return strings.ContainsRune("、，,;；", r) || unicode.IsSpace(r)
	})
}

// Key names the item in URLs and forms: its 基本编码, or its 实施编码 when
// the code is shared by several implementing departments (resolve.go).
func (it *Item) Key() string {
	if it.Shared {
		return it.ImplCode
	}
	return it.Code
}
