package app_test

// The city platform's rows (issue 14 item 5). The matrix runs on a county
// platform, where the city's dashboard, drill-down, reports and their API
// do not exist: every caller, signed in or not, gets 404 (city.Scope's
// ENOTFOUND; the pages are public in the table so that a visitor is not
// sent to sign in for a page that is not there). On the city platform the
// same routes admit only the city's own supervisors and administrators:
// internal/app/city_test.go runs those cells on a city instance.

func cityRows() []row {
	return []row{
		{route: "GET /city", call: fixed(webGet("/city")), want: everyone(notFound)},
		{route: "GET /city/counties/{code}", call: fixed(webGet("/city/counties/610923")), want: everyone(notFound)},
		{route: "GET /city/cases/{county}/{serial}", call: fixed(webGet("/city/cases/610923/610923-20260929-00001")), want: everyone(notFound)},
		{route: "GET /city/reports", call: fixed(webGet("/city/reports")), want: everyone(notFound)},
		{route: "GET /city/reports/{file}", call: fixed(webGet("/city/reports/2026-09.xlsx")), want: everyone(notFound)},
		{route: "GET /api/v1/city/overview", call: fixed(apiGet("/city/overview")), want: everyone(notFound)},
		{route: "GET /api/v1/city/counties/{code}", call: fixed(apiGet("/city/counties/610923")), want: everyone(notFound)},
		{route: "GET /api/v1/city/cases/{county}/{serial}", call: fixed(apiGet("/city/cases/610923/610923-20260929-00001")), want: everyone(notFound)},
		{route: "GET /api/v1/city/reports/{file}", call: fixed(apiGet("/city/reports/2026-09.xlsx")), want: everyone(notFound)},
	}
}
