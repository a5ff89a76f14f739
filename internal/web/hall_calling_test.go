package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/hall"
)

// The workbench's calling panel is for window staff only; through it the
// window serves a ticket, sees the case filed during the service, hands
// the pad over for the rating (once; a 差评 needs its reason) and puts a
// missed ticket back into the queue; the case page names its ticket.
func TestWorkbenchCallingPanel(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		_, cats, err := e.App.Hall.Categories(ctx, "610923C", false)
		if err != nil {
			t.Fatal(err)
		}
		var a int64
		for _, c := range cats {
			if c.Prefix == "A" {
				a = c.ID
			}
		}
		for range 2 {
			if _, err := e.App.Hall.Take(ctx, "610923C", hall.TakeInput{CategoryID: a}); err != nil {
				t.Fatal(err)
			}
		}
		for _, who := range []string{"county.reviewer", "county.cashier", "county.hall"} {
			if body := login(t, e, who, apptest.DemoPassword).get("/work").Body; strings.Contains(body, `id="hall-desk"`) {
				t.Errorf("%s sees the calling panel", who)
			}
		}
		win := login(t, e, "county.window", apptest.DemoPassword)
		mustContain(t, "window's workbench", win.get("/work").Body, `id="hall-desk"`, "叫号 · 综合受理窗口一", `data-hall-action="next"`)
		if p := win.post("/work/hall/610923CW01/next", url.Values{}, true); p.Status != 303 {
			t.Fatalf("next: %d", p.Status)
		}
		// A case filed at the window now is linked to A001.
		serial := e.Case(t, "county.window", "010100100000", "610923C", "submitted")
		c, err := e.App.Cases.Get(ctx, zwfw.System, serial)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := e.App.Hall.LinkCase(ctx, e.Actor(t, "county.window"), c.ID); err != nil || n != "A001" {
			t.Fatalf("link = %q %v", n, err)
		}
		mustContain(t, "panel serving A001", win.get("/work").Body, "A001", "本次办件", "/work/cases/"+serial, "转出", `name="to_window"`)
		mustContain(t, "case page", win.get("/work/cases/"+serial).Body, "取号 A001")
		// A transfer refused: the panel says why.
		p := win.post("/work/hall/610923CW01/transfer", url.Values{"to_window": {"610923CW01"}}, true)
		mustContain(t, "refused transfer", win.follow(p).Body, "不能转到本窗口")
		// 办结, then the pad.
		win.post("/work/hall/610923CW01/finish", url.Values{}, true)
		mustContain(t, "panel after 办结", win.get("/work").Body, "上一位", "交评价器评价", "/work/hall/610923CW01/tickets/A001/rate")
		mustContain(t, "pad", win.get("/work/hall/610923CW01/tickets/A001/rate").Body, "请您对本次服务进行评价", "非常满意", "非常不满意", serial)
		p = win.post("/work/hall/610923CW01/tickets/A001/rate", url.Values{"level": {"5"}}, true)
		if p.Status != 422 || !strings.Contains(p.Body, "差评请写明不满意的原因") {
			t.Fatalf("差评 without a reason: %d", p.Status)
		}
		p = win.post("/work/hall/610923CW01/tickets/A001/rate", url.Values{"level": {"2"}}, true)
		if p.Status != 303 {
			t.Fatalf("rate: %d %s", p.Status, p.Body)
		}
		mustContain(t, "pad after", win.follow(p).Body, "感谢您的评价", "/work/cases/"+serial+"/evaluate")
		p = win.post("/work/hall/610923CW01/tickets/A001/rate", url.Values{"level": {"1"}}, true)
		if p.Status != 409 || !strings.Contains(p.Body, "每次服务只评价一次") {
			t.Fatalf("second rating: %d", p.Status)
		}
		mustContain(t, "panel after the rating", win.get("/work").Body, "评价：满意")
		// A002 missed, then re-queued from the panel.
		win.post("/work/hall/610923CW01/next", url.Values{}, true)
		for _, act := range []string{"recall", "recall", "recall", "miss"} {
			win.post("/work/hall/610923CW01/"+act, url.Values{}, true)
		}
		mustContain(t, "panel with a missed ticket", win.get("/work").Body, "A002 重新排队")
		p = win.post("/work/hall/610923CW01/tickets/A002/requeue", url.Values{}, true)
		mustContain(t, "re-queued", win.follow(p).Body, "A002号已重新排队")
		p = win.post("/work/hall/610923CW01/tickets/A002/requeue", url.Values{}, true)
		mustContain(t, "second re-queue", win.follow(p).Body, "不是过号的号")
	})
}
