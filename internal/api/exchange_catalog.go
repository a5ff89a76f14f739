package api

import (
	"net/http"

	"zwfw/internal/catalogsync"
)

// handleExchangeCatalog publishes the city's catalog (issue 14 item 4):
// the catalog's JSON, the key and its SM2 signature; the version is the
// ETag, and a county that has it gets 304. A county platform publishes
// none (404).
func handleExchangeCatalog(s *catalogsync.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		sc, version, err := s.Publish(r.Context())
		if err != nil {
			return err
		}
		etag := `"` + version + `"`
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
		writeJSON(w, http.StatusOK, sc)
		return nil
	}
}
