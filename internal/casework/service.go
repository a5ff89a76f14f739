package casework

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/audit"
	"zwfw/internal/calendar"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/files"
	"zwfw/internal/notify"
	"zwfw/internal/org"
	"zwfw/internal/supervision/rollup"
	"zwfw/internal/throttle"
)

// Service runs cases.
type Service struct {
	db      *db.DB
	catalog *catalog.Service
	cal     *calendar.Calendar
	orgs    *org.Cache
	now     func() time.Time
	items   sync.Map // "code@version" → *catalog.Item; versions never change
	recent  caseCache

	warnMu sync.Mutex
	warn   *warnCond // the yellow-card condition of today
	rule   WarnRule  // when a case turns yellow

	lookup throttle.Limit // failed public lookups allowed per client address (lookup.go)
}

// recentCases bounds the cache of recently read cases: enough for the
// cases a centre is working on right now, small enough that the server
// stays well inside its memory budget (a cached case is a few KB).
const recentCases = 4096

// caseCache keeps recently read cases by serial. A case at a given version
// never changes, so an entry is used only after a one-column query confirms
// the version is still current — which keeps several server processes
// consistent.
type caseCache struct {
	mu sync.Mutex
	m  map[string]*Case
}

func (c *caseCache) get(serial string, version int) *Case {
	c.mu.Lock()
	defer c.mu.Unlock()
	if k, ok := c.m[serial]; ok && k.Version == version {
		return k
	}
	return nil
}

func (c *caseCache) put(k *Case) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*Case{}
	}
	if _, ok := c.m[k.Serial]; !ok && len(c.m) >= recentCases {
		// Full: evict one entry at random (map iteration starts at a
		// random place), so the cache stays full instead of emptying.
		for s := range c.m {
			delete(c.m, s)
			break
		}
	}
	c.m[k.Serial] = k
}

// NewService returns a casework Service.
func NewService(d *db.DB, cat *catalog.Service, cal *calendar.Calendar, now func() time.Time) *Service {
	return &Service{db: d, catalog: cat, cal: cal, now: now, orgs: org.NewCache(org.NewService(d, now), 30*time.Second), rule: DefaultWarnRule}
}

// Parts of a case recorded in Case.extras: reading a case skips the tables
// whose bit is not set.
const (
	hasSuspensions = 1 << iota
	hasExtensions
	hasPayment
	hasEvaluations
)

// itemVersion returns an item version, cached: a version is immutable.
func (s *Service) itemVersion(ctx context.Context, code string, version int) (*catalog.Item, error) {
	key := fmt.Sprintf("%s@%d", code, version)
	if v, ok := s.items.Load(key); ok {
		return v.(*catalog.Item), nil
	}
	it, err := s.catalog.GetVersion(ctx, code, version)
	if err != nil {
		return nil, err
	}
	s.items.Store(key, it)
	return it, nil
}

// ApplyInput is an application: online by the applicant, or at a window by
// staff on the applicant's behalf (then Applicant is required).
type ApplyInput struct {
	ItemCode  string          `json:"item_code"`
	OrgCode   string          `json:"org_code"`
	Applicant *ApplicantInput `json:"applicant,omitempty"`
	Form      Form            `json:"form"`
	Materials []MaterialInput `json:"materials"`
}

// ApplicantInput identifies a walk-in applicant.
type ApplicantInput struct {
	Name       string `json:"name"`
	IDNumber   string `json:"id_number,omitempty"`
	CreditCode string `json:"credit_code,omitempty"`
	Phone      string `json:"phone"`
}

// MaterialInput is one material of an application: an uploaded file, or
// handed in at the window or by post.
type MaterialInput struct {
	Name     string `json:"name"`
	FileID   int64  `json:"file_id,omitempty"`
	HandedIn string `json:"handed_in,omitempty"` // upload (default with a file), window, post
}

var mobileRE = regexp.MustCompile(`^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$`)

// levelOf says at which level a centre works: the kind of the region it
// hangs under.
func levelOf(region string) string {
	switch region {
	case org.KindTown:
		return catalog.LevelTown
	case org.KindVillage:
		return catalog.LevelVillage
	}
	return catalog.LevelCounty
}

