package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
)

// TestPublicProgressByAddress: the public lookup answers an unknown serial
// and a wrong code alike, and limits failures per client address (429 with
// Retry-After), not per case (issue 8, item 8).
func TestPublicProgressByAddress(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := demo(t, e, "admin")
		var l struct{ Items []casework.Case }
		admin.get("/cases?limit=1").decode(&l)
		if len(l.Items) == 0 {
			t.Fatal("no demo case")
		}
		serial := l.Items[0].Serial
		unknown := serial[:len(serial)-5] + "99999"
		c := anon(t, e)
		wrong := c.get("/public/progress/" + serial + "?code=000000")
		none := c.get("/public/progress/" + unknown + "?code=000000")
		if wrong.Status != http.StatusNotFound || none.Status != wrong.Status ||
			!bytes.Equal(wrong.Body, bytes.ReplaceAll(none.Body, []byte(unknown), []byte(serial))) {
			t.Fatalf("wrong code: %d %s\nunknown serial: %d %s", wrong.Status, wrong.Body, none.Status, none.Body)
		}
		// Eighteen more failures make twenty (ZWFW_LOOKUP_LIMIT's default),
		// then the address waits.
		for i := range 18 {
			c.get(fmt.Sprintf("/public/progress/%s?code=%06d", unknown, i)).apiErr(http.StatusNotFound, "not_found")
		}
		res := c.get("/public/progress/" + serial + "?code=000001")
		res.apiErr(http.StatusTooManyRequests, "too_many")
		if sec, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || sec < 3000 || sec > 3600 {
			t.Errorf("Retry-After %q", res.Header.Get("Retry-After"))
		}
	})
}
