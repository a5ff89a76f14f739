package api

import (
	"net/http"
	"strings"

	"zwfw/internal/review"
)

// 好差评 by link and as the signed-in applicant, the phone call-back entry,
// and the 差评整改 work orders (issue 11; internal/review).

// ratingTarget is what a rating link rates, as the API shows it.
type ratingTarget struct {
	Kind       string            `json:"kind"` // case, staff
	Title      string            `json:"title"`
	Serial     string            `json:"case_serial,omitempty"`
	Channel    string            `json:"channel"`
	FollowUp   bool              `json:"follow_up"`
	Indicators map[string]string `json:"indicators"` // code → name
	Closed     string            `json:"closed,omitempty"`
}

func toTarget(t *review.Target) ratingTarget {
	out := ratingTarget{Kind: "case", Title: t.Title, Serial: t.Serial, Channel: t.Channel, FollowUp: t.FollowUp, Closed: t.Done,
		Indicators: map[string]string{}}
	if t.Kind == "s" {
		out.Kind = "staff"
	}
	for _, i := range t.Indicators {
		out.Indicators[i.Code] = i.Name
	}
	return out
}

func handleRatingTarget(s *review.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		t, err := s.Target(r.Context(), r.PathValue("token"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, toTarget(t))
		return nil
	}
}

func handleRateByToken(s *review.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in review.RateInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		t, err := s.RateByToken(r.Context(), r.PathValue("token"), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, toTarget(t))
		return nil
	}
}

// rateCaseInput is the applicant's rating: the channel (pc or mobile) and
// the rating.
type rateCaseInput struct {
	review.RateInput
	Channel string `json:"channel"`
}

func handleRateCase(s *review.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in rateCaseInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		c, err := s.RateCase(r.Context(), actor(r), r.PathValue("serial"), in.Channel, in.RateInput)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, map[string]any{"serial": c.Serial, "evaluations": c.Evaluations})
		return nil
	}
}

func handleCallbackRating(s *review.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in review.RateInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		c, err := s.EnterCallback(r.Context(), actor(r), r.PathValue("serial"), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, map[string]any{"serial": c.Serial, "evaluations": c.Evaluations})
		return nil
	}
}

func handleListRectifications(s *review.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		ws, err := s.List(r.Context(), actor(r), review.ListQuery{Status: strings.TrimSpace(r.URL.Query().Get("status"))})
		if err != nil {
			return err
		}
		if ws == nil {
			ws = []*review.WorkOrder{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": ws, "total": len(ws)})
		return nil
	}
}

func handleGetRectification(s *review.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		wo, err := s.Get(r.Context(), actor(r), r.PathValue("number"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, wo)
		return nil
	}
}

func handleActRectification(s *review.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in review.ActInput
		if err := decodeOptionalJSON(r, &in); err != nil {
			return err
		}
		wo, err := s.Act(r.Context(), actor(r), r.PathValue("number"), r.PathValue("action"), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, wo)
		return nil
	}
}

func handleRectificationSummary(s *review.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		sum, err := s.Public(r.Context(), q.Get("org"), q.Get("month"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, sum)
		return nil
	}
}

func handleGetRectificationSettings(s *review.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		st, err := s.SettingsOf(r.Context(), actor(r), r.PathValue("code"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, st)
		return nil
	}
}

func handlePutRectificationSettings(s *review.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in review.Settings
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		if err := s.SetSettings(r.Context(), actor(r), r.PathValue("code"), in); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, in)
		return nil
	}
}
