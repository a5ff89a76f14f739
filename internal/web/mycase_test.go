package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
)

// casesOf lists a demo applicant's cases in a status.
func casesOf(t testing.TB, e *apptest.Env, username, status, item string) []casework.Summary {
	t.Helper()
	list, _, err := e.App.Cases.List(context.Background(), actorOf(t, e, username), casework.Query{Status: []string{status}, Item: item})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func act(t testing.TB, e *apptest.Env, who, serial, action string, in casework.ActionInput) *casework.Case {
	t.Helper()
	c, err := e.App.Cases.Act(context.Background(), actorOf(t, e, who), serial, action, in)
	if err != nil {
		t.Fatalf("%s %s: %v", who, action, err)
	}
	return c
}

var fileLinkRE = regexp.MustCompile(`href="(/my/cases/[^"]+/files/[0-9]+)"`)

func TestMyCaseDetailAndScope(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	wang := login(t, e, "resident.wang", demoPass)
	serial := applyJob(t, wang)
	act(t, e, "chengguan.window", serial, casework.ActAccept, casework.ActionInput{})

	p := wang.get("/my/cases/" + serial)
	if p.Status != 200 {
		t.Fatalf("case page = %d", p.Status)
	}
	// Status, the open step with who answers for it, the timeline with who
	// acted at which window, the materials, the notices.
	mustContain(t, "case page", p.Body, "已受理", "当前节点：当场办结", "宁陕县城关镇便民服务中心窗口", "0915-6831120",
		"提交申请", "受理", "杨春梅", "综合窗口A岗", "登记表.pdf", "窗口递交", "受理通知书", "撤回申请", "办结期限")
	m := fileLinkRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatal("no download link for the uploaded material")
	}
	f := wang.get(m[1])
	if f.Status != 200 || f.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(f.Header.Get("Content-Disposition"), "attachment;") ||
		f.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(f.Header.Get("Content-Security-Policy"), "sandbox") ||
		f.Body != string(pdf) {
		t.Errorf("download: %d %q %q %q", f.Status, f.Header.Get("Content-Type"), f.Header.Get("Content-Disposition"), f.Header.Get("Content-Security-Policy"))
	}
	nm := regexp.MustCompile(`href="(/notices/[^"]+/([0-9]+))"`).FindStringSubmatch(p.Body)
	if nm == nil {
		t.Fatal("no notice link")
	}

	// Another applicant sees none of it: page, file, notice, QR, actions.
	other := login(t, e, "enterprise.qinling", demoPass)
	for _, path := range []string{"/my/cases/" + serial, m[1], nm[1], nm[1] + "/qr.png", "/my/cases/" + serial + "/withdraw"} {
		if p := other.get(path); p.Status != http.StatusNotFound {
			t.Errorf("enterprise.qinling %s = %d, want 404", path, p.Status)
		}
	}
	if p := other.post("/my/cases/"+serial+"/withdraw", url.Values{}, true); p.Status != http.StatusNotFound {
		t.Errorf("enterprise.qinling withdraws wang's case: %d", p.Status)
	}
	if p := other.post("/my/cases/"+serial+"/evaluate", url.Values{"level": {"5"}, "comment": {"乱评"}}, true); p.Status != http.StatusNotFound {
		t.Errorf("enterprise.qinling evaluates wang's case: %d", p.Status)
	}
	// Staff outside the case's scope neither; in scope, the file opens.
	if p := login(t, e, "county.window", demoPass).get(m[1]); p.Status != http.StatusNotFound {
		t.Errorf("county window, out of scope: file = %d", p.Status)
	}
	if p := login(t, e, "chengguan.window", demoPass).get(m[1]); p.Status != 200 {
		t.Errorf("chengguan window, in scope: file = %d", p.Status)
	}
	// Signed out: sign in first.
	if p := newClient(t, e).get("/my/cases/" + serial); p.Status != http.StatusSeeOther {
		t.Errorf("signed out = %d", p.Status)
	}
}

