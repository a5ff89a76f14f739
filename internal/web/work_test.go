package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
)

// Demo items the tests use.
const (
	wkFood       = "010100100000" // 食品经营许可, 承诺件 (市场监管)
	wkSoleTrader = "010100200000" // 个体工商户登记（设立）, 即办件
	wkIDCard     = "071500100000" // 居民身份证申领, 承诺件 with a fee (公安)
	wkTobacco    = "011300100000" // 烟草专卖零售许可, the overdue demo case
	wkElder      = "050200500000" // 高龄老人生活保健补贴, a town 上报件 waiting at 城关镇
	wkCounty     = "610923C"
	wkTown       = "610923100C"
	wkStale      = "办件已被他人处理，请刷新"
	wkPageLimit  = 150 << 10
)

// workDemoCase finds the serial of the demo case of item in status (at centre,
// when given).
func workDemoCase(t testing.TB, e *apptest.Env, item, status, centre string) string {
	t.Helper()
	q := casework.Query{Item: item, Status: []string{status}, Org: centre}
	list, _, err := e.App.Cases.List(context.Background(), zwfw.System, q)
	if err != nil || len(list) == 0 {
		t.Fatalf("no demo case of %s in %s at %q: %v", item, status, centre, err)
	}
	return list[0].Serial
}

func workGetCase(t testing.TB, e *apptest.Env, serial string) *casework.Case {
	t.Helper()
	c, err := e.App.Cases.Get(context.Background(), zwfw.System, serial)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func workOK(t testing.TB, c *client, path string) page {
	t.Helper()
	p := c.get(path)
	if p.Status != http.StatusOK {
		t.Fatalf("GET %s = %d\n%s", path, p.Status, problems(p.Body))
	}
	return p
}

// The window's queues list the submitted cases of its own centre only: the
// county clerk does not see the town's, and the other way round.
func TestWorkWindowQueues(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		county := workDemoCase(t, e, wkFood, casework.Submitted, wkCounty)
		town := workDemoCase(t, e, wkElder, casework.Submitted, wkTown)

		p := workOK(t, login(t, e, "county.window", apptest.DemoPassword), "/work")
		mustContain(t, "county window", p.Body, "网上预审", "窗口收件待受理", "待办结 · 送达", `href="/work/cases/`+county+`"`, "窗口收件")
		if strings.Contains(p.Body, town) {
			t.Errorf("the county window sees the town's case %s", town)
		}
		p = workOK(t, login(t, e, "chengguan.window", apptest.DemoPassword), "/work")
		mustContain(t, "town window", p.Body, `href="/work/cases/`+town+`"`)
		if strings.Contains(p.Body, county) {
			t.Errorf("the town window sees the county's case %s", county)
		}
	})
}

// Accepting from the page issues the acceptance notice and offers to print
// it.
func TestWorkAcceptIssuesNotice(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	serial := workDemoCase(t, e, wkFood, casework.Submitted, wkCounty)
	c := login(t, e, "county.window", apptest.DemoPassword)
	p := workOK(t, c, "/work/cases/"+serial)
	mustContain(t, "submitted case", p.Body, "受理", "一次性告知", "不予受理", "法律依据")
	v := formValues(t, p.Body, "/work/cases/"+serial+"/actions/accept")
	p = c.post("/work/cases/"+serial+"/actions/accept", v, false)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("accept = %d\n%s", p.Status, problems(p.Body))
	}
	p = c.follow(p)
	k := workGetCase(t, e, serial)
	if k.Status != casework.Accepted || len(k.Notices) == 0 || k.Notices[len(k.Notices)-1].Kind != casework.NoticeAcceptance {
		t.Fatalf("after accept: status %s, notices %v", k.Status, k.Notices)
	}
	n := k.Notices[len(k.Notices)-1]
	mustContain(t, "after accept", p.Body, "打印受理通知书", `href="/notices/`+serial+`/`+strconv.FormatInt(n.ID, 10)+`"`, n.Number, "已受理")
}

