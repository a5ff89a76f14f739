package api

import (
	"net/http"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/complaint"
	"zwfw/internal/httpauth"
)

// The complaint register (投诉建议, 附件2（九）3): public submission,
// lookup and rating by number and query code; the staff's list, figures,
// registration of calls and letters, and actions.

// handleSubmitComplaint files a complaint from the public (channel online,
// or box from a centre's 意见箱 tablet).
func handleSubmitComplaint(s *complaint.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in complaint.Input
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		ch := in.Channel
		if ch == "" {
			ch = complaint.ChannelOnline
		}
		rc, err := s.Submit(r.Context(), actor(r), ch, in, httpauth.ClientIP(r))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, rc)
		return nil
	}
}

type complaintCode struct {
	Number  string `json:"number"`
	Code    string `json:"code"`
	Rating  string `json:"rating,omitempty"`
	Comment string `json:"comment,omitempty"`
}

func handleLookupComplaint(s *complaint.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in complaintCode
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		p, err := s.Lookup(r.Context(), in.Number, in.Code, httpauth.ClientIP(r))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, p)
		return nil
	}
}

func handleRateComplaint(s *complaint.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in complaintCode
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		p, err := s.Rate(r.Context(), in.Number, in.Code, in.Rating, in.Comment, httpauth.ClientIP(r))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, p)
		return nil
	}
}

func handleListComplaints(s *complaint.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		pg, err := pageOf(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		list, total, err := s.List(r.Context(), actor(r), complaint.Query{State: q.Get("state"), Kind: q.Get("kind"), Unit: q.Get("unit"),
			Overdue: q.Get("overdue") == "true" || q.Get("overdue") == "1", Limit: pg.Limit, Offset: pg.Offset})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(list, total))
		return nil
	}
}

func handleRegisterComplaint(s *complaint.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in complaint.Input
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		rc, err := s.Register(r.Context(), actor(r), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, rc)
		return nil
	}
}

func handleGetComplaint(s *complaint.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := s.Get(r.Context(), actor(r), r.PathValue("number"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, c)
		return nil
	}
}

func handleComplaintAction(s *complaint.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in complaint.ActInput
		if err := decodeOptionalJSON(r, &in); err != nil {
			return err
		}
		c, err := s.Act(r.Context(), actor(r), r.PathValue("number"), r.PathValue("action"), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, c)
		return nil
	}
}

func handleComplaintStatistics(s *complaint.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		var from, to time.Time
		if q.Get("from") != "" || q.Get("to") != "" {
			var err1, err2 error
			from, err1 = calendar.ParseDate(q.Get("from"))
			to, err2 = calendar.ParseDate(q.Get("to"))
			if err1 != nil || err2 != nil {
				return &zwfw.Error{Code: zwfw.EBADREQUEST, Message: "from 和 to 应为 YYYY-MM-DD 格式的日期",
					Details: []zwfw.ErrorDetail{{Field: "from", Message: "YYYY-MM-DD"}, {Field: "to", Message: "YYYY-MM-DD"}}}
			}
		}
		st, err := s.Statistics(r.Context(), actor(r), from, to)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, st)
		return nil
	}
}

func handleComplaintLimits(s *complaint.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := complaint.MayList(actor(r)); err != nil {
			return err
		}
		ls, err := s.Limits(r.Context(), r.PathValue("org"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, ls)
		return nil
	}
}

func handleSetComplaintLimits(s *complaint.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var days map[string]int
		if err := decodeJSON(r, &days); err != nil {
			return err
		}
		ls, err := s.SetLimits(r.Context(), actor(r), r.PathValue("org"), days)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, ls)
		return nil
	}
}

// handleComplaintPhone gives who calls the complainant back the full
// number, the reason recorded in the audit log; never cached.
func handleComplaintPhone(s *complaint.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Reason string `json:"reason"`
		}
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		phone, err := s.RevealPhone(r.Context(), actor(r), r.PathValue("number"), in.Reason)
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, map[string]string{"phone": phone})
		return nil
	}
}
