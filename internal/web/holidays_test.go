package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
	"zwfw/internal/testclock"
)

// A year without national holiday data is not silently all working days:
// from late in the last known year administrators see a warning on the
// pages of administration, and deadlines that fall in the unknown year say
// 暂定 on the workbench, on the case page and in the case JSON.
func TestUnknownHolidayYear(t *testing.T) {
	const warning = "本系统载入的法定节假日安排只到 2027 年"
	clk := testclock.RunningAt(testclock.Day("2027-12-20"))
	e := apptest.Start(t, "sqlite", apptest.Options{Now: clk.Now})
	adm := login(t, e, "county.admin", apptest.DemoPassword)
	for _, path := range []string{"/admin", "/work", "/supervision/reports"} {
		mustContain(t, path, workOK(t, adm, path).Body, warning)
	}
	if p := workOK(t, login(t, e, "county.window", apptest.DemoPassword), "/work"); strings.Contains(p.Body, warning) {
		t.Error("the window clerk is shown the administrators' warning")
	}
	if p := adm.get("/"); strings.Contains(p.Body, warning) {
		t.Error("the public hall shows the administrators' warning")
	}

	// 食品经营许可, 5 working days from Monday 12-20: due 12-27, known; 社会团体成立登记, 15: due in 2028.
	ctx := context.Background()
	win, _ := e.App.Users.ByUsername(ctx, "county.window")
	accept := func(item string) *casework.Case {
		serial := workWalkIn(t, e, item, wkCounty)
		k, err := e.App.Cases.Act(ctx, win.Actor(), serial, casework.ActAccept, casework.ActionInput{Version: workGetCase(t, e, serial).Version})
		if err != nil {
			t.Fatal(err)
		}
		return workGetCase(t, e, k.Serial)
	}
	known, beyond := accept(wkFood), accept("010200600000")
	if known.Due == nil || known.Due.Provisional || beyond.Due == nil || !beyond.Due.Provisional || !strings.HasPrefix(beyond.Deadline, "2028-") {
		t.Fatalf("due: %s %+v, %s %+v", known.Deadline, known.Due, beyond.Deadline, beyond.Due)
	}
	p := workOK(t, adm, "/work/cases/"+beyond.Serial)
	mustContain(t, "case page", p.Body, beyond.Deadline, "（暂定）")
	if p := workOK(t, adm, "/work/cases/"+known.Serial); strings.Contains(p.Body, "（暂定）") {
		t.Error("a deadline in a known year says 暂定")
	}
	sup := login(t, e, "county.supervisor", apptest.DemoPassword)
	mustContain(t, "list", workRow(t, workOK(t, sup, "/work?view=all").Body, beyond.Serial), "（暂定）")

	// The case JSON (the API takes the page's session for a GET).
	r := sup.get("/api/v1/cases/" + beyond.Serial)
	var c struct {
		Due struct {
			Provisional bool   `json:"provisional"`
			Level       string `json:"level"`
		} `json:"due"`
	}
	if err := json.Unmarshal([]byte(r.Body), &c); err != nil || r.Status != http.StatusOK || !c.Due.Provisional || c.Due.Level != "ok" {
		t.Fatalf("case JSON: %d %+v %v\n%s", r.Status, c, err, r.Body)
	}

	// At the tests' usual date nothing is unknown ahead.
	e = apptest.Start(t, "sqlite", apptest.Options{Now: testclock.RunningAt(testclock.Day("2026-11-26")).Now})
	if p := workOK(t, login(t, e, "county.admin", apptest.DemoPassword), "/admin"); strings.Contains(p.Body, warning) {
		t.Error("the warning shows with a year of holidays known ahead")
	}
}
