package app_test

// 市级目录同步's rows (issue 14 item 4). The city's catalog is public on a
// city platform (signed; counties check the signature, not the caller) and
// a county publishes none: 404 for everyone on the matrix's county. The
// pulls of the county's catalog are for the catalog administrators and
// administrators whose subtree holds the platform's county (catalog.MayPull):
// a town's catalog administrator, another county's and other staff are
// refused. Without a registered city the pull fails and is recorded (the
// page redirects back with the reason).

// reachesPlatform: the account's subtree holds this platform's county.
func reachesPlatform(c cell) bool { return c.a.reaches(c.x.path("610923")) }

func catalogRows() []row {
	mayPull := and(catalogers, reachesPlatform)
	return []row{
		{route: "GET /api/v1/exchange/v1/catalog", call: fixed(webGet("/api/exchange/v1/catalog")), want: everyone(notFound)},
		{route: "GET /admin/catalog/city", call: fixed(webGet("/admin/catalog/city")), want: staffPage(unscoped(mayPull))},
		// Nothing pulled on the matrix's county: those who may find no
		// item to adopt.
		{route: "GET /admin/items/new", variant: "adopt", call: fixed(webGet("/admin/items/new?adopt=019900000001")), want: staffPage(func(c cell) outcome {
			switch {
			case c.a.anon():
				return login
			case !mayPull(c):
				return forbidden
			}
			return notFound
		})},
		{route: "POST /admin/catalog/city/pull", call: fixed(post("/admin/catalog/city/pull", nil)), want: staffPage(passing(unscoped(mayPull)))},
	}
}
