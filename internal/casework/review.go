package casework

// The deciding department's actions: 审查, the 联办 departments' opinions
// and the decision (批准 with its fees, 不予批准).

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"zwfw"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
)

func (a *act) review() error {
	a.advance = true
	op, err := a.need("opinion", a.in.Opinion, 2, "审查意见")
	if err != nil {
		return err
	}
	a.opinion = op
	cur := a.curStep() + 1
	a.set["cur_step"] = cur
	a.stepOpen(cur, "决定")
	return nil
}

func (a *act) curStep() int {
	var n int
	_ = a.tx.QueryRow(a.ctx, "SELECT cur_step FROM cases WHERE id = ?", a.c.ID).Scan(&n)
	return n
}

// task records one department's opinion on a 联办件. Every department sees
// the others' results on the case.
func (a *act) task(approve bool) error {
	op, err := a.need("opinion", a.in.Opinion, 2, "部门意见")
	if err != nil {
		return err
	}
	// The machine checked the actor's department has a pending sub-task;
	// a department named in the input must be one of the actor's.
	t := TaskFor(a.actor, a.c)
	if a.in.Dept != "" && t.DeptCode != a.in.Dept {
		i := slices.IndexFunc(a.c.Tasks, func(x Task) bool { return !x.Lead && x.DeptCode == a.in.Dept && x.State == "pending" })
		if i < 0 || !a.actor.InScope(a.c.Tasks[i].DeptPath) {
			return zwfw.Errorf(zwfw.EFORBIDDEN, "只能填写本部门的联办意见")
		}
		t = &a.c.Tasks[i]
	}
	state := "denied"
	if approve {
		state = "approved"
	}
	res, err := a.tx.Exec(a.ctx, `UPDATE case_tasks SET state = ?, opinion = ?, actor_id = ?, actor_name = ?, decided_at = ?
		WHERE case_id = ? AND dept_id = (SELECT id FROM orgs WHERE code = ?) AND state = 'pending'`,
		state, op, nullID(a.actor.UserID), actorName(a.actor), db.Millis(a.now), a.c.ID, t.DeptCode)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return zwfw.Errorf(zwfw.ECONFLICT, "%s的意见已被他人提交", t.DeptName)
	}
	a.opinion = t.DeptName + "：" + op
	a.detail["dept"] = t.DeptCode
	return nil
}

func (a *act) decide(approved bool) error {
	if a.c.Kind == catalog.KindJoint {
		state := "denied"
		if approved {
			state = "approved"
		}
		if _, err := a.tx.Exec(a.ctx, `UPDATE case_tasks SET state = ?, opinion = ?, actor_id = ?, actor_name = ?, decided_at = ?
			WHERE case_id = ? AND lead = TRUE`, state, a.opinion, nullID(a.actor.UserID), actorName(a.actor), db.Millis(a.now), a.c.ID); err != nil {
			return err
		}
	}
	return nil
}

func (a *act) approve() error {
	a.advance = true
	a.opinion = strings.TrimSpace(a.in.Opinion)
	if a.opinion == "" {
		a.opinion = "符合条件，准予批准"
	}
	a.set["decision"], a.set["decided_at"] = "approved", db.Millis(a.now)
	if err := a.decide(true); err != nil {
		return err
	}
	// Fees are calculated after approval from the item's fee standard
	// (attachment 2 (5)4), and paid at the bank window.
	lines, total, err := fees(a.it, a.in.FeeItems, max(a.in.Quantity, a.c.Form.Quantity, 1))
	if err != nil {
		return err
	}
	if a.c.received() { // the fee is for the platform the applicant applied at
		lines, total = nil, 0
	}
	a.remoteDecided()
	if total > 0 {
		a.next = AwaitingPayment
		a.set["fee_cents"] = total
		a.extra |= hasPayment
		no, err := a.number("payment", "缴")
		if err != nil {
			return err
		}
		items, _ := json.Marshal(lines)
		if _, err := a.tx.Exec(a.ctx, "INSERT INTO payments (case_id, notice_no, amount, items, state, created_at) VALUES (?, ?, ?, ?, 'unpaid', ?)",
			a.c.ID, no, total, string(items), db.Millis(a.now)); err != nil {
			return err
		}
		body := []string{
			fmt.Sprintf("%s：", a.c.Applicant.Name),
			fmt.Sprintf("您申请的“%s”（办件编号 %s）已获批准。请凭本通知书到%s银行收费窗口或通过网上支付缴纳以下费用，缴费后领取结果。窗口工作人员不收取现金。", a.c.ItemName, a.c.Serial, a.centre().DisplayName()),
		}
		if err := a.notice(NoticePayment, NoticeContent{Body: body, Fees: lines, Amount: total, PaymentNo: no}); err != nil {
			return err
		}
		a.open = &openInfo{name: "缴费", person: a.centre().DisplayName() + "银行收费窗口", phone: a.centre().Phone}
		a.tellSubj = "请缴纳费用"
		a.tellBody = fmt.Sprintf("您的“%s”（%s）已批准，应缴费用 %s，请到银行收费窗口或网上缴纳。", a.c.ItemName, a.c.Serial, Yuan(total))
		a.detail["fee_cents"] = total
		return nil
	}
	a.next = Approved
	a.windowOpen("办结（出具结果）")
	a.tellSubj = "申请已批准"
	a.tellBody = fmt.Sprintf("您的“%s”（%s）已批准，正在出具办理结果。", a.c.ItemName, a.c.Serial)
	return nil
}

func (a *act) deny() error {
	a.advance = true
	reason, err := a.need("opinion", a.in.Opinion, 4, "不予批准的理由")
	if err != nil {
		return err
	}
	basis, err := a.need("basis", a.in.Basis, 4, "不予批准的法律依据")
	if err != nil {
		return err
	}
	a.opinion = reason + "（依据：" + basis + "）"
	a.set["decision"], a.set["decided_at"] = "denied", db.Millis(a.now)
	if err := a.decide(false); err != nil {
		return err
	}
	a.remoteDecided()
	a.windowOpen("办结（送达不予批准决定书）")
	a.tellSubj = "申请不予批准"
	a.tellBody = fmt.Sprintf("您的“%s”（%s）不予批准，理由：%s。", a.c.ItemName, a.c.Serial, reason)
	a.detail["basis"] = basis
	return nil
}

// remoteDecided notes, on a decision another platform took, where it came
// from (the audit entry names the platform and its case).
func (a *act) remoteDecided() {
	if d := a.in.remote; d != nil {
		a.detail["platform"], a.detail["remote_case"] = a.c.Forward.PeerCode, d.Serial
	}
}
