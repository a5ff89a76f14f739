package httpauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"zwfw"
)

// authFunc is an Authenticator made of a function.
type authFunc func(token, kind string) (*zwfw.Actor, error)

func (f authFunc) Authenticate(_ context.Context, token, kind string) (*zwfw.Actor, error) {
	return f(token, kind)
}

// TestSessionUnreadable: while the database cannot be read (PostgreSQL
// restarting) a session is neither ended nor treated as gone — pages keep
// their cookie and API clients are not told "登录已失效" — the answer is 503;
// an unknown session still clears the cookie and reaches the handler
// without an actor (which answers 401 or the sign-in page).
func TestSessionUnreadable(t *testing.T) {
	down := authFunc(func(string, string) (*zwfw.Actor, error) {
		return nil, errors.New("failed to connect: connection refused")
	})
	gone := authFunc(func(string, string) (*zwfw.Actor, error) {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "登录已失效，请重新登录")
	})
	for _, tc := range []struct {
		name    string
		auth    Authenticator
		bearer  bool
		status  int
		cleared bool
	}{
		{"page, database down", down, false, http.StatusServiceUnavailable, false},
		{"api, database down", down, true, http.StatusServiceUnavailable, false},
		{"page, session gone", gone, false, http.StatusTeapot, true},
		{"api, session gone", gone, true, http.StatusTeapot, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := Middleware(tc.auth, Options{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if Actor(r.Context()) != nil {
					t.Error("an actor without a session")
				}
				w.WriteHeader(http.StatusTeapot)
			}))
			r := httptest.NewRequest("GET", "/api/v1/cases", nil)
			if tc.bearer {
				r.Header.Set("Authorization", "Bearer tok")
			} else {
				r.AddCookie(&http.Cookie{Name: SessionCookie, Value: "tok"})
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.status {
				t.Errorf("status %d, want %d", w.Code, tc.status)
			}
			cleared := false
			for _, c := range w.Result().Cookies() {
				if c.Name == SessionCookie && c.MaxAge < 0 {
					cleared = true
				}
			}
			if cleared != tc.cleared {
				t.Errorf("session cookie cleared: %v, want %v (%s)", cleared, tc.cleared, strings.Join(w.Result().Header.Values("Set-Cookie"), "; "))
			}
		})
	}
}
