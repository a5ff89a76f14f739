package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"zwfw/internal/hall"
	"zwfw/internal/supervision"
)

// The centre's public rolling display (信息查询机、电子显示屏实时滚动公示,
// 附件2（八）1): the data, and its event stream, woken by the centre's case
// changes (casework.Topic, through the hall's broadcaster) as the display
// screen's is by its queue's.

func handleRolling(sv *supervision.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		roll, err := sv.Rolling(r.Context(), r.PathValue("code"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, roll)
		return nil
	}
}

// rollingRefresh is how often a quiet stream sends the display again (the
// date and today's counts change at midnight without a case).
const rollingRefresh = time.Minute

// handleRollingEvents streams the rolling display as server-sent events
// ("rolling" events carrying the Rolling as JSON): at once, on every case
// of the centre accepted, completed or evaluated, and every minute. With
// once=1 it sends it once and ends.
func handleRollingEvents(sv *supervision.Service, h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		code := r.PathValue("code")
		roll, err := sv.Rolling(ctx, code)
		if err != nil {
			return err
		}
		rc := http.NewResponseController(w)
		changes, stop := h.SubscribeCases(roll.CentreCode)
		defer stop()
		hd := w.Header()
		hd.Set("Content-Type", "text/event-stream; charset=utf-8")
		hd.Set("Cache-Control", "no-store")
		hd.Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		send := func(roll *supervision.Rolling) bool {
			body, err := json.Marshal(roll)
			if err != nil {
				return false
			}
			_ = rc.SetWriteDeadline(time.Now().Add(time.Minute))
			if _, err := fmt.Fprintf(w, "retry: %d\nevent: rolling\ndata: %s\n\n", streamRetry, body); err != nil {
				return false
			}
			return rc.Flush() == nil
		}
		if !send(roll) || r.URL.Query().Get("once") == "1" {
			return nil
		}
		end := time.NewTimer(streamLife)
		defer end.Stop()
		tick := time.NewTicker(rollingRefresh)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-h.Stopping():
				return nil
			case <-end.C:
				return nil
			case <-changes:
			case <-tick.C:
			}
			roll, err := sv.Rolling(ctx, code)
			if err != nil {
				return nil
			}
			if !send(roll) {
				return nil
			}
		}
	}
}
