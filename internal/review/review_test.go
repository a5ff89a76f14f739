package review_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
	"zwfw/internal/hall"
	"zwfw/internal/review"
)

const (
	job  = "200300200000" // an immediate item at 城关镇
	town = "610923100C"
)

type env struct {
	*apptest.Env
	t   *testing.T
	ctx context.Context
}

func (e *env) actor(u string) *zwfw.Actor { return e.Actor(e.t, u) }

func (e *env) act(who, number, action string, in review.ActInput) *review.WorkOrder {
	e.t.Helper()
	w, err := e.App.Reviews.Act(e.ctx, e.actor(who), number, action, in)
	if err != nil {
		e.t.Fatalf("%s %s %s: %v", who, action, number, err)
	}
	return w
}

func (e *env) refused(code string, err error, what string) {
	e.t.Helper()
	if zwfw.ErrorCode(err) != code {
		e.t.Fatalf("%s: got %v, want %s", what, err, code)
	}
}

func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.App.DB.QueryRow(e.ctx, q, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// notes counts the in-app notes a user got with a subject.
func (e *env) notes(user, subject string) int {
	return e.count(`SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = ? AND n.subject = ? AND n.channel = 'inapp'`, user, subject)
}

func (e *env) only(who string) *review.WorkOrder {
	e.t.Helper()
	ws, err := e.App.Reviews.List(e.ctx, e.actor(who), review.ListQuery{})
	if err != nil || len(ws) == 0 {
		e.t.Fatalf("%s lists %d work orders: %v", who, len(ws), err)
	}
	return ws[0]
}

func start(t *testing.T, a *apptest.Env) *env {
	a.Clock.SetDay("2026-11-16") // a Monday
	a.Clock.Add(time.Hour)
	return &env{Env: a, t: t, ctx: context.Background()}
}

// A 差评 walks the whole work order: rated once per channel (a second on
// the same channel refused, nothing written), validity review, owner
// reassigned to the window, call-back, rectification with a written
// explanation sent to the evaluator, their follow-up rating through the
// rating link, a supervisor's spot-check, and the public summary.
func TestRectificationWalk(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.Env) {
		e := start(t, a)
		serial := e.Case(t, "resident.wang", job, town, casework.Completed)
		// The applicant was sent the SMS rating link when it completed.
		if n := e.count("SELECT COUNT(*) FROM notifications WHERE case_serial = ? AND channel = 'sms' AND body LIKE '%/rate/%'", serial); n != 1 {
			t.Fatalf("%d SMS rating links, want 1", n)
		}
		wang := e.actor("resident.wang")
		in := review.RateInput{Level: 5, Comment: "窗口说明不清楚，跑了两趟", Indicators: []string{"efficiency", "guide"}}
		// Bad input changes nothing.
		for _, bad := range []review.RateInput{{Level: 9}, {Level: 5}, {Level: 4, Comment: "不满意", Indicators: []string{"service_attitude"}}} {
			if _, err := e.App.Reviews.RateCase(e.ctx, wang, serial, "pc", bad); zwfw.ErrorCode(err) != zwfw.EINVALID {
				t.Fatalf("bad rating %+v: %v", bad, err)
			}
		}
		if _, err := e.App.Reviews.RateCase(e.ctx, wang, serial, "pc", in); err != nil {
			t.Fatal(err)
		}
		evals := e.count("SELECT COUNT(*) FROM evaluations")
		_, err := e.App.Reviews.RateCase(e.ctx, wang, serial, "pc", review.RateInput{Level: 1})
		if zwfw.ErrorCode(err) != zwfw.ECONFLICT || !strings.Contains(zwfw.ErrorMessage(err), "每个渠道只评价一次") {
			t.Fatalf("second rating on pc: %v", err)
		}
		if n := e.count("SELECT COUNT(*) FROM evaluations"); n != evals {
			t.Fatalf("a refused rating wrote: %d → %d", evals, n)
		}
		// Staff never edit or delete a rating, not even in SQL.
		if _, err := e.App.DB.Exec(e.ctx, "UPDATE evaluations SET level = 1"); err == nil {
			t.Fatal("an evaluation was updated")
		}
		if _, err := e.App.DB.Exec(e.ctx, "DELETE FROM evaluations"); err == nil {
			t.Fatal("an evaluation was deleted")
		}

		w := e.only("chengguan.supervisor")
		if w.Status != review.StReview || w.Level != 5 || w.Serial != serial {
			t.Fatalf("work order %+v", w)
		}
		if got := review.Allowed(e.actor("chengguan.window"), w); len(got) != 0 {
			t.Fatalf("the window may %v before the review", got)
		}
		_, err = e.App.Reviews.Act(e.ctx, e.actor("chengguan.window"), w.Number, review.ActValidate, review.ActInput{})
		e.refused(zwfw.EFORBIDDEN, err, "window validates")
		e.act("chengguan.supervisor", w.Number, review.ActValidate, review.ActInput{Note: "情况属实"})
		_, err = e.App.Reviews.Act(e.ctx, e.actor("chengguan.supervisor"), w.Number, review.ActAssign, review.ActInput{Owner: "nosuch"})
		e.refused(zwfw.EINVALID, err, "assign to nothing")
		e.act("chengguan.supervisor", w.Number, review.ActAssign, review.ActInput{Owner: "610923100CW01"})
		_, err = e.App.Reviews.Act(e.ctx, e.actor("chengguan.window"), w.Number, review.ActCallback, review.ActInput{Note: ""})
		e.refused(zwfw.EINVALID, err, "call-back without what was said")
		w = e.act("chengguan.window", w.Number, review.ActCallback, review.ActInput{Note: "电话联系申请人，反映首次来时窗口未一次告知所需材料"})
		if w.Status != review.StRectify {
			t.Fatalf("after the call-back: %s", w.Status)
		}
		w = e.act("chengguan.window", w.Number, review.ActExtend, review.ActInput{Reason: "需修订办事指南并报县局审核"})
		_, err = e.App.Reviews.Act(e.ctx, e.actor("chengguan.window"), w.Number, review.ActExtend, review.ActInput{Reason: "还要再等等"})
		e.refused(zwfw.ECONFLICT, err, "second extension")
		_, err = e.App.Reviews.Act(e.ctx, e.actor("chengguan.window"), w.Number, review.ActReply, review.ActInput{Result: "已修订办事指南", Summary: "联系电话13991561111"})
		e.refused(zwfw.EINVALID, err, "a phone number in the public summary")
		_, err = e.App.Reviews.Act(e.ctx, e.actor("chengguan.window"), w.Number, review.ActReply, review.ActInput{Result: "已修订办事指南", NoBasis: true, Summary: "材料告知不全，已修订指南"})
		e.refused(zwfw.EINVALID, err, "no legal basis without the written explanation")
		w = e.act("chengguan.window", w.Number, review.ActReply, review.ActInput{Result: "已修订办事指南并对窗口人员进行培训",
			NoBasis: true, Explanation: "申请人要求免交的材料系法规规定的必要材料，无法免除，特此书面说明。", Summary: "材料一次告知不全：已修订办事指南并培训窗口人员"})
		if w.Status != review.StFollowUp {
			t.Fatalf("after the reply: %s", w.Status)
		}
		if n := e.notes("resident.wang", "差评整改结果"); n != 1 {
			t.Fatalf("the evaluator got %d result notes", n)
		}
		// The follow-up through the rating link.
		tok := strings.TrimPrefix(e.App.Reviews.RatePath("c", serial, casework.ChannelSMS), "/rate/")
		tg, err := e.App.Reviews.Target(e.ctx, tok)
		if err != nil || !tg.FollowUp || tg.Done != "" {
			t.Fatalf("target %+v %v", tg, err)
		}
		if _, err := e.App.Reviews.Target(e.ctx, tok[:len(tok)-2]+"xx"); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			t.Fatalf("a forged token: %v", err)
		}
		if _, err := e.App.Reviews.RateByToken(e.ctx, tok, review.RateInput{Level: 2, Comment: "整改后态度很好"}); err != nil {
			t.Fatal(err)
		}
		w, err = e.App.Reviews.Get(e.ctx, e.actor("chengguan.supervisor"), w.Number)
		if err != nil || w.Status != review.StClosed || w.FollowLevel != 2 {
			t.Fatalf("after the follow-up: %+v %v", w, err)
		}
		// No second follow-up: the pc channel is used and no work order waits.
		if _, err := e.App.Reviews.RateCase(e.ctx, wang, serial, "pc", review.RateInput{Level: 1}); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("a second follow-up: %v", err)
		}
		w = e.act("chengguan.supervisor", w.Number, review.ActSpotCheck, review.ActInput{Outcome: "属实", Note: "申请人确认已整改"})
		var names []string
		for _, ev := range w.Events {
			names = append(names, ev.Action)
		}
		if got := strings.Join(names, " "); got != "open validate assign callback extend reply followup spotcheck" {
			t.Fatalf("steps %s", got)
		}
		if n := e.count("SELECT COUNT(*) FROM audit_log WHERE object = ?", "rectification:"+w.Number); n != 7 {
			t.Errorf("%d audit entries, want 7 (opened and each staff step; the follow-up is the case's)", n)
		}
		s, err := e.App.Reviews.Public(e.ctx, town, "2026-11")
		if err != nil || s.Bad != 1 || s.Done != 1 || s.Rate != 100 || len(s.Closed) != 1 || strings.Contains(s.Closed[0].Summary, "王") {
			t.Fatalf("public summary %+v %v", s, err)
		}
		if len(s.Owners) != 1 || s.Owners[0].Done != 1 || s.Owners[0].Name == "" {
			t.Fatalf("per owner %+v", s.Owners)
		}
		// The year's assessment counts it for the window and its centre:
		// one 差评, rectified, called back (评价结果作为年度考核的重要依据).
		rep, err := e.App.Reports.GenerateReport(e.ctx, e.actor("county.supervisor"), "annual", "2026", "610923")
		if err != nil {
			t.Fatal(err)
		}
		if rep.Annual.VoiceNote != "" {
			t.Fatalf("the assessment has no voice figures: %s", rep.Annual.VoiceNote)
		}
		found := 0
		for _, u := range append(rep.Annual.Windows, rep.Annual.Centres...) {
			if u.Code != "610923100CW01" && u.Code != town {
				continue
			}
			found++
			if u.Rectification == nil || *u.Rectification != 100 || u.Callback == nil || *u.Callback != 100 || u.Complaints == nil || *u.Complaints != 0 {
				t.Errorf("%s in the annual assessment: rectification %v, call-back %v, complaints %v", u.Code, u.Rectification, u.Callback, u.Complaints)
			}
		}
		if found != 2 {
			t.Errorf("%d of the window and its centre in the annual assessment, want both", found)
		}
	})
}

