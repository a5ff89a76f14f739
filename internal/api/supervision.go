package api

import (
	"net/http"
	"strings"

	"zwfw/internal/supervision"
)

// handleOverview returns the supervision dashboard's figures for the
// viewer's organisation (or one inside it) over a period of submission
// dates; each figure carries the link to the cases behind it.
func handleOverview(s *supervision.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		ov, err := s.Overview(r.Context(), actor(r), supervision.Filter{Org: strings.TrimSpace(q.Get("org")),
			From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to"))})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, ov)
		return nil
	}
}