// 一次性告知 lists everything ticked, with the notes, and the free lines,
// in one notice.
func TestWorkOneTimeNotice(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	serial := workDemoCase(t, e, wkFood, casework.Submitted, wkCounty)
	it, err := e.App.Catalog.GetVersion(context.Background(), wkFood, workGetCase(t, e, serial).ItemVersion)
	if err != nil {
		t.Fatal(err)
	}
	c := login(t, e, "county.window", apptest.DemoPassword)
	p := workOK(t, c, "/work/cases/"+serial)
	v := formValues(t, p.Body, "/work/cases/"+serial+"/actions/notify-supplement")
	v.Add("mat", "0")
	v.Set("note0", "未由法定代表人签字")
	v.Add("mat", "2")
	v.Set("lines", "经营场所平面图未标明面积\n\n食品安全管理制度缺少进货查验制度")
	p = c.post("/work/cases/"+serial+"/actions/notify-supplement", v, false)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("notify = %d\n%s", p.Status, problems(p.Body))
	}
	k := workGetCase(t, e, serial)
	if k.Status != casework.SupplementRequired {
		t.Fatalf("status %s", k.Status)
	}
	n := k.Notices[len(k.Notices)-1]
	want := []string{"《" + it.Materials[0].Name + "》：未由法定代表人签字", "《" + it.Materials[2].Name + "》：缺少或不符合要求，请补正",
		"经营场所平面图未标明面积", "食品安全管理制度缺少进货查验制度"}
	if n.Kind != casework.NoticeOneTime || strings.Join(n.Content.Items, "|") != strings.Join(want, "|") {
		t.Fatalf("one-time notice items = %q, want %q", n.Content.Items, want)
	}
	mustContain(t, "after notice", c.follow(p).Body, "打印一次性告知书")
}

// 不予受理 without its legal basis is refused beside the field, keeps what
// was typed, and changes nothing.
func TestWorkRejectNeedsBasis(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	serial := workDemoCase(t, e, wkFood, casework.Submitted, wkCounty)
	before := workGetCase(t, e, serial)
	c := login(t, e, "county.window", apptest.DemoPassword)
	v := formValues(t, workOK(t, c, "/work/cases/"+serial).Body, "/work/cases/"+serial+"/actions/reject")
	v.Set("opinion", "申请人不具备食品经营主体资格")
	p := c.post("/work/cases/"+serial+"/actions/reject", v, false)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("reject without basis = %d, want 422", p.Status)
	}
	mustContain(t, "refused reject", p.Body, "不予受理的法律依据", `id="wa-reject-basis-err"`, ">申请人不具备食品经营主体资格</textarea>", "<details class=\"wk-act\" open><summary>不予受理")
	after := workGetCase(t, e, serial)
	if after.Status != casework.Submitted || after.Version != before.Version || len(after.Notices) != len(before.Notices) {
		t.Fatalf("a refused reject changed the case: %s v%d", after.Status, after.Version)
	}
}

// The reviewer's inbox is ordered by deadline, the tightest first, cases
// due the same day by serial, and an overdue case says 已超期 in words as
// well as in red.
func TestWorkReviewerInbox(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		earlier := workDemoCase(t, e, wkFood, casework.Accepted, wkCounty)
		later := workDemoCase(t, e, wkFood, casework.Submitted, wkCounty)
		// The demo case was accepted yesterday. Accepted today, the other
		// would be due the same day whenever today follows a day off (both
		// count from the next working day); accepted on the next working
		// day, it is due a working day later on any day the test runs.
		next, err := e.App.Calendar.AddWorkdays(ctx, workGetCase(t, e, later).OrgPath, e.App.Now(), 1)
		if err != nil {
			t.Fatal(err)
		}
		e.Clock.Set(next.Add(10 * time.Hour))
		twin := workWalkIn(t, e, wkFood, wkCounty)
		win, _ := e.App.Users.ByUsername(ctx, "county.window")
		for _, serial := range []string{twin, later} { // the twin first: the order below is not the order of acceptance
			k := workGetCase(t, e, serial)
			if _, err := e.App.Cases.Act(ctx, win.Actor(), serial, casework.ActAccept, casework.ActionInput{Version: k.Version}); err != nil {
				t.Fatal(err)
			}
		}
		if a, b, c := workGetCase(t, e, earlier).Deadline, workGetCase(t, e, later).Deadline, workGetCase(t, e, twin).Deadline; a >= b || b != c || later >= twin {
			t.Fatalf("scenario: deadlines %s %s %s, serials %s %s", a, b, c, later, twin)
		}
		p := workOK(t, login(t, e, "county.reviewer", apptest.DemoPassword), "/work")
		i, j, k := strings.Index(p.Body, `href="/work/cases/`+earlier+`"`), strings.Index(p.Body, `href="/work/cases/`+later+`"`),
			strings.Index(p.Body, `href="/work/cases/`+twin+`"`)
		if i < 0 || j < 0 || i > j {
			t.Fatalf("inbox order: %s at %d, %s at %d (want the earlier deadline first)", earlier, i, later, j)
		}
		if k < 0 || j > k {
			t.Fatalf("inbox order: %s at %d, %s at %d (same deadline: want the smaller serial first)", later, j, twin, k)
		}
		mustContain(t, "inbox", p.Body, "待审查 · 决定", "due due-ok", "剩余")

		// The wkTobacco office's reviewer: the overdue demo case.
		active := true
		if _, err := e.App.Users.CreateStaff(ctx, zwfw.System, account.UserInput{Username: "yancao.reviewer", Password: "Demo@2026x",
			Name: "陈烟", Phone: "13800000000", Roles: []string{zwfw.RoleReviewer}, OrgCode: "610923D13", Post: "专卖股", Active: &active}); err != nil {
			t.Fatal(err)
		}
		late := workDemoCase(t, e, wkTobacco, casework.Accepted, wkCounty)
		p = workOK(t, login(t, e, "yancao.reviewer", "Demo@2026x"), "/work")
		row := workRow(t, p.Body, late)
		mustContain(t, "overdue row", row, `class="wk-late"`, "due due-late", "已超期")

		// The supervisor sees it among the overdue cases and the extension
		// waiting for approval.
		p = workOK(t, login(t, e, "county.supervisor", apptest.DemoPassword), "/work")
		mustContain(t, "supervisor", p.Body, "超期办件", "延期待审批", "已超期", late)
	})
}

