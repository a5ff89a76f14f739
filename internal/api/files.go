package api

import (
	"net/http"
	"strings"

	"zwfw"
	"zwfw/internal/files"
)

// handleUploadFile stores a file sent as the field "file" of a multipart
// form, for the use named by the field "purpose": "case" (an application
// material, which only its case's readers may download; referred to by the
// returned id) or "catalog" (a public blank form, sample or guide of an
// item; referred to by its digest) or "evidence" (a supervisor's evidence
// of a registered error, referred to by id). files.Store.Put enforces the size limit
// and sniffs the type.
func handleUploadFile(store *files.Store, maxUpload int64) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		a := actor(r)
		// Refuse before reading the body anyone who may upload nothing.
		mayCase := a.Kind == zwfw.KindPerson || a.Kind == zwfw.KindEnterprise || a.Has(zwfw.RoleWindow)
		mayCatalog := a.HasAny(zwfw.RoleCatalogAdmin, zwfw.RoleAdmin)
		if !mayCase && !mayCatalog && !a.Has(zwfw.RoleSupervisor) {
			return zwfw.Errorf(zwfw.EFORBIDDEN, "只有申请人、窗口人员（申请材料）、事项管理员（事项附件）和电子监察人员（差错证据）可以上传文件")
		}
		f, h, err := openFormFile(r, "file", maxUpload)
		if err != nil {
			return err
		}
		defer removeForm(r)
		defer f.Close()
		purpose := strings.TrimSpace(r.FormValue("purpose"))
		if purpose == "" {
			// Catalog administrators kept their old default; everyone
			// else uploads application materials.
			purpose = files.PurposeCase
			if mayCatalog {
				purpose = files.PurposeCatalog
			}
		}
		switch purpose {
		case files.PurposeCase:
			if !mayCase {
				return zwfw.Errorf(zwfw.EFORBIDDEN, "只有申请人和窗口人员可以上传申请材料")
			}
		case files.PurposeCatalog:
			if !mayCatalog {
				return zwfw.Errorf(zwfw.EFORBIDDEN, "只有事项管理员可以上传事项附件")
			}
		case files.PurposeEvidence:
			if !a.Has(zwfw.RoleSupervisor) {
				return zwfw.Errorf(zwfw.EFORBIDDEN, "只有电子监察人员可以上传差错证据")
			}
		default:
			return &zwfw.Error{Code: zwfw.EINVALID, Message: "purpose 应为 case（申请材料）、catalog（事项附件）或 evidence（差错证据）",
				Details: []zwfw.ErrorDetail{{Field: "purpose", Message: "应为 case、catalog 或 evidence"}}}
		}
		stored, err := store.Put(r.Context(), a, h.Filename, f, maxUpload, purpose)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, stored)
		return nil
	}
}
