package app_test

import (
	"fmt"

	"zwfw/internal/casework"
)

// The sealed PDF notices (issue 13 item 4): whoever may see a notice — the
// applicant, staff whose scope holds the case — downloads it as a signed
// PDF; anyone else is told there is no such notice, exactly as for the
// printable page (casework.NoticePDF asks casework.Notice).
func pdfRows() []row {
	accepted := func(x *fixtures, sc scope) string { return x.cases[sc][casework.Accepted] }
	return []row{
		{route: "GET /notices/{serial}/{id}/pdf", on: caseScopes, call: func(x *fixtures, sc scope) request {
			return webGet(fmt.Sprintf("/notices/%s/%d/pdf", accepted(x, sc), x.notice[sc]))
		}, want: scoped(anyone, seesCase)},
		{route: "GET /api/v1/cases/{serial}/notices/{id}/pdf", on: caseScopes, call: func(x *fixtures, sc scope) request {
			return apiGet(fmt.Sprintf("/cases/%s/notices/%d/pdf", accepted(x, sc), x.notice[sc]))
		}, want: scoped(anyone, seesCase)},
	}
}