// workWalkIn files a case for item at centre at the county window, every
// required material handed in on paper, and returns its serial.
func workWalkIn(t testing.TB, e *apptest.Env, item, centre string) string {
	t.Helper()
	ctx := context.Background()
	it, err := e.App.Catalog.Get(ctx, item)
	if err != nil {
		t.Fatal(err)
	}
	in := casework.ApplyInput{ItemCode: item, OrgCode: centre, Form: casework.Form{Description: "申请办理"},
		Applicant: &casework.ApplicantInput{Name: "陈家明", IDNumber: "610923198503120025", Phone: "13991568899"}}
	for _, m := range it.Materials {
		if m.Required == "required" {
			in.Materials = append(in.Materials, casework.MaterialInput{Name: m.Name, HandedIn: "window"})
		}
	}
	win, err := e.App.Users.ByUsername(ctx, "county.window")
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.App.Cases.Apply(ctx, win.Actor(), in)
	if err != nil {
		t.Fatalf("walk-in %s at %s: %v", item, centre, err)
	}
	return c.Serial
}

// workRow is the table row of serial in a list.
func workRow(t testing.TB, body, serial string) string {
	t.Helper()
	i := strings.Index(body, `href="/work/cases/`+serial+`"`)
	if i < 0 {
		t.Fatalf("%s is not listed", serial)
	}
	start := strings.LastIndex(body[:i], "<tr")
	end := strings.Index(body[i:], "</tr>")
	return body[start : i+end]
}

// A form from a page that has gone stale is refused with the conflict
// message and the current state, and changes nothing.
func TestWorkStaleVersion(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		serial := workDemoCase(t, e, wkFood, casework.Accepted, wkCounty)
		c := login(t, e, "county.reviewer", apptest.DemoPassword)
		v := formValues(t, workOK(t, c, "/work/cases/"+serial).Body, "/work/cases/"+serial+"/actions/review")
		// Meanwhile a colleague reviews it.
		u, _ := e.App.Users.ByUsername(ctx, "county.reviewer")
		k, err := e.App.Cases.Act(ctx, u.Actor(), serial, casework.ActReview, casework.ActionInput{Version: workGetCase(t, e, serial).Version, Opinion: "同事已审查"})
		if err != nil {
			t.Fatal(err)
		}
		v.Set("opinion", "我的审查意见")
		p := c.post("/work/cases/"+serial+"/actions/review", v, false)
		if p.Status != http.StatusConflict {
			t.Fatalf("stale review = %d, want 409", p.Status)
		}
		mustContain(t, "stale", p.Body, wkStale, "同事已审查", k.StatusName)
		after := workGetCase(t, e, serial)
		if after.Version != k.Version || len(after.Steps) != len(k.Steps) {
			t.Fatalf("the stale form changed the case: v%d → v%d", k.Version, after.Version)
		}
	})
}

