package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/throttle"
)

// status maps a zwfw error code to its HTTP status (zwfw.HTTPStatus).
func status(code string) int { return zwfw.HTTPStatus(code) }

// errorBody is the shape of every error response.
type errorBody struct {
	Error errorJSON `json:"error"`
}

type errorJSON struct {
	Code    string             `json:"code"`
	Message string             `json:"message"`
	Details []zwfw.ErrorDetail `json:"details"`
}

// writeError renders err. Errors that are not a *zwfw.Error with a known
// code are logged and shown only as a generic message.
func writeError(log *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = tooLarge(mbe.Limit)
	}
	code := zwfw.ErrorCode(err)
	st := status(code)
	if st == http.StatusInternalServerError {
		log.Error("api: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		writeErrorBody(w, st, zwfw.EINTERNAL, zwfw.ErrorMessage(nil), nil)
		return
	}
	if st == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="zwfw"`)
	}
	if sec, ok := throttle.RetryAfter(err); ok {
		w.Header().Set("Retry-After", strconv.Itoa(sec))
	}
	var details []zwfw.ErrorDetail
	var e *zwfw.Error
	if errors.As(err, &e) {
		details = e.Details
	}
	writeErrorBody(w, st, code, zwfw.ErrorMessage(err), details)
}

func writeErrorBody(w http.ResponseWriter, st int, code, msg string, details []zwfw.ErrorDetail) {
	if details == nil {
		details = []zwfw.ErrorDetail{}
	}
	writeJSON(w, st, errorBody{errorJSON{Code: code, Message: msg, Details: details}})
}

// tooLarge is the error for a body over limit bytes.
func tooLarge(limit int64) error {
	return zwfw.Errorf(zwfw.ETOOLARGE, "请求内容超过大小上限 %s", humanSize(limit))
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d 字节", n)
}

// writeJSON writes v with status st.
func writeJSON(w http.ResponseWriter, st int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only a programming error gets here (an unencodable value).
		slog.Error("api: encode response", "err", err)
		http.Error(w, `{"error":{"code":"internal","message":"系统内部错误","details":[]}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(st)
	_, _ = w.Write(buf.Bytes())
}

// list is the envelope of every list response.
type list[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
}

func newList[T any](items []T, total int) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items, Total: total}
}

// decodeJSON reads the request body (already bounded by serve) as one JSON
// value into v, refusing unknown fields. Every way it can fail gets a
// message that says what is wrong.
func decodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return zwfw.Errorf(zwfw.EBADREQUEST, "请求正文须为 JSON（Content-Type: application/json），而不是 %s", ct)
		}
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return jsonError(err)
	}
	if nulEscape(b) {
		return zwfw.Errorf(zwfw.EBADREQUEST, "请求正文含有空字符（\\u0000），无法保存")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge(mbe.Limit)
		}
		return zwfw.Errorf(zwfw.EBADREQUEST, "请求正文只能包含一个 JSON 对象，其后还有多余内容")
	}
	return nil
}

// nulEscape reports whether a JSON text has a \u0000 escape (one not
// itself escaped, as in "\\u0000"): PostgreSQL cannot store the NUL it
// stands for (SQLSTATE 22021), and on SQLite text would keep it. A raw NUL
// byte is not JSON at all and is refused by the decoder.
func nulEscape(b []byte) bool {
	for i := 0; ; i++ {
		j := bytes.Index(b[i:], []byte(`u0000`))
		if j < 0 {
			return false
		}
		i += j
		n := 0
		for k := i - 1; k >= 0 && b[k] == '\\'; k-- {
			n++
		}
		if n%2 == 1 {
			return true
		}
	}
}

// jsonError explains a decoding error in Chinese.
func jsonError(err error) error {
	var mbe *http.MaxBytesError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return tooLarge(mbe.Limit)
	case errors.Is(err, io.EOF):
		return zwfw.Errorf(zwfw.EBADREQUEST, "请求正文为空，应为 JSON 对象")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return zwfw.Errorf(zwfw.EBADREQUEST, "请求正文的 JSON 不完整（缺少结尾的括号或引号？）")
	case errors.As(err, &se):
		return zwfw.Errorf(zwfw.EBADREQUEST, "请求正文不是有效的 JSON：第 %d 个字节附近有语法错误", se.Offset)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return zwfw.Errorf(zwfw.EBADREQUEST, "请求正文应为%s，而不是 JSON %s", typeName(te.Type), te.Value)
		}
		return &zwfw.Error{Code: zwfw.EBADREQUEST,
			Message: fmt.Sprintf("字段“%s”的类型不正确：应为%s，而不是 JSON %s", field, typeName(te.Type), te.Value),
			Details: []zwfw.ErrorDetail{{Field: field, Message: "应为" + typeName(te.Type)}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &zwfw.Error{Code: zwfw.EBADREQUEST, Message: fmt.Sprintf("不认识的字段“%s”（字段名拼写有误？）", name),
			Details: []zwfw.ErrorDetail{{Field: name, Message: "不认识的字段"}}}
	}
	return zwfw.Errorf(zwfw.EBADREQUEST, "请求正文无法读取：不是有效的 JSON")
}

// typeName names a Go type the way a JSON user thinks of it.
func typeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.String() == "time.Time" {
		return "RFC 3339 时间字符串"
	}
	switch t.Kind() {
	case reflect.String:
		return "字符串"
	case reflect.Bool:
		return "布尔值（true 或 false）"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "整数"
	case reflect.Float32, reflect.Float64:
		return "数字"
	case reflect.Slice, reflect.Array:
		return "数组"
	case reflect.Struct, reflect.Map:
		return "对象"
	}
	return t.String()
}

// page is the limit and offset of a list request.
type page struct {
	Limit, Offset int
}

// pageOf reads limit (default 50, 1–500) and offset (≥ 0).
func pageOf(r *http.Request) (page, error) {
	p := page{Limit: 50}
	q := r.URL.Query()
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			return p, &zwfw.Error{Code: zwfw.EBADREQUEST, Message: fmt.Sprintf("limit 应为 1–500 的整数，而不是“%s”", s),
				Details: []zwfw.ErrorDetail{{Field: "limit", Message: "应为 1–500 的整数"}}}
		}
		p.Limit = n
	}
	if s := q.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return p, &zwfw.Error{Code: zwfw.EBADREQUEST, Message: fmt.Sprintf("offset 应为不小于 0 的整数，而不是“%s”", s),
				Details: []zwfw.ErrorDetail{{Field: "offset", Message: "应为不小于 0 的整数"}}}
		}
		p.Offset = n
	}
	return p, nil
}

// slice returns the page of a list held in memory.
func slice[T any](all []T, p page) []T {
	if p.Offset >= len(all) {
		return nil
	}
	return all[p.Offset:min(len(all), p.Offset+p.Limit)]
}
