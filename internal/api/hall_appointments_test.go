package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/hall"
)

// Appointments through the API: slots are public, booking is for a
// signed-in applicant, the hall manager sees the day's bookings masked,
// and every refusal comes in the one error shape with nothing changed.
func TestHallAppointmentsAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.Clock.Set(time.Date(2026, 11, 26, 9, 0, 0, 0, zwfw.Zone))
		pub := anon(t, e)
		var cats struct {
			Items []hall.Category `json:"items"`
		}
		pub.get("/hall/centres/610923C/categories").decode(&cats)
		a := cats.Items[0].ID
		slots := fmt.Sprintf("/hall/centres/610923C/slots?category=%d&day=2026-11-30", a)
		var sd hall.SlotDay
		pub.get(slots).decode(&sd)
		if len(sd.Slots) == 0 || sd.Slots[0].Left != sd.Slots[0].Capacity || sd.Slots[0].Capacity < 1 {
			t.Fatalf("slots = %+v", sd)
		}
		pub.get("/hall/centres/610923C/slots").apiErr(http.StatusBadRequest, "bad_request")
		pub.get(fmt.Sprintf("/hall/centres/610923C/slots?category=%d&day=2026-11-28", a)).apiErr(http.StatusUnprocessableEntity, "invalid")

		book := map[string]any{"category_id": a, "day": "2026-11-30", "slot": sd.Slots[0].Start}
		pub.post("/hall/centres/610923C/appointments", book).apiErr(http.StatusUnauthorized, "unauthorized")
		demo(t, e, "county.window").post("/hall/centres/610923C/appointments", book).apiErr(http.StatusForbidden, "forbidden")
		wang := demo(t, e, "resident.wang")
		wang.post("/hall/centres/610923C/appointments", map[string]any{"category_id": a, "day": "2026-11-30", "slot": "9点"}).apiErr(http.StatusUnprocessableEntity, "invalid")
		wang.post("/hall/centres/610923C/appointments", map[string]any{"category_id": "A"}).apiErr(http.StatusBadRequest, "bad_request")
		res := wang.post("/hall/centres/610923C/appointments", book)
		if res.Status != http.StatusCreated {
			t.Fatalf("book: %d %s", res.Status, res.Body)
		}
		var ap hall.Appointment
		res.decode(&ap)
		if len(ap.Code) != 6 || ap.Status != hall.Booked || !ap.MayCancel || ap.MayCheckIn {
			t.Fatalf("booking = %+v", ap)
		}
		wang.post("/hall/centres/610923C/appointments", book).apiErr(http.StatusConflict, "conflict")
		pub.get(slots).decode(&sd)
		if sd.Slots[0].Booked != 1 {
			t.Fatalf("slot after one booking = %+v", sd.Slots[0])
		}

		var mine struct {
			Items []hall.Appointment `json:"items"`
		}
		wang.get("/hall/appointments").decode(&mine)
		// The coming ones, soonest first; the demo's bookings (made on the
		// day the instance was seeded, which the dated reruns move) sort
		// among them by their days.
		found := false
		for i, m := range mine.Items {
			found = found || m.Token == ap.Token
			if i > 0 && mine.Items[i-1].Day+mine.Items[i-1].Slot > m.Day+m.Slot {
				t.Fatalf("my bookings out of order: %+v", mine.Items)
			}
		}
		if !found {
			t.Fatalf("my bookings = %+v, without the one just made", mine.Items)
		}
		demo(t, e, "county.window").get("/hall/appointments/"+ap.Token).apiErr(http.StatusForbidden, "forbidden")

		// Check-in outside the slot's window; a code of another day.
		wang.post("/hall/appointments/"+ap.Token+"/checkin", nil).apiErr(http.StatusConflict, "conflict")
		pub.post("/hall/centres/610923C/checkins", map[string]any{"code": ap.Code}).apiErr(http.StatusNotFound, "not_found")
		pub.post("/hall/centres/610923C/checkins", map[string]any{"code": "12ab"}).apiErr(http.StatusUnprocessableEntity, "invalid")

		// The county's hall manager sees the day masked; a town's does not.
		var day hall.CentreDay
		demo(t, e, "county.admin").get("/hall/centres/610923C/appointments?day=2026-11-30").decode(&day)
		if day.Total != 1 || day.Slots[0].Bookings[0].Token != "" || !strings.Contains(day.Slots[0].Bookings[0].Applicant, "*") ||
			!strings.Contains(day.Slots[0].Bookings[0].Phone, "****") {
			t.Fatalf("centre day = %+v", day)
		}
		demo(t, e, "chengguan.admin").get("/hall/centres/610923C/appointments").apiErr(http.StatusForbidden, "forbidden")

		res = wang.post("/hall/appointments/"+ap.Token+"/cancel", nil)
		res.decode(&ap)
		if res.Status != http.StatusOK || ap.Status != hall.Cancelled {
			t.Fatalf("cancel: %d %+v", res.Status, ap)
		}
		wang.post("/hall/appointments/"+ap.Token+"/cancel", nil).apiErr(http.StatusConflict, "conflict")
	})
}
