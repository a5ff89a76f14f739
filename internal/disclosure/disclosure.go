// Package disclosure is 政务公开: the laws, policies, notices, their
// interpretations, the review rules and discretion standards of items, the
// FAQs, the 中介服务事项清单 and 中介机构名录 and the supervision channels
// the plan asks the platform to publish — "公开…法律法规、政策文件、通知公告、
// 办事指南、审查细则、常见问题、监督举报方式…中介服务事项清单、机构名录等
// 信息，实现线上线下公开内容一致" (实施方案 §2(4)).
//
// A document is drafted by an editor of an organisation (事项管理员 or
// 系统管理员), submitted for review (提交审核), and published (发布) by
// someone else with the right (电子监察 or 系统管理员); it can be returned
// (退回) or, once published, withdrawn (撤回) with a reason. Every saved
// version is kept (disclosure_versions, never changed) and every step is
// one event and one audit entry. The rules are the table machine and the
// one function May; pages and the API ask it (Actions).
package disclosure

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/audit"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
	orgscope "zwfw/internal/scope"
)

// Field is one field a kind of document carries beside its title and body.
type Field struct {
	Key      string `json:"key"`
	Label    string `json:"label"`
	Required bool   `json:"required"`
}

// Kind is a kind of document and what it carries (data, not code: the
// pages build their forms from it and check asks it).
type Kind struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Items bool   `json:"items"` // names the items it concerns (item codes required)
	Body  bool   `json:"body"`  // a body text is required
	// Interprets: a 政策解读 names the policy or law it interprets.
	Interprets bool    `json:"interprets,omitempty"`
	Fields     []Field `json:"fields,omitempty"`
}

// The kinds, in the order of the 政务公开 index (§2(4)'s order).
const (
	KindLaw            = "law"            // 法律法规
	KindPolicy         = "policy"         // 政策文件
	KindNotice         = "notice"         // 通知公告
	KindInterpretation = "interpretation" // 政策解读
	KindRule           = "rule"           // 审查细则
	KindDiscretion     = "discretion"     // 裁量基准
	KindFAQ            = "faq"            // 常见问题
	KindIntermediary   = "intermediary"   // 中介服务事项清单
	KindAgency         = "agency"         // 中介机构名录
	KindChannel        = "channel"        // 监督渠道
)

// Kinds lists every kind.
var Kinds = []Kind{
	{Code: KindLaw, Name: "法律法规", Body: true, Fields: []Field{{"issuer", "制定机关", true}, {"issued_on", "施行日期", false}}},
	{Code: KindPolicy, Name: "政策文件", Body: true, Fields: []Field{{"issuer", "发文机关", true}, {"issued_on", "成文日期", false}}},
	{Code: KindNotice, Name: "通知公告", Body: true, Fields: []Field{{"issuer", "发布单位", true}}},
	{Code: KindInterpretation, Name: "政策解读", Body: true, Interprets: true, Fields: []Field{{"issuer", "解读单位", true}}},
	{Code: KindRule, Name: "审查细则", Body: true, Items: true, Fields: []Field{{"issuer", "制定单位", true}}},
	{Code: KindDiscretion, Name: "裁量基准", Body: true, Items: true, Fields: []Field{{"issuer", "制定单位", true}}},
	{Code: KindFAQ, Name: "常见问题", Body: true},
	// 中介服务事项清单: the service, the items that need it, its legal
	// basis, the basis of its fee and its time limit.
	{Code: KindIntermediary, Name: "中介服务事项", Items: true, Fields: []Field{
		{"legal_basis", "设定依据", true}, {"fee_basis", "收费依据", true}, {"time_limit", "服务时限", true}}},
	// 中介机构名录: the agency, its 统一社会信用代码 (GB 32100, checked),
	// qualifications, fees, service time limits and contact.
	{Code: KindAgency, Name: "中介机构", Fields: []Field{
		{"credit_code", "统一社会信用代码", true}, {"qualifications", "资质", true}, {"fees", "收费标准", true},
		{"time_limit", "服务时限", true}, {"contact", "联系方式", true}}},
	{Code: KindChannel, Name: "监督渠道", Body: true, Fields: []Field{{"contact", "联系方式", true}}},
}

