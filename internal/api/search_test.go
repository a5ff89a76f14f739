package api_test

import (
	"net/url"
	"slices"
	"testing"

	"zwfw/internal/app/apptest"
)

// TestItemSearchAPI: GET /items?q= understands residents' words the way the
// hall's search page does, the item carries its 俗称, and a query that
// finds nothing answers with suggestions, as the document describes.
func TestItemSearchAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		var l struct {
			Items []struct {
				Name    string
				Aliases []string
			}
			Total       int
			Suggestions []struct{ Text, Code, Name string }
		}
		res := anon(t, e).get("/items?q=" + url.QueryEscape("开饭店"))
		conforms(t, "ItemList", res.Body)
		res.decode(&l)
		if l.Total == 0 || l.Items[0].Name != "食品经营许可" || !slices.Contains(l.Items[0].Aliases, "开饭店") || l.Suggestions != nil {
			t.Fatalf("开饭店: %s", res.Body)
		}
		res = anon(t, e).get("/items?q=" + url.QueryEscape("底保"))
		conforms(t, "ItemList", res.Body)
		l.Items, l.Suggestions = nil, nil
		res.decode(&l)
		if l.Total != 0 || len(l.Suggestions) == 0 || l.Suggestions[0].Text != "低保" || l.Suggestions[0].Name != "城乡居民最低生活保障（审核确认）" {
			t.Fatalf("底保: %s", res.Body)
		}
	})
}
