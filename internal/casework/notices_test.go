package casework_test

import (
	"strings"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/org"
)

// TestNoticeNumbers: notices are numbered with the issuing centre's 机关代字
// as 宁政服受字〔2026〕第1号, a sequence per organisation, per kind and per
// year, taken in the issuing transaction; a centre without a 代字 numbers
// with its code; a 代字 set by the administrator applies from the next one.
func TestNoticeNumbers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		accept := func(centre, clerk string) string {
			c := e.walkIn(clerk, "071500100000", centre)
			c = e.do(clerk, c.Serial, casework.ActAccept, casework.ActionInput{})
			return notice(c, casework.NoticeAcceptance).Number
		}
		if a, b := accept("610923C", "county.window"), accept("610923C", "county.window"); a != "宁政服受字〔2026〕第1号" || b != "宁政服受字〔2026〕第2号" {
			t.Fatalf("the county centre's acceptances: %q, %q", a, b)
		}
		// Another kind has its own sequence.
		c := e.walkIn("county.window", "010100100000", "610923C")
		c = e.do("county.window", c.Serial, casework.ActReject, casework.ActionInput{Opinion: "不属于本机关职权范围", Basis: "《中华人民共和国行政许可法》第三十二条"})
		if n := notice(c, casework.NoticeRejection).Number; n != "宁政服不受字〔2026〕第1号" {
			t.Fatalf("the first rejection: %q", n)
		}
		// Another centre, its own 代字 and sequence.
		if n := accept("610923100C", "chengguan.window"); n != "宁城便受字〔2026〕第1号" {
			t.Fatalf("the town centre's first acceptance: %q", n)
		}
		// A new year starts again at 第1号.
		e.at("2027-01-05")
		if n := accept("610923C", "county.window"); n != "宁政服受字〔2027〕第1号" {
			t.Fatalf("the first acceptance of 2027: %q", n)
		}
		// The administrator changes the 代字: the sequence goes on under it;
		// without one, the centre's code stands in.
		orgs := org.NewService(d, e.clock)
		admin := e.actor("county.admin")
		if _, err := orgs.SetNoticeSettings(e.ctx, admin, "610923C", org.NoticeSettings{Abbrev: "宁审服字"}); err != nil {
			t.Fatal(err)
		}
		if n := accept("610923C", "county.window"); n != "宁审服受字〔2027〕第2号" {
			t.Fatalf("after the 代字 changed: %q", n)
		}
		if _, err := orgs.SetNoticeSettings(e.ctx, admin, "610923C", org.NoticeSettings{}); err != nil {
			t.Fatal(err)
		}
		if n := accept("610923C", "county.window"); n != "610923C受〔2027〕00003号" {
			t.Fatalf("without a 代字: %q", n)
		}
		// The 代字 is the administrator's to set, and only Chinese characters.
		if _, err := orgs.SetNoticeSettings(e.ctx, e.actor("county.window"), "610923C", org.NoticeSettings{Abbrev: "宁政服"}); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("a window clerk setting the 代字: %v", err)
		}
		if _, err := orgs.SetNoticeSettings(e.ctx, admin, "610923C", org.NoticeSettings{Abbrev: "NSF"}); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("a 代字 in letters: %v", err)
		}
		// One 代字, one issuer: the town centre's 宁城便 cannot also be the
		// county centre's (both would print 宁城便受字〔2027〕第1号 from their
		// own sequences, and the second would stop the centre accepting);
		// the refusal names the holder and changes nothing.
		_, err := orgs.SetNoticeSettings(e.ctx, admin, "610923C", org.NoticeSettings{Abbrev: "宁城便"})
		if zwfw.ErrorCode(err) != zwfw.EINVALID || !strings.Contains(err.Error(), "城关") {
			t.Fatalf("a 代字 another centre holds: %v", err)
		}
		if n := accept("610923C", "county.window"); n != "610923C受〔2027〕00004号" {
			t.Fatalf("after the refused 代字: %q", n)
		}
		if n := accept("610923100C", "chengguan.window"); n != "宁城便受字〔2027〕第1号" {
			t.Fatalf("the town centre's acceptance: %q", n)
		}
	})
}

