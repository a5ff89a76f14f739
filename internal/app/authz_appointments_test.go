package app_test

import (
	"fmt"
	"net/url"

	"zwfw/internal/hall"
)

// Appointments' rows (预约, issue 10 item 2). Slots and the kiosk's
// check-in are public; booking, 我的预约, cancelling and checking in from
// the phone are for applicants (staff are refused with 403), and a
// booking is its owner's alone (another applicant gets 404); a centre's
// day of bookings is for the administrators who manage its hall.

// booker: visitors sign in, staff are refused, applicants get allowed.
func booker(allowed outcome) rule {
	return func(c cell) outcome {
		switch {
		case c.a.anon():
			return login
		case c.a.staff():
			return forbidden
		}
		return allowed
	}
}

// bookingOwner: as booker, and only the owner of the scope's booking
// finds it (the scope's applicant); other applicants get 404.
func bookingOwner(allowed outcome) rule {
	return func(c cell) outcome {
		switch {
		case c.a.anon():
			return login
		case c.a.staff():
			return forbidden
		case !owner(c):
			return notFound
		}
		return allowed
	}
}

// hallBooking is the token of the scope's applicant's booking of the last
// open slot of the first bookable day of the scope's category (A); a
// fresh one once a call cancelled it.
func (x *fixtures) hallBooking(sc scope) string {
	cat := x.hallCategory(sc)
	return x.take("hall-booking:"+string(sc), func() string {
		sd, err := x.e.App.Hall.Slots(x.ctx, x.centre[sc], cat, "")
		if err != nil {
			x.t.Fatal(err)
		}
		slot := ""
		for _, s := range sd.Slots {
			if s.Open {
				slot = s.Start
			}
		}
		who := x.e.Actor(x.t, x.applicant[sc])
		// A read that found it used it up too: the booking still live is
		// the one (one per applicant, category and day).
		mine, err := x.e.App.Hall.MyAppointments(x.ctx, who)
		if err != nil {
			x.t.Fatal(err)
		}
		for _, a := range mine {
			if a.Status == hall.Booked && a.CategoryID == cat && a.Day == sd.Day {
				return a.Token
			}
		}
		a, err := x.e.App.Hall.Book(x.ctx, who, x.centre[sc], hall.BookInput{CategoryID: cat, Day: sd.Day, Slot: slot})
		if err != nil {
			x.t.Fatalf("booking of %s: %v", x.applicant[sc], err)
		}
		return a.Token
	})
}

// lastBookableDay is the last day one may book at the scope's centre.
func (x *fixtures) lastBookableDay(sc scope) string {
	sd, err := x.e.App.Hall.Slots(x.ctx, x.centre[sc], x.hallCategory(sc), "")
	if err != nil {
		x.t.Fatal(err)
	}
	return sd.Days[len(sd.Days)-1]
}

func appointmentRows() []row {
	book := func(x *fixtures, sc scope) map[string]any {
		return map[string]any{"category_id": x.hallCategory(sc), "day": x.lastBookableDay(sc), "slot": "10:00"}
	}
	form := func(m map[string]any) url.Values {
		v := url.Values{}
		for k, x := range m {
			v.Set(k, fmt.Sprint(x))
		}
		return v
	}
	return []row{
		{route: "GET /api/v1/hall/centres/{code}/slots", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet(fmt.Sprintf("/hall/centres/%s/slots?category=%d", x.centre[sc], x.hallCategory(sc)))
		}, want: everyone(ok)},
		// Booked once per applicant; the second of the day is refused (409).
		{route: "POST /api/v1/hall/centres/{code}/appointments", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/hall/centres/"+x.centre[sc]+"/appointments", book(x, sc))
		}, want: booker(pass)},
		{route: "GET /api/v1/hall/centres/{code}/appointments", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/hall/centres/" + x.centre[sc] + "/appointments")
		}, want: hallStaff(hallManagers, reachesCentre, ok)},
		// No booking has code 000000 (codes run 100000–999999): 404 for all.
		{route: "POST /api/v1/hall/centres/{code}/checkins", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/hall/centres/"+x.centre[sc]+"/checkins", map[string]any{"code": "000000"})
		}, want: everyone(notFound)},
		{route: "GET /api/v1/hall/appointments", call: fixed(apiGet("/hall/appointments")), want: booker(ok)},
		{route: "GET /api/v1/hall/appointments/{token}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/hall/appointments/" + x.hallBooking(sc))
		}, want: bookingOwner(ok)},
		{route: "POST /api/v1/hall/appointments/{token}/cancel", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/hall/appointments/"+x.hallBooking(sc)+"/cancel", nil)
		}, want: bookingOwner(ok)},
		// Not yet in the check-in window: refused on the state (409).
		{route: "POST /api/v1/hall/appointments/{token}/checkin", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/hall/appointments/"+x.hallBooking(sc)+"/checkin", nil)
		}, want: bookingOwner(other)},

		// Pages.
		{route: "GET /my/appointments", call: fixed(webGet("/my/appointments")), want: applicantPage(signedIn(ok))},
		{route: "GET /my/book/{centre}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet(fmt.Sprintf("/my/book/%s?category=%d", x.centre[sc], x.hallCategory(sc)))
		}, want: applicantPage(signedIn(ok))},
		{route: "POST /my/book/{centre}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/my/book/"+x.centre[sc], form(map[string]any{"category": x.hallCategory(sc), "day": x.lastBookableDay(sc), "slot": "10:00"}))
		}, want: booker(pass)},
		{route: "GET /my/appointments/{token}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/my/appointments/" + x.hallBooking(sc))
		}, want: bookingOwner(ok)},
		{route: "POST /my/appointments/{token}/cancel", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/my/appointments/"+x.hallBooking(sc)+"/cancel", nil)
		}, want: bookingOwner(ok)},
		// Not yet in the check-in window: the page says why (a warning).
		{route: "POST /my/appointments/{token}/checkin", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/my/appointments/"+x.hallBooking(sc)+"/checkin", nil)
		}, want: bookingOwner(other)},
		// The kiosk's 预约签到 with a code no booking has: a warning on the kiosk.
		{route: "POST /hall/{centre}/checkin", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/hall/"+x.centre[sc]+"/checkin", url.Values{"code": {"000000"}})
		}, want: everyone(other)},
		{route: "GET /admin/hall/appointments", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/admin/hall/appointments?centre=" + x.centre[sc])
		}, want: staffPage(hallStaff(hallManagers, reachesCentre, ok))},
	}
}
