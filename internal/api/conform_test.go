package api_test

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"zwfw/internal/api"
)

var (
	schemasOnce sync.Once
	schemas     map[string]any
)

// conforms checks a response body against a schema of openapi.json: the
// required properties are there, no undocumented one is (where the
// document says additionalProperties: false), types and enums hold. A
// client written from the document would not be surprised.
func conforms(t *testing.T, schema string, body []byte) {
	t.Helper()
	schemasOnce.Do(func() {
		var doc struct {
			Components struct{ Schemas map[string]any }
		}
		if err := json.Unmarshal(api.OpenAPIDoc, &doc); err != nil {
			panic(err)
		}
		schemas = doc.Components.Schemas
	})
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s: %v", schema, err)
	}
	var problems []string
	checkSchema(map[string]any{"$ref": "#/components/schemas/" + schema}, v, schema, &problems)
	if len(problems) > 0 {
		sort.Strings(problems)
		t.Fatalf("response does not match openapi.json:\n  %s", strings.Join(problems, "\n  "))
	}
}

func checkSchema(s map[string]any, v any, path string, problems *[]string) {
	bad := func(format string, args ...any) {
		*problems = append(*problems, path+": "+fmt.Sprintf(format, args...))
	}
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		target, ok := schemas[name].(map[string]any)
		if !ok {
			bad("no schema %s", name)
			return
		}
		checkSchema(target, v, path, problems)
		return
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		bad("%v is not one of %v", v, enum)
	}
	switch s["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			bad("want an object, got %v", v)
			return
		}
		props, _ := s["properties"].(map[string]any)
		required, _ := s["required"].([]any)
		for _, r := range required {
			if _, ok := m[r.(string)]; !ok {
				bad("required %s missing", r)
			}
		}
		for k, x := range m {
			if ps, ok := props[k].(map[string]any); ok {
				checkSchema(ps, x, path+"."+k, problems)
			} else if ap, ok := s["additionalProperties"].(map[string]any); ok {
				checkSchema(ap, x, path+"."+k, problems)
			} else if s["additionalProperties"] == false {
				bad("undocumented property %s", k)
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			bad("want an array, got %v", v)
			return
		}
		items, _ := s["items"].(map[string]any)
		for i, x := range a {
			checkSchema(items, x, fmt.Sprintf("%s[%d]", path, i), problems)
		}
	case "string":
		if _, ok := v.(string); !ok {
			bad("want a string, got %v", v)
		}
	case "integer":
		if f, ok := v.(float64); !ok || f != math.Trunc(f) {
			bad("want an integer, got %v", v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("want a boolean, got %v", v)
		}
	}
}
