package web

import "net/http"

// routesWork registers the staff's case pages: the window workbench, the
// reviewer's inbox, the cashier's and supervisor's lists.
func (s *server) routesWork(mux *http.ServeMux, upload int64) {}
