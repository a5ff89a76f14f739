package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/api"
	"zwfw/internal/app/apptest"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/httpauth"
	"zwfw/internal/notify"
	"zwfw/internal/services"
)

// clock is the settable clock of a test instance. Cases are filed on
// Monday 2026-09-28, just before National Day.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

const startDay = "2026-09-28"

func newClock() *clock {
	c := &clock{}
	c.reset()
	return c
}

func (c *clock) reset() {
	d, err := calendar.ParseDate(startDay)
	if err != nil {
		panic(err)
	}
	c.mu.Lock()
	c.t = d.Add(9*time.Hour + 30*time.Minute)
	c.mu.Unlock()
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// caseEnv is one seeded instance shared by the subtests of a database:
// starting one per subtest would seed the county and its demo cases again
// and again.
type caseEnv struct {
	e      *apptest.Env
	clk    *clock
	tokens map[string]string
}

// as is a client signed in as username, signing in once per instance.
func (ce *caseEnv) as(t *testing.T, username string) *client {
	t.Helper()
	if tok, ok := ce.tokens[username]; ok {
		return &client{t: t, base: ce.e.URL + "/api/v1", token: tok}
	}
	c := demo(t, ce.e, username)
	ce.tokens[username] = c.token
	return c
}

// server starts the same API on the same instance with changed services (a
// small upload limit, a payment secret), behind the same authentication.
func (ce *caseEnv) server(t *testing.T, edit func(*services.Services)) string {
	t.Helper()
	a := ce.e.App
	d := a.Services()
	edit(&d)
	srv := httptest.NewServer(httpauth.Middleware(a.Users, httpauth.Options{})(api.New(d)))
	t.Cleanup(srv.Close)
	return srv.URL + "/api/v1"
}

// TestCaseHandling walks cases through the API on each database, on one
// instance per database.
func TestCaseHandling(t *testing.T) {
	clk := newClock()
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		// The next database's instance starts from the same day.
		t.Cleanup(clk.reset)
		ce := &caseEnv{e: e, clk: clk, tokens: map[string]string{}}
		t.Run("承诺件 online to the archive", func(t *testing.T) { testPromised(t, ce) })
		t.Run("即办件 online with an upload", func(t *testing.T) { testImmediate(t, ce) })
		t.Run("联办件", func(t *testing.T) { testJoint(t, ce) })
		t.Run("上报件", func(t *testing.T) { testUpward(t, ce) })
		t.Run("fees and 收缴分离", func(t *testing.T) { testFees(t, ce) })
		t.Run("payment callback", func(t *testing.T) { testPaymentCallback(t, ce) })
		t.Run("illegal transitions change nothing", func(t *testing.T) { testIllegal(t, ce) })
		t.Run("一次性告知 once", func(t *testing.T) { testOneTimeOnce(t, ce) })
		t.Run("当场办结 and 提交并受理 in one call", func(t *testing.T) { testComposite(t, ce) })
		t.Run("concurrent accept", func(t *testing.T) { testConcurrent(t, ce) })
		t.Run("uploads", func(t *testing.T) { testUploads(t, ce) })
		t.Run("scope and privacy", func(t *testing.T) { testPrivacy(t, ce) })
		t.Run("lists", func(t *testing.T) { testLists(t, ce) })
		t.Run("audit trail and full identity", func(t *testing.T) { testAuditTrail(t, ce) })
		t.Run("audit reads scoped", func(t *testing.T) { testAuditScope(t, ce) })
		t.Run("audit administrators alone read the log", func(t *testing.T) { testAuditReaders(t, ce) })
		t.Run("calendar", func(t *testing.T) { testCalendar(t, ce) })
	}, apptest.Options{Now: clk.now})
}

// --- helpers ---------------------------------------------------------------

// walkInApplicant is the walk-in applicant the windows file for.
var walkInApplicant = map[string]string{"name": "陈家明", "id_number": "610923198503120025", "phone": "13991568899"}

const (
	walkInID    = "610923198503120025"
	walkInPhone = "13991568899"
)

func (c *client) caseOf(serial string) casework.Case {
	c.t.Helper()
	res := c.get("/cases/" + serial)
	if res.Status != http.StatusOK {
		c.t.Fatalf("GET case %s: %d %s", serial, res.Status, res.Body)
	}
	conforms(c.t, "Case", res.Body)
	var k casework.Case
	res.decode(&k)
	return k
}

// act posts an action and returns the response.
func (c *client) act(serial, action string, in any) *response {
	c.t.Helper()
	if in == nil {
		return c.do("POST", "/cases/"+serial+"/actions/"+action, "", nil, nil)
	}
	return c.post("/cases/"+serial+"/actions/"+action, in)
}

// mustAct posts an action that must succeed and returns the case.
func (c *client) mustAct(serial, action string, in any) casework.Case {
	c.t.Helper()
	res := c.act(serial, action, in)
	if res.Status != http.StatusOK {
		c.t.Fatalf("%s %s: %d %s", action, serial, res.Status, res.Body)
	}
	conforms(c.t, "Case", res.Body)
	var k casework.Case
	res.decode(&k)
	return k
}

