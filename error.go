// Package zwfw holds the few types every part of the platform shares: the
// application error and the acting user. Domain packages (org, account,
// catalog, …) live under internal/ and depend on this package, never the
// other way round.
package zwfw

import (
	"errors"
	"fmt"
	"net/http"
)

// Error codes. Each surface (API, web) maps them to a status in one place.
const (
	EINVALID      = "invalid"      // 422: the input breaks a rule
	EBADREQUEST   = "bad_request"  // 400: the input cannot be read at all
	EUNAUTHORIZED = "unauthorized" // 401: not signed in, or bad credentials
	EFORBIDDEN    = "forbidden"    // 403: signed in, but not allowed (role or scope)
	ENOTFOUND     = "not_found"    // 404
	ECONFLICT     = "conflict"     // 409: duplicate, stale version, illegal state
	ETOOLARGE     = "too_large"    // 413
	ELOCKED       = "locked"       // 423: account locked after failed logins
	ETOOMANY      = "too_many"     // 429: too many failed attempts; try later
	EINTERNAL     = "internal"     // 500: never shown in detail
)

// Error is an error a user may see: a code and a message in Chinese.
// Details carries per-field or per-row problems (for example every error of
// a rejected catalog import).
type Error struct {
	Code    string        `json:"code"`
	Message string        `json:"message"`
	Details []ErrorDetail `json:"details,omitempty"`
}

// ErrorDetail locates one problem: a field, or a row and column of an import.
type ErrorDetail struct {
	Field   string `json:"field,omitempty"`
	Row     int    `json:"row,omitempty"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	if len(e.Details) > 0 {
		return fmt.Sprintf("%s: %s (%d details)", e.Code, e.Message, len(e.Details))
	}
	return e.Code + ": " + e.Message
}

// Errorf makes an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or EINTERNAL.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err. Internal errors get a
// generic message: their text may leak details and is only logged.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "系统内部错误，请稍后重试或联系管理员"
}

// Invalid collects field problems and returns them as one EINVALID error.
type Invalid struct {
	Details []ErrorDetail
}

// Add records a problem with a field.
func (v *Invalid) Add(field, format string, args ...any) {
	v.Details = append(v.Details, ErrorDetail{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil when nothing was added, else an EINVALID *Error whose
// message lists the problems.
func (v *Invalid) Err() error {
	if len(v.Details) == 0 {
		return nil
	}
	msg := v.Details[0].Message
	if len(v.Details) > 1 {
		msg = fmt.Sprintf("%s（另有 %d 处问题）", msg, len(v.Details)-1)
	}
	return &Error{Code: EINVALID, Message: msg, Details: v.Details}
}

// HTTPStatus is the HTTP status of an error code: the one mapping both the
// API and the pages use.
func HTTPStatus(code string) int {
	switch code {
	case EINVALID:
		return http.StatusUnprocessableEntity
	case EBADREQUEST:
		return http.StatusBadRequest
	case EUNAUTHORIZED:
		return http.StatusUnauthorized
	case EFORBIDDEN:
		return http.StatusForbidden
	case ENOTFOUND:
		return http.StatusNotFound
	case ECONFLICT:
		return http.StatusConflict
	case ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case ELOCKED:
		return http.StatusLocked
	case ETOOMANY:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}
