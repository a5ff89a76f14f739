package e2e_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/files"
	"zwfw/internal/testclock"
)

const (
	marriageItem = "070200700000" // 内地居民结婚登记: the county's 即办件, issues the 结婚证
	birthItem    = "200900300000" // 生育登记: at the towns; 结婚证 ← the 结婚证 licence
)

// TestReuseMarriageLicence is issue 13's "no resident asked twice" (§2(3):
// 凡是能通过网络共享复用的材料，不得要求群众重复提交): resident.wang
// married at the county's window (the ID cards uploaded, the case completed
// there); applying online for 生育登记 at 城关镇, her ID cards are filled in
// from her materials library and, the case having issued her 结婚证, the
// 结婚证 from the licence — nothing is uploaded for either. The town's
// window sees both as 已在线核验 with their sources, not copies; the
// supervisor's dashboard counts the submissions saved; 我的材料 lists what
// she handed in.
func TestReuseMarriageLicence(t *testing.T) {
	ctx := browser(t)
	clk := testclock.RunningAt(time.Date(2026, 11, 26, 10, 0, 0, 0, db.Zone))
	e := apptest.Start(t, "sqlite", apptest.Options{Now: clk.Now})
	base, bg := e.URL, context.Background()
	wang := e.Actor(t, "resident.wang")

	// The marriage: filed online with the ID cards uploaded, completed at
	// the county's window on the spot (当场办结).
	f, err := e.App.Files.PutBytes(bg, wang, "男女双方居民身份证.pdf", tinyPDF("ID cards of both"), files.PurposeCase)
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.App.Cases.Apply(bg, wang, casework.ApplyInput{ItemCode: marriageItem, OrgCode: "610923C",
		Form: casework.Form{Description: "结婚登记"}, Materials: []casework.MaterialInput{
			{Name: "男女双方居民身份证", FileID: f.ID},
			{Name: "申请结婚登记声明书", HandedIn: "window"},
			{Name: "双方近期半身免冠合影2寸照片", HandedIn: "window"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Cases.Act(bg, e.Actor(t, "county.window"), m.Serial, casework.ActInstant,
		casework.ActionInput{Opinion: "符合结婚登记条件，准予登记"}); err != nil {
		t.Fatalf("当场办结 %s: %v", m.Serial, err)
	}
	licenceID, err := e.App.Licences.OfCase(bg, m.Serial)
	if err != nil || licenceID == "" {
		t.Fatalf("the marriage %s issued no licence: %v", m.Serial, err)
	}

	// 1. The guide marks the 结婚证 免提交; the application fills it in.
	signIn(t, ctx, base, "resident.wang", apptest.DemoPassword)
	do(t, ctx, "open the guide", chromedp.Navigate(base+"/items/"+birthItem), chromedp.WaitVisible(chromedp.CSS(`#materials`)))
	mustContain(t, ctx, "guide", "可用电子证照", "《结婚证》", "免提交")
	do(t, ctx, "apply", chromedp.Navigate(base+"/apply/"+birthItem), chromedp.WaitVisible(chromedp.CSS(`#f-agree`)))
	ids := text1(t, ctx, `#f-m-1`)
	for _, w := range []string{"夫妻双方居民身份证", "已由材料库“男女双方居民身份证”提供（无需上传）", m.Serial} {
		if !strings.Contains(ids, w) {
			t.Fatalf("the ID cards' row does not show %q: %s", w, ids)
		}
	}
	if !checked(t, ctx, `#f-m-1-how-reuse`) {
		t.Fatal("the ID cards are not set to be provided from the library")
	}
	cert := text1(t, ctx, `#f-m-2`)
	for _, w := range []string{"已由电子证照《结婚证》提供（无需上传）", "宁陕县民政局", "A 平台签发"} {
		if !strings.Contains(cert, w) {
			t.Fatalf("the 结婚证's row does not show %q: %s", w, cert)
		}
	}
	if !checked(t, ctx, `#f-m-2-how-reuse`) {
		t.Fatal("the 结婚证 is not set to be provided by the licence")
	}
	// The online 生育登记表 (the husband's name and number prefilled from
	// the account, as the form's first fields).
	fillByLabel(t, ctx, map[string]string{"女方姓名": "王秀兰", "女方身份证号码": "610923198503120025", "结婚登记日期": "2026-05-20",
		"详细地址（组、街道、门牌号）": "西关社区南街8号", "现有子女数": "0", "本次登记孩次": "第一个子女", "预产期": "2027-03-18"})
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const s = document.querySelector('select[id$="-division"]');
		const o = Array.from(s.options).find(o => o.text.includes('城关镇')); s.value = o.value; return true })()`)); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "fill in",
		chromedp.SetValue(chromedp.CSS(`#f-org_code`), "610923100C"),
		chromedp.SendKeys(chromedp.CSS(`#f-description`), "第一胎生育登记"),
		chromedp.Click(chromedp.CSS(`#f-agree`)))
	shot(t, ctx, "reuse-10-apply-1366")
	shotOf(t, ctx, "#s-mats", "reuse-10b-apply-materials-1366")
	do(t, ctx, "phone", chromedp.EmulateViewport(390, 844))
	shot(t, ctx, "reuse-11-apply-390")
	shotOf(t, ctx, "#s-mats", "reuse-12-apply-materials-390")
	shotOf(t, ctx, "#f-m-2", "reuse-13-apply-licence-390")
	do(t, ctx, "desktop", chromedp.EmulateViewport(1366, 900))
	do(t, ctx, "submit", chromedp.Click(chromedp.CSS(`button[name="op"][value="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#h-done`)))
	serial := texts(t, ctx, `.done .keys b.mono`)[0]
	var uploads int
	if err := e.App.DB.QueryRow(bg, "SELECT COUNT(*) FROM files WHERE owner_id = ? AND id > ?", wang.UserID, f.ID).Scan(&uploads); err != nil {
		t.Fatal(err)
	}
	if uploads != 0 {
		t.Fatalf("%d files uploaded by the applicant since the marriage, want none", uploads)
	}

	// 2. The town's window sees them verified online.
	signOut(t, ctx)
	signIn(t, ctx, base, "chengguan.window", apptest.DemoPassword)
	do(t, ctx, "open the case", chromedp.Navigate(base+"/work/cases/"+serial), chromedp.WaitVisible(chromedp.CSS(`#h-mat`)))
	row := rowText(t, ctx, `table.wk-mat tr`, "夫妻双方居民身份证")
	for _, w := range []string{"已在线核验", "材料库“男女双方居民身份证”", m.Serial, "男女双方居民身份证.pdf"} {
		if !strings.Contains(row, w) {
			t.Fatalf("the staff's row of the ID cards does not show %q: %s", w, row)
		}
	}
	row = rowText(t, ctx, `table.wk-mat tr`, "结婚证")
	for _, w := range []string{"已在线核验", "电子证照《结婚证》", licenceID, "有效"} {
		if !strings.Contains(row, w) {
			t.Fatalf("the staff's row of the 结婚证 does not show %q: %s", w, row)
		}
	}
	if n := len(texts(t, ctx, `table.wk-mat tr a[href*="/files/"]`)); n != 1 {
		t.Fatalf("the staff see %d files, want only the ID cards' (the licence is verified, not copied)", n)
	}
	shot(t, ctx, "reuse-20-staff-1366")
	do(t, ctx, "phone", chromedp.EmulateViewport(390, 844))
	shot(t, ctx, "reuse-21-staff-390")
	shotOf(t, ctx, "table.wk-mat", "reuse-22-staff-materials-390")
	do(t, ctx, "desktop", chromedp.EmulateViewport(1366, 900))
	do(t, ctx, "accept", chromedp.Click(chromedp.CSS(`form[action$="/actions/accept"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.wk-notice-new`)))

	// 3. The dashboard counts the submissions saved.
	signOut(t, ctx)
	signIn(t, ctx, base, "chengguan.supervisor", apptest.DemoPassword)
	do(t, ctx, "dashboard", chromedp.Navigate(base+"/supervision"), chromedp.WaitVisible(chromedp.CSS(`#sv-saved`)))
	// Two materials not submitted: the 结婚证 (licence) and the ID cards
	// (library).
	if s := text1(t, ctx, `.sv-saved-total`); s != "2" {
		t.Fatalf("the dashboard counts %s submissions saved, want 2", s)
	}
	mustContain(t, ctx, "dashboard", "减少提交材料", "电子证照 1 份，材料库 1 份")
	if r := rowText(t, ctx, `#sv-saved tr`, "生育登记"); !strings.Contains(r, "2\t1\t1") && !strings.Contains(r, "2 1 1") {
		t.Fatalf("the dashboard's 生育登记 row: %q", r)
	}
	shot(t, ctx, "reuse-30-dashboard")
	shotOf(t, ctx, "#sv-saved", "reuse-31-dashboard-saved")

	// 4. 我的材料.
	signOut(t, ctx)
	signIn(t, ctx, base, "resident.wang", apptest.DemoPassword)
	do(t, ctx, "我的材料", chromedp.Navigate(base+"/my/materials"), chromedp.WaitVisible(chromedp.CSS(`#h-lib`)))
	mustContain(t, ctx, "我的材料", "男女双方居民身份证", "C 申请人上传", "申请结婚登记声明书", "B 窗口核验原件", m.Serial)
	// The 生育登记 was accepted: its 结婚证 is kept as A, from the licence.
	if r := rowText(t, ctx, `table.my-mats tr`, serial); !strings.Contains(r, "结婚证") || !strings.Contains(r, "A 平台签发") || !strings.Contains(r, licenceID) {
		t.Fatalf("我的材料's row of the 结婚证: %s", r)
	}

	shot(t, ctx, "reuse-40-my-materials")
	_ = zwfw.System
}

// fillByLabel types each value into the input its label names.
func fillByLabel(t *testing.T, ctx context.Context, vals map[string]string) {
	t.Helper()
	for label, v := range vals {
		id, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => { const l = Array.from(document.querySelectorAll('label'))
			.find(l => l.textContent.replace(/\s|\*/g, '').startsWith(%q)); return l ? l.htmlFor : '' })()`, label)))
		if err != nil || id == "" {
			t.Fatalf("no input labelled %s (%v)", label, err)
		}
		do(t, ctx, "fill "+label, chromedp.SetValue(chromedp.CSS("#"+id), v))
	}
}

// shotOf saves a screenshot of the element sel as name.png.
func shotOf(t *testing.T, ctx context.Context, sel, name string) {
	t.Helper()
	do(t, ctx, "scroll to "+sel, chromedp.ScrollIntoView(chromedp.CSS(sel)))
	buf, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(shotDir(t), name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}
