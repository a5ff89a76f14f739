// Package web serves the HTML pages: the online hall, the item guides,
// sign-in and registration, and administration.
package web

import (
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/files"
	"zwfw/internal/httpauth"
	"zwfw/internal/inputlimit"
	"zwfw/internal/services"
)

// server holds the parsed templates and assets; handlers are its methods.
type server struct {
	d      services.Services
	tpl    map[string]*template.Template
	assets *assets
	key    []byte // signs attachment fields carried through a re-rendered form

	mu    sync.Mutex
	stats *hallStats // the home page's counters, recomputed every statsTTL
}

// New returns the handler for the pages and their static assets. It fails
// when a template does not parse (a broken template must stop the start,
// not a request).
func New(d services.Services) (http.Handler, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	a, err := loadAssets()
	if err != nil {
		return nil, err
	}
	s := &server{d: d, assets: a, key: newKey()}
	if s.tpl, err = parseTemplates(templateFS, s.funcs(a)); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	s.routes(mux)
	return mux, nil
}

func (s *server) now() time.Time { return s.d.Now().In(zwfw.Zone) }

// handlerFunc is a page handler: it writes the page, or returns an error
// that is shown on the shared error page.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// page adapts a handlerFunc. Pages for a signed-in user are never stored
// by shared caches. A query parameter longer than inputlimit.Query allows
// gets the error page (400) before the handler reads it.
func (s *server) page(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if httpauth.Actor(r.Context()) != nil {
			w.Header().Set("Cache-Control", "private, no-store")
		}
		if err := inputlimit.Query.Check(r.URL.Query(), "参数"); err != nil {
			s.renderError(w, r, err)
			return
		}
		if err := fn(w, r); err != nil {
			s.renderError(w, r, err)
		}
	})
}

// Body limits of form posts.
const (
	formLimit  = 1 << 20 // ordinary forms
	formMemory = 8 << 20 // multipart parts kept in memory; larger ones go to temporary files
)

// form guards a POST: it bounds and parses the body, checks every field's
// length (inputlimit.Form; 400 naming the field), then the CSRF token (a
// failed check is a 403).
func (s *server) form(limit int64, fn handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		var err error
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			if err = r.ParseMultipartForm(formMemory); err == nil {
				defer r.MultipartForm.RemoveAll()
			}
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) || strings.Contains(err.Error(), "too large") {
				return zwfw.Errorf(zwfw.ETOOLARGE, "提交的内容超过了 %s 的上限。请压缩文件，或分几次上传后再保存。", files.HumanSize(limit))
			}
			return zwfw.Errorf(zwfw.EBADREQUEST, "提交的表单无法读取，请返回后重试。")
		}
		if err := inputlimit.Form.Check(r.PostForm, "填写的内容"); err != nil {
			return err
		}
		if !httpauth.CheckCSRF(r) {
			return zwfw.Errorf(zwfw.EFORBIDDEN, "页面已过期或请求来源无法确认（安全校验码不符）。请返回上一页，刷新后重新提交。")
		}
		return fn(w, r)
	}
}

// signedIn sends visitors who are not signed in to the sign-in page, and
// an account whose password an administrator set to the password form of
// its account page until it has changed it (signing out is no page of this
// kind and stays open).
func (s *server) signedIn(fn handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		a := httpauth.Actor(r.Context())
		if a == nil {
			next := r.URL.RequestURI()
			if r.Method != http.MethodGet {
				next = r.Referer()
			}
			http.Redirect(w, r, loginURL(next), http.StatusSeeOther)
			return nil
		}
		if a.MustChangePassword && r.Pattern != "GET /account" && r.Pattern != "POST /account/password" && r.Pattern != "POST /account/keepalive" {
			s.redirect(w, r, "/account#password", "warn", account.MustChangeReason(a)+"。")
			return nil
		}
		return fn(w, r)
	}
}

// staff admits staff accounts only; applicants get the 403 page.
func (s *server) staff(fn handlerFunc) handlerFunc {
	return s.signedIn(func(w http.ResponseWriter, r *http.Request) error {
		if !httpauth.Actor(r.Context()).IsStaff() {
			return zwfw.Errorf(zwfw.EFORBIDDEN, "管理后台仅供工作人员使用。办理事项请前往网上办事大厅。")
		}
		return fn(w, r)
	})
}

// actor is the signed-in actor (routes behind signedIn or staff).
func actor(r *http.Request) *zwfw.Actor { return httpauth.Actor(r.Context()) }
