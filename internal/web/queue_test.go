package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/hall"
)

// The kiosk says on its own page why no ticket is issued (the day's numbers
// are gone), the phone page takes a ticket, and the ticket page shows no
// personal data — only the number, the category, the queue and the time.
func TestKioskAndTicketPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		c, err := e.App.Hall.CreateCategory(ctx, zwfw.System, "610923100C", hall.CategoryInput{Name: "预约核验", Prefix: "Y", DailyMax: 1})
		if err != nil {
			t.Fatal(err)
		}
		anon := newClient(t, e)
		anon.get("/hall/610923100C/kiosk")
		p := anon.post("/hall/610923100C/tickets", url.Values{"category": {fmt.Sprint(c.ID)}, "from": {"kiosk"}}, true)
		if p.Status != 303 || !strings.HasPrefix(p.Header.Get("Location"), "/queue/") || !strings.HasSuffix(p.Header.Get("Location"), "?kiosk=1") {
			t.Fatalf("take at the kiosk: %d %s", p.Status, p.Header.Get("Location"))
		}
		ticket := anon.follow(p)
		mustContain(t, "ticket", ticket.Body, "Y001", "预约核验", "您前面还有 <b>0</b> 人", "data-autoprint", `url=/hall/610923100C/kiosk`)
		for _, private := range []string{"身份证", "手机号", "姓名"} {
			if strings.Contains(ticket.Body, private) {
				t.Errorf("the ticket page mentions %s", private)
			}
		}
		p = anon.post("/hall/610923100C/tickets", url.Values{"category": {fmt.Sprint(c.ID)}, "from": {"kiosk"}}, true)
		if p.Status != 303 || p.Header.Get("Location") != "/hall/610923100C/kiosk" {
			t.Fatalf("the second take of a category with a daily maximum of 1: %d %s", p.Status, p.Header.Get("Location"))
		}
		mustContain(t, "kiosk after the refusal", anon.follow(p).Body, "今日“预约核验”的号已取完（每日限 1 个）")
		// The phone page: another category, a ticket to follow.
		phone := newClient(t, e)
		mustContain(t, "phone page", phone.get("/hall/610923100C").Body, "城关镇", "手机取号", "综合受理", "绿色通道取号")
		_, cats, err := e.App.Hall.Categories(ctx, "610923100C", false)
		if err != nil {
			t.Fatal(err)
		}
		var a int64
		for _, c := range cats {
			if c.Prefix == "A" {
				a = c.ID
			}
		}
		p = phone.post("/hall/610923100C/tickets", url.Values{"category": {fmt.Sprint(a)}, "from": {"phone"}, "priority": {"1"}}, true)
		mustContain(t, "phone ticket", phone.follow(p).Body, "A001", "绿色通道", `http-equiv="refresh" content="15"`)
		if qr := phone.get(p.Header.Get("Location") + "/qr.png"); qr.Status != 200 || qr.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("ticket QR: %d %s", qr.Status, qr.Header.Get("Content-Type"))
		}
		if nf := phone.get("/queue/" + strings.Repeat("0", 32)); nf.Status != 404 {
			t.Fatalf("an unknown ticket: %d", nf.Status)
		}
	})
}
