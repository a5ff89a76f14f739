package web_test

import (
	"testing"

	"zwfw/internal/web"
)

// TestRouteTable checks the one table of pages: each route once, every post
// a form (bounded, with its CSRF token checked), no read a form, and each
// access one the wrappers know.
func TestRouteTable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range web.Routes() {
		key := r.Method + " " + r.Pattern
		if seen[key] {
			t.Errorf("%s registered twice", key)
		}
		seen[key] = true
		switch r.Access {
		case "public", "signedIn", "applicant", "staff":
		default:
			t.Errorf("%s: unknown access %q", key, r.Access)
		}
		if (r.Method == "POST") != (r.FormLimit > 0) {
			t.Errorf("%s: form limit %d (posts are forms, reads are not)", key, r.FormLimit)
		}
	}
	if len(seen) < 80 {
		t.Fatalf("only %d routes", len(seen))
	}
}
