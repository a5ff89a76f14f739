package casework

// After the decision: 确认缴费 at the bank window (收缴分离), 办结, 送达,
// 归档, 评价 and the applicant's 撤回; the fee lines and the formats the
// notices use.

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/pii"
)

func (a *act) confirmPayment() error {
	a.advance = true
	ref := strings.TrimSpace(a.in.Reference)
	if utf8.RuneCountInString(ref) < 4 || utf8.RuneCountInString(ref) > 64 {
		return invalid("reference", "请填写银行缴款凭证号或支付流水号（4–64 位）")
	}
	// The fiscal receipt (非税收入一般缴款书) is printed by the collecting
	// bank (收缴分离, attachment 2 (5)4); ours is a 缴费凭证 that says so.
	receipt, err := a.number("receipt", "收")
	if err != nil {
		return err
	}
	channel := "bank_window"
	if a.actor.Kind == zwfw.KindSystem {
		channel = "online"
	}
	res, err := a.tx.Exec(a.ctx, `UPDATE payments SET state = 'paid', channel = ?, reference = ?, receipt_no = ?, cashier_id = ?, paid_at = ?
		WHERE case_id = ? AND state = 'unpaid'`, channel, ref, receipt, nullID(a.actor.UserID), db.Millis(a.now), a.c.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return zwfw.Errorf(zwfw.ECONFLICT, "没有待缴的费用")
	}
	a.set["paid"] = true
	a.opinion = fmt.Sprintf("收讫 %s，支付流水号 %s，缴费凭证号 %s", Yuan(a.c.FeeCents), ref, receipt)
	body := []string{fmt.Sprintf("今收到 %s 缴纳“%s”（办件编号 %s）费用 %s。", a.c.Applicant.Name, a.c.ItemName, a.c.Serial, Yuan(a.c.FeeCents))}
	var lines []FeeLine
	if a.c.Payment != nil {
		lines = a.c.Payment.Items
	}
	how := "在银行收费窗口"
	if channel == "online" {
		how = "通过网上支付"
	}
	body[0] = fmt.Sprintf("今收到 %s %s缴纳“%s”（办件编号 %s）费用 %s。", a.c.Applicant.Name, how, a.c.ItemName, a.c.Serial, Yuan(a.c.FeeCents))
	if err := a.notice(NoticeReceipt, NoticeContent{Body: body, Fees: lines, Amount: a.c.FeeCents, PaymentNo: receipt, Reference: ref,
		Footer: "本凭证仅证明费用已缴纳；财政票据（陕西省非税收入一般缴款书）由代收银行出具。"}); err != nil {
		return err
	}
	a.windowOpen("办结（出具结果）")
	a.tellSubj = "缴费成功"
	a.tellBody = fmt.Sprintf("您的“%s”（%s）费用 %s 已缴纳，缴费凭证号 %s。", a.c.ItemName, a.c.Serial, Yuan(a.c.FeeCents), receipt)
	a.detail["receipt"], a.detail["channel"] = receipt, channel
	return nil
}

