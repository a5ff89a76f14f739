package api_test

import (
	"net/http"
	"strings"
	"testing"

	"zwfw/internal/casework"
)

// 一次性告知 once, through the API: a second notice on the same
// application is 409 with the reason in Chinese; the supervisor, offered
// allow-second-notice in the case's actions, allows one more with a reason
// kept on the case and in its audit trail; the window may then tell once
// more, and only once.
func testOneTimeOnce(t *testing.T, ce *caseEnv) {
	k := ce.walkIn(t, "county.window", "010100100000", "610923C")
	win, sup := ce.as(t, "county.window"), ce.as(t, "county.supervisor")
	k = win.mustAct(k.Serial, "notify-supplement", map[string]any{"items": []string{"申请书未签字"}})
	k = win.mustAct(k.Serial, "supplement", map[string]any{"materials": []map[string]any{{"name": k.Materials[0].Name, "handed_in": "window"}}})
	if er := win.act(k.Serial, "notify-supplement", map[string]any{"items": []string{"又发现一处问题"}}).apiErr(http.StatusConflict, "conflict"); !strings.Contains(er.Message, "不得再次告知") {
		t.Fatalf("second notice: %q", er.Message)
	}
	if got := actionNames(win.caseOf(k.Serial)); got != "accept reject" {
		t.Errorf("the window's actions after one notice: %s", got)
	}
	if got := actionNames(sup.caseOf(k.Serial)); got != "allow-second-notice" {
		t.Errorf("the supervisor's actions: %s", got)
	}
	win.act(k.Serial, "allow-second-notice", map[string]any{"opinion": "窗口自行准许"}).apiErr(http.StatusForbidden, "forbidden")
	if er := sup.act(k.Serial, "allow-second-notice", nil).apiErr(http.StatusUnprocessableEntity, "invalid"); !er.hasDetail("opinion", "理由") {
		t.Fatalf("permission without a reason: %+v", er)
	}
	const why = "补正后发现经营场所证明地址与申请书不一致"
	k = sup.mustAct(k.Serial, "allow-second-notice", map[string]any{"opinion": why})
	if st := stepOf(k, casework.ActAllowSecondNotice); st == nil || st.Opinion != why || st.ActorName != "孙立华" {
		t.Fatalf("the permission on the case: %+v", st)
	}
	res := sup.get("/audit?case=" + k.Serial)
	if res.Status != http.StatusOK || !strings.Contains(string(res.Body), "case.allow-second-notice") || !strings.Contains(string(res.Body), why) {
		t.Fatalf("trail: %d %s", res.Status, res.Body)
	}
	k = win.mustAct(k.Serial, "notify-supplement", map[string]any{"items": []string{"经营场所证明地址与申请书不一致"}})
	k = win.mustAct(k.Serial, "supplement", map[string]any{"materials": []map[string]any{{"name": k.Materials[0].Name, "handed_in": "window"}}})
	win.act(k.Serial, "notify-supplement", map[string]any{"items": []string{"第三次"}}).apiErr(http.StatusConflict, "conflict")
}

// The window's composite operations through the API: a walk-in filed with
// accept: true is accepted in the same call; a 即办件 is settled with one
// instant call, and a refused last step leaves it untouched.
func testComposite(t *testing.T, ce *caseEnv) {
	win := ce.as(t, "chengguan.window")
	var mats []map[string]any
	for _, m := range anon(t, ce.e).item("200300200000").Materials {
		if m.Required == "required" {
			mats = append(mats, map[string]any{"name": m.Name, "handed_in": "window"})
		}
	}
	k, _ := win.apply(map[string]any{"item_code": "200300200000", "org_code": "610923100C", "applicant": walkInApplicant,
		"materials": mats, "accept": true})
	if k.Status != casework.Accepted || noticeOf(k, casework.NoticeAcceptance) == nil {
		t.Fatalf("提交并受理: %s", k.Status)
	}
	if got := actionNames(k); !strings.Contains(got, "instant") {
		t.Fatalf("the window is not offered 当场办结: %s", got)
	}
	if er := win.act(k.Serial, "instant", map[string]any{"result": map[string]any{"valid_to": "2031-02-30"}}).apiErr(http.StatusUnprocessableEntity, "invalid"); !strings.Contains(er.Message, "办件未作任何改动") {
		t.Fatalf("当场办结 with a bad validity: %+v", er)
	}
	if got := win.caseOf(k.Serial); got.Version != k.Version || got.Status != casework.Accepted {
		t.Fatalf("a refused 当场办结 changed the case: %s v%d", got.Status, got.Version)
	}
	k = win.mustAct(k.Serial, "instant", map[string]any{"opinion": "材料齐全，当场办结", "version": k.Version})
	if k.Status != casework.Completed || stepOf(k, "approve") == nil || stepOf(k, "complete") == nil {
		t.Fatalf("当场办结: %s", k.Status)
	}
	// An applicant cannot accept their own application.
	ent := ce.as(t, "enterprise.qinling")
	ent.post("/cases", map[string]any{"item_code": "200300200000", "org_code": "610923100C", "materials": mats, "accept": true}).
		apiErr(http.StatusForbidden, "forbidden")
}
