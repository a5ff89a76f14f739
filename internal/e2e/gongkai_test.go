package e2e_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"zwfw/internal/app/apptest"
)

// TestGongkaiPublishFindWithdraw is 政务公开 as its people use it (issue
// 12 item 2): the county's 事项管理员 drafts a policy citing 食品经营许可
// and submits it; the county's 电子监察 (another hand) publishes it; a
// resident finds it by a phrase from the middle of its body, reads it, and
// reaches it from the item's guide; withdrawn with a reason, it is gone
// from the search and from the guide. Screenshots of the 政务公开 index,
// the document and the search, at 1366 px and at 390 px.
func TestGongkaiPublishFindWithdraw(t *testing.T) {
	ctx := browser(t)
	e := apptest.Start(t, "sqlite")
	base := e.URL
	problems := watchConsole(t, ctx)
	const (
		item   = "010100100000" // 食品经营许可
		title  = "宁陕县关于推行政务服务容缺受理的实施意见"
		phrase = "对次要材料欠缺的申请先行受理"
	)

	signIn(t, ctx, base, "county.catalog", apptest.DemoPassword)
	do(t, ctx, "open the draft form", chromedp.Navigate(base+"/admin/gongkai/new?kind=policy"), chromedp.WaitVisible(chromedp.CSS(`#gk-title`)))
	shot(t, ctx, "gongkai-admin-new")
	do(t, ctx, "fill the draft",
		chromedp.SendKeys(chromedp.CSS(`#gk-title`), title),
		chromedp.SendKeys(chromedp.CSS(`#gk-number`), "宁政办发〔2026〕8号"),
		chromedp.SendKeys(chromedp.CSS(`#gk-f-issuer`), "宁陕县人民政府办公室"),
		chromedp.SendKeys(chromedp.CSS(`#gk-items`), item),
		chromedp.SendKeys(chromedp.CSS(`#gk-body`), "一、适用范围\n申请人办理政务服务事项时，基本条件具备、主要申报材料齐全，"+phrase+"，并一次性告知需补正的材料和时限。\n二、补正期限\n申请人应在承诺期限内补齐材料。"),
		chromedp.Click(chromedp.CSS(`.gk-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#flash .flash-ok`)))
	mustContain(t, ctx, "draft", "已保存草稿", "草稿", "提交审核")
	admin := location(t, ctx)
	id := strings.TrimPrefix(admin, base+"/admin/gongkai/")
	if id == admin || id == "" {
		t.Fatalf("the draft is at %s", admin)
	}
	// The page before had a flash too: wait for the new state's badge.
	do(t, ctx, "submit for review", chromedp.Click(chromedp.CSS(`form[action$="/actions/submit"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.admin-head [data-state="review"]`)))
	mustContain(t, ctx, "submitted", "已提交审核", "待审核")
	if strings.Contains(text(t, ctx), "发布") && len(texts(t, ctx, `form[action$="/actions/publish"]`)) > 0 {
		t.Fatal("the drafter is offered 发布")
	}
	signOut(t, ctx)

	signIn(t, ctx, base, "county.supervisor", apptest.DemoPassword)
	do(t, ctx, "open for review", chromedp.Navigate(admin), chromedp.WaitVisible(chromedp.CSS(`form[action$="/actions/publish"]`)))
	do(t, ctx, "publish", chromedp.Click(chromedp.CSS(`form[action$="/actions/publish"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.admin-head [data-state="published"]`)))
	mustContain(t, ctx, "published", "已发布", "/gongkai/docs/"+id)
	shot(t, ctx, "gongkai-admin-doc")
	do(t, ctx, "the staff's list", chromedp.Navigate(base+"/admin/gongkai"), chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/gongkai/`+id+`"]`)))
	shot(t, ctx, "gongkai-admin-list")
	signOut(t, ctx)

	// The resident: the index, the search by a phrase of the body, the
	// document, and the way from the item's guide.
	do(t, ctx, "open 政务公开", chromedp.Navigate(base+"/gongkai"), chromedp.WaitVisible(chromedp.CSS(`#gk-q`)))
	mustContain(t, ctx, "index", "政务公开", "政策文件", title, "中介服务事项", "中介机构", "工作通报与考评")
	shot(t, ctx, "gongkai-index")
	do(t, ctx, "search", chromedp.SendKeys(chromedp.CSS(`#gk-q`), phrase), chromedp.Submit(chromedp.CSS(`#gk-q`)),
		chromedp.WaitVisible(chromedp.CSS(`.gk-results a[href="/gongkai/docs/`+id+`"]`)))
	shot(t, ctx, "gongkai-search")
	do(t, ctx, "open the result", chromedp.Click(chromedp.CSS(`.gk-results a[href="/gongkai/docs/`+id+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.gk-doc h1`)))
	mustContain(t, ctx, "document", title, "宁政办发〔2026〕8号", "宁陕县人民政府办公室", phrase, "食品经营许可")
	shot(t, ctx, "gongkai-doc")
	do(t, ctx, "open the guide", chromedp.Navigate(base+"/items/"+item), chromedp.WaitVisible(chromedp.CSS(`#basis a[href="/gongkai/docs/`+id+`"]`)))
	do(t, ctx, "follow the guide's link", chromedp.Click(chromedp.CSS(`#basis a[href="/gongkai/docs/`+id+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.gk-doc h1`)))
	if loc := location(t, ctx); loc != base+"/gongkai/docs/"+id {
		t.Fatalf("the guide's link led to %s", loc)
	}

	// An agency of the 中介机构名录 shows its credit code, qualifications,
	// fees, time limits and contact.
	do(t, ctx, "agencies", chromedp.Navigate(base+"/gongkai/docs?kind=agency"), chromedp.WaitVisible(chromedp.CSS(`.gk-results a`)),
		chromedp.Click(chromedp.CSS(`.gk-results a`)), chromedp.WaitVisible(chromedp.CSS(`.gk-doc h1`)))
	mustContain(t, ctx, "agency", "统一社会信用代码", "资质", "收费标准", "服务时限", "联系方式")
	shot(t, ctx, "gongkai-agency")

	// At 390 px: nothing wider than the phone.
	search := base + "/gongkai/docs?q=" + url.QueryEscape(phrase)
	do(t, ctx, "phone", chromedp.EmulateViewport(390, 844))
	for _, p := range []struct{ name, url string }{{"gongkai-index-390", base + "/gongkai"}, {"gongkai-doc-390", base + "/gongkai/docs/" + id}, {"gongkai-search-390", search}} {
		do(t, ctx, "open "+p.name, chromedp.Navigate(p.url), chromedp.WaitVisible(chromedp.CSS(`main`)))
		width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if err != nil || width > 390 {
			t.Errorf("%s: page %d px wide at 390 px (%v)", p.name, width, err)
		}
		shot(t, ctx, p.name)
	}
	do(t, ctx, "desktop", chromedp.EmulateViewport(1366, 900))

	// Withdrawn, with a reason: gone from the search and the guide.
	signIn(t, ctx, base, "county.supervisor", apptest.DemoPassword)
	do(t, ctx, "withdraw", chromedp.Navigate(admin), chromedp.WaitVisible(chromedp.CSS(`#gk-reason-withdraw`)),
		chromedp.SendKeys(chromedp.CSS(`#gk-reason-withdraw`), "上位政策调整，暂停执行"),
		chromedp.Click(chromedp.CSS(`form[action$="/actions/withdraw"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.admin-head [data-state="withdrawn"]`)))
	mustContain(t, ctx, "withdrawn", "已撤回", "上位政策调整，暂停执行")
	signOut(t, ctx)
	do(t, ctx, "search again", chromedp.Navigate(search), chromedp.WaitVisible(chromedp.CSS(`main`)))
	mustContain(t, ctx, "search after withdrawal", "共找到 0 份", "没有找到")
	do(t, ctx, "guide again", chromedp.Navigate(base+"/items/"+item), chromedp.WaitVisible(chromedp.CSS(`#basis`)))
	if n := len(texts(t, ctx, `a[href="/gongkai/docs/`+id+`"]`)); n != 0 {
		t.Errorf("the guide still links the withdrawn policy (%d links)", n)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console: %v", p)
	}
}
