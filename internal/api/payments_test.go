package api_test

import (
	"bytes"
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"zwfw/internal/api"
	"zwfw/internal/casework"
)

// awaitingPayment files a 居民身份证 case (工本费 20 元) and takes it to
// approval, where the fee falls due.
func awaitingPayment(t *testing.T, ce *caseEnv) casework.Case {
	t.Helper()
	k := ce.walkIn(t, "county.window", "071500100000", "610923C")
	ce.as(t, "county.window").mustAct(k.Serial, "accept", nil)
	k = ce.as(t, "gongan.reviewer").mustAct(k.Serial, "approve", map[string]any{"opinion": "核对户籍信息无误，准予换领"})
	if k.Status != casework.AwaitingPayment || k.FeeCents != 2000 || k.Payment == nil || k.Payment.State != "unpaid" {
		t.Fatalf("after approval: %s, fee %d, payment %+v", k.Status, k.FeeCents, k.Payment)
	}
	return k
}

func testFees(t *testing.T, ce *caseEnv) {
	k := awaitingPayment(t, ce)
	n := noticeOf(k, casework.NoticePayment)
	if n == nil || n.Content.Amount != 2000 || n.Content.PaymentNo != k.Payment.NoticeNo || len(n.Content.Fees) != 1 {
		t.Fatalf("payment notice: %+v", n)
	}
	win := ce.as(t, "county.window")
	// 收缴分离: the window never takes money.
	if er := win.act(k.Serial, "confirm-payment", map[string]any{"reference": "BANK0001"}).apiErr(http.StatusForbidden, "forbidden"); !strings.Contains(er.Message, "收缴分离") {
		t.Fatalf("window confirming payment: %q", er.Message)
	}
	win.act(k.Serial, "complete", nil).apiErr(http.StatusConflict, "conflict")
	if got := win.caseOf(k.Serial); got.Version != k.Version || got.Paid || got.Payment.State != "unpaid" {
		t.Fatalf("refusals changed the case: %+v", got.Payment)
	}
	cashier := ce.as(t, "county.cashier")
	cashier.act(k.Serial, "confirm-payment", nil).apiErr(http.StatusUnprocessableEntity, "invalid") // no reference
	k = cashier.mustAct(k.Serial, "confirm-payment", map[string]any{"reference": "ICBC20260928001", "version": k.Version})
	if k.Status != casework.Approved || !k.Paid || k.Payment.State != "paid" || k.Payment.Channel != "bank_window" || k.Payment.ReceiptNo == "" {
		t.Fatalf("after payment: %s %+v", k.Status, k.Payment)
	}
	if r := noticeOf(k, casework.NoticeReceipt); r == nil || r.Content.Reference != "ICBC20260928001" || r.Content.Amount != 2000 {
		t.Fatalf("receipt: %+v", r)
	}
	if st := stepOf(k, "confirm-payment"); st == nil || st.ActorName != "郑美玲" {
		t.Fatalf("payment step: %+v", st)
	}
	k = win.mustAct(k.Serial, "complete", nil)
	if k.Status != casework.Completed {
		t.Fatal(k.Status)
	}
}

