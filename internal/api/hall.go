package api

import (
	"fmt"
	"net/http"
	"time"

	"zwfw/internal/hall"
	"zwfw/internal/httpauth"
)

// The service hall (issue 10): categories, tickets, window calls and the
// display screens' event stream. The hall service decides everything —
// who may (403), what exists (404), what the input must be (422) and what
// the queue allows (409); these handlers parse and render.

func handleHallCategories(h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		_, list, err := h.Categories(r.Context(), r.PathValue("code"), false)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(list, len(list)))
		return nil
	}
}

func handleCreateHallCategory(h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in hall.CategoryInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		c, err := h.CreateCategory(r.Context(), actor(r), r.PathValue("code"), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, c)
		return nil
	}
}

func handleUpdateHallCategory(h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "业务类别编号")
		if err != nil {
			return err
		}
		var in hall.CategoryInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		c, err := h.UpdateCategory(r.Context(), actor(r), id, in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, c)
		return nil
	}
}

// windowCategories is the body of PUT /hall/windows/{code}/categories.
type windowCategories struct {
	Categories []int64 `json:"categories"`
}

func handleSetWindowCategories(h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in windowCategories
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		code := r.PathValue("code")
		if err := h.SetWindowCategories(r.Context(), actor(r), code, in.Categories); err != nil {
			return err
		}
		list, err := h.WindowCategories(r.Context(), code)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(list, len(list)))
		return nil
	}
}

func handleTakeTicket(h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in hall.TakeInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		t, err := h.TakeFrom(r.Context(), r.PathValue("code"), in, httpauth.ClientIP(r))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, t)
		return nil
	}
}

func handleTicket(h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		t, err := h.Ticket(r.Context(), r.PathValue("token"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, t)
		return nil
	}
}

// desk is a window's calling panel as the API gives it.
type desk struct {
	Window     string                `json:"window"`
	WindowName string                `json:"window_name"`
	Centre     string                `json:"centre"`
	Current    *hall.Ticket          `json:"current"`
	Categories []*hall.CategoryCount `json:"categories"`
	Waiting    int                   `json:"waiting"`
	Last       *hall.Ticket          `json:"last"`   // the last service ended today, for the pad
	Missed     []*hall.Ticket        `json:"missed"` // missed tickets that may be re-queued once
}

func handleDesk(h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := h.Desk(r.Context(), actor(r), r.PathValue("code"))
		if err != nil {
			return err
		}
		cats := d.Categories
		if cats == nil {
			cats = []*hall.CategoryCount{}
		}
		missed := d.Missed
		if missed == nil {
			missed = []*hall.Ticket{}
		}
		writeJSON(w, http.StatusOK, desk{Window: d.Window.Code, WindowName: d.Window.Name, Centre: d.Centre.Code, Current: d.Current,
			Categories: cats, Waiting: d.Waiting, Last: d.Last, Missed: missed})
		return nil
	}
}

func handleWindowCall(h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		t, err := h.Act(r.Context(), actor(r), r.PathValue("code"), r.PathValue("action"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, t)
		return nil
	}
}

// handleTransfer transfers the ticket a window calls or serves to another
// window of its centre or another category (转窗口/转类别).
func handleTransfer(h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in hall.TransferInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		t, err := h.Transfer(r.Context(), actor(r), r.PathValue("code"), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, t)
		return nil
	}
}

// handleRequeue puts today's missed ticket back into the queue, once.
func handleRequeue(h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		t, err := h.Requeue(r.Context(), actor(r), r.PathValue("code"), r.PathValue("number"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, t)
		return nil
	}
}

// handleStaffTicket is today's ticket as the window staff see it: with
// the cases filed during its service and its rating.
func handleStaffTicket(h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		t, err := h.StaffTicket(r.Context(), actor(r), r.PathValue("code"), r.PathValue("number"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, t)
		return nil
	}
}

// handleRateService records the rating of a service given on the
// window's evaluation pad: once per ticket.
func handleRateService(h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in hall.RatingInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		t, err := h.Rate(r.Context(), actor(r), r.PathValue("code"), r.PathValue("number"), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, t)
		return nil
	}
}

func handleBoard(h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		b, err := h.Board(r.Context(), r.PathValue("code"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, b)
		return nil
	}
}

// Event stream timing: a screen gets the board at once, again on every
// change of its centre, and at least every boardKeepAlive (which also
// keeps proxies from closing a quiet connection). A stream ends after
// streamLife and the browser reconnects by itself (retry).
const (
	boardKeepAlive = 15 * time.Second
	streamLife     = 4 * time.Minute // under the server's 5-minute write timeout
	streamRetry    = 2000            // ms before the browser reconnects
)

// handleBoardEvents streams a centre's board as server-sent events
// ("board" events carrying the Board as JSON). With once=1 it sends the
// board once and ends (a check that the stream answers).
func handleBoardEvents(h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		centre, err := h.Centre(ctx, r.PathValue("code"))
		if err != nil {
			return err
		}
		changes, stop := h.Subscribe(centre.Code)
		defer stop()
		// One read of the board per change, shared by every screen of
		// the centre on this process (hall.BoardJSON), the first included:
		// a thousand screens reconnecting after a restart read it once.
		return eventStream(w, r, h, "board", changes, boardKeepAlive, func() ([]byte, error) { return h.BoardJSON(ctx, centre.Code) })
	}
}

// eventStream sends server-sent events of kind to a screen: read's body at
// once, then again on every value of changes and at least every refresh,
// until the client goes, the server stops or streamLife has passed (the
// browser reconnects by itself after streamRetry). With once=1 it sends one
// event and ends (a check that the stream answers). A failed read ends the
// stream: the headers are sent, and the browser reconnects.
func eventStream(w http.ResponseWriter, r *http.Request, h *hall.Service, kind string, changes <-chan struct{}, refresh time.Duration, read func() ([]byte, error)) error {
	ctx := r.Context()
	rc := http.NewResponseController(w)
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no") // nginx: do not hold the events back
	w.WriteHeader(http.StatusOK)
	send := func() bool {
		body, err := read()
		if err != nil {
			return false
		}
		_ = rc.SetWriteDeadline(time.Now().Add(time.Minute))
		if _, err := fmt.Fprintf(w, "retry: %d\nevent: %s\ndata: %s\n\n", streamRetry, kind, body); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send() || r.URL.Query().Get("once") == "1" {
		return nil
	}
	end := time.NewTimer(streamLife)
	defer end.Stop()
	tick := time.NewTicker(refresh)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-h.Stopping():
			return nil
		case <-end.C:
			return nil
		case <-changes:
		case <-tick.C:
		}
		if !send() {
			return nil
		}
	}
}