// place is where a case is filed: the centre and its region.
type place struct {
	org    *org.Org
	region *org.Org
}

func (s *Service) place(ctx context.Context, code string) (*place, error) {
	o, err := s.orgs.ByCode(ctx, code)
	if err != nil {
		return nil, invalid("org_code", "受理机构 %s 不存在", code)
	}
	if o.Kind == org.KindWindow {
		if o, err = s.orgs.ByID(ctx, o.ParentID); err != nil {
			return nil, err
		}
	}
	if o.Kind != org.KindCentre {
		return nil, invalid("org_code", "请选择受理的政务服务中心、便民服务中心或便民服务站（%s 不是服务中心）", o.DisplayName())
	}
	if !o.Active {
		return nil, invalid("org_code", "%s已停用", o.DisplayName())
	}
	r, err := s.orgs.ByID(ctx, o.ParentID)
	if err != nil {
		return nil, err
	}
	return &place{org: o, region: r}, nil
}

func invalid(field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &zwfw.Error{Code: zwfw.EINVALID, Message: msg, Details: []zwfw.ErrorDetail{{Field: field, Message: msg}}}
}

// Apply files a new case and gives it its serial number.
func (s *Service) Apply(ctx context.Context, actor *zwfw.Actor, in ApplyInput) (*Case, error) {
	channel := ""
	switch {
	case actor == nil:
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	case actor.Kind == zwfw.KindPerson || actor.Kind == zwfw.KindEnterprise:
		channel = ChannelOnline
		if in.Applicant != nil {
			return nil, invalid("applicant", "网上申请以登录账户为申请人，不能代他人填写申请人")
		}
	case actor.Has(zwfw.RoleWindow):
		channel = ChannelWindow
		if in.Applicant == nil {
			return nil, invalid("applicant", "窗口代办须填写申请人的姓名、证件号码和联系电话")
		}
		if in.OrgCode == "" {
			in.OrgCode = actor.OrgCode
		}
	default:
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "只有申请人本人或窗口人员可以提交申请")
	}
	in.ItemCode, in.OrgCode = strings.TrimSpace(in.ItemCode), strings.TrimSpace(in.OrgCode)
	if in.ItemCode == "" {
		return nil, invalid("item_code", "请选择要办理的事项")
	}
	if in.OrgCode == "" {
		return nil, invalid("org_code", "请选择受理的服务中心")
	}
	v, err := s.catalog.CurrentVersion(ctx, in.ItemCode)
	if err != nil {
		if catalog.ErrNotFound(err) {
			return nil, invalid("item_code", "事项 %s 不存在", in.ItemCode)
		}
		return nil, err
	}
	it, err := s.itemVersion(ctx, in.ItemCode, v)
	if err != nil {
		return nil, err
	}
	if it.Cancelled() {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "事项“%s”已取消，不再受理新的申请", it.Name)
	}
	app, err := s.applicant(ctx, actor, in.Applicant)
	if err != nil {
		return nil, err
	}
	if err := checkForm(&in.Form); err != nil {
		return nil, err
	}
	var newID int64
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		p, err := s.place(ctx, in.OrgCode)
		if err != nil {
			return err
		}
		if channel == ChannelWindow && !actor.InScope(p.org.Path) {
			return zwfw.Errorf(zwfw.EFORBIDDEN, "%s不在您的管辖范围内", p.org.DisplayName())
		}
		level := levelOf(p.region.Kind)
		if !it.HasLevel(level) {
			return invalid("org_code", "“%s”不在%s办理（适用层级：%s）", it.Name, p.org.DisplayName(), levelNames(it.Levels))
		}
		mats, err := s.materials(ctx, tx, actor, it, in.Materials, true)
		if err != nil {
			return err
		}
		dept, err := s.orgs.ByCode(ctx, it.Dept)
		if err != nil {
			return err
		}
		now := s.now()
		serial, err := s.serial(ctx, tx, p.region.Code, now)
		if err != nil {
			return err
		}
		form, _ := json.Marshal(in.Form)
		var applicantID, windowID any
		if channel == ChannelOnline {
			applicantID = actor.UserID
		} else if actor.WindowID != 0 {
			windowID = actor.WindowID
		}
		id, err := db.InsertID(ctx, tx, `INSERT INTO cases (serial, item_code, item_version, item_name, kind, org_id, org_path,
			dept_id, dept_path, channel, applicant_id, applicant_kind, applicant_name, applicant_ident, applicant_phone, form,
			status, version, promised_days, window_id, query_code, day, submitted_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)`,
			serial, it.Code, it.Version, it.Name, it.Kind, p.org.ID, p.org.Path, dept.ID, dept.Path, channel, applicantID,
			app.Kind, app.Name, app.Ident, app.Phone, string(form), Submitted, it.PromisedLimitDays, windowID,
			queryCode(), calendar.Date(now).Format(calendar.DateLayout), db.Millis(now), db.Millis(now))
		if err != nil {
			return err
		}
		for i, m := range mats {
			var fileID any
			if m.FileID != 0 {
				fileID = m.FileID
			}
			if _, err := tx.Exec(ctx, `INSERT INTO case_materials (case_id, seq, name, file_id, sha256, file_name, size, content_type, handed_in, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, i+1, m.Name, fileID, m.SHA256, m.FileName, m.Size, m.ContentType, m.HandedIn, db.Millis(now)); err != nil {
				return err
			}
		}
		c := &Case{ID: id, Serial: serial, Status: Submitted, Version: 1, ItemName: it.Name, ApplicantID: idOf(applicantID)}
		person, phone := responsible(it, 0, p.org, levelOf(p.region.Kind) != catalog.LevelCounty)
		if err := openStep(ctx, tx, id, 1, "提交申请", "", "", Submitted, actor, now, ""); err != nil {
			return err
		}
		if err := openNext(ctx, tx, id, 2, "受理", person, phone, firstLimit(it), now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, actor, "case.apply", "case:"+serial, map[string]any{"item": it.Code, "version": it.Version, "org": p.org.Code, "channel": channel}); err != nil {
			return err
		}
		msg := fmt.Sprintf("您申请的“%s”已提交，办件编号 %s。%s将进行审核，请留意办理进度。", it.Name, serial, p.org.DisplayName())
		newID = id
		if err := s.tell(ctx, tx, c, app, "申请已提交", msg, now); err != nil {
			return err
		}
		// Last, so that the rollup's shared rows are locked the shortest time.
		return rollup.Move(ctx, tx, nil, &rollup.Case{Day: calendar.Date(now).Format(calendar.DateLayout), OrgID: p.org.ID,
			DeptID: dept.ID, WindowID: idOf(windowID), Kind: it.Kind, Channel: channel, Status: Submitted})
	})
	if err != nil {
		return nil, err
	}
	// Read the new case back on the read pool, after the commit: the single
	// writer is not kept waiting while it is assembled.
	return s.loadFresh(ctx, "c.id = ?", newID)
}

func idOf(v any) int64 {
	if id, ok := v.(int64); ok {
		return id
	}
	return 0
}

func levelNames(ls []string) string {
	n := make([]string, len(ls))
	for i, l := range ls {
		n[i] = catalog.LevelName(l)
	}
	return strings.Join(n, "、")
}

func firstLimit(it *catalog.Item) int {
	if len(it.Steps) > 0 {
		return it.Steps[0].LimitDays
	}
	return 0
}

// responsible names who answers for step i of an item at a place: the
// item's named person (attachment 2 (3)7), or the centre's phone. The
// item's steps name the county's posts; a case filed at a town or village
// centre is accepted (step 0) by that centre's window, so it answers there.
func responsible(it *catalog.Item, i int, o *org.Org, local bool) (string, string) {
	if i == 0 && local && o != nil {
		return o.DisplayName() + "窗口", o.Phone
	}
	if i < len(it.Steps) {
		return it.Steps[i].Post + " " + it.Steps[i].Person, it.Steps[i].Phone
	}
	if o != nil {
		return o.DisplayName(), o.Phone
	}
	return it.ConsultPhone, it.ConsultPhone
}

func queryCode() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	return fmt.Sprintf("%06d", n.Int64())
}

func checkForm(f *Form) error {
	f.Description, f.Address = strings.TrimSpace(f.Description), strings.TrimSpace(f.Address)
	if utf8.RuneCountInString(f.Description) > 2000 || utf8.RuneCountInString(f.Address) > 200 {
		return invalid("form", "申请说明不超过 2000 字，联系地址不超过 200 字")
	}
	if len(f.Fields) > 50 {
		return invalid("form.fields", "表单栏目过多")
	}
	for k, v := range f.Fields {
		if utf8.RuneCountInString(k) > 50 || utf8.RuneCountInString(v) > 1000 {
			return invalid("form.fields", "表单栏目“%s”过长", k)
		}
	}
	if f.Quantity < 0 || f.Quantity > 100000 {
		return invalid("form.quantity", "数量不正确")
	}
	if f.Delivery != "" && f.Delivery != "onsite" && f.Delivery != "post" {
		return invalid("form.delivery", "领取方式应为 onsite（窗口领取）或 post（邮寄）")
	}
	return nil
}

// applicant resolves who applies: the signed-in account, or the walk-in
// applicant the window typed in (identity numbers checked as at sign-up).
func (s *Service) applicant(ctx context.Context, actor *zwfw.Actor, in *ApplicantInput) (Applicant, error) {
	if in == nil {
		var a Applicant
		var idn, cc string
		err := s.db.QueryRow(ctx, "SELECT kind, name, phone, COALESCE(id_number, ''), COALESCE(credit_code, '') FROM users WHERE id = ?", actor.UserID).
			Scan(&a.Kind, &a.Name, &a.Phone, &idn, &cc)
		if err != nil {
			return a, db.NotFound(err, "账户不存在")
		}
		a.Ident = idn
		if a.Kind == zwfw.KindEnterprise {
			a.Ident = cc
		}
		return a, nil
	}
	a := Applicant{Name: strings.TrimSpace(in.Name), Phone: strings.TrimSpace(in.Phone)}
	var v zwfw.Invalid
	id, cc := ident.NormaliseID(in.IDNumber), ident.NormaliseCreditCode(in.CreditCode)
	switch {
	case id != "" && cc != "":
		v.Add("applicant.id_number", "居民身份证号和统一社会信用代码只填其一")
	case id != "":
		a.Kind, a.Ident = zwfw.KindPerson, id
		if err := ident.CheckID(id, s.now().In(db.Zone)); err != nil {
			v.Add("applicant.id_number", "%s", err.Error())
		}
	case cc != "":
		a.Kind, a.Ident = zwfw.KindEnterprise, cc
		if err := ident.CheckCreditCode(cc); err != nil {
			v.Add("applicant.credit_code", "%s", err.Error())
		}
	default:
		v.Add("applicant.id_number", "请填写申请人的居民身份证号或统一社会信用代码")
	}
	if n := utf8.RuneCountInString(a.Name); n < 2 || n > 60 {
		v.Add("applicant.name", "请填写申请人姓名或单位名称（2–60 字）")
	}
	if !mobileRE.MatchString(a.Phone) {
		v.Add("applicant.phone", "请填写申请人的手机或固定电话")
	}
	return a, v.Err()
}

// materials checks a list of materials against the item: names must be the
// item's, files must be the actor's own uploads, and (when complete is set)
// every required material must be there, uploaded or handed in.
func (s *Service) materials(ctx context.Context, q db.Querier, actor *zwfw.Actor, it *catalog.Item, in []MaterialInput, complete bool) ([]Material, error) {
	var v zwfw.Invalid
	var out []Material
	seen := map[string]bool{}
	for i, m := range in {
		f := fmt.Sprintf("materials[%d]", i)
		m.Name = strings.TrimSpace(m.Name)
		idx := slices.IndexFunc(it.Materials, func(x catalog.Material) bool { return x.Name == m.Name })
		if idx < 0 {
			v.Add(f+".name", "“%s”不是本事项的申请材料", m.Name)
			continue
		}
		seen[m.Name] = true
		mat := Material{Name: m.Name, HandedIn: m.HandedIn}
		switch {
		case m.FileID != 0:
			mat.HandedIn = "upload"
			var owner int64
			var purpose string
			err := q.QueryRow(ctx, "SELECT sha256, name, size, content_type, purpose, COALESCE(owner_id, 0) FROM files WHERE id = ?", m.FileID).
				Scan(&mat.SHA256, &mat.FileName, &mat.Size, &mat.ContentType, &purpose, &owner)
			if err != nil || purpose != files.PurposeCase || owner != actor.UserID {
				v.Add(f+".file_id", "材料“%s”的文件不存在或不是您上传的", m.Name)
				continue
			}
			mat.FileID = m.FileID
		case m.HandedIn == "window" || m.HandedIn == "post":
		default:
			v.Add(f+".file_id", "请上传“%s”，或选择窗口递交、邮寄", m.Name)
			continue
		}
		out = append(out, mat)
	}
	if complete {
		for _, m := range it.Materials {
			if m.Required == "required" && !seen[m.Name] {
				v.Add("materials", "缺少必要材料“%s”", m.Name)
			}
		}
	}
	return out, v.Err()
}

// serial gives the next serial number of a region and day: division code,
// date, sequence — 610923100-20261126-00017. The counter lives in the
// database, so serials are unique across processes and never reused.
func (s *Service) serial(ctx context.Context, tx *db.Tx, region string, at time.Time) (string, error) {
	day := at.In(db.Zone).Format("20060102")
	n, err := tx.Next(ctx, "case:"+region+":"+day)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s-%s-%05d", region, day, n), nil
}

// openStep records a closed step (an action already taken).
func openStep(ctx context.Context, tx *db.Tx, caseID int64, seq int, name, action, from, to string, actor *zwfw.Actor, at time.Time, opinion string) error {
	_, err := tx.Exec(ctx, `INSERT INTO case_steps (case_id, seq, name, action, state, from_status, to_status, actor_id, actor_name,
		org_id, window_id, opinion, started_at, ended_at) VALUES (?, ?, ?, ?, 'done', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		caseID, seq, name, action, from, to, nullID(actor.UserID), actorName(actor), nullID(actor.OrgID), nullID(actor.WindowID), opinion,
		db.Millis(at), db.Millis(at))
	return err
}

// openNext records the step now waiting, with who answers for it.
func openNext(ctx context.Context, tx *db.Tx, caseID int64, seq int, name, person, phone string, limit int, at time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO case_steps (case_id, seq, name, action, state, from_status, to_status, person, phone, limit_days, started_at)
		VALUES (?, ?, ?, '', 'open', '', '', ?, ?, ?, ?)`, caseID, seq, name, person, phone, limit, db.Millis(at))
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func actorName(a *zwfw.Actor) string {
	if a.Name != "" {
		return a.Name
	}
	return a.Username
}

// tell queues the applicant's notification: in-app when they have an
// account, and an SMS to the phone on the case.
func (s *Service) tell(ctx context.Context, tx *db.Tx, c *Case, a Applicant, subject, body string, at time.Time) error {
	return notify.Enqueue(ctx, tx, at, notify.Note{UserID: c.ApplicantID, Phone: a.Phone, Subject: subject, Body: body, CaseSerial: c.Serial})
}

// Get returns the case with serial if the actor may see it. A case outside
// the actor's reach is reported as not found.
func (s *Service) Get(ctx context.Context, actor *zwfw.Actor, serial string) (*Case, error) {
	var version int
	if err := s.db.QueryRow(ctx, "SELECT version FROM cases WHERE serial = ?", serial).Scan(&version); err != nil {
		return nil, notFound(serial)
	}
	c := s.recent.get(serial, version)
	if c == nil {
		var err error
		if c, err = s.loadFresh(ctx, "c.serial = ?", serial); err != nil {
			return nil, err
		}
	}
	if !canSee(actor, c) {
		return nil, notFound(serial)
	}
	cp := *c // callers may mask their copy; the cached case stays whole
	return &cp, nil
}

// loadFresh reads a case from the database and remembers it.
func (s *Service) loadFresh(ctx context.Context, where string, arg any) (*Case, error) {
	c, err := s.load(ctx, s.db.Reader(), where, arg)
	if err != nil {
		return nil, err
	}
	s.recent.put(c)
	cp := *c
	return &cp, nil
}

func notFound(serial string) error {
	return zwfw.Errorf(zwfw.ENOTFOUND, "办件 %s 不存在或您无权查看", serial)
}

// canSee: the applicant sees their own cases; staff see cases filed in,
// owned by, handled by or jointly handled by their subtree.
func canSee(a *zwfw.Actor, c *Case) bool {
	switch {
	case a == nil:
		return false
	case a.Kind == zwfw.KindSystem:
		return true
	case a.Kind == zwfw.KindPerson || a.Kind == zwfw.KindEnterprise:
		return c.ApplicantID != 0 && c.ApplicantID == a.UserID
	}
	if a.InScope(c.OrgPath) || a.InScope(c.DeptPath) || (c.HandlerPath != "" && a.InScope(c.HandlerPath)) {
		return true
	}
	for _, t := range c.Tasks {
		if a.InScope(t.DeptPath) {
			return true
		}
	}
	return false
}

const caseCols = `SELECT c.id, c.serial, c.status, c.kind, c.item_code, c.item_version, c.item_name, o.code, o.name, o.full_name, o.path,
	d.code, d.name, d.full_name, d.path, COALESCE(h.code, ''), COALESCE(h.name, ''), COALESCE(h.path, ''), c.channel,
	COALESCE(c.applicant_id, 0), c.applicant_kind, c.applicant_name, c.applicant_ident, c.applicant_phone, c.form, c.decision,
	c.version, c.promised_days, c.extended_days, c.deadline, COALESCE(c.window_id, 0), c.fee_cents, c.paid, c.result, c.delivery,
	c.query_code, c.day, c.submitted_at, c.accepted_at, c.decided_at, c.completed_at, c.updated_at, c.org_id, c.dept_id,
	COALESCE(c.handler_org_id, 0), c.extras, c.completed_on, c.handled_days
	FROM cases c JOIN orgs o ON o.id = c.org_id JOIN orgs d ON d.id = c.dept_id LEFT JOIN orgs h ON h.id = c.handler_org_id`

func scanCase(row interface{ Scan(...any) error }) (*Case, error) {
	var c Case
	var oName, oFull, dName, dFull, form, result, delivery string
	var sub, acc, dec, comp, upd int64
	err := row.Scan(&c.ID, &c.Serial, &c.Status, &c.Kind, &c.ItemCode, &c.ItemVersion, &c.ItemName, &c.OrgCode, &oName, &oFull, &c.OrgPath,
		&c.DeptCode, &dName, &dFull, &c.DeptPath, &c.HandlerCode, &c.HandlerName, &c.HandlerPath, &c.Channel,
		&c.ApplicantID, &c.Applicant.Kind, &c.Applicant.Name, &c.Applicant.Ident, &c.Applicant.Phone, &form, &c.Decision,
		&c.Version, &c.PromisedDays, &c.ExtendedDays, &c.Deadline, &c.WindowID, &c.FeeCents, &c.Paid, &result, &delivery,
		&c.QueryCode, &c.Day, &sub, &acc, &dec, &comp, &upd, &c.OrgID, &c.DeptID, &c.HandlerID, &c.extras,
		&c.CompletedOn, &c.HandledDays)
	if err != nil {
		return nil, err
	}
	c.OrgName, c.DeptName = pick(oFull, oName), pick(dFull, dName)
	c.StatusName, c.KindName = StatusName(c.Status), catalog.KindName(c.Kind)
	_ = json.Unmarshal([]byte(form), &c.Form)
	if result != "" {
		c.Result = &Result{}
		_ = json.Unmarshal([]byte(result), c.Result)
	}
	if delivery != "" {
		c.Delivery = &Delivery{}
		_ = json.Unmarshal([]byte(delivery), c.Delivery)
	}
	c.SubmittedAt, c.AcceptedAt, c.DecidedAt, c.CompletedAt, c.UpdatedAt = db.Time(sub), db.Time(acc), db.Time(dec), db.Time(comp), db.Time(upd)
	return &c, nil
}

func pick(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// load reads one case with everything attached. Outside a write
// transaction (q is the reader) the reads share one read transaction.
func (s *Service) load(ctx context.Context, q db.Querier, where string, arg any) (*Case, error) {
	var c *Case
	read := func(q db.Querier) error {
		var err error
		c, err = scanCase(q.QueryRow(ctx, caseCols+" WHERE "+where, arg))
		if errors.Is(err, sql.ErrNoRows) {
			return zwfw.Errorf(zwfw.ENOTFOUND, "办件不存在")
		}
		if err != nil {
			return err
		}
		return s.attach(ctx, q, c)
	}
	if _, inTx := q.(*db.Tx); inTx {
		return c, read(q)
	}
	return c, s.db.ReadTx(ctx, read)
}

// attach reads a case's steps, materials, notices, tasks, suspensions,
// extensions, payment and evaluations.
func (s *Service) attach(ctx context.Context, q db.Querier, c *Case) error {
	rows, err := q.Query(ctx, `SELECT st.seq, st.name, st.action, st.state, st.from_status, st.to_status, st.actor_name, COALESCE(w.name, ''),
		st.opinion, st.person, st.phone, st.limit_days, st.started_at, st.ended_at, COALESCE(u.post, '')
		FROM case_steps st LEFT JOIN orgs w ON w.id = st.window_id LEFT JOIN users u ON u.id = st.actor_id
		WHERE st.case_id = ? ORDER BY CASE WHEN st.state = 'open' THEN 1 ELSE 0 END, st.seq`, c.ID)
	if err != nil {
		return err
	}
	c.Steps = []Step{}
	for rows.Next() {
		var st Step
		var started, ended int64
		if err := rows.Scan(&st.Seq, &st.Name, &st.Action, &st.State, &st.FromStatus, &st.ToStatus, &st.ActorName, &st.Window,
			&st.Opinion, &st.Person, &st.Phone, &st.LimitDays, &started, &ended, &st.Post); err != nil {
			rows.Close()
			return err
		}
		st.StartedAt, st.EndedAt = db.Time(started), db.Time(ended)
		if ended > 0 {
			st.DurationS = (ended - started) / 1000
		}
		c.Steps = append(c.Steps, st)
	}
	rows.Close()
	rows, err = q.Query(ctx, `SELECT seq, name, COALESCE(file_id, 0), sha256, file_name, size, content_type, handed_in
		FROM case_materials WHERE case_id = ? ORDER BY seq`, c.ID)
	if err != nil {
		return err
	}
	c.Materials = []Material{}
	for rows.Next() {
		var m Material
		if err := rows.Scan(&m.Seq, &m.Name, &m.FileID, &m.SHA256, &m.FileName, &m.Size, &m.ContentType, &m.HandedIn); err != nil {
			rows.Close()
			return err
		}
		c.Materials = append(c.Materials, m)
	}
	rows.Close()
	rows, err = q.Query(ctx, "SELECT id, kind, number, content, issuer, issued_at FROM case_notices WHERE case_id = ? ORDER BY id", c.ID)
	if err != nil {
		return err
	}
	c.Notices = []Notice{}
	for rows.Next() {
		var n Notice
		var content string
		var at int64
		if err := rows.Scan(&n.ID, &n.Kind, &n.Number, &content, &n.Issuer, &at); err != nil {
			rows.Close()
			return err
		}
		n.KindName, n.IssuedAt = NoticeKindName(n.Kind), db.Time(at)
		_ = json.Unmarshal([]byte(content), &n.Content)
		c.Notices = append(c.Notices, n)
	}
	rows.Close()
	if err := loadTasks(ctx, q, c); err != nil {
		return err
	}
	if c.extras&hasSuspensions != 0 {
		if err := loadSuspensions(ctx, q, c); err != nil {
			return err
		}
	}
	if c.extras&hasExtensions != 0 {
		if err := loadExtensions(ctx, q, c); err != nil {
			return err
		}
	}
	if c.extras&hasPayment != 0 {
		if err := loadPayment(ctx, q, c); err != nil {
			return err
		}
	}
	if c.extras&hasEvaluations != 0 {
		return loadEvaluations(ctx, q, c)
	}
	return nil
}

func loadSuspensions(ctx context.Context, q db.Querier, c *Case) error {
	rows, err := q.Query(ctx, "SELECT kind, reason, started_on, ended_on, days, resume_to FROM case_suspensions WHERE case_id = ? ORDER BY id", c.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var sp Suspension
		if err := rows.Scan(&sp.Kind, &sp.Reason, &sp.StartedOn, &sp.EndedOn, &sp.Days, &sp.ResumeTo); err != nil {
			return err
		}
		sp.KindName = SuspensionKinds[sp.Kind]
		c.Suspensions = append(c.Suspensions, sp)
	}
	return rows.Err()
}

func loadExtensions(ctx context.Context, q db.Querier, c *Case) error {
	rows, err := q.Query(ctx, "SELECT id, days, reason, state, requested_at, decided_at, opinion FROM case_extensions WHERE case_id = ? ORDER BY id", c.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e Extension
		var req, dec int64
		if err := rows.Scan(&e.ID, &e.Days, &e.Reason, &e.State, &req, &dec, &e.Opinion); err != nil {
			return err
		}
		e.RequestedAt, e.DecidedAt = db.Time(req), db.Time(dec)
		c.Extensions = append(c.Extensions, e)
	}
	return rows.Err()
}

func loadEvaluations(ctx context.Context, q db.Querier, c *Case) error {
	rows, err := q.Query(ctx, "SELECT level, comment, channel, created_at FROM evaluations WHERE case_id = ? ORDER BY id", c.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e Evaluation
		var at int64
		if err := rows.Scan(&e.Level, &e.Comment, &e.Channel, &at); err != nil {
			return err
		}
		e.LevelName, e.At = Levels[e.Level], db.Time(at)
		c.Evaluations = append(c.Evaluations, e)
	}
	return rows.Err()
}

// loadTasks reads the 联办 sub-tasks of a joint case.
func loadTasks(ctx context.Context, q db.Querier, c *Case) error {
	c.Tasks = nil
	if c.Kind != catalog.KindJoint {
		return nil
	}
	rows, err := q.Query(ctx, `SELECT d.code, CASE WHEN d.full_name = '' THEN d.name ELSE d.full_name END, t.dept_path, t.lead, t.state,
		t.deadline, t.opinion, t.actor_name, t.decided_at FROM case_tasks t JOIN orgs d ON d.id = t.dept_id WHERE t.case_id = ? ORDER BY t.lead DESC, t.id`, c.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t Task
		var at int64
		if err := rows.Scan(&t.DeptCode, &t.DeptName, &t.DeptPath, &t.Lead, &t.State, &t.Deadline, &t.Opinion, &t.ActorName, &at); err != nil {
			return err
		}
		t.DecidedAt = db.Time(at)
		c.Tasks = append(c.Tasks, t)
	}
	return rows.Err()
}

// loadPayment reads the latest payment of a case, if any.
func loadPayment(ctx context.Context, q db.Querier, c *Case) error {
	var p Payment
	var items string
	var paid int64
	err := q.QueryRow(ctx, "SELECT notice_no, amount, items, state, channel, reference, receipt_no, paid_at FROM payments WHERE case_id = ? ORDER BY id DESC LIMIT 1", c.ID).
		Scan(&p.NoticeNo, &p.Amount, &items, &p.State, &p.Channel, &p.Reference, &p.ReceiptNo, &paid)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		c.Payment = nil
		return nil
	case err != nil:
		return err
	}
	_ = json.Unmarshal([]byte(items), &p.Items)
	p.PaidAt = db.Time(paid)
	c.Payment = &p
	return nil
}
