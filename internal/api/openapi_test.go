package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"zwfw/internal/services"
)

// TestOpenAPIDescribesEveryRoute keeps openapi.json and routes.go in step:
// every route is documented with its security, and every documented
// operation exists.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Servers []struct{ URL string }                `json:"servers"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") || len(doc.Servers) != 1 || doc.Servers[0].URL != Prefix {
		t.Fatalf("openapi %q, servers %+v", doc.OpenAPI, doc.Servers)
	}
	seen := map[string]bool{}
	for _, rt := range routes(services.Services{}) {
		key := rt.Method + " " + rt.Path
		if seen[key] {
			t.Errorf("route %s registered twice", key)
		}
		seen[key] = true
		raw, ok := doc.Paths[rt.Path][strings.ToLower(rt.Method)]
		if !ok {
			t.Errorf("openapi.json does not describe %s", key)
			continue
		}
		var op struct {
			OperationID string                     `json:"operationId"`
			Security    []map[string][]string      `json:"security"`
			Responses   map[string]json.RawMessage `json:"responses"`
		}
		if err := json.Unmarshal(raw, &op); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		isPublic := slices.ContainsFunc(op.Security, func(s map[string][]string) bool { return len(s) == 0 })
		if isPublic != (rt.Access == public) {
			t.Errorf("%s: openapi.json says public=%v, routes.go says access %d", key, isPublic, rt.Access)
		}
		if rt.Access == signedIn && op.Responses["401"] == nil {
			t.Errorf("%s: no 401 response documented", key)
		}
		if op.OperationID == "" || len(op.Responses) == 0 {
			t.Errorf("%s: no operationId or responses", key)
		}
	}
	for p, ops := range doc.Paths {
		for m := range ops {
			if m == "parameters" || m == "servers" { // servers: the exchange API's own mount (/api/exchange/v1)
				continue
			}
			if key := strings.ToUpper(m) + " " + p; !seen[key] {
				t.Errorf("openapi.json describes %s, which routes.go does not register", key)
			}
		}
	}
}

// TestOpenAPIRefsResolve checks every $ref points at a component that exists.
func TestOpenAPIRefsResolve(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	components := doc["components"].(map[string]any)
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
				group, _ := components[parts[0]].(map[string]any)
				if len(parts) != 2 || group == nil || group[parts[1]] == nil {
					t.Errorf("dangling $ref %s", ref)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
}

// TestOpenAPIServed checks the document is served as it is kept.
func TestOpenAPIServed(t *testing.T) {
	rec := httptest.NewRecorder()
	New(services.Services{}).ServeHTTP(rec, httptest.NewRequest("GET", Prefix+"/openapi.json", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != string(openAPIDoc) || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("GET openapi.json: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
}
