package app_test

import (
	"fmt"
	"net/url"
	"sync"

	"zwfw"
	"zwfw/internal/hall"
)

// The service hall's rows (issue 10). The ticket machine, the centre's
// phone page, the ticket and the display screen are public and show no
// personal data; setting up categories is for the administrators whose
// subtree holds the centre; calling is for the window staff of the
// window's centre. Windows and centres are public (the screens name
// them), so a centre or window out of an account's reach is refused with
// 403, not hidden.

// hallStaff: visitors sign in; an account that may not, or not here, is
// refused (403).
func hallStaff(may, reach who, allowed outcome) rule {
	return func(c cell) outcome {
		switch {
		case c.a.anon():
			return login
		case !may(c) || !reach(c):
			return forbidden
		}
		return allowed
	}
}

// hallState keeps, per matrix instance, a category and a ticket of each
// scope's centre, and the next free letter for categories the rows add.
var hallState = struct {
	sync.Mutex
	cat    map[*fixtures]map[scope]int64
	ticket map[*fixtures]map[scope]string
	letter map[*fixtures]map[scope]int
}{cat: map[*fixtures]map[scope]int64{}, ticket: map[*fixtures]map[scope]string{}, letter: map[*fixtures]map[scope]int{}}

// hallCategory is a category of the scope's centre: the first seeded one,
// or one made for the matrix (the other county has none seeded).
func (x *fixtures) hallCategory(sc scope) int64 {
	hallState.Lock()
	defer hallState.Unlock()
	if hallState.cat[x] == nil {
		hallState.cat[x] = map[scope]int64{}
	}
	if id := hallState.cat[x][sc]; id != 0 {
		return id
	}
	_, list, err := x.e.App.Hall.Categories(x.ctx, x.centre[sc], false)
	if err != nil {
		x.t.Fatal(err)
	}
	var id int64
	for _, c := range list {
		if c.Prefix == "A" {
			id = c.ID
		}
	}
	if id == 0 {
		c, err := x.e.App.Hall.CreateCategory(x.ctx, zwfw.System, x.centre[sc], hall.CategoryInput{Name: "综合受理", Prefix: "A", DailyMax: 999, Opens: "00:00", Closes: "23:59"})
		if err != nil {
			x.t.Fatal(err)
		}
		id = c.ID
	}
	hallState.cat[x][sc] = id
	return id
}

// hallTicket is a ticket taken at the scope's centre.
func (x *fixtures) hallTicket(sc scope) string {
	id := x.hallCategory(sc)
	hallState.Lock()
	defer hallState.Unlock()
	if hallState.ticket[x] == nil {
		hallState.ticket[x] = map[scope]string{}
	}
	if tk := hallState.ticket[x][sc]; tk != "" {
		return tk
	}
	t, err := x.e.App.Hall.Take(x.ctx, x.centre[sc], hall.TakeInput{CategoryID: id})
	if err != nil {
		x.t.Fatal(err)
	}
	hallState.ticket[x][sc] = t.Token
	return t.Token
}

// hallLetter is a letter no category of the scope's centre has yet; a
// call that adds the category uses it up.
func (x *fixtures) hallLetter(sc scope) string {
	return x.take("hall-letter:"+string(sc), func() string {
		hallState.Lock()
		defer hallState.Unlock()
		if hallState.letter[x] == nil {
			hallState.letter[x] = map[scope]int{}
		}
		n := hallState.letter[x][sc]
		hallState.letter[x][sc] = n + 1
		return string(rune('Z' - n))
	})
}

// hallNumber is the number of the scope's ticket (staff name tickets by
// their number).
func (x *fixtures) hallNumber(sc scope) string {
	t, err := x.e.App.Hall.Ticket(x.ctx, x.hallTicket(sc))
	if err != nil {
		x.t.Fatal(err)
	}
	return t.Number
}