// TestRefusalNoticesNameReviewAndCourt: a 不予受理通知书 and a 不予批准决定
// (the result notice of a denied case) tell where to apply for 行政复议 and
// bring 行政诉讼, with the time limits (行政复议法 §20: sixty days; 行政诉讼
// 法 §46: six months): by default the county's people's government and
// court; the organisation's settings when its administrator set them.
func TestRefusalNoticesNameReviewAndCourt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		want := func(what string, n *casework.Notice, body, court string) {
			t.Helper()
			if n == nil {
				t.Fatalf("%s: no notice", what)
			}
			for _, s := range []string{"六十日内向" + body + "申请行政复议", "六个月内向" + court + "提起行政诉讼"} {
				if !strings.Contains(n.Content.Footer, s) {
					t.Errorf("%s: %q does not say %q", what, n.Content.Footer, s)
				}
			}
			if r := n.Content.Remedy; r == nil || r.ReviewBody != body || r.Court != court {
				t.Errorf("%s: remedy %+v", what, r)
			}
		}
		c := e.walkIn("county.window", "010100100000", "610923C")
		c = e.do("county.window", c.Serial, casework.ActReject, casework.ActionInput{Opinion: "不属于本机关职权范围", Basis: "《中华人民共和国行政许可法》第三十二条"})
		want("不予受理", notice(c, casework.NoticeRejection), "宁陕县人民政府", "宁陕县人民法院")

		c = e.walkIn("county.window", "071500100000", "610923C")
		e.do("county.window", c.Serial, casework.ActAccept, casework.ActionInput{})
		e.do("gongan.reviewer", c.Serial, casework.ActDeny, casework.ActionInput{Opinion: "户籍信息与申请不符", Basis: "《居民身份证法》第八条"})
		c = e.do("county.window", c.Serial, casework.ActComplete, casework.ActionInput{})
		want("不予批准", notice(c, casework.NoticeResult), "宁陕县人民政府", "宁陕县人民法院")
		if c.Result == nil || c.Result.Approved || c.Result.Name != "不予批准决定书" {
			t.Fatalf("result: %+v", c.Result)
		}

		// The town centre's administrator... the county's sets the town's.
		orgs := org.NewService(d, e.clock)
		if _, err := orgs.SetNoticeSettings(e.ctx, e.actor("county.admin"), "610923100C",
			org.NoticeSettings{Abbrev: "宁城便", ReviewBody: "宁陕县城关镇人民政府", Court: "宁陕县人民法院"}); err != nil {
			t.Fatal(err)
		}
		c = e.walkIn("chengguan.window", "071500100000", "610923100C")
		c = e.do("chengguan.window", c.Serial, casework.ActReject, casework.ActionInput{Opinion: "不属于本机关职权范围", Basis: "《中华人民共和国行政许可法》第三十二条"})
		want("不予受理 in town", notice(c, casework.NoticeRejection), "宁陕县城关镇人民政府", "宁陕县人民法院")
		// Acceptances name no remedy.
		c = e.walkIn("county.window", "010100100000", "610923C")
		c = e.do("county.window", c.Serial, casework.ActAccept, casework.ActionInput{})
		if n := notice(c, casework.NoticeAcceptance); n.Content.Remedy != nil || strings.Contains(n.Content.Footer, "行政复议") {
			t.Fatalf("an acceptance names a remedy: %+v", n.Content)
		}
	})
}

