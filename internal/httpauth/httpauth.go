// Package httpauth finds out who is making an HTTP request, for both
// surfaces: page sessions in an HttpOnly, SameSite cookie, and API bearer
// tokens. It also guards forms and cookie-authenticated API calls against
// cross-site request forgery with a double-submit token, and decides once
// per request where it came from (the client address, through trusted
// proxies) and whether it came over HTTPS (Secure cookies, HSTS).
package httpauth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/audit"
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
	frontKey
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

// Options say how requests reach the server.
type Options struct {
	// Secure decides when cookies are marked Secure and HSTS is sent:
	// "auto" (or empty) when the request came over HTTPS, "true" always,
	// "false" never (config ZWFW_SECURE_COOKIES).
	Secure string
	// TrustedProxies are the reverse proxies in front of the server: from
	// them, and only from them, X-Forwarded-For and X-Forwarded-Proto are
	// believed (config ZWFW_TRUSTED_PROXIES).
	TrustedProxies []netip.Prefix
}

// front is what Front found out about a request.
type front struct {
	ip     string // the client's address
	https  bool   // the client's connection is HTTPS
	secure bool   // cookies are Secure and HSTS is sent
}

// Front works out, once per request, the client's address and whether the
// client's connection is HTTPS, and puts both in the request context for
// ClientIP, HTTPS and Secure. The forwarding headers count only when the
// peer is a trusted proxy: anyone else could write them.
func Front(o Options) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, done := r.Context().Value(frontKey).(front); done {
				next.ServeHTTP(w, r)
				return
			}
			f := front{ip: peer(r), https: r.TLS != nil}
			if o.trusted(f.ip) {
				if ip := o.forwardedFor(r); ip != "" {
					f.ip = ip
				}
				if p := lastValue(r.Header.Values("X-Forwarded-Proto")); p != "" {
					f.https = strings.EqualFold(p, "https")
				}
			}
			switch o.Secure {
			case "true":
				f.secure = true
			case "false":
			default:
				f.secure = f.https
			}
			// The security log notes the address of what a request does.
			ctx := audit.WithClient(context.WithValue(r.Context(), frontKey, f), f.ip)
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

func (o Options) trusted(ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range o.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedFor is the client address in X-Forwarded-For: the rightmost
// address that is not a trusted proxy (the ones to its left were written by
// the client itself and prove nothing).
func (o Options) forwardedFor(r *http.Request) string {
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		for _, h := range strings.Split(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			return "" // a garbled chain: keep the peer
		}
		if !o.trusted(a.String()) || i == 0 {
			return a.Unmap().String()
		}
	}
	return ""
}

func lastValue(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	parts := strings.Split(vs[len(vs)-1], ",")
	return strings.TrimSpace(parts[len(parts)-1])
}

func peer(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func frontOf(r *http.Request) (front, bool) {
	f, ok := r.Context().Value(frontKey).(front)
	return f, ok
}

// ClientIP is the client's address: the peer, or behind a trusted proxy
// the address the proxy names.
func ClientIP(r *http.Request) string {
	if f, ok := frontOf(r); ok {
		return f.ip
	}
	return peer(r)
}

// HTTPS reports whether the client's connection is HTTPS.
func HTTPS(r *http.Request) bool {
	if f, ok := frontOf(r); ok {
		return f.https
	}
	return r.TLS != nil
}

// Secure reports whether cookies set in answer to r are marked Secure and
// the answer carries HSTS.
func Secure(r *http.Request) bool {
	if f, ok := frontOf(r); ok {
		return f.secure
	}
	return r.TLS != nil
}

// Middleware puts the actor (if any) and the CSRF token into the request
// context (and what Front finds, when Front has not run). A bearer token is
// checked as an API token; otherwise the session cookie as a page session.
// An invalid bearer token is not an error here: handlers that need an actor
// answer 401.
func Middleware(auth Authenticator, o Options) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return Front(o)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
				tok := strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
				if a, err := auth.Authenticate(ctx, tok, account.SessionAPI); err == nil {
					ctx = WithActor(ctx, a, tok)
				} else if unavailable(w, err, true) {
					return
				}
				// API clients carry no cookies and need no CSRF token.
				next.ServeHTTP(w, r.WithContext(ctx))
				return
			} else if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
				if a, err := auth.Authenticate(ctx, c.Value, account.SessionWeb); err == nil {
					ctx = WithActor(ctx, a, c.Value)
				} else if unavailable(w, err, false) {
					return
				} else {
					ClearSession(w, r)
				}
			}
			// Every visitor gets a CSRF cookie (the double-submit token),
			// needed before sign-in too: the login form is a form.
			csrf := ""
			if c, err := r.Cookie(CSRFCookie); err == nil && len(c.Value) >= 32 {
				csrf = c.Value
			} else {
				csrf = setCSRF(w, r)
			}
			ctx = context.WithValue(ctx, csrfKey, csrf)
			next.ServeHTTP(w, r.WithContext(ctx))
		}))
	}
}

// unavailable answers 503 when the session could not be read because the
// database failed (an EINTERNAL error, not EUNAUTHORIZED): a restart of
// PostgreSQL must neither sign every browser out nor tell API clients that
// their token is gone ("登录已失效"). It reports whether it answered.
func unavailable(w http.ResponseWriter, err error, api bool) bool {
	if zwfw.ErrorCode(err) != zwfw.EINTERNAL {
		return false
	}
	w.Header().Set("Retry-After", "5")
	if api {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"error":{"code":"internal","message":"服务暂时不可用，请稍后重试","details":[]}}`+"\n")
		return true
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = io.WriteString(w, "服务暂时不可用，请稍后重试\n")
	return true
}

func setCSRF(w http.ResponseWriter, r *http.Request) string {
	csrf := newToken()
	http.SetCookie(w, &http.Cookie{Name: CSRFCookie, Value: csrf, Path: "/", HttpOnly: true, Secure: Secure(r), SameSite: http.SameSiteLaxMode})
	return csrf
}

// RotateCSRF gives the visitor a new CSRF token (at sign-in: a token that
// someone else may have seen or planted before it must not outlive the
// change of who is signed in). Pages rendered after it, on the next
// request, carry the new one.
func RotateCSRF(w http.ResponseWriter, r *http.Request) {
	setCSRF(w, r)
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
func SetSession(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: Secure(r), SameSite: http.SameSiteLaxMode})
}

// ClearSession removes the session cookie.
func ClearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: Secure(r), SameSite: http.SameSiteLaxMode})
}

func newToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
