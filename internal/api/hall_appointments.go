package api

import (
	"net/http"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/hall"
	"zwfw/internal/httpauth"
)

// Appointments (预约办理, issue 10 item 2): the slots of a category with
// the seats left (public), booking, the applicant's own bookings,
// cancelling and checking in (by token for the applicant, by the
// six-digit code at a centre's kiosk), and a centre's bookings for its
// hall manager. hall decides every rule; these handlers parse and render.

func handleHallSlots(h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		id, err := strconv.ParseInt(strings.TrimSpace(q.Get("category")), 10, 64)
		if err != nil || id < 1 {
			return &zwfw.Error{Code: zwfw.EBADREQUEST, Message: "请用 category 参数给出业务类别编号",
				Details: []zwfw.ErrorDetail{{Field: "category", Message: "应为正整数"}}}
		}
		sd, err := h.Slots(r.Context(), r.PathValue("code"), id, q.Get("day"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, sd)
		return nil
	}
}

func handleBookAppointment(h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in hall.BookInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		a, err := h.Book(r.Context(), actor(r), r.PathValue("code"), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, a)
		return nil
	}
}

func handleMyAppointments(h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		list, err := h.MyAppointments(r.Context(), actor(r))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(list, len(list)))
		return nil
	}
}

func handleAppointment(h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, err := h.Appointment(r.Context(), actor(r), r.PathValue("token"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, a)
		return nil
	}
}

func handleCancelAppointment(h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, err := h.CancelAppointment(r.Context(), actor(r), r.PathValue("token"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, a)
		return nil
	}
}

func handleCheckInAppointment(h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		t, err := h.CheckIn(r.Context(), actor(r), r.PathValue("token"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, t)
		return nil
	}
}

// checkInCode is the body of POST /hall/centres/{code}/checkins.
type checkInCode struct {
	Code string `json:"code"`
}

func handleCheckInCode(h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in checkInCode
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		t, err := h.CheckInCodeFrom(r.Context(), r.PathValue("code"), in.Code, httpauth.ClientIP(r))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, t)
		return nil
	}
}

func handleCentreAppointments(h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := h.CentreAppointments(r.Context(), actor(r), r.PathValue("code"), r.URL.Query().Get("day"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, d)
		return nil
	}
}
