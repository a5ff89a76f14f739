package api

import (
	"net/http"

	"zwfw"
	"zwfw/internal/files"
)

// handleUploadFile stores a catalog attachment (blank form, sample, guide)
// sent as the field "file" of a multipart form. Its digest is what an item's
// material refers to.
func handleUploadFile(store *files.Store, maxUpload int64) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		a := actor(r)
		// The file store has no notion of roles; for now only those who
		// maintain the catalog upload, since catalog files are public.
		if !a.HasAny(zwfw.RoleCatalogAdmin, zwfw.RoleAdmin) {
			return zwfw.Errorf(zwfw.EFORBIDDEN, "只有事项管理员可以上传事项附件")
		}
		f, h, err := openFormFile(r, "file", maxUpload)
		if err != nil {
			return err
		}
		defer removeForm(r)
		defer f.Close()
		stored, err := store.Put(r.Context(), a, h.Filename, f, maxUpload, files.PurposeCatalog)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, stored)
		return nil
	}
}