// 收缴分离: the window is not offered 确认收款 and a forged post is refused;
// the cashier confirms with the bank reference.
func TestWorkPaymentSeparation(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		serial := workDemoCase(t, e, wkIDCard, casework.AwaitingPayment, wkCounty)
		before := workGetCase(t, e, serial)
		win := login(t, e, "county.window", apptest.DemoPassword)
		p := workOK(t, win, "/work/cases/"+serial)
		if strings.Contains(p.Body, "确认收款") || strings.Contains(p.Body, "/actions/confirm-payment") {
			t.Error("the window is offered 确认收款")
		}
		forged := url.Values{"version": {strconv.Itoa(before.Version)}, "reference": {"ICBC000123"}}
		p = win.post("/work/cases/"+serial+"/actions/confirm-payment", forged, true)
		if p.Status != http.StatusForbidden {
			t.Fatalf("forged confirm-payment by the window = %d, want 403", p.Status)
		}
		if k := workGetCase(t, e, serial); k.Status != casework.AwaitingPayment || k.Paid {
			t.Fatal("the forged post changed the case")
		}

		cash := login(t, e, "county.cashier", apptest.DemoPassword)
		mustContain(t, "cashier list", workOK(t, cash, "/work").Body, "待缴费", serial)
		p = workOK(t, cash, "/work/cases/"+serial)
		mustContain(t, "cashier case", p.Body, "确认收款", "20.00 元")
		v := formValues(t, p.Body, "/work/cases/"+serial+"/actions/confirm-payment")
		v.Set("reference", "ICBC6109239999")
		p = cash.post("/work/cases/"+serial+"/actions/confirm-payment", v, false)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("cashier confirm = %d\n%s", p.Status, problems(p.Body))
		}
		k := workGetCase(t, e, serial)
		if k.Status != casework.Approved || !k.Paid || k.Payment.Reference != "ICBC6109239999" {
			t.Fatalf("after payment: %s paid=%v", k.Status, k.Paid)
		}
		mustContain(t, "after payment", cash.follow(p).Body, "打印缴费凭证")
	})
}