// apply files a case and returns it with its Location.
func (c *client) apply(in map[string]any) (casework.Case, string) {
	c.t.Helper()
	res := c.post("/cases", in)
	if res.Status != http.StatusCreated {
		c.t.Fatalf("apply %v: %d %s", in["item_code"], res.Status, res.Body)
	}
	conforms(c.t, "Case", res.Body)
	var k casework.Case
	res.decode(&k)
	return k, res.Header.Get("Location")
}

// walkIn files a case at a window for the walk-in applicant, every
// required material handed in on paper.
func (ce *caseEnv) walkIn(t *testing.T, clerk, item, centre string) casework.Case {
	t.Helper()
	var mats []map[string]any
	for _, m := range anon(t, ce.e).item(item).Materials {
		if m.Required == "required" {
			mats = append(mats, map[string]any{"name": m.Name, "handed_in": "window"})
		}
	}
	k, _ := ce.as(t, clerk).apply(map[string]any{"item_code": item, "org_code": centre, "applicant": walkInApplicant,
		"form": map[string]any{"description": "申请办理"}, "materials": mats})
	return k
}

// uploadCase uploads a material file and returns its id.
func (c *client) uploadCase(name string, content []byte) int64 {
	c.t.Helper()
	res := c.upload("/files", "file", name, content, nil)
	if res.Status != http.StatusCreated {
		c.t.Fatalf("upload %s: %d %s", name, res.Status, res.Body)
	}
	conforms(c.t, "File", res.Body)
	var f struct {
		ID      int64
		Purpose string
	}
	res.decode(&f)
	if f.ID == 0 || f.Purpose != "case" {
		c.t.Fatalf("uploaded %s", res.Body)
	}
	return f.ID
}

func noticeOf(k casework.Case, kind string) *casework.Notice {
	for i := range k.Notices {
		if k.Notices[i].Kind == kind {
			return &k.Notices[i]
		}
	}
	return nil
}

func stepOf(k casework.Case, action string) *casework.Step {
	for i := range k.Steps {
		if k.Steps[i].Action == action {
			return &k.Steps[i]
		}
	}
	return nil
}

// stepsRecorded checks every closed step of a case names who did it and
// when, and the one open step (if any) who answers for it.
func stepsRecorded(t *testing.T, k casework.Case) {
	t.Helper()
	open := 0
	for _, st := range k.Steps {
		switch {
		case st.State == "open":
			open++
			if st.Person == "" {
				t.Errorf("open step %d %s names nobody", st.Seq, st.Name)
			}
		case st.State != "done" || st.ActorName == "" || st.EndedAt.IsZero():
			t.Errorf("step %d %s: state %s, actor %q, ended %v", st.Seq, st.Name, st.State, st.ActorName, st.EndedAt)
		}
	}
	if open > 1 {
		t.Errorf("%d open steps", open)
	}
}

// --- the four kinds --------------------------------------------------------