func hallRows() []row {
	cat := func(x *fixtures, sc scope, letter string) map[string]any {
		return map[string]any{"name": "矩阵" + letter, "prefix": letter, "opens": "08:00", "closes": "18:00", "daily_max": 50}
	}
	form := func(m map[string]any) url.Values {
		v := url.Values{"active": {"1"}}
		for k, val := range m {
			v.Set(k, fmt.Sprint(val))
		}
		return v
	}
	return []row{
		// API
		{route: "GET /api/v1/hall/centres/{code}/categories", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/hall/centres/" + x.centre[sc] + "/categories")
		}, want: everyone(ok)},
		{route: "POST /api/v1/hall/centres/{code}/categories", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/hall/centres/"+x.centre[sc]+"/categories", cat(x, sc, x.hallLetter(sc)))
		}, want: hallStaff(hallManagers, reachesCentre, ok)},
		{route: "PUT /api/v1/hall/categories/{id}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("PUT", fmt.Sprintf("/hall/categories/%d", x.hallCategory(sc)),
				map[string]any{"name": "综合受理", "prefix": "A", "opens": "00:00", "closes": "23:59", "daily_max": 999, "priority": true})
		}, want: hallStaff(hallManagers, reachesCentre, ok)},
		{route: "PUT /api/v1/hall/windows/{code}/categories", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("PUT", "/hall/windows/"+x.window[sc]+"/categories", map[string]any{"categories": []int64{x.hallCategory(sc)}})
		}, want: hallStaff(hallManagers, reachesWindow, ok)},
		{route: "POST /api/v1/hall/centres/{code}/tickets", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/hall/centres/"+x.centre[sc]+"/tickets", map[string]any{"category_id": x.hallCategory(sc)})
		}, want: everyone(ok)},
		{route: "GET /api/v1/hall/tickets/{token}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/hall/tickets/" + x.hallTicket(sc))
		}, want: everyone(ok)},
		{route: "GET /api/v1/hall/windows/{code}/desk", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/hall/windows/" + x.window[sc] + "/desk")
		}, want: hallStaff(window, reachesWindow, ok)},
		// 重呼 with nothing called: past authorization, refused on the
		// queue's state (409); nothing changes.
		{route: "POST /api/v1/hall/windows/{code}/calls/{action}", variant: "recall", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/hall/windows/"+x.window[sc]+"/calls/recall", nil)
		}, want: hallStaff(window, reachesWindow, other)},
		{route: "GET /api/v1/hall/centres/{code}/board", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/hall/centres/" + x.centre[sc] + "/board")
		}, want: everyone(ok)},
		{route: "GET /api/v1/hall/centres/{code}/events", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/hall/centres/" + x.centre[sc] + "/events?once=1")
		}, want: everyone(ok)},
		// Queue statistics: the attendance's readers, in their subtree;
		// a centre out of reach is refused (403), as everywhere in the hall.
		{route: "GET /api/v1/hall/stats", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/hall/stats?centre=" + x.centre[sc] + "&from=2026-10-12&to=2026-10-16")
		}, want: hallStaff(attendanceReaders, reachesCentre, ok)},

		// Pages
		{route: "GET /hall/{centre}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/hall/" + x.centre[sc])
		}, want: everyone(ok)},
		{route: "GET /hall/{centre}/kiosk", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/hall/" + x.centre[sc] + "/kiosk")
		}, want: everyone(ok)},
		{route: "GET /hall/{centre}/qr.png", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/hall/" + x.centre[sc] + "/qr.png")
		}, want: everyone(ok)},
		{route: "POST /hall/{centre}/tickets", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/hall/"+x.centre[sc]+"/tickets", url.Values{"category": {fmt.Sprint(x.hallCategory(sc))}, "from": {"kiosk"}})
		}, want: everyone(ok)},
		{route: "GET /hall/{centre}/screen", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/hall/" + x.centre[sc] + "/screen")
		}, want: everyone(ok)},
		{route: "GET /queue/{token}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/queue/" + x.hallTicket(sc))
		}, want: everyone(ok)},
		{route: "GET /queue/{token}/qr.png", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/queue/" + x.hallTicket(sc) + "/qr.png")
		}, want: everyone(ok)},
		{route: "GET /admin/hall", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/admin/hall?centre=" + x.centre[sc])
		}, want: staffPage(hallStaff(hallManagers, reachesCentre, ok))},
		{route: "POST /admin/hall/centres/{centre}/categories", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/admin/hall/centres/"+x.centre[sc]+"/categories", form(cat(x, sc, x.hallLetter(sc))))
		}, want: staffPage(hallStaff(hallManagers, reachesCentre, ok))},
		{route: "POST /admin/hall/categories/{id}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post(fmt.Sprintf("/admin/hall/categories/%d", x.hallCategory(sc)), form(map[string]any{"name": "综合受理", "prefix": "A",
				"opens": "00:00", "closes": "23:59", "daily_max": 999, "priority": 1}))
		}, want: staffPage(hallStaff(hallManagers, reachesCentre, ok))},
		{route: "POST /admin/hall/windows/{window}/categories", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/admin/hall/windows/"+x.window[sc]+"/categories", url.Values{"prefixes": {"A"}})
		}, want: staffPage(hallStaff(hallManagers, reachesWindow, ok))},
		// The panel's 重呼 with nothing called: the page says why (a
		// redirect back with a warning, which the matrix counts as a
		// refused input); others are refused.
		{route: "POST /work/hall/{window}/{action}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/work/hall/"+x.window[sc]+"/recall", nil)
		}, want: staffPage(hallStaff(window, reachesWindow, other))},

		// The rest of calling: with nothing called and the scope's ticket
		// waiting, a transfer, a re-queue and a rating are past
		// authorization and refused on the queue's state (409); the staff
		// view of the ticket and the pad's page open.
		{route: "POST /api/v1/hall/windows/{code}/transfer", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/hall/windows/"+x.window[sc]+"/transfer", map[string]any{"category_id": x.hallCategory(sc)})
		}, want: hallStaff(window, reachesWindow, other)},
		{route: "POST /api/v1/hall/windows/{code}/tickets/{number}/requeue", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/hall/windows/"+x.window[sc]+"/tickets/"+x.hallNumber(sc)+"/requeue", nil)
		}, want: hallStaff(window, reachesWindow, other)},
		{route: "GET /api/v1/hall/windows/{code}/tickets/{number}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/hall/windows/" + x.window[sc] + "/tickets/" + x.hallNumber(sc))
		}, want: hallStaff(window, reachesWindow, ok)},
		{route: "POST /api/v1/hall/windows/{code}/tickets/{number}/rating", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/hall/windows/"+x.window[sc]+"/tickets/"+x.hallNumber(sc)+"/rating", map[string]any{"level": 1})
		}, want: hallStaff(window, reachesWindow, other)},
		{route: "POST /work/hall/{window}/transfer", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/work/hall/"+x.window[sc]+"/transfer", url.Values{"to_category": {fmt.Sprint(x.hallCategory(sc))}})
		}, want: staffPage(hallStaff(window, reachesWindow, other))},
		{route: "POST /work/hall/{window}/tickets/{number}/requeue", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/work/hall/"+x.window[sc]+"/tickets/"+x.hallNumber(sc)+"/requeue", nil)
		}, want: staffPage(hallStaff(window, reachesWindow, other))},
		{route: "GET /work/hall/{window}/tickets/{number}/rate", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/work/hall/" + x.window[sc] + "/tickets/" + x.hallNumber(sc) + "/rate")
		}, want: staffPage(hallStaff(window, reachesWindow, ok))},
		{route: "POST /work/hall/{window}/tickets/{number}/rate", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/work/hall/"+x.window[sc]+"/tickets/"+x.hallNumber(sc)+"/rate", url.Values{"level": {"1"}})
		}, want: staffPage(hallStaff(window, reachesWindow, other))},
		{route: "GET /supervision/hall", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/supervision/hall?centre=" + x.centre[sc] + "&from=2026-10-12&to=2026-10-16")
		}, want: staffPage(hallStaff(attendanceReaders, reachesCentre, ok))},
		{route: "GET /supervision/hall/export", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/supervision/hall/export?centre=" + x.centre[sc] + "&from=2026-10-12&to=2026-10-16")
		}, want: staffPage(hallStaff(attendanceReaders, reachesCentre, ok))},
	}
}
