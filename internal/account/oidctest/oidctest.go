// Package oidctest starts a real OpenID Connect provider for tests: the
// province's unified identity (统一身份认证) as github.com/oauth2-proxy/mockoidc
// (MIT licence) serves it — discovery, the authorization endpoint with PKCE,
// the token endpoint, the JWKS — on a loopback port, with what the tests
// need beside it: users whose claims carry an identity number and whether
// it was verified, an end_session_endpoint, and tokens that must be refused
// (a wrong nonce, a wrong audience, a signature by another key).
//
// Only tests import it.
package oidctest

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
)

// Person is a user of the provider.
type Person struct {
	Subject    string
	Name       string
	IDNumber   string
	Verified   bool   // id_number_verified
	Phone      string // phone_number, verified when set
	Staff      bool   // user_type = staff
	SID        string // the provider's session id ('' = none)
	WrongNonce bool   // the ID token carries another nonce
	WrongAud   bool   // the ID token is for another client
}

// ID is the subject (mockoidc.User).
func (p *Person) ID() string { return p.Subject }

// Userinfo is the userinfo answer (mockoidc.User).
func (p *Person) Userinfo([]string) ([]byte, error) {
	return json.Marshal(map[string]any{"sub": p.Subject, "name": p.Name})
}

type claims struct {
	*mockoidc.IDTokenClaims
	Name          string `json:"name,omitempty"`
	IDNumber      string `json:"id_number,omitempty"`
	Verified      bool   `json:"id_number_verified"`
	Phone         string `json:"phone_number,omitempty"`
	PhoneVerified bool   `json:"phone_number_verified,omitempty"`
	UserType      string `json:"user_type,omitempty"`
	SID           string `json:"sid,omitempty"`
}

// Claims are the ID token's claims (mockoidc.User).
func (p *Person) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	if p.WrongNonce {
		base.Nonce = "not-the-nonce-of-this-sign-in"
	}
	if p.WrongAud {
		base.Audience = jwt.ClaimStrings{"another-client"}
	}
	c := &claims{IDTokenClaims: base, Name: p.Name, IDNumber: p.IDNumber, Verified: p.Verified, Phone: p.Phone,
		PhoneVerified: p.Phone != "", SID: p.SID}
	if p.Staff {
		c.UserType = "staff"
	}
	return c, nil
}

// Provider is a running provider.
type Provider struct {
	*mockoidc.MockOIDC
	URL    string // the server's base (http://127.0.0.1:port)
	other  *mockoidc.Keypair
	badSig atomic.Bool
	mu     sync.Mutex
	ends   []url.Values // the sign-outs received at end_session_endpoint
	srv    *http.Server
	ln     net.Listener
}

var clockMu sync.Mutex

// Start runs a provider until the test ends; now is the provider's clock
// (the tests' clock, so that tokens are fresh for the service under test).
func Start(t testing.TB, now func() time.Time) *Provider {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if now != nil {
		clockMu.Lock()
		prev := mockoidc.NowFunc
		mockoidc.NowFunc = now
		clockMu.Unlock()
		t.Cleanup(func() { clockMu.Lock(); mockoidc.NowFunc = prev; clockMu.Unlock() })
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := mockoidc.NewKeypair(key)
	if err != nil {
		t.Fatal(err)
	}
	kid, err := m.Keypair.KeyID()
	if err != nil {
		t.Fatal(err)
	}
	other.Kid = kid // the same key id: only the signature tells them apart
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{MockOIDC: m, URL: "http://" + ln.Addr().String(), other: other, ln: ln}
	mux := http.NewServeMux()
	mux.HandleFunc(mockoidc.AuthorizationEndpoint, m.Authorize)
	mux.HandleFunc(mockoidc.TokenEndpoint, p.token)
	mux.HandleFunc(mockoidc.UserinfoEndpoint, m.Userinfo)
	mux.HandleFunc(mockoidc.JWKSEndpoint, m.JWKS)
	mux.HandleFunc(mockoidc.DiscoveryEndpoint, p.discovery)
	mux.HandleFunc("/oidc/end_session", p.endSession)
	p.srv = &http.Server{Addr: ln.Addr().String(), Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	m.Server = p.srv // Issuer() and the endpoints' URLs read its address
	go func() { _ = p.srv.Serve(ln) }()
	t.Cleanup(func() { _ = p.srv.Close() })
	return p
}

// Stop closes the provider (an outage).
func (p *Provider) Stop() { _ = p.srv.Close() }

// Queue makes person the next one to sign in.
func (p *Provider) Queue(person *Person) { p.QueueUser(person) }

// BadSignatureNext makes the next token response's ID token signed by a
// second key under the first key's id.
func (p *Provider) BadSignatureNext() { p.badSig.Store(true) }

// Ends returns the sign-outs received at end_session_endpoint.
func (p *Provider) Ends() []url.Values {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]url.Values(nil), p.ends...)
}

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	p.Discovery(rec, r)
	var meta map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &meta); err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	meta["end_session_endpoint"] = p.URL + "/oidc/end_session"
	meta["backchannel_logout_supported"] = true
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(meta)
}

func (p *Provider) endSession(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.ends = append(p.ends, r.URL.Query())
	p.mu.Unlock()
	if back := r.URL.Query().Get("post_logout_redirect_uri"); back != "" {
		http.Redirect(w, r, back, http.StatusFound)
		return
	}
	_, _ = w.Write([]byte("signed out"))
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	p.Token(rec, r)
	body := rec.Body.Bytes()
	if rec.Code == http.StatusOK && p.badSig.Swap(false) {
		var tr map[string]any
		if err := json.Unmarshal(body, &tr); err == nil {
			if raw, ok := tr["id_token"].(string); ok {
				tok, _, err := jwt.NewParser().ParseUnverified(raw, jwt.MapClaims{})
				if err == nil {
					if signed, err := p.other.SignJWT(tok.Claims); err == nil {
						tr["id_token"] = signed
						body, _ = json.Marshal(tr)
					}
				}
			}
		}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = bytes.NewReader(body).WriteTo(w)
}

// LogoutToken is a back-channel logout token for subject and sid, signed
// by the provider's key (or, with forged, by the second key), for the
// client.
func (p *Provider) LogoutToken(t testing.TB, subject, sid string, forged bool) string {
	t.Helper()
	now := mockoidc.NowFunc()
	c := jwt.MapClaims{"iss": p.Issuer(), "aud": p.ClientID, "iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(),
		"jti": "logout-" + subject + sid, "events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}}}
	if subject != "" {
		c["sub"] = subject
	}
	if sid != "" {
		c["sid"] = sid
	}
	k := p.Keypair
	if forged {
		k = p.other
	}
	s, err := k.SignJWT(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Follow drives a browser's visit to the provider's authorization URL
// (the provider signs the queued person in at once, as mockoidc does) and
// returns the callback URL it redirects to.
func Follow(t testing.TB, authURL string) *url.URL {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}
	res, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %s", res.Status)
	}
	u, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}
