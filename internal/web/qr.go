package web

import (
	"net/http"
	"net/url"
	"strconv"

	qrcode "github.com/skip2/go-qrcode"

	"zwfw/internal/httpauth"
)

// progressURL is the public progress page of a case with its query code —
// what the QR code on a notice opens. A printed notice leaves the building,
// so the address is the site's public domain when one is configured, not
// the host the page happened to be served from.
func (s *server) progressURL(r *http.Request, serial, code string) string {
	scheme, host := "https", s.d.Config.Site.Domain
	if host == "" {
		host = r.Host
		if !httpauth.HTTPS(r) && !httpauth.Secure(r) {
			scheme = "http"
		}
	}
	return scheme + "://" + host + progressPath(serial, code)
}

// progressPath is the local address of a case's public progress page.
func progressPath(serial, code string) string {
	p := "/progress/" + url.PathEscape(serial)
	if code != "" {
		p += "?code=" + url.QueryEscape(code)
	}
	return p
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
