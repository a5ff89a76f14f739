package api_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
)

// TestLongParameters: a search string of 60,000 bytes made SQLite fail
// ("LIKE or GLOB pattern too complex") and the API answer 500 (issue 8,
// item 7). Every query parameter and form field is bounded at the edge: 400
// with the field named, before any handler reads it.
func TestLongParameters(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		long := strings.Repeat("a", 60000)
		admin := demo(t, e, "admin")
		for _, c := range []struct {
			who  *client
			path string
		}{
			{anon(t, e), "/items?q=" + long},
			{admin, "/cases?q=" + long},
			{admin, "/users?q=" + long},
			{admin, "/users?kind=applicant&q=" + long},
			{anon(t, e), "/orgs?anything=" + long},
		} {
			er := c.who.get(c.path).apiErr(http.StatusBadRequest, "bad_request")
			field := strings.SplitN(strings.SplitN(c.path, "?", 2)[1], "=", 2)[0]
			if field == "kind" {
				field = "q"
			}
			if !er.hasDetail(field, "1000") || !strings.Contains(er.Message, "60000") {
				t.Errorf("%s: %+v", c.path[:40], er)
			}
		}
		// A search of 1,000 characters is still a search (nothing found).
		if res := anon(t, e).get("/items?q=" + url.QueryEscape(strings.Repeat("证", 1000))); res.Status != http.StatusOK {
			t.Errorf("1,000-character search: %d %s", res.Status, res.Body)
		}
		// Form fields of an upload, too.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("purpose", long)
		w, _ := mw.CreateFormFile("file", "a.txt")
		w.Write([]byte("hello"))
		mw.Close()
		er := admin.do("POST", "/files", mw.FormDataContentType(), &buf, nil).apiErr(http.StatusBadRequest, "bad_request")
		if !er.hasDetail("purpose", "2000") {
			t.Errorf("long form field: %+v", er)
		}
	})
}