func testPromised(t *testing.T, ce *caseEnv) {
	ent := ce.as(t, "enterprise.qinling")
	fileID := ent.uploadCase("食品经营许可申请书.pdf", tinyPDF)
	var mats []map[string]any
	for _, m := range anon(t, ce.e).item("010100100000").Materials {
		switch {
		case m.Name == "食品经营许可申请书":
			mats = append(mats, map[string]any{"name": m.Name, "file_id": fileID})
		case m.Required == "required":
			mats = append(mats, map[string]any{"name": m.Name, "handed_in": "post"})
		}
	}
	k, loc := ent.apply(map[string]any{"item_code": "010100100000", "org_code": "610923C",
		"form":      map[string]any{"description": "新开餐饮门店申请食品经营许可", "address": "宁陕县城关镇长安路12号", "delivery": "post"},
		"materials": mats})
	if loc != "/api/v1/cases/"+k.Serial || !strings.HasPrefix(k.Serial, "610923-20260928-") || k.Status != casework.Submitted ||
		k.Channel != casework.ChannelOnline || k.Kind != "promised" || k.ItemCode != "010100100000" || k.OrgCode != "610923C" || k.Version != 1 {
		t.Fatalf("new case (Location %q): %+v", loc, k)
	}
	// The applicant sees their own data whole; staff handling the case see
	// the phone (to call the applicant) and the credit code of an enterprise.
	if k.Applicant.Name != "宁陕县秦岭人家餐饮有限公司" || k.Applicant.Phone != "13709151234" {
		t.Fatalf("own case shows %+v", k.Applicant)
	}
	win := ce.as(t, "county.window")
	if got := win.caseOf(k.Serial); got.Applicant.Phone != "13709151234" {
		t.Fatalf("window sees phone %q", got.Applicant.Phone)
	}
	// Each reader is told what they may do now: the applicant may withdraw,
	// the window accept, tell once what to supplement, or refuse.
	if got := actionNames(k); got != "withdraw" {
		t.Errorf("the applicant's actions on a submitted case: %s", got)
	}
	if got := actionNames(win.caseOf(k.Serial)); got != "accept notify-supplement reject" {
		t.Errorf("the window's actions on a submitted case: %s", got)
	}

	ce.clk.add(20 * time.Minute)
	k = win.mustAct(k.Serial, "accept", map[string]any{"version": k.Version})
	// Five working days from Monday 9/28: 9/29, 9/30, (National Day), 10/8, 10/9, Saturday 10/10 (make-up day).
	if k.Status != casework.Accepted || k.Deadline != "2026-10-10" || k.Version != 2 {
		t.Fatalf("accepted: %s, deadline %s, version %d", k.Status, k.Deadline, k.Version)
	}
	n := noticeOf(k, casework.NoticeAcceptance)
	if n == nil || n.Number == "" || n.Content.Serial != k.Serial || n.Content.Deadline != "2026-10-10" || n.Content.Centre != "宁陕县政务服务中心" {
		t.Fatalf("acceptance notice: %+v", n)
	}
	if st := stepOf(k, "accept"); st == nil || st.ActorName != "李晓燕" || st.Window == "" || st.DurationS != 20*60 {
		t.Fatalf("acceptance step: %+v", st)
	}
	// The notices, one by one, to the applicant.
	var nl struct {
		Items []casework.Notice
		Total int
	}
	res := ent.get("/cases/" + k.Serial + "/notices")
	conforms(t, "NoticeList", res.Body)
	res.decode(&nl)
	if nl.Total != 1 || nl.Items[0].Number != n.Number {
		t.Fatalf("notices: %+v", nl)
	}
	res = ent.get(fmt.Sprintf("/cases/%s/notices/%d", k.Serial, n.ID))
	if res.Status != http.StatusOK {
		t.Fatalf("GET notice: %d %s", res.Status, res.Body)
	}
	conforms(t, "Notice", res.Body)
	var one casework.Notice
	if res.decode(&one); one.Kind != casework.NoticeAcceptance || one.Content.Serial != k.Serial || one.Number != n.Number {
		t.Fatalf("notice: %+v", one)
	}
	ent.get(fmt.Sprintf("/cases/%s/notices/%d", k.Serial, n.ID+100000)).apiErr(http.StatusNotFound, "not_found")
	ent.get("/cases/"+k.Serial+"/notices/x").apiErr(http.StatusBadRequest, "bad_request")

	// The item names 食品经营许可股审查员 for 审查 and 审批股股长 for 决定: the
	// examiner reviews and is then not offered the decision, which the
	// section chief takes.
	active := true
	if _, err := ce.e.App.Users.CreateStaff(context.Background(), zwfw.System, account.UserInput{Username: "county.examiner",
		Password: apptest.DemoPassword, Name: "张卫东", Phone: "13800000000", Roles: []string{zwfw.RoleReviewer}, OrgCode: "610923D01",
		Post: "食品经营许可股审查员", Active: &active}); err != nil {
		t.Fatal(err)
	}
	exam, rev := ce.as(t, "county.examiner"), ce.as(t, "county.reviewer")
	ce.clk.add(time.Hour)
	k = exam.mustAct(k.Serial, "review", map[string]any{"opinion": "材料齐全，现场核查符合条件"})
	if got := actionNames(k); got != "review suspend request-extension" {
		t.Errorf("the examiner's actions after the review: %s", got)
	}
	exam.act(k.Serial, "approve", map[string]any{"opinion": "准予许可"}).apiErr(http.StatusForbidden, "forbidden")
	if got := actionNames(rev.caseOf(k.Serial)); got != "review suspend request-extension approve deny" {
		t.Errorf("the section chief's actions after the review: %s", got)
	}
	k = rev.mustAct(k.Serial, "approve", map[string]any{"opinion": "准予许可", "version": k.Version})
	if k.Status != casework.Approved || k.Decision != "approved" {
		t.Fatalf("approved: %s %s", k.Status, k.Decision)
	}
	k = win.mustAct(k.Serial, "complete", map[string]any{"result": map[string]any{"number": "JY16109230000123", "valid_to": "2031-09-27"}})
	if k.Status != casework.Completed || k.Result == nil || k.Result.Name != "食品经营许可证" || k.Result.Number != "JY16109230000123" ||
		noticeOf(k, casework.NoticeResult) == nil {
		t.Fatalf("completed: %s %+v", k.Status, k.Result)
	}
	k = win.mustAct(k.Serial, "deliver", map[string]any{"delivery": map[string]any{"method": "post", "tracking": "SF1234567890"}})
	if k.Status != casework.Delivered || k.Delivery == nil || k.Delivery.Tracking != "SF1234567890" {
		t.Fatalf("delivered: %s %+v", k.Status, k.Delivery)
	}
	k = win.mustAct(k.Serial, "archive", nil)
	if k.Status != casework.Archived {
		t.Fatalf("archived: %s", k.Status)
	}
	win.act(k.Serial, "deliver", map[string]any{"delivery": map[string]any{"method": "onsite"}}).apiErr(http.StatusConflict, "conflict")
	// Filed online, rated online by the applicant.
	k = ent.mustAct(k.Serial, "evaluate", map[string]any{"level": 1, "comment": "网上申请很方便"})
	if len(k.Evaluations) != 1 || k.Evaluations[0].LevelName != "非常满意" || k.Evaluations[0].Channel != "pc" {
		t.Fatalf("evaluation: %+v", k.Evaluations)
	}
	stepsRecorded(t, k)
	if st := k.Steps[len(k.Steps)-1]; st.State != "done" {
		t.Errorf("an archived case has an open step: %+v", st)
	}
	for action, who := range map[string]string{"accept": "李晓燕", "review": "张卫东", "approve": "周建国", "complete": "李晓燕",
		"deliver": "李晓燕", "archive": "李晓燕", "evaluate": "宁陕县秦岭人家餐饮有限公司"} {
		if st := stepOf(k, action); st == nil || st.ActorName != who {
			t.Errorf("%s step: %+v, want by %s", action, st, who)
		}
	}
	if st := stepOf(k, "deliver"); st == nil || !strings.Contains(st.Opinion, "SF1234567890") {
		t.Errorf("delivery step does not name the tracking number: %+v", st)
	}

	// The uploaded material is downloadable by those who see the case.
	for _, who := range []string{"enterprise.qinling", "county.reviewer"} {
		res := ce.as(t, who).get(fmt.Sprintf("/cases/%s/files/%d", k.Serial, fileID))
		cd := res.Header.Get("Content-Disposition")
		if res.Status != http.StatusOK || !bytes.Equal(res.Body, tinyPDF) || res.Header.Get("Content-Type") != "application/pdf" ||
			res.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") ||
			!strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=UTF-8''%E9%A3%9F") ||
			!strings.Contains(cd, fmt.Sprintf(`filename="%s-%d.pdf"`, k.Serial, fileID)) {
			t.Fatalf("download by %s: %d %q %q %s", who, res.Status, res.Header.Get("Content-Type"), cd, res.Header.Get("Content-Security-Policy"))
		}
	}
	ce.as(t, "resident.wang").get(fmt.Sprintf("/cases/%s/files/%d", k.Serial, fileID)).apiErr(http.StatusNotFound, "not_found")
	ent.get(fmt.Sprintf("/cases/%s/files/%d", k.Serial, fileID+1000)).apiErr(http.StatusNotFound, "not_found")
}

