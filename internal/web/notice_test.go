package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
)

func noticeOf(t testing.TB, c *casework.Case, kind string) *casework.Notice {
	t.Helper()
	for i := range c.Notices {
		if c.Notices[i].Kind == kind {
			return &c.Notices[i]
		}
	}
	t.Fatalf("case %s has no %s notice", c.Serial, kind)
	return nil
}

func TestNoticePages(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	ctx := context.Background()
	// The demo's one-time notice to resident.wang.
	list := casesOf(t, e, "resident.wang", casework.SupplementRequired, "010100300000")
	if len(list) != 1 {
		t.Fatalf("demo: %d cases", len(list))
	}
	c, err := e.App.Cases.Get(ctx, actorOf(t, e, "resident.wang"), list[0].Serial)
	if err != nil {
		t.Fatal(err)
	}
	n := noticeOf(t, c, casework.NoticeOneTime)
	path := "/notices/" + c.Serial + "/" + strconv.FormatInt(n.ID, 10)
	wang := login(t, e, "resident.wang", demoPass)
	p := wang.get(path)
	if p.Status != 200 {
		t.Fatalf("notice = %d", p.Status)
	}
	mustContain(t, "one-time notice", p.Body, "一次性告知书", n.Number, "宁陕县政务服务中心", "王秀兰", c.Serial, "食品小作坊登记",
		"食品小作坊登记申请表未由经营者本人签字", "行政许可法", "（盖章）", "咨询电话", "查询码", c.QueryCode, `src="`+path+`/qr.png"`,
		"data-print", "打印", "/progress/"+c.Serial+"</p>", `href="/my/cases/`+c.Serial+`"`)
	if strings.Contains(p.Body, "code=") {
		t.Error("the notice prints an address with the query code")
	}
	q := wang.get(path + "/qr.png")
	if q.Status != 200 || q.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(q.Body, "\x89PNG") {
		t.Fatalf("qr = %d %q", q.Status, q.Header.Get("Content-Type"))
	}
	// Staff who may see the case print it too; others get 404.
	if p := login(t, e, "county.window", demoPass).get(path); p.Status != 200 || !strings.Contains(p.Body, n.Number) {
		t.Errorf("county window = %d", p.Status)
	}
	for _, who := range []string{"enterprise.qinling", "chengguan.window"} {
		cl := login(t, e, who, demoPass)
		for _, pth := range []string{path, path + "/qr.png", "/notices/" + c.Serial + "/999999"} {
			if p := cl.get(pth); p.Status != http.StatusNotFound {
				t.Errorf("%s %s = %d, want 404", who, pth, p.Status)
			}
		}
	}
	if p := newClient(t, e).get(path); p.Status != http.StatusSeeOther {
		t.Errorf("signed out = %d", p.Status)
	}

	// A rejection gives its reason and legal basis; a receipt its fee table.
	rejected := casesOf(t, e, "county.window", casework.Rejected, "011000100000")
	receipt := casesOf(t, e, "county.window", casework.Delivered, "070500400000")
	if len(rejected) != 1 || len(receipt) != 1 {
		t.Fatalf("demo: %d rejected, %d delivered", len(rejected), len(receipt))
	}
	staff := login(t, e, "county.window", demoPass)
	for _, tc := range []struct {
		serial, kind string
		want         []string
	}{
		{rejected[0].Serial, casework.NoticeRejection, []string{"不予受理通知书", "不予受理的理由", "不属于县级审批权限", "法律依据", "民办教育促进法",
			"六十日内向宁陕县人民政府申请行政复议", "六个月内向宁陕县人民法院提起行政诉讼", "宁政服不受字〔"}},
		{receipt[0].Serial, casework.NoticePayment, []string{"缴款通知书", "不动产登记费（非住宅类）", "550.00", "合计", "缴款通知书编号"}},
		{receipt[0].Serial, casework.NoticeReceipt, []string{"缴费凭证", "550.00", "缴费凭证号", "宁政服收字〔", "ICBC6109230012",
			"财政票据（陕西省非税收入一般缴款书）由代收银行出具"}},
		{receipt[0].Serial, casework.NoticeAcceptance, []string{"受理通知书", "办结期限", "予以受理", "宁政服受字〔"}},
		{receipt[0].Serial, casework.NoticeResult, []string{"办结通知书"}},
	} {
		c, err := e.App.Cases.Get(ctx, actorOf(t, e, "county.window"), tc.serial)
		if err != nil {
			t.Fatal(err)
		}
		n := noticeOf(t, c, tc.kind)
		p := staff.get("/notices/" + tc.serial + "/" + strconv.FormatInt(n.ID, 10))
		if p.Status != 200 {
			t.Errorf("%s = %d", tc.kind, p.Status)
			continue
		}
		mustContain(t, tc.kind, p.Body, append(tc.want, n.Number, tc.serial)...)
	}
}