// A supervisor clears an invalid review only with a reason; the evaluator
// is told; it stays recorded and stops counting as a 差评. The window
// cannot clear it.
func TestClearInvalidReview(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.Env) {
		e := start(t, a)
		serial := e.Case(t, "resident.wang", job, town, casework.Delivered)
		tok := strings.TrimPrefix(e.App.Reviews.RatePath("c", serial, casework.ChannelQR), "/rate/")
		if _, err := e.App.Reviews.RateByToken(e.ctx, tok, review.RateInput{Level: 4, Comment: "天气不好心情差", Indicators: []string{"nosuch"}}); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("unknown indicator: %v", err)
		}
		if _, err := e.App.Reviews.RateByToken(e.ctx, tok, review.RateInput{Level: 4, Comment: "天气不好心情差"}); err != nil {
			t.Fatal(err)
		}
		if c, _ := e.App.Reviews.CountsOf(e.ctx, e.actor("county.supervisor")); c.Bad != 1 {
			t.Fatalf("counts %+v", c)
		}
		w := e.only("chengguan.supervisor")
		_, err := e.App.Reviews.Act(e.ctx, e.actor("chengguan.window"), w.Number, review.ActClear, review.ActInput{Reason: "与办件无关"})
		e.refused(zwfw.EFORBIDDEN, err, "the window clears")
		_, err = e.App.Reviews.Act(e.ctx, e.actor("chengguan.supervisor"), w.Number, review.ActClear, review.ActInput{Reason: " "})
		e.refused(zwfw.EINVALID, err, "clear without a reason")
		w = e.act("chengguan.supervisor", w.Number, review.ActClear, review.ActInput{Reason: "评价内容与办理服务无关，属无效评价"})
		if w.Status != review.StCleared || w.ClearedReason == "" {
			t.Fatalf("cleared %+v", w)
		}
		if n := e.notes("resident.wang", "差评核销告知"); n != 1 {
			t.Fatalf("the evaluator got %d notes", n)
		}
		c, _ := e.App.Reviews.CountsOf(e.ctx, e.actor("county.supervisor"))
		if c.Bad != 0 || c.Cleared != 1 {
			t.Fatalf("after clearing: %+v", c)
		}
		if n := e.count("SELECT COUNT(*) FROM evaluations WHERE level = 4"); n != 1 {
			t.Fatalf("the cleared rating is gone: %d", n)
		}
		if len(review.Allowed(e.actor("chengguan.supervisor"), w)) != 0 {
			t.Fatal("actions left on a cleared work order")
		}
	})
}

