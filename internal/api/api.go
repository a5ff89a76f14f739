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

	"zwfw/internal/account"
	"zwfw/internal/audit"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/catalog"
	"zwfw/internal/config"
	"zwfw/internal/db"
	"zwfw/internal/files"
	"zwfw/internal/org"
	"zwfw/internal/supervision"
)

// Deps are what the API handlers call.
type Deps struct {
	Config   config.Config
	DB       *db.DB
	Orgs     *org.Service
	Users    *account.Service
	Catalog  *catalog.Service
	Files    *files.Store
	Cases    *casework.Service
	Calendar *calendar.Calendar
	Warnings *supervision.Warnings
	// Supervision computes the dashboard figures (电子监察).
	Supervision *supervision.Service
	Reports     *supervision.Reports // 日检查、周考勤、月通报、季考核
	Errors      *supervision.Errors  // 差错登记
	Log         *slog.Logger
	Now         func() time.Time
	// PaymentSecret is the key the online payment platform signs its
	// callbacks with (HMAC-SM3); none means online payment is off.
	PaymentSecret []byte
	// Audit reads the audit log, scoped.
	Audit *audit.Service
}

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
func New(d Deps) http.Handler {
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
		mux.Handle(rt.Method+" "+Prefix+rt.Path, serve(d, rt))
	}
	mux.Handle(Prefix+"/", unmatched(d.Log, mux))
	return mux
}