func (a *act) complete() error {
	a.advance = true
	approved := a.c.Decision == "approved"
	r := Result{Approved: approved, Issuer: a.c.DeptName}
	if a.in.Result != nil {
		r.Number, r.ValidTo = strings.TrimSpace(a.in.Result.Number), strings.TrimSpace(a.in.Result.ValidTo)
		if r.ValidTo != "" {
			if _, err := calendar.ParseDate(r.ValidTo); err != nil {
				return invalid("result.valid_to", "有效期应为 YYYY-MM-DD")
			}
		}
	}
	if approved {
		r.Name = a.it.ResultName
	} else {
		r.Name = "不予批准决定书"
	}
	// Decided at another platform: its result, issued by its department
	// (remote.go), unless the window enters another number.
	if f := a.c.Forward; f != nil && f.Direction == ForwardOut && f.Decision != nil && f.Decision.Result != nil {
		if r.Number == "" {
			r.Number, r.ValidTo = f.Decision.Result.Number, f.Decision.Result.ValidTo
		}
		r.Issuer = f.Decision.Dept
	}
	if r.Number == "" && approved && a.it.ResultNumber != "" {
		// The certificate's own format (catalog.ResultNumber): the county's
		// division code and the issuer's sequence of that certificate.
		division := a.c.OrgCode
		if len(division) > 6 {
			division = division[:6]
		}
		n, err := a.tx.Next(a.ctx, "result-no:"+a.it.Code+":"+division)
		if err != nil {
			return err
		}
		if r.Number, err = catalog.ResultNumber(a.it.ResultNumber, division, n); err != nil {
			return err
		}
	}
	if r.Number == "" {
		no, err := a.number("result", "证")
		if err != nil {
			return err
		}
		r.Number = no
	}
	if err := a.issueLicence(&r); err != nil {
		return err
	}
	res, _ := json.Marshal(r)
	a.set["result"], a.set["completed_at"] = string(res), db.Millis(a.now)
	// For supervision: the completion date against the deadline, and the
	// working days the case took from acceptance.
	handled, err := a.s.cal.WorkdaysBetween(a.ctx, a.c.OrgPath, a.c.AcceptedAt, a.today)
	if err != nil {
		return err
	}
	a.set["completed_on"], a.set["handled_days"] = a.today.Format(calendar.DateLayout), max(handled, 0)
	a.opinion = fmt.Sprintf("出具%s（%s）", r.Name, r.Number)
	word := "已办结"
	if !approved {
		word = "已办结（不予批准）"
	}
	body := []string{
		fmt.Sprintf("%s：", a.c.Applicant.Name),
		fmt.Sprintf("您申请的“%s”（办件编号 %s）%s，出具%s，编号 %s。", a.c.ItemName, a.c.Serial, word, r.Name, r.Number),
	}
	if r.Licence != "" {
		body = append(body, fmt.Sprintf("电子证照已同步签发，电子证照标识 %s，可在“我的证照”中查看、下载，或在本平台“电子证照验证”中核验。", r.Licence))
	}
	if !approved { // the reason the decision gave (deny), as 行政许可法 §38(2) asks
		for _, st := range a.c.Steps {
			if st.Action == ActDeny && st.Opinion != "" {
				body = append(body, "不予批准的理由："+st.Opinion+"。")
			}
		}
	}
	if a.c.Form.Delivery == "post" {
		body = append(body, "结果将按您选择的方式邮寄送达，请保持电话畅通。")
	} else {
		body = append(body, fmt.Sprintf("请携带本人有效身份证件到%s领取。", a.centre().DisplayName()))
	}
	nc := NoticeContent{Body: body}
	if !approved {
		if nc.Remedy, err = a.remedy(); err != nil {
			return err
		}
	}
	if err := a.notice(NoticeResult, nc); err != nil {
		return err
	}
	a.windowOpen("送达")
	a.tellSubj = "办件已办结"
	a.tellBody = fmt.Sprintf("您的“%s”（%s）%s，结果：%s（%s）。欢迎对本次服务进行评价。", a.c.ItemName, a.c.Serial, word, r.Name, r.Number)
	return nil
}

func (a *act) deliver() error {
	a.advance = true
	d := a.in.Delivery
	if d == nil {
		return invalid("delivery", "请选择送达方式（onsite 窗口领取或 post 邮寄）")
	}
	d.Tracking, d.Address = strings.TrimSpace(d.Tracking), strings.TrimSpace(d.Address)
	switch d.Method {
	case "onsite":
		a.opinion = "申请人窗口领取"
	case "post":
		if len(d.Tracking) < 6 || len(d.Tracking) > 40 {
			return invalid("delivery.tracking", "邮寄送达须填写快递单号")
		}
		a.opinion = "邮寄送达，快递单号 " + d.Tracking
	default:
		return invalid("delivery.method", "送达方式应为 onsite（窗口领取）或 post（邮寄）")
	}
	d.At = a.now
	b, _ := json.Marshal(d)
	a.set["delivery"] = pii.Of(a.tx).Seal(pii.CaseDelivery.Label(), string(b)) // the postal address is personal data
	a.windowOpen("归档")
	a.tellSubj = "结果已送达"
	a.tellBody = fmt.Sprintf("您的“%s”（%s）办理结果已送达：%s。", a.c.ItemName, a.c.Serial, a.opinion)
	return nil
}

