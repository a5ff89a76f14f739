package web

import "net/http"

// routesApplicant registers the applicant's case pages: applying online,
// 我的办件, notices, and the public progress lookup.
func (s *server) routesApplicant(mux *http.ServeMux, upload int64) {}