func testImmediate(t *testing.T, ce *caseEnv) {
	wang := ce.as(t, "resident.wang")
	wang.post("/notifications/read", nil)
	fileID := wang.uploadCase("登记表.pdf", tinyPDF)
	k, _ := wang.apply(map[string]any{"item_code": "200300200000", "org_code": "610923100C",
		"form": map[string]any{"description": "本人失业后申领就业创业证"},
		"materials": []map[string]any{
			{"name": "就业创业证申领登记表", "file_id": fileID},
			{"name": "居民身份证", "handed_in": "window"}}})
	if k.Kind != "immediate" || k.Channel != casework.ChannelOnline || k.Applicant.Name != "王秀兰" || k.Applicant.Ident != "610923198503120025" ||
		len(k.Materials) != 2 || k.Materials[0].FileID != fileID || k.Materials[0].HandedIn != "upload" {
		t.Fatalf("online 即办件: %+v", k)
	}
	win := ce.as(t, "chengguan.window")
	k = win.mustAct(k.Serial, "accept", nil)
	if k.Status != casework.Accepted || k.Deadline != startDay {
		t.Fatalf("即办件 accepted: %s, deadline %s (want the same day)", k.Status, k.Deadline)
	}
	if n := noticeOf(k, casework.NoticeAcceptance); n == nil || n.Number == "" || n.Content.Serial != k.Serial {
		t.Fatalf("acceptance notice: %+v", n)
	}
	k = win.mustAct(k.Serial, "approve", nil)
	k = win.mustAct(k.Serial, "complete", nil)
	if k.Status != casework.Completed || k.Result == nil || k.Result.Name != "就业创业证" {
		t.Fatalf("completed: %s %+v", k.Status, k.Result)
	}
	k = wang.mustAct(k.Serial, "evaluate", map[string]any{"level_name": "满意"})
	if k.Status != casework.Completed || len(k.Evaluations) != 1 || k.Evaluations[0].Level != 2 {
		t.Fatalf("evaluated: %s %+v", k.Status, k.Evaluations)
	}
	stepsRecorded(t, k)
	if st := stepOf(k, "accept"); st == nil || st.ActorName != "杨春梅" {
		t.Fatalf("acceptance step: %+v", st)
	}

	// The applicant was told at each step, in the app.
	var inbox struct {
		Items []struct {
			Subject    string
			CaseSerial string `json:"case_serial"`
			Read       bool
		}
		Unread int
	}
	res := wang.get("/notifications")
	conforms(t, "Inbox", res.Body)
	res.decode(&inbox)
	told := 0
	for _, m := range inbox.Items {
		if m.CaseSerial == k.Serial {
			told++
		}
	}
	if told < 4 || inbox.Unread < told {
		t.Fatalf("applicant told %d times, %d unread: %+v", told, inbox.Unread, inbox.Items)
	}
	if res := wang.post("/notifications/read", nil); res.Status != http.StatusNoContent {
		t.Fatalf("mark read: %d %s", res.Status, res.Body)
	}
	wang.get("/notifications?limit=1").decode(&inbox)
	if inbox.Unread != 0 || len(inbox.Items) != 1 || !inbox.Items[0].Read {
		t.Fatalf("after marking read: %+v", inbox)
	}
	var page struct {
		Items []notify.Message `json:"items"`
		Total int              `json:"total"`
	}
	wang.get("/notifications?limit=2&offset=1").decode(&page)
	if len(page.Items) != 2 || page.Total < 3 {
		t.Fatalf("second page of messages: %+v", page)
	}
	anon(t, ce.e).get("/notifications").apiErr(http.StatusUnauthorized, "unauthorized")
}

