package casework

// Filing a case (申请): online by the applicant or at a window for a walk-in
// applicant; the place, the applicant, the materials and the serial.

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/audit"
	"zwfw/internal/calendar"
	"zwfw/internal/casework/rollup"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/files"
	"zwfw/internal/org"
	"zwfw/internal/pii"
)

// ApplyInput is an application: online by the applicant, or at a window by
// staff on the applicant's behalf (then Applicant is required).
type ApplyInput struct {
	ItemCode  string          `json:"item_code"`
	OrgCode   string          `json:"org_code"`
	Applicant *ApplicantInput `json:"applicant,omitempty"`
	Form      Form            `json:"form"`
	Materials []MaterialInput `json:"materials"`
	Accept    bool            `json:"accept,omitempty"` // at a window: accept at once (提交并受理), in the same transaction
	// ProjectCode is the 全国投资项目统一代码 of a case of an item that
	// concerns investment projects (project.go); empty for other items.
	ProjectCode string `json:"project_code,omitempty"`
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
	HandedIn string `json:"handed_in,omitempty"` // upload (default with a file), window, post, licence, library
	// Provided by reuse (免提交, reuse.go): the identifier of the
	// applicant's electronic licence, or the id of an entry of their
	// materials library. Using it is a one-time authorisation, recorded.
	Licence string `json:"licence,omitempty"`
	Library int64  `json:"library_id,omitempty"`
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
	if org.ErrNotFound(err) {
		return nil, invalid("org_code", "受理机构 %s 不存在", code)
	}
	if err != nil {
		// The database failing is not the centre being gone.
		return nil, fmt.Errorf("casework: centre %s: %w", code, err)
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
		if in.Accept {
			return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "网上申请由窗口受理，申请人不能自行受理")
		}
	case MayFileAtWindow(actor) == nil:
		channel = ChannelWindow
		if in.Applicant == nil {
			return nil, invalid("applicant", "窗口代办须填写申请人的姓名、证件号码和联系电话")
		}
		if in.OrgCode == "" {
			in.OrgCode = actor.OrgCode
		}
	case in.Accept:
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "只有窗口人员可以提交并受理")
	default:
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "只有申请人本人或窗口人员可以提交申请")
	}
	it, app, err := s.check(ctx, actor, &in)
	if err != nil {
		return nil, err
	}
	project, err := projectCode(it, strings.TrimSpace(in.ProjectCode), s.now())
	if err != nil {
		return nil, err
	}
	var newID int64
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		// The case copies its organisations' paths (read below, in this
		// transaction): a move of the tree must wait for it, or it for the
		// move.
		if err := tx.ShareTree(ctx); err != nil {
			return err
		}
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
		mats, err := s.materials(ctx, tx, actor, it, in.Materials, true, replaced(it, in.Form))
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
		// The applicant's identity number, phone and form (联系地址)
		// are stored sealed; the number's digest finds a person's cases.
		ring := pii.Of(tx)
		form, _ := json.Marshal(in.Form)
		var applicantID, windowID any
		if channel == ChannelOnline {
			applicantID = actor.UserID
		} else if actor.WindowID != 0 {
			windowID = actor.WindowID
		}
		// The paths as copied (not the cache's), for the rollup.
		var id int64
		var orgPath, deptPath string
		err = tx.QueryRow(ctx, `INSERT INTO cases (serial, item_code, item_version, item_name, kind, org_id, org_path,
			dept_id, dept_path, channel, applicant_id, applicant_kind, applicant_name, applicant_ident, applicant_digest, applicant_phone, form,
			status, version, promised_days, window_id, query_code, day, submitted_at, updated_at, project_code)
			VALUES (?, ?, ?, ?, ?, ?, (SELECT path FROM orgs WHERE id = ?), ?, (SELECT path FROM orgs WHERE id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)
			RETURNING id, org_path, dept_path`,
			serial, it.Code, it.Version, it.Name, it.Kind, p.org.ID, p.org.ID, dept.ID, dept.ID, channel, applicantID,
			app.Kind, app.Name, ring.Seal(pii.CaseIdent.Label(), app.Ident), ring.Digest(app.Ident), ring.Seal(pii.CasePhone.Label(), app.Phone),
			ring.Seal(pii.CaseForm.Label(), string(form)), Submitted, it.PromisedLimitDays, windowID,
			queryCode(), calendar.Date(now).Format(calendar.DateLayout), db.Millis(now), db.Millis(now), project).Scan(&id, &orgPath, &deptPath)
		if err != nil {
			return db.MapError(err)
		}
		// A county's item filed at the city: marked to go down (remote.go).
		if err := s.markDown(ctx, tx, id, orgPath, deptPath, dept.Code, now); err != nil {
			return err
		}
		// Materials provided by reuse: their sources checked and the
		// authorisations recorded, in this transaction (reuse.go).
		if err := s.provide(ctx, tx, actor, it, in.Materials, mats, Filing{CaseID: id, Serial: serial, ItemCode: it.Code,
			ItemName: it.Name, Applicant: app, OrgID: p.org.ID, OrgPath: orgPath, DeptPath: deptPath, At: now}); err != nil {
			return err
		}
		if len(mats) > 0 { // one statement for all of them
			q := `INSERT INTO case_materials (case_id, seq, name, file_id, sha256, file_name, size, content_type, handed_in, provided, created_at) VALUES `
			args := make([]any, 0, 11*len(mats))
			for i, m := range mats {
				var fileID any
				if m.FileID != 0 {
					fileID = m.FileID
				}
				if i > 0 {
					q += ", "
				}
				q += "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
				args = append(args, id, i+1, m.Name, fileID, m.SHA256, m.FileName, m.Size, m.ContentType, m.HandedIn, m.providedJSON(), db.Millis(now))
			}
			if _, err := tx.Exec(ctx, q, args...); err != nil {
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
		if err := audit.RecordFor(ctx, tx, p.org.ID, now, actor, "case.apply", "case:"+serial, map[string]any{"item": it.Code, "version": it.Version, "org": p.org.Code, "channel": channel}); err != nil {
			return err
		}
		// 申报: the event for the city platform, in this transaction (events.go).
		if s.events != nil {
			filed := &Case{ID: id, Serial: serial, Status: Submitted, Kind: it.Kind, ItemCode: it.Code, ItemVersion: it.Version, ItemName: it.Name,
				OrgCode: p.org.Code, OrgName: p.org.DisplayName(), DeptCode: dept.Code, DeptName: dept.DisplayName(), Channel: channel,
				PromisedDays: it.PromisedLimitDays, SubmittedAt: now, OrgID: p.org.ID, DeptID: dept.ID, OrgPath: orgPath, DeptPath: deptPath, item: it,
				ProjectCode: project}
			if err := s.events.CaseEvent(ctx, tx, &Event{Case: filed, Item: it, Action: ActFile, Step: "提交申请", Status: Submitted, At: now}); err != nil {
				return err
			}
		}
		msg := fmt.Sprintf("您申请的“%s”已提交，办件编号 %s。%s将进行审核，请留意办理进度。", it.Name, serial, p.org.DisplayName())
		newID = id
		if err := s.tell(ctx, tx, c, app, "申请已提交", msg, now); err != nil {
			return err
		}
		// Last, so that the rollup's shared rows are locked the shortest time.
		if err := rollup.Move(ctx, tx, nil, &rollup.Case{Day: calendar.Date(now).Format(calendar.DateLayout), OrgID: p.org.ID,
			DeptID: dept.ID, WindowID: idOf(windowID), Kind: it.Kind, Channel: channel, Status: Submitted, OrgPath: orgPath, DeptPath: deptPath}); err != nil {
			return err
		}
		if err := s.keepParts(ctx, tx, id); err != nil {
			return err
		}
		if !in.Accept {
			return nil
		}
		// 提交并受理: the acceptance, as the machine allows it, in the same
		// transaction; if it fails, the case was never filed.
		filed, err := s.load(ctx, tx, "c.id = ?", id)
		if err != nil {
			return err
		}
		if err := Check(actor, filed, ActAccept); err != nil {
			return err
		}
		if err := s.take(ctx, tx, actor, filed, ActAccept, ActionInput{}); err != nil {
			return prefixed(err, "提交并受理未能完成，申请未登记：")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.forActor(ctx, actor, newID)
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

// checkForm adds the problems of the form's fixed part (申请说明, 联系地址,
// 数量, 领取方式) to v.
// final: the application is being filed (a draft may still lack what a
// filing needs).
func checkForm(f *Form, v *zwfw.Invalid, final bool) {
	f.Description, f.Address = strings.TrimSpace(f.Description), strings.TrimSpace(f.Address)
	if utf8.RuneCountInString(f.Description) > 2000 {
		v.Add("form.description", "申请说明不超过 2000 字")
	}
	if utf8.RuneCountInString(f.Address) > 200 {
		v.Add("form.address", "联系地址不超过 200 字")
	}
	if len(f.Fields) > 50 {
		v.Add("form.fields", "表单栏目过多")
	}
	for k, val := range f.Fields {
		if utf8.RuneCountInString(k) > 50 || utf8.RuneCountInString(val) > 1000 {
			v.Add("form.fields", "表单栏目“%s”过长", k)
		}
	}
	if f.Quantity < 0 || f.Quantity > 100000 {
		v.Add("form.quantity", "数量不正确")
	}
	switch f.Delivery {
	case "", "onsite":
	case "post":
		// 邮寄送达 needs somewhere to send the result to.
		if final && f.Address == "" {
			v.Add("form.address", "选择邮寄送达时，请填写收件地址")
		}
	default:
		v.Add("form.delivery", "领取方式应为 onsite（窗口领取）或 post（邮寄）")
	}
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
		if err := pii.Of(s.db).OpenAll(pii.F(pii.UserIDNumber.Label(), &idn), pii.F(pii.UserPhone.Label(), &a.Phone)); err != nil {
			return a, err
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
// replaced names a material the filled-in online form stands for ("" none).
func (s *Service) materials(ctx context.Context, q db.Querier, actor *zwfw.Actor, it *catalog.Item, in []MaterialInput, complete bool, replaced string) ([]Material, error) {
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
		case m.reusing():
			// The source is checked in the filing's transaction
			// (MaterialsHook.Provide); here only against the marks.
			if actor.Kind != zwfw.KindPerson && actor.Kind != zwfw.KindEnterprise {
				v.Add(f, "材料“%s”：电子证照和材料库只能由申请人本人在网上申请时授权使用", m.Name)
				continue
			}
			if !checkReuse(&v, f, m, it.Materials[idx]) {
				continue
			}
			if m.Licence != "" {
				mat.HandedIn = ByLicence
			} else {
				mat.HandedIn = ByLibrary
			}
			mat.Provided = &Provided{Ref: m.Licence}
			if m.Library != 0 {
				mat.Provided.Ref = fmt.Sprint(m.Library)
			}
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
			if m.Required == "required" && !seen[m.Name] && m.Name != replaced {
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
