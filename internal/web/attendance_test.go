package web_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"zwfw/internal/app/apptest"
	"zwfw/internal/attendance"
)

// A centre's manager registers a fingerprint device on the attendance page
// and sees its token once; the device punches with it; once the manager
// stops the device on the page, its token is refused and its punches stay.
func TestDevicesOnTheAttendancePage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		m := login(t, e, "chengguan.hall", apptest.DemoPassword)
		page := m.get("/attendance").Body
		mustContain(t, "page", page, "考勤机", "登记", "窗口值守")
		if strings.Contains(page, "正在办理") {
			t.Error("the hall view says a window serves someone while no ticket is called")
		}
		p := m.post("/attendance/devices", url.Values{"centre": {"610923100C"}, "name": {"一楼大厅指纹机"}}, true)
		if p.Status != 200 || p.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("register: %d, Cache-Control %q", p.Status, p.Header.Get("Cache-Control"))
		}
		mustContain(t, "registered", p.Body, "已登记考勤机“一楼大厅指纹机”", "只显示这一次")
		tok := regexp.MustCompile(`<code class="att-token">([0-9a-f]{48})</code>`).FindStringSubmatch(p.Body)
		if tok == nil {
			t.Fatal("the token is not on the page")
		}
		again := m.get("/attendance").Body
		if strings.Contains(again, tok[1]) {
			t.Fatal("the token is shown a second time")
		}
		mustContain(t, "listed", again, "一楼大厅指纹机", "使用中")
		now := e.Clock.Now()
		if n, err := e.App.Attendance.DevicePunch(ctx, tok[1], []attendance.DevicePunchInput{{Staff: "chengguan.window", At: now.Format(time.RFC3339)}}); err != nil || n != 1 {
			t.Fatalf("device punch: %d %v", n, err)
		}
		// A name is required; a window clerk may not register one.
		p = m.post("/attendance/devices", url.Values{"centre": {"610923100C"}, "name": {" "}}, true)
		mustContain(t, "no name", m.follow(p).Body, "请填写考勤机名称")
		if p := login(t, e, "chengguan.window", apptest.DemoPassword).post("/attendance/devices", url.Values{"centre": {"610923100C"}, "name": {"私装"}}, true); p.Status != 403 {
			t.Fatalf("a clerk registering a device: %d, want 403", p.Status)
		}
		devs, err := e.App.Attendance.Devices(ctx, e.Actor(t, "chengguan.hall"))
		if err != nil {
			t.Fatal(err)
		}
		var id int64
		for _, d := range devs {
			if d.Name == "一楼大厅指纹机" {
				id = d.ID
			}
		}
		p = m.post(fmt.Sprintf("/attendance/devices/%d/revoke", id), url.Values{}, true)
		mustContain(t, "revoked", m.follow(p).Body, "考勤机已停用", "已停用")
		if _, err := e.App.Attendance.DevicePunch(ctx, tok[1], []attendance.DevicePunchInput{{Staff: "chengguan.window", At: now.Format(time.RFC3339)}}); err == nil {
			t.Fatal("a stopped device's token still punches")
		}
	})
}