// An open work order past its call-back deadline raises a warning through
// the duty scan; the window pad's 差评 of a ticket opens one too.
func TestRectificationOverdueWarns(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.Env) {
		e := start(t, a)
		serial := e.Case(t, "resident.wang", job, town, casework.Completed)
		if _, err := e.App.Reviews.EnterCallback(e.ctx, e.actor("chengguan.window"), serial, review.RateInput{Level: 5, Comment: "电话回访：等候太久",
			Indicators: []string{"service_efficiency"}}); err != nil {
			t.Fatal(err)
		}
		if n := e.count("SELECT COUNT(*) FROM evaluations e JOIN users u ON u.id = e.entered_by WHERE e.channel = 'phone' AND u.username = 'chengguan.window'"); n != 1 {
			t.Fatalf("the phone call-back is not attributed: %d", n)
		}
		w := e.only("chengguan.supervisor")
		e.Clock.SetDay("2026-11-19")
		e.Clock.Add(time.Hour)
		if _, err := e.App.Warnings.Scan(e.ctx); err != nil {
			t.Fatal(err)
		}
		ws, err := e.App.Warnings.DutyWarnings(e.ctx, e.actor("chengguan.supervisor"), "rectification", 0)
		if err != nil || len(ws) != 1 || ws[0].Number != w.Number || ws[0].Level != "red" || ws[0].KindName != "差评整改" {
			t.Fatalf("duty warnings %+v %v", ws, err)
		}
	})
}

