package api

import (
	_ "embed"
	"net/http"
)

// openAPIDoc describes every route of routes.go (openapi_test.go checks it).
//
//go:embed openapi.json
var openAPIDoc []byte

// handleOpenAPI serves the OpenAPI 3.1 document.
func handleOpenAPI() handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(openAPIDoc)
		return nil
	}
}
