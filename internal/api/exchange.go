package api

import (
	"net/http"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/exchange"
)

// The county ↔ city exchange (issue 14 item 2): a versioned API of its own
// under ExchangePrefix, documented in openapi.json under the tag
// "exchange" (those paths carry their own server, /api). Platforms call
// it, not people: the identity is public, and a batch of events is
// believed only from a registered peer whose SM2 signature verifies
// (exchange.Receive decides).

// ExchangePrefix is where the exchange API is mounted; its routes' paths
// in the table start with "/exchange/v1/" and are mounted under /api.
const ExchangePrefix = "/api/exchange/v1"

// mountPath is where a route of the table is served.
func mountPath(p string) string {
	if strings.HasPrefix(p, "/exchange/v1/") {
		return "/api" + p
	}
	return Prefix + p
}

func handleExchangeIdentity(s *exchange.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := s.Identity(r.Context())
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, id)
		return nil
	}
}

// exchangeConflict is the 409 answer to a batch with a gap: the error and
// every event's result (the accepted ones stay accepted).
type exchangeConflict struct {
	Error   errorJSON         `json:"error"`
	Results []exchange.Result `json:"results"`
}

func handleExchangeEvents(s *exchange.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var b exchange.Batch
		if err := decodeJSON(r, &b); err != nil {
			return err
		}
		rc, err := s.Receive(r.Context(), &b)
		if err != nil {
			return err
		}
		if rc.Gaps() {
			msg := "批次中有办件的事件序号不连续：请先发送 expected 所指的事件"
			for _, x := range rc.Results {
				if x.Status == exchange.StatusGap {
					msg = "事件 " + x.ID + " 之前缺少序号更小的事件：本平台等待的是序号 " + strconv.Itoa(x.Expected) + " 的事件"
					break
				}
			}
			writeJSON(w, http.StatusConflict, exchangeConflict{Error: errorJSON{Code: zwfw.ECONFLICT, Message: msg, Details: []zwfw.ErrorDetail{}}, Results: rc.Results})
			return nil
		}
		writeJSON(w, http.StatusOK, rc)
		return nil
	}
}
