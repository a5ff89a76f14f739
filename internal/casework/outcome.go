package casework

import (
	"fmt"
	"strings"
)

// What the applicant and the public are told of a case, in the words
// people use (issue 12 item 6): one outcome panel — 已办结 · 已领取 with the
// result and where to collect it, 不予受理 / 不予批准 with the reason and the
// remedy — and each step of the timeline by what came of it (受理 ✓, 审查
// 通过, 决定：准予). Archiving (整理归档, attachment 2 (5)5) is the centre's
// own housekeeping: it is never shown to them, least of all as 进行中. The
// applicant's page, the public progress page and the API all render these
// words; nothing else decides them.

// Outcome kinds.
const (
	OutcomeRunning   = "running"   // still being handled (or waiting for the applicant)
	OutcomeDone      = "done"      // 已办结, granted
	OutcomeRefused   = "refused"   // 不予受理 or 不予批准
	OutcomeWithdrawn = "withdrawn" // 已撤回
)

// Outcome is the panel the applicant and the public see.
type Outcome struct {
	Kind    string `json:"kind"`              // running, done, refused, withdrawn
	Title   string `json:"title"`             // 已办结 · 已领取
	Result  string `json:"result,omitempty"`  // 食品经营许可证 (编号 JY…) — the number for the applicant only
	Collect string `json:"collect,omitempty"` // how and where the result is (or was) collected
	Reason  string `json:"reason,omitempty"`  // why refused (the applicant only)
	Remedy  string `json:"remedy,omitempty"`  // where a refused applicant may turn (复议, 诉讼)
	Current string `json:"current,omitempty"` // the step under way, never 归档
}

// PublicStatusName is a status as the applicant and the public are told
// it: an archived case is simply 已办结.
func PublicStatusName(status string) string {
	if status == Archived {
		return StatusName(Completed)
	}
	return StatusName(status)
}

// Internal reports whether a step is the centre's own (归档), hidden from
// the applicant and the public.
func (st Step) Internal() bool {
	return st.Action == ActArchive || (st.State == "open" && st.Name == "归档")
}

// stepOutcomes are the words for a finished step, by its action.
var stepOutcomes = map[string]string{
	ActAccept: "受理 ✓", ActInstant: "当场办结 ✓", ActNotifySupplement: "一次性告知：需补正材料",
	ActAllowSecondNotice: "准许再次告知", ActReject: "不予受理", ActSupplement: "已补正材料", ActForward: "已上报上级",
	ActReview: "审查通过", ActTaskApprove: "联办部门：同意", ActTaskDeny: "联办部门：不同意", ActSuspend: "特别程序开始（暂停计时）",
	ActResume: "特别程序结束（恢复计时）", ActRequestExtension: "申请延期", ActApproveExtension: "延期已批准",
	ActApprove: "决定：准予", ActDeny: "决定：不予批准", ActConfirmPayment: "已缴费 ✓", ActComplete: "办结 ✓",
	ActDeliver: "送达 ✓", ActEvaluate: "已评价", ActWithdraw: "已撤回",
}

// StepOutcome is what came of a finished step, in words: 受理 ✓, 审查通过,
// 决定：准予. The first step (the application itself) is 已提交; a step
// under way is 办理中, or what it waits for (待缴费, 待送达).
func StepOutcome(st Step) string {
	if st.State == "open" {
		switch st.Name { // waiting for the applicant, or for the result to reach them
		case "送达":
			return "待送达"
		case "缴费":
			return "待缴费"
		case "补正材料":
			return "待补正"
		}
		return "办理中"
	}
	if w, ok := stepOutcomes[st.Action]; ok {
		return w
	}
	if st.ToStatus == Submitted && st.FromStatus == "" {
		return "已提交 ✓"
	}
	return "已完成 ✓"
}

// OutcomeOf is the outcome panel of c. For the public (public) it leaves
// out what only the applicant may read: the result's number, the reason of
// a refusal and the postal details.
func OutcomeOf(c *Case, public bool) Outcome {
	o := Outcome{Kind: OutcomeRunning, Title: PublicStatusName(c.Status)}
	for _, st := range c.Steps {
		if st.State == "open" && !st.Internal() {
			o.Current = st.Name
		}
	}
	notice := func(kind string) *Notice {
		for i := len(c.Notices) - 1; i >= 0; i-- {
			if c.Notices[i].Kind == kind {
				return &c.Notices[i]
			}
		}
		return nil
	}
	result := func() {
		if r := c.Result; r != nil {
			o.Result = r.Name
			if !public && r.Number != "" {
				o.Result = fmt.Sprintf("%s（编号 %s）", r.Name, r.Number)
			}
		}
	}
	switch c.Status {
	case Submitted:
		o.Title = "已提交 · 待受理"
	case SupplementRequired:
		o.Title = "待补正材料"
	case Accepted, InProgress:
		o.Title = "办理中"
	case Suspended:
		o.Title = "办理中 · 特别程序（暂停计时）"
	case AwaitingPayment:
		o.Title = "已批准 · 待缴费"
	case Approved:
		o.Title = "已批准 · 正在出具结果"
	case Denied:
		o.Kind, o.Title = OutcomeRefused, "不予批准"
	case Rejected:
		o.Kind, o.Title = OutcomeRefused, "不予受理"
	case Withdrawn:
		o.Kind, o.Title = OutcomeWithdrawn, "已撤回"
	case Completed, Delivered, Archived:
		o.Kind = OutcomeDone
		result()
		approved := c.Result == nil || c.Result.Approved
		if !approved {
			o.Kind = OutcomeRefused
		}
		switch {
		case c.Delivery != nil && c.Delivery.Method == "post":
			o.Title = "已办结 · 已寄出"
			o.Collect = "结果已邮寄送达"
			if !public && c.Delivery.Tracking != "" {
				o.Collect += "，快递单号 " + c.Delivery.Tracking
			}
		case c.Delivery != nil || c.Status == Archived:
			o.Title = "已办结 · 已领取"
			o.Collect = "结果已在" + c.OrgName + "领取"
		case c.Form.Delivery == "post":
			o.Title = "已办结 · 待寄出"
			o.Collect = "结果将邮寄送达，请保持电话畅通"
		default:
			o.Title = "已办结 · 待领取"
			o.Collect = "请携带本人有效身份证件到" + c.OrgName + "领取"
		}
		if !approved {
			o.Title = strings.Replace(o.Title, "已办结", "已办结（不予批准）", 1)
		}
	}
	// The reason and the remedy of a refusal, as its notice gave them.
	if o.Kind == OutcomeRefused {
		if c.Status == Rejected {
			if n := notice(NoticeRejection); n != nil {
				o.Remedy = n.Content.Footer
				if !public {
					o.Reason = n.Content.Reason
				}
			}
		} else {
			for _, st := range c.Steps {
				if st.Action == ActDeny && !public {
					o.Reason = st.Opinion
				}
			}
			if n := notice(NoticeResult); n != nil && n.Content.Remedy != nil {
				o.Remedy = n.Content.Footer
			}
		}
	}
	if o.Kind != OutcomeRunning {
		o.Current = ""
	}
	return o
}
