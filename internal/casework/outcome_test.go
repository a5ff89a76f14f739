package casework_test

import (
	"strings"
	"testing"

	"zwfw/internal/casework"
	"zwfw/internal/org"
)

// TestOutcomeWords: the applicant and the public are told a case's outcome
// in words (issue 12 item 6): an archived case is 已办结 · 已领取, never
// 进行中, and its 归档 step is not shown; refusals give the reason to the
// applicant only; each finished step says what came of it.
func TestOutcomeWords(t *testing.T) {
	step := func(action, name, state, from, to string) casework.Step {
		return casework.Step{Action: action, Name: name, State: state, FromStatus: from, ToStatus: to}
	}
	done := []casework.Step{
		step("", "提交申请", "done", "", casework.Submitted),
		step(casework.ActAccept, "受理", "done", casework.Submitted, casework.Accepted),
		step(casework.ActReview, "审查", "done", casework.Accepted, casework.InProgress),
		step(casework.ActApprove, "决定", "done", casework.InProgress, casework.Approved),
		step(casework.ActComplete, "办结（出具结果）", "done", casework.Approved, casework.Completed),
	}
	result := &casework.Result{Name: "食品经营许可证", Number: "JY26109230000017", Approved: true}
	remedy := &org.Refusal{ReviewBody: "宁陕县人民政府", Court: "宁陕县人民法院"}
	cases := []struct {
		name               string
		c                  casework.Case
		title, kind        string
		applicant, public  []string // in the applicant's / the public's panel
		notApplicant, notP []string
	}{
		{"archived, collected", casework.Case{Status: casework.Archived, OrgName: "宁陕县政务服务中心", Result: result,
			Delivery: &casework.Delivery{Method: "onsite"},
			Steps: append(append([]casework.Step{}, done...), step(casework.ActDeliver, "送达", "done", casework.Completed, casework.Delivered),
				step(casework.ActArchive, "归档", "done", casework.Delivered, casework.Archived))},
			"已办结 · 已领取", casework.OutcomeDone, []string{"JY26109230000017", "宁陕县政务服务中心领取"}, []string{"食品经营许可证"},
			nil, []string{"JY26109230000017"}},
		{"delivered, 归档 open", casework.Case{Status: casework.Delivered, OrgName: "宁陕县政务服务中心", Result: result,
			Delivery: &casework.Delivery{Method: "post", Tracking: "SF1234567890"},
			Steps:    append(append([]casework.Step{}, done...), step(casework.ActDeliver, "送达", "done", casework.Completed, casework.Delivered), step("", "归档", "open", "", ""))},
			"已办结 · 已寄出", casework.OutcomeDone, []string{"SF1234567890", "邮寄"}, []string{"邮寄"}, nil, []string{"SF1234567890"}},
		{"completed, to collect", casework.Case{Status: casework.Completed, OrgName: "宁陕县城关镇便民服务中心", Result: result, Steps: done},
			"已办结 · 待领取", casework.OutcomeDone, []string{"携带本人有效身份证件到宁陕县城关镇便民服务中心领取"}, nil, nil, nil},
		{"rejected", casework.Case{Status: casework.Rejected, Steps: done[:1], Notices: []casework.Notice{{Kind: casework.NoticeRejection,
			Content: casework.NoticeContent{Reason: "不属于本机关职权范围", Remedy: remedy, Footer: remedy.Text()}}}},
			"不予受理", casework.OutcomeRefused, []string{"不属于本机关职权范围", "宁陕县人民政府申请行政复议"}, []string{"宁陕县人民法院提起行政诉讼"},
			nil, []string{"不属于本机关职权范围"}},
		{"denied and completed", casework.Case{Status: casework.Archived, Result: &casework.Result{Name: "不予批准决定书", Number: "宁政服证字〔2026〕第3号"},
			Steps:   []casework.Step{step(casework.ActDeny, "决定", "done", casework.InProgress, casework.Denied), {Action: casework.ActDeny, Opinion: "不符合法定条件", State: "done"}},
			Notices: []casework.Notice{{Kind: casework.NoticeResult, Content: casework.NoticeContent{Remedy: remedy, Footer: remedy.Text()}}}},
			"已办结（不予批准） · 已领取", casework.OutcomeRefused, []string{"不符合法定条件", "六十日内"}, []string{"六个月内"}, nil, []string{"不符合法定条件"}},
		{"in progress", casework.Case{Status: casework.InProgress, Steps: append(append([]casework.Step{}, done[:3]...), step("", "决定", "open", "", ""))},
			"办理中", casework.OutcomeRunning, []string{"决定"}, []string{"决定"}, nil, nil},
		{"awaiting payment", casework.Case{Status: casework.AwaitingPayment, Steps: append(append([]casework.Step{}, done[:4]...), step("", "缴费", "open", "", ""))},
			"已批准 · 待缴费", casework.OutcomeRunning, []string{"缴费"}, nil, nil, nil},
		{"withdrawn", casework.Case{Status: casework.Withdrawn}, "已撤回", casework.OutcomeWithdrawn, nil, nil, nil, nil},
	}
	for _, tc := range cases {
		for _, public := range []bool{false, true} {
			o := casework.OutcomeOf(&tc.c, public)
			all := strings.Join([]string{o.Title, o.Result, o.Collect, o.Reason, o.Remedy, o.Current}, "|")
			if o.Title != tc.title || o.Kind != tc.kind {
				t.Errorf("%s (public %v): %q %s, want %q %s", tc.name, public, o.Title, o.Kind, tc.title, tc.kind)
			}
			if strings.Contains(all, "进行中") || strings.Contains(all, "归档") {
				t.Errorf("%s (public %v) tells of 归档 or 进行中: %s", tc.name, public, all)
			}
			want, not := tc.applicant, tc.notApplicant
			if public {
				want, not = tc.public, tc.notP
			}
			for _, w := range want {
				if !strings.Contains(all, w) {
					t.Errorf("%s (public %v): %s lacks %q", tc.name, public, all, w)
				}
			}
			for _, w := range not {
				if strings.Contains(all, w) {
					t.Errorf("%s (public %v): %s shows %q", tc.name, public, all, w)
				}
			}
		}
	}
	if got := casework.PublicStatusName(casework.Archived); got != "已办结" {
		t.Errorf("archived is told as %q", got)
	}
	for _, tc := range []struct {
		st   casework.Step
		want string
	}{
		{done[0], "已提交 ✓"}, {done[1], "受理 ✓"}, {done[2], "审查通过"}, {done[3], "决定：准予"},
		{step(casework.ActDeny, "决定", "done", "", casework.Denied), "决定：不予批准"}, {done[4], "办结 ✓"},
		{step(casework.ActConfirmPayment, "缴费", "done", casework.AwaitingPayment, casework.Approved), "已缴费 ✓"},
	} {
		if got := casework.StepOutcome(tc.st); got != tc.want {
			t.Errorf("step %s (%s): %q, want %q", tc.st.Name, tc.st.Action, got, tc.want)
		}
	}
	if !step(casework.ActArchive, "归档", "done", "", "").Internal() || !step("", "归档", "open", "", "").Internal() || done[1].Internal() {
		t.Error("归档 is not the only internal step")
	}
}