// TestOnlinePaymentGateways: a callback counts only when signed by the
// gateway the case's collecting unit uses; a unit that collects at the bank
// window only takes no online payment; the simulator's callback pays.
func TestOnlinePaymentGateways(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		e.cases.SetPayments([]byte("the-bank-key"), true)
		c := e.walkIn("county.window", "071500100000", "610923C")
		e.do("county.window", c.Serial, casework.ActAccept, casework.ActionInput{})
		c = e.do("gongan.reviewer", c.Serial, casework.ActApprove, casework.ActionInput{})
		orgs := org.NewService(d, e.clock)
		set := func(gw string) {
			t.Helper()
			if _, err := orgs.SetNoticeSettings(e.ctx, e.actor("county.admin"), "610923C", org.NoticeSettings{Abbrev: "宁政服", Gateway: gw}); err != nil {
				t.Fatal(err)
			}
		}
		demo := e.cases.DemoGateway()
		body, sig := demo.Callback(c.Serial, c.FeeCents, e.now)
		refused := func(what, code string) {
			t.Helper()
			if _, err := e.cases.ConfirmOnline(e.ctx, body, sig); zwfw.ErrorCode(err) != code {
				t.Fatalf("%s: %v, want %s", what, err, code)
			}
			if got, _ := e.cases.Get(e.ctx, zwfw.System, c.Serial); got.Version != c.Version || got.Paid {
				t.Fatalf("%s changed the case", what)
			}
		}
		// The unit uses the bank (its key is set): the simulator's signature
		// does not count for it.
		refused("the simulator's callback for a bank unit", zwfw.EUNAUTHORIZED)
		set(org.GatewayOff)
		refused("a callback for a unit without online payment", zwfw.EUNAUTHORIZED)
		if _, err := e.cases.PayOnline(e.ctx, zwfw.System, c.Serial); err == nil {
			t.Fatal("paying online at a unit without online payment")
		}
		set(org.GatewayDemo)
		// A forged signature, an altered body, a stale callback.
		good := sig
		sig = strings.Repeat("0", len(good))
		refused("a forged signature", zwfw.EUNAUTHORIZED)
		sig = good
		body = []byte(strings.Replace(string(body), `"amount_cents":2000`, `"amount_cents":1`, 1))
		refused("an altered body", zwfw.EUNAUTHORIZED)
		body, sig = demo.Callback(c.Serial, c.FeeCents, e.now.Add(-10*time.Minute))
		refused("a stale callback", zwfw.EUNAUTHORIZED)
		body, sig = demo.Callback(c.Serial, 1999, e.now)
		refused("the wrong amount", zwfw.EINVALID)
		// The simulator's callback pays; the same again changes nothing.
		body, sig = demo.Callback(c.Serial, c.FeeCents, e.now)
		paid, err := e.cases.ConfirmOnline(e.ctx, body, sig)
		if err != nil || !paid.Paid || paid.Status != casework.Approved || paid.Payment.Channel != "online" {
			t.Fatalf("the simulator's callback: %v %+v", err, paid)
		}
		again, err := e.cases.ConfirmOnline(e.ctx, body, sig)
		if err != nil || again.Version != paid.Version {
			t.Fatalf("the same callback again: %v", err)
		}
		if r := notice(paid, casework.NoticeReceipt); r == nil || r.Number != paid.Payment.ReceiptNo || !strings.Contains(r.Content.Footer, "非税收入一般缴款书") {
			t.Fatalf("receipt: %+v", r)
		}
	})
}

// TestResultNumberFormat: a 食品经营许可证 issued without a number given at
// the window is numbered in its own format (the catalog's rule): JY, the
// 业态, the county's division code, the sequence and the check digit.
func TestResultNumberFormat(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		e.staff("county.examiner", "张卫东", zwfw.RoleReviewer, "610923D01", "食品经营许可股审查员")
		var got []string
		for range 2 {
			c := e.walkIn("county.window", "010100100000", "610923C")
			e.do("county.window", c.Serial, casework.ActAccept, casework.ActionInput{})
			e.do("county.examiner", c.Serial, casework.ActReview, casework.ActionInput{Opinion: "材料齐全，现场核查符合条件"})
			e.do("county.reviewer", c.Serial, casework.ActApprove, casework.ActionInput{Opinion: "准予许可"})
			c = e.do("county.window", c.Serial, casework.ActComplete, casework.ActionInput{})
			got = append(got, c.Result.Number)
		}
		if got[0] != "JY26109230000019" || got[1] != "JY26109230000027" {
			t.Fatalf("food licence numbers: %q", got)
		}
	})
}
