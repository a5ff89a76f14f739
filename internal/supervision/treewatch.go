package supervision

import (
	"zwfw/internal/calendar"
	"zwfw/internal/org"
)

// watch makes the dashboard follow the organisation tree and the working
// calendar: a node moved, renamed or re-coded in any process drops the tree
// the rollup is scoped by, and that or a calendar adjustment drops the
// dashboards computed on them, as soon as the change commits.
func (s *Service) watch() {
	s.db.OnChange(org.Topic, func(string) {
		s.treeGen.Add(1)
		s.dropDashboards()
	})
	s.db.OnChange(calendar.Topic, func(string) { s.dropDashboards() })
}

func (s *Service) dropDashboards() {
	s.cacheMu.Lock()
	s.cache = nil
	s.cacheMu.Unlock()
}
