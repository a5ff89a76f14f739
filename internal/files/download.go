package files

import (
	"fmt"
	"path"
	"strings"
	"unicode"
)

// extensions are the file name extensions of the content types a stored
// file can have (allowed): a download is named by what its bytes are, not
// by what the uploader called them.
var extensions = map[string]string{
	"application/pdf": ".pdf",
	"image/png":       ".png",
	"image/jpeg":      ".jpg",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":       ".xlsx",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
	"application/ofd": ".ofd",
	"text/plain":      ".txt",
}

// Ext is the extension of a stored content type ("" for an unknown one).
func Ext(contentType string) string {
	base, _, _ := strings.Cut(contentType, ";")
	return extensions[strings.TrimSpace(base)]
}

// DownloadName is the name a stored file is offered under: the uploader's
// name reduced to a safe stem — letters, digits, spaces and a little
// punctuation; no path, no control or shell characters, no dots, so no
// second extension such as "通知.pdf.exe" — and the extension of the
// content type sniffed at upload.
func DownloadName(name, contentType string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	stem := strings.TrimSuffix(path.Base(name), path.Ext(name))
	var b strings.Builder
	n := 0
	for _, r := range stem {
		if n == 80 {
			break
		}
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || strings.ContainsRune("-_()（）[]【】、，·《》", r):
			b.WriteRune(r)
		case r == ' ' || r == '\u3000':
			b.WriteRune(' ')
		default:
			b.WriteRune('_')
		}
		n++
	}
	s := strings.Trim(b.String(), " _-")
	if s == "" {
		s = "download"
	}
	return s + Ext(contentType)
}

// Disposition is the Content-Disposition of a stored file offered for
// download: an attachment named DownloadName, in RFC 5987's filename* for
// browsers and, for old clients, fallback (ASCII; "download" when empty)
// with the same extension.
func Disposition(name, contentType, fallback string) string {
	fb := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, fallback)
	if fb == "" {
		fb = "download"
	}
	return Attachment(fb+Ext(contentType), DownloadName(name, contentType))
}

// Attachment is a Content-Disposition for a download named name (any
// text, sent in RFC 5987's UTF-8 filename*) with an ASCII fallback for old
// clients, which the caller makes safe.
func Attachment(fallback, name string) string {
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, fallback, rfc5987(name))
}

// rfc5987 percent-encodes every byte outside RFC 5987's attr-char.
func rfc5987(s string) string {
	const attrChar = "!#$&+-.^_`|~"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte(attrChar, c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
