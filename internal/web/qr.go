package web

import (
	"net/http"
	"net/url"
	"strconv"

	qrcode "github.com/skip2/go-qrcode"

	"zwfw/internal/httpauth"
)

// progressURL is the address of a case's public progress page — what the
// QR code on a notice opens: the lookup form with the serial filled in; the
// query code is printed beside it on paper, never put in the address. A
// printed notice leaves the building, so the address is the site's public
// domain when one is configured, not the host the page happened to be
// served from.
func (s *server) progressURL(r *http.Request, serial string) string {
	return s.siteBase(r) + progressPath(serial)
}

// siteBase is the site's address that printed QR codes open: the configured
// domain, else the host the request came to.
func (s *server) siteBase(r *http.Request) string {
	scheme, host := "https", s.d.Config.Site.Domain
	if host == "" {
		host = r.Host
		if !httpauth.HTTPS(r) && !httpauth.Secure(r) {
			scheme = "http"
		}
	}
	return scheme + "://" + host
}

// progressPath is the local address of a case's public progress page.
func progressPath(serial string) string {
	return "/progress/" + url.PathEscape(serial)
}

// writeQR answers with the QR code of content as a PNG image.
func writeQR(w http.ResponseWriter, content string) error {
	png, err := qrcode.Encode(content, qrcode.Medium, -6)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Content-Length", strconv.Itoa(len(png)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, max-age=3600")
	_, err = w.Write(png)
	return err
}
