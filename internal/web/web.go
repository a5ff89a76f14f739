// Package web serves the HTML pages: the online hall, the item guides,
// sign-in and registration, and administration.
package web

import (
	"log/slog"
	"net/http"
	"time"

	"zwfw/internal/account"
	"zwfw/internal/catalog"
	"zwfw/internal/config"
	"zwfw/internal/db"
	"zwfw/internal/files"
	"zwfw/internal/org"
)

// Deps are what the page handlers call.
type Deps struct {
	Config  config.Config
	DB      *db.DB
	Orgs    *org.Service
	Users   *account.Service
	Catalog *catalog.Service
	Files   *files.Store
	Log     *slog.Logger
	Now     func() time.Time
}

// New returns the handler for the pages and their static assets. It fails
// when a template does not parse (a broken template must stop the start,
// not a request).
func New(d Deps) (http.Handler, error) {
	mux := http.NewServeMux()
	return mux, nil
}