func testJoint(t *testing.T, ce *caseEnv) {
	k := ce.walkIn(t, "county.window", "050200400000", "610923C")
	win := ce.as(t, "county.window")
	k = win.mustAct(k.Serial, "accept", nil)
	// 15 working days from 9/28 across National Day; each co-department a day earlier.
	if k.Kind != "joint" || k.Deadline != "2026-10-23" || len(k.Tasks) != 2 || !k.Tasks[0].Lead ||
		k.Tasks[1].DeptCode != "610923D14" || k.Tasks[1].Deadline != "2026-10-22" {
		t.Fatalf("joint case: deadline %s, tasks %+v", k.Deadline, k.Tasks)
	}
	mz, cl := ce.as(t, "minzheng.reviewer"), ce.as(t, "canlian.reviewer")
	mz.act(k.Serial, "approve", map[string]any{"opinion": "同意"}).apiErr(http.StatusConflict, "conflict")
	cl.act(k.Serial, "approve", map[string]any{"opinion": "同意"}).apiErr(http.StatusForbidden, "forbidden")
	k = cl.mustAct(k.Serial, "task-approve", map[string]any{"opinion": "残疾等级为二级，符合条件"})
	if k.Tasks[1].State != "approved" || k.Tasks[1].ActorName != "赵永刚" {
		t.Fatalf("co-department opinion: %+v", k.Tasks)
	}
	cl.act(k.Serial, "task-approve", map[string]any{"opinion": "再次同意"}).apiErr(http.StatusConflict, "conflict")
	// Every department sees the others' results.
	if got := mz.caseOf(k.Serial); got.Tasks[1].Opinion != "残疾等级为二级，符合条件" {
		t.Fatalf("lead department sees %+v", got.Tasks)
	}
	k = mz.mustAct(k.Serial, "approve", map[string]any{"opinion": "同意发放两项补贴"})
	if k.Status != casework.Approved || k.Tasks[0].State != "approved" || k.Tasks[0].ActorName != "刘慧敏" {
		t.Fatalf("unified decision: %s %+v", k.Status, k.Tasks)
	}
	k = win.mustAct(k.Serial, "complete", nil)
	if k.Status != casework.Completed {
		t.Fatal(k.Status)
	}
	stepsRecorded(t, k)
	// The calendar endpoint agrees with the deadline.
	var w struct{ Date string }
	anon(t, ce.e).get("/calendar/workdays?from=2026-09-28&add=15").decode(&w)
	if w.Date != k.Deadline {
		t.Fatalf("workdays says %s, case deadline %s", w.Date, k.Deadline)
	}
}

func testUpward(t *testing.T, ce *caseEnv) {
	k := ce.walkIn(t, "chengguan.window", "050200100000", "610923100C")
	if !strings.HasPrefix(k.Serial, "610923100-20260928-") {
		t.Fatalf("town serial %s", k.Serial)
	}
	win, mz := ce.as(t, "chengguan.window"), ce.as(t, "minzheng.reviewer")
	k = win.mustAct(k.Serial, "accept", nil)
	if k.Deadline != "2026-10-30" {
		t.Fatalf("deadline %s", k.Deadline)
	}
	mz.act(k.Serial, "approve", nil).apiErr(http.StatusConflict, "conflict")
	k = win.mustAct(k.Serial, "forward", map[string]any{"opinion": "已完成入户调查，报县民政局审批"})
	if k.Status != casework.InProgress || k.HandlerCode != "610923D02" {
		t.Fatalf("forwarded: %s to %s", k.Status, k.HandlerCode)
	}
	ce.as(t, "chengguan.reviewer").act(k.Serial, "approve", nil).apiErr(http.StatusForbidden, "forbidden")
	k = mz.mustAct(k.Serial, "approve", map[string]any{"opinion": "经家庭经济状况核对，符合低保条件"})
	if k.Status != casework.Approved {
		t.Fatal(k.Status)
	}
	// The result flows back to the same case at the town.
	k = win.mustAct(k.Serial, "complete", nil)
	if k.Status != casework.Completed || len(k.Materials) == 0 || k.Result == nil || !k.Result.Approved {
		t.Fatalf("completed upward case: %s %+v", k.Status, k.Result)
	}
	stepsRecorded(t, k)
	if st := stepOf(k, "approve"); st == nil || st.ActorName != "刘慧敏" {
		t.Fatalf("decision step: %+v", st)
	}
}

// --- refusals --------------------------------------------------------------