// archive makes the case read-only (attachment 2 (5)5: 整理归档); from here
// only evaluation is recorded.
func (a *act) archive() error {
	a.advance = true
	a.set["closed_at"] = db.Millis(a.now)
	a.opinion = "材料、通知书、环节记录和结果已整理归档"
	return nil
}

// evaluate records a rating (好差评): one per channel (一事一评 online, 一次
// 一评 on site — RatingChannel), and one follow-up after a rectification
// (the further evaluation the standard allows once). A 差评 opens a
// rectification work order in this transaction (RatingHook).
func (a *act) evaluate() error {
	level := a.in.Level
	if level == 0 && a.in.LevelName != "" {
		level = LevelCode(a.in.LevelName)
	}
	comment, err := CheckRating(level, a.in.Comment)
	if err != nil {
		return err
	}
	channel, err := RatingChannel(a.actor, a.c, a.in.Channel, a.in.FollowUp)
	if err != nil {
		return err
	}
	indicators, err := CheckIndicators(channel, a.c.Channel == ChannelWindow, a.in.Indicators)
	if err != nil {
		return err
	}
	var rect int64
	if a.in.FollowUp {
		if a.s.ratings == nil {
			return zwfw.Errorf(zwfw.ECONFLICT, "本件没有等待追评的整改")
		}
		if rect, err = a.s.ratings.FollowUpDue(a.ctx, a.tx, a.c.ID); err != nil {
			return err
		}
	}
	var staff any // who accepted the case (its steps are all in a.c)
	var staffID int64
	for _, st := range a.c.Steps {
		if st.Action == ActAccept && st.ActorID != 0 {
			staff, staffID = st.ActorID, st.ActorID
			break
		}
	}
	// The evaluator: the applicant who rates in person, or whom the signed
	// link or the call-back reached; nobody known at the pad (a walk-in).
	var evaluator, enteredBy, rectID any
	var evaluatorID int64
	isOwner := a.c.ApplicantID != 0 && a.c.ApplicantID == a.actor.UserID
	switch {
	case isOwner:
		evaluatorID = a.actor.UserID
	case channel == ChannelPhone || channel == ChannelQR || channel == ChannelSMS:
		evaluatorID = a.c.ApplicantID
	}
	if channel == ChannelPhone {
		enteredBy = a.actor.UserID
	}
	if evaluatorID != 0 && !a.in.Anonymous {
		evaluator = evaluatorID
	}
	if rect != 0 {
		rectID = rect
	}
	id, err := db.InsertID(a.ctx, a.tx, `INSERT INTO evaluations (case_id, level, comment, indicators, channel, evaluator, anonymous, window_id, staff_id,
		follow_up, entered_by, rectification_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.c.ID, level, comment, indicators, channel, evaluator, a.in.Anonymous, nullID(a.c.WindowID), staff,
		a.in.FollowUp, enteredBy, rectID, db.Millis(a.now))
	if err != nil {
		return err
	}
	if a.s.ratings != nil {
		owner, ownerPath := a.c.DeptID, a.c.DeptPath
		if a.c.WindowID != 0 {
			if w, err := a.s.orgs.ByID(a.ctx, a.c.WindowID); err == nil {
				owner, ownerPath = w.ID, w.Path
			}
		}
		if owner == 0 {
			owner, ownerPath = a.c.OrgID, a.c.OrgPath
		}
		if err := a.s.ratings.Rated(a.ctx, a.tx, Rated{Target: "case", EvalID: id, CaseID: a.c.ID, Serial: a.c.Serial, StaffID: staffID,
			Level: level, Comment: comment, Channel: channel, Evaluator: evaluatorID, Anonymous: a.in.Anonymous, FollowUp: rect,
			OrgID: a.c.OrgID, OrgPath: a.c.OrgPath, OwnerID: owner, OwnerPath: ownerPath, What: a.c.ItemName}); err != nil {
			return err
		}
	}
	a.extra |= hasEvaluations
	a.level = level
	a.opinion = Levels[level]
	if a.in.FollowUp {
		a.opinion = "追评：" + a.opinion
	}
	if comment != "" {
		a.opinion += "：" + comment
	}
	a.detail["level"] = level
	a.detail["channel"] = channel
	if indicators != "" {
		a.detail["indicators"] = indicators
	}
	return nil
}

func (a *act) withdraw() error {
	a.advance = true
	a.opinion = strings.TrimSpace(a.in.Opinion)
	if a.opinion == "" {
		a.opinion = "申请人撤回申请"
	}
	if utf8.RuneCountInString(a.opinion) > 500 {
		return invalid("opinion", "撤回原因不超过 500 字")
	}
	a.set["closed_at"] = db.Millis(a.now)
	// A running special procedure ends with the case.
	if _, err := a.tx.Exec(a.ctx, "UPDATE case_suspensions SET ended_on = ?, ended_at = ? WHERE case_id = ? AND ended_on = ''",
		a.today.Format(calendar.DateLayout), db.Millis(a.now), a.c.ID); err != nil {
		return err
	}
	a.tellSubj = "申请已撤回"
	a.tellBody = fmt.Sprintf("您的“%s”（%s）已撤回。", a.c.ItemName, a.c.Serial)
	return nil
}

// cnDate writes a date the way notices do: 2026年11月26日.
func cnDate(t time.Time) string {
	t = t.In(db.Zone)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

// Yuan formats fen as yuan: 80.00 元.
func Yuan(cents int64) string {
	return fmt.Sprintf("%d.%02d 元", cents/100, cents%100)
}

// fees computes the fee lines of an item for a quantity. An item with
// several fees lists alternatives (住宅 or 非住宅): the decision names the
// ones that apply.
func fees(it *catalog.Item, pick []string, qty int) ([]FeeLine, int64, error) {
	use := it.Fees
	if len(it.Fees) > 1 {
		if len(pick) == 0 {
			names := make([]string, len(it.Fees))
			for i, f := range it.Fees {
				names[i] = f.Name
			}
			return nil, 0, invalid("fee_items", "本事项有多个收费项目，请选择适用的项目：%s", strings.Join(names, "、"))
		}
		use = nil
		for _, p := range pick {
			i := slices.IndexFunc(it.Fees, func(f catalog.Fee) bool { return f.Name == p })
			if i < 0 {
				return nil, 0, invalid("fee_items", "收费项目“%s”不是本事项的收费项目", p)
			}
			use = append(use, it.Fees[i])
		}
	}
	var lines []FeeLine
	var total int64
	for _, f := range use {
		amt := f.AmountCents * int64(qty)
		lines = append(lines, FeeLine{Name: f.Name, Standard: f.Standard, Basis: f.Basis, Quantity: qty, Unit: f.Unit, Amount: amt})
		total += amt
	}
	return lines, total, nil
}

// CheckRating checks a rating (好差评) and returns its comment trimmed: a
// level of Levels, and for 不满意 or worse (差评) the reason, so that it
// can be put right. The hall's rating of a window service uses it too.
func CheckRating(level int, comment string) (string, error) {
	if level < 1 || level >= len(Levels) {
		return "", invalid("level", "请选择评价等级：1 非常满意、2 满意、3 基本满意、4 不满意、5 非常不满意")
	}
	comment = strings.TrimSpace(comment)
	if level >= 4 && utf8.RuneCountInString(comment) < 2 {
		return "", invalid("comment", "差评请写明不满意的原因，以便整改")
	}
	if utf8.RuneCountInString(comment) > 500 {
		return "", invalid("comment", "评价内容不超过 500 字")
	}
	return comment, nil
}