// A walk-in application: a bad ID number is refused with the specific
// reason and what was typed kept; then 提交并受理 files the case, with a
// scanned material, and accepts it at once; 仅登记 files only; 当场办结 then
// settles the 即办件 in one go; the applicant rates it on the pad.
func TestWorkWalkInAndInstant(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		c := login(t, e, "county.window", apptest.DemoPassword)
		p := workOK(t, c, "/work/new?q="+url.QueryEscape("食品经营"))
		mustContain(t, "item search", p.Body, `href="/work/new?item=`+wkFood+`"`)
		p = workOK(t, c, "/work/new?item="+wkFood)
		v := formValues(t, p.Body, "/work/new")
		if v.Get("org") != wkCounty || v.Get("m0") != "window" {
			t.Fatalf("the form does not default to the clerk's centre and 已收取: org %q m0 %q", v.Get("org"), v.Get("m0"))
		}
		v.Set("name", "宁陕县好味道小吃店")
		v.Set("ident", "610923198503120026") // wrong check digit
		v.Set("phone", "13991560000")
		v.Set("then", "accept")
		v.Set("csrf_token", c.csrf())
		p = c.postMultipart("/work/new", v)
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad ID = %d, want 422", p.Status)
		}
		mustContain(t, "bad ID", p.Body, "居民身份证号校验码不正确", `id="wn-ident-err"`, `value="宁陕县好味道小吃店"`)

		v.Set("ident", "610923198503120025")
		v.Set("m1", "upload")
		pdf := []byte("%PDF-1.4\n% scan\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
		p = c.postMultipart("/work/new", v, upload{"f1", "营业执照扫描件.pdf", pdf})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("file and accept = %d\n%s", p.Status, problems(p.Body))
		}
		serial := strings.TrimPrefix(strings.Split(p.Header.Get("Location"), "?")[0], "/work/cases/")
		k := workGetCase(t, e, serial)
		if k.Status != casework.Accepted || k.Channel != casework.ChannelWindow || k.Notices[0].Kind != casework.NoticeAcceptance {
			t.Fatalf("walk-in case: %s %s", k.Status, k.Channel)
		}
		var scan *casework.Material
		for i := range k.Materials {
			if k.Materials[i].FileID != 0 {
				scan = &k.Materials[i]
			}
		}
		if scan == nil || scan.FileName != "营业执照扫描件.pdf" {
			t.Fatalf("the scan was not filed: %+v", k.Materials)
		}
		p = c.follow(p)
		mustContain(t, "after walk-in", p.Body, "已登记并受理", "打印受理通知书", "/files/"+strconv.FormatInt(scan.FileID, 10))
		dl := c.get("/work/cases/" + serial + "/files/" + strconv.FormatInt(scan.FileID, 10))
		if dl.Status != 200 || !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") ||
			dl.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(dl.Header.Get("Content-Security-Policy"), "sandbox") ||
			dl.Body != string(pdf) {
			t.Fatalf("download: %d %q %q", dl.Status, dl.Header.Get("Content-Disposition"), dl.Header.Get("Content-Security-Policy"))
		}

		// A 即办件, registered only, then settled in one go.
		v = formValues(t, workOK(t, c, "/work/new?item="+wkSoleTrader).Body, "/work/new")
		v.Set("name", "张德厚")
		v.Set("ident", "61092319551123001X")
		v.Set("phone", "15929153321")
		v.Set("then", "register")
		v.Set("csrf_token", c.csrf())
		p = c.postMultipart("/work/new", v)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("register = %d\n%s", p.Status, problems(p.Body))
		}
		serial = strings.TrimPrefix(p.Header.Get("Location"), "/work/cases/")
		if k := workGetCase(t, e, serial); k.Status != casework.Submitted {
			t.Fatalf("仅登记 left the case %s", k.Status)
		}
		p = workOK(t, c, "/work/cases/"+serial)
		v = formValues(t, p.Body, "/work/cases/"+serial+"/instant")
		// A mistyped validity stops 当场办结 at its last step, and nothing
		// of it is done: the case is still waiting for acceptance.
		v.Set("valid_to", "2031-13-45")
		if p = c.post("/work/cases/"+serial+"/instant", v, false); p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("当场办结 with a bad validity = %d", p.Status)
		}
		mustContain(t, "instant refused", p.Body, "办件未作任何改动", "“办结”一步", "有效期应为")
		if k := workGetCase(t, e, serial); k.Status != casework.Submitted || len(k.Notices) != 0 {
			t.Fatalf("a refused 当场办结 left the case %s with %d notices", k.Status, len(k.Notices))
		}
		v.Set("valid_to", "")
		v.Set("number", "92610923MA0TEST01X")
		p = c.post("/work/cases/"+serial+"/instant", v, false)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("当场办结 = %d\n%s", p.Status, problems(p.Body))
		}
		k = workGetCase(t, e, serial)
		if k.Status != casework.Completed || k.Result == nil || k.Result.Number != "92610923MA0TEST01X" {
			t.Fatalf("当场办结 left the case %s", k.Status)
		}
		var names []string
		for _, st := range k.Steps {
			names = append(names, st.Action)
		}
		if got := strings.Join(names, ","); !strings.Contains(got, "accept,approve,complete") {
			t.Fatalf("steps %s", got)
		}
		p = c.follow(p)
		mustContain(t, "after instant", p.Body, "已当场办结", "打印办结通知书", "请申请人评价（评价器）")

		// The evaluation pad.
		p = workOK(t, c, "/work/cases/"+serial+"/evaluate")
		mustContain(t, "pad", p.Body, "非常满意", "非常不满意", `name="level" value="5"`)
		v = formValues(t, p.Body, "/work/cases/"+serial+"/evaluate")
		v.Set("level", "4")
		if p = c.post("/work/cases/"+serial+"/evaluate", v, false); p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("不满意 without a reason = %d, want 422", p.Status)
		}
		mustContain(t, "pad refused", p.Body, "差评请写明不满意的原因")
		v.Set("level", "1")
		if p = c.post("/work/cases/"+serial+"/evaluate", v, false); p.Status != http.StatusSeeOther {
			t.Fatalf("evaluate = %d\n%s", p.Status, problems(p.Body))
		}
		mustContain(t, "pad done", c.follow(p).Body, "感谢您的评价")
		if k := workGetCase(t, e, serial); len(k.Evaluations) != 1 || k.Evaluations[0].Channel != "pad" || k.Evaluations[0].Level != 1 {
			t.Fatalf("evaluations %+v", k.Evaluations)
		}
		_ = ctx
	})
}

// Scope: a town window cannot open a county case, nor its files; an
// applicant cannot open the workbench.
func TestWorkScope(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	county := workDemoCase(t, e, wkFood, casework.Submitted, wkCounty)
	k := workGetCase(t, e, county)
	town := login(t, e, "chengguan.window", apptest.DemoPassword)
	if p := town.get("/work/cases/" + county); p.Status != http.StatusNotFound {
		t.Fatalf("town window opens a county case: %d", p.Status)
	}
	for _, m := range k.Materials {
		if m.FileID != 0 {
			if p := town.get("/work/cases/" + county + "/files/" + strconv.FormatInt(m.FileID, 10)); p.Status != http.StatusNotFound {
				t.Fatalf("town window downloads a county file: %d", p.Status)
			}
		}
	}
	v := url.Values{"version": {strconv.Itoa(k.Version)}}
	if p := town.post("/work/cases/"+county+"/actions/accept", v, true); p.Status != http.StatusNotFound {
		t.Fatalf("town window accepts a county case: %d", p.Status)
	}
	if workGetCase(t, e, county).Version != k.Version {
		t.Fatal("the refused accept changed the case")
	}
	applicant := login(t, e, "resident.wang", apptest.DemoPassword)
	if p := applicant.get("/work"); p.Status != http.StatusForbidden {
		t.Fatalf("an applicant opens /work: %d", p.Status)
	}
}

