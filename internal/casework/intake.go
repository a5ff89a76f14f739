package casework

// The window's actions before and at acceptance: 受理 (with the 联办
// sub-tasks), 一次性告知, 不予受理, 补正, and 上报 of an 上报件.

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/org"
)

func (a *act) accept() error {
	a.advance = true
	days := a.c.PromisedDays
	deadline, err := a.s.cal.AddWorkdays(a.ctx, a.c.OrgPath, a.today, days)
	if err != nil {
		return err
	}
	dl := deadline.Format(calendar.DateLayout)
	a.set["deadline"], a.set["accepted_at"], a.set["cur_step"] = dl, db.Millis(a.now), 1
	if a.actor.WindowID != 0 {
		a.set["window_id"] = a.actor.WindowID
	}
	a.c.Deadline = dl
	a.opinion = strings.TrimSpace(a.in.Opinion)
	switch a.c.Kind {
	case catalog.KindImmediate:
		a.windowOpen("当场办结")
	case catalog.KindUpward:
		a.windowOpen("上报上级机关")
	case catalog.KindJoint:
		if err := a.fanOut(deadline); err != nil {
			return err
		}
		a.open = &openInfo{name: "联合审查", person: a.c.DeptName + "（主办）及联办部门", phone: a.it.ConsultPhone, limit: days}
	default:
		a.stepOpen(1, "审查")
	}
	when := "当场或当日办结"
	if days > 0 {
		when = fmt.Sprintf("%d 个工作日内（%s 前）办结", days, cnDate(deadline))
	}
	body := []string{
		fmt.Sprintf("%s：", a.c.Applicant.Name),
		fmt.Sprintf("您于 %s 提交的“%s”申请，申请材料齐全、符合法定形式，本机关决定予以受理。", cnDate(a.c.SubmittedAt), a.c.ItemName),
		fmt.Sprintf("本事项为%s，承诺在受理之日起 %s。办理进度可凭办件编号 %s 在网上办事大厅查询，或扫描下方二维码查询。", catalog.KindName(a.c.Kind), when, a.c.Serial),
	}
	if err := a.notice(NoticeAcceptance, NoticeContent{Body: body, Deadline: dl}); err != nil {
		return err
	}
	a.tellSubj = "申请已受理"
	a.tellBody = fmt.Sprintf("您的“%s”（办件编号 %s）已受理，承诺%s。", a.c.ItemName, a.c.Serial, when)
	a.detail["deadline"] = dl
	// The accepted materials go into the applicant's library (材料库),
	// for later applications to reuse (§2(3)).
	if a.s.mats != nil && !a.c.received() { // the library is kept where the applicant applied
		if err := a.s.mats.Accepted(a.ctx, a.tx, a.c); err != nil {
			return err
		}
	}
	return nil
}

// fanOut creates the 联办 sub-tasks: the lead department's and one per
// co-department, each with its own deadline (the co-departments a working
// day earlier, so the lead can give one unified result in time).
func (a *act) fanOut(deadline time.Time) error {
	coDays := max(1, a.c.PromisedDays-1)
	coDeadline, err := a.s.cal.AddWorkdays(a.ctx, a.c.OrgPath, a.today, coDays)
	if err != nil {
		return err
	}
	// The tasks copy their departments' paths (see Apply).
	if err := a.tx.ShareTree(a.ctx); err != nil {
		return err
	}
	depts := append([]string{a.it.Dept}, a.it.CoDepts...)
	for i, code := range depts {
		d, err := org.Lookup(a.ctx, a.tx, code)
		if err != nil {
			return fmt.Errorf("casework: joint department %s: %w", code, err)
		}
		dl := coDeadline
		if i == 0 {
			dl = deadline
		}
		if _, err := a.tx.Exec(a.ctx, `INSERT INTO case_tasks (case_id, dept_id, dept_path, lead, state, deadline, created_at)
			VALUES (?, ?, ?, ?, 'pending', ?, ?)`, a.c.ID, d.ID, d.Path, i == 0, dl.Format(calendar.DateLayout), db.Millis(a.now)); err != nil {
			return err
		}
	}
	return nil
}

