package api

import (
	"net/http"
	"strconv"

	"zwfw/internal/httpauth"
	"zwfw/internal/inquiry"
)

// The first-inquiry register (首问登记, 附件2（六）1) and the applicants'
// experiences of an item (办事体验): parse, call internal/inquiry, render.

func handleListInquiries(s *inquiry.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		pg, err := pageOf(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		list, total, err := s.List(r.Context(), actor(r), inquiry.Query{Channel: q.Get("channel"), Status: q.Get("status"), Item: q.Get("item"),
			From: q.Get("from"), To: q.Get("to"), Limit: pg.Limit, Offset: pg.Offset})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(list, total))
		return nil
	}
}

func handleCreateInquiry(s *inquiry.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in inquiry.Input
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		q, err := s.Create(r.Context(), actor(r), in)
		if err != nil {
			return err
		}
		w.Header().Set("Location", Prefix+"/inquiries/"+strconv.FormatInt(q.ID, 10))
		writeJSON(w, http.StatusCreated, q)
		return nil
	}
}

func handleInquiryStats(s *inquiry.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		st, err := s.Stats(r.Context(), actor(r), inquiry.Query{Channel: q.Get("channel"), From: q.Get("from"), To: q.Get("to")})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, st)
		return nil
	}
}

func handleGetInquiry(s *inquiry.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "登记号")
		if err != nil {
			return err
		}
		q, err := s.Get(r.Context(), actor(r), id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, q)
		return nil
	}
}

// inquiryActionInput is the body of the actions on a record.
type inquiryActionInput struct {
	Answer   string  `json:"answer"`
	ReferTo  string  `json:"refer_to"`
	Guidance string  `json:"guidance"`
	Q        string  `json:"q"`
	A        string  `json:"a"`
	Also     []int64 `json:"also"`
}

// handleInquiryAction answers, refers, acknowledges or makes a FAQ entry.
func handleInquiryAction(s *inquiry.Service, action string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "登记号")
		if err != nil {
			return err
		}
		var in inquiryActionInput
		if r.ContentLength != 0 {
			if err := decodeJSON(r, &in); err != nil {
				return err
			}
		}
		var q *inquiry.Inquiry
		switch action {
		case inquiry.ActAnswer:
			q, err = s.Answer(r.Context(), actor(r), id, in.Answer)
		case inquiry.ActRefer:
			q, err = s.Refer(r.Context(), actor(r), id, in.ReferTo, in.Guidance)
		case inquiry.ActAcknowledge:
			q, err = s.Acknowledge(r.Context(), actor(r), id)
		case inquiry.ActFAQ:
			q, err = s.MakeFAQ(r.Context(), actor(r), id, inquiry.FAQInput{Q: in.Q, A: in.A, Also: in.Also})
		}
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, q)
		return nil
	}
}

// handleAsk puts an online question (public).
func handleAsk(s *inquiry.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in inquiry.AskInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		t, err := s.Ask(r.Context(), in, httpauth.ClientIP(r))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, t)
		return nil
	}
}

// handlePublicInquiry reads an online question's answer with its code.
func handlePublicInquiry(s *inquiry.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "登记号")
		if err != nil {
			return err
		}
		p, err := s.Lookup(r.Context(), id, r.URL.Query().Get("code"), httpauth.ClientIP(r))
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "private, no-store")
		writeJSON(w, http.StatusOK, p)
		return nil
	}
}

type experienceInput struct {
	Body   string `json:"body"`
	Reason string `json:"reason"`
}

func handleShareExperience(s *inquiry.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in experienceInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		x, err := s.Share(r.Context(), actor(r), r.PathValue("code"), in.Body)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, x)
		return nil
	}
}

func handleItemExperiences(s *inquiry.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		list, err := s.Published(r.Context(), r.PathValue("code"), 50)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(list, len(list)))
		return nil
	}
}

func handleExperienceQueue(s *inquiry.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		list, err := s.Queue(r.Context(), actor(r), r.URL.Query().Get("status"), 200)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(list, len(list)))
		return nil
	}
}

func handleModerateExperience(s *inquiry.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "编号")
		if err != nil {
			return err
		}
		var in experienceInput
		if r.ContentLength != 0 {
			if err := decodeJSON(r, &in); err != nil {
				return err
			}
		}
		x, err := s.Moderate(r.Context(), actor(r), id, r.PathValue("action"), in.Reason)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, x)
		return nil
	}
}