var workAssetRE = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)

// Every workbench page, with its stylesheets, script and icon, stays under
// 150 KB; every control has a label; ids are unique.
func TestWorkPagesSmallAndLabelled(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	submitted := workDemoCase(t, e, wkFood, casework.Submitted, wkCounty)
	paying := workDemoCase(t, e, wkIDCard, casework.AwaitingPayment, wkCounty)
	joint := workDemoCase(t, e, "050200400000", casework.InProgress, wkCounty)
	suspended := workDemoCase(t, e, "010200600000", casework.Suspended, wkCounty)
	done := workDemoCase(t, e, wkSoleTrader, casework.Completed, wkCounty)
	pages := []struct{ user, path string }{
		{"county.window", "/work"}, {"county.window", "/work?view=all"}, {"county.window", "/work/cases/" + submitted},
		{"county.window", "/work/new"}, {"county.window", "/work/new?item=" + wkFood}, {"county.window", "/work/new?item=070500400000"},
		{"county.window", "/work/cases/" + done + "/evaluate"}, {"county.window", "/work/cases/" + done},
		{"county.reviewer", "/work"}, {"minzheng.reviewer", "/work"}, {"minzheng.reviewer", "/work/cases/" + joint},
		{"minzheng.reviewer", "/work/cases/" + suspended}, {"canlian.reviewer", "/work/cases/" + joint},
		{"county.cashier", "/work/cases/" + paying}, {"county.supervisor", "/work"}, {"county.supervisor", "/work/cases/" + suspended},
		{"county.supervisor", "/work?view=all&status=accepted"}, {"county.window", "/work?org=nope&kind=bad&status=bad"},
	}
	clients := map[string]*client{}
	for _, pg := range pages {
		c := clients[pg.user]
		if c == nil {
			c = login(t, e, pg.user, apptest.DemoPassword)
			clients[pg.user] = c
		}
		p := c.get(pg.path)
		if p.Status != 200 {
			t.Errorf("%s %s = %d", pg.user, pg.path, p.Status)
			continue
		}
		size := len(p.Body)
		for _, m := range workAssetRE.FindAllStringSubmatch(p.Body, -1) {
			size += len(c.get(m[1]).Body)
		}
		if size > wkPageLimit {
			t.Errorf("%s: %d bytes with assets, over %d", pg.path, size, wkPageLimit)
		}
		t.Logf("%-60s %6d bytes page, %6d with assets", pg.path, len(p.Body), size)
		checkLabels(t, pg.path, p.Body)
		workChoices(t, pg.path, p.Body)
	}
}

var fieldsetRE = regexp.MustCompile(`(?s)<fieldset[^>]*>.*?</fieldset>`)

// workChoices: radio buttons and check boxes of one question sit in a
// .checks group, which spaces them; bare inline labels touch and read as
// one ("窗口领取◉邮寄").
func workChoices(t *testing.T, path, body string) {
	t.Helper()
	for _, fs := range fieldsetRE.FindAllString(body, -1) {
		if strings.Count(fs, `class="check"`) > 1 && !strings.Contains(fs, `class="checks"`) && !strings.Contains(fs, `class="how"`) &&
			!strings.Contains(fs, `class="wk-tick"`) {
			t.Errorf("%s: choices run together, not in a .checks group: %.200s", path, fs)
		}
	}
}

// The workbench templates carry no inline script or style: the Content-
// Security-Policy forbids them.
func TestWorkTemplatesNoInline(t *testing.T) {
	files, err := filepath.Glob("templates/work_*.html")
	if err != nil || len(files) < 4 {
		t.Fatalf("work templates: %v %v", files, err)
	}
	bad := regexp.MustCompile(`(?i)<script|<style|\sstyle=|\son[a-z]+=|javascript:`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := bad.Find(b); m != nil {
			t.Errorf("%s: inline %q", f, m)
		}
	}
}