func (a *act) notifySupplement() error {
	a.advance = true
	var items []string
	for _, s := range a.in.Items {
		if s = strings.TrimSpace(s); s != "" {
			items = append(items, s)
		}
	}
	if len(items) == 0 {
		return invalid("items", "一次性告知须列出需要补正的全部内容")
	}
	for _, s := range items {
		if utf8.RuneCountInString(s) > 500 {
			return invalid("items", "每项补正内容不超过 500 字")
		}
	}
	a.opinion = strings.Join(items, "；")
	a.open = &openInfo{name: "补正材料", person: "申请人 " + a.c.Applicant.Name, phone: a.centre().Phone}
	body := []string{
		fmt.Sprintf("%s：", a.c.Applicant.Name),
		fmt.Sprintf("您于 %s 提交的“%s”申请，经审查，申请材料不齐全或者不符合法定形式。根据《中华人民共和国行政许可法》第三十二条，现一次性告知您需要补正的全部内容如下：", cnDate(a.c.SubmittedAt), a.c.ItemName),
	}
	if err := a.notice(NoticeOneTime, NoticeContent{Body: body, Items: items,
		Footer: "请按上述要求补正后，在网上办事大厅“我的办件”中补正提交，或携带材料到窗口办理，无须重新申请。"}); err != nil {
		return err
	}
	a.tellSubj = "请补正材料"
	a.tellBody = fmt.Sprintf("您的“%s”（%s）需要补正：%s。请登录网上办事大厅补正，无须重新申请。", a.c.ItemName, a.c.Serial, a.opinion)
	return nil
}

// allowSecondNotice records a supervisor's permission for one more
// 一次性告知书 on a case told once already, and why: everything to fix is
// told once (§2(3), attachment 2 (5)), so a second notice is an exception
// someone answers for. The reason is on the case's steps and in the audit
// log; the open step stays open.
func (a *act) allowSecondNotice() error {
	reason, err := a.need("opinion", a.in.Opinion, 4, "准许再次告知的理由")
	if err != nil {
		return err
	}
	a.opinion = reason
	a.detail["reason"] = reason
	return nil
}

func (a *act) reject() error {
	a.advance = true
	reason, err := a.need("opinion", a.in.Opinion, 4, "不予受理的理由")
	if err != nil {
		return err
	}
	basis, err := a.need("basis", a.in.Basis, 4, "不予受理的法律依据")
	if err != nil {
		return err
	}
	a.opinion = reason
	a.set["closed_at"] = db.Millis(a.now)
	body := []string{
		fmt.Sprintf("%s：", a.c.Applicant.Name),
		fmt.Sprintf("您于 %s 提交的“%s”申请，经审查，本机关决定不予受理。", cnDate(a.c.SubmittedAt), a.c.ItemName),
	}
	remedy, err := a.remedy()
	if err != nil {
		return err
	}
	if err := a.notice(NoticeRejection, NoticeContent{Body: body, Reason: reason, Basis: basis, Remedy: remedy}); err != nil {
		return err
	}
	a.tellSubj = "申请不予受理"
	a.tellBody = fmt.Sprintf("您的“%s”（%s）不予受理，理由：%s。", a.c.ItemName, a.c.Serial, reason)
	return nil
}