// KindOf returns the kind with code (nil when unknown).
func KindOf(code string) *Kind {
	for i := range Kinds {
		if Kinds[i].Code == code {
			return &Kinds[i]
		}
	}
	return nil
}

// KindName is the Chinese name of a kind ("" when unknown).
func KindName(code string) string {
	if k := KindOf(code); k != nil {
		return k.Name
	}
	return ""
}

// States of a document.
const (
	Draft     = "draft"     // 草稿
	Review    = "review"    // 待审核
	Published = "published" // 已发布
	Withdrawn = "withdrawn" // 已撤回
)

var stateNames = map[string]string{Draft: "草稿", Review: "待审核", Published: "已发布", Withdrawn: "已撤回"}

// StateName is the Chinese name of a state.
func StateName(s string) string { return stateNames[s] }

// Actions.
const (
	ActCreate   = "create"   // 起草
	ActEdit     = "edit"     // 修改 (a new version)
	ActSubmit   = "submit"   // 提交审核
	ActPublish  = "publish"  // 发布
	ActReturn   = "return"   // 退回修改
	ActWithdraw = "withdraw" // 撤回
)

var actionNames = map[string]string{ActCreate: "起草", ActEdit: "修改", ActSubmit: "提交审核", ActPublish: "发布", ActReturn: "退回修改", ActWithdraw: "撤回"}

// ActionName is the Chinese name of an action.
func ActionName(a string) string { return actionNames[a] }

// Who may act: editors draft; reviewers publish, return and withdraw.
var (
	editors   = []string{zwfw.RoleCatalogAdmin, zwfw.RoleAdmin}
	reviewers = []string{zwfw.RoleSupervisor, zwfw.RoleAdmin}
)

// transition is one step of the workflow.
type transition struct {
	action string
	from   []string
	to     string
	roles  []string
	reason bool // a reason is required
	// otherHand: the step must be taken by someone other than the author
	// of the version (审核发布与起草分离).
	otherHand bool
}

// machine is the workflow as data; May and Act read nothing else.
var machine = []transition{
	{action: ActEdit, from: []string{Draft, Withdrawn}, to: Draft, roles: editors},
	{action: ActSubmit, from: []string{Draft}, to: Review, roles: editors},
	{action: ActPublish, from: []string{Review}, to: Published, roles: reviewers, otherHand: true},
	{action: ActReturn, from: []string{Review}, to: Draft, roles: reviewers, reason: true},
	{action: ActWithdraw, from: []string{Published}, to: Withdrawn, roles: reviewers, reason: true},
}

func step(action string) *transition {
	for i := range machine {
		if machine[i].action == action {
			return &machine[i]
		}
	}
	return nil
}

