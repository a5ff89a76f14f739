package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/testclock"
)

// TestPayOnlineThroughTheDemoGateway: resident.wang's 居民身份证 case is
// approved with a 工本费 due; a callback with a forged signature is refused
// and changes nothing; she presses 网上缴费（演示）, the simulator page (marked
// 演示) shows the payee and the amount, she cancels once and then pays; the
// case moves on to 已批准 with the 缴费凭证, which she prints, and the
// window's cashier step is no longer waiting.
func TestPayOnlineThroughTheDemoGateway(t *testing.T) {
	ctx := browser(t)
	clk := testclock.RunningAt(time.Date(2026, 11, 26, 10, 0, 0, 0, db.Zone))
	e := apptest.Start(t, "sqlite", apptest.Options{Now: clk.Now})
	base := e.URL
	serial := e.Case(t, "resident.wang", idCard, chengguanC, casework.AwaitingPayment)
	get := func() *casework.Case {
		c, err := e.App.Cases.Get(context.Background(), zwfw.System, serial)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	before := get()
	if before.Status != casework.AwaitingPayment || before.Payment == nil || before.Payment.State != "unpaid" {
		t.Fatalf("the case is not awaiting payment: %s %+v", before.Status, before.Payment)
	}

	// A forged callback — the right body, a signature made with a guessed
	// key — is refused, and the case stays as it was.
	body, _ := json.Marshal(map[string]any{"serial": serial, "reference": "FORGED0001", "amount_cents": before.FeeCents, "timestamp": clk.Now().Unix()})
	for _, sig := range []string{"", strings.Repeat("ab", 32), "not-hex"} {
		req, _ := http.NewRequest("POST", base+"/api/v1/payments/callback", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Signature", sig)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("forged callback (signature %q) = %d, want 401", sig, res.StatusCode)
		}
	}
	if c := get(); c.Version != before.Version || c.Paid || c.Status != casework.AwaitingPayment {
		t.Fatalf("a forged callback changed the case: %s v%d paid=%v", c.Status, c.Version, c.Paid)
	}

	signIn(t, ctx, base, "resident.wang", apptest.DemoPassword)
	do(t, ctx, "open the case", chromedp.Navigate(base+"/my/cases/"+serial),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/pay"] button`)))
	mustContain(t, ctx, "awaiting payment", "待缴费", "网上缴费（演示）", "缴款通知书", "20.00")
	shot(t, ctx, "pay-01-case-awaiting-payment")

	// The simulator: clearly 演示; cancelling changes nothing.
	do(t, ctx, "go to the gateway", chromedp.Click(chromedp.CSS(`form[action$="/pay"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`button.pd-pay`)))
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/pay/demo/"+serial) {
		t.Fatalf("the gateway page is %s", loc)
	}
	mustContain(t, ctx, "simulator", "演示", "模拟支付平台", "不会扣款", "城关镇便民服务中心", before.Payment.NoticeNo, "20.00")
	shot(t, ctx, "pay-02-demo-simulator")
	do(t, ctx, "cancel", chromedp.Click(chromedp.CSS(`button.pd-cancel`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/pay"] button`)))
	waitText(t, ctx, "已取消支付")
	if c := get(); c.Version != before.Version || c.Paid {
		t.Fatalf("cancelling changed the case: v%d paid=%v", c.Version, c.Paid)
	}

	// Paying: the signed callback confirms the fee; the case moves on.
	do(t, ctx, "pay", chromedp.Click(chromedp.CSS(`form[action$="/pay"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`button.pd-pay`)),
		chromedp.Click(chromedp.CSS(`button.pd-pay`)))
	waitText(t, ctx, "缴费成功（演示）")
	c := get()
	if c.Status != casework.Approved || !c.Paid || c.Payment.Channel != "online" || !strings.HasPrefix(c.Payment.Reference, "DEMO") {
		t.Fatalf("after paying: %s paid=%v %+v", c.Status, c.Paid, c.Payment)
	}
	mustContain(t, ctx, "paid", "已批准", "已网上缴纳", c.Payment.ReceiptNo, "财政票据由代收银行出具")
	if strings.Contains(text(t, ctx), "网上缴费（演示）") {
		t.Fatal("the paid case still offers 网上缴费")
	}
	shot(t, ctx, "pay-03-case-paid")
	var receipt *casework.Notice
	for i := range c.Notices {
		if c.Notices[i].Kind == casework.NoticeReceipt {
			receipt = &c.Notices[i]
		}
	}
	if receipt == nil {
		t.Fatal("no 缴费凭证 after paying")
	}
	do(t, ctx, "open the receipt", chromedp.Navigate(base+"/notices/"+serial+"/"+strconv.FormatInt(receipt.ID, 10)),
		chromedp.WaitVisible(chromedp.CSS(`.notice-sheet`)))
	mustContain(t, ctx, "receipt", "缴费凭证", "宁城便收字〔2026〕第", "通过网上支付", "陕西省非税收入一般缴款书")
	shot(t, ctx, "pay-04-receipt")

	// The simulator cannot pay twice: the page now says nothing is due.
	do(t, ctx, "the simulator again", chromedp.Navigate(base+"/pay/demo/"+serial), chromedp.WaitReady(chromedp.CSS(`body`)))
	mustContain(t, ctx, "paid twice", "没有待缴的费用")
	if again := get(); again.Version != c.Version {
		t.Fatalf("the simulator changed a paid case: v%d→v%d", c.Version, again.Version)
	}
}
