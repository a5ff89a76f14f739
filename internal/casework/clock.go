package casework

// The clock of a running case (限时办结): 特别程序 that stop it and
// extensions (延期) a supervisor approves.

import (
	"fmt"
	"strings"
	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
)

func (a *act) suspend() error {
	kind := a.in.Kind
	name, ok := SuspensionKinds[kind]
	if !ok {
		return invalid("kind", "特别程序类型“%s”无效（site_survey 现场踏勘、inspection 检验检测检疫、collective 集体讨论、expert 专家论证、hearing 听证、supplement 等待补正、other 其他）", kind)
	}
	reason, err := a.need("opinion", a.in.Opinion, 4, "启动特别程序的原因")
	if err != nil {
		return err
	}
	if _, err := a.tx.Exec(a.ctx, `INSERT INTO case_suspensions (case_id, kind, reason, started_on, resume_to, actor_id, started_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, a.c.ID, kind, reason, a.today.Format(calendar.DateLayout), a.c.Status, nullID(a.actor.UserID), db.Millis(a.now)); err != nil {
		return err
	}
	a.opinion = name + "：" + reason
	a.extra |= hasSuspensions
	// 行政许可法 §45: the time is not counted, and the applicant is told.
	body := []string{
		fmt.Sprintf("%s：", a.c.Applicant.Name),
		fmt.Sprintf("您申请的“%s”（办件编号 %s）需要进行%s，原因：%s。根据《中华人民共和国行政许可法》第四十五条，所需时间不计算在办理期限内，特此告知。", a.c.ItemName, a.c.Serial, name, reason),
	}
	if err := a.notice(NoticeSuspension, NoticeContent{Body: body}); err != nil {
		return err
	}
	a.tellSubj = "办理期限暂停计算"
	a.tellBody = fmt.Sprintf("您的“%s”（%s）进入%s，期间不计入办理时限。", a.c.ItemName, a.c.Serial, name)
	a.detail["kind"] = kind
	return nil
}

// resume ends the special procedure: the deadline moves by the working days
// the clock stood still.
func (a *act) resume() error {
	var id int64
	var started, resumeTo string
	if err := a.tx.QueryRow(a.ctx, "SELECT id, started_on, resume_to FROM case_suspensions WHERE case_id = ? AND ended_on = '' ORDER BY id DESC LIMIT 1", a.c.ID).
		Scan(&id, &started, &resumeTo); err != nil {
		return zwfw.Errorf(zwfw.ECONFLICT, "办件没有进行中的特别程序")
	}
	from, _ := calendar.ParseDate(started)
	days, err := a.s.cal.WorkdaysBetween(a.ctx, a.c.OrgPath, from, a.today)
	if err != nil {
		return err
	}
	if _, err := a.tx.Exec(a.ctx, "UPDATE case_suspensions SET ended_on = ?, days = ?, ended_at = ? WHERE id = ?",
		a.today.Format(calendar.DateLayout), days, db.Millis(a.now), id); err != nil {
		return err
	}
	if a.c.Deadline != "" && days > 0 {
		dl, _ := calendar.ParseDate(a.c.Deadline)
		nd, err := a.s.cal.AddWorkdays(a.ctx, a.c.OrgPath, dl, days)
		if err != nil {
			return err
		}
		a.set["deadline"] = nd.Format(calendar.DateLayout)
		a.detail["deadline"] = a.set["deadline"]
	}
	a.next = resumeTo
	a.opinion = strings.TrimSpace(a.in.Opinion)
	if a.opinion == "" {
		a.opinion = fmt.Sprintf("特别程序结束，暂停 %d 个工作日", days)
	}
	a.detail["days"] = days
	return nil
}

func (a *act) requestExtension() error {
	if a.in.Days < 1 || a.in.Days > 30 {
		return invalid("days", "延期天数应为 1–30 个工作日")
	}
	reason, err := a.need("opinion", a.in.Opinion, 4, "延期理由")
	if err != nil {
		return err
	}
	if _, err := a.tx.Exec(a.ctx, `INSERT INTO case_extensions (case_id, days, reason, state, requested_by, requested_at)
		VALUES (?, ?, ?, 'pending', ?, ?)`, a.c.ID, a.in.Days, reason, nullID(a.actor.UserID), db.Millis(a.now)); err != nil {
		return err
	}
	a.opinion = fmt.Sprintf("申请延期 %d 个工作日：%s", a.in.Days, reason)
	a.extra |= hasExtensions
	a.detail["days"] = a.in.Days
	return nil
}

// approveExtension extends the deadline; only a supervisor may (限时办结制度:
// 报政务中心相关管理人员审核), and the applicant is told why.
func (a *act) approveExtension() error {
	q := "SELECT id, days, reason FROM case_extensions WHERE case_id = ? AND state = 'pending'"
	args := []any{a.c.ID}
	if a.in.ExtensionID != 0 {
		q += " AND id = ?"
		args = append(args, a.in.ExtensionID)
	}
	var id int64
	var days int
	var reason string
	if err := a.tx.QueryRow(a.ctx, q+" ORDER BY id LIMIT 1", args...).Scan(&id, &days, &reason); err != nil {
		return zwfw.Errorf(zwfw.ECONFLICT, "没有待审批的延期申请")
	}
	if _, err := a.tx.Exec(a.ctx, "UPDATE case_extensions SET state = 'approved', decided_by = ?, decided_at = ?, opinion = ? WHERE id = ? AND state = 'pending'",
		nullID(a.actor.UserID), db.Millis(a.now), strings.TrimSpace(a.in.Opinion), id); err != nil {
		return err
	}
	dl, err := calendar.ParseDate(a.c.Deadline)
	if err != nil {
		return zwfw.Errorf(zwfw.ECONFLICT, "办件尚无办结期限，不能延期")
	}
	nd, err := a.s.cal.AddWorkdays(a.ctx, a.c.OrgPath, dl, days)
	if err != nil {
		return err
	}
	ndS := nd.Format(calendar.DateLayout)
	a.set["deadline"], a.set["extended_days"] = ndS, a.c.ExtendedDays+days
	a.opinion = fmt.Sprintf("同意延期 %d 个工作日，办结期限延至 %s", days, ndS)
	body := []string{
		fmt.Sprintf("%s：", a.c.Applicant.Name),
		fmt.Sprintf("您申请的“%s”（办件编号 %s），因%s，经批准延长办理期限 %d 个工作日，办结期限延至 %s。", a.c.ItemName, a.c.Serial, reason, days, cnDate(nd)),
	}
	if err := a.notice(NoticeExtension, NoticeContent{Body: body, Reason: reason, Deadline: ndS}); err != nil {
		return err
	}
	a.tellSubj = "办理期限延长"
	a.tellBody = fmt.Sprintf("您的“%s”（%s）因%s延期 %d 个工作日，办结期限延至 %s。", a.c.ItemName, a.c.Serial, reason, days, ndS)
	a.detail["days"], a.detail["deadline"] = days, ndS
	return nil
}
