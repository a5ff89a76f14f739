package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
)

// refused checks a request the helpers refuse: a 4xx error (400, 413 or
// 422) with a message, never a panic or a 500.
func refused(t *testing.T, what string, err error) {
	t.Helper()
	switch zwfw.ErrorCode(err) {
	case zwfw.EBADREQUEST, zwfw.ETOOLARGE, zwfw.EINVALID:
	default:
		t.Fatalf("%s: %v (%s), want 400, 413 or 422", what, err, zwfw.ErrorCode(err))
	}
	// A message may quote the request's bytes as they came: writeJSON
	// turns what is not UTF-8 into U+FFFD on the way out.
	if _, err := json.Marshal(zwfw.ErrorMessage(err)); err != nil || zwfw.ErrorMessage(err) == "" {
		t.Fatalf("%s: message %q", what, zwfw.ErrorMessage(err))
	}
}

// FuzzDecodeJSON: a request body of any bytes and Content-Type, read as an
// application (the largest body a case takes) under a size limit, is
// decoded or refused as the client's mistake; what is decoded is exactly
// one JSON object without NUL (PostgreSQL cannot store it), which reads
// back the same when encoded again.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []struct{ body, ct string }{
		{`{"item_code":"010100100000","org_code":"610923C","applicant":{"name":"陈家明","id_number":"610923198503120025","phone":"13991568899"},"form":{"description":"申请","fields":{"经营场所":"城关镇"}},"materials":[{"name":"营业执照","handed_in":"window"}],"accept":true}`, "application/json"},
		{`{"item_code":1}`, "application/json; charset=utf-8"}, {`{"itme_code":"x"}`, ""}, {`{} {}`, "application/json"},
		{`{"form":{"fields":{"a":null}}}`, "application/problem+json"}, {`[]`, "application/json"}, {``, "application/json"},
		{`{"materials":[{"file_id":1e40}]}`, "application/json"}, {`{"item_code":"x"`, "text/plain"}, {`{"accept":"yes"}`, "application/json;;"},
		{`{"form":{"description":"` + strings.Repeat("说", 2000) + `"}}`, "application/json"},
		{`{"form":{"description":"停电\u0000"}}`, "application/json"}, {`{"form":{"fields":{"\\u0000":"\\\u0000"}}}`, ""},
	} {
		f.Add([]byte(s.body), s.ct)
	}
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		r := httptest.NewRequest("POST", "/api/v1/cases", bytes.NewReader(body))
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 4096)
		var in casework.ApplyInput
		if err := decodeJSON(r, &in); err != nil {
			refused(t, "decodeJSON", err)
			return
		}
		again, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(again, []byte(`\u0000`)) {
			t.Fatalf("%s decoded with a NUL, which PostgreSQL cannot store", body)
		}
		var back casework.ApplyInput
		if err := json.Unmarshal(again, &back); err != nil || !reflect.DeepEqual(in, back) {
			t.Fatalf("%s decoded as %+v, which reads back as %+v (%v)", body, in, back, err)
		}
	})
}

// FuzzParams: any query string gives list pages, calendar years and dates
// and flags within their stated bounds, or a 400/422 naming the parameter.
func FuzzParams(f *testing.F) {
	for _, s := range []string{"limit=50&offset=0", "limit=0", "limit=501", "limit=-1&offset=-1", "limit=9223372036854775808", "offset=1e3",
		"year=2026&month=11", "year= 2026 ", "year=1899", "month=13", "from=2026-11-26&to=2026-02-29", "from= 2026-11-26 ",
		"inactive=1", "inactive=true", "inactive=yes", "limit=%ff", "year=+2026", "year=٢٠٢٦"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r := httptest.NewRequest("GET", "/api/v1/x", nil)
		r.URL.RawQuery = raw
		q, _ := url.ParseQuery(raw)
		named := func(err error, field string) {
			t.Helper()
			refused(t, field, err)
			if e, ok := err.(*zwfw.Error); !ok || len(e.Details) != 1 || e.Details[0].Field != field {
				t.Fatalf("%q: %v does not name %s", raw, err, field)
			}
		}
		if p, err := pageOf(r); err != nil {
			named(err, map[bool]string{true: "limit", false: "offset"}[strings.Contains(err.Error(), "limit")])
		} else if p.Limit < 1 || p.Limit > 500 || p.Offset < 0 {
			t.Fatalf("%q: page %+v", raw, p)
		} else if s := q.Get("limit"); s != "" && strconv.Itoa(p.Limit) != strings.TrimLeft(strings.TrimPrefix(s, "+"), "0") {
			t.Fatalf("%q: limit %d", raw, p.Limit)
		}
		if y, err := intParam(r, "year", "年份", 2000, 2100); err != nil {
			named(err, "year")
		} else if y < 2000 || y > 2100 {
			t.Fatalf("%q: year %d", raw, y)
		}
		if d, err := dateParam(r, "from", "开始日期"); err != nil {
			named(err, "from")
		} else if d.Format(calendar.DateLayout) != strings.TrimSpace(q.Get("from")) {
			t.Fatalf("%q: from %v", raw, d)
		}
		if b, err := boolParam(r, "inactive"); err != nil {
			named(err, "inactive")
		} else if b != (q.Get("inactive") == "1" || q.Get("inactive") == "true") {
			t.Fatalf("%q: inactive %v", raw, b)
		}
	})
}