func testIllegal(t *testing.T, ce *caseEnv) {
	k := ce.walkIn(t, "county.window", "010100100000", "610923C")
	win, rev := ce.as(t, "county.window"), ce.as(t, "county.reviewer")
	if er := rev.act(k.Serial, "approve", nil).apiErr(http.StatusConflict, "conflict"); !strings.Contains(er.Message, "待受理") {
		t.Fatalf("approve a submitted case: %q", er.Message)
	}
	rev.act(k.Serial, "accept", nil).apiErr(http.StatusForbidden, "forbidden")
	if er := win.act(k.Serial, "reject", map[string]any{"opinion": "材料虚假"}).apiErr(http.StatusUnprocessableEntity, "invalid"); !er.hasDetail("basis", "法律依据") {
		t.Fatalf("reject without basis: %+v", er)
	}
	win.act(k.Serial, "teleport", nil).apiErr(http.StatusBadRequest, "bad_request")
	win.act(k.Serial, "accept", map[string]any{"version": k.Version + 1}).apiErr(http.StatusConflict, "conflict")
	win.act(k.Serial, "accept", `{"version":`).apiErr(http.StatusBadRequest, "bad_request")
	win.act(k.Serial, "accept", map[string]any{"versoin": 1}).apiErr(http.StatusBadRequest, "bad_request")
	ce.as(t, "chengguan.window").act(k.Serial, "accept", nil).apiErr(http.StatusNotFound, "not_found")
	anon(t, ce.e).act(k.Serial, "accept", nil).apiErr(http.StatusUnauthorized, "unauthorized")
	win.act("610923-20990101-99999", "accept", nil).apiErr(http.StatusNotFound, "not_found")

	got := win.caseOf(k.Serial)
	if got.Version != k.Version || got.Status != casework.Submitted || len(got.Notices) != 0 || len(got.Steps) != len(k.Steps) {
		t.Fatalf("refusals changed the case: version %d→%d, %d notices, %d→%d steps", k.Version, got.Version, len(got.Notices), len(k.Steps), len(got.Steps))
	}
	k = win.mustAct(k.Serial, "accept", map[string]any{"version": k.Version})
	win.act(k.Serial, "accept", nil).apiErr(http.StatusConflict, "conflict")
	// A payment that is not due cannot be confirmed either.
	ce.as(t, "county.cashier").act(k.Serial, "confirm-payment", map[string]any{"reference": "ICBC0001"}).apiErr(http.StatusConflict, "conflict")
	got = win.caseOf(k.Serial)
	if got.Version != k.Version || len(got.Notices) != 1 || len(got.Steps) != len(k.Steps) {
		t.Fatalf("refused second acceptance changed the case: version %d→%d, %d notices", k.Version, got.Version, len(got.Notices))
	}
}

func testConcurrent(t *testing.T, ce *caseEnv) {
	k := ce.walkIn(t, "county.window", "010100100000", "610923C")
	win := ce.as(t, "county.window")
	body := fmt.Sprintf(`{"version":%d}`, k.Version)
	codes := make([]int, 5)
	errs := make([]error, len(codes))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range codes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req, _ := http.NewRequest("POST", win.base+"/cases/"+k.Serial+"/actions/accept", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+win.token)
			<-start
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			res.Body.Close()
			codes[i] = res.StatusCode
		}(i)
	}
	close(start)
	wg.Wait()
	ok, conflict := 0, 0
	for i, c := range codes {
		switch {
		case errs[i] != nil:
			t.Fatal(errs[i])
		case c == http.StatusOK:
			ok++
		case c == http.StatusConflict:
			conflict++
		default:
			t.Errorf("unexpected status %d", c)
		}
	}
	got := win.caseOf(k.Serial)
	accepts := 0
	for _, st := range got.Steps {
		if st.Action == "accept" {
			accepts++
		}
	}
	if ok != 1 || conflict != 4 || got.Version != k.Version+1 || len(got.Notices) != 1 || accepts != 1 {
		t.Fatalf("%d won, %d conflicts; version %d→%d, %d notices, %d acceptance steps", ok, conflict, k.Version, got.Version, len(got.Notices), accepts)
	}
}

// --- uploads ---------------------------------------------------------------

