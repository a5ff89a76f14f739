package web_test

import (
	"context"
	"html"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
	"zwfw/internal/supervision"
)

// 差错登记 and 责任追究 name the person by 姓名（窗口）picked from a list —
// the staff in the supervisor's reach, the same reach Register checks — not
// by a user name typed in; a town's supervisor is offered no one of the
// county centre.
func TestStaffPickedByName(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		county := e.Actor(t, "county.supervisor")
		staff, err := e.App.Errors.StaffChoices(ctx, county)
		if err != nil || len(staff) < 5 {
			t.Fatalf("staff choices: %d %v", len(staff), err)
		}
		sup := login(t, e, "county.supervisor", apptest.DemoPassword)
		for _, path := range []string{"/supervision/errors/new", "/supervision/sanctions/new"} {
			p := sup.get(path)
			if p.Status != 200 || strings.Contains(p.Body, `<input id="f-staff"`) || !strings.Contains(p.Body, `<select id="f-staff" name="staff"`) {
				t.Fatalf("%s: %d, the staff member is not picked from a list", path, p.Status)
			}
			for _, c := range staff {
				if !strings.Contains(p.Body, `<option value="`+c.Username+`">`+html.EscapeString(c.Label())+`</option>`) {
					t.Errorf("%s: %s is not offered as %q", path, c.Username, c.Label())
				}
			}
		}
		var win string
		for _, c := range staff {
			if c.Username == "county.window" {
				win = c.Label()
			}
		}
		if win == "" || !strings.Contains(win, "（") || strings.Contains(win, "county.window") {
			t.Fatalf("county.window is offered as %q", win)
		}
		// Prefilled from an error record, the person is selected.
		if p := sup.get("/supervision/sanctions/new?staff=county.window"); !strings.Contains(p.Body, `<option value="county.window" selected>`) {
			t.Error("the sanction form does not preselect the person it was opened for")
		}
		// The picker and the rule agree: an offered person is accepted.
		c := staff[len(staff)-1]
		if _, err := e.App.Errors.Register(ctx, county, supervision.ErrorInput{Kind: "attitude", Staff: c.Username, Description: "窗口人员态度生硬", OccurredOn: "2026-11-25"}); err != nil {
			t.Errorf("Register refuses the offered %s: %v", c.Username, err)
		}
		// A town's supervisor sees the town's staff only.
		town, err := e.App.Errors.StaffChoices(ctx, e.Actor(t, "chengguan.supervisor"))
		if err != nil || len(town) == 0 {
			t.Fatalf("town choices: %v", err)
		}
		for _, c := range town {
			if strings.HasPrefix(c.Username, "county.") {
				t.Errorf("the town's supervisor is offered %s", c.Username)
			}
		}
	})
}