// The window pad's 差评 of a hall service (a ticket) carries the on-site
// indicators and opens a work order on the window, in the same
// transaction; an indicator of another channel is refused.
func TestTicketBadReviewOpensWorkOrder(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.Env) {
		e := start(t, a)
		_, cats, err := e.App.Hall.Categories(e.ctx, town, false)
		if err != nil || len(cats) == 0 {
			t.Fatalf("categories %v %v", cats, err)
		}
		tk, err := e.App.Hall.Take(e.ctx, town, hall.TakeInput{CategoryID: cats[0].ID})
		if err != nil {
			t.Fatal(err)
		}
		win := e.actor("chengguan.window")
		for _, act := range []string{hall.ActNext, hall.ActStart, hall.ActFinish} {
			if _, err := e.App.Hall.Act(e.ctx, win, "610923100CW01", act); err != nil {
				t.Fatalf("%s: %v", act, err)
			}
		}
		if _, err := e.App.Hall.Rate(e.ctx, win, "610923100CW01", tk.Number, hall.RatingInput{Level: 5, Comment: "等候时间太长",
			Indicators: []string{"guide"}}); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("an online indicator on the pad: %v", err)
		}
		if _, err := e.App.Hall.Rate(e.ctx, win, "610923100CW01", tk.Number, hall.RatingInput{Level: 5, Comment: "等候时间太长",
			Indicators: []string{"service_efficiency", "service_attitude"}}); err != nil {
			t.Fatal(err)
		}
		if n := e.count("SELECT COUNT(*) FROM hall_ticket_evaluations WHERE indicators = 'service_efficiency,service_attitude'"); n != 1 {
			t.Fatalf("indicators not stored: %d", n)
		}
		w := e.only("chengguan.supervisor")
		if w.Target != "ticket" || w.OwnerCode != "610923100CW01" || w.HasEvaluator {
			t.Fatalf("work order %+v", w)
		}
		e.act("chengguan.supervisor", w.Number, review.ActValidate, review.ActInput{})
		// An anonymous pad rating cannot be called back: recorded as such.
		_, err = e.App.Reviews.Act(e.ctx, win, w.Number, review.ActCallback, review.ActInput{Note: "现场评价，未留联系方式"})
		e.refused(zwfw.EINVALID, err, "call-back of an anonymous rating without 无法回访")
		w = e.act("chengguan.window", w.Number, review.ActCallback, review.ActInput{Note: "现场评价，未留联系方式", Unreachable: true})
		if w.Events[len(w.Events)-1].Outcome != "无法回访" {
			t.Fatalf("events %+v", w.Events)
		}
		if _, err := e.App.DB.Exec(e.ctx, "DELETE FROM hall_ticket_evaluations"); err == nil {
			t.Fatal("a ticket's rating was deleted")
		}
		// A rating of the staff member on duty, from the window's QR card.
		tok := e.App.Reviews.Sign("s", strconv.FormatInt(win.UserID, 10), casework.ChannelQR)
		tg, err := e.App.Reviews.Target(e.ctx, tok)
		if err != nil || tg.Kind != "s" || strings.Contains(tg.Title, "杨春梅") {
			t.Fatalf("staff target %+v %v (the name is masked)", tg, err)
		}
		if _, err := e.App.Reviews.RateByToken(e.ctx, tok, review.RateInput{Level: 4, Comment: "态度冷淡", Indicators: []string{"service_attitude"}}); err != nil {
			t.Fatal(err)
		}
		ws, _ := e.App.Reviews.List(e.ctx, e.actor("chengguan.supervisor"), review.ListQuery{Status: review.StReview})
		if len(ws) != 1 || ws[0].Target != "staff" || ws[0].OwnerCode != "610923100CW01" {
			t.Fatalf("staff work order %+v", ws)
		}
		if _, err := e.App.DB.Exec(e.ctx, "UPDATE staff_evaluations SET level = 1"); err == nil {
			t.Fatal("a staff rating was changed")
		}
	})
}