func testUploads(t *testing.T, ce *caseEnv) {
	wang, ent := ce.as(t, "resident.wang"), ce.as(t, "enterprise.qinling")
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04"), make([]byte, 200)...)
	if er := wang.upload("/files", "file", "setup.exe", exe, nil).apiErr(http.StatusUnprocessableEntity, "invalid"); !strings.Contains(er.Message, "类型") {
		t.Fatalf(".exe: %q", er.Message)
	}
	wang.upload("/files", "file", "身份证.pdf", exe, nil).apiErr(http.StatusUnprocessableEntity, "invalid")
	wang.upload("/files", "file", "a.pdf", tinyPDF, map[string]string{"purpose": "catalog"}).apiErr(http.StatusForbidden, "forbidden")
	wang.upload("/files", "file", "a.pdf", tinyPDF, map[string]string{"purpose": "avatar"}).apiErr(http.StatusUnprocessableEntity, "invalid")
	ce.as(t, "county.supervisor").upload("/files", "file", "a.pdf", tinyPDF, nil).apiErr(http.StatusForbidden, "forbidden")
	ce.as(t, "county.catalog").upload("/files", "file", "a.pdf", tinyPDF, map[string]string{"purpose": "case"}).apiErr(http.StatusForbidden, "forbidden")
	var f struct{ Purpose string }
	if res := ce.as(t, "county.catalog").upload("/files", "file", "样表.pdf", tinyPDF, nil); res.Status != http.StatusCreated {
		t.Fatalf("catalog admin upload: %d %s", res.Status, res.Body)
	} else if res.decode(&f); f.Purpose != "catalog" {
		t.Fatalf("catalog admin's default purpose %q", f.Purpose)
	}
	// Window staff upload materials for walk-in applicants.
	ce.as(t, "county.window").uploadCase("扫描件.pdf", tinyPDF)

	// Someone else's upload cannot be a material.
	theirs := ent.uploadCase("登记表.pdf", tinyPDF)
	before := wang.total("/cases")
	er := wang.post("/cases", map[string]any{"item_code": "200300200000", "org_code": "610923100C",
		"materials": []map[string]any{{"name": "就业创业证申领登记表", "file_id": theirs}, {"name": "居民身份证", "handed_in": "window"}}}).
		apiErr(http.StatusUnprocessableEntity, "invalid")
	if !er.hasDetail("materials[0].file_id", "不是您上传的") {
		t.Fatalf("someone else's file: %+v", er)
	}
	if n := wang.total("/cases"); n != before {
		t.Fatalf("a refused application was filed: %d cases, before %d", n, before)
	}

	// Over the limit: the same API with a 4 KB limit.
	base := ce.server(t, func(d *services.Services) { d.Config.MaxUpload = 4 << 10 })
	small := &client{t: t, base: base, token: wang.token}
	big := append(bytes.Clone(tinyPDF), bytes.Repeat([]byte("%"), 5<<10)...)
	if er := small.upload("/files", "file", "big.pdf", big, nil).apiErr(http.StatusRequestEntityTooLarge, "too_large"); !strings.Contains(er.Message, "4 KB") {
		t.Fatalf("413 message %q", er.Message)
	}
	huge := append(bytes.Clone(tinyPDF), bytes.Repeat([]byte("%"), 300<<10)...)
	small.upload("/files", "file", "huge.pdf", huge, nil).apiErr(http.StatusRequestEntityTooLarge, "too_large")
	if res := small.upload("/files", "file", "ok.pdf", tinyPDF, nil); res.Status != http.StatusCreated {
		t.Fatalf("small file refused: %d %s", res.Status, res.Body)
	}
}

// --- scope and privacy -----------------------------------------------------

func testPrivacy(t *testing.T, ce *caseEnv) {
	wang, ent := ce.as(t, "resident.wang"), ce.as(t, "enterprise.qinling")
	fileID := wang.uploadCase("登记表.pdf", tinyPDF)
	own, _ := wang.apply(map[string]any{"item_code": "200300200000", "org_code": "610923100C",
		"materials": []map[string]any{{"name": "就业创业证申领登记表", "file_id": fileID}, {"name": "居民身份证", "handed_in": "window"}}})

	// Another applicant: not found, whatever they try.
	ent.get("/cases/"+own.Serial).apiErr(http.StatusNotFound, "not_found")
	ent.get(fmt.Sprintf("/cases/%s/files/%d", own.Serial, fileID)).apiErr(http.StatusNotFound, "not_found")
	ent.get("/cases/"+own.Serial+"/notices").apiErr(http.StatusNotFound, "not_found")
	ent.act(own.Serial, "withdraw", nil).apiErr(http.StatusNotFound, "not_found")
	var l struct {
		Items []casework.Summary
		Total int
	}
	ent.get("/cases?limit=500").decode(&l)
	for _, s := range l.Items {
		if s.Serial == own.Serial {
			t.Fatal("another applicant lists the case")
		}
	}
	// The county's window does not see a town's case, nor the town's a county case.
	ce.as(t, "county.window").get("/cases/"+own.Serial).apiErr(http.StatusNotFound, "not_found")
	county := ce.walkIn(t, "county.window", "010100100000", "610923C")
	ce.as(t, "chengguan.window").get("/cases/"+county.Serial).apiErr(http.StatusNotFound, "not_found")
	if res := ce.as(t, "chengguan.window").get(fmt.Sprintf("/cases/%s/files/%d", own.Serial, fileID)); res.Status != http.StatusOK {
		t.Fatalf("the town window cannot download a material of its case: %d", res.Status)
	}

	// Staff see the walk-in applicant's ID number masked; the response to
	// the clerk who filed it too.
	if county.Applicant.Ident != "610***********0025" || county.Applicant.Phone != "13991568899" {
		t.Fatalf("filing clerk sees %+v", county.Applicant)
	}
	for _, who := range []string{"county.window", "county.reviewer", "county.supervisor"} {
		res := ce.as(t, who).get("/cases/" + county.Serial)
		// Staff see the phone (they call the applicant) but not the ID number.
		if res.Status != http.StatusOK || bytes.Contains(res.Body, []byte(walkInID)) || !bytes.Contains(res.Body, []byte(walkInPhone)) ||
			!bytes.Contains(res.Body, []byte("610***********0025")) {
			t.Fatalf("%s sees %d %s", who, res.Status, res.Body)
		}
	}
	// An online applicant sees their own number whole.
	if got := wang.caseOf(own.Serial); got.Applicant.Ident != "610923198503120025" || got.Applicant.Phone != "13991561234" {
		t.Fatalf("owner sees %+v", got.Applicant)
	}

	// Public progress: no login, the name masked, nothing personal.
	win := ce.as(t, "county.window")
	win.mustAct(county.Serial, "accept", nil)
	// Without the query code printed on the notices the case is not found.
	anon(t, ce.e).get("/public/progress/"+county.Serial).apiErr(http.StatusNotFound, "not_found")
	anon(t, ce.e).get("/public/progress/"+county.Serial+"?code=000000").apiErr(http.StatusNotFound, "not_found")
	res := anon(t, ce.e).get("/public/progress/" + county.Serial + "?code=" + county.QueryCode)
	var p casework.Progress
	if res.Status != http.StatusOK {
		t.Fatalf("public progress: %d %s", res.Status, res.Body)
	}
	conforms(t, "Progress", res.Body)
	res.decode(&p)
	if p.Serial != county.Serial || p.Applicant != "陈**" || p.Status != casework.Accepted || p.Current == "" || len(p.Steps) < 2 || p.Deadline != "2026-10-10" {
		t.Fatalf("public progress: %+v", p)
	}
	for _, secret := range []string{walkInID, walkInPhone, "陈家明", "0025", "8899"} {
		if bytes.Contains(res.Body, []byte(secret)) {
			t.Fatalf("public progress shows %q: %s", secret, res.Body)
		}
	}
	anon(t, ce.e).get("/public/progress/610923-20990101-00001?code=123456").apiErr(http.StatusNotFound, "not_found")
	anon(t, ce.e).get("/cases/"+county.Serial).apiErr(http.StatusUnauthorized, "unauthorized")
}

