package api

import (
	"net/http"
	"strings"

	"zwfw/internal/supervision"
)

// handleWarnings lists the active deadline warnings in the viewer's
// subtree: level (yellow, red), org (a town or centre, with its subtree),
// dept (a department: its cases and its 联办 sub-tasks), kind (case, step,
// task).
func handleWarnings(w *supervision.Warnings) handler {
	return func(rw http.ResponseWriter, r *http.Request) error {
		pg, err := pageOf(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		f := supervision.WarningFilter{Level: strings.TrimSpace(q.Get("level")), Org: strings.TrimSpace(q.Get("org")),
			Dept: strings.TrimSpace(q.Get("dept")), Scope: strings.TrimSpace(q.Get("kind")), Limit: pg.Limit, Offset: pg.Offset}
		list, total, err := w.List(r.Context(), actor(r), f)
		if err != nil {
			return err
		}
		writeJSON(rw, http.StatusOK, newList(list, total))
		return nil
	}
}

// handleDutyWarnings lists the active warnings of the other time-limited
// matters (差评整改, 投诉 …) in the viewer's subtree; kind narrows to one.
func handleDutyWarnings(w *supervision.Warnings) handler {
	return func(rw http.ResponseWriter, r *http.Request) error {
		list, err := w.DutyWarnings(r.Context(), actor(r), strings.TrimSpace(r.URL.Query().Get("kind")), 500)
		if err != nil {
			return err
		}
		writeJSON(rw, http.StatusOK, newList(list, len(list)))
		return nil
	}
}
