package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
)

// The rating page works without signing in from the signed link: a 差评
// without its reason is refused and changes nothing; with it, it is taken
// once; a forged link is 404. The work order's page offers the
// supervisor what the domain allows, the window nothing before review; the
// public summary is public.
func TestRatingPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.Clock.SetDay("2026-11-16")
		serial := e.Case(t, "resident.wang", "200300200000", "610923100C", casework.Completed)
		path := e.App.Reviews.RatePath("c", serial, casework.ChannelQR)
		v := newClient(t, e)
		p := v.get(path)
		if p.Status != http.StatusOK {
			t.Fatalf("rating page %d\n%s", p.Status, p.Body)
		}
		mustContain(t, "rating page", p.Body, "好差评", serial, `name="indicators"`, "非常不满意")
		f := formValues(t, p.Body, path)
		f.Set("level", "5")
		f.Add("indicators", "efficiency")
		if p = v.post(path, f, false); p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("差评 without a reason: %d\n%s", p.Status, p.Body)
		}
		mustContain(t, "refused", p.Body, "差评请写明", `value="efficiency" checked`)
		f.Set("comment", "窗口等候时间太长")
		if p = v.post(path, f, false); p.Status != http.StatusSeeOther {
			t.Fatalf("rating: %d\n%s", p.Status, p.Body)
		}
		mustContain(t, "rated", v.follow(p).Body, "感谢您的评价")
		if p = v.get(path); !strings.Contains(p.Body, "每个渠道只评价一次") {
			t.Fatalf("the link offers a second rating:\n%s", p.Body)
		}
		if p = v.get("/rate/x" + strings.TrimPrefix(path, "/rate/")); p.Status != http.StatusNotFound {
			t.Fatalf("forged link: %d", p.Status)
		}
		sup := login(t, e, "chengguan.supervisor", demoPass)
		p = sup.get("/work/rectifications")
		mustContain(t, "list", p.Body, "待审核", "非常不满意")
		var number string
		if err := e.App.DB.QueryRow(t.Context(), "SELECT number FROM rectifications").Scan(&number); err != nil {
			t.Fatal(err)
		}
		p = sup.get("/work/rectifications/" + number)
		mustContain(t, "detail", p.Body, "窗口等候时间太长", `/validate"`, `/clear"`)
		win := login(t, e, "chengguan.window", demoPass)
		p = win.get("/work/rectifications/" + number)
		if strings.Contains(p.Body, `/validate"`) || !strings.Contains(p.Body, "没有可办理的操作") {
			t.Fatal("the window is offered the validity review")
		}
		if p = win.post("/work/rectifications/"+number+"/validate", url.Values{}, true); p.Status != http.StatusForbidden {
			t.Fatalf("window validates: %d", p.Status)
		}
		// Clearing needs its reason.
		f = formValues(t, sup.get("/work/rectifications/"+number).Body, "/work/rectifications/"+number+"/clear")
		if p = sup.post("/work/rectifications/"+number+"/clear", f, false); p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("clear without reason: %d", p.Status)
		}
		mustContain(t, "clear refused", p.Body, "核销理由")
		if p = newClient(t, e).get("/rectification-results?org=610923100C&month=2026-11"); p.Status != http.StatusOK {
			t.Fatalf("public summary %d", p.Status)
		}
		mustContain(t, "public", p.Body, "差评整改结果公开", "差评数", "整改率")
	})
}