func TestMyCasesListAndFilter(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	wang := login(t, e, "resident.wang", demoPass)
	p := wang.get("/my")
	if p.Status != 200 {
		t.Fatalf("/my = %d", p.Status)
	}
	// The demo gives wang a case to supplement, a delivered one and a withdrawn one.
	mustContain(t, "my", p.Body, "食品小作坊登记", "就业创业证申领", "待补正", "已送达", "已撤回", "补正材料", "评价", `name="status"`)
	p = wang.get("/my?status=withdrawn")
	mustContain(t, "filtered", p.Body, "已撤回", `value="withdrawn" selected`)
	if strings.Contains(p.Body, "食品小作坊登记") {
		t.Error("the filter kept a case in another status")
	}
	if p := wang.get("/my?status=bogus"); p.Status != 200 {
		t.Errorf("unknown status = %d", p.Status)
	}
}

// TestMyCasesPages: an applicant with more cases than one page holds gets
// every page, with links between them (the list once answered 500 past
// the first page: its template asked a value for a pointer method).
func TestMyCasesPages(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	wang := login(t, e, "resident.wang", demoPass)
	for range 21 {
		e.Case(t, "resident.wang", "200300200000", "610923100C", casework.Submitted)
	}
	p := wang.get("/my")
	if p.Status != 200 {
		t.Fatalf("/my with more than a page of cases = %d", p.Status)
	}
	mustContain(t, "my, page 1", p.Body, `href="/my?page=2"`)
	if p := wang.get("/my?page=2"); p.Status != 200 {
		t.Errorf("/my?page=2 = %d", p.Status)
	}
}

func TestWithdraw(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	wang := login(t, e, "resident.wang", demoPass)
	serial := applyJob(t, wang)
	p := wang.get("/my/cases/" + serial + "/withdraw")
	if p.Status != 200 {
		t.Fatalf("withdraw page = %d", p.Status)
	}
	mustContain(t, "withdraw page", p.Body, "确认撤回", "不能恢复", serial)
	v := formValues(t, p.Body, "/my/cases/"+serial+"/withdraw")
	v.Set("reason", "材料准备不全，下次再来")
	p = wang.post("/my/cases/"+serial+"/withdraw", v, false)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("withdraw = %d\n%s", p.Status, p.Body)
	}
	p = wang.follow(p)
	mustContain(t, "withdrawn", p.Body, "申请已撤回", "已撤回", "撤回申请", "材料准备不全，下次再来", "重新申请")
	if strings.Contains(p.Body, `href="/my/cases/`+serial+`/withdraw"`) {
		t.Error("a withdrawn case still offers 撤回")
	}
	// The withdrawal page no longer offers the form, and says why.
	p = wang.get("/my/cases/" + serial + "/withdraw")
	if p.Status != http.StatusOK || strings.Contains(p.Body, `action="/my/cases/`+serial+`/withdraw"`) {
		t.Errorf("the withdrawal page of a withdrawn case = %d, still with its form", p.Status)
	}
	mustContain(t, "withdrawn page", p.Body, "不能撤回申请")
	// The same form again: the case is no longer in a state to withdraw.
	p = wang.post("/my/cases/"+serial+"/withdraw", v, false)
	if p.Status != http.StatusConflict {
		t.Errorf("second withdraw = %d", p.Status)
	}
	mustContain(t, "second withdraw", p.Body, "不能撤回申请")
}

