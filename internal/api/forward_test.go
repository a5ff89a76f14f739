package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
)

// TestForwardedCaseAPI: a forwarded case through the API on two instances
// (both databases) — the county's window forwards it and its JSON says it
// waits at 安康市（市平台）; nobody at the county may decide it (403); the
// city's case says 下级上报 and its origin; after the city's decision the
// county's case and the applicant's carry it — every answer conforms to
// openapi's Case.
func TestForwardedCaseAPI(t *testing.T) {
	for _, dialect := range apptest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			county := apptest.Start(t, dialect)
			city := apptest.Start(t, dialect, apptest.CityOptions())
			apptest.Register(t, county, city)
			apptest.Register(t, city, county)
			serial := county.Case(t, "enterprise.qinling", "010700100000", "610923C", casework.Accepted)

			win := demo(t, county, "county.window")
			c := win.mustAct(serial, casework.ActForward, map[string]any{"opinion": "取水量超过县级审批权限，报安康市审批"})
			if c.Forward == nil || !c.Forward.Waiting() || c.Forward.PeerName != "安康市（市平台）" {
				t.Fatalf("forwarded: %+v", c.Forward)
			}
			win.caseOf(serial)
			// Not even the county's own 水利局, whose item it is, decides it.
			active := true
			if _, err := county.App.Users.CreateStaff(ctx, zwfw.System, account.UserInput{Username: "county.shuili", Password: apptest.DemoPassword,
				Name: "孙河", Phone: "13800000000", Roles: []string{zwfw.RoleReviewer}, OrgCode: "610923D07", Post: "水资源股股长", Active: &active}); err != nil {
				t.Fatal(err)
			}
			e := demo(t, county, "county.shuili").act(serial, casework.ActApprove, map[string]any{"opinion": "同意"}).apiErr(http.StatusForbidden, zwfw.EFORBIDDEN)
			if !strings.Contains(e.Message, "安康市（市平台）") {
				t.Fatalf("the refusal: %+v", e)
			}

			apptest.Deliver(t, county, city, apptest.Pending(t, county, "610900", ""))
			var cs string
			if err := city.App.DB.QueryRow(ctx, `SELECT c.serial FROM case_forwards f JOIN cases c ON c.id = f.case_id
				WHERE f.direction = 'in' AND f.remote_serial = ?`, serial).Scan(&cs); err != nil {
				t.Fatal(err)
			}
			// The city's seeded window and the reviewer of its own 水利局
			// (seed.CityDemoAccounts): the case is under the city's item.
			cw := demo(t, city, "city.window")
			got := cw.caseOf(cs)
			if got.Channel != casework.ChannelForwarded || got.Forward == nil || got.Forward.Direction != casework.ForwardIn || got.Forward.RemoteSerial != serial {
				t.Fatalf("the city's case: %s %+v", got.Channel, got.Forward)
			}
			cw.mustAct(cs, casework.ActAccept, map[string]any{})
			demo(t, city, "city.reviewer").mustAct(cs, casework.ActDeny, map[string]any{"opinion": "取水口位于饮用水水源保护区内", "basis": "《中华人民共和国水法》第三十四条"})
			apptest.Deliver(t, city, county, apptest.Pending(t, city, "610923", ""))

			k := win.caseOf(serial)
			if k.Status != casework.Denied || k.Forward.Decision == nil || k.Forward.Decision.Approved || k.Forward.Decision.Basis != "《中华人民共和国水法》第三十四条" {
				t.Fatalf("the county's case: %s %+v", k.Status, k.Forward)
			}
			done := win.mustAct(serial, casework.ActComplete, map[string]any{})
			if done.Status != casework.Completed || done.Result.Approved || done.Result.Issuer != k.Forward.Decision.Dept {
				t.Fatalf("completed: %s %+v", done.Status, done.Result)
			}
			mine := demo(t, county, "enterprise.qinling").caseOf(serial)
			if mine.Forward == nil || mine.Forward.Decision == nil || mine.Forward.Decision.Opinion != "取水口位于饮用水水源保护区内" {
				t.Fatalf("the applicant's case: %+v", mine.Forward)
			}
		})
	}
}
