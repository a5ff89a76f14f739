package api

import (
	"net/http"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/account/ident"
	"zwfw/internal/httpauth"
)

// userJSON is an account as the API shows it: never the full identity
// number, only its masked form.
type userJSON struct {
	*account.User
	RoleNames      []string `json:"role_names"`
	IDNumberMasked string   `json:"id_number_masked,omitempty"`
	// CreditCode is an enterprise's 统一社会信用代码, which is public (it is
	// printed on the business licence).
	CreditCode string `json:"credit_code,omitempty"`
}

func userView(u *account.User) userJSON {
	v := userJSON{User: u, RoleNames: make([]string, len(u.Roles))}
	if v.User.Roles == nil {
		v.User.Roles = []string{}
	}
	for i, r := range u.Roles {
		v.RoleNames[i] = zwfw.RoleName(r)
	}
	if u.IDNumber != "" {
		v.IDNumberMasked = ident.MaskID(u.IDNumber)
	}
	if u.Kind == zwfw.KindEnterprise {
		v.CreditCode = u.CreditCode
	}
	return v
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	// TOTP is the second factor's code (or a recovery code) of a staff
	// account that uses one (account.NeedsSecondFactor).
	TOTP string `json:"totp"`
}

type loginResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      userJSON  `json:"user"`
}

// handleLogin opens an API session and returns its bearer token.
func handleLogin(users *account.Service, ttl time.Duration, now func() time.Time) handler {
	if ttl <= 0 {
		ttl = account.DefaultPolicy.TokenTTL
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		var in loginRequest
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		// The token's lifetime starts when the session is opened; reading
		// the clock first errs on the early side.
		expires := now().Add(ttl)
		token, u, err := users.LoginWithCode(r.Context(), in.Username, in.Password, in.TOTP, account.SessionAPI, httpauth.ClientIP(r), r.UserAgent())
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, loginResponse{Token: token, ExpiresAt: expires, User: userView(u)})
		return nil
	}
}

// handleLogout ends the session the request came with.
func handleLogout(users *account.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := users.Logout(r.Context(), httpauth.Token(r.Context())); err != nil {
			return err
		}
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			httpauth.ClearSession(w, r)
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// handleMe returns the signed-in account.
func handleMe(users *account.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, err := users.ByUsername(r.Context(), actor(r).Username)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, userView(u))
		return nil
	}
}

type passwordRequest struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

// handleChangePassword changes the signed-in account's password; the
// account's other sessions end, this one stays.
func handleChangePassword(users *account.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in passwordRequest
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		if err := users.ChangePassword(r.Context(), actor(r), in.OldPassword, in.NewPassword, httpauth.Token(r.Context())); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

type registerResponse struct {
	User userJSON `json:"user"`
}

// handleRegister signs up an applicant (resident or enterprise).
func handleRegister(users *account.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in account.RegisterInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		u, err := users.Register(r.Context(), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, registerResponse{User: userView(u)})
		return nil
	}
}

type smsCodeRequest struct {
	Phone   string `json:"phone"`
	Purpose string `json:"purpose"`
}

type smsCodeResponse struct {
	ExpiresIn int `json:"expires_in"` // seconds
}

// handleSMSCode sends a verification code to a phone (registration or
// sign-in). The answer is the same whether or not the phone has an
// account; the code itself never comes back.
func handleSMSCode(users *account.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in smsCodeRequest
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		if err := users.SendCode(r.Context(), in.Purpose, in.Phone, httpauth.ClientIP(r)); err != nil {
			return err
		}
		writeJSON(w, http.StatusAccepted, smsCodeResponse{ExpiresIn: int(users.CodeTTL().Seconds())})
		return nil
	}
}

type smsLoginRequest struct {
	Phone string `json:"phone"`
	Code  string `json:"code"`
}

// handleLoginSMS opens an API session for an applicant with phone + code.
func handleLoginSMS(users *account.Service, ttl time.Duration, now func() time.Time) handler {
	if ttl <= 0 {
		ttl = account.DefaultPolicy.TokenTTL
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		var in smsLoginRequest
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		expires := now().Add(ttl)
		token, u, err := users.LoginSMS(r.Context(), in.Phone, in.Code, account.SessionAPI, httpauth.ClientIP(r), r.UserAgent())
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, loginResponse{Token: token, ExpiresAt: expires, User: userView(u)})
		return nil
	}
}

type privacyJSON struct {
	Version string `json:"version"`
	URL     string `json:"url"`
}

// handlePrivacy returns the current version of the privacy notice.
func handlePrivacy() handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		writeJSON(w, http.StatusOK, privacyJSON{Version: account.PrivacyVersion, URL: "/privacy"})
		return nil
	}
}

type privacyRequest struct {
	Version string `json:"version"`
}

// handleAcceptPrivacy records the signed-in applicant's consent to the
// current privacy notice.
func handleAcceptPrivacy(users *account.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in privacyRequest
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		if err := users.AcceptPrivacy(r.Context(), actor(r), in.Version); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