func TestEvaluate(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	wang := login(t, e, "resident.wang", demoPass)
	serial := applyJob(t, wang)
	for _, a := range []string{casework.ActAccept, casework.ActApprove, casework.ActComplete} {
		act(t, e, "chengguan.window", serial, a, casework.ActionInput{})
	}
	p := wang.get("/my/cases/" + serial)
	mustContain(t, "completed", p.Body, "已办结", "办理结果", "服务评价", "非常满意", "满意", "基本满意", "不满意", "非常不满意",
		`name="level"`, "您不满意的方面", "需要多次跑腿", "办结通知书")
	// A bad rating needs a comment; the ticks stay.
	v := formValues(t, p.Body, "/my/cases/"+serial+"/evaluate")
	v.Set("level", "4")
	v.Add("indicator", "需要多次跑腿")
	p = wang.post("/my/cases/"+serial+"/evaluate", v, false)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad rating without comment = %d", p.Status)
	}
	mustContain(t, "bad rating", p.Body, "差评请写明", `value="需要多次跑腿" checked`, `id="f-level-4" type="radio" name="level" value="4" checked`)
	v = formValues(t, p.Body, "/my/cases/"+serial+"/evaluate")
	v.Set("comment", "来回跑了两趟才交齐材料")
	p = wang.post("/my/cases/"+serial+"/evaluate", v, false)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("evaluate = %d\n%s", p.Status, p.Body)
	}
	p = wang.follow(p)
	mustContain(t, "evaluated", p.Body, "感谢您的评价", "不满意", "【需要多次跑腿】来回跑了两趟才交齐材料", "网上办事大厅")
	c, err := e.App.Cases.Get(context.Background(), actorOf(t, e, "resident.wang"), serial)
	if err != nil || len(c.Evaluations) != 1 || c.Evaluations[0].Level != 4 || c.Evaluations[0].Channel != "pc" {
		t.Fatalf("evaluations: %+v %v", c, err)
	}
	// One evaluation per case per channel (the further one the standard
	// allows is the follow-up after a rectification): the form is gone and
	// a second post on the same channel is refused.
	if strings.Contains(p.Body, `action="/my/cases/`+serial+`/evaluate"`) {
		t.Error("the form is offered after the online evaluation")
	}
	p = wang.post("/my/cases/"+serial+"/evaluate", url.Values{"level": {"1"}}, true)
	if p.Status != http.StatusConflict || !strings.Contains(p.Body, "每个渠道只评价一次") {
		t.Fatalf("second evaluation = %d", p.Status)
	}
	// Cases still running take no evaluation.
	running := applyJob(t, wang)
	if p := wang.post("/my/cases/"+running+"/evaluate", url.Values{"level": {"1"}}, true); p.Status != http.StatusConflict {
		t.Errorf("evaluating a submitted case = %d", p.Status)
	}
}

// The demo's case of resident.wang waiting for a supplement: the one-time
// notice's list, replacements uploaded, back to the window.
func TestSupplement(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	list := casesOf(t, e, "resident.wang", casework.SupplementRequired, "010100300000")
	if len(list) != 1 {
		t.Fatalf("demo: %d cases to supplement", len(list))
	}
	serial := list[0].Serial
	wang := login(t, e, "resident.wang", demoPass)
	p := wang.get("/my/cases/" + serial)
	mustContain(t, "supplement", p.Body, "请补正材料", "食品小作坊登记申请表未由经营者本人签字", "从业人员健康证明已过有效期",
		"一次性告知书", "无须重新申请", `action="/my/cases/`+serial+`/supplement"`, "需补正")
	v := formValues(t, p.Body, "/my/cases/"+serial+"/supplement")
	// Flagged materials default to a new upload; the health certificate
	// comes by post instead.
	if v.Get("m0.how") != "upload" || v.Get("m4.how") != "upload" || v.Get("m1.how") != "" {
		t.Errorf("defaults: %v", v)
	}
	v.Set("m4.how", "post")
	// A wrong file first: refused, nothing sent.
	bad := wang.postMultipart("/my/cases/"+serial+"/supplement", v, upload{"m0.file", "表.gif", []byte("GIF89a\x01\x00\x01\x00")})
	if bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong supplement file = %d", bad.Status)
	}
	mustContain(t, "wrong file", bad.Body, "类型不被接受")
	p = wang.postMultipart("/my/cases/"+serial+"/supplement", v, upload{"m0.file", "登记申请表（已签字）.pdf", pdf})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("supplement = %d\n%s", p.Status, p.Body)
	}
	p = wang.follow(p)
	mustContain(t, "supplemented", p.Body, "补正材料已提交", "待受理", "补正材料", "登记申请表（已签字）.pdf")
	if strings.Contains(p.Body, `action="/my/cases/`+serial+`/supplement"`) {
		t.Error("the supplement form is still offered")
	}
	// The window sees the new file.
	c, err := e.App.Cases.Get(context.Background(), actorOf(t, e, "county.window"), serial)
	if err != nil || c.Status != casework.Submitted {
		t.Fatalf("after supplement: %v %v", c, err)
	}
	var names []string
	for _, m := range c.Materials {
		names = append(names, m.Name+"/"+m.HandedIn)
	}
	if !strings.Contains(strings.Join(names, ","), "从业人员健康证明/post") || !strings.Contains(strings.Join(names, ","), "食品小作坊登记申请表/upload") {
		t.Errorf("materials after supplement: %v", names)
	}
}

