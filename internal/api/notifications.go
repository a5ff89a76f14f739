package api

import (
	"net/http"
	"time"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/notify"
)

// inboxJSON is the signed-in user's in-app messages, newest first, with the
// number still unread.
type inboxJSON struct {
	Items  []notify.Message `json:"items"`
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
		if pg.Offset != 0 {
			return paramError(zwfw.EBADREQUEST, "offset", "消息列表只返回最近的 limit 条，不支持 offset")
		}
		msgs, unread, err := notify.Inbox(r.Context(), d, actor(r).UserID, pg.Limit)
		if err != nil {
			return err
		}
		if msgs == nil {
			msgs = []notify.Message{}
		}
		writeJSON(w, http.StatusOK, inboxJSON{Items: msgs, Unread: unread})
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
