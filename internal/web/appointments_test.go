package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/app/apptest"
)

// The booking flow on the pages: the guide's 预约办理 leads to the item's
// centre's booking page, a slot booked there shows its check-in code on
// the booking's page and in 我的预约, a full or refused booking says why
// on the booking page, the kiosk's 预约签到 checks the code in and prints
// a ticket marked 预约优先, and the hall manager's list masks the name.
func TestAppointmentPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.Clock.Set(time.Date(2026, 11, 26, 9, 0, 0, 0, zwfw.Zone))
		anon := newClient(t, e)
		guide := anon.get("/items/" + foodCode).Body
		if !strings.Contains(guide, `href="/my/book/610923C?item=`+foodCode+`">预约办理</a>`) {
			t.Fatalf("the guide's 预约办理 does not lead to the booking page:\n%s", guide[strings.Index(guide, "actions"):][:600])
		}
		wang := login(t, e, "resident.wang", apptest.DemoPassword)
		_, cats, err := e.App.Hall.Categories(t.Context(), "610923C", false)
		if err != nil {
			t.Fatal(err)
		}
		a := cats[0]
		page := wang.get(fmt.Sprintf("/my/book/610923C?item=%s&category=%d&day=2026-11-30", foodCode, a.ID))
		mustContain(t, "booking page", page.Body, "预约办理", "宁陕县政务服务中心", "11月30日 周一", "08:30–09:00", "余 2 个")
		v := url.Values{"category": {fmt.Sprint(a.ID)}, "day": {"2026-11-30"}, "slot": {"09:00"}, "item": {foodCode}}
		p := wang.post("/my/book/610923C", v, true)
		if p.Status != 303 || !strings.HasPrefix(p.Header.Get("Location"), "/my/appointments/") {
			t.Fatalf("book: %d %s", p.Status, p.Header.Get("Location"))
		}
		view := wang.follow(p).Body
		mustContain(t, "the booking", view, "预约成功：签到码", "11月30日 周一 09:00–09:30", "取消预约", "签到取号")
		token := strings.TrimPrefix(p.Header.Get("Location"), "/my/appointments/")
		mine, err := e.App.Hall.Appointment(t.Context(), e.Actor(t, "resident.wang"), token)
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, "我的预约", wang.get("/my/appointments").Body, mine.Code, "已预约")
		p = wang.post("/my/book/610923C", v, true)
		if p.Status != 303 || !strings.HasPrefix(p.Header.Get("Location"), "/my/book/610923C?") {
			t.Fatalf("second booking: %d %s", p.Status, p.Header.Get("Location"))
		}
		mustContain(t, "refused booking", wang.follow(p).Body, "同一天同一类别只能预约一次")

		// At the kiosk on the day, 15 minutes before the slot.
		e.Clock.Set(time.Date(2026, 11, 30, 8, 46, 0, 0, zwfw.Zone))
		kiosk := newClient(t, e)
		mustContain(t, "kiosk", kiosk.get("/hall/610923C/kiosk").Body, "预约签到", `name="code"`)
		p = kiosk.post("/hall/610923C/checkin", url.Values{"code": {"999999"}}, true)
		if p.Status != 303 || !strings.HasPrefix(p.Header.Get("Location"), "/hall/610923C/kiosk") {
			t.Fatalf("unknown code: %d %s", p.Status, p.Header.Get("Location"))
		}
		mustContain(t, "kiosk after an unknown code", kiosk.follow(p).Body, "没有签到码为 999999 的预约")
		p = kiosk.post("/hall/610923C/checkin", url.Values{"code": {mine.Code}}, true)
		if p.Status != 303 || !strings.HasSuffix(p.Header.Get("Location"), "?kiosk=1") {
			t.Fatalf("check-in: %d %s", p.Status, p.Header.Get("Location"))
		}
		// The number follows the day's counter (the demo's queue history
		// may have used that day already when the tests run on a later
		// "today"): read it from the booking.
		if mine, err = e.App.Hall.Appointment(t.Context(), e.Actor(t, "resident.wang"), token); err != nil || mine.TicketNumber == "" {
			t.Fatalf("booking after check-in: %+v %v", mine, err)
		}
		mustContain(t, "the booked ticket", kiosk.follow(p).Body, mine.TicketNumber, "预约优先")

		hallMgr := login(t, e, "county.hall", apptest.DemoPassword)
		list := hallMgr.get("/admin/hall/appointments?centre=610923C&day=2026-11-30").Body
		mustContain(t, "the manager's list", list, "09:00–09:30", "王**", "139****1234", "已签到", mine.TicketNumber)
		if strings.Contains(list, "王秀兰") || strings.Contains(list, "13991561234") {
			t.Error("the manager's list shows the applicant's name or phone unmasked")
		}
	})
}