func TestAwaitingPayment(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	wang := login(t, e, "resident.wang", demoPass)
	// 居民身份证换领: 20 元 per card, paid at the bank window.
	const idCard = "071500100000"
	p := wang.get("/apply/" + idCard)
	mustContain(t, "fee item", p.Body, "居民身份证工本费", "数量（证）")
	v := paperValues(t, p.Body, "/apply/"+idCard)
	v.Set("org_code", "610923C")
	v.Set("agree", "1")
	v.Set("m0.how", "window")
	v.Set("m1.how", "window")
	v.Set("delivery", "post")
	v.Set("op", "submit")
	p = wang.postMultipart("/apply/"+idCard, v)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("post without address = %d", p.Status)
	}
	mustContain(t, "no address", p.Body, "请填写收件地址")
	v.Set("address", "宁陕县城关镇东关社区长安路12号")
	p = wang.postMultipart("/apply/"+idCard, v)
	m := serialRE.FindStringSubmatch(p.Header.Get("Location"))
	if m == nil {
		t.Fatalf("submit = %d\n%s", p.Status, p.Body)
	}
	serial := m[1]
	act(t, e, "county.window", serial, casework.ActAccept, casework.ActionInput{})
	act(t, e, "gongan.reviewer", serial, casework.ActApprove, casework.ActionInput{})
	p = wang.get("/my/cases/" + serial)
	mustContain(t, "awaiting payment", p.Body, "待缴费", "应缴金额", "20.00 元", "银行收费窗口", "不收取现金", "缴款通知书", "邮寄送达")
	if strings.Contains(p.Body, "在线支付") || strings.Contains(p.Body, "立即支付") {
		t.Error("an online pay button without online payment")
	}
}

func TestMessages(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	wang := login(t, e, "resident.wang", demoPass)
	p := wang.get("/my/messages")
	if p.Status != 200 {
		t.Fatalf("messages = %d", p.Status)
	}
	mustContain(t, "messages", p.Body, "请补正材料", "未读", "全部标为已读", `href="/my/cases/`)
	my := wang.get("/my")
	mustContain(t, "unread count", my.Body, "条未读")
	p = wang.post("/my/messages/read", url.Values{}, true)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("mark read = %d", p.Status)
	}
	p = wang.follow(p)
	mustContain(t, "read", p.Body, "全部已读")
	if strings.Contains(p.Body, `<span class="badge b-red">未读</span>`) {
		t.Error("still unread after marking")
	}
	// Paging beyond the end is an empty page, not an error.
	if p := wang.get("/my/messages?page=" + strconv.Itoa(99)); p.Status != 200 {
		t.Errorf("page 99 = %d", p.Status)
	}
}
