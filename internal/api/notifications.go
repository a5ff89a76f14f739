package api

import (
	"net/http"

	"zwfw/internal/notify"
)

// inboxJSON is the signed-in user's in-app messages, newest first, with the
// number still unread.
type inboxJSON struct {
	Items  []notify.Message `json:"items"`
	Total  int              `json:"total"`
	Unread int              `json:"unread"`
}

// handleInbox returns the newest in-app messages (?limit=, default 50) and
// the unread count.
func handleInbox(in *notify.Inbox) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		pg, err := pageOf(r)
		if err != nil {
			return err
		}
		msgs, total, unread, err := in.List(r.Context(), actor(r), pg.Limit, pg.Offset)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, inboxJSON{Items: msgs, Total: total, Unread: unread})
		return nil
	}
}

// handleMarkRead marks all the signed-in user's in-app messages read.
func handleMarkRead(in *notify.Inbox) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := decodeOptionalJSON(r, &struct{}{}); err != nil {
			return err
		}
		if err := in.MarkRead(r.Context(), actor(r)); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
