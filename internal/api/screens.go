package api

import (
	"encoding/json"
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
		changes, stop := h.SubscribeCases(roll.CentreCode)
		defer stop()
		first := true
		return eventStream(w, r, h, "rolling", changes, rollingRefresh, func() ([]byte, error) {
			if !first {
				if roll, err = sv.Rolling(ctx, code); err != nil {
					return nil, err
				}
			}
			first = false
			return json.Marshal(roll)
		})
	}
}
