package api

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"zwfw/internal/casework"
	"zwfw/internal/files"
	"zwfw/internal/httpauth"
)

// handleNoticePDF downloads a notice's sealed PDF (电子文书，带电子签章, issue
// 13 item 4) to whoever may see the notice (casework.NoticePDF decides;
// anyone else gets 404): made on the first request, the same bytes after.
// domain is the configured site domain the QR codes open (else the host the
// request came to).
func handleNoticePDF(cases *casework.Service, domain string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "通知书编号")
		if err != nil {
			return err
		}
		base := "https://" + domain
		if domain == "" {
			base = "https://" + r.Host
			if !httpauth.HTTPS(r) && !httpauth.Secure(r) {
				base = "http://" + r.Host
			}
		}
		nf, err := cases.NoticePDF(r.Context(), actor(r), r.PathValue("serial"), id, base)
		if err != nil {
			return err
		}
		h := w.Header()
		h.Set("Content-Type", "application/pdf")
		h.Set("Content-Disposition", files.Disposition(nf.Name, "application/pdf", "notice-"+nf.Case.Serial+"-"+strconv.FormatInt(id, 10)))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "sandbox")
		h.Set("ETag", `"`+nf.SHA256+`"`)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(nf.Bytes))
		return nil
	}
}