var imgRE = regexp.MustCompile(`<img\b[^>]*\ssrc="([^"]+)"`)

// The applicant's pages stay under 150 KB with their stylesheets, script
// and images, and every input has its label.
func TestCasePagesWeightAndLabels(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	wang := login(t, e, "resident.wang", demoPass)
	anon := newClient(t, e)
	serial := applyJob(t, wang)
	c := act(t, e, "chengguan.window", serial, casework.ActAccept, casework.ActionInput{})
	sup := casesOf(t, e, "resident.wang", casework.SupplementRequired, "010100300000")[0].Serial
	done := casesOf(t, e, "resident.wang", casework.Delivered, jobCode)[0].Serial
	notice := "/notices/" + serial + "/" + strconv.FormatInt(noticeOf(t, c, casework.NoticeAcceptance).ID, 10)
	assetRE := regexp.MustCompile(`(?:href|src)="(/static/[0-9a-f]{12}/[a-z.]+)"`)
	for _, tc := range []struct {
		c    *client
		path string
	}{
		{wang, "/apply/" + jobCode}, {wang, "/apply/010100100000"}, {wang, "/apply/submitted/" + serial}, {wang, "/my"},
		{wang, "/my/cases/" + serial}, {wang, "/my/cases/" + sup}, {wang, "/my/cases/" + done}, {wang, "/my/cases/" + serial + "/withdraw"},
		{wang, "/my/messages"}, {wang, notice}, {anon, "/progress"}, {anon, "/progress/" + serial}, {anon, "/progress/" + serial + "?code=" + c.QueryCode},
	} {
		p := tc.c.get(tc.path)
		if p.Status != 200 {
			t.Errorf("%s = %d", tc.path, p.Status)
			continue
		}
		total := len(p.Body)
		seen := map[string]bool{}
		for _, m := range append(assetRE.FindAllStringSubmatch(p.Body, -1), imgRE.FindAllStringSubmatch(p.Body, -1)...) {
			if seen[m[1]] {
				continue
			}
			seen[m[1]] = true
			a := tc.c.get(strings.ReplaceAll(m[1], "&amp;", "&"))
			if a.Status != 200 {
				t.Errorf("%s: %s = %d", tc.path, m[1], a.Status)
			}
			total += len(a.Body)
		}
		if !strings.Contains(p.Body, "cases.css") {
			t.Errorf("%s does not load cases.css", tc.path)
		}
		t.Logf("%-52s page %6d B, with assets %6d B", tc.path, len(p.Body), total)
		if total > 150*1024 {
			t.Errorf("%s weighs %d bytes with its assets, over 150 KB", tc.path, total)
		}
		checkLabels(t, tc.path, p.Body)
	}
}

// The applicant's pages run in a real browser under the Content-Security-
// Policy without a console message, and app.js wires the 打印 button.
func TestCasePagesInChromium(t *testing.T) {
	bin := chromium(t)
	e := apptest.Start(t, "sqlite")
	wang := login(t, e, "resident.wang", demoPass)
	serial := applyJob(t, wang)
	c := act(t, e, "chengguan.window", serial, casework.ActAccept, casework.ActionInput{})
	// The browser signs in through a proxy that carries wang's cookies.
	u, _ := url.Parse(e.URL)
	var cookies []string
	for _, ck := range wang.http.Jar.Cookies(u) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("Cookie", strings.Join(cookies, "; "))
		rp.ServeHTTP(w, r)
	}))
	defer proxy.Close()
	notice := "/notices/" + serial + "/" + strconv.FormatInt(noticeOf(t, c, casework.NoticeAcceptance).ID, 10)
	for _, path := range []string{"/apply/" + jobCode, "/my", "/my/cases/" + serial, notice, "/progress/" + serial + "?code=" + c.QueryCode} {
		dom := dumpDOM(t, bin, proxy.URL+path)
		if !strings.Contains(dom, `lang="zh-CN"`) || strings.Contains(dom, "请先登录") {
			t.Errorf("%s did not load signed in", path)
		}
		if path == notice && (!strings.Contains(dom, `data-print=""`) || strings.Contains(dom, `data-print="" hidden`)) {
			t.Errorf("%s: app.js did not reveal the 打印 button", path)
		}
	}
}