// fileWalkIn files and accepts a walk-in case of item through /work/new.
func fileWalkIn(t *testing.T, e *apptest.Env, c *client, item string) string {
	t.Helper()
	v := formValues(t, workOK(t, c, "/work/new?item="+item).Body, "/work/new")
	v.Set("name", "刘桂芳")
	v.Set("ident", "61092319620708004X")
	v.Set("phone", "13891527766")
	v.Set("then", "accept")
	v.Set("csrf_token", c.csrf())
	p := c.postMultipart("/work/new", v)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("walk-in %s = %d\n%s", item, p.Status, problems(p.Body))
	}
	serial := strings.TrimPrefix(strings.Split(p.Header.Get("Location"), "?")[0], "/work/cases/")
	if k := workGetCase(t, e, serial); k.Status != casework.Accepted {
		t.Fatalf("walk-in %s is %s", serial, k.Status)
	}
	return serial
}

// post submits the form with action on the page at path after set fills
// it, and wants status.
func postForm(t *testing.T, c *client, path, action string, want int, set func(url.Values)) page {
	t.Helper()
	v := formValues(t, workOK(t, c, path).Body, action)
	if set != nil {
		set(v)
	}
	p := c.post(action, v, false)
	if p.Status != want {
		t.Fatalf("POST %s = %d, want %d\n%s", action, p.Status, want, problems(p.Body))
	}
	return p
}

// A 联办件 end to end on the pages: the co-department finds it in its
// queue and gives its opinion; the lead department decides once everyone
// has spoken; the window completes and delivers by post (the tracking
// number required). The supervisor approves a pending extension.
func TestWorkJointCaseAndExtension(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		win := login(t, e, "county.window", apptest.DemoPassword)
		serial := fileWalkIn(t, e, win, "201400100000") // 残疾人证办理: 残联 leads, 卫健 joins
		path := "/work/cases/" + serial

		lead := login(t, e, "canlian.reviewer", apptest.DemoPassword)
		mustContain(t, "lead waits", workOK(t, lead, path).Body, "尚未提出意见")

		co := login(t, e, "weijian.reviewer", apptest.DemoPassword)
		home := workOK(t, co, "/work").Body
		i := strings.Index(home, `id="q-joint"`)
		if i < 0 || !strings.Contains(home[i:], serial) {
			t.Fatal("the co-department's joint queue does not list the case")
		}
		p := workOK(t, co, path)
		mustContain(t, "co-department", p.Body, "联办意见（", "不同意")
		if strings.Contains(p.Body, "/actions/approve\"") || strings.Contains(p.Body, "/actions/suspend\"") {
			t.Error("the co-department is offered the lead's decision or the clock")
		}
		postForm(t, co, path, path+"/actions/task-approve", http.StatusSeeOther, func(v url.Values) { v.Set("opinion", "经评定，肢体残疾三级") })
		for _, tk := range workGetCase(t, e, serial).Tasks {
			if !tk.Lead && tk.State != "approved" {
				t.Fatalf("task %s is %s", tk.DeptName, tk.State)
			}
		}

		if strings.Contains(workOK(t, lead, path).Body, "尚未提出意见") {
			t.Error("the lead still waits after every co-department spoke")
		}
		postForm(t, lead, path, path+"/actions/approve", http.StatusSeeOther, func(v url.Values) { v.Set("opinion", "符合条件，准予办理残疾人证") })
		postForm(t, win, path, path+"/actions/complete", http.StatusSeeOther, nil)
		p = postForm(t, win, path, path+"/actions/deliver", http.StatusUnprocessableEntity, func(v url.Values) { v.Set("method", "post") })
		mustContain(t, "deliver without tracking", p.Body, "快递单号", `id="wa-deliver-tracking-err"`)
		postForm(t, win, path, path+"/actions/deliver", http.StatusSeeOther, func(v url.Values) {
			v.Set("method", "post")
			v.Set("tracking", "EMS9876543210")
			v.Set("address", "宁陕县城关镇西街3号")
		})
		if k := workGetCase(t, e, serial); k.Status != casework.Delivered || k.Delivery.Tracking != "EMS9876543210" {
			t.Fatalf("after delivery: %s", k.Status)
		}

		// An upward case forwarded by the town is decided by the county
		// department, which finds it in its inbox.
		up := workDemoCase(t, e, "050200100000", casework.InProgress, wkTown)
		mz := login(t, e, "minzheng.reviewer", apptest.DemoPassword)
		mustContain(t, "upward inbox", workOK(t, mz, "/work").Body, up)
		postForm(t, mz, "/work/cases/"+up, "/work/cases/"+up+"/actions/approve", http.StatusSeeOther, func(v url.Values) { v.Set("opinion", "经审核符合低保条件") })
		if k := workGetCase(t, e, up); k.Status != casework.Approved {
			t.Fatalf("upward case after the county's approval: %s", k.Status)
		}

		// The applicant brings the missing paper to the window.
		sup := workDemoCase(t, e, "010100300000", casework.SupplementRequired, wkCounty)
		postForm(t, win, "/work/cases/"+sup, "/work/cases/"+sup+"/actions/supplement", http.StatusSeeOther, func(v url.Values) { v.Add("mat", "0") })
		if k := workGetCase(t, e, sup); k.Status != casework.Submitted {
			t.Fatalf("after the window's supplement: %s", k.Status)
		}

		// The supervisor approves the pending extension of the demo case.
		susp := workDemoCase(t, e, "010200600000", casework.Suspended, wkCounty)
		before := workGetCase(t, e, susp)
		super := login(t, e, "county.supervisor", apptest.DemoPassword)
		if strings.Contains(workOK(t, win, "/work/cases/"+susp).Body, "/actions/approve-extension") {
			t.Error("the window is offered 批准延期")
		}
		postForm(t, super, "/work/cases/"+susp, "/work/cases/"+susp+"/actions/approve-extension", http.StatusSeeOther, nil)
		after := workGetCase(t, e, susp)
		if after.ExtendedDays != before.ExtendedDays+5 || after.Deadline <= before.Deadline {
			t.Fatalf("extension: %d days, deadline %s → %s", after.ExtendedDays, before.Deadline, after.Deadline)
		}
	})
}

