package web

import "net/http"

// routes registers every page of the web surface. /api/v1 belongs to the
// API package and is mounted beside this handler.
func (s *server) routes(mux *http.ServeMux) {
	upload := s.d.Config.MaxUpload
	if upload <= 0 {
		upload = 20 << 20
	}
	mux.HandleFunc("GET /static/{hash}/{name}", s.assets.serve)

	// The online hall (public).
	mux.Handle("GET /{$}", s.page(s.home))
	mux.Handle("GET /items", s.page(s.itemList))
	mux.Handle("GET /items/{code}", s.page(s.itemGuide))
	mux.Handle("GET /items/{code}/files/{sha}", s.page(s.itemFile))
	mux.Handle("GET /towns/{code}", s.page(s.town))
	mux.Handle("POST /care", s.page(s.form(formLimit, s.setCare)))

	// Accounts.
	mux.Handle("GET /login", s.page(s.loginPage))
	mux.Handle("POST /login", s.page(s.form(formLimit, s.login)))
	mux.Handle("GET /register", s.page(s.registerPage))
	mux.Handle("POST /register", s.page(s.form(formLimit, s.register)))
	mux.Handle("POST /logout", s.page(s.form(formLimit, s.logout)))
	mux.Handle("GET /account", s.page(s.signedIn(s.accountPage)))
	mux.Handle("POST /account/password", s.page(s.signedIn(s.form(formLimit, s.changePassword))))

	// Administration (staff; every action is scoped by the services).
	mux.Handle("GET /admin", s.page(s.staff(s.adminHome)))
	mux.Handle("GET /admin/orgs", s.page(s.staff(s.adminOrgs)))
	mux.Handle("GET /admin/orgs/new", s.page(s.staff(s.adminOrgNew)))
	mux.Handle("POST /admin/orgs", s.page(s.staff(s.form(formLimit, s.adminOrgCreate))))
	mux.Handle("GET /admin/orgs/{code}/edit", s.page(s.staff(s.adminOrgEdit)))
	mux.Handle("POST /admin/orgs/{code}", s.page(s.staff(s.form(formLimit, s.adminOrgUpdate))))
	mux.Handle("POST /admin/orgs/{code}/active", s.page(s.staff(s.form(formLimit, s.adminOrgActive))))

	mux.Handle("GET /admin/users", s.page(s.staff(s.adminUsers)))
	mux.Handle("GET /admin/users/new", s.page(s.staff(s.adminUserNew)))
	mux.Handle("POST /admin/users", s.page(s.staff(s.form(formLimit, s.adminUserCreate))))
	mux.Handle("GET /admin/users/{username}/edit", s.page(s.staff(s.adminUserEdit)))
	mux.Handle("POST /admin/users/{username}", s.page(s.staff(s.form(formLimit, s.adminUserUpdate))))
	mux.Handle("POST /admin/users/{username}/password", s.page(s.staff(s.form(formLimit, s.adminUserPassword))))
	mux.Handle("POST /admin/users/{username}/unlock", s.page(s.staff(s.form(formLimit, s.adminUserUnlock))))

	mux.Handle("GET /admin/items", s.page(s.staff(s.adminItems)))
	mux.Handle("GET /admin/items/new", s.page(s.staff(s.adminItemNew)))
	mux.Handle("POST /admin/items", s.page(s.staff(s.form(4*upload, s.adminItemCreate))))
	mux.Handle("GET /admin/items/{code}/edit", s.page(s.staff(s.adminItemEdit)))
	mux.Handle("POST /admin/items/{code}", s.page(s.staff(s.form(4*upload, s.adminItemUpdate))))
	mux.Handle("GET /admin/items/{code}/cancel", s.page(s.staff(s.adminItemCancelPage)))
	mux.Handle("POST /admin/items/{code}/cancel", s.page(s.staff(s.form(formLimit, s.adminItemCancel))))

	mux.Handle("GET /admin/catalog/import", s.page(s.staff(s.adminImportPage)))
	mux.Handle("POST /admin/catalog/import", s.page(s.staff(s.form(upload+formLimit, s.adminImport))))
	mux.Handle("GET /admin/catalog/export", s.page(s.staff(s.adminExport)))

	// Case handling: the applicant's side and the public progress lookup
	// (apply.go), the staff's workbench (work.go).
	s.routesApplicant(mux, upload)
	s.routesWork(mux, upload)
	s.routesDashboard(mux)
	s.routesWarnings(mux)
	s.routesSupervision(mux, upload)

	mux.Handle("/", s.page(s.notFound))
}