// Attachment is a file of a version (PDF or OFD), stored by internal/files.
type Attachment struct {
	SHA256      string `json:"sha256"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// Content is what one version of a document says.
type Content struct {
	Title  string `json:"title"`
	Number string `json:"number,omitempty"` // 文号, e.g. 宁政发〔2017〕17号
	Body   string `json:"body,omitempty"`
	// Items are the codes of the items the document concerns: the item
	// guides link to it.
	Items []string `json:"items,omitempty"`
	// Interprets is the id of the policy a 政策解读 interprets.
	Interprets  int64             `json:"interprets,omitempty"`
	Fields      map[string]string `json:"fields,omitempty"`
	Attachments []Attachment      `json:"attachments,omitempty"`
}

// Field returns the value of a kind field.
func (c Content) Field(key string) string { return c.Fields[key] }

// Ref is a short reference to a published document.
type Ref struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	KindName    string    `json:"kind_name"`
	Title       string    `json:"title"`
	Number      string    `json:"number,omitempty"`
	PublishedAt time.Time `json:"published_at,omitzero"`
	// Snippet: in a search, where the first word is found in the body.
	Snippet *Snippet `json:"snippet,omitempty"`
}

// Event is one step of a document's life.
type Event struct {
	Version    int       `json:"version"`
	Action     string    `json:"action"`
	ActionName string    `json:"action_name"`
	Reason     string    `json:"reason,omitempty"`
	ActorName  string    `json:"actor_name"`
	At         time.Time `json:"at"`
}

// VersionInfo is one saved version: who saved it and when.
type VersionInfo struct {
	Version   int       `json:"version"`
	ActorName string    `json:"actor_name"`
	At        time.Time `json:"at"`
}

// Doc is a document as one reader sees it: the public the published
// version, staff the newest one.
type Doc struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	KindName    string    `json:"kind_name"`
	OrgCode     string    `json:"org_code"`
	OrgName     string    `json:"org_name"`
	State       string    `json:"state"`
	StateName   string    `json:"state_name"`
	Version     int       `json:"version"`     // the newest version
	Shown       int       `json:"shown"`       // the version Content is
	PubVersion  int       `json:"pub_version"` // 0: not published
	PublishedAt time.Time `json:"published_at,omitzero"`
	Content
	InterpretsRef   *Ref          `json:"interprets_ref,omitempty"`
	Interpretations []Ref         `json:"interpretations,omitempty"`
	Events          []Event       `json:"events,omitempty"`
	Versions        []VersionInfo `json:"versions,omitempty"`
	// Actions are what the reader may do now (the domain's answer).
	Actions []string `json:"actions,omitempty"`

	OrgPath  string `json:"-"`
	AuthorID int64  `json:"-"` // who saved the newest version
}

// Service keeps the documents.
type Service struct {
	db  *db.DB
	now func() time.Time
	// site caches the government-site marks (site.go).
	site siteCache
}

// New returns the service over d.
func New(d *db.DB, now func() time.Time) *Service {
	return &Service{db: d, now: now}
}

// MayManage says whether the actor works on documents at all: editors and
// reviewers (the staff list and the new-document page ask it).
func MayManage(a *zwfw.Actor) error {
	switch {
	case a == nil:
		return zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	case a.Kind == zwfw.KindSystem:
		return nil
	case a.Kind != zwfw.KindStaff || !a.HasAny(append(slices.Clone(editors), reviewers...)...):
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有事项管理员、电子监察和系统管理员可以管理政务公开内容")
	}
	return nil
}

// May says whether the actor may take action on d (nil d: create a
// document). It is the one rule of who may: the organisation subtree
// (another's documents are not found), the role of the step, the state,
// and that the author of a version does not publish it himself.
func May(a *zwfw.Actor, d *Doc, action string) error {
	if err := MayManage(a); err != nil {
		return err
	}
	if d != nil && !a.InScope(d.OrgPath) {
		return zwfw.Errorf(zwfw.ENOTFOUND, "没有找到这份公开文件")
	}
	if action == ActCreate {
		if a.Kind != zwfw.KindSystem && !a.HasAny(editors...) {
			return zwfw.Errorf(zwfw.EFORBIDDEN, "只有事项管理员和系统管理员可以起草政务公开内容")
		}
		return nil
	}
	t := step(action)
	if t == nil || d == nil {
		return zwfw.Errorf(zwfw.EINVALID, "操作“%s”无效", action)
	}
	if a.Kind != zwfw.KindSystem && !a.HasAny(t.roles...) {
		who := "事项管理员和系统管理员"
		if slices.Equal(t.roles, reviewers) {
			who = "电子监察和系统管理员"
		}
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有%s可以%s", who, ActionName(action))
	}
	if !slices.Contains(t.from, d.State) {
		return zwfw.Errorf(zwfw.ECONFLICT, "这份文件%s，不能%s", StateName(d.State), ActionName(action))
	}
	if t.otherHand && a.Kind != zwfw.KindSystem && a.UserID == d.AuthorID {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "审核发布须由起草人以外的人员进行：这一版由您保存，请由另一位有权人员审核发布")
	}
	return nil
}

// Actions lists what the actor may do with d now.
func Actions(a *zwfw.Actor, d *Doc) []string {
	var out []string
	for _, t := range machine {
		if May(a, d, t.action) == nil {
			out = append(out, t.action)
		}
	}
	return out
}

// NeedsReason says whether an action requires a reason.
func NeedsReason(action string) bool {
	t := step(action)
	return t != nil && t.reason
}

var (
	itemCodeRE = regexp.MustCompile(`^[0-9A-Za-z-]{4,40}$`)
	dateRE     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	splitRE    = regexp.MustCompile(`[\s,，、;；]+`)
)

// SplitCodes splits a list of item codes typed in one field.
func SplitCodes(s string) []string {
	var out []string
	for _, c := range splitRE.Split(strings.TrimSpace(s), -1) {
		if c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// check validates a version of a document of kind k and normalises it;
// the items and the interpreted policy are checked against the database.
func (s *Service) check(ctx context.Context, q db.Querier, k *Kind, c *Content) error {
	var v zwfw.Invalid
	c.Title, c.Number, c.Body = strings.TrimSpace(c.Title), strings.TrimSpace(c.Number), strings.TrimSpace(c.Body)
	switch n := utf8.RuneCountInString(c.Title); {
	case n == 0:
		v.Add("title", "请填写标题（%s名称）", k.Name)
	case n > 100:
		v.Add("title", "标题不能超过 100 字")
	}
	if utf8.RuneCountInString(c.Number) > 50 {
		v.Add("number", "文号不能超过 50 字")
	}
	if k.Body && utf8.RuneCountInString(c.Body) < 5 {
		v.Add("body", "请填写正文（至少 5 个字）")
	} else if utf8.RuneCountInString(c.Body) > 50000 {
		v.Add("body", "正文不能超过 50000 字；较长的文件请作为附件（PDF 或 OFD）上传")
	}
	fields := map[string]string{}
	for _, f := range k.Fields {
		val := strings.TrimSpace(c.Fields[f.Key])
		switch {
		case val == "" && f.Required:
			v.Add(f.Key, "请填写%s", f.Label)
			continue
		case utf8.RuneCountInString(val) > 500:
			v.Add(f.Key, "%s不能超过 500 字", f.Label)
			continue
		case val == "":
			continue
		case f.Key == "credit_code":
			val = ident.NormaliseCreditCode(val)
			if err := ident.CheckCreditCode(val); err != nil {
				v.Add(f.Key, "统一社会信用代码“%s”不正确：%s", val, zwfw.ErrorMessage(err))
				continue
			}
		case f.Key == "issued_on":
			if _, err := time.Parse(calendar.DateLayout, val); err != nil || !dateRE.MatchString(val) {
				v.Add(f.Key, "%s应为 YYYY-MM-DD 格式的日期", f.Label)
				continue
			}
		}
		fields[f.Key] = val
	}
	c.Fields = fields
	var codes []string
	for _, code := range c.Items {
		if code = strings.TrimSpace(code); code != "" && !slices.Contains(codes, code) {
			codes = append(codes, code)
		}
	}
	c.Items = codes
	switch {
	case k.Items && len(codes) == 0:
		v.Add("items", "请填写%s所涉及事项的编码（可填多个）", k.Name)
	case len(codes) > 50:
		v.Add("items", "涉及的事项不能超过 50 个")
	}
	for _, code := range codes {
		var n int
		if !itemCodeRE.MatchString(code) {
			v.Add("items", "事项编码“%s”格式不正确", code)
		} else if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM items WHERE code = ?", code).Scan(&n); err != nil {
			return fmt.Errorf("disclosure: item %s: %w", code, err)
		} else if n == 0 {
			v.Add("items", "事项编码“%s”不存在，请在事项清单中核对", code)
		}
	}
	if k.Interprets {
		var kind string
		err := q.QueryRow(ctx, "SELECT kind FROM disclosure_docs WHERE id = ?", c.Interprets).Scan(&kind)
		switch {
		case c.Interprets == 0:
			v.Add("interprets", "请选择所解读的政策文件")
		case err != nil || (kind != KindPolicy && kind != KindLaw):
			v.Add("interprets", "所解读的政策文件（编号 %d）不存在", c.Interprets)
		}
	} else {
		c.Interprets = 0
	}
	if len(c.Attachments) > 10 {
		v.Add("attachments", "附件不能超过 10 个")
	}
	for _, a := range c.Attachments {
		if a.ContentType != "application/pdf" && a.ContentType != "application/ofd" {
			v.Add("attachments", "附件“%s”应为 PDF 或 OFD 版式文件", a.Name)
		}
	}
	return v.Err()
}

// Normalize is the form documents are searched in: lower case, full-width
// letters and digits folded to half width, and no white space, so that a
// phrase broken across lines of a body still matches.
func Normalize(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			continue
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
			r -= 0xFEE0
		case r == 0x3000:
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// searchText is what the search reads of a version: title, number, body
// and the kind's fields.
func searchText(c Content) string {
	parts := []string{c.Title, c.Number, c.Body}
	for _, v := range c.Fields {
		parts = append(parts, v)
	}
	return Normalize(strings.Join(parts, "\n"))
}

var errNoRows = sql.ErrNoRows

func isNoRows(err error) bool { return errors.Is(err, errNoRows) }

func actorName(a *zwfw.Actor) string {
	if a == nil {
		return "系统"
	}
	if a.Name != "" {
		return a.Name
	}
	return a.Username
}

func optID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Create drafts a new document of kind at the organisation code ("": the
// actor's own), version 1.
func (s *Service) Create(ctx context.Context, a *zwfw.Actor, kind, orgCode string, c Content) (*Doc, error) {
	if err := May(a, nil, ActCreate); err != nil {
		return nil, err
	}
	k := KindOf(kind)
	if k == nil {
		return nil, zwfw.Errorf(zwfw.EINVALID, "请选择公开内容的类别")
	}
	if orgCode == "" {
		orgCode = a.OrgCode
	}
	var orgID int64
	var path string
	var active bool
	err := s.db.Reader().QueryRow(ctx, "SELECT id, path, active FROM orgs WHERE code = ?", orgCode).Scan(&orgID, &path, &active)
	if err != nil || !active || !a.InScope(path) {
		return nil, zwfw.Errorf(zwfw.EINVALID, "发布机构“%s”不存在或不在您的管理范围内", orgCode)
	}
	if err := s.check(ctx, s.db.Reader(), k, &c); err != nil {
		return nil, err
	}
	now := s.now()
	var id int64
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = db.InsertID(ctx, tx, `INSERT INTO disclosure_docs (kind, org_id, org_path, state, version, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, 1, ?, ?, ?)`, kind, orgID, path, Draft, optID(a.UserID), db.Millis(now), db.Millis(now))
		if err != nil {
			return fmt.Errorf("disclosure: create: %w", err)
		}
		if err := saveVersion(ctx, tx, id, 1, c, a, now); err != nil {
			return err
		}
		if err := event(ctx, tx, id, 1, ActCreate, "", a, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, a, "disclosure.create", fmt.Sprintf("disclosure:%d", id),
			map[string]any{"kind": kind, "org": orgCode, "title": c.Title, "number": c.Number, "items": c.Items})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

// Revise saves a new version of a draft (or of a withdrawn document, which
// becomes a draft again). version is the newest version the editor saw: a
// document saved by someone else meanwhile is a conflict.
func (s *Service) Revise(ctx context.Context, a *zwfw.Actor, id int64, version int, c Content) (*Doc, error) {
	d, err := s.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := May(a, d, ActEdit); err != nil {
		return nil, err
	}
	if version != 0 && version != d.Version {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "这份文件已由他人修改（现为第 %d 版），请刷新后再改", d.Version)
	}
	if err := s.check(ctx, s.db.Reader(), KindOf(d.Kind), &c); err != nil {
		return nil, err
	}
	now := s.now()
	next := d.Version + 1
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE disclosure_docs SET version = ?, state = ?, updated_at = ? WHERE id = ? AND version = ? AND state = ?`,
			next, Draft, db.Millis(now), id, d.Version, d.State)
		if err != nil {
			return fmt.Errorf("disclosure: revise %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return zwfw.Errorf(zwfw.ECONFLICT, "这份文件已由他人修改，请刷新后再改")
		}
		if err := saveVersion(ctx, tx, id, next, c, a, now); err != nil {
			return err
		}
		if err := event(ctx, tx, id, next, ActEdit, "", a, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, a, "disclosure.edit", fmt.Sprintf("disclosure:%d", id),
			map[string]any{"version": next, "title": c.Title, "number": c.Number, "items": c.Items})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

// Act takes a step of the workflow: submit, publish, return or withdraw.
// Publishing copies the newest version's title, number, items and search
// text onto the document, where the public lists read them; withdrawing
// clears them, so the document leaves the search and the item guides.
func (s *Service) Act(ctx context.Context, a *zwfw.Actor, id int64, action, reason string) (*Doc, error) {
	if action == ActCreate || action == ActEdit || step(action) == nil {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "操作“%s”不存在", action)
	}
	d, err := s.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := May(a, d, action); err != nil {
		return nil, err
	}
	t := step(action)
	reason = strings.TrimSpace(reason)
	if t.reason && utf8.RuneCountInString(reason) < 2 {
		return nil, zwfw.Errorf(zwfw.EINVALID, "请填写%s的理由", ActionName(action))
	}
	if utf8.RuneCountInString(reason) > 500 {
		return nil, zwfw.Errorf(zwfw.EINVALID, "理由不能超过 500 字")
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var res sql.Result
		var err error
		switch action {
		case ActPublish:
			res, err = tx.Exec(ctx, `UPDATE disclosure_docs SET state = ?, pub_version = version, pub_title = ?, pub_number = ?, pub_items = ?,
				pub_interprets = ?, pub_search = ?, pub_at = ?, updated_at = ? WHERE id = ? AND version = ? AND state = ?`,
				t.to, d.Title, d.Number, ","+strings.Join(d.Items, ",")+",", d.Interprets, searchText(d.Content), db.Millis(now), db.Millis(now), id, d.Version, d.State)
		case ActWithdraw:
			res, err = tx.Exec(ctx, `UPDATE disclosure_docs SET state = ?, pub_items = ',', pub_interprets = 0, pub_search = '', updated_at = ?
				WHERE id = ? AND version = ? AND state = ?`, t.to, db.Millis(now), id, d.Version, d.State)
		default:
			res, err = tx.Exec(ctx, `UPDATE disclosure_docs SET state = ?, updated_at = ? WHERE id = ? AND version = ? AND state = ?`,
				t.to, db.Millis(now), id, d.Version, d.State)
		}
		if err != nil {
			return fmt.Errorf("disclosure: %s %d: %w", action, id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return zwfw.Errorf(zwfw.ECONFLICT, "这份文件刚被他人处理过，请刷新后再看")
		}
		if err := event(ctx, tx, id, d.Version, action, reason, a, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, a, "disclosure."+action, fmt.Sprintf("disclosure:%d", id),
			map[string]any{"version": d.Version, "reason": reason, "title": d.Title})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

func saveVersion(ctx context.Context, tx *db.Tx, id int64, version int, c Content, a *zwfw.Actor, at time.Time) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	var uid int64
	if a != nil && a.Kind == zwfw.KindStaff {
		uid = a.UserID
	}
	if _, err := tx.Exec(ctx, `INSERT INTO disclosure_versions (doc_id, version, doc, actor_id, actor_name, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		id, version, string(b), optID(uid), actorName(a), db.Millis(at)); err != nil {
		return fmt.Errorf("disclosure: version %d of %d: %w", version, id, err)
	}
	return nil
}

func event(ctx context.Context, tx *db.Tx, id int64, version int, action, reason string, a *zwfw.Actor, at time.Time) error {
	var uid int64
	if a != nil && a.Kind == zwfw.KindStaff {
		uid = a.UserID
	}
	if _, err := tx.Exec(ctx, `INSERT INTO disclosure_events (doc_id, version, action, reason, actor_id, actor_name, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id, version, action, reason, optID(uid), actorName(a), db.Millis(at)); err != nil {
		return fmt.Errorf("disclosure: event: %w", err)
	}
	return nil
}

// scopeOf is the subtree whose documents the actor manages.
func scopeOf(a *zwfw.Actor) orgscope.Scope { return orgscope.Of(a) }
