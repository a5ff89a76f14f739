package inquiry_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/inquiry"
)

const foodItem = "010100100000" // 食品经营许可, 县市场监管局 (610923D01)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func count(t *testing.T, e *apptest.Env, table string) int {
	t.Helper()
	var n int
	if err := e.App.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if zwfw.ErrorCode(err) != code {
		t.Fatalf("%s: got %v, want %s", what, err, code)
	}
}

// A referral is a task of the receiving side: only its staff acknowledge
// it (another town's staff do not even see it, the referring window and
// the supervisor are refused), and the referring side then reads who
// acknowledged it and when. Unacknowledged for more than a working day, it
// shows overdue.
func TestReferralMustBeAcknowledged(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		s := e.App.Inquiries
		e.Clock.SetDay("2026-11-26") // a Thursday
		win := e.Actor(t, "county.window")
		q, err := s.Create(ctx, win, inquiry.Input{Channel: inquiry.Visit, AskerName: "张三丰", AskerPhone: "13991561234",
			Question: "开饭馆要办哪些证？", Item: foodItem, ReferTo: "610923D01", Guidance: "请到县政务服务中心市场准入窗口，带身份证和经营场所证明",
			StartedAt: e.Clock.Now().Add(-90 * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		if q.Status != inquiry.Referred || q.Referral == nil || q.Referral.Acknowledged || q.Referral.StateName != "待签收" {
			t.Fatalf("after referral: %+v %+v", q, q.Referral)
		}
		if q.Seconds < 90 || q.Seconds > 100 {
			t.Errorf("seconds %d, want about 90", q.Seconds)
		}
		if q.AskerPhone != "13991561234" || q.AskerName != "张**" {
			t.Errorf("detail shows the phone in full and the name masked: %q %q", q.AskerPhone, q.AskerName)
		}
		var sealed string
		_ = e.App.DB.QueryRow(ctx, "SELECT asker_phone FROM inquiries WHERE id = ?", q.ID).Scan(&sealed)
		if strings.Contains(sealed, "1234") {
			t.Errorf("the phone is stored in clear: %q", sealed)
		}
		list, _, err := s.List(ctx, win, inquiry.Query{})
		if err != nil || len(list) == 0 || list[0].AskerPhone != "139****1234" {
			t.Fatalf("the list masks the phone: %v %+v", err, list)
		}

		// The receiving department is told; the referring side and another
		// department are not.
		told := func(user string) int {
			var n int
			if err := e.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id
				WHERE u.username = ? AND n.subject = '首问转办待签收' AND n.channel = 'inapp'`, user).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if told("county.reviewer") != 1 || told("county.window") != 0 || told("minzheng.reviewer") != 0 {
			t.Errorf("told of the referral: reviewer %d, referring window %d, another department %d",
				told("county.reviewer"), told("county.window"), told("minzheng.reviewer"))
		}
		_, err = s.Acknowledge(ctx, e.Actor(t, "chengguan.window"), q.ID)
		wantCode(t, err, zwfw.ENOTFOUND, "another town's window")
		for _, u := range []string{"county.windowb", "county.supervisor", "minzheng.reviewer"} {
			_, err = s.Acknowledge(ctx, e.Actor(t, u), q.ID)
			if c := zwfw.ErrorCode(err); c != zwfw.EFORBIDDEN && c != zwfw.ENOTFOUND {
				t.Fatalf("%s acknowledged: %v", u, err)
			}
		}
		rev := e.Actor(t, "county.reviewer")
		waiting, _, err := s.List(ctx, rev, inquiry.Query{Status: "ack"})
		if err != nil || len(waiting) != 1 || waiting[0].ID != q.ID || !slices.Contains(waiting[0].Actions, inquiry.ActAcknowledge) {
			t.Fatalf("the receiving department's list: %v %+v", err, waiting)
		}
		if w, _, _ := s.List(ctx, win, inquiry.Query{Status: "ack"}); len(w) != 0 {
			t.Errorf("the referring window is asked to acknowledge its own referral")
		}
		e.Clock.SetDay("2026-11-27")
		e.Clock.Add(3 * time.Hour) // Friday afternoon: a working day has passed
		if got, _ := s.Get(ctx, win, q.ID); !got.Referral.Overdue {
			t.Errorf("not overdue a working day later: %+v", got.Referral)
		}
		ackAt := e.Clock.Now()
		if _, err := s.Acknowledge(ctx, rev, q.ID); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, win, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		r := got.Referral
		if !r.Acknowledged || r.StateName != "已签收" || r.AckBy != "周建国" || r.AckAt.Sub(ackAt).Abs() > 2*time.Second || r.Overdue {
			t.Errorf("the referring side reads: %+v (acknowledged at %s)", r, ackAt)
		}
		_, err = s.Acknowledge(ctx, rev, q.ID)
		wantCode(t, err, zwfw.ECONFLICT, "acknowledged twice")

		// A referral to a window: its centre's manager acknowledges, the
		// neighbouring window does not.
		q2, err := s.Create(ctx, win, inquiry.Input{Channel: inquiry.Phone, Question: "个体户登记在哪个窗口？", ReferTo: "610923CW03",
			Guidance: "市场准入窗口（三号窗口）", Minutes: 3})
		if err != nil || q2.Seconds != 180 {
			t.Fatalf("%v %+v", err, q2)
		}
		_, err = s.Acknowledge(ctx, e.Actor(t, "county.windowb"), q2.ID)
		wantCode(t, err, zwfw.EFORBIDDEN, "the neighbouring window")
		if _, err := s.Acknowledge(ctx, e.Actor(t, "county.hall"), q2.ID); err != nil {
			t.Fatal(err)
		}

		// The audit log has each staff action.
		var n int
		_ = e.App.DB.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action IN ('inquiry.create', 'inquiry.acknowledge')").Scan(&n)
		if n != 4 {
			t.Errorf("audit entries: %d, want 4", n)
		}
	})
}

// Repeated questions become a FAQ entry of the item's guide with one
// click, by the staff who may edit the item: a new version in the change
// log with the reason and "faq" changed, shown on the public guide.
func TestFAQFromRegister(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		s := e.App.Inquiries
		win := e.Actor(t, "county.window")
		var ids []int64
		for _, text := range []string{"食品经营许可证多久能办下来？", "食品经营许可证多久能办下来"} {
			q, err := s.Create(ctx, win, inquiry.Input{Channel: inquiry.Visit, Question: text, Item: foodItem, Answer: "承诺 10 个工作日内办结，材料齐全的可当场受理。"})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, q.ID)
		}
		q, _ := s.Get(ctx, win, ids[1])
		if q.Repeats != 2 {
			t.Errorf("repeats %d, want 2", q.Repeats)
		}
		if slices.Contains(q.Actions, inquiry.ActFAQ) {
			t.Errorf("a window clerk is offered 转为常见问题")
		}
		_, err := s.MakeFAQ(ctx, win, ids[1], inquiry.FAQInput{})
		wantCode(t, err, zwfw.EFORBIDDEN, "a window clerk makes a FAQ")
		other, err := s.Create(ctx, win, inquiry.Input{Channel: inquiry.Phone, Question: "食品许可证要几天？", Item: foodItem, Answer: "10 个工作日。", Minutes: 1})
		if err != nil {
			t.Fatal(err)
		}
		unrelated, err := s.Create(ctx, win, inquiry.Input{Channel: inquiry.Phone, Question: "低保怎么申请？", Item: "050200100000", Answer: "到镇便民服务中心。", Minutes: 1})
		if err != nil {
			t.Fatal(err)
		}
		cat := e.Actor(t, "county.catalog")
		_, err = s.MakeFAQ(ctx, cat, ids[1], inquiry.FAQInput{Also: []int64{unrelated.ID}})
		wantCode(t, err, zwfw.EINVALID, "a record of another item in the group")
		before, _ := e.App.Catalog.Get(ctx, foodItem)
		if q, _ := s.Get(ctx, cat, ids[1]); !slices.Contains(q.Actions, inquiry.ActFAQ) {
			t.Fatalf("the catalog administrator is not offered 转为常见问题: %v", q.Actions)
		}
		done, err := s.MakeFAQ(ctx, cat, ids[1], inquiry.FAQInput{Also: []int64{other.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if done.FAQItem != foodItem || done.FAQVersion != before.Version+1 {
			t.Errorf("the record's link: %q v%d", done.FAQItem, done.FAQVersion)
		}
		if q, _ := s.Get(ctx, win, ids[0]); q.FAQItem != foodItem {
			t.Errorf("the repeat of the same question is not linked")
		}
		if q, _ := s.Get(ctx, win, other.ID); q.FAQItem != foodItem {
			t.Errorf("the record chosen into the group is not linked")
		}
		if q, _ := s.Get(ctx, win, unrelated.ID); q.FAQItem != "" {
			t.Errorf("another item's record is linked")
		}
		vs, err := e.App.Catalog.Versions(ctx, foodItem)
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("由首问登记 #%d 转为常见问题", ids[1])
		if vs[0].Version != before.Version+1 || vs[0].Reason != want || !slices.Contains(vs[0].Changed, "faq") {
			t.Errorf("change log: %+v, want reason %q with faq changed", vs[0], want)
		}
		_, body := get(t, e.URL+"/items/"+foodItem)
		if !strings.Contains(body, "<dt>食品经营许可证多久能办下来</dt>") || !strings.Contains(body, want) {
			t.Errorf("the guide does not show the FAQ and its change")
		}
		_, err = s.MakeFAQ(ctx, cat, ids[0], inquiry.FAQInput{})
		wantCode(t, err, zwfw.ECONFLICT, "the same question twice")
	})
}

// An online question is answered by the item's department and read back
// with its query code; a wrong code reads nothing.
func TestOnlineQuestion(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		s := e.App.Inquiries
		tk, err := s.Ask(ctx, inquiry.AskInput{Item: foodItem, AskerName: "李四", Question: "网上申请后要不要去窗口？"}, "10.0.0.9")
		if err != nil {
			t.Fatal(err)
		}
		if tk.OrgName != "市场监管局" && !strings.Contains(tk.OrgName, "市场监督管理局") {
			t.Errorf("answered by %q", tk.OrgName)
		}
		wrong := "000000"
		if tk.QueryCode == wrong {
			wrong = "111111"
		}
		_, err = s.Lookup(ctx, tk.ID, wrong, "10.0.0.9")
		wantCode(t, err, zwfw.ENOTFOUND, "a wrong code")
		p, err := s.Lookup(ctx, tk.ID, tk.QueryCode, "10.0.0.9")
		if err != nil || p.Status != inquiry.Open {
			t.Fatalf("%v %+v", err, p)
		}
		_, err = s.Answer(ctx, e.Actor(t, "chengguan.window"), tk.ID, "不用")
		wantCode(t, err, zwfw.ENOTFOUND, "another town answers")
		_, err = s.Answer(ctx, e.Actor(t, "county.reviewer"), tk.ID, "  ")
		wantCode(t, err, zwfw.EINVALID, "an empty answer")
		if _, err := s.Answer(ctx, e.Actor(t, "county.reviewer"), tk.ID, "全程网办，不用去窗口，证照可邮寄。"); err != nil {
			t.Fatal(err)
		}
		// Through the API, as the asker reads it.
		code, body := get(t, fmt.Sprintf("%s/api/v1/public/inquiries/%d?code=%s", e.URL, tk.ID, tk.QueryCode))
		var pa inquiry.PublicAnswer
		_ = json.Unmarshal([]byte(body), &pa)
		if code != 200 || pa.Answer != "全程网办，不用去窗口，证照可邮寄。" || pa.StatusName != "已答复" {
			t.Errorf("API lookup: %d %s", code, body)
		}
		code, _ = get(t, fmt.Sprintf("%s/api/v1/public/inquiries/%d?code=%s", e.URL, tk.ID, wrong))
		if code != 404 {
			t.Errorf("API lookup with a wrong code: %d", code)
		}
		code, body = get(t, fmt.Sprintf("%s/questions/%d?code=%s", e.URL, tk.ID, tk.QueryCode))
		if code != 200 || !strings.Contains(body, "证照可邮寄") {
			t.Errorf("page lookup: %d", code)
		}
	})
}

// An experience shows on the guide only once approved, the name masked;
// a rejection tells the applicant why.
func TestExperienceModeration(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		s := e.App.Inquiries
		wang := e.Actor(t, "resident.wang")
		text := "窗口一次告知了全部材料，第二天就拿到了许可证。"
		x, err := s.Share(ctx, wang, foodItem, text)
		if err != nil {
			t.Fatal(err)
		}
		if _, body := get(t, e.URL+"/items/"+foodItem); strings.Contains(body, text) {
			t.Fatal("a pending experience shows on the guide")
		}
		_, err = s.Moderate(ctx, e.Actor(t, "county.window"), x.ID, inquiry.ExpApprove, "")
		wantCode(t, err, zwfw.ENOTFOUND, "a window clerk moderates") // the department is not in the centre's subtree
		_, err = s.Moderate(ctx, e.Actor(t, "minzheng.reviewer"), x.ID, inquiry.ExpApprove, "")
		wantCode(t, err, zwfw.ENOTFOUND, "another department moderates")
		if _, err := s.Moderate(ctx, e.Actor(t, "county.reviewer"), x.ID, inquiry.ExpApprove, ""); err != nil {
			t.Fatal(err)
		}
		pub, _ := s.Published(ctx, foodItem, 10)
		if len(pub) != 1 || pub[0].Author != "王**" {
			t.Fatalf("published: %+v", pub)
		}
		if _, body := get(t, e.URL+"/items/"+foodItem); !strings.Contains(body, text) || !strings.Contains(body, "王**") {
			t.Error("the approved experience is not on the guide")
		}
		_, err = s.Moderate(ctx, e.Actor(t, "county.reviewer"), x.ID, inquiry.ExpReject, "重复")
		wantCode(t, err, zwfw.ECONFLICT, "an approved one rejected")
		_, err = s.Moderate(ctx, e.Actor(t, "county.supervisor"), x.ID, inquiry.ExpWithdraw, "")
		wantCode(t, err, zwfw.EINVALID, "a withdrawal without a reason")
		if _, err := s.Moderate(ctx, e.Actor(t, "county.supervisor"), x.ID, inquiry.ExpWithdraw, "含有他人个人信息"); err != nil {
			t.Fatal(err)
		}
		if pub, _ := s.Published(ctx, foodItem, 10); len(pub) != 0 {
			t.Error("a withdrawn experience stays on the guide")
		}

		y, err := s.Share(ctx, wang, foodItem, "广告内容")
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Share(ctx, wang, foodItem, "再来一条")
		wantCode(t, err, zwfw.ECONFLICT, "a second pending one")
		_, err = s.Moderate(ctx, e.Actor(t, "county.reviewer"), y.ID, inquiry.ExpReject, " ")
		wantCode(t, err, zwfw.EINVALID, "a rejection without a reason")
		if _, err := s.Moderate(ctx, e.Actor(t, "county.reviewer"), y.ID, inquiry.ExpReject, "与办事体验无关"); err != nil {
			t.Fatal(err)
		}
		msgs, _, _, err := e.App.Services().Inbox.List(ctx, wang, 20, 0)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, m := range msgs {
			found = found || strings.Contains(m.Body, "与办事体验无关")
		}
		if !found {
			t.Error("the applicant is not told of the rejection")
		}
		_, err = s.Share(ctx, wang, foodItem, strings.Repeat("好", inquiry.MaxExperience+1))
		wantCode(t, err, zwfw.EINVALID, "too long")
		_, err = s.Share(ctx, e.Actor(t, "county.window"), foodItem, "工作人员代发")
		wantCode(t, err, zwfw.EFORBIDDEN, "staff share")
	})
}

// Bad input is refused with a clear message, and nothing is recorded.
func TestBadInputChangesNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		s := e.App.Inquiries
		win := e.Actor(t, "county.window")
		before := count(t, e, "inquiries")
		for _, c := range []struct {
			in    inquiry.Input
			field string
		}{
			{inquiry.Input{Channel: inquiry.Visit, Question: "  ", Answer: "好"}, "question"},
			{inquiry.Input{Channel: inquiry.Visit, Question: "问", Item: "999999999999", Answer: "好"}, "item"},
			{inquiry.Input{Channel: inquiry.Visit, Question: "问", Guidance: "去三号窗口"}, "refer_to"},
			{inquiry.Input{Channel: inquiry.Visit, Question: "问", ReferTo: "610923D01"}, "guidance"},
			{inquiry.Input{Channel: inquiry.Visit, Question: "问", ReferTo: "610923", Guidance: "去县政府"}, "refer_to"},
			{inquiry.Input{Channel: inquiry.Visit, Question: "问"}, "answer"},
			{inquiry.Input{Channel: "fax", Question: "问", Answer: "好"}, "channel"},
			{inquiry.Input{Channel: inquiry.Phone, Question: "问", Answer: "好", AskerPhone: "abc"}, "asker_phone"},
			{inquiry.Input{Channel: inquiry.Phone, Question: "问", Answer: "好", Minutes: -3}, "minutes"},
		} {
			_, err := s.Create(ctx, win, c.in)
			var ze *zwfw.Error
			if !errors.As(err, &ze) || ze.Code != zwfw.EINVALID || len(ze.Details) == 0 || ze.Details[0].Field != c.field {
				t.Errorf("%+v: got %v, want invalid %s", c.in, err, c.field)
			}
		}
		_, err := s.Create(ctx, e.Actor(t, "county.supervisor"), inquiry.Input{Channel: inquiry.Visit, Question: "问", Answer: "好"})
		wantCode(t, err, zwfw.EFORBIDDEN, "a supervisor records")
		_, err = s.Ask(ctx, inquiry.AskInput{Question: ""}, "10.0.0.1")
		wantCode(t, err, zwfw.EINVALID, "an empty online question")
		_, err = s.Ask(ctx, inquiry.AskInput{Question: "问", Item: "nope"}, "10.0.0.1")
		wantCode(t, err, zwfw.EINVALID, "an online question about an unknown item")
		if n := count(t, e, "inquiries"); n != before {
			t.Errorf("bad input recorded %d records", n-before)
		}
		q, err := s.Create(ctx, win, inquiry.Input{Channel: inquiry.Visit, Question: "问", Answer: "答"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Refer(ctx, win, q.ID, "610923D01", "去市场监管局")
		wantCode(t, err, zwfw.ECONFLICT, "refer an answered record")
		_, err = s.MakeFAQ(ctx, e.Actor(t, "county.catalog"), q.ID, inquiry.FAQInput{})
		wantCode(t, err, zwfw.ECONFLICT, "a FAQ without an item")
	})
}
