// Package api serves the REST API v1 (JSON) under /api/v1.
package api

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

// Deps are what the API handlers call.
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

// New returns the handler for /api/v1/.
func New(d Deps) http.Handler {
	mux := http.NewServeMux()
	return mux
}