func testLists(t *testing.T, ce *caseEnv) {
	win := ce.as(t, "county.window")
	a := ce.walkIn(t, "county.window", "010100100000", "610923C")
	var l struct {
		Items []casework.Summary
		Total int
	}
	res := win.get("/cases?status=submitted,accepted&item=010100100000&limit=500")
	conforms(t, "CaseList", res.Body)
	res.decode(&l)
	found := false
	for _, s := range l.Items {
		if s.Status != casework.Submitted && s.Status != casework.Accepted || s.ItemCode != "010100100000" {
			t.Fatalf("filter let through %+v", s)
		}
		found = found || s.Serial == a.Serial
	}
	if !found || l.Total != len(l.Items) {
		t.Fatalf("list: %d of %d, new case found %v", len(l.Items), l.Total, found)
	}
	if bytes.Contains(win.get("/cases?limit=500").Body, []byte(walkInID)) {
		t.Fatal("the list shows an identity number")
	}
	// The window's to-do list holds the new case; the reviewer's does not.
	win.get("/cases?todo=true&limit=500").decode(&l)
	if !containsSerial(l.Items, a.Serial) {
		t.Fatal("new case not in the window's to-do list")
	}
	ce.as(t, "county.reviewer").get("/cases?todo=1&limit=500").decode(&l)
	if containsSerial(l.Items, a.Serial) {
		t.Fatal("submitted case in the reviewer's to-do list")
	}
	// The demo county has an overdue case (accepted 24 days ago).
	ce.as(t, "county.supervisor").get("/cases?overdue=true").decode(&l)
	if l.Total == 0 || !l.Items[0].Overdue || l.Items[0].Remaining == nil || *l.Items[0].Remaining >= 0 {
		t.Fatalf("overdue: %+v", l)
	}
	win.get("/cases?kind=joint").decode(&l)
	for _, s := range l.Items {
		if s.Kind != "joint" {
			t.Fatalf("kind filter let through %s", s.Kind)
		}
	}
	if win.total("/cases?q="+a.Serial) != 1 {
		t.Fatal("search by serial")
	}
	win.get("/cases?status=open").apiErr(http.StatusUnprocessableEntity, "invalid")
	win.get("/cases?kind=urgent").apiErr(http.StatusUnprocessableEntity, "invalid")
	win.get("/cases?overdue=maybe").apiErr(http.StatusBadRequest, "bad_request")
	win.get("/cases?limit=0").apiErr(http.StatusBadRequest, "bad_request")
	win.get("/cases?org=nowhere").apiErr(http.StatusUnprocessableEntity, "invalid")
	anon(t, ce.e).get("/cases").apiErr(http.StatusUnauthorized, "unauthorized")
}

func containsSerial(list []casework.Summary, serial string) bool {
	for _, s := range list {
		if s.Serial == serial {
			return true
		}
	}
	return false
}

// actionNames lists the actions a case offers its reader, space-separated.
func actionNames(k casework.Case) string {
	var names []string
	for _, x := range k.Actions {
		names = append(names, x.Action)
	}
	return strings.Join(names, " ")
}
