package api_test

import (
	"net/http"
	"testing"

	"zwfw/internal/app/apptest"
	"zwfw/internal/hall"
)

// The rest of window calling through the API: a case filed at the window
// during a service is linked to the ticket, the service is rated once on
// the pad (a 差评 needs its reason), a transfer to another centre's
// window is refused with nothing changed, and a missed ticket goes back
// into the queue once.
func TestHallCallingAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		pub := anon(t, e)
		var cats struct {
			Items []hall.Category `json:"items"`
		}
		pub.get("/hall/centres/610923C/categories").decode(&cats)
		a := cats.Items[0].ID
		for range 2 {
			if res := pub.post("/hall/centres/610923C/tickets", map[string]any{"category_id": a}); res.Status != http.StatusCreated {
				t.Fatalf("take: %d %s", res.Status, res.Body)
			}
		}
		county := demo(t, e, "county.window")
		var tk hall.Ticket
		county.post("/hall/windows/610923CW01/calls/next", nil).decode(&tk)
		if tk.Number != "A001" {
			t.Fatalf("called %s", tk.Number)
		}
		// 窗口收件 while A001 is served: the case is linked to it.
		var mats []map[string]any
		for _, m := range pub.item("010100100000").Materials {
			if m.Required == "required" {
				mats = append(mats, map[string]any{"name": m.Name, "handed_in": "window"})
			}
		}
		res := county.post("/cases", map[string]any{"item_code": "010100100000", "org_code": "610923C", "applicant": walkInApplicant,
			"form": map[string]any{"description": "申请", "fields": map[string]any{"经营场所": "城关镇"}}, "materials": mats})
		if res.Status != http.StatusCreated {
			t.Fatalf("file: %d %s", res.Status, res.Body)
		}
		var filed struct {
			Serial string `json:"serial"`
		}
		res.decode(&filed)
		var staff hall.Ticket
		county.get("/hall/windows/610923CW01/tickets/A001").decode(&staff)
		if len(staff.Cases) != 1 || staff.Cases[0] != filed.Serial {
			t.Fatalf("ticket's cases = %v, want [%s]", staff.Cases, filed.Serial)
		}
		// The public ticket never names the cases.
		var public map[string]any
		pub.get("/hall/tickets/" + staff.Token).decode(&public)
		if _, ok := public["cases"]; ok {
			t.Fatalf("public ticket = %v, names the cases", public)
		}
		// Another centre's staff are refused the staff view.
		demo(t, e, "chengguan.window").get("/hall/windows/610923CW01/tickets/A001").apiErr(http.StatusForbidden, "forbidden")
		// Transfers: across centres refused, nothing changed.
		county.post("/hall/windows/610923CW01/transfer", map[string]any{"window": "610923100CW01"}).apiErr(http.StatusUnprocessableEntity, "invalid")
		county.post("/hall/windows/610923CW01/transfer", map[string]any{"windw": "x"}).apiErr(http.StatusBadRequest, "bad_request")
		var desk struct {
			Current *hall.Ticket   `json:"current"`
			Missed  []*hall.Ticket `json:"missed"`
			Last    *hall.Ticket   `json:"last"`
		}
		county.get("/hall/windows/610923CW01/desk").decode(&desk)
		if desk.Current == nil || desk.Current.Number != "A001" || desk.Current.Status != hall.Called || len(desk.Current.Cases) != 1 {
			t.Fatalf("desk after refused transfers = %+v", desk.Current)
		}
		// 办结, then the pad: a 差评 without a reason is refused, then one rating.
		county.post("/hall/windows/610923CW01/calls/finish", nil).decode(&tk)
		county.post("/hall/windows/610923CW01/tickets/A001/rating", map[string]any{"level": 5}).apiErr(http.StatusUnprocessableEntity, "invalid")
		if res := county.post("/hall/windows/610923CW01/tickets/A001/rating", map[string]any{"level": 2}); res.Status != http.StatusCreated {
			t.Fatalf("rate: %d %s", res.Status, res.Body)
		}
		county.post("/hall/windows/610923CW01/tickets/A001/rating", map[string]any{"level": 1}).apiErr(http.StatusConflict, "conflict")
		// A002 missed, re-queued once.
		county.post("/hall/windows/610923CW01/calls/next", nil).decode(&tk)
		for range tk.Recalls + 3 {
			county.post("/hall/windows/610923CW01/calls/recall", nil)
		}
		if res := county.post("/hall/windows/610923CW01/calls/miss", nil); res.Status != http.StatusOK {
			t.Fatalf("miss: %d %s", res.Status, res.Body)
		}
		county.get("/hall/windows/610923CW01/desk").decode(&desk)
		if len(desk.Missed) != 1 || desk.Missed[0].Number != "A002" || desk.Last == nil || desk.Last.Rating == nil {
			t.Fatalf("desk = missed %v last %+v", desk.Missed, desk.Last)
		}
		county.post("/hall/windows/610923CW01/tickets/A002/requeue", nil).decode(&tk)
		if tk.Status != hall.Waiting || !tk.Requeued {
			t.Fatalf("re-queued = %+v", tk)
		}
		county.post("/hall/windows/610923CW01/tickets/A002/requeue", nil).apiErr(http.StatusConflict, "conflict")
	})
}
