// Package api serves the REST API v1 (JSON) under /api/v1.
//
// The handlers are thin: they read the request, call a domain service (which
// enforces roles, scope and validation) and render the result or the error.
// Every route is listed once, in routes.go; the same table is checked against
// the OpenAPI document (openapi.json) by the tests.
package api

import (
	"log/slog"
	"net/http"
	"time"

	"zwfw/internal/services"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1"

const (
	// maxJSONBody bounds every JSON request body.
	maxJSONBody = 1 << 20
	// defaultMaxUpload applies when the configuration gives no upload limit.
	defaultMaxUpload = 20 << 20
	// multipartSlack is room for the multipart envelope and small form
	// fields around an upload of the largest accepted size.
	multipartSlack = 64 << 10
)

// New returns the handler for /api/v1/.
func New(d services.Services) http.Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Config.MaxUpload <= 0 {
		d.Config.MaxUpload = defaultMaxUpload
	}
	mux := http.NewServeMux()
	for _, rt := range routes(d) {
		mux.Handle(rt.Method+" "+mountPath(rt.Path), serve(d, rt))
	}
	mux.Handle(Prefix+"/", unmatched(d.Log, mux))
	return mux
}