func (a *act) supplement() error {
	a.advance = true
	if len(a.in.Materials) == 0 {
		return invalid("materials", "请上传或递交需要补正的材料")
	}
	for i, m := range a.in.Materials {
		if m.reusing() {
			return invalid(fmt.Sprintf("materials[%d]", i), "补正的材料“%s”请上传或递交", m.Name)
		}
	}
	uploader := a.actor
	mats, err := a.s.materials(a.ctx, a.tx, uploader, a.it, a.in.Materials, false, "")
	if err != nil {
		return err
	}
	for _, m := range mats {
		if _, err := a.tx.Exec(a.ctx, "DELETE FROM case_materials WHERE case_id = ? AND name = ?", a.c.ID, m.Name); err != nil {
			return err
		}
		var fileID any
		if m.FileID != 0 {
			fileID = m.FileID
		}
		seq := slices.IndexFunc(a.it.Materials, func(x catalog.Material) bool { return x.Name == m.Name }) + 1
		if _, err := a.tx.Exec(a.ctx, `INSERT INTO case_materials (case_id, seq, name, file_id, sha256, file_name, size, content_type, handed_in, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.c.ID, seq, m.Name, fileID, m.SHA256, m.FileName, m.Size, m.ContentType, m.HandedIn, db.Millis(a.now)); err != nil {
			return err
		}
	}
	names := make([]string, len(mats))
	for i, m := range mats {
		names[i] = m.Name
	}
	a.opinion = "补正：" + strings.Join(names, "、")
	person, phone := responsible(a.it, 0, a.centre(), a.local())
	a.open = &openInfo{name: "受理", person: person, phone: phone}
	a.detail["materials"] = names
	return nil
}

// forward sends an 上报件 up: from a town or village to the county
// department that decides, from the county to the city centre. The
// applicant submits nothing again (attachment 2 (5)3).
func (a *act) forward() error {
	a.advance = true
	// Down to the county platform the case was marked for, or to the
	// upper platform when one is registered (remote.go).
	if a.c.downward() {
		if a.s.fwd == nil {
			return zwfw.Errorf(zwfw.ECONFLICT, "本平台未连接%s，暂不能转办", a.c.Forward.PeerName)
		}
		p, err := a.s.fwd.Lower(a.ctx, a.c.DeptCode)
		if err != nil {
			return err
		}
		if p == nil || p.Code != a.c.Forward.PeerCode {
			return zwfw.Errorf(zwfw.ECONFLICT, "%s未登记或已停用，暂不能转办：请联系平台管理员", a.c.Forward.PeerName)
		}
		return a.forwardRemote(p)
	}
	if p, err := a.remoteUpper(); err != nil {
		return err
	} else if p != nil {
		return a.forwardRemote(p)
	}
	target, err := a.upper()
	if err != nil {
		return err
	}
	a.set["handler_org_id"] = target.ID
	a.opinion = strings.TrimSpace(a.in.Opinion)
	if a.opinion == "" {
		a.opinion = "材料已审核，报送" + target.DisplayName() + "审批"
	}
	a.open = &openInfo{name: "上级审批", person: target.DisplayName(), phone: target.Phone}
	a.tellSubj = "申请已上报"
	a.tellBody = fmt.Sprintf("您的“%s”（%s）已报送%s审批，您无须重复提交材料。", a.c.ItemName, a.c.Serial, target.DisplayName())
	a.detail["handler"] = target.Code
	return nil
}

// upper finds who decides an upward case: the item's county department when
// the case was filed below the county, else the city's service centre.
func (a *act) upper() (*org.Org, error) {
	regionKind, err := a.regionKind()
	if err != nil {
		return nil, err
	}
	if regionKind == org.KindTown || regionKind == org.KindVillage {
		return org.Lookup(a.ctx, a.tx, a.c.DeptCode)
	}
	var code string
	err = a.tx.QueryRow(a.ctx, `SELECT o.code FROM orgs o JOIN orgs p ON p.id = o.parent_id
		WHERE o.kind = 'centre' AND p.kind = 'city' ORDER BY o.sort, o.code LIMIT 1`).Scan(&code)
	if err != nil {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "没有找到上级（市级）政务服务中心，无法上报")
	}
	return org.Lookup(a.ctx, a.tx, code)
}

// regionKind is the kind of the region the case's centre hangs under.
func (a *act) regionKind() (string, error) {
	var kind string
	err := a.tx.QueryRow(a.ctx, "SELECT p.kind FROM orgs o JOIN orgs p ON p.id = o.parent_id WHERE o.id = ?", a.c.OrgID).Scan(&kind)
	return kind, err
}

var (
	errNotWindow     = zwfw.Errorf(zwfw.EFORBIDDEN, "窗口收件仅供窗口人员使用。")
	errPadNotOffered = zwfw.Errorf(zwfw.EFORBIDDEN, "评价器由窗口人员交给申请人使用。")
)

// MayFileAtWindow says whether a may file applications at a window for
// walk-in applicants (窗口收件): window staff only.
func MayFileAtWindow(a *zwfw.Actor) error {
	if a == nil || a.Kind != zwfw.KindStaff || !a.Has(zwfw.RoleWindow) {
		return errNotWindow
	}
	return nil
}

// MayHandOverPad says whether a may hand the evaluation pad (评价器) to an
// applicant at the window: the staff of the machine's evaluate row, the
// window.
func MayHandOverPad(a *zwfw.Actor) error {
	if a == nil || a.Kind != zwfw.KindStaff || !a.Has(zwfw.RoleWindow) {
		return errPadNotOffered
	}
	return nil
}
