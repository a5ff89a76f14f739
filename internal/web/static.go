package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

//go:embed static
var staticFS embed.FS

// asset is one embedded static file, with its checksum and a gzipped copy
// (the hall PCs sit on a shared 50 Mbps extranet line; every byte counts).
type asset struct {
	name  string
	hash  string
	ctype string
	body  []byte
	gz    []byte
}

// assets are the embedded static files, addressed by checksum URLs
// (/static/<hash>/app.css) so that they can be cached for a year.
type assets struct {
	byName map[string]*asset
}

func loadAssets() (*assets, error) {
	a := &assets{byName: map[string]*asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		as := &asset{name: name, hash: hex.EncodeToString(sum[:])[:12], ctype: ct, body: b}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(b)
		_ = zw.Close()
		if buf.Len() < len(b) {
			as.gz = buf.Bytes()
		}
		a.byName[name] = as
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: static assets: %w", err)
	}
	for _, must := range []string{"app.css", "app.js", "icon.svg"} {
		if a.byName[must] == nil {
			return nil, fmt.Errorf("web: static asset %s is missing", must)
		}
	}
	return a, nil
}

// url is the checksum URL of an asset; it panics on an unknown name, which
// can only happen while templates are parsed at start-up.
func (a *assets) url(name string) (string, error) {
	as := a.byName[name]
	if as == nil {
		return "", fmt.Errorf("web: unknown static asset %q", name)
	}
	return "/static/" + as.hash + "/" + as.name, nil
}

// serve answers GET /static/{hash}/{name}. A stale hash (a page cached
// across an upgrade) still gets the current file, but not cached for long.
func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	as := a.byName[r.PathValue("name")]
	if as == nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", as.ctype)
	h.Set("Vary", "Accept-Encoding")
	if r.PathValue("hash") == as.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	etag := `"` + as.hash + `"`
	h.Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := as.body
	if as.gz != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = as.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}
