package web

import (
	"net/http"

	"zwfw/internal/casework"
	"zwfw/internal/catalog"
)

func init() { pages = append(pages, "work_form_print") }

// formPrintPage is the 申请书 as staff print it for the applicant's
// signature (A4): the online form's data in full, the signature line.
type formPrintPage struct {
	base
	C      *casework.Case
	Def    *catalog.FormDef
	Lines  []catalog.FormLine
	Centre string
}

// workFormPrint prints a case's online 申请书. Its full data (ID numbers
// included) leaves the server only for those who may see them, and the
// print is recorded in the audit log (casework.PrintForm).
func (s *server) workFormPrint(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c, err := s.d.Cases.PrintForm(ctx, actor(r), r.PathValue("serial"))
	if err != nil {
		return err
	}
	p := formPrintPage{base: s.workBase(w, r, c.FormDef().Title+" "+c.Serial), C: c, Def: c.FormDef(),
		Lines: s.d.Cases.FormLines(ctx, c, false), Centre: c.OrgName}
	p.FormsCSS = true
	p.Nav = "work"
	s.render(w, r, http.StatusOK, "work_form_print", p)
	return nil
}