// The case page masks the applicant's ID number; the full number is shown
// once to a clerk who gives a reason, and the access is in the audit log.
func TestWorkRevealIdentIsAudited(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	list, _, err := e.App.Cases.List(context.Background(), zwfw.System, casework.Query{Org: wkCounty})
	if err != nil {
		t.Fatal(err)
	}
	serial, full := "", ""
	for _, s := range list {
		if k := workGetCase(t, e, s.Serial); k.Applicant.Kind == zwfw.KindPerson {
			serial, full = k.Serial, k.Applicant.Ident
			break
		}
	}
	if serial == "" {
		t.Fatal("no demo case of a resident at the county centre")
	}
	c := login(t, e, "county.window", apptest.DemoPassword)
	p := workOK(t, c, "/work/cases/"+serial)
	if strings.Contains(p.Body, full) {
		t.Fatal("the case page shows the full ID number")
	}
	mustContain(t, "case page", p.Body, "查看完整号码", "查看事由")
	v := formValues(t, p.Body, "/work/cases/"+serial+"/ident")
	// No reason: refused, nothing shown.
	p = c.post("/work/cases/"+serial+"/ident", v, false)
	if p.Status != http.StatusUnprocessableEntity || strings.Contains(p.Body, full) {
		t.Fatalf("without a reason = %d", p.Status)
	}
	v.Set("reason", "核验身份证原件")
	p = c.post("/work/cases/"+serial+"/ident", v, false)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, full) {
		t.Fatalf("with a reason = %d\n%s", p.Status, problems(p.Body))
	}
	mustContain(t, "revealed", p.Body, "查看已记入审计日志")
	trail, err := e.App.Cases.Trail(context.Background(), zwfw.System, serial, 10, 0)
	if err != nil || len(trail) == 0 || trail[0].Action != "case.reveal_ident" || !strings.Contains(string(trail[0].Detail), "核验身份证原件") {
		t.Fatalf("trail: %v %+v", err, trail)
	}
	// Another town's clerk cannot.
	other := login(t, e, "chengguan.window", apptest.DemoPassword)
	if p := other.post("/work/cases/"+serial+"/ident", url.Values{"reason": {"x"}, "csrf": {v.Get("csrf")}}, false); p.Status == http.StatusOK {
		t.Fatal("a clerk outside the scope saw the number")
	}
	// Roles that never need the number (catalog, cashier, administrator)
	// are neither offered the form nor given the number.
	for _, who := range []string{"county.catalog", "county.cashier", "county.admin"} {
		c := login(t, e, who, apptest.DemoPassword)
		p := c.get("/work/cases/" + serial)
		if strings.Contains(p.Body, "查看完整号码") {
			t.Errorf("%s is offered the full number", who)
		}
		if p := c.post("/work/cases/"+serial+"/ident", url.Values{"reason": {"核验身份证原件"}}, true); p.Status != http.StatusForbidden || strings.Contains(p.Body, full) {
			t.Errorf("%s revealing the number = %d", who, p.Status)
		}
	}
}
