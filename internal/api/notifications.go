package api

import (
	"net/http"
	"time"

	"zwfw/internal/db"
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
func handleInbox(d *db.DB) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		pg, err := pageOf(r)
		if err != nil {
			return err
		}
		msgs, total, unread, err := notify.Inbox(r.Context(), d, actor(r).UserID, pg.Limit, pg.Offset)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, inboxJSON{Items: msgs, Total: total, Unread: unread})
		return nil
	}
}

// handleMarkRead marks all the signed-in user's in-app messages read.
func handleMarkRead(d *db.DB, now func() time.Time) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := decodeOptionalJSON(r, &struct{}{}); err != nil {
			return err
		}
		if err := notify.MarkRead(r.Context(), d, actor(r).UserID, now()); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