func sign(key, body []byte) string {
	m := hmac.New(sm3.New, key)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func testPaymentCallback(t *testing.T, ce *caseEnv) {
	k := awaitingPayment(t, ce)
	secret := []byte("zwfw-test-payment-secret")
	callback := func(c *client, v map[string]any, key []byte) *response {
		t.Helper()
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return c.do("POST", "/payments/callback", "application/json", bytes.NewReader(b), map[string]string{api.SignatureHeader: sign(key, b)})
	}
	paid := func(ref string, cents int64, at time.Time) map[string]any {
		return map[string]any{"serial": k.Serial, "reference": ref, "amount_cents": cents, "timestamp": at.Unix()}
	}
	now := ce.clk.now()

	// Before the bank's key is set, a callback signed with it is refused:
	// the platform has only the simulator's key, which never leaves it.
	callback(anon(t, ce.e), paid("WX2026092800001", 2000, now), secret).apiErr(http.StatusUnauthorized, "unauthorized")

	ce.e.App.Cases.SetPayments(secret, true)
	t.Cleanup(func() { ce.e.App.Cases.SetPayments(nil, true) })
	pay := anon(t, ce.e)
	// The simulator's key is not the bank's: a callback the simulator
	// signed is refused for a unit that uses the bank.
	demoBody, demoSig := ce.e.App.Cases.DemoGateway().Callback(k.Serial, 2000, now)
	pay.do("POST", "/payments/callback", "application/json", bytes.NewReader(demoBody), map[string]string{api.SignatureHeader: demoSig}).
		apiErr(http.StatusUnauthorized, "unauthorized")
	callback(pay, paid("WX2026092800001", 2000, now), []byte("not-the-secret")).apiErr(http.StatusUnauthorized, "unauthorized")
	pay.do("POST", "/payments/callback", "application/json", strings.NewReader(`{"serial":"`+k.Serial+`"}`), nil).apiErr(http.StatusUnauthorized, "unauthorized")
	pay.do("POST", "/payments/callback", "application/json", strings.NewReader(`{}`), map[string]string{api.SignatureHeader: "zz"}).apiErr(http.StatusUnauthorized, "unauthorized")
	// A signed body cannot be altered: the signature of one amount does not cover another.
	b, _ := json.Marshal(paid("WX2026092800001", 2000, now))
	forged := bytes.Replace(b, []byte("2000"), []byte("20"), 1)
	pay.do("POST", "/payments/callback", "application/json", bytes.NewReader(forged), map[string]string{api.SignatureHeader: sign(secret, b)}).
		apiErr(http.StatusUnauthorized, "unauthorized")
	// A window clerk's session does not stand in for the signature.
	clerk := &client{t: t, base: pay.base, token: ce.as(t, "county.window").token}
	callback(clerk, paid("WX2026092800001", 2000, now), []byte("guess")).apiErr(http.StatusUnauthorized, "unauthorized")
	// An old callback is not replayed.
	callback(pay, paid("WX2026092800001", 2000, now.Add(-10*time.Minute)), secret).apiErr(http.StatusUnauthorized, "unauthorized")
	if er := callback(pay, paid("WX2026092800001", 1000, now), secret).apiErr(http.StatusUnprocessableEntity, "invalid"); !er.hasDetail("amount_cents", "20.00 元") {
		t.Fatalf("wrong amount: %+v", er)
	}
	callback(pay, map[string]any{"serial": "610923-20990101-00001", "reference": "WX1", "amount_cents": 2000, "timestamp": now.Unix()}, secret).
		apiErr(http.StatusNotFound, "not_found")
	if got := ce.as(t, "county.window").caseOf(k.Serial); got.Version != k.Version || got.Paid || got.Status != casework.AwaitingPayment {
		t.Fatalf("refused callbacks changed the case: %s v%d", got.Status, got.Version)
	}

	res := callback(pay, paid("WX2026092800001", 2000, now), secret)
	var ack struct {
		Serial, Status, Reference string
		ReceiptNo                 string `json:"receipt_no"`
		AmountCents               int64  `json:"amount_cents"`
	}
	if res.Status != http.StatusOK {
		t.Fatalf("valid callback: %d %s", res.Status, res.Body)
	}
	conforms(t, "PaymentAck", res.Body)
	res.decode(&ack)
	if ack.Serial != k.Serial || ack.Status != casework.Approved || ack.ReceiptNo == "" || ack.Reference != "WX2026092800001" || ack.AmountCents != 2000 {
		t.Fatalf("ack: %s", res.Body)
	}
	if bytes.Contains(res.Body, []byte(walkInPhone)) || bytes.Contains(res.Body, []byte("陈家明")) {
		t.Fatalf("the ack tells the payment platform personal data: %s", res.Body)
	}
	got := ce.as(t, "county.window").caseOf(k.Serial)
	if !got.Paid || got.Payment.Channel != "online" || got.Payment.ReceiptNo != ack.ReceiptNo || noticeOf(got, casework.NoticeReceipt) == nil {
		t.Fatalf("after the callback: %+v", got.Payment)
	}
	// The platform retries: the same answer, nothing issued twice.
	res = callback(pay, paid("WX2026092800001", 2000, now.Add(time.Minute)), secret)
	if res.Status != http.StatusOK || !bytes.Contains(res.Body, []byte(ack.ReceiptNo)) {
		t.Fatalf("retry: %d %s", res.Status, res.Body)
	}
	callback(pay, paid("WX2026092899999", 2000, now), secret).apiErr(http.StatusConflict, "conflict")
	if again := ce.as(t, "county.window").caseOf(k.Serial); again.Version != got.Version || len(again.Notices) != len(got.Notices) {
		t.Fatalf("a repeated callback changed the case: v%d→v%d", got.Version, again.Version)
	}

	// The platform delivers the same callback three times at once: all are
	// answered as paid, one receipt is issued.
	k2 := awaitingPayment(t, ce)
	b, _ = json.Marshal(map[string]any{"serial": k2.Serial, "reference": "WX2026092800002", "amount_cents": 2000, "timestamp": now.Unix()})
	sig := sign(secret, b)
	codes := make([]int, 3)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req, _ := http.NewRequest("POST", pay.base+"/payments/callback", bytes.NewReader(b))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(api.SignatureHeader, sig)
			if res, err := http.DefaultClient.Do(req); err == nil {
				res.Body.Close()
				codes[i] = res.StatusCode
			}
		}(i)
	}
	wg.Wait()
	got = ce.as(t, "county.window").caseOf(k2.Serial)
	receipts := 0
	for _, n := range got.Notices {
		if n.Kind == casework.NoticeReceipt {
			receipts++
		}
	}
	if codes[0] != http.StatusOK || codes[1] != http.StatusOK || codes[2] != http.StatusOK || !got.Paid || receipts != 1 {
		t.Fatalf("simultaneous deliveries: %v, paid %v, %d receipts", codes, got.Paid, receipts)
	}
}
