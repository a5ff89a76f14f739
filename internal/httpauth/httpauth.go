// Package httpauth finds out who is making an HTTP request, for both
// surfaces: page sessions in an HttpOnly, SameSite cookie, and API bearer
// tokens. It also guards forms and cookie-authenticated API calls against
// cross-site request forgery with a double-submit token.
package httpauth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"strings"

	"zwfw"
	"zwfw/internal/account"
)

// Cookie names.
const (
	SessionCookie = "zwfw_session"
	CSRFCookie    = "zwfw_csrf"
	CSRFField     = "csrf_token"   // hidden form field
	CSRFHeader    = "X-CSRF-Token" // header for scripts calling the API with the cookie
)

type ctxKey int

const (
	actorKey ctxKey = iota
	tokenKey
	csrfKey
)

// Actor returns the signed-in actor of the request, or nil.
func Actor(ctx context.Context) *zwfw.Actor {
	a, _ := ctx.Value(actorKey).(*zwfw.Actor)
	return a
}

// Token returns the session token or bearer token the request came with.
func Token(ctx context.Context) string {
	t, _ := ctx.Value(tokenKey).(string)
	return t
}

// CSRF returns the request's CSRF token, to put in forms.
func CSRF(ctx context.Context) string {
	t, _ := ctx.Value(csrfKey).(string)
	return t
}

// WithActor returns ctx carrying a (tests, and handlers that sign in).
func WithActor(ctx context.Context, a *zwfw.Actor, token string) context.Context {
	return context.WithValue(context.WithValue(ctx, actorKey, a), tokenKey, token)
}

// Authenticator resolves tokens to actors.
type Authenticator interface {
	Authenticate(ctx context.Context, token, kind string) (*zwfw.Actor, error)
}

// Options configure the middleware.
type Options struct {
	Secure bool // mark cookies Secure
}

// Middleware puts the actor (if any) and the CSRF token into the request
// context. A bearer token is checked as an API token; otherwise the session
// cookie as a page session. An invalid bearer token is not an error here:
// handlers that need an actor answer 401.
func Middleware(auth Authenticator, o Options) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
				tok := strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
				if a, err := auth.Authenticate(ctx, tok, account.SessionAPI); err == nil {
					ctx = WithActor(ctx, a, tok)
				}
				// API clients carry no cookies and need no CSRF token.
				next.ServeHTTP(w, r.WithContext(ctx))
				return
			} else if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
				if a, err := auth.Authenticate(ctx, c.Value, account.SessionWeb); err == nil {
					ctx = WithActor(ctx, a, c.Value)
				} else {
					ClearSession(w, o)
				}
			}
			// Every visitor gets a CSRF cookie (the double-submit token),
			// needed before sign-in too: the login form is a form.
			csrf := ""
			if c, err := r.Cookie(CSRFCookie); err == nil && len(c.Value) >= 32 {
				csrf = c.Value
			} else {
				csrf = newToken()
				http.SetCookie(w, &http.Cookie{Name: CSRFCookie, Value: csrf, Path: "/", HttpOnly: true, Secure: o.Secure, SameSite: http.SameSiteLaxMode})
			}
			ctx = context.WithValue(ctx, csrfKey, csrf)
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// CheckCSRF verifies an unsafe request carries the CSRF token, as a form
// field or header. Requests authenticated by a bearer token need none: a
// browser never adds that header by itself.
func CheckCSRF(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		return true
	}
	want := CSRF(r.Context())
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		got = r.FormValue(CSRFField) // multipart forms are parsed by FormValue too
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// SetSession stores a page-session token in the cookie.
func SetSession(w http.ResponseWriter, token string, o Options) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: o.Secure, SameSite: http.SameSiteLaxMode})
}

// ClearSession removes the session cookie.
func ClearSession(w http.ResponseWriter, o Options) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: o.Secure, SameSite: http.SameSiteLaxMode})
}

func newToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ClientIP is the remote address without port (the server sits behind no
// proxy by default; a deployment behind one should pass X-Forwarded-For
// through a trusted front and extend this).
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
