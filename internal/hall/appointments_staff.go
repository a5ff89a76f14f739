package hall

import (
	"context"
	"fmt"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/calendar"
	"zwfw/internal/pii"
)

// The staff side of appointments: a centre's day of bookings for its hall
// managers, and the no-show counts for the queue statistics.

// SlotBookings are the bookings of one slot of a category, for the staff.
type SlotBookings struct {
	Slot         string         `json:"slot"`
	SlotEnd      string         `json:"slot_end"`
	CategoryName string         `json:"category_name"`
	Bookings     []*Appointment `json:"bookings"`
}

// CentreDay is a centre's bookings of one day, per slot, for its hall
// manager; applicants' names and phones are masked (no one at the hall
// needs more to greet them).
type CentreDay struct {
	CentreCode string          `json:"centre_code"`
	CentreName string          `json:"centre_name"`
	Day        string          `json:"day"`
	Slots      []*SlotBookings `json:"slots"`
	Total      int             `json:"total"`
	Arrived    int             `json:"arrived"`
	NoShows    int             `json:"no_shows"`
}

// CentreAppointments lists a centre's bookings of day (empty: today) for
// those who may manage its hall.
func (s *Service) CentreAppointments(ctx context.Context, actor *zwfw.Actor, centreCode, day string) (*CentreDay, error) {
	centre, err := s.Centre(ctx, centreCode)
	if err != nil {
		return nil, err
	}
	if err := MayManage(actor, centre); err != nil {
		return nil, err
	}
	if day == "" {
		day, _ = s.today()
	}
	if _, err := calendar.ParseDate(day); err != nil {
		return nil, err
	}
	if err := s.sweep(ctx); err != nil {
		return nil, err
	}
	list, err := s.appointments(ctx, "a.centre_id = ? AND a.day = ? AND a.status <> ? ORDER BY a.slot, c.sort, c.prefix, a.id", centre.ID, day, Cancelled)
	if err != nil {
		return nil, err
	}
	out := &CentreDay{CentreCode: centre.Code, CentreName: centre.DisplayName(), Day: day}
	ring := pii.Of(s.db)
	for _, a := range list {
		phone, err := ring.Open(pii.UserPhone.Label(), a.Phone)
		if err != nil {
			phone = ""
		}
		a.Applicant, a.Phone, a.Token = ident.MaskName(a.Applicant), ident.MaskPhone(phone), ""
		n := len(out.Slots)
		if n == 0 || out.Slots[n-1].Slot != a.Slot || out.Slots[n-1].CategoryName != a.CategoryName {
			out.Slots = append(out.Slots, &SlotBookings{Slot: a.Slot, SlotEnd: a.SlotEnd, CategoryName: a.CategoryName})
		}
		sb := out.Slots[len(out.Slots)-1]
		sb.Bookings = append(sb.Bookings, a)
		out.Total++
		switch a.Status {
		case Arrived:
			out.Arrived++
		case NoShow:
			out.NoShows++
		}
	}
	return out, nil
}

// NoShowCount is how many bookings of a category were not kept on a day.
type NoShowCount struct {
	Day        string `json:"day"`
	CategoryID int64  `json:"category_id"`
	Category   string `json:"category"`
	Booked     int    `json:"booked"` // bookings not cancelled
	NoShows    int    `json:"no_shows"`
}

// NoShows counts a centre's no-shows per day and category from from to
// to (YYYY-MM-DD, inclusive), for the statistics.
func (s *Service) NoShows(ctx context.Context, centreID int64, from, to string) ([]NoShowCount, error) {
	if err := s.sweep(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT a.day, a.category_id, c.name, COUNT(*), SUM(CASE WHEN a.status = ? THEN 1 ELSE 0 END)
		FROM hall_appointments a JOIN hall_categories c ON c.id = a.category_id
		WHERE a.centre_id = ? AND a.day >= ? AND a.day <= ? AND a.status <> ? GROUP BY a.day, a.category_id, c.name ORDER BY a.day, a.category_id`,
		NoShow, centreID, from, to, Cancelled)
	if err != nil {
		return nil, fmt.Errorf("hall: no-show counts: %w", err)
	}
	defer rows.Close()
	var out []NoShowCount
	for rows.Next() {
		var n NoShowCount
		if err := rows.Scan(&n.Day, &n.CategoryID, &n.Category, &n.Booked, &n.NoShows); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
